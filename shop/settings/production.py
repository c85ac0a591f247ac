"""Production settings: base settings, with no default for any secret.

Every value still comes from the environment (see .env.example); this module only refuses
to start without the secrets and switches on what a public deployment needs.
"""

from .base import *  # noqa: F403
from .base import env

DEBUG = False
SECRET_KEY = env("DJANGO_SECRET_KEY")  # no default: a missing secret stops the start
SANDBOX_PAYMENT_SECRET = env("SANDBOX_PAYMENT_SECRET")  # no default: forged payment callbacks must not verify
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")
DATABASES = {"default": env.db("DATABASE_URL")}
DATABASES["default"]["ATOMIC_REQUESTS"] = True
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True  # a kept connection is checked before it is reused

SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
SESSION_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=True)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
# Uploaded media are user content: never served by Django from the site's own origin in
# production (a separate media host, DJANGO_MEDIA_URL); see shop/core/media.py.
SERVE_MEDIA = env.bool("DJANGO_SERVE_MEDIA", default=False)
EMAIL_BACKEND = env("DJANGO_EMAIL_BACKEND", default="django.core.mail.backends.smtp.EmailBackend")
