"""The merchant portal (/dashboard/shop/): a shop runs itself from its phone.

Every page works on the signed-in person's current shop only (shop_access.ShopViewMixin); a
listing, template or staff member of another shop is 404. Writes go through services; a
refused write comes back as a message on the page it came from, never an error page.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from merchants import selectors as merchant_selectors
from merchants import services
from merchants.models import StockRecord
from shop.core.errors import DomainError

from . import selectors
from .portal_forms import (
    ListingFilterForm,
    ListingSettingsForm,
    PointStockForm,
    PriceForm,
    PublishForm,
    StockMovementForm,
)
from .shop_access import ShopViewMixin, choose_shop


def error_text(error: DomainError) -> str:
    details = [str(message) for messages_ in error.fields.values() for message in messages_]
    unique = [d for d in dict.fromkeys(details) if d != str(error.detail)]
    return "; ".join([str(error.detail), *unique])


def form_errors(form) -> str:
    return "; ".join(str(message) for errors in form.errors.values() for message in errors)


def back(request, default: str) -> HttpResponseRedirect:
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return HttpResponseRedirect(target)
    return HttpResponseRedirect(default)


class PortalPage(ShopViewMixin, TemplateView):
    pass


class PortalAction(ShopViewMixin, View):
    """POST only: act on the current shop, then go back (to `next` on this site, or `default_url`)."""

    http_method_names = ["post"]

    def post(self, request, **kwargs):
        try:
            message = self.act(request, **kwargs)
            if message:
                messages.success(request, message)
        except DomainError as error:
            messages.error(request, error_text(error))
        return back(request, self.default_url(**kwargs))

    def act(self, request, **kwargs) -> str:
        raise NotImplementedError

    def default_url(self, **kwargs) -> str:
        return reverse("merchant-portal:listings")


# --- home and shop switching ----------------------------------------------------------------------


class HomeView(PortalPage):
    template_name = "merchants/portal/home.html"

    def no_shop(self, request):
        return HttpResponseRedirect(reverse("merchant-portal:apply"))

    def get_context_data(self, **kwargs):
        shop_id = self.ctx.shop.pk
        low = list(selectors.shop_listings(shop_id=shop_id, stock="low")[:10])
        return super().get_context_data(
            low_listings=low, low_count=selectors.low_stock_count(shop_id=shop_id),
            open_now=merchant_selectors.is_open_at(self.ctx.shop, timezone.now()), **kwargs,
        )


class SwitchShopView(ShopViewMixin, View):
    http_method_names = ["post"]

    def post(self, request):
        try:
            shop_id = int(request.POST.get("shop", ""))
        except ValueError:
            shop_id = 0
        if not choose_shop(request, shop_id):
            raise Http404(_("没有这个店铺"))
        return back(request, reverse("merchant-portal:home"))


# --- listings --------------------------------------------------------------------------------------


class ListingListView(PortalPage):
    template_name = "merchants/portal/listings.html"

    def get_context_data(self, **kwargs):
        from django.core.paginator import Paginator

        form = ListingFilterForm(self.request.GET or None)
        listings = selectors.shop_listings(shop_id=self.ctx.shop.pk, **form.filters())
        page = Paginator(listings, selectors.LISTINGS_PAGE_SIZE).get_page(self.request.GET.get("page"))
        query = self.request.GET.copy()
        query.pop("page", None)
        return super().get_context_data(
            form=form, page_obj=page, listings=page.object_list, query=query.urlencode(),
            here=self.request.get_full_path(), stock_form=StockMovementForm(), **kwargs,
        )


class ListingPriceView(PortalAction):
    owner_only = True  # a clerk handles orders and stock, not prices

    def act(self, request, pk):
        form = PriceForm(request.POST)
        if not form.is_valid():
            raise DomainError(_("价格有误"), fields={k: list(v) for k, v in form.errors.items()})
        listing = services.update_listing(shop_id=self.ctx.shop.pk, listing_id=pk, price=form.cleaned_data["price"])
        return _("%(title)s 价格已改为 ¥%(price)s") % {"title": listing.product.get_title(), "price": listing.price}


class ListingStockView(PortalAction):
    def act(self, request, pk):
        form = StockMovementForm(request.POST)
        if not form.is_valid():
            raise DomainError(_("库存数量有误"), fields={k: list(v) for k, v in form.errors.items()})
        data, shop_id = form.cleaned_data, self.ctx.shop.pk
        if data["action"] == "received":
            services.receive_stock(listing_id=pk, partner_id=shop_id, quantity=data["quantity"],
                                   actor=request.user, note=data["note"])
            return _("已入库 %(n)s") % {"n": data["quantity"]}
        movement = services.count_stock(listing_id=pk, partner_id=shop_id, counted=data["quantity"],
                                        actor=request.user, note=data["note"])
        if movement is None:
            return _("盘点数与账面一致, 未作改动")
        return _("已盘点为 %(n)s (变化 %(delta)+d)") % {"n": data["quantity"], "delta": movement.delta}


def shop_points(shop_id: int):
    """The shop's own points that hold stock apart from its store (front warehouses, stations)."""
    from delivery.models import FulfilmentPoint

    return list(FulfilmentPoint.objects.filter(merchant_id=shop_id, is_active=True)
                .exclude(kind=FulfilmentPoint.Kind.STORE).order_by("name"))


