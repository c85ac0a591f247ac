"""Wagtail pages of the communities.

    CommunityIndexPage (/community/, the district)
      └ CommunityPage (one per communities.Community, kept in step by cms.services)
          ├ NoticePage (通知公告)
          ├ EventPage (社区活动, with EventSignup rows)
          └ PromotionPage (优惠活动, approved by a street-office reviewer before it goes live)

Pages only hold what editors write. Everything about the shop (the circle's formats, whether
a promoted listing is in stock) is read through selectors when a page is shown. The pages'
reads live in cms.selectors and their writes (sign-ups, the sync) in cms.services.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminPageForm
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page, PagePermissionTester
from wagtail.search import index

from cms import constants
from cms.blocks import RICH_TEXT_FEATURES, body_blocks, offer_blocks
from cms.constants import PROMOTION_WORKFLOW, REVIEWER_GROUP
from cms.sanitize import clean_html, clean_stream
from cms.search_text import search_terms, stream_text
from communities import selectors as community_selectors


class CommunityIndexPage(RoutablePageMixin, Page):
    """The page at /community/: every community of the district, with its demonstration status."""

    intro = RichTextField(_("简介"), blank=True, features=RICH_TEXT_FEATURES)

    parent_page_types = ["wagtailcore.Page"]
    subpage_types = ["cms.CommunityPage"]
    max_count = 1

    content_panels = Page.content_panels + ["intro"]

    class Meta:
        verbose_name = _("社区首页")

    def save(self, *args, **kwargs):
        self.intro = clean_html(self.intro)
        return super().save(*args, **kwargs)

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["communities"] = community_selectors.community_directory()
        return context

    @path("search/")
    def search(self, request):
        from cms.views import search_view

        return search_view(request, index_page=self)


class CommunityPage(RoutablePageMixin, Page):
    """One community's own site. Created and renamed by cms.services.sync_community_page, never
    by hand: its title is always the community's name."""

    community = models.OneToOneField(
        "communities.Community", on_delete=models.PROTECT, related_name="cms_page", verbose_name=_("社区")
    )
    intro = RichTextField(_("简介"), blank=True, features=RICH_TEXT_FEATURES)
    body = StreamField(body_blocks(), blank=True, verbose_name=_("正文"))

    parent_page_types = ["cms.CommunityIndexPage"]
    subpage_types = ["cms.NoticePage", "cms.EventPage", "cms.PromotionPage"]
    is_creatable = False  # one per community, made by the sync

    content_panels = [FieldPanel("community", read_only=True), FieldPanel("intro"), FieldPanel("body")]
    promote_panels: list = []
    search_fields = Page.search_fields + [index.SearchField("search_text")]

    class Meta:
        verbose_name = _("社区主页")
        verbose_name_plural = _("社区主页")

    def clean(self):
        super().clean()
        if self.community_id:
            self.title = self.community.name

    def save(self, *args, **kwargs):
        self.intro = clean_html(self.intro)
        clean_stream(self.body)
        return super().save(*args, **kwargs)

    def search_text(self) -> str:
        return search_terms(self.title, self.intro, stream_text(self.body))

    def get_context(self, request, *args, **kwargs):
        from cms.selectors import community_sections

        context = super().get_context(request, *args, **kwargs)
        now = timezone.now()
        context["now"] = now
        context["sections"] = community_sections(community_page=self, now=now)
        return context

    @path("feed/")
    def feed(self, request):
        from cms.feeds import CommunityAtomFeed

        return CommunityAtomFeed()(request, community_page=self)


class CommunityChildPage(Page):
    """What notices, events and promotions share: they live under one community's page."""

    body = StreamField(body_blocks(), blank=True, verbose_name=_("正文"))

    parent_page_types = ["cms.CommunityPage"]
    subpage_types: list[str] = []
    search_fields = Page.search_fields + [index.SearchField("search_text")]

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        clean_stream(self.body)
        return super().save(*args, **kwargs)

    def search_text(self) -> str:
        return search_terms(self.title, stream_text(self.body))

    @property
    def community_page(self) -> CommunityPage | None:
        parent = self.get_parent()
        return parent.specific if parent is not None else None


