"""The order loop with the real worker: a sale reaches Elasticsearch within seconds, and a small
simulated day ends every order with the stock and money audits at zero."""

import time

import pytest
from django.core.management import call_command

from catalog.models import SearchOutbox
from catalog.search.elastic import indexer
from catalog.search.elastic.documents import alias_name
from delivery.lifecycle import TERMINAL
from delivery.models import FulfilmentGroup
from shop.checkout.services import place_order
from shop.checkout.tests.scene import make_scene

pytestmark = [pytest.mark.celery, pytest.mark.postgres,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def in_stock(es_client, pk: int):
    es_client.indices.refresh(index=alias_name("listings"))
    response = es_client.options(ignore_status=404).get(index=alias_name("listings"), id=pk)
    return response.body["_source"]["in_stock"] if response.body.get("found") else None


def wait_for(es_client, pk: int, value, seconds: float = 20) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if in_stock(es_client, pk) is value:
            return True
        time.sleep(0.5)
    return False


def test_a_sold_out_listing_leaves_the_in_stock_results_within_seconds(es_client, live_celery_worker):
    from catalog.search.elastic.client import breaker

    # given 2 boxes of medicine, indexed as in stock (the worker uses the environment's prefix)
    breaker.reset()
    indexer.ensure_indices()
    scene = make_scene(medicine_stock=2)
    indexer.apply_outbox()  # the worker may be at it too: wait for the document
    assert wait_for(es_client, scene.medicine.pk, True), "the new listing was not indexed"
    outbox_before = SearchOutbox.objects.count()
    # when a resident buys both (the allocation commits; the outbox row goes to the worker)
    place_order(user=scene.resident, basket=scene.fill(greens_g=0, medicine=2, cleaning=0),
                address_id=scene.address.pk,
                groups=[c for c in scene.choices(medicine="delivery") if c.merchant_id == scene.medicine.partner_id],
                payment="cod")
    # then one outbox row per listing of the order (not per unit), and the index follows
    assert SearchOutbox.objects.count() - outbox_before == 1
    assert wait_for(es_client, scene.medicine.pk, False), "the sale did not reach Elasticsearch within 20 s"


def test_a_small_simulated_day_ends_every_order_with_the_audits_at_zero(live_celery_worker):
    # given the demo district
    call_command("load_demo", seed=3, verbosity=0)
    # (the demo itself holds open orders: the shop owner's pending booking, the bureau's history)
    demo_groups = FulfilmentGroup.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    # when a day of 28 orders (every kind twice) is driven; audits raise CommandError on drift
    call_command("simulate_day", orders=28, seed=3, wait=30, all_hours=True, verbosity=0)
    # then every group of the day has ended, in every kind of end
    statuses = set(FulfilmentGroup.objects.filter(pk__gt=demo_groups).values_list("status", flat=True))
    assert statuses <= TERMINAL
    assert {"delivered", "collected", "cancelled", "rejected", "failed"} <= statuses
