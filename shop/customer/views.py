"""Oscar's customer views with 再来一单 through our order layer (shop.checkout.reordering).

Oscar's re-order (the whole order, or one line) adds "the product" through the basket's
strategy, which picks the first stock record (maybe another shop's) and drops a service's slot.
Both buttons post here and go through ``buy_again`` instead: the same listing from the same shop.
"""

from django.contrib import messages
from django.shortcuts import redirect
from oscar.apps.customer import views as oscar_views

from shop.checkout import services
from shop.core.errors import DomainError


def _buy_again(view, order, order_line_ids=None):
    try:
        result = services.buy_again(user=view.request.user, order_number=order.number, order_line_ids=order_line_ids)
    except DomainError as error:
        messages.error(view.request, str(error.detail))
        view.response = redirect("customer:order", order_number=order.number)
        return
    for level, text in result.messages():
        getattr(messages, level)(view.request, text)
    view.response = redirect("basket:summary") if result.added else redirect("customer:order", order_number=order.number)


class OrderDetailView(oscar_views.OrderDetailView):
    def do_reorder(self, order):
        _buy_again(self, order)


class OrderLineView(oscar_views.OrderLineView):
    def do_reorder(self, line):
        _buy_again(self, line.order, order_line_ids=[line.pk])
