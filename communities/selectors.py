"""Reads about communities."""

from django.db.models import Count, QuerySet

from .models import Community


def community_directory() -> QuerySet[Community]:
    """Every community with its merchant count, ordered for a directory page."""
    return Community.objects.annotate(merchant_count=Count("merchants")).order_by("district", "street", "name")
