from django.contrib import admin

from .models import Community, ResidentAddress, StandardAddress


@admin.register(Community)
class CommunityAdmin(admin.ModelAdmin):
    list_display = ["name", "street", "district", "households", "population", "demonstration_status", "pilot_year"]
    list_filter = ["district", "street", "demonstration_status"]
    search_fields = ["name", "street"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(StandardAddress)
class StandardAddressAdmin(admin.ModelAdmin):
    list_display = ["code", "community", "compound", "building", "unit", "room"]
    list_filter = ["community"]
    search_fields = ["code", "compound"]


@admin.register(ResidentAddress)
class ResidentAddressAdmin(admin.ModelAdmin):
    list_display = ["user", "recipient", "standard_address", "is_default"]
    raw_id_fields = ["user", "standard_address"]
