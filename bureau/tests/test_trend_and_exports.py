"""The coverage trend (from the stored snapshots plus today) and the exports of every table."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest
from django.test import Client
from openpyxl import load_workbook

from bureau import exports, services
from bureau.models import MetricSnapshot
from bureau.tests.world import START, TODAY, at
from communities.tests.factories import BASE_LAT, BASE_LNG
from merchants.tests.factories import MerchantFactory, business_format

pytestmark = pytest.mark.django_db
PERIOD = {"start": START.isoformat(), "end": TODAY.isoformat()}
OPENS = date(2026, 11, 15)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def analyst_client(world) -> Client:
    client = Client()
    client.force_login(world.analyst)
    return client


def by_period(rows: list[dict]) -> dict[str, dict]:
    return {row["period"]: row for row in rows}


@pytest.fixture
def pharmacy_opens(world):
    """A pharmacy (a basic format) opens on 15 November beside A's eight near households."""
    return MerchantFactory(name="甲药店", community=world.a, format=business_format("pharmacy"), lat=BASE_LAT,
                           lng=BASE_LNG, opened_on=OPENS)


def test_a_shop_opening_mid_period_raises_coverage_from_that_day_on(world, pharmacy_opens):
    # given the nightly snapshots of every day up to yesterday (today is live)
    services.store_snapshot_range(first=START, last=TODAY - timedelta(days=1), now=at(TODAY, 2))
    # when the analyst asks for November
    report = analyst_client(world).get("/api/v1/bureau/communities/jia/", PERIOD).json()
    trend = by_period(report["coverage_trend"])
    # then the trend has every day, with one basic format (convenience stores) before the
    # opening and two (and pharmacies' 8 of 12 households) from the opening day on, today included
    assert len(trend) == 30
    for day in (START, OPENS - timedelta(days=1)):
        assert trend[day.isoformat()]["basic_present"] == 1
        assert trend[day.isoformat()]["mean_basic_share"] == round(8 / (12 * 14), 4)
    for day in (OPENS, TODAY):
        assert trend[day.isoformat()]["basic_present"] == 2
        assert trend[day.isoformat()]["mean_basic_share"] == round(16 / (12 * 14), 4)
    assert {row["households"] for row in trend.values()} == {12}
    # and the district trend rises on the same day (A and B together: 19 households)
    overview = analyst_client(world).get("/api/v1/bureau/overview/", PERIOD).json()
    district = by_period(overview["coverage_trend"])
    before, after = district[(OPENS - timedelta(days=1)).isoformat()], district[OPENS.isoformat()]
    assert after["mean_basic_share"] - before["mean_basic_share"] == pytest.approx(8 / (19 * 14), abs=1e-4)


def test_the_trend_reads_the_stored_snapshots(world, pharmacy_opens):
    # given the stored 9 to 11 November, the 10th changed afterwards (history survives later data changes)
    services.store_snapshot_range(first=date(2026, 11, 9), last=date(2026, 11, 11), now=at(TODAY, 2))
    snapshot = MetricSnapshot.objects.get(community=world.a, date=date(2026, 11, 10))
    data = snapshot.data
    data["coverage"] = {**data["coverage"], "pharmacy": 12, "supermarket": 12}
    MetricSnapshot.objects.filter(pk=snapshot.pk).update(data=data)
    # then that day's trend is the stored one: three basic formats present
    report = analyst_client(world).get("/api/v1/bureau/communities/jia/",
                                       {"start": "2026-11-09", "end": "2026-11-11"}).json()
    trend = by_period(report["coverage_trend"])
    assert [trend[d]["basic_present"] for d in ("2026-11-09", "2026-11-10", "2026-11-11")] == [1, 3, 1]


def test_weekly_and_monthly_steps_take_the_steps_last_day(world, pharmacy_opens):
    client = analyst_client(world)
    weeks = by_period(client.get("/api/v1/bureau/communities/jia/", PERIOD | {"by": "week"}).json()["coverage_trend"])
    assert weeks["2026-W46"]["basic_present"] == 2  # 9–15 November: the pharmacy trades on the 15th
    assert weeks["2026-W45"]["basic_present"] == 1
    months = client.get("/api/v1/bureau/communities/jia/", PERIOD | {"by": "month"}).json()["coverage_trend"]
    assert [(m["period"], m["basic_present"]) for m in months] == [("2026-11", 2)]


def test_the_pages_show_the_coverage_trend_as_a_table(world, pharmacy_opens):
    client = analyst_client(world)
    page = client.get("/bureau/communities/jia/", PERIOD).content.decode()
    assert 'id="coverage-trend"' in page
    assert 'data-period="2026-11-15"><td>2026-11-15</td><td>12</td><td data-figure="basic_present">2</td>' in page
    assert 'data-period="2026-11-14"><td>2026-11-14</td><td>12</td><td data-figure="basic_present">1</td>' in page
    assert 'id="coverage-trend"' in client.get("/bureau/", PERIOD).content.decode()


# --- exports ------------------------------------------------------------------------------------

COMMUNITY_TABLES = sorted(exports.COMMUNITY_TABLES)
DISTRICT_TABLES = sorted(exports.DISTRICT_TABLES)


def read(response) -> list[list]:
    if response["Content-Type"].startswith("text/csv"):
        return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    sheet = load_workbook(io.BytesIO(response.content)).active
    return [["" if v is None else v for v in row] for row in sheet.iter_rows(values_only=True)]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("table", COMMUNITY_TABLES)