class ListingPointStockView(PortalAction):
    """Goods received at, or transferred from the shop to, one of its points (ledger movements)."""

    def act(self, request, pk):
        from delivery import point_stock

        shop_id = self.ctx.shop.pk
        form = PointStockForm(request.POST, points=shop_points(shop_id))
        if not form.is_valid():
            raise DomainError(_("仓库库存数据有误"), fields={k: list(v) for k, v in form.errors.items()})
        data = form.cleaned_data
        move = point_stock.receive_at_point if data["action"] == "received" else point_stock.transfer_to_point
        row = move(point_id=data["point"], listing_id=pk, quantity=data["quantity"], partner_id=shop_id,
                   actor=request.user, note=data["note"])
        return _("%(point)s 现有 %(n)s 件") % {"point": row.point.name, "n": row.num_in_stock}


class ListingPublishView(PortalAction):
    owner_only = True

    def act(self, request, pk):
        form = PublishForm(request.POST)
        if not form.is_valid():
            raise DomainError(_("请选择上架或下架"), fields={"published": [_("请选择上架或下架")]})
        published = form.cleaned_data["published"]
        services.update_listing(shop_id=self.ctx.shop.pk, listing_id=pk, is_published=published)
        return _("已上架") if published else _("已下架, 居民将搜不到这个商品")


class ListingDetailView(PortalPage):
    """One listing: its settings (owner), stock movements (owner and clerk) and its ledger."""

    template_name = "merchants/portal/listing_detail.html"

    def dispatch(self, request, *args, **kwargs):
        return super().dispatch(request, *args, **kwargs)

    def listing(self) -> StockRecord:
        return get_object_or_404(
            StockRecord.objects.select_related("product__product_class", "product__parent__product_class"),
            pk=self.kwargs["pk"], partner_id=self.ctx.shop.pk,
        )

    def get_context_data(self, form=None, **kwargs):
        listing = self.listing()
        form = form or ListingSettingsForm(initial={
            "partner_sku": listing.partner_sku, "price": listing.price,
            "low_stock_threshold": listing.low_stock_threshold, "is_published": listing.is_published,
        })
        from delivery.models import PointStock

        points = shop_points(self.ctx.shop.pk)
        return super().get_context_data(
            point_form=PointStockForm(points=points) if points else None,
            point_rows=list(PointStock.objects.filter(listing=listing).select_related("point").order_by("point__name")),
            listing=listing, form=form, stock_form=StockMovementForm(),
            movements=merchant_selectors.listing_movements(listing_id=listing.pk, limit=30),
            available=(listing.num_in_stock or 0) - (listing.num_allocated or 0), **kwargs,
        )

    def post(self, request, pk):
        if not self.ctx.is_owner:
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied(_("只有店主可以修改商品设置"))
        listing = self.listing()
        form = ListingSettingsForm(request.POST)
        if not form.is_valid():
            messages.error(request, form_errors(form))
            return self.render_to_response(self.get_context_data(form=form))
        data = form.cleaned_data
        try:
            services.update_listing(
                shop_id=self.ctx.shop.pk, listing_id=listing.pk, price=data["price"], partner_sku=data["partner_sku"],
                is_published=data["is_published"], low_stock_threshold=data["low_stock_threshold"],
                clear_threshold=data["low_stock_threshold"] is None,
            )
        except DomainError as error:
            messages.error(request, error_text(error))
            return self.render_to_response(self.get_context_data(form=form))
        messages.success(request, _("已保存"))
        return HttpResponseRedirect(reverse("merchant-portal:listing", kwargs={"pk": listing.pk}))


# --- staff -------------------------------------------------------------------------------------------


