"""The independent check (issue 13, "Done means"): coverage, trade, on-time and satisfaction
of two communities recomputed straight from the rows, with plain SQL and plain arithmetic
(no code shared with bureau.metrics or bureau.selectors), equal the dashboard's numbers."""

from __future__ import annotations

import math
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.utils import timezone

from bureau.tests.world import START, TODAY

pytestmark = pytest.mark.django_db


def rows(sql: str, params: list) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def metres(lat1, lng1, lat2, lng2) -> float:
    """Great-circle distance (haversine), written out here on purpose."""
    r = 6371008.8
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lng2 - lng1) / 2) ** 2
    return 2 * r * math.asin(math.sqrt(a))


def bounds(first: date, last: date):
    tz = timezone.get_current_timezone()
    return (timezone.make_aware(datetime.combine(first, time.min), tz),
            timezone.make_aware(datetime.combine(last + timedelta(days=1), time.min), tz))


def recount(slug: str, first: date, last: date) -> dict:
    start, end = bounds(first, last)
    (community_id,), = rows("SELECT id FROM communities_community WHERE slug = %s", [slug])
    homes = rows("SELECT lat, lng FROM communities_standardaddress WHERE community_id = %s", [community_id])
    speeds = settings.SERVICE_CIRCLE["speeds_m_per_min"]
    detour = settings.SERVICE_CIRCLE["detour_factor"]
    coverage = {}
    for code, in rows("SELECT code FROM partner_businessformat", []):
        speed = speeds["elderly"] if code == "elderly_care" else speeds["walk"]
        reach = 15 * speed / detour
        shops = rows(
            "SELECT lat, lng FROM partner_partner WHERE format_id = %s AND lat IS NOT NULL"
            " AND (opened_on IS NULL OR opened_on <= %s)"
            " AND ((closed_on IS NULL AND is_active) OR closed_on > %s)", [code, last, last])
        covered = sum(any(metres(h[0], h[1], s[0], s[1]) <= reach for s in shops) for h in homes)
        coverage[code] = round(covered / len(homes), 4)
    done = rows(
        "SELECT g.goods_total + g.delivery_fee + g.weight_adjustment, g.promised_at, g.completed_at"
        " FROM delivery_fulfilmentgroup g JOIN communities_standardaddress a ON a.id = g.dropoff_id"
        " WHERE a.community_id = %s AND g.created_at >= %s AND g.created_at < %s"
        " AND g.status IN ('delivered', 'collected')", [community_id, start, end])
    promised = [(p, c) for _total, p, c in done if p is not None]
    survey = rows(
        "SELECT convenience + price + quality + service FROM communities_surveyresponse"
        " WHERE community_id = %s AND answered_at >= %s AND answered_at < %s", [community_id, start, end])
    return {
        "coverage": coverage,
        "orders": len(done),
        "sales": sum((t for t, _p, _c in done), Decimal("0")),
        "on_time": round(sum(c <= p for p, c in promised) / len(promised), 4) if promised else None,
        "satisfied": round(sum(s >= 16 for s, in survey) / len(survey), 4) if survey else None,
        "answers": len(survey),
    }


def test_the_dashboard_agrees_with_a_recount_from_the_rows(world):
    # given the world's two communities and the November period
    client = Client()
    client.force_login(world.analyst)
    for slug in ("jia", "yi"):
        # when the analyst asks the API for the community's figures
        response = client.get(f"/api/v1/bureau/communities/{slug}/", {"start": START.isoformat(), "end": TODAY.isoformat()})
        assert response.status_code == 200, response.content
        shown = response.json()
        # then every figure equals the recount (or "<5" where the recount is built from fewer than 5)
        expected = recount(slug, START, TODAY)
        households = len(world.households_a if slug == "jia" else world.households_b)
        for row in shown["coverage"]["formats"]:
            assert row["share"] == expected["coverage"][row["code"]], row["code"]
        if expected["orders"] >= 5:
            assert shown["trade"]["orders"] == expected["orders"]
            assert Decimal(str(shown["trade"]["sales"])) == expected["sales"]
            assert shown["delivery"]["on_time_share"] == expected["on_time"]
        else:
            assert shown["trade"]["orders"] == "<5" and shown["trade"]["sales"] == "<5"
            assert shown["delivery"]["on_time_share"] == "<5"
        survey = shown["satisfaction"]["survey"]
        assert survey["count"] == expected["answers"]
        if expected["answers"] >= 30:
            assert survey["share"] == expected["satisfied"]
        else:
            assert survey["share"] is None and survey["hidden"]
        assert households >= 5


def test_the_recount_is_not_trivial(world):
    # the world is built so that each kind of figure has something to disagree about
    jia = recount("jia", START, TODAY)
    assert jia["coverage"]["convenience_store"] == round(8 / 12, 4)  # the 4 far households are out
    assert jia["coverage"]["elderly_care"] == 0.0  # 750 m: walkable at 72 m/min, not at 55 m/min
    assert jia["coverage"]["pharmacy"] == 0.0  # the pharmacy closed in October
    assert jia["orders"] == 10 and 0 < jia["on_time"] < 1
    assert 0 < jia["satisfied"] < 1 and jia["answers"] == 32
    yi = recount("yi", START, TODAY)
    assert yi["coverage"]["breakfast"] == 1.0 and yi["orders"] == 3
