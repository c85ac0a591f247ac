"""Outlets, online trade and delivery figures, and the orders/sales/on-time trend."""

from __future__ import annotations

from datetime import date

from .cells import bucket, guard, percentile, share


def outlet_figures(agg: dict) -> dict:
    shops, households = agg["shops_total"], agg["households"]
    trading = len(agg["trading_shops"])
    return {
        "shops": guard(shops, shops),
        "chain_share": guard(shops, share(agg["chain"], shops)),
        "licensed_share": guard(shops, share(agg["licensed"], shops)),
        "floor_m2_per_100_households": guard(min(households, agg["floor_known"] or 0),
                                             round(agg["floor_area_m2"] * 100 / households, 1) if households else None),
        "trading_share": guard(shops, share(min(trading, shops), shops)),
    }


def trade_figures(agg: dict, formats: list) -> dict:
    orders, households = agg["orders"], agg["households"]
    sales = agg["sales_fen"] / 100
    names = {f.code: f.name_zh for f in formats}
    by_format = [
        {"code": code, "name": names.get(code, code), "orders": guard(n, n), "sales": guard(n, round(fen / 100, 2))}
        for code, (n, fen) in sorted(agg["by_format"].items(), key=lambda item: -item[1][1])
    ]
    ordering = len(agg["ordering_households"])
    return {
        "orders": guard(orders, orders),
        "sales": guard(orders, round(sales, 2)),
        "average": guard(orders, round(sales / orders, 2) if orders else None),
        "goods_sales": guard(orders, round((agg["sales_fen"] - agg["service_fen"]) / 100, 2)),
        "service_sales": guard(orders, round(agg["service_fen"] / 100, 2)),
        "ordering_households_share": guard(ordering, share(ordering, households)),
        "by_format": by_format,
    }


def delivery_figures(agg: dict) -> dict:
    placed, done, promised = agg["placed"], agg["orders"], agg["promised"]
    return {
        "placed": guard(placed, placed),
        "on_time_share": guard(promised, share(agg["on_time"], promised)),
        "p50_minutes": guard(done, percentile(agg["minutes"], 0.5)),
        "p90_minutes": guard(done, percentile(agg["minutes"], 0.9)),
        "failed_share": guard(placed, share(agg["failed"], placed)),
        "cancelled_share": guard(placed, share(agg["cancelled"], placed)),
        "pickup_share": guard(done, share(agg["pickup"], done)),
    }


def trend(rows_by_community: dict[int, list[tuple[date, dict]]], *, by: str) -> list[dict]:
    """Orders, sales and on-time share per day, ISO week or month (sums over the communities)."""
    buckets: dict[str, dict] = {}
    for rows in rows_by_community.values():
        for day, d in rows:
            b = buckets.setdefault(bucket(day, by), {"orders": 0, "sales_fen": 0, "promised": 0, "on_time": 0})
            for name in b:
                b[name] += d.get(name, 0)
    return [
        {"period": key, "orders": guard(b["orders"], b["orders"]), "sales": guard(b["orders"], round(b["sales_fen"] / 100, 2)),
         "on_time_share": guard(b["promised"], share(b["on_time"], b["promised"]))}
        for key, b in sorted(buckets.items())
    ]
