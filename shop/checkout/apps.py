import oscar.apps.checkout.apps as apps


class CheckoutConfig(apps.CheckoutConfig):
    """Fork: one-page checkout over many merchants, and the sandbox payment gateway."""

    name = "shop.checkout"
