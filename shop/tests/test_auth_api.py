import pytest

from communities.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_a_resident_gets_a_token_with_mobile_and_password_and_uses_it(client):
    UserFactory(mobile="13911112222")
    response = client.post("/api/v1/auth/token/", {"username": "13911112222", "password": "demo-pass-123"})
    assert response.status_code == 200
    token = response.json()["token"]
    assert len(token) == 64 and response.json()["expiry"]
    # each sign-in gets its own token (revocable one by one: test_sign_in_limits.py)
    again = client.post("/api/v1/auth/token/", {"username": "13911112222", "password": "demo-pass-123"})
    assert again.json()["token"] != token
    assert client.get("/api/v1/orders/", HTTP_AUTHORIZATION=f"Token {token}").status_code == 200


@pytest.mark.parametrize("payload", [{"username": "13911112222", "password": "wrong"}, {"username": "13911112222"}, {}])
def test_wrong_or_missing_credentials_are_a_400_json(client, payload):
    UserFactory(mobile="13911112222")
    response = client.post("/api/v1/auth/token/", payload)
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "invalid"
    assert body["fields"]