def test_every_community_table_exports(world, table, fmt):
    response = analyst_client(world).get(f"/bureau/communities/yi/export/{table}.{fmt}", PERIOD)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv" if fmt == "csv" else XLSX)
    assert f'filename="yi_{table}_{START}_{TODAY}.{fmt}"' in response["Content-Disposition"]
    rows = read(response)
    assert len(rows) >= 2 and all(rows[0])  # a header and at least one row


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("table", DISTRICT_TABLES)
def test_every_district_table_exports(world, table, fmt):
    response = analyst_client(world).get(f"/bureau/export/{table}.{fmt}", PERIOD)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv" if fmt == "csv" else XLSX)
    rows = read(response)
    assert len(rows) >= 2 and all(rows[0])


def test_the_exported_numbers_are_the_pages(world):
    client = analyst_client(world)
    overview = client.get("/bureau/", PERIOD).context["overview"]
    ranking = read(client.get("/bureau/export/ranking.xlsx", PERIOD))
    assert [(r[1], r[5], r[10]) for r in ranking[1:]] == [
        (r["name"], r["basic_present"], r["orders"]) for r in overview["ranking"]]
    streets = read(client.get("/bureau/export/streets.xlsx", PERIOD))
    assert [(r[0], r[2], r[5]) for r in streets[1:]] == [
        (s["street"], s["households"], s["orders"]) for s in overview["streets"]]
    coverage_trend = read(client.get("/bureau/export/coverage_trend.xlsx", PERIOD))
    assert [r[4] for r in coverage_trend[1:]] == [t["mean_basic_share"] for t in overview["coverage_trend"]]
    report = client.get("/bureau/communities/jia/", PERIOD).context["report"]
    figures = {r[1]: r[2] for r in read(client.get("/bureau/communities/jia/export/figures.xlsx", PERIOD))[1:]}
    assert figures["订单"] == report["trade"]["orders"] and figures["准时率"] == report["delivery"]["on_time_share"]
    assert figures["连锁化率"] == report["outlets"]["chain_share"]
    satisfaction = read(client.get("/bureau/communities/jia/export/satisfaction.xlsx", PERIOD))
    assert satisfaction[1][1:] == [report["satisfaction"]["survey"]["share"], *report["satisfaction"]["survey"]["interval"],
                                   32]
    demo = read(client.get("/bureau/export/demonstration.csv", PERIOD))
    assert [r[5] for r in demo[1:]] == [c["name"] for c in client.get("/bureau/demonstration/", PERIOD)
                                        .context["rows"][0]["criteria"]]


def test_exports_keep_the_small_figures_masked(world):
    client = analyst_client(world)
    for fmt in ("csv", "xlsx"):
        figures = {r[1]: r[2] for r in read(client.get(f"/bureau/communities/yi/export/figures.{fmt}", PERIOD))[1:]}
        assert figures["订单"] == "<5" and figures["销售额(元)"] == "<5"  # three orders in B
        trend = read(client.get(f"/bureau/communities/yi/export/trend.{fmt}", PERIOD))
        assert {r[1] for r in trend[1:]} <= {"<5"}


def test_exports_neutralise_formulas(world):
    # given a community whose name a spreadsheet would run as a formula
    world.b.name = '=HYPERLINK("http://evil.example","点我")'
    world.b.street = "+1+2"
    world.b.save()
    client = analyst_client(world)
    for fmt in ("csv", "xlsx"):
        rows = read(client.get(f"/bureau/export/ranking.{fmt}", PERIOD))
        names = {r[1] for r in rows[1:]}
        assert "'=HYPERLINK(\"http://evil.example\",\"点我\")" in names
        assert "'+1+2" in {r[2] for r in rows[1:]}
    sheet = load_workbook(io.BytesIO(client.get("/bureau/export/streets.xlsx", PERIOD).content)).active
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


@pytest.mark.parametrize(("url", "field"), [
    ("/bureau/export/ranking.pdf", "format"),
    ("/bureau/export/streets.docx", "format"),
    ("/bureau/export/secrets.csv", "table"),
    ("/bureau/communities/jia/export/coverage_trend.ods", "format"),
    ("/bureau/communities/jia/export/figures.html", "format"),
    ("/bureau/communities/jia/export/people.xlsx", "table"),
])
def test_a_bad_export_gets_a_clear_400(world, url, field):
    response = analyst_client(world).get(url, PERIOD)
    assert response.status_code == 400
    page = response.content.decode()
    assert "bureau-error" in page and f"<li>{field}:" in page
    assert "csv 或 xlsx" in page or "coverage" in page or "ranking" in page


def shape(value):
    """The keys of an answer, nested (the first item standing for a list)."""
    if isinstance(value, dict):
        return {key: shape(item) for key, item in value.items()}
    if isinstance(value, list) and value and isinstance(value[0], dict):
        return [shape(value[0])]
    return None


def test_the_schema_examples_have_the_answers_shape(world):
    from bureau.api_examples import COMMUNITY_EXAMPLE, DEMONSTRATION_EXAMPLE, OVERVIEW_EXAMPLE

    client = analyst_client(world)
    assert shape(COMMUNITY_EXAMPLE) == shape(client.get("/api/v1/bureau/communities/jia/", PERIOD).json())
    assert shape(OVERVIEW_EXAMPLE) == shape(client.get("/api/v1/bureau/overview/", PERIOD).json())
    assert shape(DEMONSTRATION_EXAMPLE) == shape(client.get("/api/v1/bureau/demonstration/", PERIOD).json())
