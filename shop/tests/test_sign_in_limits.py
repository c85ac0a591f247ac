"""No guessing of passwords, tokens that expire and can be revoked, numbers proven by SMS,
and nothing that tells a stranger whether a number is registered.

Limits are counted in the real cache (Redis under CI); conftest clears them between tests.
"""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.utils import timezone
from knox.models import AuthToken

from communities.tests.factories import UserFactory
from shop.accounts.models import User
from tests.sms import ask_code, sent_code

pytestmark = pytest.mark.django_db
TOKEN = "/api/v1/auth/token/"
PASSWORD = "demo-pass-123"


def sign_in(client, username, password=PASSWORD, **extra):
    return client.post(TOKEN, {"username": username, "password": password}, **extra)


# --- guessing --------------------------------------------------------------------------------


def test_an_account_is_locked_after_the_failure_limit_even_with_the_right_password(client, settings):
    # given an account and someone guessing its password (from changing addresses)
    UserFactory(mobile="13911110001")
    codes = [sign_in(client, "13911110001", f"guess-{n}", REMOTE_ADDR=f"10.0.0.{n + 1}").status_code
             for n in range(settings.AXES_FAILURE_LIMIT)]
    assert codes == [400] * (settings.AXES_FAILURE_LIMIT - 1) + [429]  # the last guess locks it
    # when the right password comes next, from yet another address
    response = sign_in(client, "13911110001", REMOTE_ADDR="10.0.1.1")
    # then it is refused with 429 in the API's error shape
    assert response.status_code == 429
    assert response.json()["error"] == "too_many_attempts" and response["Retry-After"]
    # and another account is not affected
    UserFactory(mobile="13911110002")
    assert sign_in(client, "13911110002", REMOTE_ADDR="10.0.1.2").status_code == 200


def test_an_address_is_locked_after_guessing_many_accounts(client, settings):
    for n in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, f"1391111{n:04d}", "nope", REMOTE_ADDR="10.9.9.9")
    UserFactory(mobile="13911119999")
    assert sign_in(client, "13911119999", REMOTE_ADDR="10.9.9.9").status_code == 429
    assert sign_in(client, "13911119999", REMOTE_ADDR="10.9.9.8").status_code == 200


def test_the_token_api_is_throttled_per_address(client, settings):
    # given the configured rate (API_AUTH_RATE, e.g. 20/min)
    allowed = int(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["auth"].split("/")[0])
    UserFactory(mobile="13911110003")
    codes = [sign_in(client, "13911110003", REMOTE_ADDR="10.1.1.1").status_code for _ in range(allowed + 1)]
    # then the address gets its rate and a 429 after it; another address is still served
    assert codes == [200] * allowed + [429]
    assert sign_in(client, "13911110003", REMOTE_ADDR="10.1.1.2").status_code == 200


def staff_user(mobile, **fields):
    user = UserFactory(mobile=mobile, **fields)
    if fields.get("is_staff"):
        user.user_permissions.add(Permission.objects.get(codename="dashboard_access", content_type__app_label="partner"))
    return user


@pytest.mark.parametrize("url, data", [
    ("/accounts/login/", lambda u, p: {"login_submit": "1", "login-username": u, "login-password": p}),
    ("/dashboard/login/", lambda u, p: {"username": u, "password": p}),
    ("/django-admin/login/", lambda u, p: {"username": u, "password": p}),
    ("/cms-admin/login/", lambda u, p: {"username": u, "password": p}),
])
def test_every_sign_in_form_locks_after_the_failure_limit(settings, url, data):
    # given a staff account and a guesser
    staff_user("13911110004", is_staff=True, is_superuser=True)
    client = Client()
    codes = [client.post(url, data("13911110004", f"guess-{n}")).status_code for n in range(settings.AXES_FAILURE_LIMIT)]
    assert codes == [200] * (settings.AXES_FAILURE_LIMIT - 1) + [429], url  # the last guess locks it
    # when the right password comes, then the form answers 429 and signs nobody in
    response = client.post(url, data("13911110004", PASSWORD))
    assert response.status_code == 429
    assert not client.session.get("_auth_user_id")


