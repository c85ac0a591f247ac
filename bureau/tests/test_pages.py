"""The bureau's pages, exports and API: who may see them, what they show, bad input."""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.test import Client
from openpyxl import load_workbook

from bureau.models import MetricSnapshot
from bureau.tests.world import START, TODAY
from communities.tests.factories import ResidentAddressFactory, UserFactory

pytestmark = pytest.mark.django_db
PERIOD = {"start": START.isoformat(), "end": TODAY.isoformat()}
PAGES = ["/bureau/", "/bureau/demonstration/", "/bureau/communities/jia/", "/bureau/communities/jia/report/",
         "/bureau/export/ranking.csv", "/bureau/communities/jia/export/gaps.xlsx",
         "/api/v1/bureau/overview/", "/api/v1/bureau/demonstration/", "/api/v1/bureau/communities/jia/"]


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_analyst_opens_every_page(world):
    client = signed_in(world.analyst)
    for url in PAGES:
        response = client.get(url, PERIOD)
        assert response.status_code == 200, (url, response.status_code)


def test_nobody_else_sees_the_figures(world):
    # given a resident, a merchant's staff member and a superuser-less staff member without the permission
    resident = ResidentAddressFactory().user
    merchant = UserFactory()
    merchant.user_permissions.add(Permission.objects.get(codename="dashboard_access", content_type__app_label="partner"))
    world.shops["store"].users.add(merchant)
    for url in PAGES:
        # anonymous: pages send to sign-in, the API refuses
        anonymous = Client().get(url, PERIOD)
        assert anonymous.status_code in (302, 401, 403), (url, anonymous.status_code)
        for user in (resident, merchant):
            response = signed_in(user).get(url, PERIOD)
            assert response.status_code == 403, (url, response.status_code)


def test_the_analyst_is_refused_merchant_and_order_pages(world):
    client = signed_in(world.analyst)
    assert client.get("/dashboard/").status_code in (302, 403)
    assert client.get("/dashboard/merchant-orders/").status_code in (302, 403)
    group = world.shops["store"].fulfilment_groups.first()
    assert client.get(f"/orders/{group.order.number}/tracking/").status_code == 404
    assert client.get(f"/api/v1/orders/{group.order.number}/").status_code == 404


def test_the_overview_ranks_and_maps_the_communities(world):
    response = signed_in(world.analyst).get("/bureau/", PERIOD)
    page = response.content.decode()
    assert 'data-slug="jia"' in page and 'data-slug="yi"' in page
    assert page.count("<path") >= 2  # both communities on the map
    ranking = response.context["overview"]["ranking"]
    # one basic format present each (jia: convenience stores; yi: breakfast); yi's is reached by
    # every household, jia's by 8 of 12, so yi ranks first on the mean basic coverage
    assert [(r["slug"], r["basic_present"], r["rank"]) for r in ranking] == [("yi", 1, 1), ("jia", 1, 2)]


def test_the_community_page_shows_gaps_and_hides_small_figures(world):
    response = signed_in(world.analyst).get("/bureau/communities/yi/", PERIOD)
    report = response.context["report"]
    assert report["trade"]["orders"] == "<5"  # three orders
    assert "&lt;5" in response.content.decode()
    gaps = report["coverage"]["gaps"]
    assert gaps and gaps[0]["uncovered"] == 7  # every household of yi lacks, say, a convenience store
    assert all(g["code"] != "breakfast" for g in gaps)  # the breakfast shop 800 m away covers yi
    jia = signed_in(world.analyst).get("/bureau/communities/jia/", PERIOD).context["report"]
    # the elderly-care point is 750 m away: within a walk, not within the older residents' walk
    assert next(g for g in jia["coverage"]["gaps"] if g["code"] == "elderly_care")["uncovered"] == 12
    assert next(f for f in jia["coverage"]["formats"] if f["code"] == "convenience_store")["share"] == round(8 / 12, 4)


def test_exports_are_real_csv_and_xlsx(world):
    client = signed_in(world.analyst)
    csv_response = client.get("/bureau/export/ranking.csv", PERIOD)
    assert csv_response["Content-Type"].startswith("text/csv")
    text = csv_response.content.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("排名,社区") and "甲社区" in text
    xlsx = client.get("/bureau/communities/jia/export/coverage.xlsx", PERIOD)
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    codes = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert len(codes) == 26 and "convenience_store" in codes


@pytest.mark.parametrize(("url", "query", "status"), [
    ("/bureau/communities/nowhere/", {}, 404),
    ("/bureau/", {"start": "2026-11-10", "end": "2026-11-01"}, 400),
    ("/bureau/", {"start": "2020-01-01", "end": "2026-11-01"}, 400),
    ("/bureau/", {"start": "yesterday"}, 400),
    ("/bureau/", {"compare": "sideways"}, 400),
    ("/bureau/export/ranking.pdf", {}, 400),
    ("/bureau/communities/jia/export/gaps.doc", {}, 400),
    ("/bureau/communities/jia/export/secrets.csv", {}, 400),
    ("/bureau/communities/jia/", {"by": "hour"}, 400),
    ("/api/v1/bureau/communities/nowhere/", {}, 404),
    ("/api/v1/bureau/overview/", {"start": "2026-11-10", "end": "2026-11-01"}, 400),
    ("/api/v1/bureau/overview/", {"start": "2022-01-01", "end": "2026-11-01"}, 400),
    ("/api/v1/bureau/overview/", {"end": "2027-01-01"}, 400),
])
def test_bad_input_gets_a_clear_400_or_404(world, url, query, status):
    response = signed_in(world.analyst).get(url, query)
    assert response.status_code == status
    if url.startswith("/api/"):
        body = response.json()
        assert set(body) >= {"error", "detail", "fields"} and body["detail"]
    else:
        assert "bureau-error" in response.content.decode() or status == 404


def test_snapshots_are_stored_and_read(world):
    # when the figures of 10 November are stored
    call_command("compute_metrics", "--date", "2026-11-10", "--no-progress", stdout=io.StringIO())
    snapshot = MetricSnapshot.objects.get(community=world.a, date=date(2026, 11, 10))
    assert snapshot.data["households"] == 12 and snapshot.data["coverage"]["convenience_store"] == 8
    # and running it again changes nothing
    call_command("compute_metrics", "--date", "2026-11-10", "--no-progress", stdout=io.StringIO())
    assert MetricSnapshot.objects.filter(date=date(2026, 11, 10)).count() == 2
    snapshot = MetricSnapshot.objects.get(community=world.a, date=date(2026, 11, 10))
    # then the pages read the stored day, not the rows (history survives later changes)
    data = snapshot.data | {"orders": 500, "sales_fen": 123_400}
    MetricSnapshot.objects.filter(pk=snapshot.pk).update(data=data)
    report = signed_in(world.analyst).get("/api/v1/bureau/communities/jia/",
                                          {"start": "2026-11-10", "end": "2026-11-10"}).json()
    assert report["trade"]["orders"] == 500 and report["trade"]["sales"] == 1234.0


def test_compute_metrics_refuses_bad_dates(world):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("compute_metrics", "--date", "30/11/2026", "--no-progress")
    with pytest.raises(CommandError):
        call_command("compute_metrics", "--from", "2026-11-10", "--to", "2026-11-01", "--no-progress")
