import oscar.apps.checkout.apps as apps
from django.contrib.auth.decorators import login_required
from django.urls import path
from oscar.core.loading import get_class


class CheckoutConfig(apps.CheckoutConfig):
    """Fork: one-page checkout over many merchants, and the sandbox payment gateway.

    Oscar's multi-step checkout URLs are replaced by ours (namespace "checkout" kept): the
    one page (index), the sandbox pay page, cancelling an order, adding a saved address.
    Every page needs a signed-in resident.
    """

    name = "shop.checkout"

    def ready(self):
        super().ready()
        from . import (
            receivers,  # noqa: F401  the order's status follows its groups (delivery.signals)
            tasks,  # noqa: F401  registered by name: the money ledger queues them after commit
        )

        self.one_page_view = get_class("checkout.views", "CheckoutView")
        self.sandbox_pay_view = get_class("checkout.views", "SandboxPayView")
        self.extra_charge_pay_view = get_class("checkout.charge_views", "ExtraChargePayView")
        self.cancel_order_view = get_class("checkout.views", "CancelOrderView")
        self.buy_again_view = get_class("checkout.views", "BuyAgainView")
        self.add_address_view = get_class("checkout.views", "AddAddressView")
        from . import erasure

        erasure.connect()  # the order layer's part in deleting an address or an account

    def get_urls(self):
        urls = [
            path("", self.one_page_view.as_view(), name="index"),
            path("pay/<str:trade_no>/", self.sandbox_pay_view.as_view(), name="sandbox-pay"),
            path("extra/<str:trade_no>/", self.extra_charge_pay_view.as_view(), name="extra-charge-pay"),
            path("orders/<str:number>/cancel/", self.cancel_order_view.as_view(), name="order-cancel"),
            path("orders/<str:number>/buy-again/", self.buy_again_view.as_view(), name="order-buy-again"),
            path("address/add/", self.add_address_view.as_view(), name="address-add"),
        ]
        return self.post_process_urls(urls)

    def get_url_decorator(self, pattern):
        return login_required
