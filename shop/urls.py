from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.static import serve
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from shop.core.health import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("django-admin/", admin.site.urls),
    path("cms-admin/", include(wagtailadmin_urls)),
    path("cms-documents/", include(wagtaildocs_urls)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/v1/", include("shop.api_urls")),
    # Wagtail's community pages sit under a prefix, before Oscar's catch-all storefront.
    path("community/", include(wagtail_urls)),
    path("circle/", include("communities.urls")),
    path("bureau/", include("bureau.urls")),  # the commerce bureau's figures (analysts only)  # 我的位置 and the 15-minute circle page
    path("", include("delivery.urls")),  # /orders/<number>/tracking/: the resident's tracking page
    # the merchant's own order pages, inside the dashboard (Oscar's order pages are staff only)
    path("dashboard/merchant-orders/", include("merchants.dashboard.urls")),
    path("", include(apps.get_app_config("oscar").urls[0])),
]

if settings.SERVE_MEDIA:
    # Uploaded media (product and page images) served by Django; a production proxy may take over.
    urlpatterns.insert(0, path("media/<path:path>", serve, {"document_root": settings.MEDIA_ROOT}))

handler404 = "shop.core.views.page_not_found"
handler500 = "shop.core.views.server_error"
