"""Wagtail pages of the communities. The root page lists every community."""

from django.utils.translation import gettext_lazy as _
from wagtail.fields import RichTextField
from wagtail.models import Page

from communities import selectors as community_selectors


class CommunityIndexPage(Page):
    """The page at /community/: every community of the district, with its demonstration status."""

    intro = RichTextField(_("简介"), blank=True)

    parent_page_types = ["wagtailcore.Page"]
    subpage_types: list[str] = []
    max_count = 1

    content_panels = Page.content_panels + ["intro"]

    class Meta:
        verbose_name = _("社区首页")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["communities"] = community_selectors.community_directory()
        return context
