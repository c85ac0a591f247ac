"""Settings for every environment.

Environments differ only by environment variables (see .env.example). The embedded
default (no variables set) is the demo: SQLite, the database search backend and Celery
tasks run in-process. The full stack sets DATABASE_URL, REDIS_URL and ELASTICSEARCH_URL.
"""

from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _
from oscar.defaults import *  # noqa: F403  (Oscar's OSCAR_* defaults, overridden below)

from .environment import BASE_DIR, VAR_DIR, env  # noqa: F401  (VAR_DIR: for the modules that import base)

DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env("DJANGO_SECRET_KEY", default="demo-only-insecure-secret-key-change-me")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

# --- applications -----------------------------------------------------------------------

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sites",
    "django.contrib.flatpages",
    "django.contrib.humanize",
    "shop.core",
    "shop.accounts",
    # Oscar, with our forks swapped in (the label of each fork stays Oscar's):
    "oscar.config.Shop",
    "oscar.apps.analytics.apps.AnalyticsConfig",
    "shop.checkout.apps.CheckoutConfig",  # fork: one-page multi-merchant checkout, sandbox payment
    "oscar.apps.address.apps.AddressConfig",
    "oscar.apps.shipping.apps.ShippingConfig",
    "catalog.apps.CatalogueConfig",  # fork: fresh/packaged/service product fields
    "oscar.apps.catalogue.reviews.apps.CatalogueReviewsConfig",
    "oscar.apps.communication.apps.CommunicationConfig",
    "merchants.apps.PartnerConfig",  # fork: merchant profile, formats, hours, service area
    "shop.basket.apps.BasketConfig",  # fork: lines that book a service slot
    "oscar.apps.payment.apps.PaymentConfig",
    "shop.checkout.offer_apps.OfferConfig",  # installed, not applied: no pages (offer_apps.py)
    "oscar.apps.order.apps.OrderConfig",
    "shop.customer.apps.CustomerConfig",  # fork: residents sign in with a mobile number
    "catalog.search.apps.SearchConfig",  # fork: browse and search without Haystack
    "oscar.apps.voucher.apps.VoucherConfig",
    "oscar.apps.wishlists.apps.WishlistsConfig",
    "oscar.apps.dashboard.apps.DashboardConfig",
    "oscar.apps.dashboard.reports.apps.ReportsDashboardConfig",
    "oscar.apps.dashboard.users.apps.UsersDashboardConfig",
    "merchants.dashboard.apps.OrdersDashboardConfig",  # staff only: Oscar shows partners whole multi-shop orders
    "merchants.dashboard.apps.CatalogueDashboardConfig",  # shops edit/delete only products no other shop sells
    "shop.checkout.offer_apps.OffersDashboardConfig",  # no pages: offers are not applied
    "oscar.apps.dashboard.partners.apps.PartnersDashboardConfig",
    "oscar.apps.dashboard.pages.apps.PagesDashboardConfig",
    "shop.checkout.offer_apps.RangesDashboardConfig",  # no pages: ranges serve only offers
    "oscar.apps.dashboard.reviews.apps.ReviewsDashboardConfig",
    "shop.checkout.offer_apps.VouchersDashboardConfig",  # no pages: vouchers are not applied
    "oscar.apps.dashboard.communications.apps.CommunicationsDashboardConfig",
    "oscar.apps.dashboard.shipping.apps.ShippingDashboardConfig",
    "widget_tweaks",
    "haystack",  # only because Oscar imports it; realtime indexing is off below
    "treebeard",
    "django_tables2",
    "sorl.thumbnail",
    # Wagtail
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.routable_page",  # a community's feed, an event's sign-up routes
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    # API
    "rest_framework",
    "rest_framework.authtoken",  # its table only (old tokens); API tokens are knox's
    "knox",  # expiring, revocable API tokens (hashed at rest)
    "axes",  # limits on guessing passwords at every sign-in
    "csp",  # Content-Security-Policy header (the policy is below)
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI served locally, never from a CDN
    # ours
    "communities",
    "delivery",
    "bureau",  # the commerce bureau's figures (reads the other apps through their selectors)
    "cms",
]

