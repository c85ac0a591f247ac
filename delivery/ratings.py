"""Residents rate a completed order: one score 1–5 (and an optional comment) per shop in it.

A *completed* group is one that reached the resident: delivered or collected
(delivery.lifecycle.COMPLETED, the one status set). An order is rateable when at least one of its
groups is completed, and each completed group may be rated once.

A rating feeds the shop: `Partner.rating` is the mean of its ratings, recomputed under the
shop's row lock in the same transaction (so two ratings at once cannot lose one).

"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db import IntegrityError, transaction
from django.db.models import Avg
from django.utils.translation import gettext as _

from merchants.models import Partner
from shop.core.errors import ConflictError, DomainError, NotFoundError

from .lifecycle import COMPLETED
from .models import FulfilmentGroup, GroupRating

__all__ = ["COMPLETED", "AlreadyRated", "RatingInput", "rate_order", "rateable_groups"]
MAX_COMMENT = 300


@dataclass(frozen=True)
class RatingInput:
    merchant_id: int
    score: int
    comment: str = ""


class AlreadyRated(ConflictError):
    code = "already_rated"


def rateable_groups(*, order_number: str, user) -> list[FulfilmentGroup]:
    """The resident's completed groups of an order, each with `existing` (its rating or None).
    Raises NotFoundError when the order is not the user's."""
    if not getattr(user, "is_authenticated", False):
        raise NotFoundError(_("订单不存在"))
    groups = list(
        FulfilmentGroup.objects.filter(order__number=order_number, order__user=user)
        .select_related("merchant", "rating").order_by("pk")
    )
    if not groups:
        raise NotFoundError(_("订单不存在"))
    for group in groups:
        group.existing = getattr(group, "rating", None)
    return [g for g in groups if g.status in COMPLETED]


def rate_order(*, order_number: str, user, ratings: list[RatingInput], now) -> list[GroupRating]:
    """Rate the shops of a completed order, in one transaction: every rating or none.

    Errors (nothing written): the order is not the user's (404); no rating given, a score
    outside 1–5, a comment over 300 characters, a shop not in the order or not completed
    (422, naming the field); a shop already rated (409)."""
    if not getattr(user, "is_authenticated", False):
        raise NotFoundError(_("订单不存在"))
    if not ratings:
        raise DomainError(_("请至少评价一家商户"), fields={"ratings": [_("不能为空")]}, code="invalid")
    fields = {}
    for rating in ratings:
        if not isinstance(rating.score, int) or not 1 <= rating.score <= 5:
            fields[f"ratings.{rating.merchant_id}.score"] = [_("评分应为 1 到 5 的整数")]
        if len(rating.comment or "") > MAX_COMMENT:
            fields[f"ratings.{rating.merchant_id}.comment"] = [_("评价最多 300 字")]
    if len({r.merchant_id for r in ratings}) != len(ratings):
        fields["ratings"] = [_("同一商户只能评价一次")]
    if fields:
        raise DomainError(_("评价内容有误"), fields=fields, code="invalid")
    with transaction.atomic():
        groups = {
            g.merchant_id: g
            for g in FulfilmentGroup.objects.select_for_update().filter(order__number=order_number, order__user=user)
            .order_by("pk")
        }
        if not groups:
            raise NotFoundError(_("订单不存在"))
        for rating in ratings:
            group = groups.get(rating.merchant_id)
            if group is None or group.status not in COMPLETED:
                fields[f"ratings.{rating.merchant_id}"] = [_("该商户的订单尚未完成, 不能评价")]
        if fields:
            raise DomainError(_("只能评价已完成的订单"), fields=fields, code="not_completed")
        rated = set(GroupRating.objects.filter(group__in=[groups[r.merchant_id] for r in ratings])
                    .values_list("merchant_id", flat=True))
        if rated:
            raise AlreadyRated(_("已经评价过"), fields={f"ratings.{m}": [_("已经评价过")] for m in sorted(rated)})
        try:
            with transaction.atomic():
                created = [
                    GroupRating.objects.create(group=groups[r.merchant_id], merchant_id=r.merchant_id, user=user,
                                               score=r.score, comment=(r.comment or "").strip(), rated_at=now)
                    for r in ratings
                ]
        except IntegrityError:  # rated at the same moment by another request
            raise AlreadyRated(_("已经评价过")) from None
        # the shops' ratings, each under its row lock, in pk order
        for partner in Partner.objects.select_for_update().filter(pk__in=[r.merchant_id for r in ratings]).order_by("pk"):
            mean = GroupRating.objects.filter(merchant=partner).aggregate(m=Avg("score"))["m"] or 0
            partner.rating = Decimal(str(mean)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
            partner.save(update_fields=["rating"])
    return created
