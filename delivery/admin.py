from django.contrib import admin

from .models import Courier, FulfilmentPoint, PointStock


class PointStockInline(admin.TabularInline):
    """Units of merchants' listings held at a point (a store needs none: it holds its own stock)."""

    model = PointStock
    extra = 0
    raw_id_fields = ["listing"]


@admin.register(FulfilmentPoint)
class FulfilmentPointAdmin(admin.ModelAdmin):
    inlines = [PointStockInline]
    list_display = ["name", "kind", "community", "merchant", "capacity_per_hour", "opens", "closes", "is_active"]
    list_filter = ["kind", "community", "is_active"]
    search_fields = ["name", "address"]
    raw_id_fields = ["merchant"]


@admin.register(PointStock)
class PointStockAdmin(admin.ModelAdmin):
    list_display = ["point", "listing", "num_in_stock"]
    list_filter = ["point__kind"]
    search_fields = ["point__name", "listing__partner_sku", "listing__product__title"]
    raw_id_fields = ["point", "listing"]
    list_select_related = ["point", "listing"]


@admin.register(Courier)
class CourierAdmin(admin.ModelAdmin):
    list_display = ["name", "vehicle", "status", "capacity", "home_point", "last_seen"]
    list_filter = ["status", "vehicle"]
    search_fields = ["name", "user__mobile"]
    raw_id_fields = ["user", "home_point"]
