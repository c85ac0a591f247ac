"""The merchant portal by role: every /dashboard/shop/ URL (walked from the resolver, so a new
one is covered) as the shop's owner, its clerk, another shop's owner, a resident, a visitor and
a platform operator. The outsiders' side (nothing of another shop readable or changed) is in
tests/test_authorization_matrix.py; this checks that each role gets what it should."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse

from communities.tests.factories import StandardAddressFactory, UserFactory
from delivery.models import SlotTemplate
from merchants.models import ListingImport, MerchantApplication, OpeningException, OpeningPeriod
from merchants.tests.factories import ListingFactory
from merchants.tests.portal_helpers import shop_with_staff, staff
from tests.authz_routes import allowed_methods, walk

OPERATOR_PAGES = {"applications", "application", "application-licence"}
ANYONE_SIGNED_IN = {"apply"}


@pytest.fixture
def portal(db):
    shop, owner, clerk = shop_with_staff()
    other_shop, other_owner, _ = shop_with_staff()
    listing = ListingFactory(partner=shop)
    objects = {
        "listing": listing.pk,
        "template": SlotTemplate.objects.create(merchant=shop, kind="service", weekday=0, starts="09:00", ends="10:00").pk,
        "period": OpeningPeriod.objects.create(partner=shop, weekday=1, opens="08:00", closes="20:00").pk,
        "exception": OpeningException.objects.create(partner=shop, date="2031-01-01").pk,
        "import": ListingImport.objects.create(partner=shop, user=owner, file=ContentFile(b"sku\n", name="a.csv"),
                                               filename="a.csv", state="done", report={"counts": {}}).pk,
        "application": MerchantApplication.objects.create(
            applicant=UserFactory(), name="新店", format_id="convenience_store", address=StandardAddressFactory(),
            phone="025-1", licence_number="91320100MA1XYZ1234", licence_photo=ContentFile(b"x", name="l.png"),
            floor_area_m2=20).pk,
        "user": staff(shop, mobile="13912340000", role="clerk").pk,  # removed by the owner's request
    }
    users = {
        "owner": owner, "clerk": clerk, "another shop's owner": other_owner, "resident": UserFactory(),
        "anonymous": AnonymousUser(), "operator": UserFactory(is_staff=True),
    }
    return objects, users


def kwargs_for(name: str, objects: dict) -> dict:
    short = name.split(":")[1]
    if "kwargs" not in name and short.startswith("listing") and short != "listing-add" and short != "listings":
        return {"pk": objects["listing"]}
    key = {"slot-template": "template", "slot-template-delete": "template", "period-remove": "period",
           "exception-remove": "exception", "import-detail": "import", "import-status": "import",
           "import-apply": "import", "application": "application", "application-licence": "application"}.get(short)
    if key:
        return {"pk": objects[key]}
    if short == "staff-remove":
        return {"user_pk": objects["user"]}
    return {}


def expected(role: str, short: str, view_class, method: str) -> set[int]:
    owner_only = getattr(view_class, "owner_only", False)
    if short == "application-licence" and role == "anonymous":
        return {404}  # a file, not a page: no sign-in detour
    if role == "anonymous":
        return {302}
    if short == "switch":
        return {404} if role in ("resident", "operator") else {302, 404}  # no shop named: refused
    if short == "listing" and method == "post" and role == "clerk":
        return {403}  # a clerk sees a listing and moves its stock, but does not change its settings
    if short in OPERATOR_PAGES:
        return {200, 302} if role == "operator" and method == "get" else ({200, 302} if role == "operator" else {404})
    if short in ANYONE_SIGNED_IN:
        return {200, 302}
    if role in ("resident", "operator"):
        return {302} if short == "home" else {404}
    if role == "clerk" and owner_only:
        return {403}
    return {200, 302, 404} if role == "another shop's owner" else {200, 302}


@pytest.mark.django_db
def test_every_portal_url_answers_each_role_as_it_should(portal):
    objects, users = portal
    routes = [r for r in walk(__import__("django.urls", fromlist=["get_resolver"]).get_resolver().url_patterns)
              if r.name.startswith("merchant-portal:")]
    assert len(routes) >= 25
    failures = []
    for route in routes:
        short = route.name.split(":")[1]
        url = reverse(route.name, kwargs=kwargs_for(route.name, objects))
        view_class = getattr(route.callback, "view_class", None)
        for role, user in users.items():
            for method in allowed_methods(route.callback):
                if method not in ("get", "post"):
                    continue
                client = Client(raise_request_exception=False)
                if user.is_authenticated:
                    client.force_login(user)
                response = getattr(client, method)(url)
                want = expected(role, short, view_class, method)
                if response.status_code not in want:
                    failures.append(f"{method.upper()} {url} as {role}: {response.status_code}, expected {sorted(want)}")
    assert not failures, "\n".join(failures)
