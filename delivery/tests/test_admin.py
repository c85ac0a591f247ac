"""The operator's Django admin pages for dispatch: every changelist and change page answers, the
state-machine records are read only, and a stuck order can be found by its number."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from communities.tests.factories import UserFactory
from delivery import dispatch, positions
from delivery.models import (
    Courier,
    DispatchDecision,
    DispatchJob,
    FulfilmentGroup,
    FulfilmentPoint,
    JobOffer,
    ServiceProvider,
)
from delivery.tests.factories import CourierFactory, FulfilmentPointFactory, ServiceProviderFactory, dispatchable_order

pytestmark = pytest.mark.django_db

S = FulfilmentGroup.Status
MODELS = [FulfilmentGroup, DispatchJob, DispatchDecision, JobOffer, ServiceProvider]


@pytest.fixture(autouse=True)
def noon_in_beijing():
    """The warehouse below is open 03:00-03:01 only: at noon it is surely closed (a run at 03:00
    Beijing time once found it open). The clock starts at noon and ticks on."""
    with time_machine.travel(datetime(2026, 3, 18, 12, 0, tzinfo=ZoneInfo("Asia/Shanghai")), tick=True):
        yield


@pytest.fixture
def operator() -> Client:
    client = Client()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


@pytest.fixture
def offered_group() -> FulfilmentGroup:
    """A group routed to its store (a closed front warehouse lost) and offered to a courier."""
    group = dispatchable_order()
    FulfilmentPointFactory(kind=FulfilmentPoint.Kind.FRONT_WAREHOUSE, merchant=group.merchant, name="河西前置仓",
                           lat=group.merchant.lat, lng=group.merchant.lng, opens="03:00", closes="03:01")
    courier = CourierFactory(status=Courier.Status.AVAILABLE)
    positions.update_position(courier=courier, lat=group.merchant.lat, lng=group.merchant.lng)
    assert dispatch.route_and_offer(group_id=group.pk) == "point_assigned+offer"
    DispatchJob.objects.get_or_create(group=group)
    ServiceProviderFactory(merchant=group.merchant)
    return group


def admin_url(model, action: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{action}", args=args)


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_each_changelist_and_change_page_answers(operator, offered_group, model):
    row = model.objects.order_by("pk").first()
    assert row is not None

    assert operator.get(admin_url(model, "changelist")).status_code == 200
    assert operator.get(admin_url(model, "change", row.pk)).status_code == 200


@pytest.mark.parametrize("model", [FulfilmentGroup, DispatchJob, DispatchDecision, JobOffer], ids=lambda m: m.__name__)
def test_dispatch_records_are_read_only_and_found_by_order_number(operator, offered_group, model):
    number = offered_group.order.number
    # found by the order's number
    listing = operator.get(admin_url(model, "changelist"), {"q": number})
    assert listing.status_code == 200
    assert listing.context["cl"].result_count == 1
    # and shown, not edited: no add page, a change page without a save button, no delete
    assert operator.get(admin_url(model, "add")).status_code == 403
    row = model.objects.get(**({"pk": offered_group.pk} if model is FulfilmentGroup else {"group": offered_group}))
    page = operator.get(admin_url(model, "change", row.pk))
    assert page.status_code == 200 and b'name="_save"' not in page.content
    assert operator.post(admin_url(model, "delete", row.pk), {"post": "yes"}).status_code == 403


def test_a_group_page_shows_its_events_and_hides_the_pickup_code(operator):
    group = dispatchable_order(method="pickup")
    page = operator.get(admin_url(FulfilmentGroup, "change", group.pk)).content.decode()
    assert group.order.number in page
    assert group.pickup_code not in page


def test_a_decision_shows_every_candidate_and_why_it_lost(operator, offered_group):
    decision = DispatchDecision.objects.get(group=offered_group)
    page = operator.get(admin_url(DispatchDecision, "change", decision.pk)).content.decode()
    assert "河西前置仓" in page and "未营业 (03:00-03:01)" in page
    assert "<table>" in page and "选中" in page


def test_dispatch_now_routes_a_stuck_group(operator):
    # given a group nobody routed (its routing message was lost)
    group = dispatchable_order()
    DispatchJob.objects.create(group=group)

    # when the operator dispatches it from the job list
    response = operator.post(admin_url(DispatchJob, "changelist"),
                             {"action": "dispatch_now", "_selected_action": [DispatchJob.objects.get(group=group).pk]})

    # then it is routed to its store
    assert response.status_code == 302
    group.refresh_from_db()
    assert group.status == S.POINT_ASSIGNED
    assert DispatchJob.objects.get(group=group).routed_at is not None
