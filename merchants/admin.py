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
