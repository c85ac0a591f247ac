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
from django.utils.translation import gettext_lazy
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
        now = timezone.now()
        start, end = selectors.period_bounds(period="week", now=now)
        return super().get_context_data(
            week=selectors.shop_figures(shop_id=shop_id, start=start, end=end),
            booked_slots=list(selectors.booked_coming_slots(shop_id=shop_id, now=now)[:10]),
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
        form = ListingFilterForm(self.request.GET or None)
        page = selectors.listings_page(shop_id=self.ctx.shop.pk, number=self.request.GET.get("page"), **form.filters())
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


# --- the shop's profile ------------------------------------------------------------------------------


class ProfileView(PortalPage):
    owner_only = True
    template_name = "merchants/portal/profile.html"

    def get_context_data(self, **kwargs):
        from .area_map import build_area_map, nearby_communities
        from .portal_forms import AreaForm, ExceptionForm, PauseForm, PeriodForm, ProfileForm

        shop = self.ctx.shop
        communities = nearby_communities(shop)
        kwargs.setdefault("profile_form", ProfileForm(initial={
            "phone": shop.phone, "min_order": shop.min_order, "delivery_fee": shop.delivery_fee,
            "delivery_capability": shop.delivery_capability, "low_stock_summary": shop.low_stock_summary}))
        kwargs.setdefault("area_form", AreaForm(communities=communities, initial={
            "radius_m": shop.service_radius_m,
            "communities": list(shop.communities_served.values_list("pk", flat=True))}))
        return super().get_context_data(
            period_form=PeriodForm(), exception_form=ExceptionForm(), pause_form=PauseForm(),
            periods=shop.opening_periods.order_by("weekday", "opens"),
            exceptions=shop.opening_exceptions.filter(date__gte=timezone.localdate()).order_by("date"),
            area_map=build_area_map(shop, communities), paused=shop.is_paused(timezone.now()), **kwargs,
        )


class ProfileAction(PortalAction):
    owner_only = True
    form_class = None

    def default_url(self, **kwargs):
        return reverse("merchant-portal:profile")

    def act(self, request, **kwargs):
        form = self.form_class(request.POST, **self.form_kwargs())
        if not form.is_valid():
            raise DomainError(_("填写有误"), fields={k: list(v) for k, v in form.errors.items()})
        return self.apply(form.cleaned_data, **kwargs)

    def form_kwargs(self) -> dict:
        return {}


class ProfileSaveView(ProfileAction):
    @property
    def form_class(self):
        from .portal_forms import ProfileForm

        return ProfileForm

    def apply(self, data):
        services.update_profile(shop_id=self.ctx.shop.pk, min_order=data["min_order"], delivery_fee=data["delivery_fee"],
                                delivery_capability=data["delivery_capability"], phone=data["phone"],
                                low_stock_summary=data["low_stock_summary"])
        return _("店铺设置已保存")


class AreaSaveView(ProfileAction):
    @property
    def form_class(self):
        from .portal_forms import AreaForm

        return AreaForm

    def form_kwargs(self):
        from .area_map import nearby_communities

        return {"communities": nearby_communities(self.ctx.shop)}

    def apply(self, data):
        polygon = data.get("polygon") or None
        if polygon is not None and not isinstance(polygon, dict):
            raise DomainError(_("画的服务区域无效"), fields={"polygon": [_("画的服务区域无效")]})
        services.set_service_area(shop_id=self.ctx.shop.pk, radius_m=data["radius_m"],
                                  community_ids=data["communities"], polygon=polygon)
        return _("服务范围已保存")


class PeriodAddView(ProfileAction):
    @property
    def form_class(self):
        from .portal_forms import PeriodForm

        return PeriodForm

    def apply(self, data):
        services.add_opening_period(shop_id=self.ctx.shop.pk, weekday=data["weekday"], opens=data["opens"],
                                    closes=data["closes"])
        return _("已添加营业时间")


class PeriodRemoveView(PortalAction):
    owner_only = True

    def default_url(self, **kwargs):
        return reverse("merchant-portal:profile")

    def act(self, request, pk):
        services.remove_opening_period(shop_id=self.ctx.shop.pk, period_id=pk)
        return _("已删除营业时间")


class ExceptionAddView(ProfileAction):
    @property
    def form_class(self):
        from .portal_forms import ExceptionForm

        return ExceptionForm

    def apply(self, data):
        services.set_opening_exception(shop_id=self.ctx.shop.pk, date=data["date"], is_closed=data["is_closed"],
                                       opens=data["opens"], closes=data["closes"], note=data["note"],
                                       today=timezone.localdate())
        return _("已保存特殊营业日")


class ExceptionRemoveView(PeriodRemoveView):
    def act(self, request, pk):
        services.remove_opening_exception(shop_id=self.ctx.shop.pk, exception_id=pk)
        return _("已删除特殊营业日")


class PauseView(ProfileAction):
    @property
    def form_class(self):
        from .portal_forms import PauseForm

        return PauseForm

    def act(self, request, **kwargs):
        if request.POST.get("resume"):
            services.resume_shop(shop_id=self.ctx.shop.pk)
            return _("已恢复营业")
        return super().act(request, **kwargs)

    def apply(self, data):
        services.pause_shop(shop_id=self.ctx.shop.pk, until=data["until"], reason=data["reason"], now=timezone.now())
        return _("已暂停营业")


# --- slots ----------------------------------------------------------------------------------------------


def _template_fields(data):
    from delivery.slot_templates import TemplateFields

    return TemplateFields(kind=data["kind"], weekday=data["weekday"], starts=data["starts"], ends=data["ends"],
                          slot_minutes=data["slot_minutes"], capacity=data["capacity"], product_id=data["product"])


class SlotsView(PortalPage):
    """The slot templates (owner edits) and the coming slots with their bookings (everyone)."""

    template_name = "merchants/portal/slots.html"

    def get_context_data(self, **kwargs):
        from delivery import slot_templates

        from .portal_forms import SlotTemplateForm

        shop_id = self.ctx.shop.pk
        service_products = selectors.shop_service_products(shop_id=shop_id)
        templates = list(selectors.shop_slot_templates(shop_id=shop_id))
        now = timezone.now()
        forms_by_template = [
            (t, SlotTemplateForm(services=service_products, prefix=f"t{t.pk}", initial={
                "kind": t.kind, "product": t.product_id, "weekday": t.weekday, "starts": t.starts, "ends": t.ends,
                "slot_minutes": t.slot_minutes, "capacity": t.capacity}))
            for t in templates
        ]
        slots = list(slot_templates.coming_slots(merchant_id=shop_id, now=now))
        return super().get_context_data(
            template_forms=forms_by_template, new_form=SlotTemplateForm(services=service_products, prefix="new"),
            slots=slots, bookings=selectors.slot_bookings(slot_ids=[s.pk for s in slots]), **kwargs,
        )


class SlotTemplateSave(PortalAction):
    owner_only = True

    def default_url(self, **kwargs):
        return reverse("merchant-portal:slots")

    def act(self, request, pk=None):
        from delivery import slot_templates

        from .portal_forms import SlotTemplateForm

        form = SlotTemplateForm(request.POST, services=selectors.shop_service_products(shop_id=self.ctx.shop.pk),
                                prefix=f"t{pk}" if pk else "new")
        if not form.is_valid():
            raise DomainError(_("时段模板填写有误"), fields={k: list(v) for k, v in form.errors.items()})
        fields = _template_fields(form.cleaned_data)
        if pk is None:
            slot_templates.create_template(merchant=self.ctx.shop, fields=fields, now=timezone.now())
            return _("已添加时段模板, 未来几天的时段已生成")
        slot_templates.update_template(template_id=pk, merchant_id=self.ctx.shop.pk, fields=fields, now=timezone.now())
        return _("已保存时段模板; 已有预约的时段保持不变")


class SlotTemplateDelete(PortalAction):
    owner_only = True

    def default_url(self, **kwargs):
        return reverse("merchant-portal:slots")

    def act(self, request, pk):
        from delivery import slot_templates

        slot_templates.delete_template(template_id=pk, merchant_id=self.ctx.shop.pk, now=timezone.now())
        return _("已删除时段模板; 已有预约的时段保留")


# --- adding listings -----------------------------------------------------------------------------------


class AddListingView(PortalPage):
    """Pick a product of the shared catalogue (name, pinyin or barcode) or create a new one."""

    owner_only = True
    template_name = "merchants/portal/add_listing.html"

    def get_context_data(self, add_form=None, new_form=None, **kwargs):
        from catalog.lookup import find_catalogue_products

        from .portal_forms import AddListingForm, NewProductForm

        q = self.request.GET.get("q", "")
        found = find_catalogue_products(q=q) if q else []
        listed = set(StockRecord.objects.filter(partner=self.ctx.shop, product__in=found).values_list("product_id",
                                                                                                      flat=True))
        return super().get_context_data(
            q=q, found=[(p, p.pk in listed) for p in found], add_form=add_form or AddListingForm(),
            new_form=new_form or NewProductForm(initial={"unit_label": "件"}), **kwargs,
        )

    def post(self, request):
        from catalog import services as catalog_services

        from .portal_forms import AddListingForm, NewProductForm

        if request.POST.get("mode") == "existing":
            form = AddListingForm(request.POST)
            if not form.is_valid():
                messages.error(request, form_errors(form))
                return self.render_to_response(self.get_context_data(add_form=form))
            data = form.cleaned_data
            try:
                listing = catalog_services.add_listing(
                    shop_id=self.ctx.shop.pk, product_id=data["product"], price=data["price"],
                    partner_sku=data["partner_sku"], num_in_stock=data["num_in_stock"])
            except DomainError as error:
                messages.error(request, error_text(error))
                return self.render_to_response(self.get_context_data(add_form=form))
        else:
            form = NewProductForm(request.POST, request.FILES)
            if not form.is_valid():
                messages.error(request, form_errors(form))
                return self.render_to_response(self.get_context_data(new_form=form))
            data = form.cleaned_data
            try:
                listing = catalog_services.create_product_listing(shop_id=self.ctx.shop.pk, data=catalog_services.NewProduct(
                    kind=data["kind"], title=data["title"], category_id=data["category"], price=data["price"],
                    partner_sku=data["partner_sku"], num_in_stock=data["num_in_stock"], upc=data["upc"] or "",
                    sale_unit=data["sale_unit"] or "piece", unit_label=data["unit_label"] or "件",
                    pack_size_g=data["pack_size_g"], shelf_life_days=data["shelf_life_days"],
                    storage=data["storage"] or "", service_duration_min=data["service_duration_min"],
                    description=data["description"], photos=data["photos"]))
            except DomainError as error:
                for name, problems in error.fields.items():
                    for problem in problems:
                        form.add_error(name if name in form.fields else None, problem)
                messages.error(request, error_text(error))
                return self.render_to_response(self.get_context_data(new_form=form))
        messages.success(request, _("已添加: %(title)s") % {"title": listing.product.get_title()})
        return HttpResponseRedirect(reverse("merchant-portal:listing", kwargs={"pk": listing.pk}))


# --- import and export -----------------------------------------------------------------------------------


class ImportView(PortalPage):
    owner_only = True
    template_name = "merchants/portal/import.html"

    def get_context_data(self, **kwargs):
        from catalog.listing_io import COLUMNS

        return super().get_context_data(columns=COLUMNS, imports=selectors.shop_imports(shop_id=self.ctx.shop.pk)[:10],
                                        **kwargs)

    def post(self, request):
        from catalog import services as catalog_services

        upload = request.FILES.get("file")
        if upload is None:
            messages.error(request, _("请选择要导入的文件"))
            return self.render_to_response(self.get_context_data())
        try:
            job = catalog_services.start_listing_import(shop_id=self.ctx.shop.pk, user=request.user, upload=upload,
                                                        mode=request.POST.get("mode", "dry_run"))
        except DomainError as error:
            messages.error(request, error_text(error))
            return self.render_to_response(self.get_context_data())
        return HttpResponseRedirect(reverse("merchant-portal:import-detail", kwargs={"pk": job.pk}))


class ImportDetailView(PortalPage):
    owner_only = True
    template_name = "merchants/portal/import_detail.html"

    def get_context_data(self, **kwargs):
        job = selectors.shop_import(shop_id=self.ctx.shop.pk, pk=self.kwargs["pk"])
        if job is None:
            raise Http404(_("没有这次导入"))
        return super().get_context_data(job=job, **kwargs)


class ImportStatusView(ShopViewMixin, View):
    """JSON for the progress bar."""

    owner_only = True

    def get(self, request, pk):
        from django.http import JsonResponse

        job = selectors.shop_import(shop_id=self.ctx.shop.pk, pk=pk)
        if job is None:
            raise Http404(_("没有这次导入"))
        return JsonResponse({"state": job.state, "processed": job.processed, "total": job.total,
                             "counts": job.report.get("counts", {})})


class ImportApplyView(PortalAction):
    owner_only = True

    def act(self, request, pk):
        from catalog import services as catalog_services

        self.job = catalog_services.rerun_listing_import(
            shop_id=self.ctx.shop.pk, import_id=pk, user=request.user,
            mode="apply_valid" if request.POST.get("mode") == "apply_valid" else "apply")
        return ""

    def default_url(self, **kwargs):
        job = getattr(self, "job", None)
        return reverse("merchant-portal:import-detail", kwargs={"pk": job.pk if job else kwargs["pk"]})


class ExportView(ShopViewMixin, View):
    owner_only = True

    def get(self, request):
        from django.http import HttpResponse

        from catalog import listing_io

        if request.GET.get("format") == "xlsx":
            content = listing_io.export_xlsx(shop_id=self.ctx.shop.pk)
            response = HttpResponse(
                content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
            response["Content-Disposition"] = 'attachment; filename="listings.xlsx"'
        else:
            response = HttpResponse(listing_io.export_csv(shop_id=self.ctx.shop.pk), content_type="text/csv; charset=utf-8")
            response["Content-Disposition"] = 'attachment; filename="listings.csv"'
        return response


# --- figures and settlement ------------------------------------------------------------------------------


class FiguresView(PortalPage):
    owner_only = True
    template_name = "merchants/portal/figures.html"
    PERIODS = {"today": gettext_lazy("今天"), "week": gettext_lazy("本周"), "month": gettext_lazy("本月")}

    def get_context_data(self, **kwargs):
        period = self.request.GET.get("period")
        period = period if period in self.PERIODS else "week"
        start, end = selectors.period_bounds(period=period, now=timezone.now())
        figures = selectors.shop_figures(shop_id=self.ctx.shop.pk, start=start, end=end)
        chart = {
            "days": [row["day"] for row in figures["daily"]], "sales": [row["amount"] for row in figures["daily"]],
            "top": [row["title"] for row in figures["top"]], "top_amounts": [str(row["amount"]) for row in figures["top"]],
        }
        return super().get_context_data(period=period, periods=self.PERIODS, figures=figures,
                                        chart=chart, **kwargs)


class SettlementView(PortalPage):
    owner_only = True
    template_name = "merchants/portal/settlement.html"

    def statement(self):
        month = self.request.GET.get("month", "")
        start, end = selectors.month_bounds(month=month, now=timezone.now())
        return start, selectors.settlement(shop_id=self.ctx.shop.pk, start=start, end=end)

    def get(self, request, *args, **kwargs):
        if request.GET.get("format") == "csv":
            return self.csv()
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        start, statement = self.statement()
        return super().get_context_data(month=start.strftime("%Y-%m"), statement=statement, **kwargs)

    def csv(self):
        import csv

        from django.http import HttpResponse

        from catalog.listing_io import neutralise

        start, statement = self.statement()
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="settlement-{start:%Y-%m}.csv"'
        response.write("\ufeff")
        writer = csv.writer(response)
        writer.writerow(["order", "completed_at", "goods", "delivery_fee", "refund", "adjustment", "net"])
        for row in statement["rows"]:
            writer.writerow([neutralise(str(row["order"])), timezone.localtime(row["completed_at"]).isoformat(),
                             row["goods"], row["delivery_fee"], row["refund"], row["adjustment"], row["net"]])
        totals = statement["totals"]
        writer.writerow(["total", "", totals["goods"], totals["delivery_fees"], totals["refunds"],
                         totals["adjustments"], totals["net"]])
        return response
