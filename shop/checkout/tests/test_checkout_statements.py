"""Statements per checkout: a fixed number, whatever the basket holds, that must not grow.

Measured on the scene's 3-shop basket (weighed greens delivered, medicine picked up at a
station, a home-cleaning slot): see bench/checkout_cpu.py for the comparison with Oscar's
stock checkout (66-67 statements for a 3-line basket).
"""

import pytest
from django.db import connection

from communities.tests.factories import UserFactory
from shop.checkout.services import place_order

from .scene import make_scene
from .test_ordering_api import api_for, checkout_body, fill

pytestmark = pytest.mark.django_db

# place_order: the basket (locked), the address, the basket's lines with their products and
# merchants, the merchants' hours of the day (one plain read), the pickup station, the delivery
# windows; stock (lock reading only the counters, one UPDATE for every listing, the ledger's
# movements and the search outbox, in place_order's own savepoint), slots (lock + UPDATE, in a
# savepoint); the site and the country (first order only: the country is then inserted, one
# INSERT ... ON CONFLICT DO NOTHING), the shipping address, the order, groups, order lines,
# fulfilment lines, events, the payment, the basket, the dispatch rows: bulk inserts, one each.
# (31 before: the hours were two reads, stock had its own savepoint, the country get_or_create's.)
PLACE_ORDER_STATEMENTS = 26
# the API request around it: the request's transaction (savepoint here), the token (one read:
# not the user's other tokens, shop/accounts/auth.py), the open basket read once under its lock
# (place_order(basket=None)); nothing read back for the answer. The dispatch wake after
# commit (one UPDATE) does not run in this test's transaction. (35 before.)
CHECKOUT_REQUEST_STATEMENTS = 30


def test_placing_an_order_is_a_fixed_number_of_statements(django_assert_max_num_queries):
    # given a 3-shop basket with two goods lines and a home service
    scene = make_scene()
    basket = scene.fill(greens_g=1000, medicine=2, cleaning=1)
    # when the resident checks out (the site and the country are read on the first order only)
    with django_assert_max_num_queries(PLACE_ORDER_STATEMENTS):
        order = place_order(user=scene.resident, basket=basket, address_id=scene.address.pk,
                            groups=scene.choices(medicine="delivery"), payment="cod")
    # then the order is whole
    assert order.fulfilment_groups.count() == 3


def test_the_checkout_request_reads_nothing_back_for_its_answer():
    # given a resident with the 3-shop basket, over the API
    scene = make_scene()
    api = api_for(scene.resident)
    fill(api, scene)
    # when she checks out
    statements = []  # an execute wrapper: the request's start resets Django's own query log

    def record(execute, sql, params, many, context):
        statements.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        response = api.post("/api/v1/checkout/", checkout_body(scene, payment="cod"), format="json")
    # then the answer holds the three groups, their lines and first events and the payment
    assert response.status_code == 201, response.content
    body = response.json()
    assert len(body["groups"]) == 3 and all(len(group["lines"]) == 1 for group in body["groups"])
    assert all(group["events"][0]["status"] == "created" for group in body["groups"])
    assert body["payment"]["provider"] == "cod" and body["total"] == str(response.json()["total"])
    assert {group["lines"][0]["listing_id"] for group in body["groups"]} == {scene.greens.pk, scene.medicine.pk, scene.cleaning.pk}
    # and it is the same answer as reading the order back
    assert api.get(f"/api/v1/orders/{body['number']}/").json() == body
    # and it took no more statements than today
    assert len(statements) <= CHECKOUT_REQUEST_STATEMENTS, "\n".join(statements)
    assert not any(sql.startswith("SELECT") and '"order_order"' in sql.split("FROM")[1][:40] for sql in statements
                   if "FROM" in sql)


def test_the_new_order_emails_go_as_one_broker_message_and_every_merchant_gets_its_own(
        django_capture_on_commit_callbacks, mailoutbox):
    from celery.signals import before_task_publish

    from merchants.tasks import notify_new_orders

    # given the 3-shop basket, each shop with a member of staff who has an email address
    scene = make_scene()
    for number, merchant in enumerate(scene.merchants):
        merchant.users.add(UserFactory(email=f"staff{number}@shop.example.cn"))
    basket = scene.fill(greens_g=1000, medicine=2, cleaning=1)
    published = []

    def record(sender=None, body=None, **kwargs):
        published.append((sender, body[0] if isinstance(body, tuple) else body))

    # when the resident checks out (cash on delivery) and the transaction commits
    before_task_publish.connect(record, weak=False)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            order = place_order(user=scene.resident, basket=basket, address_id=scene.address.pk,
                                groups=scene.choices(medicine="delivery"), payment="cod")
    finally:
        before_task_publish.disconnect(record)
    # then one message asks for the emails of the order's three groups
    group_ids = sorted(order.fulfilment_groups.values_list("pk", flat=True))
    emails = [list(args) for name, args in published if name.startswith("merchants.notify_new_order")]
    assert emails == [[group_ids]], published
    # and that task writes one email per group, each to its own shop's staff, naming the order
    assert notify_new_orders.apply(args=emails[0]).get() == 3
    assert sorted(tuple(mail.to) for mail in mailoutbox) == [
        ("staff0@shop.example.cn",), ("staff1@shop.example.cn",), ("staff2@shop.example.cn",)]
    assert all(order.number in mail.subject for mail in mailoutbox)
