"""A cash-on-delivery checkout while the Celery broker is unreachable: the order stands.

Placing a COD order queues two things after commit: the dispatch of each group (through the
DispatchJob outbox) and the merchants' new-order emails. With the broker away neither may turn
the placed order into a server error: the resident gets the order (201 / the order page), the
order and its DispatchJob rows are committed, still unsent for beat to re-send.

The broker is not stopped (other tests share it): the Celery app is pointed at a local port
nothing listens on, with fresh connection pools, and put back afterwards. The test commits for
real (transaction=True), so the on-commit sends run inside the request as in production.
"""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from celery import current_app
from django.urls import reverse
from django.utils import timezone
from oscar.apps.order.models import Order

from delivery import outbox, tasks
from delivery.models import DispatchJob, FulfilmentGroup
from shop.basket.tests.neighbourhood import make_neighbourhood
from shop.basket.tests.test_basket_pages import fill as fill_page_basket
from shop.checkout.tests.scene import make_scene
from shop.checkout.tests.test_checkout_pages import choose
from shop.checkout.tests.test_ordering_api import api_for, checkout_body, fill
from tests.services import closed_port

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

CONF_KEYS = ("broker_url", "broker_write_url", "task_always_eager")


def _fresh_pools() -> None:
    """Forget the app's broker connection pools, so the next send connects to the configured URL."""
    current_app._pool = None
    current_app.amqp._producer_pool = None
    tasks._drop_broker()  # the drain keeps its own connection per thread


@pytest.fixture
def broker_down(settings):
    """The Celery app sends to a closed port (not eagerly, as with a real broker)."""
    url = f"redis://127.0.0.1:{closed_port()}/0"
    saved = {key: current_app.conf[key] for key in CONF_KEYS}
    settings.CELERY_BROKER_URL = url
    current_app.conf.update(broker_url=url, broker_write_url=url, task_always_eager=False)
    _fresh_pools()
    yield url
    current_app.conf.update(saved)
    _fresh_pools()


def assert_placed_and_pending(order: Order, caplog) -> None:
    groups = list(FulfilmentGroup.objects.filter(order=order))
    assert groups and all(group.status == FulfilmentGroup.Status.CREATED for group in groups)
    jobs = DispatchJob.objects.filter(group__order=order)
    # every group has its outbox row, committed, not sent: beat re-sends it when the broker returns
    assert sorted(jobs.values_list("group_id", flat=True)) == sorted(group.pk for group in groups)
    assert not jobs.filter(sent_at__isnull=False).exists() and not jobs.filter(routed_at__isnull=False).exists()
    due = timezone.now() + outbox.GRACE + timedelta(seconds=1)
    assert outbox.pending_group_ids(now=due) == sorted(group.pk for group in groups)
    # and the outage was logged, not raised
    warnings = [record.getMessage() for record in caplog.records if record.levelno == logging.WARNING]
    assert any("could not wake the dispatch drain" in message for message in warnings), warnings
    assert any("could not queue the new-order email" in message for message in warnings), warnings


def test_cod_checkout_over_the_api_answers_201_with_the_broker_down(broker_down, caplog):
    # given a resident with a full basket
    scene = make_scene()
    api = api_for(scene.resident)
    fill(api, scene)

    # when they check out with cash on delivery while the broker is unreachable
    with caplog.at_level(logging.WARNING):
        response = api.post("/api/v1/checkout/", checkout_body(scene, "cod"), format="json")

    # then the order is placed and answered
    assert response.status_code == 201, response.content
    order = Order.objects.get(number=response.json()["number"])
    assert response.json()["status"] == "placed" and order.user == scene.resident
    assert len(response.json()["groups"]) == 3
    assert_placed_and_pending(order, caplog)
    # and the resident can read it
    assert api.get(f"/api/v1/orders/{order.number}/").status_code == 200


def test_cod_checkout_page_goes_to_the_order_page_with_the_broker_down(client, broker_down, caplog):
    # given a signed-in resident with a full basket on the checkout page
    place = make_neighbourhood()
    place.sign_in(client)
    fill_page_basket(client, place)

    # when they place the order with cash on delivery while the broker is unreachable
    with caplog.at_level(logging.WARNING):
        response = client.post(reverse("checkout:index"), choose(place, payment="cod"))

    # then they are sent to the order page, which answers
    order = Order.objects.get(user=place.resident)
    order_url = reverse("customer:order", kwargs={"order_number": order.number})
    assert response.status_code == 302 and response["Location"] == order_url
    assert client.get(order_url).status_code == 200
    assert_placed_and_pending(order, caplog)
