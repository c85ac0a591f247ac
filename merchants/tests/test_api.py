import pytest

from merchants.tests.factories import MerchantFactory

pytestmark = pytest.mark.django_db


def test_the_merchant_directory_lists_active_merchants_in_pages(client):
    # given 25 active merchants and one closed down
    merchants = MerchantFactory.create_batch(25)
    MerchantFactory(is_active=False)
    # when the second page of 10 is asked for
    response = client.get("/api/v1/merchants/", {"page": 2, "page_size": 10})
    # then it holds merchants 11-20 in id order with the documented fields
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 25
    assert [m["id"] for m in body["results"]] == [m.pk for m in merchants[10:20]]
    first = body["results"][0]
    assert set(first) >= {"id", "name", "format", "lat", "lng", "community_id"}
    assert first["format"] == "convenience_store"
    assert first["community_id"] == merchants[10].community_id


@pytest.mark.parametrize("params, field", [({"page_size": 101}, "page_size"), ({"page_size": "x"}, "page_size")])
def test_bad_paging_is_a_400_naming_the_field(client, params, field):
    response = client.get("/api/v1/merchants/", params)
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "invalid"
    assert field in body["fields"]


def test_a_page_past_the_end_is_a_404_json(client):
    MerchantFactory()
    response = client.get("/api/v1/merchants/", {"page": 9})
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"
