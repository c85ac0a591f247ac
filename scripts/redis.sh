#!/usr/bin/env bash
# Redis from the Debian packages, data under var/redis/.
#
#   scripts/redis.sh install | start | stop | status
#
# Runs as the service user (default "market") on 127.0.0.1:$MARKET_REDIS_PORT (default 16379).
# Database 0 serves the dev profile (`make up`), database 1 the tests (see scripts/env.sh).
MARKET_SCRIPT=redis
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

REDIS_HOME="$MARKET_VAR/redis"
REDIS_PIDFILE="$REDIS_HOME/redis.pid"
REDIS_LOGFILE="$REDIS_HOME/redis.log"

install() {
    need_cmd redis-server redis-server
    need_cmd redis-cli redis-tools
    ensure_service_user
    service_dir "$REDIS_HOME"
}

# timeout: redis-cli waits forever on a port whose listener never answers
cli() { timeout 5 redis-cli -h 127.0.0.1 -p "$MARKET_REDIS_PORT" "$@"; }
ready() { [ "$(cli ping 2>/dev/null)" = "PONG" ]; }

start() {
    install
    if pid_alive "$REDIS_PIDFILE" && ready; then
        log "already running on 127.0.0.1:$MARKET_REDIS_PORT"
        return 0
    fi
    if port_open "$MARKET_REDIS_PORT"; then
        die "port $MARKET_REDIS_PORT is taken by another process: stop it or choose another port (MARKET_REDIS_PORT=...)"
    fi
    log "starting Redis on 127.0.0.1:$MARKET_REDIS_PORT (data: $REDIS_HOME)"
    # No config file: everything on the command line.
    as_service_user redis-server --bind 127.0.0.1 --port "$MARKET_REDIS_PORT" --protected-mode yes \
        --dir "$REDIS_HOME" --dbfilename dump.rdb --save "300 10" --appendonly no \
        --daemonize yes --pidfile "$REDIS_PIDFILE" --logfile "$REDIS_LOGFILE" \
        || { tail_log "$REDIS_LOGFILE"; die "redis-server did not start (log: $REDIS_LOGFILE)"; }
    wait_until "$MARKET_START_TIMEOUT" "Redis" ready \
        || { tail_log "$REDIS_LOGFILE"; die "Redis does not answer PING on 127.0.0.1:$MARKET_REDIS_PORT after ${MARKET_START_TIMEOUT}s (log: $REDIS_LOGFILE)"; }
    log "ready: redis://127.0.0.1:$MARKET_REDIS_PORT"
}

stop() {
    if ! pid_alive "$REDIS_PIDFILE"; then
        log "Redis is not running"
        rm -f "$REDIS_PIDFILE"
        return 0
    fi
    local pid waited=0
    pid="$(cat "$REDIS_PIDFILE")"
    log "stopping Redis (pid $pid)"
    cli shutdown >/dev/null 2>&1 || kill -TERM "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null; do
        waited=$((waited + 1))
        if [ "$waited" -ge 30 ]; then
            log "Redis did not stop within 30s: killing it"
            kill -KILL "$pid" 2>/dev/null || true
            break
        fi
        sleep 1
    done
    rm -f "$REDIS_PIDFILE"
}

status() {
    if pid_alive "$REDIS_PIDFILE" && ready; then
        echo "redis: running on 127.0.0.1:$MARKET_REDIS_PORT"
    else
        echo "redis: stopped"
        return 1
    fi
}

case "${1:-}" in
    install | start | stop | status) "$1" ;;
    *) echo "usage: $0 install|start|stop|status" >&2; exit 2 ;;
esac
