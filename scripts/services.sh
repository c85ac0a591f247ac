#!/usr/bin/env bash
# The backing services together: PostgreSQL, Redis, Elasticsearch.
#
#   scripts/services.sh install | start | stop | status
#
# start is idempotent (running services are left alone) and returns once every service answers.
# Elasticsearch starts first in the background: it is the slowest (~20-40 s).
MARKET_SCRIPT=services
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
HERE="$MARKET_ROOT/scripts"

case "${1:-}" in
    install)
        "$HERE/postgres.sh" install
        "$HERE/redis.sh" install
        "$HERE/elasticsearch.sh" install
        ;;
    start)
        # Install everything first (apt must not run twice at once), then start ES in parallel.
        "$HERE/postgres.sh" install
        "$HERE/redis.sh" install
        "$HERE/elasticsearch.sh" install
        "$HERE/elasticsearch.sh" start &
        es_pid=$!
        rc=0
        "$HERE/postgres.sh" start || rc=1
        "$HERE/redis.sh" start || rc=1
        wait "$es_pid" || rc=1
        [ "$rc" -eq 0 ] || die "some services did not start (see above)"
        log "all services ready: PostgreSQL 127.0.0.1:$MARKET_PG_PORT, Redis 127.0.0.1:$MARKET_REDIS_PORT, Elasticsearch 127.0.0.1:$MARKET_ES_PORT"
        ;;
    stop)
        rc=0
        "$HERE/elasticsearch.sh" stop || rc=1
        "$HERE/redis.sh" stop || rc=1
        "$HERE/postgres.sh" stop || rc=1
        exit "$rc"
        ;;
    status)
        rc=0
        "$HERE/postgres.sh" status || rc=1
        "$HERE/redis.sh" status || rc=1
        "$HERE/elasticsearch.sh" status || rc=1
        exit "$rc"
        ;;
    *) echo "usage: $0 install|start|stop|status" >&2; exit 2 ;;
esac
