"""Reads about merchants."""

from django.db.models import QuerySet

from .models import Partner


def merchant_directory() -> QuerySet[Partner]:
    """Active merchants, in a stable order for paging."""
    return Partner.objects.filter(is_active=True).order_by("pk")
