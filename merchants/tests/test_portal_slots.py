"""The slots page: the owner keeps weekly templates; everyone sees the coming slots and who booked."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from delivery.models import Slot, SlotTemplate
from merchants.tests.portal_helpers import shop_with_staff


def body(prefix="new", **overrides):
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).weekday()
    values = {"kind": "service", "product": "", "weekday": tomorrow, "starts": "09:00", "ends": "11:00",
              "slot_minutes": 60, "capacity": 2}
    values.update(overrides)
    return {f"{prefix}-{key}": value for key, value in values.items()}


@pytest.mark.django_db
def test_the_owner_adds_a_template_and_the_coming_slots_appear(client):
    shop, owner, clerk = shop_with_staff()
    client.force_login(owner)
    client.post(reverse("merchant-portal:slot-template-add"), body())
    template = SlotTemplate.objects.get(merchant=shop)
    assert Slot.objects.filter(template=template).count() == 2
    page = client.get(reverse("merchant-portal:slots")).content.decode()
    assert page.count("data-slot=") == 2
    # a booked slot refuses a capacity below its bookings, with a message
    Slot.objects.filter(template=template).update(booked=2)
    response = client.post(reverse("merchant-portal:slot-template", kwargs={"pk": template.pk}),
                           body(prefix=f"t{template.pk}", capacity=1), follow=True)
    assert "容量不能低于已预约数" in response.content.decode()
    assert SlotTemplate.objects.get(pk=template.pk).capacity == 2
    # the clerk sees the slots but cannot change templates
    client.force_login(clerk)
    assert client.get(reverse("merchant-portal:slots")).status_code == 200
    assert client.post(reverse("merchant-portal:slot-template-delete", kwargs={"pk": template.pk})).status_code == 403


@pytest.mark.django_db
def test_another_shops_template_is_not_found(client):
    shop, owner, _clerk = shop_with_staff()
    other, _owner2, _clerk2 = shop_with_staff()
    client.force_login(owner)
    client.post(reverse("merchant-portal:slot-template-add"), body())
    template = SlotTemplate.objects.get(merchant=shop)
    client.force_login(_owner2)
    response = client.post(reverse("merchant-portal:slot-template-delete", kwargs={"pk": template.pk}), follow=True)
    assert "没有这个时段模板" in response.content.decode()
    assert SlotTemplate.objects.filter(pk=template.pk).exists()


@pytest.mark.django_db
def test_a_bad_template_is_refused_with_a_message(client):
    shop, owner, _clerk = shop_with_staff()
    client.force_login(owner)
    response = client.post(reverse("merchant-portal:slot-template-add"), body(starts="12:00", ends="10:00"), follow=True)
    assert "结束时间须晚于开始时间" in response.content.decode()
    assert not SlotTemplate.objects.exists()