# --- tokens ------------------------------------------------------------------------------------


def test_tokens_expire_and_can_be_revoked_one_by_one_or_all(client):
    UserFactory(mobile="13911110005")
    phone = sign_in(client, "13911110005").json()["token"]
    laptop = sign_in(client, "13911110005").json()["token"]
    auth = lambda token: {"HTTP_AUTHORIZATION": f"Token {token}"}  # noqa: E731
    assert client.get("/api/v1/orders/", **auth(phone)).status_code == 200
    # revoking one leaves the other
    assert client.delete(TOKEN, **auth(phone)).status_code == 204
    assert client.get("/api/v1/orders/", **auth(phone)).status_code == 401
    assert client.get("/api/v1/orders/", **auth(laptop)).status_code == 200
    # an expired token is refused
    AuthToken.objects.filter(user__mobile="13911110005").update(expiry=timezone.now() - timedelta(seconds=1))
    assert client.get("/api/v1/orders/", **auth(laptop)).status_code == 401
    # revoke-all signs out everywhere
    tablet = sign_in(client, "13911110005").json()["token"]
    sign_in(client, "13911110005")
    assert client.post("/api/v1/auth/token/revoke-all/", **auth(tablet)).status_code == 204
    assert not AuthToken.objects.filter(user__mobile="13911110005").exists()


