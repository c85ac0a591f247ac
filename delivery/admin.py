from django.contrib import admin

from .models import Courier, FulfilmentPoint


@admin.register(FulfilmentPoint)
class FulfilmentPointAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "community", "merchant", "capacity_per_hour", "opens", "closes", "is_active"]
    list_filter = ["kind", "community", "is_active"]
    search_fields = ["name", "address"]
    raw_id_fields = ["merchant"]


@admin.register(Courier)
class CourierAdmin(admin.ModelAdmin):
    list_display = ["name", "vehicle", "status", "capacity", "home_point", "last_seen"]
    list_filter = ["status", "vehicle"]
    search_fields = ["name", "user__mobile"]
    raw_id_fields = ["user", "home_point"]
