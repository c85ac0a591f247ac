"""The authorization matrix's routes: which URL patterns are walked, which are public on
purpose, how each URL argument is filled with the victim's objects, and the bodies writes are
sent with (tests/test_authorization_matrix.py explains the rules)."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver

# Where people's own data lives; every pattern under these prefixes is walked.
PREFIXES = ("dashboard/", "api/v1/", "accounts/", "basket/", "checkout/", "orders/", "station/", "provider/",
            "bureau/")

# Public on purpose: answers may show anything public (the catalogue, merchants, the circle),
# so only "no server error, nothing changed" is checked for them.
PUBLIC = {
    "api:auth-token",  # exchanges one's own credentials for a token
    "api:merchant-list",  # the merchant directory
    "api:circle",  # the 15-minute circle
    "api:listing-slots",  # a public listing's bookable times
    "api:home-feed",  # a community's notices, events, promotions and formats (one's own sign-ups only)
    "api:search",
    "api:search-suggest",
    "api:sandbox-notify",  # the gateway's callback: answers only to a valid signature
    "api:sandbox-refund-notify",  # the gateway's refund notice: answers only to a valid signature
    "dashboard:catalogue-product-lookup",  # public product titles, for the product form's pickers
    "dashboard:login",
    "customer:login",
    "customer:register",
}

# How to fill a URL argument: the name of an attribute of the victim's world, and whether the
# object is hers (the URL must then be refused) or public/one's own (the answer is checked).
FILL_BY_KWARG: dict[str, tuple[str, bool]] = {
    "number": ("order_number", True),
    "order_number": ("order_number", True),
    "hash": ("bad_hash", True),
    "group_id": ("group_id", True),
    "trade_no": ("trade_no", True),
    "partner_pk": ("merchant_id", True),
    "user_pk": ("merchant_staff_id", True),
    "email_id": ("email_id", True),
    "key": ("wishlist_key", True),
    "to_key": ("wishlist_key", True),
    "line_pk": ("wishlist_line_id", True),
    "note_id": ("order_note_id", True),
    "parent_pk": ("product_id", True),
    "product_pk": ("product_id", False),  # adding a public product to one's own wishlist
    "product_class_slug": ("product_class_slug", False),
    "action": ("address_action", False),
    # the bureau's pages: refused to everyone but the analyst (see BUREAU_ROUTES)
    "slug": ("community_slug", True),
    "fmt": ("export_format", True),
    "table": ("export_table", True),
    "event_id": ("event_id", False),  # signing oneself up for a public community event
    "listing_id": ("listing_id", False),  # a public listing's bookable times
}
# Arguments whose meaning depends on the URL.
FILL_BY_URL: dict[tuple[str, str], tuple[str, bool]] = {
    ("merchant-orders:group-detail", "pk"): ("group_id", True),
    ("merchant-orders:group-accept", "pk"): ("group_id", True),
    ("merchant-orders:group-reject", "pk"): ("group_id", True),
    ("merchant-orders:group-weights", "pk"): ("group_id", True),
    ("merchant-orders:group-ready", "pk"): ("group_id", True),
    ("merchant-orders:group-handover", "pk"): ("group_id", True),
    ("bureau:export-district", "table"): ("district_export_table", True),
    ("merchant-orders:group-weighing", "pk"): ("group_id", True),
    ("merchant-orders:group-settle", "pk"): ("group_id", True),
    ("checkout:extra-charge-pay", "trade_no"): ("extra_charge_trade_no", True),  # her 补差价
    ("dashboard:catalogue-product", "pk"): ("product_id", True),
    ("dashboard:catalogue-product-delete", "pk"): ("product_id", True),
    ("dashboard:partner-manage", "pk"): ("merchant_id", True),
    ("dashboard:partner-delete", "pk"): ("merchant_id", True),
    ("dashboard:user-detail", "pk"): ("victim_id", True),
    ("dashboard:user-password-reset", "pk"): ("victim_id", True),
    ("dashboard:order-line-detail", "line_id"): ("order_line_id", True),
    ("customer:order-line", "line_id"): ("order_line_id", True),
    ("api:basket-line", "line_id"): ("basket_line_id", True),
    ("api:address-detail", "address_id"): ("resident_address_id", True),
    ("api:address-default", "address_id"): ("resident_address_id", True),
    ("basket:line-quantity", "line_id"): ("basket_line_id", True),
    ("basket:line-remove", "line_id"): ("basket_line_id", True),
    ("basket:add", "pk"): ("product_id", False),  # into one's own basket
    ("basket:vouchers-remove", "pk"): ("missing_id", False),  # from one's own basket
    ("customer:alert-create", "pk"): ("product_id", False),  # one's own alert on a public product
    ("customer:address-detail", "pk"): ("user_address_id", True),
    ("customer:address-delete", "pk"): ("user_address_id", True),
    ("customer:address-change-status", "pk"): ("user_address_id", True),
    ("checkout:user-address-update", "pk"): ("user_address_id", True),
    ("checkout:user-address-delete", "pk"): ("user_address_id", True),
    ("customer:notifications-detail", "pk"): ("notification_id", True),
    ("customer:alerts-cancel-by-pk", "pk"): ("alert_id", True),
    # capability links (the key or hash is the credential, sent by email): a wrong one is refused
    ("customer:alerts-confirm", "key"): ("wrong_alert_key", True),
    ("customer:alerts-cancel-by-key", "key"): ("wrong_alert_key", True),
    # the guest-order lookup form: a blank form whatever the number (the checked page is anon-order)
    ("customer:anon-order-form", "order_number"): ("order_number", False),
    ("customer:anon-order-form", "hash"): ("bad_hash", False),
    # the merchant portal (/dashboard/shop/): the victim shop's listing, template, hours, import;
    # the victim resident's shop application
    ("merchant-portal:listing", "pk"): ("listing_id", True),
    ("merchant-portal:listing-price", "pk"): ("listing_id", True),
    ("merchant-portal:listing-stock", "pk"): ("listing_id", True),
    ("merchant-portal:listing-publish", "pk"): ("listing_id", True),
    ("merchant-portal:listing-point-stock", "pk"): ("listing_id", True),
    ("merchant-portal:slot-template", "pk"): ("slot_template_id", True),
    ("merchant-portal:slot-template-delete", "pk"): ("slot_template_id", True),
    ("merchant-portal:period-remove", "pk"): ("opening_period_id", True),
    ("merchant-portal:exception-remove", "pk"): ("opening_exception_id", True),
    ("merchant-portal:import-detail", "pk"): ("listing_import_id", True),
    ("merchant-portal:import-status", "pk"): ("listing_import_id", True),
    ("merchant-portal:import-apply", "pk"): ("listing_import_id", True),
    ("merchant-portal:application", "pk"): ("application_id", True),
    ("merchant-portal:application-licence", "pk"): ("application_id", True),
    ("api:event-signups", "event_id"): ("event_id", True),  # the organiser's list names the residents
}


def bodies(w) -> dict[str, dict]:
    """For the writes that matter, a body the owner could use (so a refusal is the ownership check)."""
    return {
        "api:basket-line": {"quantity": 1},
        "api:address-detail": {"recipient": "别人", "phone": "13600000002"},
        "api:address-default": {},
        "basket:line-quantity": {"quantity": 1},
        "api:order-cancel": {"reason": "不想要了"},
        "checkout:order-cancel": {"reason": "不想要了"},
        "merchant-orders:group-accept": {},
        "merchant-orders:group-reject": {"reason": "缺货"},
        "merchant-orders:group-weights": {f"weight_{w.group.lines.get().pk}": 900},
        "merchant-orders:group-ready": {},
        "merchant-orders:group-weighing": {f"weight_{w.group.lines.get().pk}": 900},
        "merchant-orders:group-settle": {},
        "checkout:extra-charge-pay": {},
        "api:courier-job-accept": {},
        "api:courier-job-pickup": {},
        "api:courier-job-deliver": {"pickup_code": "864209"},
        "api:courier-job-fail": {"reason": "联系不上顾客"},
        "api:order-group-cancel": {"reason": "不想要了"},
        "api:order-refund": {"amount": "1.00", "reason": "group_cancelled"},
        "api:group-settle": {},
        "merchant-portal:listing": {"partner_sku": "X", "price": "1.00", "is_published": ""},
        "merchant-portal:listing-price": {"price": "1.00"},
        "merchant-portal:listing-stock": {"action": "counted", "quantity": 0},
        "merchant-portal:listing-publish": {"published": "0"},
        "merchant-portal:listing-point-stock": {"point": w.warehouse.pk, "action": "received", "quantity": 1},
        "merchant-portal:slot-template": {f"t{w.slot_template.pk}-{k}": v for k, v in {
            "kind": "delivery", "weekday": 1, "starts": "10:00", "ends": "11:00", "slot_minutes": 30,
            "capacity": 9}.items()},
        "merchant-portal:slot-template-delete": {},
        "merchant-portal:period-remove": {},
        "merchant-portal:exception-remove": {},
        "merchant-portal:import-apply": {"mode": "apply_valid"},
        "merchant-portal:application": {"decision": "approve"},
        "merchant-portal:staff-remove": {},
        # handover and home services (issue 11): the right code, so only the ownership check refuses
        "merchant-orders:group-handover": {"pickup_code": "864209"},
        "api:merchant-group-handover": {"pickup_code": "864209"},
        "api:station-parcel-handover": {"pickup_code": "864209"},
        "delivery:station-handover": {"pickup_code": "864209"},
        "delivery:provider-action": {"action": "accept"},
        "api:provider-accept": {},
        "api:provider-decline": {},
        "api:provider-start": {},
        "api:provider-arrive": {},
        "api:provider-complete": {"pickup_code": "864209"},
        "api:order-buy-again": {},
        "checkout:order-buy-again": {},
    }

SHARING = "merchant sharing the order"
ANALYST = "bureau analyst"
# the commerce bureau's pages and API: the analyst gets them (200), every other actor is refused,
# and the analyst is refused everything that names the victim's objects like anyone else
BUREAU_ROUTES = ("bureau:", "api:bureau-")
REFUSED = {401, 403, 404, 405}  # and any redirect; 400 where no body is given (see the docstring)
METHODS = ["get", "post", "put", "patch", "delete"]


@dataclass
class Route:
    name: str  # namespaced, e.g. "api:order-detail"; "" for an unnamed pattern
    route: str  # the pattern's text, e.g. "api/v1/orders/<str:number>/"
    kwargs: list[str]
    callback: object

    @property
    def short_name(self) -> str:
        return self.name.rsplit(":", 1)[-1]


def walk(patterns, prefix="", namespace="") -> list[Route]:
    routes = []
    for pattern in patterns:
        text = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            inner = ":".join(part for part in [namespace, pattern.namespace] if part)
            routes += [
                Route(r.name, r.route, [*kwarg_names(pattern), *r.kwargs], r.callback)
                for r in walk(pattern.url_patterns, text, inner)
            ]
        elif isinstance(pattern, URLPattern):
            name = f"{namespace}:{pattern.name}" if namespace and pattern.name else (pattern.name or "")
            routes.append(Route(name, text, kwarg_names(pattern), pattern.callback))
    return routes


def kwarg_names(pattern) -> list[str]:
    converters = getattr(pattern.pattern, "converters", None)
    if converters:
        return list(converters)
    return list(pattern.pattern.regex.groupindex)


def walked_routes() -> list[Route]:
    return [route for route in walk(get_resolver().url_patterns) if route.route.lstrip("^").startswith(PREFIXES)]


def allowed_methods(callback) -> list[str]:
    view_class = getattr(callback, "view_class", None) or getattr(callback, "cls", None)
    if view_class is None:
        return ["get", "post"]
    names = getattr(view_class, "http_method_names", METHODS)
    return [method for method in METHODS if method in names and hasattr(view_class, method)] or ["get"]
