"""Oscar's order dashboard (platform staff only) through our order layer.

An order's status is derived from its fulfilment groups (shop.checkout.order_status), and
Oscar's own actions would bypass that: setting a status does not release stock nor stop
dispatch, line statuses, shipping and payment events write Oscar's tables nobody else reads.
So, on Oscar's order pages:

- "change order status" to cancelled cancels the order through
  ``shop.checkout.services.staff_cancel_order`` (stock and slots back, payment settled, 409
  when something already left a shop); any other status is refused with the reason;
- the line actions (line status, shipping event, payment event), the order payment event and
  the order list's bulk status change are refused (the forms are gone from the templates);
- notes stay Oscar's (they touch nothing else).
"""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _

from shop.checkout import services
from shop.core.errors import DomainError

ALLOWED_ORDER_ACTIONS = {"save_note", "delete_note"}
CANCELLED = "cancelled"


def _detail(number: str) -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("dashboard:order-detail", kwargs={"number": number}))


def guard_order_detail(view):
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if request.method != "POST":
            return view(request, *args, **kwargs)
        number = kwargs.get("number", "")
        action = request.POST.get("order_action")
        if action in ALLOWED_ORDER_ACTIONS:
            return view(request, *args, **kwargs)
        if action == "change_order_status" and request.POST.get("new_status", "").strip() == CANCELLED:
            try:
                services.staff_cancel_order(order_number=number, user=request.user,
                                            reason=_("平台客服取消"))
            except DomainError as error:
                messages.error(request, str(error.detail))
            else:
                messages.success(request, _("订单已取消, 库存和预约名额已退回"))
            return _detail(number)
        if action == "change_order_status":
            messages.error(request, _("订单状态由各商家的履约进度决定, 只能在这里取消整单"))
        else:
            messages.error(request, _("这个操作已停用: 请在商户订单页或履约单上处理"))
        return _detail(number)

    return wrapped


def guard_order_list(view):
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if request.method == "POST" and request.POST.get("action") == "change_order_statuses":
            messages.error(request, _("不能批量修改订单状态: 订单状态由各商家的履约进度决定"))
            return HttpResponseRedirect(reverse("dashboard:order-list"))
        return view(request, *args, **kwargs)

    return wrapped
