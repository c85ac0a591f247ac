"""The search API's parameters are validated by fields built once per class (shop/core/params.py):
each request still gets its own data, defaults and errors."""

from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from django.http import QueryDict
from rest_framework import serializers

from catalog.api import SearchParamsSerializer

pytestmark = pytest.mark.django_db  # the format codes come from the search labels' map


def validate(**params):
    query = QueryDict(mutable=True)
    query.update({name: str(value) for name, value in params.items()})
    serializer = SearchParamsSerializer(data=query)
    serializer.is_valid()
    return serializer


def test_the_fields_are_built_once_and_bound_to_no_request():
    # given two requests' serializers
    first, second = validate(q="青菜", page=2), validate(sort="cheapest")
    # then they share one set of fields, whose parent holds no request's data
    assert first.fields is second.fields
    assert not hasattr(first.fields["q"].parent, "initial_data")
    assert first.fields["q"].parent is not first and first.fields["q"].parent is not second


def test_each_request_keeps_its_own_data_defaults_and_errors():
    # given a request with errors, a valid one, and another with other errors, one after the other
    bad = validate(lat=95, lng=118.7, page_size=101)
    good = validate(q="牛奶", lat=32.06, lng=118.77, min_price="2.5", format="wet_market,supermarket")
    other = validate(sort="cheapest")
    # then each has its own errors (by field) and its own values, with fresh defaults
    assert set(bad.errors) == {"lat", "page_size"}
    assert good.errors == {}
    assert good.validated_data["q"] == "牛奶" and good.validated_data["min_price"] == Decimal("2.50")
    assert good.validated_data["format"] == ["wet_market", "supermarket"]
    assert good.validated_data["category"] == [] and good.validated_data["page"] == 1
    assert set(other.errors) == {"sort"}
    defaults = validate().validated_data
    defaults["category"].append(1)  # a request changing its default list ...
    assert validate().validated_data["category"] == []  # ... does not change the next one's


def test_threads_validating_at_once_never_see_each_others_values():
    # given many requests validated at the same time in threads
    def one(number):
        serializer = validate(q=f"词{number}", page=number % 7 + 1, page_size=0 if number % 5 == 0 else 20)
        return number, serializer.validated_data if not serializer.errors else None, dict(serializer.errors)

    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(one, range(400)))
    # then each got its own answer
    for number, data, errors in answers:
        if number % 5 == 0:
            assert data is None and set(errors) == {"page_size"}
        else:
            assert errors == {} and data["q"] == f"词{number}" and data["page"] == number % 7 + 1


class DrfLoop(SearchParamsSerializer):
    """The same serializer with DRF's own field loop (no absent-value plan)."""

    to_internal_value = serializers.Serializer.to_internal_value


QUERIES = [
    "", "q=青菜", "q=&page=&page_size=", "q=牛奶&lat=32.06&lng=118.77&minutes=15&mode=walk",
    "open_now=true&in_stock=1&delivers_to_me=false", "open_now=&in_stock=", "delivers_to_me=true",
    "format=wet_market,supermarket&category=3,4&product_class=fresh", "format=&category=&product_class=",
    "sort=distance", "sort=distance&community_id=1", "sort=cheapest&page=0&page_size=500",
    "min_price=5&max_price=2", "min_price=abc", "lat=95&lng=118", "lat=32", "minutes=0&mode=fly",
    "category=x", "address_id=0", "q=" + "长" * 101, "page=3&page_size=7&sort=price-desc",
]


@pytest.mark.parametrize("query", QUERIES)
def test_absent_parameters_get_what_drfs_own_loop_gives_them(query):
    # given a query string, validated by the shared fields with the absent-value plan and by DRF's loop
    ours, drf = SearchParamsSerializer(data=QueryDict(query)), DrfLoop(data=QueryDict(query))
    # then both agree on validity, every value (and its type) and every error
    assert ours.is_valid() == drf.is_valid()
    assert ours.errors == drf.errors
    if not ours.errors:
        assert list(ours.validated_data.items()) == list(drf.validated_data.items())
        assert [type(value) for value in ours.validated_data.values()] == [type(value) for value in drf.validated_data.values()]
