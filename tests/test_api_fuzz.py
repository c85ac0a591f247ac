"""A fuzzing pass of the whole API from its OpenAPI schema (Schemathesis), against the live test
server with the real services, signed in as each role: no 5xx, every response as the schema says.

Bounded for CI: FUZZ_EXAMPLES generated cases per operation and role (default 8; raise it by
hand for a longer hunt: FUZZ_EXAMPLES=200 pytest tests/test_api_fuzz.py).
"""

from __future__ import annotations

import os

import pytest
import requests
from django.contrib.auth.models import Permission
from hypothesis import HealthCheck, given, settings as hypothesis_settings
from knox.models import AuthToken

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "8"))
# Calls that end the role's own session: fuzzed apart (anonymously), or every later call is a 401.
SIGNS_OUT = {("DELETE", "/api/v1/auth/token/"), ("POST", "/api/v1/auth/token/revoke-all/")}


@pytest.fixture
def roles():
    """A token per role over a small district: resident with an order, courier, shop staff, staff."""
    from communities.tests.factories import UserFactory
    from delivery.tests.factories import CourierFactory
    from shop.checkout.services import place_order
    from shop.checkout.tests.scene import make_scene

    scene = make_scene()
    place_order(user=scene.resident, basket=scene.fill(), address_id=scene.address.pk, groups=scene.choices(),
                payment="sandbox")
    scene.fill()  # an open basket too
    courier = CourierFactory(user=UserFactory(mobile="13800000071"))
    merchant = UserFactory(mobile="13800000072")
    merchant.user_permissions.add(Permission.objects.get(codename="dashboard_access", content_type__app_label="partner"))
    scene.greens.partner.users.add(merchant)
    staff = UserFactory(mobile="13800000073", is_staff=True, is_superuser=True)
    tokens = {name: AuthToken.objects.create(user=user)[1]
              for name, user in {"resident": scene.resident, "courier": courier.user, "merchant": merchant,
                                 "staff": staff}.items()}
    return {"anonymous": None, **tokens}


def test_the_api_survives_fuzzing_as_every_role(live_server, roles):
    import schemathesis
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import response_schema_conformance

    schema = schemathesis.openapi.from_url(f"{live_server.url}/api/schema/")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 20
    session = requests.Session()
    failures: list[str] = []

    for role, token in roles.items():
        headers = {"Authorization": f"Token {token}"} if token else {}
        for operation in operations:
            if token and (operation.method.upper(), operation.path) in SIGNS_OUT:
                continue

            @hypothesis_settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
                                 suppress_health_check=list(HealthCheck))
            @given(case=operation.as_strategy())
            def fuzz(case):
                response = case.call(base_url=live_server.url, session=session, headers=headers, timeout=30)
                try:
                    case.validate_response(response, checks=[not_a_server_error, response_schema_conformance],
                                           headers=headers)
                except Exception as error:  # collect all, report once
                    failures.append(f"{role} {operation.method.upper()} {operation.path}: {str(error)[:600]}")
                    raise

            try:
                fuzz()
            except Exception:  # noqa: BLE001 (already recorded, shrunk by hypothesis)
                pass
    assert not failures, "\n\n".join(dict.fromkeys(failures))
