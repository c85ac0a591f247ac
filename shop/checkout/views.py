"""The checkout pages: one page for the whole basket, the sandbox gateway's pay page, cancelling
an order, and adding a saved address from the standard address register.

They call selectors and services only (shop.checkout, shop.basket, communities). A refusal
(422/409 from a service) re-renders the page with each message next to the merchant group or
line it is about, everything the resident chose kept; nothing is half written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views import View

from communities import location as locations
from communities import selectors as community_selectors
from communities import services as community_services
from delivery.services import SlotFull
from merchants.services import InsufficientStock
from shop.basket.selectors import ZERO, basket_groups
from shop.basket.views import current_basket
from shop.core.errors import DomainError

from . import payment as gateway
from . import selectors, services
from .forms import ASAP, WINDOW, AddressSearchForm, initial_choices, posted_choices
from .models import Payment


def order_url(number: str) -> str:
    return reverse("customer:order", kwargs={"order_number": number})


# --- the one-page checkout -------------------------------------------------------------------


@dataclass
class PageErrors:
    general: list[str] = field(default_factory=list)
    address: list[str] = field(default_factory=list)
    payment: list[str] = field(default_factory=list)
    groups: dict[int, list[str]] = field(default_factory=dict)  # merchant id -> messages
    lines: dict[int, list[str]] = field(default_factory=dict)  # basket line id -> messages

    def __bool__(self):
        return bool(self.general or self.address or self.payment or self.groups or self.lines)


def checkout_errors(error: DomainError, groups, choices) -> PageErrors:
    """A service's refusal, each message placed next to the group or line it is about; stock
    and slot shortages name the product (the service's own text names only ids)."""
    errors = PageErrors()
    for key, field_messages in error.fields.items():
        field_messages = [str(message) for message in field_messages]
        if key == "address_id":
            errors.address += field_messages
        elif key == "payment":
            errors.payment += field_messages
        elif key.startswith("merchant ") and key.split(" ", 1)[1].isdigit():
            errors.groups.setdefault(int(key.split(" ", 1)[1]), []).extend(field_messages)
        else:
            errors.general += field_messages
    items = [item for group in groups for item in group.lines]
    goods = {item.listing.pk: item for item in items if item.slot is None}
    bookings = {item.slot.pk: item for item in items if item.slot is not None}
    windows = {choice.slot_id: choice.merchant_id for choice in choices if choice.slot_id}
    merchants = {group.merchant.pk: group.merchant for group in groups}
    named = []
    for shortage in error.extra.get("lines", []):
        if isinstance(error, InsufficientStock) and shortage.get("listing_id") in goods:
            item = goods[shortage["listing_id"]]
            message = (_("「%(title)s」已售罄") % {"title": item.product.get_title()} if shortage["available"] <= 0 else
                       _("「%(title)s」库存不足: 您要 %(requested)s 份, 现在只剩 %(available)s 份") % {
                           "title": item.product.get_title(), **shortage})
            errors.lines.setdefault(item.line.pk, []).append(message)
        elif isinstance(error, SlotFull) and shortage.get("slot_id") in bookings:
            item = bookings[shortage["slot_id"]]
            message = _("「%(title)s」所选上门时间已约满, 请回购物车删除后重新预约") % {"title": item.product.get_title()}
            errors.lines.setdefault(item.line.pk, []).append(message)
        elif isinstance(error, SlotFull) and shortage.get("slot_id") in windows:
            merchant_id = windows[shortage["slot_id"]]
            message = _("「%(name)s」所选送货时段已满, 请换一个时段") % {"name": merchants[merchant_id].name}
            errors.groups.setdefault(merchant_id, []).append(message)
        elif "line_id" in shortage:  # a line that can no longer be bought (LineUnavailable)
            errors.lines.setdefault(shortage["line_id"], []).append(shortage.get("message") or str(error.detail))
            continue
        else:
            continue
        named.append(message)
    if isinstance(error, (InsufficientStock, SlotFull)):
        errors.general = named + errors.general if named else [_("部分商品或时段已不够, 请修改后再提交")]
    else:
        errors.general.insert(0, str(error.detail))
    return errors


@dataclass
class GroupRow:
    """One merchant's part on the checkout page: its options, what is chosen, its messages."""

    option: selectors.GroupOptions
    fulfil: str
    window: str
    station: str
    errors: list[str]
    line_errors: dict[int, list[str]]

    @property
    def group(self):
        return self.option.group

    @property
    def lines(self):
        return [(item, self.line_errors.get(item.line.pk, [])) for item in self.group.lines]

    @property
    def fee(self) -> Decimal:
        return self.group.delivery_fee if self.fulfil in (ASAP, WINDOW) and self.group.has_goods else ZERO

    @property
    def total(self) -> Decimal:
        return self.group.subtotal + self.fee


class CheckoutView(LoginRequiredMixin, View):
    """/checkout/: address, per merchant delivery or pickup, payment, summary; POST places the order."""

    template_name = "oscar/checkout/one_page.html"

    def get(self, request):
        basket = current_basket(request)
        chosen = locations.get_location(request)
        wanted = request.GET.get("address") or (chosen.address_id if chosen and chosen.kind == locations.ADDRESS else None)
        address = selectors.resident_address(user=request.user, address_id=wanted)
        groups, options = self.options(basket, address)
        if not groups:
            return self.empty()
        return self.page(address, groups, options, initial_choices(options, address_id=address.pk if address else None))

    def post(self, request):
        basket = current_basket(request)
        address = selectors.resident_address(user=request.user, address_id=request.POST.get("address_id"))
        groups, options = self.options(basket, address)
        if not groups:
            return self.empty()
        choices = posted_choices(request.POST, options)
        if request.POST.get("action") == "refresh":  # another address chosen: show its options
            choices.address_id = str(address.pk) if address else ""
            return self.page(address, groups, options, choices)
        group_choices = choices.group_choices(options)
        errors = PageErrors(groups=dict(choices.errors))
        if address is None or str(address.pk) != choices.address_id:
            errors.address.append(_("请选择您的收货地址"))
        if errors:
            errors.general.insert(0, _("还有几处需要选择, 请看红色的提示"))
            return self.page(address, groups, options, choices, errors)
        try:
            order = services.place_order(user=request.user, basket=basket, address_id=address.pk,
                                         groups=group_choices, payment=choices.payment)
        except DomainError as error:
            return self.page(address, groups, options, choices, checkout_errors(error, groups, group_choices))
        payment = order.payment
        if payment.provider == Payment.Provider.SANDBOX:
            return HttpResponseRedirect(reverse("checkout:sandbox-pay", args=[payment.trade_no]))
        messages.success(request, _("下单成功! 订单号 %(number)s, 请在送达、取货或上门服务时付款。") % {"number": order.number})
        return HttpResponseRedirect(order_url(order.number))

    def empty(self):
        messages.info(self.request, _("购物车是空的, 先去挑选商品吧。"))
        return HttpResponseRedirect(reverse("basket:summary"))

    def options(self, basket, address):
        home = address.standard_address if address else None
        groups = basket_groups(basket, address=home) if basket.pk else []
        return groups, selectors.checkout_options(groups, address=home)

    def page(self, address, groups, options, choices, errors: PageErrors | None = None):
        errors = errors or PageErrors()
        rows = [
            GroupRow(option=option, fulfil=choices.fulfil.get(option.merchant.pk, ""),
                     window=choices.window.get(option.merchant.pk, ""), station=choices.station.get(option.merchant.pk, ""),
                     errors=errors.groups.get(option.merchant.pk, []), line_errors=errors.lines)
            for option in options
        ]
        goods_total = sum((group.subtotal for group in groups), ZERO)
        fees = sum((row.fee for row in rows), ZERO)
        context = {
            "addresses": [{"address": a, "name": locations.address_name(a)}
                          for a in locations.saved_addresses(user=self.request.user)],
            "address": address,
            "rows": rows,
            "choices": choices,
            "errors": errors,
            "payments": gateway.available_payments(),
            "goods_total": goods_total,
            "fees": fees,
            "total": goods_total + fees,
            "has_weighed": any(group.has_weighed for group in groups),
            "problem_count": sum(len(group.problems) for group in groups),
            "add_address_url": reverse("checkout:address-add"),
            "payment_minutes": settings.PAYMENT_TIMEOUT_MINUTES,
        }
        return render(self.request, self.template_name, context, status=422 if errors else 200)


# --- the sandbox gateway's pay page ----------------------------------------------------------


class SandboxPayView(LoginRequiredMixin, View):
    """/checkout/pay/<trade_no>/: the sandbox standing in for a gateway's own pay page.

    "确认支付" acts as the gateway: it signs the notification and hands it to the same code the
    server-to-server callback (/api/v1/payments/sandbox/notify/) runs, then goes to the order.
    """

    template_name = "oscar/checkout/pay.html"

    def dispatch(self, request, *args, **kwargs):
        if not settings.SANDBOX_PAYMENT_ENABLED:
            raise Http404(_("没有这笔支付"))
        return super().dispatch(request, *args, **kwargs)

    def payment(self, trade_no):
        payment = selectors.payment_of(user=self.request.user, trade_no=trade_no)
        if payment is None:
            raise Http404(_("没有这笔支付"))
        return payment

    def get(self, request, trade_no: str):
        payment = self.payment(trade_no)
        now = timezone.now()
        expired = selectors.payment_expired(payment, now=now)
        seconds_left = max(int((payment.expires_at - now).total_seconds()), 0) if payment.expires_at else 0
        context = {
            "payment": payment,
            "order": payment.order,
            "payable": payment.provider == Payment.Provider.SANDBOX and payment.status == Payment.Status.PENDING
            and not expired,
            "expired": expired or payment.status == Payment.Status.EXPIRED,
            "seconds_left": seconds_left,
            "minutes_left": (seconds_left + 59) // 60,
            "order_url": order_url(payment.order.number),
        }
        return render(request, self.template_name, context)

    def post(self, request, trade_no: str):
        payment = self.payment(trade_no)
        if selectors.payment_expired(payment):
            gateway.expire_payment(payment_id=payment.pk)
            messages.error(request, _("支付已超时, 订单已自动取消, 商品和预约名额已退回。"))
        elif payment.status != Payment.Status.PENDING or payment.provider != Payment.Provider.SANDBOX:
            messages.info(request, _("这笔订单不需要再支付了。"))
        else:
            outcome = gateway.handle_notification(gateway.signed_notification(payment))
            if outcome in (gateway.Outcome.ACCEPTED, gateway.Outcome.DUPLICATE):
                messages.success(request, _("支付成功! 商户会尽快为您备货。"))
            else:
                messages.error(request, _("支付没有成功, 请稍后再试。"))
        return HttpResponseRedirect(order_url(payment.order.number))


# --- cancelling an order ---------------------------------------------------------------------


class CancelOrderView(LoginRequiredMixin, View):
    """GET asks to confirm; POST cancels the resident's own order (before anything left the shop)."""

    template_name = "oscar/checkout/cancel_order.html"

    def order(self, number):
        order = selectors.order_of(user=self.request.user, number=number)
        if order is None:
            raise Http404(_("没有这个订单"))
        return order

    def get(self, request, number: str):
        order = self.order(number)
        return render(request, self.template_name, {
            "order": order, "actions": selectors.order_actions(order), "order_url": order_url(order.number)})

    def post(self, request, number: str):
        order = self.order(number)
        try:
            services.cancel_order(order_number=order.number, user=request.user,
                                  reason=request.POST.get("reason", "").strip()[:200])
        except DomainError as error:
            messages.error(request, str(error.detail))
        else:
            messages.success(request, _("订单 %(number)s 已取消, 商品库存和预约名额已退回。") % {"number": order.number})
        return HttpResponseRedirect(order_url(order.number))


class BuyAgainView(LoginRequiredMixin, View):
    """POST /checkout/orders/<number>/buy-again/ (再来一单): the order's listings back in the
    basket, then the basket page with a message for each line that did not simply go back."""

    http_method_names = ["post"]

    def post(self, request, number: str):
        order = selectors.order_of(user=request.user, number=number)
        if order is None:
            raise Http404(_("没有这个订单"))
        try:
            result = services.buy_again(user=request.user, order_number=order.number)
        except DomainError as error:
            messages.error(request, str(error.detail))
            return HttpResponseRedirect(order_url(order.number))
        for level, text in result.messages():
            getattr(messages, level)(request, text)
        for again in result.needs_slot:
            url = reverse_product(again.product_id) if again.product_id else ""
            if url:  # escaped by format_html: the title is the shop's text
                messages.info(request, format_html('<a href="{}">{}</a>', url, _("为「%(title)s」选择上门时间")
                                                   % {"title": again.title}), extra_tags="safe")
        return HttpResponseRedirect(reverse("basket:summary"))


def reverse_product(product_id: int) -> str:
    from catalog.models import Product

    product = Product.objects.filter(pk=product_id).first()
    return product.get_absolute_url() if product else ""


# --- adding a saved address ------------------------------------------------------------------


class AddAddressView(LoginRequiredMixin, View):
    """/checkout/address/add/: find one's room in the standard address register of a community
    (the one of 我的位置 first), then the recipient and phone; saved as a ResidentAddress."""

    template_name = "oscar/checkout/address_add.html"

    def get(self, request):
        return self.page(self.search_form(request.GET or None))

    def post(self, request):
        form = self.search_form(request.POST)
        try:
            address = community_services.save_resident_address(
                user=request.user, standard_address_id=request.POST.get("standard_address", ""),
                recipient=request.POST.get("recipient", ""), phone=request.POST.get("phone", ""))
        except DomainError as error:
            return self.page(form, errors={key: [str(m) for m in value] for key, value in error.fields.items()},
                             status=422)
        messages.success(request, _("地址已保存: %(name)s") % {"name": locations.address_name(address)})
        return HttpResponseRedirect(reverse("checkout:index") + "?" + urlencode({"address": address.pk}))

    def search_form(self, data):
        communities = list(community_selectors.community_directory())
        initial = {}
        chosen = locations.get_location(self.request)
        if chosen and chosen.community_id:
            initial["community"] = chosen.community_id
        return AddressSearchForm(data, communities=communities, initial=initial)

    def page(self, form, errors=None, status=200):
        found = []
        if form.is_bound and form.is_valid():
            found = community_selectors.find_standard_addresses(
                community_id=form.cleaned_data["community"], compound=form.cleaned_data["compound"],
                building=form.cleaned_data["building"], room=form.cleaned_data["room"])
        data = self.request.POST if self.request.method == "POST" else {}
        return render(self.request, self.template_name, {
            "form": form, "found": found, "errors": errors or {},
            "picked": data.get("standard_address", ""), "recipient": data.get("recipient", ""),
            "phone": data.get("phone", ""), "saved_count": locations.saved_addresses(user=self.request.user).count(),
        }, status=status)