class StaffView(PortalPage):
    owner_only = True
    template_name = "merchants/portal/staff.html"

    def get_context_data(self, form=None, **kwargs):
        from .portal_forms import StaffForm

        return super().get_context_data(form=form or StaffForm(), staff=selectors.shop_staff(shop_id=self.ctx.shop.pk),
                                        **kwargs)

    def post(self, request):
        from .portal_forms import StaffForm

        form = StaffForm(request.POST)
        if not form.is_valid():
            messages.error(request, form_errors(form))
            return self.render_to_response(self.get_context_data(form=form))
        try:
            services.add_staff(shop_id=self.ctx.shop.pk, mobile=form.cleaned_data["mobile"], role=form.cleaned_data["role"])
        except DomainError as error:
            messages.error(request, error_text(error))
            return self.render_to_response(self.get_context_data(form=form))
        messages.success(request, _("已添加员工"))
        return HttpResponseRedirect(reverse("merchant-portal:staff"))


class StaffRemoveView(PortalAction):
    owner_only = True

    def act(self, request, user_pk):
        services.remove_staff(shop_id=self.ctx.shop.pk, user_id=user_pk, by_user_id=request.user.pk)
        return _("已移除员工")

    def default_url(self, **kwargs):
        return reverse("merchant-portal:staff")


# --- onboarding ---------------------------------------------------------------------------------------


class ApplyView(TemplateView):
    """Anyone signed in may apply to open a shop; the operator reviews it."""

    template_name = "merchants/portal/apply.html"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            from django.contrib.auth.views import redirect_to_login

            return redirect_to_login(request.get_full_path(), reverse("customer:login"))
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, form=None, **kwargs):
        from .portal_forms import ApplicationForm

        return super().get_context_data(
            form=form or ApplicationForm(), applications=selectors.applications_of(user=self.request.user), **kwargs
        )

    def post(self, request):
        from .portal_forms import ApplicationForm

        form = ApplicationForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        data = form.cleaned_data
        try:
            services.apply_for_shop(
                applicant=request.user, name=data["name"], format_code=data["format"].code, address_id=form.address.pk,
                phone=data["phone"], licence_number=data["licence_number"], licence_photo=data["licence_photo"],
                is_chain=data["is_chain"], floor_area_m2=data["floor_area_m2"],
            )
        except DomainError as error:
            messages.error(request, error_text(error))
            return self.render_to_response(self.get_context_data(form=form))
        messages.success(request, _("申请已提交, 平台审核后会通知您"))
        return HttpResponseRedirect(reverse("merchant-portal:apply"))


class OperatorMixin:
    """Platform operators (is_staff) only; everyone else is sent to sign in or refused."""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            from django.contrib.auth.views import redirect_to_login

            return redirect_to_login(request.get_full_path(), reverse("dashboard:login"))
        if not request.user.is_staff:
            raise Http404(_("没有这个页面"))
        return super().dispatch(request, *args, **kwargs)


class ApplicationListView(OperatorMixin, TemplateView):
    template_name = "merchants/portal/applications.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(applications=selectors.applications_to_review(), **kwargs)


class ApplicationReviewView(OperatorMixin, TemplateView):
    template_name = "merchants/portal/application_review.html"

    def get_context_data(self, form=None, **kwargs):
        from .portal_forms import ReviewForm

        application = selectors.application(pk=self.kwargs["pk"])
        if application is None:
            raise Http404(_("没有这份申请"))
        return super().get_context_data(application=application, form=form or ReviewForm(), **kwargs)

    def post(self, request, pk):
        from .portal_forms import ReviewForm

        form = ReviewForm(request.POST)
        if not form.is_valid():
            messages.error(request, form_errors(form))
            return self.render_to_response(self.get_context_data(form=form))
        try:
            services.review_application(
                application_id=pk, reviewer=request.user, approve=form.cleaned_data["decision"] == "approve",
                reason=form.cleaned_data["reason"], now=timezone.now(),
            )
        except DomainError as error:
            if selectors.application(pk=pk) is None:
                raise Http404(_("没有这份申请")) from None
            messages.error(request, error_text(error))
            return self.render_to_response(self.get_context_data(form=form))
        messages.success(request, _("已审核"))
        return HttpResponseRedirect(reverse("merchant-portal:applications"))


class LicencePhotoView(View):
    """The licence photo: to its applicant and to operators only (never a public media URL)."""

    def get(self, request, pk):
        from django.http import FileResponse

        application = selectors.application(pk=pk)
        if (application is None or not request.user.is_authenticated
                or not (request.user.is_staff or application.applicant_id == request.user.pk)):
            raise Http404(_("没有这份申请"))
        return FileResponse(application.licence_photo.open("rb"))
