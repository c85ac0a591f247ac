#!/usr/bin/env bash
# `make up` / checks / `make down`, N times in a row: the start-up checks must never race their
# own daemonising (issue 15). Prints PASS/FAIL per run and a summary; exits 1 if any run failed.
#
#   scripts/up_loop.sh [N]          (default 10)
#
# It runs on its OWN stack so nobody's services are touched: ports default to 35432 (PostgreSQL),
# 36379 (Redis), 39200/39300 (Elasticsearch), 8140 (web), data under this checkout's var/.
# Override with MARKET_PG_PORT, MARKET_REDIS_PORT, MARKET_ES_PORT, MARKET_ES_TRANSPORT_PORT, PORT.
# The stock ports (15432/16379/19200) are refused: they are the shared services of `make up`.
# Logs of each run: var/up_loop/run-K.log.
set -uo pipefail

N="${1:-10}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export MARKET_PG_PORT="${MARKET_PG_PORT:-35432}"
export MARKET_REDIS_PORT="${MARKET_REDIS_PORT:-36379}"
export MARKET_ES_PORT="${MARKET_ES_PORT:-39200}"
export MARKET_ES_TRANSPORT_PORT="${MARKET_ES_TRANSPORT_PORT:-39300}"
export PORT="${PORT:-8140}"
unset MARKET_PG_DB MARKET_REDIS_DB MARKET_INDEX_PREFIX DATABASE_URL REDIS_URL ELASTICSEARCH_URL
for port in "$MARKET_PG_PORT" "$MARKET_REDIS_PORT" "$MARKET_ES_PORT"; do
    case "$port" in 15432 | 16379 | 19200)
        echo "up_loop: port $port is a shared service's port: choose another" >&2; exit 2 ;;
    esac
done

LOGS="$ROOT/var/up_loop"
mkdir -p "$LOGS"
cd "$ROOT" || exit 2

# checks: what `make up` promises, read once each after it returned.
checks() {
    local health
    health="$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 "http://127.0.0.1:$PORT/healthz")"
    [ "$health" = "200" ] || { echo "healthz answered $health"; return 1; }
    make -s status || { echo "make status: something is not running"; return 1; }
    curl -fs --max-time 10 -o /dev/null "http://127.0.0.1:$PORT/" || { echo "home page failed"; return 1; }
}

passed=0
results=()
for run in $(seq 1 "$N"); do
    log="$LOGS/run-$run.log"
    started=$SECONDS
    verdict=PASS
    reason=""
    if ! make up >"$log" 2>&1; then
        verdict=FAIL; reason="make up failed: $(grep -m1 'ERROR' "$log" || tail -n1 "$log")"
    elif ! out="$(checks >>"$log" 2>&1)"; then
        verdict=FAIL; reason="checks failed (see $log)"
    fi
    up_seconds=$((SECONDS - started))
    make down >>"$log" 2>&1 || { verdict=FAIL; reason="${reason:+$reason; }make down failed"; }
    for port in "$MARKET_PG_PORT" "$MARKET_REDIS_PORT" "$MARKET_ES_PORT" "$PORT"; do
        if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            verdict=FAIL; reason="${reason:+$reason; }port $port still open after make down"
        fi
    done
    [ "$verdict" = PASS ] && passed=$((passed + 1))
    line="run $run/$N: $verdict (up ${up_seconds}s, total $((SECONDS - started))s, load $(cut -d' ' -f1-3 /proc/loadavg))${reason:+ — $reason}"
    results+=("$line")
    echo "$line"
done
echo "up_loop: $passed/$N passed"
[ "$passed" -eq "$N" ]
