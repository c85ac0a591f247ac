"""补差价: the resident confirms a supplementary charge (weighed goods came out heavier, up to the
shop's cap) on the sandbox gateway's page, /checkout/extra/<trade_no>/.

GET shows why and how much; "确认支付" acts as the gateway (shop.checkout.payment.confirm_charge:
the signed notice marks the charge paid, once), then goes back to the order. Someone else's
charge is 404; a paid or cancelled one says so and asks nothing.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views import View

from . import payment as gateway
from . import selectors
from .models import ExtraCharge
from .views import order_url


class ExtraChargePayView(LoginRequiredMixin, View):
    template_name = "oscar/checkout/pay_extra.html"

    def dispatch(self, request, *args, **kwargs):
        if not settings.SANDBOX_PAYMENT_ENABLED:
            raise Http404(_("没有这笔补差价"))
        return super().dispatch(request, *args, **kwargs)

    def charge(self, trade_no):
        charge = selectors.charge_of(user=self.request.user, trade_no=trade_no)
        if charge is None:
            raise Http404(_("没有这笔补差价"))
        return charge

    def get(self, request, trade_no: str):
        charge = self.charge(trade_no)
        return render(request, self.template_name, {
            "charge": charge, "order": charge.order, "group": charge.group,
            "payable": charge.status == ExtraCharge.Status.PENDING and charge.provider == "sandbox",
            "order_url": order_url(charge.order.number),
        })

    def post(self, request, trade_no: str):
        charge = self.charge(trade_no)
        if charge.status != ExtraCharge.Status.PENDING or charge.provider != "sandbox":
            messages.info(request, _("这笔补差价不需要再支付了。"))
        elif gateway.confirm_charge(user=request.user, trade_no=charge.trade_no) in (
                gateway.Outcome.ACCEPTED, gateway.Outcome.DUPLICATE):
            messages.success(request, _("补差价 ¥%(amount)s 已支付, 谢谢!") % {"amount": charge.amount})
        else:
            messages.error(request, _("支付没有成功, 请稍后再试。"))
        return HttpResponseRedirect(order_url(charge.order.number))
