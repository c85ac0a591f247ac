"""Two first adds at once leave one open basket, and the basket API keeps answering."""

import threading

import pytest
from django.db import connection
from rest_framework.test import APIClient

from communities.tests.factories import UserFactory
from merchants.tests.factories import ListingFactory
from shop.basket.models import Basket

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_two_first_adds_at_once_make_one_open_basket():
    # given a resident with no basket yet and a listing
    resident = UserFactory(mobile="13911120001")
    listing = ListingFactory(num_in_stock=50)
    barrier, answers = threading.Barrier(4), []

    def add():
        client = APIClient()
        client.force_authenticate(resident)
        barrier.wait()
        answers.append(client.post("/api/v1/basket/lines/", {"listing_id": listing.pk, "quantity": 1},
                                   format="json").status_code)
        connection.close()

    # when four first adds arrive at once
    threads = [threading.Thread(target=add) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # then none failed, there is one open basket, and the basket still answers
    assert all(code in (201, 409) for code in answers), answers
    assert Basket.objects.filter(owner=resident, status="Open").count() == 1
    client = APIClient()
    client.force_authenticate(resident)
    assert client.get("/api/v1/basket/").status_code == 200