SITE_ID = 1

MIDDLEWARE = [
    "shop.core.middleware.ApiLaneMiddleware",  # first: /api/v1/ takes API_MIDDLEWARE (below) instead of the rest
    "django.middleware.security.SecurityMiddleware",
    "shop.core.middleware.CSPMiddleware",  # django-csp's, the nonce-free policy built once
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "oscar.apps.basket.middleware.BasketMiddleware",
    "django.contrib.flatpages.middleware.FlatpageFallbackMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    "axes.middleware.AxesMiddleware",  # last: answers a locked-out sign-in with 429
]
# /api/v1/: the same, in the same order, without what a JSON answer never uses (static files,
# flash messages, Oscar's basket cookie, the 404 fallbacks to flatpages and Wagtail redirects)
API_LANE_PREFIX = "/api/v1/"
API_MIDDLEWARE = [path for path in MIDDLEWARE[1:] if path not in (
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "oscar.apps.basket.middleware.BasketMiddleware",
    "django.contrib.flatpages.middleware.FlatpageFallbackMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
)]

ROOT_URLCONF = "shop.urls"
WSGI_APPLICATION = "shop.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.template.context_processors.i18n",
                "django.contrib.messages.context_processors.messages",
                "oscar.apps.search.context_processors.search_form",
                "oscar.apps.checkout.context_processors.checkout",
                "oscar.apps.communication.notifications.context_processors.notifications",
                "oscar.core.context_processors.metadata",
            ],
        },
    },
]

# --- data -------------------------------------------------------------------------------

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'demo.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = True
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # The demo runs the site and simulate_couriers side by side: writers wait for each other
    # (IMMEDIATE takes the write lock at BEGIN, so a waiting writer never fails mid-transaction).
    DATABASES["default"].setdefault("OPTIONS", {}).update(timeout=20, transaction_mode="IMMEDIATE")
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DATABASE_CONN_MAX_AGE", default=0))
# A kept connection (CONN_MAX_AGE > 0: gunicorn) is checked before each request reuses it, so a
# restarted PostgreSQL costs one reconnect instead of one failed request per worker.
DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "shop.accounts.backends.LockoutBackend",  # first: django-axes refuses a locked-out account or address
    "shop.accounts.backends.MobileOrEmailBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_REDIRECT_URL = "/"

# Redis is optional in the demo: the cache is then in-process.
REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Whole storefront pages (product, catalogue, category) cached per what they show; what the search
# outbox tracks is never stale, the rest at most this old (catalog/page_cache.py). 0 = off.
PAGE_CACHE_SECONDS = env.int("PAGE_CACHE_SECONDS", default=300)

from .security import *  # noqa: E402, F403  (headers, CSP, sign-in limits, HTTPS switches)

# --- i18n: Chinese first, English available -----------------------------------------------

# Translation approach: our own source strings (templates, models, forms) are written in
# Chinese and translated to English in locale/en/LC_MESSAGES/django.po. Oscar, Django and
# Wagtail keep their English msgids and ship their own zh_Hans catalogues;
# locale/zh_Hans only corrects a few of Oscar's (登陆 -> 登录). The compiled .mo files are
# committed, so the demo needs no gettext. Compile with
# `manage.py compilemessages --ignore=.venv --ignore=var` (never the packages' catalogues).
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- static and media ---------------------------------------------------------------------