class NoticePage(CommunityChildPage):
    class Category(models.TextChoices):
        PROPERTY = "property", _("物业")
        SAFETY = "safety", _("安全")
        PUBLIC_SERVICE = "public_service", _("公共服务")
        COMMERCE = "commerce", _("商业")

    category = models.CharField(_("类别"), max_length=20, choices=Category.choices, default=Category.PUBLIC_SERVICE)
    pinned = models.BooleanField(_("置顶"), default=False)
    expires_on = models.DateField(_("到期日期"), null=True, blank=True,
                                  help_text=_("到期后自动从通知列表中消失 (页面仍可打开)"))

    content_panels = Page.content_panels + [
        FieldRowPanel([FieldPanel("category"), FieldPanel("pinned"), FieldPanel("expires_on")]),
        FieldPanel("body"),
    ]
    search_fields = CommunityChildPage.search_fields + [index.FilterField("category")]

    class Meta:
        verbose_name = _("通知公告")
        verbose_name_plural = _("通知公告")


class EventPage(RoutablePageMixin, CommunityChildPage):
    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("结束时间"))
    place_name = models.CharField(_("地点"), max_length=80, help_text=_("如: 社区服务中心二楼活动室"))
    place_address = models.ForeignKey(
        "communities.StandardAddress", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("标准地址"),
    )
    place_lat = models.FloatField(_("纬度"), null=True, blank=True)
    place_lng = models.FloatField(_("经度"), null=True, blank=True)
    capacity = models.PositiveIntegerField(_("名额"), default=20)
    waiting_list_size = models.PositiveIntegerField(_("候补名额"), default=10)

    content_panels = Page.content_panels + [
        FieldRowPanel([FieldPanel("starts_at"), FieldPanel("ends_at")]),
        MultiFieldPanel(
            [FieldPanel("place_name"), FieldPanel("place_address"),
             FieldRowPanel([FieldPanel("place_lat"), FieldPanel("place_lng")])],
            heading=_("地点: 选一个标准地址, 或填写坐标"),
        ),
        FieldRowPanel([FieldPanel("capacity"), FieldPanel("waiting_list_size")]),
        FieldPanel("body"),
    ]

    class Meta:
        verbose_name = _("社区活动")
        verbose_name_plural = _("社区活动")

    def clean(self):
        super().clean()
        errors = {}
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            errors["ends_at"] = _("结束时间要晚于开始时间")
        if (self.place_lat is None) != (self.place_lng is None):
            errors["place_lng"] = _("坐标要同时填写纬度和经度")
        elif self.place_lat is not None and not (-90 <= self.place_lat <= 90 and -180 <= self.place_lng <= 180):
            errors["place_lat"] = _("坐标超出范围")
        if not self.place_address_id and self.place_lat is None:
            errors["place_address"] = _("请选择一个标准地址, 或填写坐标")
        if self.capacity is not None and self.capacity < 1:
            errors["capacity"] = _("名额至少为1")
        if errors:
            raise ValidationError(errors)

    @property
    def point(self) -> tuple[float, float] | None:
        if self.place_lat is not None:
            return self.place_lat, self.place_lng
        if self.place_address_id:
            return self.place_address.lat, self.place_address.lng
        return None

    def get_context(self, request, *args, **kwargs):
        from cms.selectors import event_state

        context = super().get_context(request, *args, **kwargs)
        context["state"] = event_state(event=self, user=request.user, now=timezone.now())
        context["can_export"] = self.permissions_for_user(request.user).can_edit()
        return context

    @path("signup/", name="signup")
    def signup(self, request):
        from cms.views import event_signup

        return event_signup(request, event=self)

    @path("cancel/", name="cancel")
    def cancel(self, request):
        from cms.views import event_cancel

        return event_cancel(request, event=self)

    @path("export/", name="export")
    def export(self, request):
        from cms.views import event_export

        return event_export(request, event=self)


