"""The pickup-code guessing limit: 5 wrong codes within 15 minutes lock the group for 15 minutes.

Every service-level case runs on each place the count can live: the real Redis (REDIS_URL),
Django's cache (no Redis, as in the embedded demo) and this process's memory (Redis configured
but not answering).
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from delivery import dispatch, pickup_attempts
from delivery.models import FulfilmentGroup, FulfilmentPoint
from delivery.services import BadTransition
from delivery.tests.factories import FulfilmentPointFactory, order_with_groups
from delivery.tests.test_courier_api import courier_at, jobs_of, post
from merchants.tests.factories import ListingFactory
from shop.core.errors import DomainError, TooManyAttempts
from tests.services import closed_port

pytestmark = pytest.mark.django_db

S = FulfilmentGroup.Status


@pytest.fixture(params=["redis", "django_cache", "redis_down"])
def store(request, settings):
    """Where the count lives for this test."""
    if request.param == "redis":
        request.getfixturevalue("redis_client")  # skips (locally) when Redis is absent
    elif request.param == "django_cache":
        settings.REDIS_URL = ""
    else:
        settings.REDIS_URL = f"redis://127.0.0.1:{closed_port()}/0"
    pickup_attempts._local.clear()
    yield request.param
    pickup_attempts._local.clear()


def ready_group() -> FulfilmentGroup:
    order = order_with_groups(lines=[(ListingFactory(), 1)], method="pickup", status=S.READY_FOR_PICKUP)
    return order.fulfilment_groups.get()


def wrong_code(group: FulfilmentGroup) -> str:
    return "000000" if group.pickup_code != "000000" else "111111"


def guess_wrong(group: FulfilmentGroup, now=None) -> DomainError:
    with pytest.raises(DomainError) as raised:
        dispatch.collect(group_id=group.pk, pickup_code=wrong_code(group), actor="station", now=now)
    assert not isinstance(raised.value, TooManyAttempts)
    assert raised.value.status_code == 422
    assert raised.value.fields == {"pickup_code": ["取货码不正确"]}
    return raised.value


def test_five_wrong_codes_lock_the_group_for_fifteen_minutes(store):
    # given a group ready at the counter
    group = ready_group()
    now = timezone.now()

    # when five wrong codes are given, each one is a 422 saying how many tries are left
    left = [guess_wrong(group, now=now + timedelta(seconds=i)).extra["attempts_left"] for i in range(5)]
    assert left == [4, 3, 2, 1, 0]

    # then even the right code is refused while locked: 429 with the seconds to wait
    with pytest.raises(TooManyAttempts) as raised:
        dispatch.collect(group_id=group.pk, pickup_code=group.pickup_code, actor="station",
                         now=now + timedelta(minutes=10))
    assert raised.value.status_code == 429
    assert raised.value.code == "too_many_attempts"
    assert raised.value.retry_after == 5 * 60 + 4
    assert raised.value.detail == "取货码错误次数过多, 请 6 分钟后再试"
    group.refresh_from_db()
    assert group.status == S.READY_FOR_PICKUP

    # and after fifteen minutes the right code works
    collected = dispatch.collect(group_id=group.pk, pickup_code=group.pickup_code, actor="station",
                                 now=now + timedelta(minutes=15, seconds=5))
    assert collected.status == S.COLLECTED


def test_after_the_lockout_the_count_starts_again(store):
    group = ready_group()
    now = timezone.now()
    for _ in range(5):
        guess_wrong(group, now=now)

    # when the lockout is over, a wrong code is a plain 422 again, with four more tries
    later = now + timedelta(minutes=16)
    assert guess_wrong(group, now=later).extra["attempts_left"] == 4


def test_wrong_codes_spread_over_more_than_fifteen_minutes_do_not_lock(store):
    group = ready_group()
    now = timezone.now()
    for i in range(4):
        guess_wrong(group, now=now + timedelta(minutes=i))

    # when the fifth wrong code comes after the window of the first: a new window
    assert guess_wrong(group, now=now + timedelta(minutes=15)).extra["attempts_left"] == 4
    # and the right code still works
    assert dispatch.collect(group_id=group.pk, pickup_code=group.pickup_code, actor="station",
                            now=now + timedelta(minutes=16)).status == S.COLLECTED


def test_a_right_code_resets_the_count(store):
    group = ready_group()
    for _ in range(4):
        guess_wrong(group)

    # when the right code is given
    assert dispatch.collect(group_id=group.pk, pickup_code=group.pickup_code, actor="station").status == S.COLLECTED

    # then the wrong codes before it are forgotten (the group put back to test it)
    FulfilmentGroup.objects.filter(pk=group.pk).update(status=S.READY_FOR_PICKUP)
    assert [guess_wrong(group).extra["attempts_left"] for _ in range(4)] == [4, 3, 2, 1]


def test_other_groups_are_not_affected(store):
    locked, other = ready_group(), ready_group()
    for _ in range(5):
        guess_wrong(locked)
    with pytest.raises(TooManyAttempts):
        dispatch.collect(group_id=locked.pk, pickup_code=locked.pickup_code, actor="station")

    assert guess_wrong(other).extra["attempts_left"] == 4
    assert dispatch.collect(group_id=other.pk, pickup_code=other.pickup_code, actor="station").status == S.COLLECTED


def test_a_group_not_ready_is_still_a_bad_transition_not_a_count(store):
    order = order_with_groups(lines=[(ListingFactory(), 1)], method="pickup", status=S.CREATED)
    group = order.fulfilment_groups.get()
    with pytest.raises(BadTransition) as raised:
        dispatch.collect(group_id=group.pk, pickup_code=wrong_code(group), actor="station")
    assert raised.value.detail == f"履约单 {group.pk} 当前状态为「已下单」, 不能取货"


# --- through the courier API (a station delivery with the resident's code) -----------------------


@pytest.fixture
def at_station():
    """A pickup-at-station group picked up by 王师傅, who is at the station with the resident."""
    listing = ListingFactory()
    station = FulfilmentPointFactory(kind=FulfilmentPoint.Kind.PICKUP_STATION, name="山西路自提点")
    order = order_with_groups(lines=[(listing, 1)], method="pickup")
    group = order.fulfilment_groups.get()
    FulfilmentGroup.objects.filter(pk=group.pk).update(pickup_point=station)
    FulfilmentPointFactory(kind=FulfilmentPoint.Kind.STORE, merchant=listing.partner, opens="00:00", closes="00:00")
    courier = courier_at("王师傅")
    dispatch.route_and_offer(group_id=group.pk)
    assert [job["id"] for job in jobs_of(courier)] == [group.pk]
    post(courier.user, f"/api/v1/courier/jobs/{group.pk}/accept/")
    post(courier.user, f"/api/v1/courier/jobs/{group.pk}/pickup/")
    group.refresh_from_db()
    return courier, group


def test_the_courier_api_answers_422_for_a_wrong_code_and_429_once_locked(at_station):
    courier, group = at_station
    path = f"/api/v1/courier/jobs/{group.pk}/deliver/"

    # five wrong codes: 422 each, and nothing is delivered
    for left in (4, 3, 2, 1, 0):
        response = post(courier.user, path, {"pickup_code": wrong_code(group)})
        assert response.status_code == 422
        assert response.json() == {"error": "unprocessable", "detail": "取货码不正确",
                                   "fields": {"pickup_code": ["取货码不正确"]}, "attempts_left": left}
    assert FulfilmentGroup.objects.get(pk=group.pk).status == S.PICKED_UP

    # then the right code is refused: 429, with Retry-After
    locked = post(courier.user, path, {"pickup_code": group.pickup_code})
    assert locked.status_code == 429
    body = locked.json()
    assert body["error"] == "too_many_attempts" and body["fields"] == {}
    assert 14 * 60 < body["retry_after"] <= 15 * 60
    assert locked["Retry-After"] == str(body["retry_after"])
    assert body["detail"] == "取货码错误次数过多, 请 15 分钟后再试"
    assert FulfilmentGroup.objects.get(pk=group.pk).status == S.PICKED_UP

    # the courier can still leave it at the station without the code
    assert post(courier.user, path).json()["status"] == "ready_for_pickup"

    # when the lock expires, the right code hands it over
    pickup_attempts.reset(group)
    collected = dispatch.collect(group_id=group.pk, pickup_code=group.pickup_code, actor="station")
    assert collected.status == S.COLLECTED
