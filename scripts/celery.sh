#!/usr/bin/env bash
# The Celery worker and beat of the full stack (`make up`), against the local Redis.
#
#   scripts/celery.sh start [worker|beat|all]   (default: worker)
#   scripts/celery.sh stop  [worker|beat|all]   (default: all)
#   scripts/celery.sh status
#
# The worker ("market-worker@<host>", prefork, concurrency $MARKET_CELERY_CONCURRENCY, default 2)
# consumes every queue the project's tasks name (shop.core.tasks.queue_names). Both processes
# run from the project's virtualenv with the environment of scripts/env.sh ($MARKET_ENV, default
# dev); pid files in var/run/, logs in var/log/. The tests start their own worker (see
# tests/services.py), so `make test` needs none of this.
MARKET_SCRIPT=celery
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

WORKER_PIDFILE="$MARKET_RUN/celery-worker.pid"
WORKER_LOGFILE="$MARKET_LOG/celery-worker.log"
BEAT_PIDFILE="$MARKET_RUN/celery-beat.pid"
BEAT_LOGFILE="$MARKET_LOG/celery-beat.log"
WORKER_NAME="market-worker@%h"
export DJANGO_SETTINGS_MODULE="${DJANGO_SETTINGS_MODULE:-shop.settings.base}"

redis_ready() { [ "$(timeout 5 redis-cli -h 127.0.0.1 -p "$MARKET_REDIS_PORT" ping 2>/dev/null)" = "PONG" ]; }
worker_answers() {
    local answer  # not piped into grep -q: with pipefail, celery's SIGPIPE would fail the check
    answer="$(uv_run celery -A shop inspect ping --timeout 2 2>/dev/null)" || return 1
    [[ "$answer" == *"market-worker@"* ]]
}

start_worker() {
    mkdir -p "$MARKET_RUN" "$MARKET_LOG"
    if pid_alive "$WORKER_PIDFILE"; then
        log "worker already running (pid $(cat "$WORKER_PIDFILE"))"
    else
        redis_ready || die "Redis does not answer on 127.0.0.1:$MARKET_REDIS_PORT: run scripts/redis.sh start (or make services) first"
        local queues
        queues="$(uv_run python scripts/celery-queues.py)" \
            || die "could not list the task queues (is the virtualenv installed? make install)"
        log "starting worker $WORKER_NAME on queues $queues (log: $WORKER_LOGFILE)"
        rm -f "$WORKER_PIDFILE"
        uv_run celery -A shop worker --detach --pool=prefork --concurrency="${MARKET_CELERY_CONCURRENCY:-2}" \
            -Q "$queues" -n "$WORKER_NAME" --loglevel=INFO \
            --pidfile="$WORKER_PIDFILE" --logfile="$WORKER_LOGFILE" \
            || { tail_log "$WORKER_LOGFILE"; die "the worker did not start (log: $WORKER_LOGFILE)"; }
    fi
    wait_until "$MARKET_START_TIMEOUT" "worker" worker_answers \
        || { tail_log "$WORKER_LOGFILE"; die "the worker does not answer a ping after ${MARKET_START_TIMEOUT}s (log: $WORKER_LOGFILE)"; }
    log "worker ready"
}

start_beat() {
    mkdir -p "$MARKET_RUN" "$MARKET_LOG"
    if pid_alive "$BEAT_PIDFILE"; then
        log "beat already running (pid $(cat "$BEAT_PIDFILE"))"
        return 0
    fi
    redis_ready || die "Redis does not answer on 127.0.0.1:$MARKET_REDIS_PORT: run scripts/redis.sh start (or make services) first"
    log "starting beat (log: $BEAT_LOGFILE)"
    rm -f "$BEAT_PIDFILE"
    uv_run celery -A shop beat --detach --loglevel=INFO --schedule="$MARKET_RUN/celerybeat-schedule" \
        --pidfile="$BEAT_PIDFILE" --logfile="$BEAT_LOGFILE" \
        || { tail_log "$BEAT_LOGFILE"; die "beat did not start (log: $BEAT_LOGFILE)"; }
    # --detach forks and rewrites the pid file: wait for one pid that stays up, never one read
    pid_settled "$BEAT_PIDFILE" 3 60 \
        || { tail_log "$BEAT_LOGFILE"; die "beat did not stay up (log: $BEAT_LOGFILE)"; }
    log "beat running (pid $(cat "$BEAT_PIDFILE"))"
}

status() {
    local rc=0
    if pid_alive "$WORKER_PIDFILE"; then echo "celery worker: running (pid $(cat "$WORKER_PIDFILE"))"; else echo "celery worker: stopped"; rc=1; fi
    if pid_alive "$BEAT_PIDFILE"; then echo "celery beat: running (pid $(cat "$BEAT_PIDFILE"))"; else echo "celery beat: stopped"; rc=1; fi
    return "$rc"
}

action="${1:-}"
which="${2:-}"
case "$action" in
    start)
        case "${which:-worker}" in
            worker) start_worker ;;
            beat) start_beat ;;
            all) start_worker; start_beat ;;
            *) die "start what? worker|beat|all" ;;
        esac ;;
    stop)
        # A warm shutdown lets the worker finish its current tasks (acks_late re-queues the rest).
        case "${which:-all}" in
            worker) stop_pidfile "celery worker" "$WORKER_PIDFILE" 60 ;;
            beat) stop_pidfile "celery beat" "$BEAT_PIDFILE" 30 ;;
            all) stop_pidfile "celery beat" "$BEAT_PIDFILE" 30; stop_pidfile "celery worker" "$WORKER_PIDFILE" 60 ;;
            *) die "stop what? worker|beat|all" ;;
        esac ;;
    status) status ;;
    *) echo "usage: $0 start|stop [worker|beat|all] | status" >&2; exit 2 ;;
esac
