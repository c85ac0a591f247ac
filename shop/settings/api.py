"""API settings (part of shop/settings/base.py, imported there): DRF and drf-spectacular."""

from .environment import env

# --- API ----------------------------------------------------------------------------------

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "shop.accounts.auth.TokenAuthentication",  # knox's, without a read of all the user's tokens per request
        "rest_framework.authentication.SessionAuthentication",
    ],
    # sign-in, SMS codes and password reset over the API (per address; django-axes per account)
    # the client address is REMOTE_ADDR unless API_NUM_PROXIES proxies in front add X-Forwarded-For
    "NUM_PROXIES": env.int("API_NUM_PROXIES", default=0),
    "DEFAULT_THROTTLE_RATES": {
        "auth": env("API_AUTH_RATE", default="20/min"),
        "sms": env("API_SMS_RATE", default="5/min"),
    },
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    # DRF's, with the plain JSON case (no Accept, */*, application/json) answered without parsing
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "shop.core.apiviews.JsonFirstNegotiation",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "shop.core.errors.api_exception_handler",
    "DEFAULT_PAGINATION_CLASS": "shop.core.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
    "URL_FORMAT_OVERRIDE": None,  # ?format= is the business-format filter of /api/v1/search/
}
SPECTACULAR_SETTINGS = {
    "TITLE": "一刻钟便民生活圈 API",
    "DESCRIPTION": "Community marketplace API: merchants, the 15-minute service circle, search, orders.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "PREPROCESSING_HOOKS": ["shop.core.schema.only_public_api"],
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "shop.core.schema.error_responses"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}
