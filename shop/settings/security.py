"""Security settings (part of shop/settings/base.py, imported there): headers and the
Content-Security-Policy, Oscar defaults that do not fit, limits on sign-in, API tokens and SMS
codes, and the HTTPS switches whose strict values production.py sets."""

from datetime import timedelta

from csp.constants import NONCE, NONE, SELF

from .environment import env

# --- security headers ---------------------------------------------------------------------

# Content-Security-Policy: scripts only from our origin, plus the one inline script of our base
# template, which carries the request's nonce (templates/oscar/base.html). No CDN, no eval, no
# inline event handlers. Inline styles are allowed (Oscar's and Wagtail's templates use them).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        # + the hashes of Oscar's few inline handlers ("cancel" = history.go(-1), "print")
        "script-src": [SELF, NONCE, "'unsafe-hashes'",
                       "'sha256-NqaPugiVKFsqU2P8L2sjJSLsiSKaQB+C9S5V0ZiRxfc='",
                       "'sha256-gZHW0ZTdDBnW8n/Qf9lGuwm2LvPkTQwflpfLAabDyMQ='",
                       "'sha256-jT+D+kdRwqBci9k8jWtVNp+HR3GntLaboGVzqI/tkXY='",
                       "'sha256-MguIPR6qNR8D3B+eAlK+bIRTZe8t3wkOY4B/56Me9FU='",
                       # Wagtail 8 admin's two constant inline scripts (tests/test_browser_csp.py finds them)
                       "'sha256-QhRfihxeohqPTXC2RV/6867Ir7NoT0l6eMcdBgbzs6s='",
                       "'sha256-VC0B529jHtELWZ9kohmkqu6rVOM6/LiON/Vj/gQS7lQ='"],
        "style-src": [SELF, "'unsafe-inline'"],
        "img-src": [SELF, "data:", "blob:"],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        "frame-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [SELF],
    },
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "SAMEORIGIN"  # Wagtail's preview frames our own pages
# ... which is the one reason for security.W019 (not DENY); frame-ancestors 'self' says the same.
SILENCED_SYSTEM_CHECKS = ["security.W019"]
# Oscar's defaults that do not fit: reviews by signed-in residents only and moderated (stock
# alerts need a sign-in too: shop/customer/apps.py); the basket cookie Secure like the session's.
OSCAR_ALLOW_ANON_REVIEWS = False
OSCAR_MODERATE_REVIEWS = True
OSCAR_BASKET_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=False)
WAGTAIL_GRAVATAR_PROVIDER_URL = None  # no avatar images from a foreign origin (CSP, privacy)
WAGTAIL_ENABLE_UPDATE_CHECK = False  # the admin would fetch releases.wagtail.org (CSP connect-src 'self')

# --- limits on sign-in, API tokens, SMS codes (shop/accounts) --------------------------------

# django-axes on every sign-in form (storefront, dashboard, Django admin, Wagtail admin) and the
# token API: AXES_FAILURE_LIMIT wrong passwords for one account, or from one address, lock it
# for AXES_COOLOFF_TIME. Counted in the cache (Redis in the full stack).
AXES_HANDLER = "axes.handlers.cache.AxesCacheHandler"
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=10)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.25)  # hours
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # either one: per account and per address
AXES_USERNAME_FORM_FIELD = "username"  # what every sign-in passes to authenticate() (USERNAME_FIELD is mobile)
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "shop.accounts.views.lockout_response"
AXES_SENSITIVE_PARAMETERS = ["password", "code"]
# API tokens (django-rest-knox): one per sign-in, hashed at rest, expiring, revocable, all
# dropped when the password changes (shop/accounts/services.py).
REST_KNOX = {
    "TOKEN_TTL": timedelta(hours=env.int("API_TOKEN_TTL_HOURS", default=24 * 7)),
    "AUTO_REFRESH": False,
    "AUTH_HEADER_PREFIX": "Token",
    "TOKEN_LIMIT_PER_USER": 20,
}
# The sandbox SMS gateway (one-time codes to prove a number, shop/accounts/sms.py): codes are
# written to the log. Limits are its own: one code per number per SMS_RESEND_SECONDS, at most
# SMS_PER_NUMBER_HOURLY per number and SMS_PER_ADDRESS_HOURLY per address an hour.
SMS_BACKEND = env("SMS_BACKEND", default="sandbox")
SMS_CODE_TTL_SECONDS = env.int("SMS_CODE_TTL_SECONDS", default=300)
SMS_RESEND_SECONDS = env.int("SMS_RESEND_SECONDS", default=60)
SMS_PER_NUMBER_HOURLY = env.int("SMS_PER_NUMBER_HOURLY", default=5)
SMS_PER_ADDRESS_HOURLY = env.int("SMS_PER_ADDRESS_HOURLY", default=20)
SMS_CODE_ATTEMPTS = 5

# --- security (strict values come from the environment in production) -----------------------

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=False)
SESSION_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
SECURE_HSTS_PRELOAD = SECURE_HSTS_SECONDS > 0
