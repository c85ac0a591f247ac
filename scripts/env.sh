# shellcheck shell=bash
# The environment that points the project at the local services started by scripts/*.sh.
#
#   . scripts/env.sh            # the "dev" profile: `make up`, your shell
#   MARKET_ENV=test . scripts/env.sh   # the "test" profile: `make test`
#   scripts/with-env.sh test CMD...    # run one command with a profile
#
# Ports (override any of them before sourcing; all services bind to 127.0.0.1 only). They are
# deliberately not the stock ports, so the Debian packages' own postgresql/redis services
# (which apt may start on 5432/6379) never collide with ours:
#   MARKET_PG_PORT=15432  MARKET_REDIS_PORT=16379  MARKET_ES_PORT=19200 (transport 19300)
#
# The profiles differ only in what must not mix: "test" uses Redis database 1 and the search
# index prefix "test", "dev" uses Redis database 0 and the prefix "market". Both run Celery
# tasks on a real worker (CELERY_TASK_ALWAYS_EAGER=false).

export MARKET_ENV="${MARKET_ENV:-dev}"

export MARKET_PG_VERSION="${MARKET_PG_VERSION:-15}"
export MARKET_PG_PORT="${MARKET_PG_PORT:-15432}"
export MARKET_PG_USER="${MARKET_PG_USER:-market}"
export MARKET_PG_PASSWORD="${MARKET_PG_PASSWORD:-market}"
export MARKET_PG_DB="${MARKET_PG_DB:-market}"
export MARKET_REDIS_PORT="${MARKET_REDIS_PORT:-16379}"
export MARKET_ES_VERSION="${MARKET_ES_VERSION:-8.19.9}"
export MARKET_ES_PORT="${MARKET_ES_PORT:-19200}"
export MARKET_ES_TRANSPORT_PORT="${MARKET_ES_TRANSPORT_PORT:-19300}"
export MARKET_ES_HEAP="${MARKET_ES_HEAP:-512m}"
export MARKET_WEB_PORT="${MARKET_WEB_PORT:-${PORT:-8000}}"

case "$MARKET_ENV" in
    test) _market_redis_db=1; _market_index_prefix=test ;;
    dev) _market_redis_db=0; _market_index_prefix=market ;;
    *) echo "scripts/env.sh: unknown MARKET_ENV '$MARKET_ENV' (dev or test)" >&2; return 1 2>/dev/null || exit 1 ;;
esac
# Several work trees can share one set of services: each sets its own database name
# (MARKET_PG_DB), Redis database (MARKET_REDIS_DB, 2-15) and index prefix (MARKET_INDEX_PREFIX).
_market_redis_db="${MARKET_REDIS_DB:-$_market_redis_db}"
_market_index_prefix="${MARKET_INDEX_PREFIX:-$_market_index_prefix}"

export DATABASE_URL="postgres://${MARKET_PG_USER}:${MARKET_PG_PASSWORD}@127.0.0.1:${MARKET_PG_PORT}/${MARKET_PG_DB}"
export REDIS_URL="redis://127.0.0.1:${MARKET_REDIS_PORT}/${_market_redis_db}"
export CELERY_BROKER_URL="$REDIS_URL"
export CELERY_RESULT_BACKEND="$REDIS_URL"
export CELERY_TASK_ALWAYS_EAGER=false
export ELASTICSEARCH_URL="http://127.0.0.1:${MARKET_ES_PORT}"
export SEARCH_INDEX_PREFIX="$_market_index_prefix"
unset _market_redis_db _market_index_prefix
