"""Slot templates: the coming days' slots are written from weekly templates, holidays get
none, edits never delete booked slots and never lower a capacity below what is booked."""

import datetime as dt

import pytest
from django.utils import timezone

from delivery import slot_templates as st
from delivery.models import Slot, SlotTemplate
from delivery.tasks import keep_slots_ahead
from merchants.models import OpeningException
from merchants.tests.factories import MerchantFactory
from shop.core.errors import ConflictError, DomainError

# a Monday morning, local time
NOW = timezone.make_aware(dt.datetime(2026, 3, 2, 8, 0))


def fields(**overrides) -> st.TemplateFields:
    values = dict(kind="service", weekday=0, starts=dt.time(9), ends=dt.time(11), slot_minutes=60, capacity=2)
    values.update(overrides)
    return st.TemplateFields(**values)


def book(slot_or_pk, places: int) -> None:
    """Given: places booked (checkout's book_slots reads the wall clock, these slots are in 2026-03)."""
    Slot.objects.filter(pk=getattr(slot_or_pk, "pk", slot_or_pk)).update(booked=places)


def local_starts(merchant) -> list[str]:
    return [f"{timezone.localtime(s.starts_at):%m-%d %H:%M}/{s.capacity}"
            for s in Slot.objects.filter(merchant=merchant).order_by("starts_at")]


@pytest.mark.django_db
def test_a_template_writes_the_coming_weeks_slots_once():
    # given a shop with a Monday 9-11 template of hour-long slots
    shop = MerchantFactory()
    st.create_template(merchant=shop, fields=fields(), now=NOW)
    # then this Monday's two slots are written (the next Monday is beyond 7 days)
    assert local_starts(shop) == ["03-02 09:00/2", "03-02 10:00/2"]
    # when the beat job runs again, and later with 14 days ahead
    assert st.write_slots(now=NOW) == {"created": 0, "deleted": 0}
    st.write_slots(now=NOW, days=14)
    assert local_starts(shop) == ["03-02 09:00/2", "03-02 10:00/2", "03-09 09:00/2", "03-09 10:00/2"]


@pytest.mark.django_db
def test_past_times_and_holidays_get_no_slots_and_special_hours_only_inside(settings):
    shop = MerchantFactory()
    OpeningException.objects.create(partner=shop, date=dt.date(2026, 3, 9), is_closed=True, note="清明调休")
    OpeningException.objects.create(partner=shop, date=dt.date(2026, 3, 16), is_closed=False,
                                    opens=dt.time(10), closes=dt.time(18))
    st.create_template(merchant=shop, fields=fields(), now=NOW + dt.timedelta(hours=1, minutes=30))  # 09:30
    st.write_slots(now=NOW + dt.timedelta(hours=1, minutes=30), days=21)
    assert local_starts(shop) == ["03-02 10:00/2", "03-16 10:00/2"]


@pytest.mark.django_db
def test_a_holiday_added_later_removes_unbooked_slots_and_keeps_booked_ones():
    shop = MerchantFactory()
    template = st.create_template(merchant=shop, fields=fields(), now=NOW)
    nine = Slot.objects.get(template=template, starts_at=NOW + dt.timedelta(hours=1))
    book(nine, 1)
    OpeningException.objects.create(partner=shop, date=dt.date(2026, 3, 2), is_closed=True)
    st.write_slots(now=NOW)
    assert local_starts(shop) == ["03-02 09:00/2"]  # the booked one stays, the 10:00 one went


@pytest.mark.django_db
def test_editing_a_template_never_deletes_booked_slots():
    shop = MerchantFactory()
    template = st.create_template(merchant=shop, fields=fields(), now=NOW)
    nine = Slot.objects.get(template=template, starts_at=NOW + dt.timedelta(hours=1))
    book(nine, 2)
    # when the shop moves the template to the afternoon with three places
    st.update_template(template_id=template.pk, merchant_id=shop.pk,
                       fields=fields(starts=dt.time(14), ends=dt.time(16), capacity=3), now=NOW)
    # then the booked 9:00 slot stays (with the new capacity) and the afternoon slots are written
    assert local_starts(shop) == ["03-02 09:00/3", "03-02 14:00/3", "03-02 15:00/3"]
    assert Slot.objects.get(pk=nine.pk).booked == 2


@pytest.mark.django_db
def test_lowering_a_capacity_below_what_is_booked_is_refused_and_writes_nothing():
    shop = MerchantFactory()
    template = st.create_template(merchant=shop, fields=fields(), now=NOW)
    nine = Slot.objects.get(template=template, starts_at=NOW + dt.timedelta(hours=1))
    book(nine, 2)
    with pytest.raises(ConflictError) as refused:
        st.update_template(template_id=template.pk, merchant_id=shop.pk, fields=fields(capacity=1), now=NOW)
    assert refused.value.code == "capacity_below_booked" and refused.value.status_code == 409
    assert refused.value.extra["slots"][0]["slot_id"] == nine.pk
    assert SlotTemplate.objects.get(pk=template.pk).capacity == 2
    assert local_starts(shop) == ["03-02 09:00/2", "03-02 10:00/2"]


@pytest.mark.django_db
def test_deleting_a_template_keeps_booked_slots():
    shop = MerchantFactory()
    template = st.create_template(merchant=shop, fields=fields(), now=NOW)
    book(Slot.objects.get(template=template, starts_at=NOW + dt.timedelta(hours=2)), 1)
    st.delete_template(template_id=template.pk, merchant_id=shop.pk, now=NOW)
    assert local_starts(shop) == ["03-02 10:00/2"]
    assert not SlotTemplate.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("bad", [
    dict(weekday=7), dict(kind="lunch"), dict(starts=dt.time(11), ends=dt.time(9)), dict(capacity=0),
    dict(slot_minutes=5), dict(capacity=10_000),
])
def test_bad_templates_are_refused(bad):
    shop = MerchantFactory()
    with pytest.raises(DomainError):
        st.create_template(merchant=shop, fields=fields(**bad), now=NOW)
    assert not SlotTemplate.objects.exists() and not Slot.objects.exists()


@pytest.mark.django_db
def test_another_shop_cannot_edit_the_template():
    shop, other = MerchantFactory(), MerchantFactory()
    template = st.create_template(merchant=shop, fields=fields(), now=NOW)
    with pytest.raises(DomainError):
        st.update_template(template_id=template.pk, merchant_id=other.pk, fields=fields(capacity=5), now=NOW)
    with pytest.raises(DomainError):
        st.delete_template(template_id=template.pk, merchant_id=other.pk, now=NOW)


@pytest.mark.django_db
def test_the_beat_task_writes_the_coming_days(settings):
    settings.SLOT_DAYS_AHEAD = 7
    shop = MerchantFactory()
    today = timezone.localdate()
    SlotTemplate.objects.create(merchant=shop, kind="delivery", weekday=(today.weekday() + 1) % 7,
                                starts=dt.time(9), ends=dt.time(10), slot_minutes=30, capacity=4)
    result = keep_slots_ahead.apply().get()
    assert result["created"] == 2
    assert Slot.objects.filter(merchant=shop, kind="delivery", capacity=4).count() == 2
