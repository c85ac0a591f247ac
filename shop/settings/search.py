"""Search settings (part of shop/settings/base.py, imported there): Elasticsearch or the
database backend, the query timeout and circuit breaker, the outbox sync interval."""

from .environment import env

# --- search -------------------------------------------------------------------------------

ELASTICSEARCH_URL = env("ELASTICSEARCH_URL", default="")
SEARCH_BACKEND = env("SEARCH_BACKEND", default="elasticsearch" if ELASTICSEARCH_URL else "database")
SEARCH_INDEX_PREFIX = env("SEARCH_INDEX_PREFIX", default="market")
# user-facing queries must answer fast or fall back to the database backend
SEARCH_TIMEOUT_SECONDS = env.float("SEARCH_TIMEOUT_SECONDS", default=0.5)
# after THRESHOLD failed queries within WINDOW s, skip Elasticsearch for COOLDOWN s (answers come
# from the database), then let one probe query through (catalog/search/elastic/client.py)
SEARCH_BREAKER_THRESHOLD = env.int("SEARCH_BREAKER_THRESHOLD", default=5)
SEARCH_BREAKER_WINDOW_SECONDS = env.float("SEARCH_BREAKER_WINDOW_SECONDS", default=30.0)
SEARCH_BREAKER_COOLDOWN_SECONDS = env.float("SEARCH_BREAKER_COOLDOWN_SECONDS", default=10.0)
# how often beat applies the search outbox (seconds)
SEARCH_SYNC_INTERVAL_SECONDS = env.float("SEARCH_SYNC_INTERVAL_SECONDS", default=5.0)
