"""Elasticsearch really stopped and started again, with the real worker and a real beat.

While it is down, search answers from the database and saves succeed; after it returns,
beat's periodic sync brings the edit into the index within 30 seconds. The test stops the
node the suite uses, so conftest.py runs it after every other test.
"""

import os
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import pytest

from catalog.models import SearchOutbox
from catalog.search.elastic import indexer
from catalog.search.elastic.client import breaker
from catalog.search.elastic.documents import alias_name
from merchants.tests.factories import ListingFactory

ROOT = Path(__file__).resolve().parent.parent
CONVERGE_SECONDS = 30


def elasticsearch_script(action: str) -> None:
    result = subprocess.run(["scripts/elasticsearch.sh", action], cwd=ROOT, capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, f"scripts/elasticsearch.sh {action} failed:\n{result.stdout}\n{result.stderr}"


def indexed_price(es_client, pk: int):
    response = es_client.options(ignore_status=404).get(index=alias_name("listings"), id=pk)
    return response.body["_source"]["price"] if response.body.get("found") else None


@pytest.fixture
def live_beat(live_celery_worker, tmp_path):
    """A real `celery beat` sending the settings' schedule (search.apply_outbox every few seconds)."""
    env = dict(os.environ, CELERY_TASK_ALWAYS_EAGER="false", SEARCH_SYNC_INTERVAL_SECONDS="2")
    env.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings.test")
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "shop", "beat", "--loglevel=INFO",
         f"--schedule={tmp_path / 'beat-schedule'}", f"--logfile={tmp_path / 'beat.log'}"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
    )
    yield process
    process.terminate()
    process.wait(timeout=20)


@pytest.mark.outage
@pytest.mark.postgres
@pytest.mark.elasticsearch
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_elasticsearch_stopped_and_started_again(client, es_client, settings, live_beat):
    if not (ROOT / "var" / "elasticsearch").exists():
        pytest.skip("Elasticsearch was not started by scripts/elasticsearch.sh in this tree") if os.environ.get("CI") != "true" \
            else pytest.fail("CI=true: scripts/elasticsearch.sh must have started Elasticsearch")
    settings.SEARCH_BACKEND = "elasticsearch"
    breaker.reset()
    listing = ListingFactory(price=Decimal("8.00"))
    indexer.rebuild("merchants")
    indexer.rebuild("listings")
    assert client.get("/api/v1/search/", {"q": listing.product.title}).json()["backend"] == "elasticsearch"

    elasticsearch_script("stop")
    try:
        # search still answers, from the database, and a save does not fail or wait
        body = client.get("/api/v1/search/", {"q": listing.product.title}).json()
        assert body["backend"] == "database"
        assert [row["id"] for row in body["results"]] == [listing.pk]
        started = time.monotonic()
        listing.price = Decimal("9.50")
        listing.save()
        assert time.monotonic() - started < 1.0
        assert SearchOutbox.objects.filter(kind="listing", object_id=listing.pk, processed_at__isnull=True).exists()
    finally:
        elasticsearch_script("start")
    returned = time.monotonic()
    breaker.reset()
    while indexed_price(es_client, listing.pk) != 9.5:
        assert time.monotonic() - returned < CONVERGE_SECONDS, "the edit did not reach Elasticsearch within 30 s"
        time.sleep(0.5)
    print(f"converged {time.monotonic() - returned:.1f} s after Elasticsearch answered again")
    assert client.get("/api/v1/search/", {"q": listing.product.title}).json()["backend"] == "elasticsearch"
