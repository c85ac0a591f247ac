"""The resident's tracking page (/orders/<number>/tracking/) and the groups on Oscar's order page."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from communities.tests.factories import BASE_LAT, BASE_LNG, StandardAddressFactory, UserFactory
from delivery.models import FulfilmentGroup, FulfilmentPoint
from delivery.positions import update_position
from delivery.services import transition
from delivery.tests.factories import CourierFactory, FulfilmentPointFactory, order_with_groups
from delivery.tracking_map import build_map, project

pytestmark = pytest.mark.django_db

S = FulfilmentGroup.Status


def _text(response) -> str:
    """The visible text of a page: tags stripped, whitespace collapsed."""
    html = response.content.decode()
    html = re.sub(r"<(script|style|svg)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _section(response, group) -> str:
    html = response.content.decode()
    match = re.search(rf'<section class="tracking-group[^"]*" id="group-{group.pk}".*?</section>', html, flags=re.S)
    assert match, f"no section for group {group.pk}"
    return match.group(0)


def _translate(transform: str) -> tuple[float, float]:
    x, y = re.search(r"translate\(([\d.]+) ([\d.]+)\)", transform).groups()
    return float(x), float(y)


@pytest.fixture
def order():
    resident = UserFactory()
    order = order_with_groups(user=resident)
    home = StandardAddressFactory(lat=BASE_LAT + 0.0054, lng=BASE_LNG, compound="青岛路小区", building="3", unit="1",
                                  room="302")
    FulfilmentGroup.objects.filter(order=order).update(dropoff=home)
    return order


def on_the_way(group, courier, *, picked_up=False):
    point = FulfilmentPointFactory(kind=FulfilmentPoint.Kind.FRONT_WAREHOUSE, name="湖南路前置仓", lat=BASE_LAT, lng=BASE_LNG)
    transition(group_id=group.pk, to=S.POINT_ASSIGNED, point=point)
    transition(group_id=group.pk, to=S.COURIER_ASSIGNED, courier=courier)
    if picked_up:
        transition(group_id=group.pk, to=S.PICKED_UP)
    return point


def test_the_page_shows_steps_courier_eta_and_a_map(client, order):
    # given the first group picked up by a courier halfway to the resident's door
    first, second = order.fulfilment_groups.order_by("pk")
    courier = CourierFactory(name="张师傅")
    on_the_way(first, courier, picked_up=True)
    update_position(courier=courier, lat=BASE_LAT + 0.0027, lng=BASE_LNG)
    client.force_login(order.user)

    # when the resident opens the tracking page
    response = client.get(f"/orders/{order.number}/tracking/")

    # then each merchant has a card; the first shows its steps, courier, ETA and map
    assert response.status_code == 200
    text = _text(response)
    assert first.merchant.name in text and second.merchant.name in text
    section = _section(response, first)
    steps = re.findall(r'<li class="step (\w+)"', section)
    assert steps == ["done", "done", "done", "current", "todo"]
    assert "骑手配送中" in section and "已送达" in section
    assert "张师傅" in section
    assert re.search(r"预计 \d\d:\d\d 送达", section)
    assert "青岛路小区3栋1单元302室" in section
    # the map: the point, the home and the courier between them, on the line from the courier home
    assert '<svg class="tracking-map"' in section
    courier_xy = _translate(re.search(r'<g class="map-courier" data-courier transform="([^"]+)"', section).group(1))
    point_xy = _translate(re.search(r'<g class="map-point">.*?transform="([^"]+)"', section, flags=re.S).group(1))
    home_xy = _translate(re.search(r'<g class="map-home">.*?transform="([^"]+)"', section, flags=re.S).group(1))
    assert point_xy[1] > courier_xy[1] > home_xy[1]  # north is up: the point south, the home north
    assert courier_xy[0] == pytest.approx(point_xy[0], abs=0.2) == pytest.approx(home_xy[0], abs=0.2)
    line = re.search(r'<line class="courier-line" data-courier-line x1="([\d.]+)" y1="([\d.]+)" x2="([\d.]+)" y2="([\d.]+)"', section)
    assert (float(line[1]), float(line[2])) == courier_xy
    assert (float(line[4]) == pytest.approx(home_xy[1] - 0, abs=0.2))
    # and the script that polls the tracking API is our own, nothing from another host
    html = response.content.decode()
    assert "/static/js/tracking.js" in html
    assert f'data-api-url="/api/v1/orders/{order.number}/tracking/"' in html
    assert not re.search(r'(src|href)="(https?:)?//', html)


def test_the_script_and_the_server_place_the_courier_alike():
    # given a map built with the courier somewhere
    built = build_map(point=(BASE_LAT, BASE_LNG), home=(BASE_LAT + 0.005, BASE_LNG + 0.003),
                      courier=(BASE_LAT + 0.002, BASE_LNG + 0.001))
    # then projecting the courier again from the map's published origin and scale lands on its mark
    x, y = project(built, BASE_LAT + 0.002, BASE_LNG + 0.001)
    assert (f"{x:.1f}", f"{y:.1f}") == (built.courier.x, built.courier.y)
    # and a courier far away sits on the edge, not off the map
    far_x, far_y = project(built, BASE_LAT + 1, BASE_LNG)
    assert far_y == 40.0 and 40 <= far_x <= 960


def test_a_pickup_group_shows_the_code_big_and_pickup_steps(client):
    # given a pickup order ready to collect at the shop
    resident = UserFactory()
    order = order_with_groups(user=resident, method="pickup")
    group = order.fulfilment_groups.order_by("pk").first()
    transition(group_id=group.pk, to=S.READY_FOR_PICKUP)
    client.force_login(resident)

    # when the resident opens the tracking page
    section = _section(client.get(f"/orders/{order.number}/tracking/"), group)

    # then the 6-digit code is shown in its own box, with the pickup steps
    assert re.search(rf'<p class="pickup-code"[^>]*>{group.pickup_code}</p>', section)
    assert "取货码" in section
    assert re.findall(r'<li class="step (\w+)"', section) == ["done", "current", "todo"]
    assert "可以取货了" in section and "已取货" in section


def test_merchant_steps_are_named_in_the_history(client, order):
    # given a group the merchant accepted (an event that is not a status change)
    from delivery.services import record_event

    first = order.fulfilment_groups.order_by("pk").first()
    record_event(group=first, status="accepted", actor="merchant")
    client.force_login(order.user)

    section = _section(client.get(f"/orders/{order.number}/tracking/"), first)

    history = re.search(r'<details class="tracking-events">.*?</details>', section, flags=re.S).group(0)
    assert "商家已接单" in history and "accepted" not in re.sub(r"<[^>]+>", "", history)


def test_the_history_names_each_status_as_the_steps_do(client, order):
    # given a group picked up by a courier
    first = order.fulfilment_groups.order_by("pk").first()
    on_the_way(first, CourierFactory(name="张师傅"), picked_up=True)
    client.force_login(order.user)

    section = _section(client.get(f"/orders/{order.number}/tracking/"), first)

    # then each event carries its status and reads like the step it reached, not the shop's words
    history = re.search(r'<details class="tracking-events">.*?</details>', section, flags=re.S).group(0)
    assert re.findall(r'<li data-status="(\w+)">', history) == ["point_assigned", "courier_assigned", "picked_up"]
    words = re.sub(r"<[^>]+>", "", history)
    assert "备货中" in words and "骑手已接单" in words and "骑手配送中" in words
    assert "已分配履约点" not in words


def test_a_failed_group_shows_the_reason(client, order):
    first = order.fulfilment_groups.order_by("pk").first()
    transition(group_id=first.pk, to=S.POINT_ASSIGNED, point=FulfilmentPointFactory())
    transition(group_id=first.pk, to=S.FAILED, note="联系不上收货人")
    client.force_login(order.user)

    section = _section(client.get(f"/orders/{order.number}/tracking/"), first)

    assert "配送失败" in section
    assert "原因: 联系不上收货人" in section
    assert 'role="alert"' in section


def test_the_promised_time_is_the_eta_before_a_courier_rides(client, order):
    # given a group promised for 18:30 local time, not yet with a courier
    first = order.fulfilment_groups.order_by("pk").first()
    promised = timezone.localtime().replace(hour=18, minute=30, second=0, microsecond=0) + timedelta(days=1)
    FulfilmentGroup.objects.filter(pk=first.pk).update(promised_at=promised)
    client.force_login(order.user)

    section = _section(client.get(f"/orders/{order.number}/tracking/"), first)

    assert "预计 18:30 送达" in section


def test_strangers_get_404_and_anonymous_visitors_sign_in(client, order):
    client.force_login(UserFactory())
    assert client.get(f"/orders/{order.number}/tracking/").status_code == 404
    client.logout()
    response = client.get(f"/orders/{order.number}/tracking/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_account_order_page_lists_each_merchant_with_a_tracking_link(client):
    # given a resident's order with a delivery group and a pickup group
    resident = UserFactory()
    from merchants.tests.factories import ListingFactory

    delivered, collected = ListingFactory(), ListingFactory()
    order = order_with_groups(user=resident, lines=[(delivered, 1), (collected, 1)],
                              method={delivered.partner: "delivery", collected.partner: "pickup"})
    pickup_group = order.fulfilment_groups.get(method="pickup")
    client.force_login(resident)

    # when they open Oscar's order page
    response = client.get(f"/accounts/orders/{order.number}/")

    # then each merchant is listed with its status and a link to the tracking page, the pickup
    # code is there, and Oscar's own content (the lines and the total) is still there
    assert response.status_code == 200
    text = _text(response)
    assert delivered.partner.name in text and collected.partner.name in text
    assert pickup_group.pickup_code in text
    assert response.content.decode().count(f'href="/orders/{order.number}/tracking/#group-') == 2
    assert "商家已收到订单" in text
    assert delivered.product.get_title() in text  # Oscar's lines table
