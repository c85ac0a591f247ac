from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from cms import views as cms_views
from cms.documents import serve_document
from shop.core.health import healthz
from shop.core.media import serve_media

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("django-admin/", admin.site.urls),
    path("cms-admin/", include(wagtailadmin_urls)),
    # CMS documents are downloads with a safe content type (cms/documents.py), never pages of ours
    path("cms-documents/<int:document_id>/<str:document_filename>", serve_document, name="wagtaildocs_serve"),
    path("cms-documents/", include(wagtaildocs_urls)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),  # no inline script (CSP)
    path("api/v1/", include("shop.api_urls")),
    # Wagtail's community pages sit under a prefix, before Oscar's catch-all storefront.
    path("community/", include(wagtail_urls)),
    path("circle/", include("communities.urls")),  # 我的位置 and the 15-minute circle page
    path("bureau/", include("bureau.urls")),  # the commerce bureau's figures (analysts only)
    path("", cms_views.home, name="home"),  # the resident's community (cms); Oscar's "home" redirected
    path("", include("delivery.urls")),  # /orders/<number>/tracking/: the resident's tracking page
    # the merchant's own order pages, inside the dashboard (Oscar's order pages are staff only)
    path("dashboard/merchant-orders/", include("merchants.dashboard.urls")),
    path("dashboard/shop/", include("merchants.dashboard.portal_urls")),  # the merchant portal
    path("", include(apps.get_app_config("oscar").urls[0])),
]

if settings.SERVE_MEDIA:
    # Uploaded images served by Django (images only, nosniff: shop/core/media.py); production
    # serves media from another origin.
    urlpatterns.insert(0, path("media/<path:path>", serve_media))

handler404 = "shop.core.views.page_not_found"
handler500 = "shop.core.views.server_error"
