"""Small query helpers for hot paths (checkout, basket)."""

from __future__ import annotations


def one_row(queryset):
    """The row of a queryset filtered on a unique key, or None: `.first()` without its ORDER BY.

    `.first()` orders by the primary key, and compiling any ORDER BY makes Django hash every
    selected column to find it in the SELECT list (the whole width of a select_related: ~100
    columns for a basket line with its listing, merchant and product). A unique key needs no order.
    """
    return next(iter(queryset.order_by()[:1]), None)
