"""Plain rows for the commerce bureau's figures (bureau.metrics), no personal data."""

from __future__ import annotations

from django.db.models import Q

from ..models import (
    FulfilmentGroup,
)

S = FulfilmentGroup.Status


# --- for the commerce bureau's figures (bureau.metrics): plain rows, no personal data ----------


def groups_for_figures(*, start, end) -> list[dict]:
    """Every placed group created in [start, end): who sold, which household, when and how.

    Rows: id, merchant_id, format_id, community_id (the household's, from the drop-off),
    dropoff_id, method, status, created_at, promised_at, completed_at, total (goods + fee +
    weight adjustment), service_amount (the lines of home services)."""
    from django.db.models import DecimalField, ExpressionWrapper, F, Sum, Value
    from django.db.models.functions import Coalesce

    from catalog.models import ProductClass

    money = DecimalField(max_digits=12, decimal_places=2)
    rows = (
        FulfilmentGroup.objects.filter(created_at__gte=start, created_at__lt=end)
        .exclude(status=S.AWAITING_PAYMENT)
        .annotate(
            format_id=F("merchant__format_id"),
            community_id=Coalesce("dropoff__community_id", "dropoff_community_id"),
            total=ExpressionWrapper(F("goods_total") + F("delivery_fee") + F("weight_adjustment"), output_field=money),
            service_amount=Coalesce(
                Sum(Coalesce("lines__final_amount", "lines__estimated_amount"),
                    filter=Q(lines__order_line__product__product_class__kind=ProductClass.Kind.SERVICE)),
                Value(0), output_field=money,
            ),
        )
        .values("id", "merchant_id", "format_id", "community_id", "dropoff_id", "method", "status", "created_at",
                "promised_at", "completed_at", "total", "service_amount")
        .order_by("pk")
    )
    return list(rows)


def ratings_for_figures(*, start, end) -> list[dict]:
    """Ratings given in [start, end): score, the shop, and the rating household's community (kept in
    `dropoff_community` once an erased account's room is dropped)."""
    from django.db.models.functions import Coalesce

    from ..models import GroupRating

    return list(GroupRating.objects.filter(rated_at__gte=start, rated_at__lt=end)
                .values("score", "merchant_id", "rated_at",
                        community_id=Coalesce("group__dropoff__community_id", "group__dropoff_community_id"))
                .order_by("pk"))
