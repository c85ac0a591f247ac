"""Issue 11's bad input on the shop's stock page: a negative (or unreadable) count or receipt is
refused with a clear message on the page, and nothing is written (no counter moved, no ledger row)."""

import pytest
from django.urls import reverse

from merchants.models import StockMovement, StockRecord
from merchants.tests.factories import ListingFactory
from merchants.tests.portal_helpers import shop_with_staff

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("action", "quantity"), [
    ("counted", "-1"), ("counted", "-48"), ("counted", "abc"), ("counted", ""), ("counted", "2.5"),
    ("received", "-3"), ("received", "0"), ("nonsense", "5"),
])
def test_a_negative_count_is_refused_with_a_message_and_nothing_written(client, action, quantity):
    # given a shop's 30 eggs, 2 of them sold and not yet handed over
    shop, owner, _clerk = shop_with_staff()
    eggs = ListingFactory(partner=shop, num_in_stock=30, num_allocated=2)
    movements = StockMovement.objects.filter(listing=eggs).count()
    client.force_login(owner)
    # when the owner types a bad count on the listing's page
    response = client.post(reverse("merchant-portal:listing-stock", kwargs={"pk": eggs.pk}),
                           {"action": action, "quantity": quantity}, follow=True)
    # then the page says what is wrong, and nothing moved
    errors = [str(m) for m in response.context["messages"] if m.level_tag == "error"]
    assert response.status_code == 200 and errors and "库存数量有误" in errors[0]
    eggs = StockRecord.objects.get(pk=eggs.pk)
    assert (eggs.num_in_stock, eggs.num_allocated) == (30, 2)
    assert StockMovement.objects.filter(listing=eggs).count() == movements
