"""The merchant portal (/dashboard/shop/): home, shop switching, the listings table and a
listing's page, adding listings. Shared pieces in portal_base; other jobs in portal_staff,
portal_profile and portal_files."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View

from merchants import selectors as merchant_selectors
from merchants import services
from merchants.models import StockRecord
from shop.core.errors import DomainError

from . import selectors
from .portal_base import PortalAction, PortalPage, back, error_text, form_errors
from .portal_forms import (
    ListingFilterForm,
    ListingSettingsForm,
    PointStockForm,
    PriceForm,
    PublishForm,
    StockMovementForm,
)
from .shop_access import ShopViewMixin, choose_shop

# --- home and shop switching ----------------------------------------------------------------------


class HomeView(PortalPage):
    template_name = "merchants/portal/home.html"

    def no_shop(self, request):
        return HttpResponseRedirect(reverse("merchant-portal:apply"))

    def get_context_data(self, **kwargs):
        shop_id = self.ctx.shop.pk
        low = list(selectors.shop_listings(shop_id=shop_id, stock="low")[:10])
        now = timezone.now()
        start, end = selectors.period_bounds(period="7days", now=now)
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
