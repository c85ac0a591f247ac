"""Residents register and sign in on the storefront with a mobile number (Oscar's customer fork)."""

import pytest

from communities.tests.factories import UserFactory
from shop.accounts.models import User
from tests.sms import ask_code

pytestmark = pytest.mark.django_db


def test_a_resident_signs_in_on_the_storefront_with_a_mobile_number(client):
    UserFactory(mobile="13955556666")
    response = client.post(
        "/accounts/login/",
        {"login_submit": "1", "login-username": "13955556666", "login-password": "demo-pass-123"},
    )
    assert response.status_code == 302
    assert client.session.get("_auth_user_id")


def test_a_wrong_password_shows_a_form_error_not_a_500(client):
    UserFactory(mobile="13955556666")
    response = client.post(
        "/accounts/login/", {"login_submit": "1", "login-username": "13955556666", "login-password": "nope"}
    )
    assert response.status_code == 200
    assert response.context["login_form"].errors
    assert not client.session.get("_auth_user_id")


def test_a_resident_registers_with_a_mobile_number_and_is_signed_in(client, caplog):
    code = ask_code(client, caplog, "13812345678")
    response = client.post(
        "/accounts/register/",
        {"mobile": "13812345678", "code": code, "password1": "Lu-zhou-2026!", "password2": "Lu-zhou-2026!"},
    )
    assert response.status_code == 302
    user = User.objects.get(mobile="13812345678")
    assert user.email is None
    assert client.session["_auth_user_id"] == str(user.pk)


@pytest.mark.parametrize("mobile", ["12345", "23812345678", "1381234567a", "13８00000000", "１３８００００００００"])
def test_registration_refuses_a_malformed_mobile_number(client, mobile):
    response = client.post("/accounts/register/", {"mobile": mobile, "password1": "Lu-zhou-2026!", "password2": "Lu-zhou-2026!"})
    assert response.status_code == 200
    assert "mobile" in response.context["form"].errors
    assert not User.objects.filter(mobile=mobile).exists()


def test_registration_refuses_a_mobile_number_already_registered(client, caplog):
    UserFactory(mobile="13812345678")
    code = ask_code(client, caplog, "13812345678")
    response = client.post(
        "/accounts/register/",
        {"mobile": "13812345678", "code": code, "password1": "Lu-zhou-2026!", "password2": "Lu-zhou-2026!"},
    )
    assert response.status_code == 200
    assert "mobile" in response.context["form"].errors
    assert User.objects.filter(mobile="13812345678").count() == 1
