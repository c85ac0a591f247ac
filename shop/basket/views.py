"""The basket pages: the summary grouped by merchant, adding a merchant's listing (with packs
or a weight for fresh goods, a slot for a home service), changing and removing a line.

They call shop.basket's selectors and services only. Whatever a service refuses comes back
as a message on the page, naming the product; never a 500. Visitors who have not signed in
use Oscar's cookie basket (merged into theirs when they sign in); checkout needs a sign-in.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import TemplateView

from communities import location as locations
from delivery.services import SlotFull
from merchants.services import InsufficientStock
from shop.checkout.selectors import resident_address
from shop.core.errors import DomainError

from . import selectors, services
from .selectors import ZERO


def current_basket(request):
    """The visitor's open basket. Reading Oscar's lazy `request.basket` first merges a cookie
    basket into a resident's own basket after sign-in."""
    basket = request.basket
    if request.user.is_authenticated:
        return selectors.open_basket(user=request.user)
    return basket


def home_address(request):
    """The signed-in resident's address the basket is checked against (service areas): the one
    chosen as 我的位置, else the default saved address; None for visitors."""
    if not request.user.is_authenticated:
        return None
    chosen = locations.get_location(request)
    return resident_address(user=request.user,
                            address_id=chosen.address_id if chosen and chosen.kind == locations.ADDRESS else None)


def back_to(request, default: str) -> str:
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                   require_https=request.is_secure()):
        return target
    return default


def refusal_messages(error: DomainError, title: str) -> list[str]:
    """A service's refusal as sentences naming the product."""
    if isinstance(error, InsufficientStock):
        left = min((line["available"] for line in error.extra.get("lines", [])), default=0)
        if left <= 0:
            return [_("「%(title)s」已售罄") % {"title": title}]
        return [_("「%(title)s」库存不足, 仅剩 %(left)s 份") % {"title": title, "left": left}]
    if isinstance(error, SlotFull):
        left = min((line["available"] for line in error.extra.get("lines", [])), default=0)
        if left <= 0:
            return [_("「%(title)s」所选时段已约满, 请换一个时段") % {"title": title}]
        return [_("「%(title)s」所选时段只剩 %(left)s 个名额") % {"title": title, "left": left}]
    field_messages = [str(message) for values in error.fields.values() for message in values]
    return [_("「%(title)s」: %(message)s") % {"title": title, "message": message}
            for message in (field_messages or [str(error.detail)])]


class BasketView(TemplateView):
    """/basket/: the lines grouped by merchant with each group's subtotal, minimum order and fee."""

    template_name = "oscar/basket/basket.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        basket = current_basket(self.request)
        address = home_address(self.request)
        groups = selectors.basket_groups(basket, address=address.standard_address if address else None) if basket.pk else []
        context.update(
            {
                "groups": groups,
                "address": address,
                "goods_total": sum((group.subtotal for group in groups), ZERO),
                "line_count": sum(len(group.lines) for group in groups),
                "problem_count": sum(len(group.problems) for group in groups),
            }
        )
        return context


MESSAGES = {"min_value": gettext_lazy("数量至少为 1"), "max_value": gettext_lazy("数量不能超过 %(limit_value)s"),
            "invalid": gettext_lazy("请填写整数")}


class AddListingForm(forms.Form):
    listing_id = forms.IntegerField(min_value=1, error_messages={"required": gettext_lazy("请选择商品"),
                                                                  "invalid": gettext_lazy("请选择商品"),
                                                                  "min_value": gettext_lazy("请选择商品")})
    quantity = forms.IntegerField(min_value=1, max_value=services.MAX_QUANTITY, required=False, error_messages=MESSAGES)
    packs = forms.IntegerField(min_value=1, max_value=services.MAX_QUANTITY, required=False, error_messages=MESSAGES)
    weight_g = forms.IntegerField(min_value=1, max_value=100_000, required=False, error_messages={
        "invalid": gettext_lazy("重量请填写克数 (整数)"), "min_value": gettext_lazy("重量请填写克数 (整数)"),
        "max_value": gettext_lazy("重量不能超过 100 公斤")})
    slot_id = forms.IntegerField(min_value=1, required=False, error_messages={
        "invalid": gettext_lazy("请选择上门服务时间"), "min_value": gettext_lazy("请选择上门服务时间")})

    def clean(self):
        data = super().clean()
        # a weight typed on the product page wins over the packs list beside it
        data["quantity"] = None if data.get("weight_g") else (data.get("packs") or data.get("quantity"))
        return data


class AddListingView(View):
    """POST listing_id with quantity, packs or weight_g (fresh goods), slot_id (home services)."""

    def post(self, request):
        default = reverse("basket:summary")
        form = AddListingForm(request.POST)
        if not form.is_valid():
            for errors in form.errors.values():
                for message in errors:
                    messages.error(request, message)
            return HttpResponseRedirect(back_to(request, default))
        data = form.cleaned_data
        title = selectors.listing_title(data["listing_id"])
        try:
            line = services.add_line(basket=current_basket(request), listing_id=data["listing_id"],
                                     quantity=data["quantity"], weight_g=data["weight_g"], slot_id=data["slot_id"])
        except DomainError as error:
            for message in refusal_messages(error, title or _("该商品")):
                messages.error(request, message)
            return HttpResponseRedirect(back_to(request, default))
        messages.success(
            request,
            format_html('{} <a href="{}">{}</a>', _("已加入购物车: 「%(title)s」 共 %(quantity)s 份") % {
                "title": title, "quantity": line.quantity}, default, _("去购物车结算")),
            extra_tags="safe",
        )
        return HttpResponseRedirect(back_to(request, default))


class LineQuantityView(View):
    """POST quantity: the line's new quantity (0 removes it); the page's − and + buttons send it."""

    def post(self, request, line_id: int):
        basket = current_basket(request)
        title = selectors.line_title(basket, line_id) or _("该商品")
        try:
            quantity = int(request.POST.get("quantity", ""))
        except ValueError:
            messages.error(request, _("请填写整数数量"))
            return HttpResponseRedirect(reverse("basket:summary"))
        try:
            line = services.set_quantity(basket=basket, line_id=line_id,
                                         quantity=max(quantity, 0))
        except DomainError as error:
            for message in refusal_messages(error, title):
                messages.error(request, message)
        else:
            if line is None:
                messages.success(request, _("已从购物车删除「%(title)s」") % {"title": title})
            else:
                messages.success(request, _("「%(title)s」已改为 %(quantity)s 份") % {"title": title, "quantity": line.quantity})
        return HttpResponseRedirect(reverse("basket:summary"))


class LineRemoveView(View):
    def post(self, request, line_id: int):
        basket = current_basket(request)
        title = selectors.line_title(basket, line_id) or _("该商品")
        try:
            services.remove_line(basket=basket, line_id=line_id)
        except DomainError as error:
            messages.error(request, str(error.detail))
        else:
            messages.success(request, _("已从购物车删除「%(title)s」") % {"title": title})
        return HttpResponseRedirect(reverse("basket:summary"))
