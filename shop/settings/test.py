"""Test settings: base settings plus what only a test run needs.

The services themselves (PostgreSQL, Redis, Elasticsearch) come from the same environment
variables as everywhere else; `make test` sets them to the locally started services.
"""

from .base import *  # noqa: F403
from .base import env

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast user factories
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
SEARCH_INDEX_PREFIX = env("SEARCH_INDEX_PREFIX", default="test")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Tests choose their search engine explicitly: the contract tests run each case on both
# (tests/search_fixtures.py); every other test reads the database backend, even when the
# environment points at a running Elasticsearch.
SEARCH_BACKEND = "database"