STATIC_URL = "/static/"
STATIC_ROOT = env("DJANGO_STATIC_ROOT", default=str(VAR_DIR / "static"))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = env("DJANGO_MEDIA_URL", default="/media/")  # production: a separate origin for user uploads
MEDIA_ROOT = env("DJANGO_MEDIA_ROOT", default=str(VAR_DIR / "media"))
SERVE_MEDIA = env.bool("DJANGO_SERVE_MEDIA", default=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# --- Oscar --------------------------------------------------------------------------------

OSCAR_SHOP_NAME = "一刻钟便民生活圈"
OSCAR_SHOP_TAGLINE = "社区商城"
OSCAR_DEFAULT_CURRENCY = "CNY"
OSCAR_CURRENCY_FORMAT = {"CNY": {"format": "¤#,##0.00", "currency_digits": False}}
OSCAR_SLUG_ALLOW_UNICODE = True
OSCAR_FROM_EMAIL = env("OSCAR_FROM_EMAIL", default="noreply@example.cn")
OSCAR_SEND_REGISTRATION_EMAIL = False
OSCAR_REQUIRED_ADDRESS_FIELDS = ("last_name", "line1", "line4")
OSCAR_PRODUCTS_PER_PAGE = 24
OSCAR_HOMEPAGE = "/catalogue/"
# The merchant's own order pages (merchants/dashboard/) after the dashboard's home entry.
OSCAR_DASHBOARD_NAVIGATION = [
    OSCAR_DASHBOARD_NAVIGATION[0],  # noqa: F405
    {"label": _("商户订单"), "icon": "fas fa-receipt", "url_name": "merchant-orders:group-list"},
    {"label": _("我的店铺"), "icon": "fas fa-store", "url_name": "merchant-portal:home"},  # merchants/dashboard/portal_*
    *OSCAR_DASHBOARD_NAVIGATION[1:],  # noqa: F405
]
# Without Oscar's offers, vouchers and ranges: they are not applied (shop/checkout/offer_apps.py).
_NOT_APPLIED = ("dashboard:offer", "dashboard:voucher", "dashboard:range")
OSCAR_DASHBOARD_NAVIGATION = [
    {**entry, "children": kept} if "children" in entry else entry
    for entry in OSCAR_DASHBOARD_NAVIGATION
    if "children" not in entry
    or (kept := [child for child in entry["children"] if not child.get("url_name", "").startswith(_NOT_APPLIED)])
]
OSCAR_DASHBOARD_DEFAULT_ACCESS_FUNCTION = "merchants.dashboard.access.dashboard_access_fn"
# An order waits for payment (sandbox) or is placed (cash on delivery); each merchant's part
# of it moves on its own (delivery.FulfilmentGroup.status).
OSCAR_INITIAL_ORDER_STATUS = "awaiting_payment"
OSCAR_ORDER_STATUS_PIPELINE = {
    "awaiting_payment": ("placed", "cancelled"),
    "placed": ("completed", "cancelled"),
    "completed": (),
    "cancelled": (),
}

# --- ordering and payment -----------------------------------------------------------------

# Minutes a sandbox payment may stay pending; its stock and slots are held meanwhile.
PAYMENT_TIMEOUT_MINUTES = env.int("PAYMENT_TIMEOUT_MINUTES", default=15)
# The HMAC-SHA256 key the sandbox gateway signs its notifications with (docs/api.md).
SANDBOX_PAYMENT_SECRET = env("SANDBOX_PAYMENT_SECRET", default="sandbox-demo-secret")
# The sandbox gateway (its pay button and notify URL) on or off; production has it off unless stated.
SANDBOX_PAYMENT_ENABLED = env.bool("SANDBOX_PAYMENT_ENABLED", default=True)
# Minutes from order to an ASAP delivery promise: preparation plus the ride.
DELIVERY_ASAP_MINUTES = env.int("DELIVERY_ASAP_MINUTES", default=45)
# Dispatch: seconds a courier has to accept an offer; seconds after which beat re-sends a
# dispatch request not yet routed (its message may have died with a killed worker).
# how many coming days of slots the beat job keeps written from the merchants' slot templates
SLOT_DAYS_AHEAD = env.int("SLOT_DAYS_AHEAD", default=7)
DISPATCH_OFFER_SECONDS = env.int("DISPATCH_OFFER_SECONDS", default=30)
DISPATCH_RESEND_AFTER_SECONDS = env.float("DISPATCH_RESEND_AFTER_SECONDS", default=60.0)
# groups the dispatch drain routes per transaction (1: one at a time; delivery.tasks.drain_pending)
DISPATCH_BATCH = env.int("DISPATCH_BATCH", default=20)
# ms a woken drain waits before it looks, so the orders committed meanwhile join its batch
# (they send no message: the wake key is still set); 0 = look at once (delivery.tasks)
DISPATCH_LINGER_MS = env.int("DISPATCH_LINGER_MS", default=100)
# Hours a pickup waits at the shop or the station before beat cancels it (stock back, refund).
PICKUP_EXPIRY_HOURS = env.float("PICKUP_EXPIRY_HOURS", default=48.0)

HAYSTACK_CONNECTIONS = {"default": {"ENGINE": "haystack.backends.simple_backend.SimpleEngine"}}
HAYSTACK_SIGNAL_PROCESSOR = "haystack.signals.BaseSignalProcessor"  # no realtime indexing


# --- Wagtail ------------------------------------------------------------------------------

WAGTAIL_SITE_NAME = "一刻钟便民生活圈"
WAGTAILADMIN_BASE_URL = env("WAGTAILADMIN_BASE_URL", default="http://127.0.0.1:8000")
WAGTAIL_I18N_ENABLED = False
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAIL_CONTENT_LANGUAGES = [("zh-hans", "简体中文")]
# Safe media (cms): documents are always downloads (never shown inline from our origin), with
# a content type from our own allow-list (cms/documents.py); only these extensions are accepted.
# Images are checked by content (Wagtail opens each upload and compares its format with its
# extension); SVG is not accepted.
WAGTAILDOCS_SERVE_METHOD = "serve_view"
WAGTAILDOCS_INLINE_CONTENT_TYPES: list[str] = []
WAGTAILDOCS_EXTENSIONS = ["pdf", "doc", "docx", "xls", "xlsx", "ppt", "pptx", "odt", "ods", "txt", "csv", "jpg",
                          "jpeg", "png"]
WAGTAILIMAGES_EXTENSIONS = ["jpg", "jpeg", "png", "gif", "webp"]
WAGTAILDOCS_BLOCK_EMBEDDED_CONTENT = True

# --- the 15-minute service circle (speeds and detour from ../shared/reference/README.md) ---

SERVICE_CIRCLE = {
    "speeds_m_per_min": {
        "walk": env.float("CIRCLE_WALK_M_PER_MIN", default=72.0),  # 1.2 m/s
        "elderly": env.float("CIRCLE_ELDERLY_M_PER_MIN", default=55.0),  # 0.92 m/s, 15th percentile
        "delivery": env.float("CIRCLE_COURIER_M_PER_MIN", default=250.0),  # e-bike courier
    },
    "detour_factor": env.float("CIRCLE_DETOUR_FACTOR", default=1.25),  # network ÷ straight line
}

# The commerce bureau's figures (bureau.metrics). Tiers differ by province: edit them here.
BUREAU = {
    "walk_minutes": 15,
    "elderly_formats": ["elderly_care"],  # 一老: walked at the older residents' speed
    "present_share": 0.5,  # a format is present in a community when it covers this share of households
    "thin_share": 0.85,  # below this a present format is "thin" and on the gap list (Shanghai's 2025 target)
    "min_cell": 5,  # privacy: a figure built from fewer households, shops or orders shows "<5"
    "min_satisfaction_answers": 30,  # satisfaction hidden below this many answers
    "tiers": [  # (code, basic formats present at least, quality formats present at least), lowest first
        ["basic", 10, 0],
        ["improved", 12, 6],
        ["quality", 14, 9],
    ],
    "targets": {"satisfaction": 0.90, "chain_share": 0.30, "floor_m2_per_100_households": 30,
                "coverage": 0.85},
    "max_period_days": 3 * 366,
}

from .search import *  # noqa: E402, F403  (backend, timeout, circuit breaker)
from .search import SEARCH_SYNC_INTERVAL_SECONDS  # noqa: E402  (beat's schedule below)

# --- Celery -------------------------------------------------------------------------------

CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL or "memory://")
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default=REDIS_URL or None)
# Without a broker the tasks run in-process (the demo).
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Celery's Django fixup closes the database connection around every task unless this is set:
# reuse it for 100 tasks (dispatch runs tens a second; a broken connection is still replaced).
CELERY_DB_REUSE_MAX = 100
CELERY_TASK_DEFAULT_QUEUE = "default"
# Longer than any task may run, so Redis never hands a running task to a second worker.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
# Every task names its queue here (explicit, one place); workers consume them all.
CELERY_TASK_ROUTES = {
    "search.*": {"queue": "search"},
    "dispatch.*": {"queue": "dispatch"},
    "cms.*": {"queue": "default"},
}
CELERY_BEAT_SCHEDULE = {
    "search-apply-outbox": {"task": "search.apply_outbox", "schedule": SEARCH_SYNC_INTERVAL_SECONDS},
    "search-purge-outbox": {"task": "search.purge_outbox", "schedule": 3600.0},
    "orders-expire-payments": {"task": "orders.expire_payments", "schedule": 60.0},
    "orders-expire-pickups": {"task": "orders.expire_pickups", "schedule": 600.0},
    "dispatch-send-outbox": {"task": "dispatch.send_outbox", "schedule": 5.0},
    "dispatch-expire-offers": {"task": "dispatch.expire_offers", "schedule": 2.0},
    "dispatch-redispatch-stuck": {"task": "dispatch.redispatch_stuck", "schedule": 30.0},
    "slots-keep-ahead": {"task": "slots.keep_ahead", "schedule": 3600.0},
    "merchants-low-stock-summary": {"task": "merchants.low_stock_summary", "schedule": crontab(hour=7, minute=0)},
    # yesterday's figures of every community, stored once the day is over (bureau.snapshots)
    "bureau-nightly-snapshots": {"task": "bureau.snapshot_yesterday", "schedule": crontab(hour=1, minute=10)},
    "cms-publish-scheduled": {"task": "cms.publish_scheduled", "schedule": 60.0},  # go-live and expiry times
    "payments-issue-due-refunds": {"task": "payments.issue_due_refunds", "schedule": 60.0},
    "payments-settle-behind": {"task": "payments.settle_behind", "schedule": 60.0},  # lost after-commit settles
}

from .api import *  # noqa: E402, F403  (DRF, drf-spectacular)

# --- mail and logging -----------------------------------------------------------------------

EMAIL_BACKEND = env("DJANGO_EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = OSCAR_FROM_EMAIL

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", default="WARNING")},
}

# --- demo data and published secrets --------------------------------------------------------

# `load_demo` resets the README's demo passwords and a superuser: allowed here, off in production.
DEMO_DATA_ALLOWED = env.bool("DEMO_DATA_ALLOWED", default=True)
# The published demo secrets are for 127.0.0.1 only: served to any other host, refuse to start.
_LOCAL_HOSTS = {"127.0.0.1", "localhost", "testserver", "[::1]", "::1"}
_PUBLISHED = {"demo-only-insecure-secret-key-change-me", "sandbox-demo-secret"}
if set(ALLOWED_HOSTS) - _LOCAL_HOSTS and {SECRET_KEY, SANDBOX_PAYMENT_SECRET} & _PUBLISHED:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY and SANDBOX_PAYMENT_SECRET must be set (the defaults are published) when "
        "DJANGO_ALLOWED_HOSTS names a host other than 127.0.0.1/localhost"
    )
