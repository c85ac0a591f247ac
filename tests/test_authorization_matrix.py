"""Nobody reads or changes what is not theirs: every dashboard, API and account URL, walked as
a visitor, another resident, a merchant of another shop and a courier.

The URL patterns come from the resolver, so a route added later is checked without anyone
touching this file. For each pattern the URL's arguments are filled with objects that belong
to someone else (the victim: a resident with an order, an address, a basket and a wishlist,
and the shop that sells to her), then GET (and POST/PUT/PATCH/DELETE where the view has them)
is sent as each actor. The actors include a merchant whose shop has its own part of the same
order (Oscar's dashboard would show it the whole order and the customer's address):

- a URL naming the victim's objects must be refused: a redirect (to log in, or away), 401,
  403, 404 or 405 — never a page or a JSON answer. A 400 (the request itself was malformed,
  nothing looked up) is accepted, except for the writes in bodies(), which are sent with a
  body their owner could use, so that only the ownership check can refuse them. The merchant
  sharing the order may be answered (e.g. the order's tracking, its own group), but nothing
  of the victim's may appear;
- a URL naming nothing of hers (lists, one's own basket, forms) may answer, but nothing of
  the victim may appear in the answer;
- no request may change any of the victim's rows, and none may fail with a server error.

A new pattern whose arguments cannot be filled makes the test fail: add the argument to
FILL_BY_KWARG or FILL_BY_URL in tests/authz_routes.py. A page that is public on purpose (it
may show anything public) goes in PUBLIC there. The victim and the actors are in
tests/authz_world.py.
"""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client
from django.urls import NoReverseMatch, reverse
from oscar.apps.dashboard.nav import _dashboard_url_names_to_config
from oscar.views.decorators import check_permissions

from tests.authz_routes import (
    ANALYST,
    BUREAU_ROUTES,
    FILL_BY_KWARG,
    FILL_BY_URL,
    PUBLIC,
    REFUSED,
    SHARING,
    Route,
    allowed_methods,
    bodies,
    walked_routes,
)
from tests.authz_world import World, actors, victim_state, world  # noqa: F401 (world, actors: fixtures)

# --- filling and sending -------------------------------------------------------------------------


def staff_only(route: Route, actors) -> bool:
    """An Oscar dashboard page none of the actors may open by Oscar's own permission map: its
    arguments need no real object (the permission check comes first)."""
    config = _dashboard_url_names_to_config().get(route.short_name) if route.name.startswith("dashboard:") else None
    if config is None:
        return False
    permissions = config.get_permissions(route.short_name)
    return not any(check_permissions(user, permissions) for user in actors.values() if user.is_authenticated)


def fill(route: Route, w: World, actors) -> tuple[dict, bool] | None:
    """The URL arguments and whether they name the victim's objects; None when unknown."""
    kwargs, names_victim = {}, False
    for kwarg in route.kwargs:
        how = FILL_BY_URL.get((route.name, kwarg)) or FILL_BY_KWARG.get(kwarg)
        if how is None and staff_only(route, actors):
            how = ("missing_id", True)
        if how is None:
            return None
        attribute, hers = how
        kwargs[kwarg] = getattr(w, attribute)
        names_victim = names_victim or hers
    return kwargs, names_victim or staff_only(route, actors)


def build_url(route: Route, kwargs: dict) -> str:
    if route.name:
        return reverse(route.name, kwargs=kwargs)
    if kwargs or re.search(r"[<(^$]", route.route):
        raise NoReverseMatch(route.route)
    return "/" + route.route


def send(client: Client, method: str, url: str, body: dict | None):
    if method == "get":
        return client.get(url)
    if method == "post":
        return client.post(url, body or {})
    return getattr(client, method)(url, data=json.dumps(body or {}), content_type="application/json")


@pytest.mark.django_db
def test_nobody_reads_or_changes_what_is_not_theirs(world, actors):
    routes = walked_routes()
    assert len(routes) > 100  # the walk found the dashboard, the API and the accounts
    unfillable = [route.name or route.route for route in routes if fill(route, world, actors) is None]
    assert not unfillable, (
        f"URL patterns with arguments this test cannot fill (add them to FILL_BY_KWARG or FILL_BY_URL): {unfillable}"
    )
    before = victim_state(world)
    with_body = bodies(world)
    failures, checked = [], 0
    for route in routes:
        kwargs, names_victim = fill(route, world, actors)
        try:
            url = build_url(route, kwargs)
        except NoReverseMatch:
            failures.append(f"cannot build a URL for {route.name or route.route} with {kwargs}")
            continue
        for who, user in actors.items():
            for method in allowed_methods(route.callback):
                client = Client(raise_request_exception=False)
                if user.is_authenticated:
                    client.force_login(user)
                body = with_body.get(route.name) if method != "get" else None
                response = send(client, method, url, body)
                checked += 1
                where = f"{method.upper()} {url} ({route.name}) as {who}: {response.status_code}"
                failures += judge(route, names_victim, response, where, world, kwargs, body is not None, who)
                after = victim_state(world)
                if after != before:
                    changed = sorted(key for key in before if before[key] != after[key])
                    failures.append(f"{where} changed the victim's {changed}")
                    before = after
    assert checked > 400
    assert not failures, "\n".join(failures)


def judge(route: Route, names_victim: bool, response, where: str, w: World, kwargs: dict, had_body: bool,
          who: str) -> list[str]:
    status = response.status_code
    if status >= 500:
        return [f"{where} server error"]
    if route.name.startswith(BUREAU_ROUTES):
        if who == ANALYST:
            return [] if status == 200 or status == 405 else [f"{where}: the analyst was refused the bureau"]
        return [] if 300 <= status < 400 or status in REFUSED else [f"{where}: the bureau was not refused"]
    if route.name in PUBLIC:
        return []
    if names_victim and who != SHARING:
        if 300 <= status < 400 or status in REFUSED or (status == 400 and not had_body):
            return []
        return [f"{where}: the victim's object was not refused"]
    body = response.content.decode(errors="replace") if not getattr(response, "streaming", False) else ""
    # what the actor put in the URL is no secret, nor, to a shop in the order, the order's number
    known = {str(value) for value in kwargs.values()} | ({w.order.number} if who == SHARING else set())
    shown = [secret for secret in w.secrets if secret in body and secret not in known]
    return [f"{where} shows the victim's {shown}"] if shown else []
