from django.contrib import admin
from oscar.apps.partner.admin import *  # noqa: F403  (Oscar's partner admin, Partner re-registered below)

from .models import BusinessFormat, OpeningException, OpeningPeriod, Partner

admin.site.unregister(Partner)


class OpeningPeriodInline(admin.TabularInline):
    model = OpeningPeriod
    extra = 0


class OpeningExceptionInline(admin.TabularInline):
    model = OpeningException
    extra = 0


@admin.register(Partner)
class MerchantAdmin(admin.ModelAdmin):
    list_display = ["name", "format", "community", "delivery_capability", "is_chain", "licence_verified", "rating", "is_active"]
    list_filter = ["format__tier", "format", "community", "delivery_capability", "is_chain", "licence_verified", "is_active"]
    search_fields = ["name", "code", "phone", "address"]
    filter_horizontal = ["users"]
    inlines = [OpeningPeriodInline, OpeningExceptionInline]


@admin.register(BusinessFormat)
class BusinessFormatAdmin(admin.ModelAdmin):
    list_display = ["code", "name_zh", "name_en", "tier", "priority_pair", "sort_order"]
    list_editable = ["tier", "sort_order"]  # tiers are configurable, as evaluation tables differ
    list_filter = ["tier"]


from .models import ListingImport, MerchantApplication, StaffRole, StockMovement  # noqa: E402


@admin.register(StockMovement)
class StockMovementAdmin(admin.ModelAdmin):
    """The stock ledger, read only: rows are written by merchants.services."""

    list_display = ["at", "listing", "reason", "delta", "allocated_delta", "point_id", "group_id", "actor"]
    list_filter = ["reason"]
    raw_id_fields = ["listing", "actor"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(MerchantApplication)
class MerchantApplicationAdmin(admin.ModelAdmin):
    list_display = ["name", "format", "status", "created_at", "reviewed_at"]
    list_filter = ["status"]
    readonly_fields = ["status", "reviewed_by", "reviewed_at", "partner"]


admin.site.register(StaffRole)
admin.site.register(ListingImport)