class PromotionPermissionTester(PagePermissionTester):
    """Only a street-office reviewer (or a superuser) publishes a promotion: an editor submits
    it to the 优惠审核 workflow, whose approval publishes it. Wagtail checks this tester in
    every publish (the admin's buttons, Revision.publish), so no path skips the review."""

    def can_publish(self):
        if not self.user.is_active:
            return False
        if self.user.is_superuser:
            return True
        return self.user.groups.filter(name=REVIEWER_GROUP).exists()


class PromotionForm(WagtailAdminPageForm):
    """Tells the page its parent before it is cleaned (a new page has none yet), so the offers
    can be checked against the community's circle."""

    def _post_clean(self):
        self.instance._parent_for_clean = self.parent_page
        super()._post_clean()


class PromotionPage(CommunityChildPage):
    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("结束时间"))
    offers = StreamField(offer_blocks(), verbose_name=_("优惠的商户和商品"),
                         help_text=_("只能选本社区15分钟生活圈内的商户和商品"))

    base_form_class = PromotionForm

    content_panels = Page.content_panels + [
        FieldRowPanel([FieldPanel("starts_at"), FieldPanel("ends_at")]),
        FieldPanel("offers"),
        FieldPanel("body"),
    ]

    class Meta:
        verbose_name = _("优惠活动")
        verbose_name_plural = _("优惠活动")

    def clean(self):
        super().clean()
        errors = {}
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            errors["ends_at"] = _("结束时间要晚于开始时间")
        if not self.offers or not len(self.offers):
            errors["offers"] = _("请至少选一个商户或商品")
        elif not errors:
            from cms.selectors import offers_outside_circle

            parent = getattr(self, "_parent_for_clean", None) or (self.get_parent() if self.path else None)
            community = getattr(getattr(parent, "specific", None), "community", None)
            outside = offers_outside_circle(offers=self.offers, community=community) if community else []
            if outside:
                errors["offers"] = _("这些不在本社区15分钟生活圈内: %(names)s") % {"names": "、".join(outside)}
        if errors:
            raise ValidationError(errors)

    def get_workflow(self):
        from wagtail.models import Workflow

        workflow = Workflow.objects.filter(name=PROMOTION_WORKFLOW, active=True).first()
        return workflow or super().get_workflow()

    @property
    def has_workflow(self):
        return self.get_workflow() is not None

    def permissions_for_user(self, user):
        return PromotionPermissionTester(user, self)

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        now = timezone.now()
        context["now"] = now
        context["running"] = self.starts_at <= now < self.ends_at
        return context


class EventSignup(models.Model):
    """A resident's sign-up for an event: a seat, a place on the waiting list, or cancelled.
    Written only by cms.services (the event row is locked while seats are counted)."""

    class Status(models.TextChoices):
        CONFIRMED = constants.CONFIRMED, _("已报名")
        WAITING = constants.WAITING, _("候补")
        CANCELLED = constants.CANCELLED, _("已取消")

    ACTIVE = constants.ACTIVE

    event = models.ForeignKey(EventPage, on_delete=models.CASCADE, related_name="signups", verbose_name=_("活动"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="event_signups")
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices)
    created_at = models.DateTimeField(_("报名时间"))
    changed_at = models.DateTimeField(_("变更时间"))

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("活动报名")
        verbose_name_plural = _("活动报名")
        constraints = [
            models.UniqueConstraint(fields=["event", "user"], condition=~models.Q(status="cancelled"),
                                    name="event_signup_once"),
        ]
        indexes = [models.Index(fields=["event", "status", "created_at"])]

    def __str__(self):
        return f"{self.event_id}:{self.user_id}:{self.status}"
