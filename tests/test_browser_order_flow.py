"""The dispatch issue's definition of done, in a real browser: an order placed in the browser moves
through every status on the tracking page, with a real Celery worker dispatching it and the
courier simulator (`manage.py simulate_couriers`, a subprocess on the test database) riding it.

The flow itself (sign in, catalogue near home, product page, basket, checkout, order page,
tracking page) is tests/browser.py, which also checks a running `make up` by hand.
"""

from __future__ import annotations

import time

import pytest

from tests.browser import DELIVERY_STATUSES, run_flow
from tests.services import _tail

# serialized_rollback: the flush after a transactional test would otherwise take the migrations'
# reference rows (business formats...) away from every transactional test after this one
pytestmark = [pytest.mark.browser, pytest.mark.celery, pytest.mark.postgres,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]

FLOW_TIMEOUT_SECONDS = 120


@pytest.fixture
def neighbourhood():
    """make_scene's resident and merchants, the resident's home 600 m north of the shops, the
    stall's store as its fulfilment point and one courier 300 m south of it."""
    from communities.models import StandardAddress
    from communities.tests.factories import BASE_LAT, BASE_LNG, UserFactory
    from delivery.models import Courier
    from delivery.positions import update_position
    from delivery.tests.factories import CourierFactory, store_point
    from shop.checkout.tests.scene import make_scene

    scene = make_scene()
    StandardAddress.objects.filter(pk=scene.address.standard_address_id).update(lat=BASE_LAT + 0.0054, lng=BASE_LNG)
    scene.address.is_default = True
    scene.address.save(update_fields=["is_default"])
    store_point(scene.greens.partner, name="菜场青菜摊门店")
    courier = CourierFactory(name="张师傅", user=UserFactory(mobile="13800000093"), vehicle=Courier.Vehicle.EBIKE)
    update_position(courier=courier, lat=BASE_LAT - 0.0027, lng=BASE_LNG)
    return scene


def test_an_order_placed_in_the_browser_moves_through_every_status_on_the_tracking_page(
        chromium, neighbourhood, simulated_couriers, live_server, monkeypatch, tmp_path):
    # given the page polls every 3 s (its shortest) instead of 10, so a run takes seconds, not minutes
    monkeypatch.setattr("delivery.views.POLL_SECONDS", 3)
    lines = []
    started = time.monotonic()

    # when the resident signs in, orders the greens near home for ASAP delivery, cash on
    # delivery, and watches the tracking page (never reloading it) until the order is delivered
    try:
        result = run_flow(base_url=live_server.url, mobile=str(neighbourhood.resident.mobile),
                          password="demo-pass-123", product="青菜", timeout=FLOW_TIMEOUT_SECONDS,
                          screenshots=tmp_path / "screenshots", log=lines.append)
    except AssertionError as error:
        pytest.fail(f"{error}\n--- flow\n" + "\n".join(lines) + f"\n--- couriers\n{_tail(simulated_couriers)}", pytrace=False)

    # then the page showed the statuses in order, ending delivered, and its event list holds
    # every one of them (a fast step that fell between two polls is still listed)
    seen = [s.status for s in result.seen]
    assert seen[-1] == "delivered", seen
    assert [s for s in result.events if s in DELIVERY_STATUSES] == list(DELIVERY_STATUSES)
    assert len(seen) >= 2, f"the page never changed by itself: {seen}"
    assert not result.page_errors
    # and the database agrees with the page
    from delivery.models import FulfilmentGroup

    group = FulfilmentGroup.objects.get(order__number=result.order_number)
    assert group.status == "delivered" and group.courier.name == "张师傅"
    assert group.order.user == neighbourhood.resident and result.product == "青菜"
    print(f"browser flow: {time.monotonic() - started:.1f}s, page showed {seen}, timings {result.timings}")
