"""Slots that never run out: a merchant's weekly slot templates, and the writes that keep the
coming days' slots in line with them.

- `write_slots` (the beat job `slots.keep_ahead`, and after every template change) writes the
  slots of the next `days` days (SLOT_DAYS_AHEAD) that the active templates describe and that
  do not exist yet; a closed day (OpeningException) gets none, a day of special hours only the
  slots inside them. Unbooked future slots of a template that the templates or the day's hours
  no longer describe are removed; a booked slot is never deleted.
- `create_template` / `update_template` / `delete_template` are the merchant's edits. A
  capacity lower than what a coming slot of the template has booked is refused (409, naming
  the slots), under the same locks as booking (template, then its slots in pk order).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog import page_cache
from merchants.models import OpeningException, Partner
from shop.core.errors import ConflictError, DomainError

from .models import Slot, SlotTemplate

MAX_CAPACITY = 500
MIN_SLOT_MINUTES, MAX_SLOT_MINUTES = 10, 480


class CapacityBelowBooked(ConflictError):
    code = "capacity_below_booked"

    def __init__(self, *, capacity: int, booked: list[dict]):
        worst = max(row["booked"] for row in booked)
        super().__init__(
            _("容量不能低于已预约数: 有时段已预约 %(booked)s 个, 新容量 %(capacity)s")
            % {"booked": worst, "capacity": capacity},
            slots=booked,
        )


@dataclass(frozen=True)
class TemplateFields:
    kind: str
    weekday: int
    starts: dt.time
    ends: dt.time
    slot_minutes: int
    capacity: int
    product_id: int | None = None


def _checked(fields: TemplateFields) -> TemplateFields:
    errors: dict[str, list[str]] = {}
    if fields.kind not in Slot.Kind.values:
        errors["kind"] = [_("类型须为配送时段或上门服务时段")]
    if not isinstance(fields.weekday, int) or not 0 <= fields.weekday <= 6:
        errors["weekday"] = [_("星期须为 0 (周一) 到 6 (周日)")]
    if not isinstance(fields.starts, dt.time) or not isinstance(fields.ends, dt.time) or fields.ends <= fields.starts:
        errors["ends"] = [_("结束时间须晚于开始时间 (不跨午夜)")]
    if not isinstance(fields.slot_minutes, int) or not MIN_SLOT_MINUTES <= fields.slot_minutes <= MAX_SLOT_MINUTES:
        errors["slot_minutes"] = [_("每段分钟数须在 %(low)s 到 %(high)s 之间") % {"low": MIN_SLOT_MINUTES,
                                                                            "high": MAX_SLOT_MINUTES}]
    if not isinstance(fields.capacity, int) or not 1 <= fields.capacity <= MAX_CAPACITY:
        errors["capacity"] = [_("容量须在 1 到 %(high)s 之间") % {"high": MAX_CAPACITY}]
    if errors:
        raise DomainError(_("时段模板填写有误"), fields=errors)
    return fields


def slot_starts(template: SlotTemplate, day: dt.date, exception: OpeningException | None) -> list[dt.datetime]:
    """The start times the template gives on `day` (aware, local time zone); none on a closed day."""
    if day.weekday() != template.weekday or (exception is not None and exception.is_closed):
        return []
    zone = timezone.get_current_timezone()
    start = dt.datetime.combine(day, template.starts)
    end = dt.datetime.combine(day, template.ends)
    step = dt.timedelta(minutes=template.slot_minutes)
    starts = []
    while start + step <= end:
        if exception is None or _inside(exception, start.time(), (start + step).time()):
            starts.append(timezone.make_aware(start, zone))
        start += step
    return starts


def _inside(exception: OpeningException, begins: dt.time, ends: dt.time) -> bool:
    if exception.closes <= exception.opens:  # special hours past midnight
        return begins >= exception.opens
    return exception.opens <= begins and ends <= exception.closes


def days_ahead() -> int:
    return int(getattr(settings, "SLOT_DAYS_AHEAD", 7))


@transaction.atomic
def write_slots(*, now: dt.datetime, days: int | None = None, merchant_ids: list[int] | None = None) -> dict:
    """Make the coming `days` days' slots match the active templates (see the module doc).

    Idempotent: a second run writes and deletes nothing. Returns {"created": n, "deleted": n}.
    """
    days = days_ahead() if days is None else days
    today = timezone.localtime(now).date()
    last = today + dt.timedelta(days=days)
    horizon = timezone.make_aware(dt.datetime.combine(last, dt.time.min), timezone.get_current_timezone())
    templates = SlotTemplate.objects.filter(is_active=True, merchant__is_active=True)
    if merchant_ids is not None:
        templates = templates.filter(merchant_id__in=merchant_ids)
    templates = list(templates.order_by("pk"))
    merchants = merchant_ids if merchant_ids is not None else sorted({t.merchant_id for t in templates})
    exceptions = {
        (e.partner_id, e.date): e
        for e in OpeningException.objects.filter(partner_id__in=merchants, date__gte=today, date__lt=last)
    }
    wanted: dict[tuple, SlotTemplate] = {}
    for template in templates:
        for offset in range(days):
            day = today + dt.timedelta(days=offset)
            for starts_at in slot_starts(template, day, exceptions.get((template.merchant_id, day))):
                if starts_at > now:
                    wanted.setdefault((template.merchant_id, template.kind, template.product_id, starts_at), template)
    # the coming slots these merchants have (templates' or written by hand), locked in pk order
    existing = list(
        Slot.objects.select_for_update().filter(merchant_id__in=merchants, starts_at__gt=now, starts_at__lt=horizon)
        .order_by("pk")
    )
    have = {(s.merchant_id, s.kind, s.product_id, s.starts_at): s for s in existing}
    stale = [s.pk for s in existing if s.template_id and s.booked == 0
             and (s.merchant_id, s.kind, s.product_id, s.starts_at) not in wanted]
    if stale:
        Slot.objects.filter(pk__in=stale, booked=0).delete()
    new = [
        Slot(merchant_id=key[0], kind=key[1], product_id=key[2], starts_at=key[3], duration_min=t.slot_minutes,
             capacity=t.capacity, template=t)
        for key, t in wanted.items() if key not in have
    ]
    Slot.objects.bulk_create(new, batch_size=1000)
    if new:
        page_cache.catalogue_changed()  # product pages list the coming slots (a delete signals by itself)
    return {"created": len(new), "deleted": len(stale)}


def _locked_template(template_id: int, merchant_id: int) -> SlotTemplate:
    template = SlotTemplate.objects.select_for_update().filter(pk=template_id, merchant_id=merchant_id).first()
    if template is None:
        raise DomainError(_("没有这个时段模板"), fields={"template": [_("没有这个时段模板")]})
    return template


@transaction.atomic
def create_template(*, merchant: Partner, fields: TemplateFields, now: dt.datetime) -> SlotTemplate:
    fields = _checked(fields)
    template = SlotTemplate.objects.create(merchant=merchant, **fields.__dict__)
    write_slots(now=now, merchant_ids=[merchant.pk])
    return template


@transaction.atomic
def update_template(*, template_id: int, merchant_id: int, fields: TemplateFields, now: dt.datetime) -> SlotTemplate:
    """Change a template; its coming unbooked slots follow, booked ones stay (with their
    places). A capacity below what a coming slot has booked is refused, nothing written."""
    fields = _checked(fields)
    template = _locked_template(template_id, merchant_id)
    coming = Slot.objects.select_for_update().filter(template=template, starts_at__gt=now).order_by("pk")
    slots = list(coming)
    over = [{"slot_id": s.pk, "starts_at": s.starts_at.isoformat(), "booked": s.booked}
            for s in slots if s.booked > fields.capacity]
    if over:
        raise CapacityBelowBooked(capacity=fields.capacity, booked=over)
    for name, value in fields.__dict__.items():
        setattr(template, name, value)
    template.save()
    # the coming slots that stay take the new capacity (booked <= capacity was checked above)
    Slot.objects.filter(pk__in=[s.pk for s in slots]).update(capacity=fields.capacity)
    if slots:
        page_cache.catalogue_changed()  # the places left shown on the product page
    write_slots(now=now, merchant_ids=[merchant_id])
    return template


@transaction.atomic
def delete_template(*, template_id: int, merchant_id: int, now: dt.datetime) -> dict:
    """Stop a template: its coming unbooked slots go, booked ones stay until they are served."""
    template = _locked_template(template_id, merchant_id)
    template.is_active = False
    template.save(update_fields=["is_active"])
    result = write_slots(now=now, merchant_ids=[merchant_id])
    Slot.objects.filter(template=template).update(template=None)
    template.delete()
    return result


def coming_slots(*, merchant_id: int, now: dt.datetime, days: int | None = None):
    """The merchant's slots of the coming days with their bookings (the slots page)."""
    days = days_ahead() if days is None else days
    return (
        Slot.objects.filter(merchant_id=merchant_id, starts_at__gt=now, starts_at__lt=now + dt.timedelta(days=days))
        .select_related("product", "template").order_by("starts_at", "pk")
    )


def most_booked(template: SlotTemplate, *, now: dt.datetime) -> int:
    return Slot.objects.filter(template=template, starts_at__gt=now).aggregate(m=Max("booked"))["m"] or 0