def test_a_request_reads_only_its_own_token_and_a_sign_in_deletes_the_expired_ones(client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    # given a resident signed in on three devices, one of them long expired
    UserFactory(mobile="13911110015")
    phone, laptop, old = (sign_in(client, "13911110015").json()["token"] for _ in range(3))
    AuthToken.objects.filter(token_key=old[:15]).update(expiry=timezone.now() - timedelta(days=1))
    # when the phone calls the API
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/api/v1/orders/", HTTP_AUTHORIZATION=f"Token {phone}").status_code == 200
    # then only the phone's token was read (knox's own class read all of the user's tokens)
    token_reads = [q["sql"] for q in queries.captured_queries if '"knox_authtoken"' in q["sql"]]
    assert len(token_reads) == 1 and '"token_key" =' in token_reads[0], token_reads
    # and the expired token is still refused
    assert client.get("/api/v1/orders/", HTTP_AUTHORIZATION=f"Token {old}").status_code == 401
    # and a new sign-in deletes whatever has expired, keeping the live tokens
    AuthToken.objects.filter(token_key=laptop[:15]).update(expiry=timezone.now() - timedelta(seconds=1))
    tablet = sign_in(client, "13911110015").json()["token"]
    assert sorted(AuthToken.objects.filter(user__mobile="13911110015").values_list("token_key", flat=True)) == sorted(
        [phone[:15], tablet[:15]])


def test_a_password_change_drops_every_token(client):
    user = UserFactory(mobile="13911110006")
    token = sign_in(client, "13911110006").json()["token"]
    user.set_password("another-pass-456")
    user.save()
    assert client.get("/api/v1/orders/", HTTP_AUTHORIZATION=f"Token {token}").status_code == 401


# --- SMS codes, registration and reset ------------------------------------------------------------


def test_registration_over_the_api_needs_the_sms_code(client, caplog):
    import logging

    caplog.set_level(logging.INFO, logger="shop.sms")
    assert client.post("/api/v1/auth/sms-code/", {"mobile": "13911110007", "purpose": "register"}).status_code == 202
    code = sent_code(caplog, "13911110007")
    wrong = "000000" if code != "000000" else "111111"
    refused = client.post("/api/v1/auth/register/", {"mobile": "13911110007", "code": wrong, "password": "Lu-zhou-2026!"})
    assert refused.status_code == 422 and list(refused.json()["fields"]) == ["code"]
    assert not User.objects.filter(mobile="13911110007").exists()
    created = client.post("/api/v1/auth/register/", {"mobile": "13911110007", "code": code, "password": "Lu-zhou-2026!"})
    assert created.status_code == 201 and created.json()["token"]
    # the code is spent
    again = client.post("/api/v1/auth/register/", {"mobile": "13911110007", "code": code, "password": "Lu-zhou-2026!"})
    assert again.status_code == 422


def test_sms_codes_have_their_own_limits(client, caplog, settings):
    # one code per number a minute
    assert ask_code(client, caplog, "13911110008")
    response = client.post("/api/v1/auth/sms-code/", {"mobile": "13911110008", "purpose": "register"})
    assert response.status_code == 429 and response.json()["error"] == "sms_rate_limited"
    # a code survives only SMS_CODE_ATTEMPTS wrong tries
    caplog.clear()
    code = ask_code(client, caplog, "13911110009")
    for _ in range(settings.SMS_CODE_ATTEMPTS):
        client.post("/api/v1/auth/register/", {"mobile": "13911110009", "code": "999999" if code != "999999" else "888888",
                                               "password": "Lu-zhou-2026!"})
    late = client.post("/api/v1/auth/register/", {"mobile": "13911110009", "code": code, "password": "Lu-zhou-2026!"})
    assert late.status_code == 422
    assert not User.objects.filter(mobile="13911110009").exists()


def test_nothing_tells_a_stranger_whether_a_number_is_registered(client, caplog):
    UserFactory(mobile="13911110010")
    # asking for a code answers alike
    for purpose in ["register", "reset"]:
        known = client.post("/api/v1/auth/sms-code/", {"mobile": "13911110010", "purpose": purpose})
        unknown = client.post("/api/v1/auth/sms-code/", {"mobile": "13911110011", "purpose": purpose})
        assert (known.status_code, known.json()) == (unknown.status_code, unknown.json())
        caplog.clear()
        from django.core.cache import cache

        cache.delete_many([f"sms:wait:{purpose}:13911110010", f"sms:wait:{purpose}:13911110011"])
    # registering without a valid code says only that the code is wrong, registered or not
    answers = []
    for mobile in ["13911110010", "13911110011"]:
        response = client.post("/accounts/register/", {"mobile": mobile, "code": "123456",
                                                       "password1": "Lu-zhou-2026!", "password2": "Lu-zhou-2026!"})
        answers.append(sorted(response.context["form"].errors))
    assert answers == [["code"], ["code"]]
    # resetting with a wrong code answers alike too
    reset = [client.post("/api/v1/auth/password-reset/", {"mobile": m, "code": "123456", "new_password": "Xin-mi-ma-2026"})
             for m in ["13911110010", "13911110011"]]
    assert [r.status_code for r in reset] == [422, 422] and reset[0].json() == reset[1].json()


def test_a_password_reset_by_sms_sets_the_password_and_drops_tokens(client, caplog):
    UserFactory(mobile="13911110012")
    token = sign_in(client, "13911110012").json()["token"]
    code = ask_code(client, caplog, "13911110012", purpose="reset")
    response = client.post("/accounts/password-reset/sms/", {
        "mobile": "13911110012", "code": code, "new_password1": "Xin-mi-ma-2026", "new_password2": "Xin-mi-ma-2026"})
    assert response.status_code == 302
    assert User.objects.get(mobile="13911110012").check_password("Xin-mi-ma-2026")
    assert client.get("/api/v1/orders/", HTTP_AUTHORIZATION=f"Token {token}").status_code == 401
    # a number with no account gets no code at all (but the same answer)
    caplog.clear()
    assert ask_code(client, caplog, "13911110013", purpose="reset") is None


def test_a_full_width_mobile_number_is_not_another_account(client, caplog):
    UserFactory(mobile="13800000000")
    response = client.post("/api/v1/auth/sms-code/", {"mobile": "13８00000000", "purpose": "register"})
    assert response.status_code == 422 and list(response.json()["fields"]) == ["mobile"]
    assert User.objects.filter(mobile__contains="８").count() == 0
