import pytest

from communities.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_a_resident_gets_a_token_with_mobile_and_password_and_uses_it(client):
    UserFactory(mobile="13911112222")
    response = client.post("/api/v1/auth/token/", {"username": "13911112222", "password": "demo-pass-123"})
    assert response.status_code == 200
    token = response.json()["token"]
    assert len(token) == 40
    # the same token every time for the same user
    again = client.post("/api/v1/auth/token/", {"username": "13911112222", "password": "demo-pass-123"})
    assert again.json()["token"] == token


@pytest.mark.parametrize("payload", [{"username": "13911112222", "password": "wrong"}, {"username": "13911112222"}, {}])
def test_wrong_or_missing_credentials_are_a_400_json(client, payload):
    UserFactory(mobile="13911112222")
    response = client.post("/api/v1/auth/token/", payload)
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "invalid"
    assert body["fields"]
