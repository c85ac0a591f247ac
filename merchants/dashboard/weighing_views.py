"""称重结算: the merchant's weighing and settle page for one group (phone-sized, large type).

The staff enter each weighed line's real grams (delivery.services.record_weights: the price at
the real weight, the extra capped at the shop's cap), see the difference line by line, and
settle it (shop.checkout.money.settle_weighing): lighter → the difference goes back to the
resident; heavier → the resident is asked for a supplementary payment (补差价). Cash on
delivery needs no settling: the courier or the counter collects the weighed price. A group of
another merchant is 404; a refused step comes back as a message on the page.
"""

from decimal import ROUND_HALF_UP, Decimal

from django.contrib import messages
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View

from delivery import lifecycle, services
from shop.checkout import money
from shop.checkout import selectors as order_selectors
from shop.core.errors import DomainError

from . import selectors
from .forms import WeightsForm
from .views import _error_message, _form_errors, merchant_required

CENT = Decimal("0.01")


def weighing_url(group) -> str:
    return reverse("merchant-orders:group-weighing", kwargs={"pk": group.pk})


def _group(request, pk):
    group = selectors.merchant_group(user=request.user, pk=pk)
    if group is None:
        raise Http404(_("没有这个履约单"))
    return group


def _rows(group, lines):
    """Each weighed line with its most extra (the cap) and, once weighed, its difference."""
    cap = group.merchant.weight_overage_cap_percent
    rows = []
    for line in lines:
        if not line.is_weighed:
            continue
        most = (line.estimated_amount * cap / 100).quantize(CENT, ROUND_HALF_UP)
        diff = None if line.final_amount is None else line.final_amount - line.estimated_amount
        rows.append({"line": line, "most_extra": most, "diff": diff,
                     "capped": diff is not None and diff > 0 and diff == most})
    return rows


@merchant_required
class WeighingView(View):
    template_name = "merchants/dashboard/weighing.html"

    def get(self, request, pk):
        group = _group(request, pk)
        lines = list(selectors.group_lines(group))
        form = WeightsForm(lines=lines)
        if not form.weighed:
            messages.info(request, _("这个订单没有称重商品, 不需要称重结算"))
            return HttpResponseRedirect(reverse("merchant-orders:group-detail", kwargs={"pk": group.pk}))
        return render(request, self.template_name, {
            "group": group, "rows": _rows(group, lines), "form": form,
            "can_weigh": lifecycle.in_shop(group) and not group.events.filter(status=lifecycle.WEIGHT_SETTLED).exists(),
            "money": order_selectors.weighing_money(group=group),
            "cap": group.merchant.weight_overage_cap_percent,
        })

    def post(self, request, pk):
        group = _group(request, pk)
        form = WeightsForm(request.POST, lines=list(selectors.group_lines(group)))
        if not form.is_valid():
            messages.error(request, _form_errors(form))
            return HttpResponseRedirect(weighing_url(group))
        try:
            group = services.record_weights(group_id=group.pk, user=request.user, weights=form.weights())
        except services.GroupNotFound:
            raise Http404(_("没有这个履约单")) from None
        except DomainError as error:
            messages.error(request, _error_message(error))
        else:
            messages.success(request, _("已记录实际重量"))
        return HttpResponseRedirect(weighing_url(group))


@merchant_required
class SettleView(View):
    http_method_names = ["post"]

    def post(self, request, pk):
        group = _group(request, pk)
        try:
            group = money.settle_weighing(group_id=group.pk, user=request.user)
        except services.GroupNotFound:
            raise Http404(_("没有这个履约单")) from None
        except DomainError as error:
            messages.error(request, _error_message(error))
            return HttpResponseRedirect(weighing_url(group))
        state = order_selectors.weighing_money(group=group)
        if state.refund is not None:
            messages.success(request, _("已结算: 退还顾客 ¥%(amount)s") % {"amount": state.refund.amount})
        elif state.charge is not None:
            messages.success(request, _("已结算: 已请顾客补差价 ¥%(amount)s, 等待顾客确认支付")
                             % {"amount": state.charge.amount})
        elif state.cash:
            messages.info(request, _("货到付款: 骑手或柜台按称重后的金额收款, 无需在此结算"))
        else:
            messages.info(request, _("没有需要结算的差价"))
        return HttpResponseRedirect(weighing_url(group))
