"""Template helpers of the storefront (listing cards, the product page, the header)."""

from decimal import Decimal

from django import template

from catalog import selectors

register = template.Library()


@register.filter
def per_kg_price(listing) -> Decimal | None:
    """The kilogram price of a weighed pack (None for goods sold by the piece)."""
    product = listing.product
    if not product.is_sold_by_weight or listing.price is None:
        return None
    return product.price_per_kg(listing.price)


@register.filter
def format_label(business_format) -> str:
    """A business format's name in the active language."""
    return selectors.format_label(business_format)


@register.filter
def startswith(value, prefix) -> bool:
    return str(value).startswith(str(prefix))


@register.simple_tag
def product_offers(product):
    """Every merchant's offer of a product (see catalog.selectors.product_offers)."""
    return selectors.product_offers(product=product)
