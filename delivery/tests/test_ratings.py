"""Residents rate a completed order, once per shop; the shop's rating follows."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from communities.tests.factories import UserFactory
from delivery import ratings
from delivery.models import FulfilmentGroup, GroupRating
from delivery.tests.factories import order_with_groups
from merchants.models import Partner
from merchants.tests.factories import ListingFactory, MerchantFactory
from shop.core.errors import ConflictError, DomainError, NotFoundError

pytestmark = pytest.mark.django_db
NOW = timezone.make_aware(timezone.datetime(2026, 11, 20, 12, 0))


def two_shop_order(*, statuses):
    a, b = MerchantFactory(rating=Decimal("0.0")), MerchantFactory(rating=Decimal("0.0"))
    order = order_with_groups(lines=[(ListingFactory(partner=a), 1), (ListingFactory(partner=b), 1)],
                              status={a: statuses[0], b: statuses[1]})
    return order, a, b


def test_completed_means_delivered_or_collected():
    assert ratings.COMPLETED == {FulfilmentGroup.Status.DELIVERED, FulfilmentGroup.Status.COLLECTED}


def test_a_resident_rates_each_shop_once_and_the_shop_rating_follows():
    # given an order delivered by two shops
    order, a, b = two_shop_order(statuses=("delivered", "collected"))
    # when the resident rates both
    ratings.rate_order(order_number=order.number, user=order.user, now=NOW,
                       ratings=[ratings.RatingInput(a.pk, 4, "新鲜"), ratings.RatingInput(b.pk, 2)])
    # then each shop's rating is the mean of its ratings
    assert Partner.objects.get(pk=a.pk).rating == Decimal("4.0")
    assert Partner.objects.get(pk=b.pk).rating == Decimal("2.0")
    # and a second rating of the same shop is refused, writing nothing
    with pytest.raises(ConflictError):
        ratings.rate_order(order_number=order.number, user=order.user, now=NOW, ratings=[ratings.RatingInput(a.pk, 1)])
    assert GroupRating.objects.count() == 2
    # another order rated 5 moves the mean to 4.5
    other = order_with_groups(user=order.user, lines=[(ListingFactory(partner=a), 1)], status="delivered")
    ratings.rate_order(order_number=other.number, user=order.user, now=NOW, ratings=[ratings.RatingInput(a.pk, 5)])
    assert Partner.objects.get(pk=a.pk).rating == Decimal("4.5")


def test_what_cannot_be_rated_writes_nothing():
    order, a, b = two_shop_order(statuses=("delivered", "picked_up"))
    with pytest.raises(DomainError) as not_done:  # b is still on its way
        ratings.rate_order(order_number=order.number, user=order.user, now=NOW,
                           ratings=[ratings.RatingInput(a.pk, 5), ratings.RatingInput(b.pk, 5)])
    assert not_done.value.code == "not_completed"
    with pytest.raises(DomainError):
        ratings.rate_order(order_number=order.number, user=order.user, now=NOW, ratings=[ratings.RatingInput(a.pk, 6)])
    with pytest.raises(NotFoundError):
        ratings.rate_order(order_number=order.number, user=UserFactory(), now=NOW, ratings=[ratings.RatingInput(a.pk, 5)])
    assert not GroupRating.objects.exists()


def test_the_rating_api():
    order, a, b = two_shop_order(statuses=("delivered", "cancelled"))
    client = Client()
    client.force_login(order.user)
    url = f"/api/v1/orders/{order.number}/rating/"
    assert [row["merchant_id"] for row in client.get(url).json()] == [a.pk]
    bad = client.post(url, {"ratings": [{"merchant_id": a.pk, "score": 9}]}, content_type="application/json")
    assert bad.status_code == 400 and bad.json()["error"] == "invalid"
    cancelled = client.post(url, {"ratings": [{"merchant_id": b.pk, "score": 3}]}, content_type="application/json")
    assert cancelled.status_code == 422
    ok = client.post(url, {"ratings": [{"merchant_id": a.pk, "score": 5, "comment": "很好"}]}, content_type="application/json")
    assert ok.status_code == 201 and ok.json()[0]["score"] == 5
    again = client.post(url, {"ratings": [{"merchant_id": a.pk, "score": 5}]}, content_type="application/json")
    assert again.status_code == 409 and again.json()["error"] == "already_rated"
    stranger = Client()
    stranger.force_login(UserFactory())
    assert stranger.get(url).status_code == 404


def test_the_rating_page():
    order, a, _b = two_shop_order(statuses=("delivered", "cancelled"))
    client = Client()
    client.force_login(order.user)
    page = client.get(f"/orders/{order.number}/rate/")
    assert page.status_code == 200 and f'name="score_{a.pk}"' in page.content.decode()
    response = client.post(f"/orders/{order.number}/rate/", {f"score_{a.pk}": "4", f"comment_{a.pk}": "不错"})
    assert response.status_code == 302
    assert GroupRating.objects.get().score == 4
    assert "您已评价" in client.get(f"/orders/{order.number}/rate/").content.decode()
