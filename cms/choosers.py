"""Chooser modals for the shop's objects an editor links to from a page (a merchant, a
listing, a standard address). Registered in cms/wagtail_hooks.py; cms/blocks.py derives its
chooser blocks from them. They list public facts only (names, prices, addresses of rooms are
not shown: an address is chosen by its compound, building and room)."""

from django.utils.translation import gettext_lazy as _
from wagtail.admin.viewsets.chooser import ChooserViewSet


class PublicChooserViewSet(ChooserViewSet):
    """A chooser of the shop's public objects, thirty a page."""

    per_page = 30


class MerchantChooserViewSet(PublicChooserViewSet):
    model = "partner.Partner"
    icon = "site"
    choose_one_text = _("选择商户")
    choose_another_text = _("换一个商户")
    ordering = ["name", "pk"]


class ListingChooserViewSet(PublicChooserViewSet):
    model = "partner.StockRecord"
    icon = "tag"
    choose_one_text = _("选择商品")
    choose_another_text = _("换一个商品")
    ordering = ["partner__name", "pk"]


class AddressChooserViewSet(PublicChooserViewSet):
    model = "communities.StandardAddress"
    icon = "home"
    choose_one_text = _("选择标准地址")
    choose_another_text = _("换一个地址")


merchant_chooser = MerchantChooserViewSet("merchant_chooser")
listing_chooser = ListingChooserViewSet("listing_chooser")
address_chooser = AddressChooserViewSet("address_chooser")
