"""Oscar's customer views, plus the SMS-code pages (ask for a code, reset a password by SMS) and
再来一单 through our order layer (shop.checkout.reordering).

Oscar's re-order (the whole order, or one line) adds "the product" through the basket's
strategy, which picks the first stock record (maybe another shop's) and drops a service's slot.
Both buttons post here and go through ``buy_again`` instead: the same listing from the same shop.
"""

from django.contrib import messages
from django.http import HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import FormView
from oscar.apps.customer import views as oscar_views
from oscar.apps.customer.views import *  # noqa: F403  (Oscar's remaining customer views)

from shop.accounts import services as accounts
from shop.checkout import services
from shop.core.errors import DomainError

from .forms import SmsCodeRequestForm, SmsPasswordResetForm


def _client_ip(request):
    return request.META.get("REMOTE_ADDR")


class SmsCodeView(View):
    """POST mobile + purpose: send a one-time code, then back to the form (`next`) with the number.

    The same message whether the number has an account or not; too many asks is a message too.
    """

    def post(self, request):
        form = SmsCodeRequestForm(request.POST)
        purpose = request.POST.get("purpose") if request.POST.get("purpose") in {"register", "reset"} else "register"
        fallback = reverse("customer:register" if purpose == "register" else "customer:sms-password-reset")
        target = request.POST.get("next") or fallback
        if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
            target = fallback
        if not form.is_valid():
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, error)
            return HttpResponseRedirect(target)
        try:
            accounts.request_code(mobile=form.cleaned_data["mobile"], purpose=purpose, client_ip=_client_ip(request))
        except DomainError as error:
            messages.error(request, error.detail)
        else:
            messages.success(request, _("验证码已发送, 5 分钟内有效。"))
        separator = "&" if "?" in target else "?"
        return HttpResponseRedirect(f"{target}{separator}{urlencode({'mobile': form.cleaned_data['mobile']})}")


class SmsPasswordResetView(FormView):
    """/accounts/password-reset/sms/: a new password for the holder of the number."""

    template_name = "accounts/sms_password_reset.html"
    form_class = SmsPasswordResetForm

    def get_initial(self):
        return {"mobile": self.request.GET.get("mobile", "")[:11]}

    def form_valid(self, form):
        try:
            accounts.reset_password(mobile=form.cleaned_data["mobile"], code=form.cleaned_data["code"],
                                    new_password=form.cleaned_data["new_password1"])
        except DomainError as error:
            for field, errors in error.fields.items():
                for message in errors:
                    form.add_error(field if field in form.fields else ("new_password1" if field == "new_password" else None),
                                   message)
            return self.form_invalid(form)
        messages.success(self.request, _("密码已重设, 请用新密码登录。"))
        return HttpResponseRedirect(reverse("customer:login"))


class AccountRegistrationView(AccountRegistrationView):  # noqa: F405 (Oscar's, with the number kept)
    """Oscar's registration page, the mobile number filled in after "获取验证码"."""

    def get_initial(self):
        return {**super().get_initial(), "mobile": self.request.GET.get("mobile", "")[:11]}


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
    def get_context_data(self, **kwargs):
        from shop.checkout.selectors import charges_to_confirm

        # 补差价 waiting for the resident (shop.checkout.charge_views)
        return super().get_context_data(extra_charges=charges_to_confirm(order=self.object), **kwargs)

    def do_reorder(self, order):
        _buy_again(self, order)


class OrderLineView(oscar_views.OrderLineView):
    def do_reorder(self, line):
        _buy_again(self, line.order, order_line_ids=[line.pk])
