"""The blocks every community page body is made of (one small set, shared by all page types).

Rich text keeps Wagtail's allow-list (the editor's features below; anything else is dropped
when the editor saves, and cms.sanitize cleans what is written outside the editor). A merchant
or listing card reads the shop's current state through selectors when the page is shown, so
a promotion of a sold-out listing or a closed shop says so instead of selling it.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.images.blocks import ImageChooserBlock

from cms.choosers import listing_chooser, merchant_chooser

RICH_TEXT_FEATURES = ["h3", "h4", "bold", "italic", "ol", "ul", "link", "hr"]

MerchantChooserBlock = merchant_chooser.get_block_class(name="MerchantChooserBlock", module_path="cms.blocks")
ListingChooserBlock = listing_chooser.get_block_class(name="ListingChooserBlock", module_path="cms.blocks")


class RichTextBlock(blocks.RichTextBlock):
    def __init__(self, **kwargs):
        kwargs.setdefault("features", RICH_TEXT_FEATURES)
        super().__init__(**kwargs)

    class Meta:
        icon = "pilcrow"
        label = _("正文")


class ImageBlock(blocks.StructBlock):
    image = ImageChooserBlock(label=_("图片"))
    caption = blocks.CharBlock(label=_("说明"), required=False, max_length=120)

    class Meta:
        icon = "image"
        label = _("图片")
        template = "cms/blocks/image.html"


class CallToActionBlock(blocks.StructBlock):
    text = blocks.CharBlock(label=_("按钮文字"), max_length=40)
    page = blocks.PageChooserBlock(label=_("站内页面"), required=False)
    url = blocks.URLBlock(label=_("或链接"), required=False)

    class Meta:
        icon = "link"
        label = _("行动按钮")
        template = "cms/blocks/call_to_action.html"

    def clean(self, value):
        value = super().clean(value)
        if not value.get("page") and not value.get("url"):
            raise blocks.StructBlockValidationError(
                block_errors={"url": forms.ValidationError(_("请选择一个站内页面或填写链接"))}
            )
        return value


class CardBlock(blocks.StructBlock):
    """A card whose facts are read when the page is shown (`card` gives them to the template)."""

    def card(self, value, *, now):
        raise NotImplementedError

    def get_context(self, value, parent_context=None):
        context = super().get_context(value, parent_context=parent_context)
        context["card"] = self.card(value, now=(parent_context or {}).get("now"))
        return context


class MerchantCardBlock(CardBlock):
    merchant = MerchantChooserBlock(label=_("商户"))
    note = blocks.CharBlock(label=_("推荐语"), required=False, max_length=80)

    class Meta:
        icon = "site"
        label = _("商户卡片")
        template = "cms/blocks/merchant_card.html"

    def card(self, value, *, now):
        from cms.selectors import merchant_card

        return merchant_card(merchant=value["merchant"], now=now)


class ListingCardBlock(CardBlock):
    listing = ListingChooserBlock(label=_("商品"))
    note = blocks.CharBlock(label=_("推荐语"), required=False, max_length=80)

    class Meta:
        icon = "tag"
        label = _("商品卡片")
        template = "cms/blocks/listing_card.html"

    def card(self, value, *, now):
        from cms.selectors import listing_card

        return listing_card(listing=value["listing"])


class OpeningHoursRow(blocks.StructBlock):
    days = blocks.CharBlock(label=_("日期"), max_length=30, help_text=_("如: 周一至周五"))
    opens = blocks.TimeBlock(label=_("开门"))
    closes = blocks.TimeBlock(label=_("关门"))


class OpeningHoursBlock(blocks.StructBlock):
    title = blocks.CharBlock(label=_("名称"), max_length=40, help_text=_("如: 社区服务中心"))
    rows = blocks.ListBlock(OpeningHoursRow(), label=_("时间"), min_num=1)

    class Meta:
        icon = "time"
        label = _("开放时间")
        template = "cms/blocks/opening_hours.html"


def body_blocks() -> list[tuple[str, blocks.Block]]:
    """The blocks of every page body."""
    return [
        ("text", RichTextBlock()),
        ("image", ImageBlock()),
        ("call_to_action", CallToActionBlock()),
        ("merchant_card", MerchantCardBlock()),
        ("listing_card", ListingCardBlock()),
        ("opening_hours", OpeningHoursBlock()),
    ]


def offer_blocks() -> list[tuple[str, blocks.Block]]:
    """What a promotion promotes: merchants and listings of the community's circle."""
    return [("merchant_card", MerchantCardBlock()), ("listing_card", ListingCardBlock())]
