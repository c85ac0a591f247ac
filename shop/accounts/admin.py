from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["mobile"]
    list_display = ["mobile", "last_name", "first_name", "email", "is_staff", "is_active"]
    search_fields = ["mobile", "email", "last_name", "first_name"]
    fieldsets = [
        (None, {"fields": ["mobile", "password"]}),
        (_("Personal info"), {"fields": ["last_name", "first_name", "email"]}),
        (_("Permissions"), {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]}),
        (_("Important dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["mobile", "password1", "password2"]})]
