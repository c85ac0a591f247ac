"""shop.core.queries.CompiledRead: a hot read compiled once gives what the ORM gives, every time."""

import pytest
from django.db import connection, transaction
from django.db.transaction import TransactionManagementError
from django.test.utils import CaptureQueriesContext

from shop.basket.models import Basket, Line
from shop.checkout.tests.scene import make_scene
from shop.core.queries import CompiledRead

pytestmark = pytest.mark.django_db
JOINS = ("stockrecord__partner", "product__product_class", "product__parent__product_class", "slot")


def _lines(basket_id):
    return Line.objects.filter(basket_id=basket_id).select_related(*JOINS)


def _seen(line) -> tuple:
    return (line.pk, line.quantity, line.price_incl_tax, line.date_created, line.stockrecord.price,
            line.stockrecord.partner.name, line.stockrecord.partner.min_order, line.product.title,
            line.product.get_product_class().pk, line.slot.starts_at if line.slot else None)


def test_each_call_binds_its_own_values_and_builds_what_the_orm_builds():
    # given two residents' baskets, one with three lines (a home service among them), one with one
    first, second = make_scene(), make_scene()
    full = first.fill(greens_g=1000, medicine=2, cleaning=1)
    small = second.fill(greens_g=500, medicine=0, cleaning=0)
    read = CompiledRead(_lines)
    for basket in (full, small, full):
        # when the compiled read runs for each basket
        with CaptureQueriesContext(connection) as queries:
            rows = sorted(read.rows(basket.pk), key=lambda line: line.pk)
            seen = [_seen(line) for line in rows]  # the joined rows need no further query
        # then one statement read the same rows, with the same related objects, as the ORM's queryset
        assert len(queries.captured_queries) == 1
        assert seen == [_seen(line) for line in _lines(basket.pk).order_by("pk")]
    assert [len(read.rows(basket.pk)) for basket in (full, small)] == [3, 1]


def test_a_value_of_another_type_goes_through_the_orm():
    scene = make_scene()
    basket = scene.fill(greens_g=1000, medicine=2, cleaning=0)
    read = CompiledRead(_lines)
    assert len(read.rows(basket.pk)) == 2
    assert len(read.rows(str(basket.pk))) == 2  # the ORM converts "12" as it always does


def test_a_locking_read_outside_a_transaction_is_refused_as_the_orm_refuses_it():
    scene = make_scene()
    basket = scene.fill(greens_g=1000, medicine=0, cleaning=0)
    read = CompiledRead(lambda owner_id, status: Basket.objects.select_for_update().filter(
        owner_id=owner_id, status=status).order_by("pk")[:1])
    with transaction.atomic():
        assert [row.pk for row in read.rows(scene.resident.pk, Basket.OPEN)] == [basket.pk]
    connection.in_atomic_block, kept = False, connection.in_atomic_block  # as outside the test's transaction
    try:
        with pytest.raises(TransactionManagementError):
            read.rows(scene.resident.pk, Basket.OPEN)
    finally:
        connection.in_atomic_block = kept


def test_a_query_whose_parameters_are_not_the_values_is_refused():
    read = CompiledRead(lambda basket_id: Line.objects.filter(basket_id=basket_id, quantity__gt=1))
    with pytest.raises(ValueError, match="parameters"):
        read.rows(1)


def test_postgresql_plans_a_hot_read_once_per_connection():
    # given the basket read, run for two baskets
    if connection.vendor != "postgresql":
        pytest.skip("prepared statements are PostgreSQL's")
    first, second = make_scene(), make_scene()
    baskets = [first.fill(greens_g=1000, medicine=1, cleaning=0), second.fill(greens_g=500, medicine=0, cleaning=0)]
    read = CompiledRead(_lines)
    counts = [len(read.rows(basket.pk)) for basket in baskets]
    # then the session holds it as one prepared statement (parsed and planned once), and each
    # call still answered for its own basket
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements WHERE statement LIKE %s",
                       ['%FROM "basket_line" INNER JOIN%'])
        prepared = [row[0] for row in cursor.fetchall()]
    assert len(prepared) == 1 and '"basket_line"."basket_id" = $1' in prepared[0]
    assert counts == [2, 1]
