"""Writes about the shop's profile: weekly hours, holidays and special days, a pause, the
minimum order and delivery fee, and the service area. Saved with save() so the search outbox
row is written in the same transaction. Split from merchants.services (the stock ledger)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shop.core.errors import ConflictError, DomainError

from .models import OpeningException, OpeningPeriod, Partner

# --- the shop's profile: hours, holidays, pause, money, service area ------------------------------

MAX_RADIUS_M = 20_000


@transaction.atomic
def update_profile(*, shop_id: int, min_order, delivery_fee, delivery_capability: str, phone: str | None = None,
                   low_stock_summary: bool | None = None) -> Partner:
    """Minimum order, delivery fee and capability. Saved with save(), so the search outbox
    carries it to the resident's search at once."""
    shop = Partner.objects.select_for_update().get(pk=shop_id)
    errors: dict[str, list[str]] = {}
    values = {}
    for name, value, high in (("min_order", min_order, Decimal("9999.99")), ("delivery_fee", delivery_fee, Decimal("999.99"))):
        try:
            amount = Decimal(str(value))
            if not amount.is_finite() or amount < 0 or amount > high or amount != amount.quantize(Decimal("0.01")):
                raise InvalidOperation
            values[name] = amount
        except (InvalidOperation, ValueError):
            errors[name] = [_("金额须在 0 到 %(high)s 元之间, 最多两位小数") % {"high": high}]
    if delivery_capability not in Partner.Delivery.values:
        errors["delivery_capability"] = [_("请选择配送方式")]
    if errors:
        raise DomainError(_("店铺设置有误"), fields=errors)
    shop.min_order, shop.delivery_fee, shop.delivery_capability = values["min_order"], values["delivery_fee"], delivery_capability
    if phone is not None:
        shop.phone = phone.strip()[:20]
    if low_stock_summary is not None:
        shop.low_stock_summary = bool(low_stock_summary)
    shop.save()
    return shop


@transaction.atomic
def set_service_area(*, shop_id: int, radius_m: int | None = None, community_ids: list[int] | None = None,
                     polygon: dict | None = None) -> Partner:
    """The service area: a radius around the shop, the communities served (their boundaries'
    union becomes the polygon) or a polygon drawn on the map. A polygon (drawn or from the
    communities) decides where there is one; the radius is kept as the fallback."""
    from shapely.geometry import mapping, shape
    from shapely.ops import unary_union

    from communities.models import Community
    from shop.core.geo import validate_polygon_geojson

    shop = Partner.objects.select_for_update().get(pk=shop_id)
    if radius_m is not None and (isinstance(radius_m, bool) or not isinstance(radius_m, int)
                                 or not 100 <= radius_m <= MAX_RADIUS_M):
        raise DomainError(_("服务半径须在 100 到 20000 米之间"), fields={"radius_m": [_("服务半径须在 100 到 20000 米之间")]})
    area = None
    communities = []
    if community_ids:
        communities = list(Community.objects.filter(pk__in=community_ids).exclude(boundary__isnull=True))
        if len(communities) != len(set(community_ids)):
            raise DomainError(_("没有这个社区"), fields={"communities": [_("没有这个社区或社区没有边界")]})
        merged = unary_union([shape(c.boundary) for c in communities])
        area = mapping(merged)
        area = {"type": area["type"], "coordinates": _lists(area["coordinates"])}
    if polygon:
        try:
            validate_polygon_geojson(polygon)
        except Exception:
            raise DomainError(_("画的服务区域无效 (至少 3 个点, 边不能交叉)"),
                              fields={"polygon": [_("画的服务区域无效")]}) from None
        area = polygon
    shop.service_radius_m = radius_m
    shop.service_area = area
    shop.save()
    shop.communities_served.set(communities)
    return shop


def _lists(value):
    return [_lists(item) for item in value] if isinstance(value, (list, tuple)) else value


@transaction.atomic
def add_opening_period(*, shop_id: int, weekday: int, opens, closes) -> OpeningPeriod:
    """A weekly period; two periods on one day make a break between them. Overlaps are refused."""
    if not isinstance(weekday, int) or not 0 <= weekday <= 6:
        raise DomainError(_("星期有误"), fields={"weekday": [_("星期有误")]})
    if opens == closes:
        raise DomainError(_("开门和关门时间不能相同"), fields={"closes": [_("开门和关门时间不能相同")]})
    Partner.objects.select_for_update().get(pk=shop_id)
    for other in OpeningPeriod.objects.filter(partner_id=shop_id, weekday=weekday):
        if opens < other.closes and other.opens < closes:
            raise ConflictError(_("与已有营业时间 %(other)s 重叠") % {"other": other}, code="overlapping_hours")
    return OpeningPeriod.objects.create(partner_id=shop_id, weekday=weekday, opens=opens, closes=closes)


@transaction.atomic
def remove_opening_period(*, shop_id: int, period_id: int) -> None:
    deleted = OpeningPeriod.objects.filter(pk=period_id, partner_id=shop_id).first()
    if deleted is None:
        raise DomainError(_("没有这个营业时间"), fields={"period": [_("没有这个营业时间")]})
    deleted.delete()


@transaction.atomic
def set_opening_exception(*, shop_id: int, date, is_closed: bool, opens=None, closes=None, note: str = "",
                          today=None) -> OpeningException:
    """A holiday (closed all day) or special hours on one date; one per date (replaced)."""
    if today is not None and date < today:
        raise DomainError(_("不能设置过去的日期"), fields={"date": [_("不能设置过去的日期")]})
    if not is_closed and (opens is None or closes is None or opens == closes):
        raise DomainError(_("特殊营业日请填写开门和关门时间"), fields={"opens": [_("请填写开门和关门时间")]})
    Partner.objects.select_for_update().get(pk=shop_id)
    exception, _created = OpeningException.objects.update_or_create(
        partner_id=shop_id, date=date,
        defaults={"is_closed": is_closed, "opens": None if is_closed else opens, "closes": None if is_closed else closes,
                  "note": note.strip()[:100]},
    )
    return exception


@transaction.atomic
def remove_opening_exception(*, shop_id: int, exception_id: int) -> None:
    found = OpeningException.objects.filter(pk=exception_id, partner_id=shop_id).first()
    if found is None:
        raise DomainError(_("没有这个特殊营业日"), fields={"exception": [_("没有这个特殊营业日")]})
    found.delete()


@transaction.atomic
def pause_shop(*, shop_id: int, until, reason: str, now) -> Partner:
    """暂停营业 until a time, with a reason the resident sees; the shop takes no orders until then."""
    if until is None or until <= now:
        raise DomainError(_("暂停到的时间须晚于现在"), fields={"until": [_("暂停到的时间须晚于现在")]})
    if until > now + timezone.timedelta(days=90):
        raise DomainError(_("暂停最长 90 天"), fields={"until": [_("暂停最长 90 天")]})
    shop = Partner.objects.select_for_update().get(pk=shop_id)
    shop.paused_until, shop.pause_reason = until, (reason or "").strip()[:100]
    shop.save(update_fields=["paused_until", "pause_reason"])
    return shop


@transaction.atomic
def resume_shop(*, shop_id: int) -> Partner:
    shop = Partner.objects.select_for_update().get(pk=shop_id)
    shop.paused_until, shop.pause_reason = None, ""
    shop.save(update_fields=["paused_until", "pause_reason"])
    return shop
