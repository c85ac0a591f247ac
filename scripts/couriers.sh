#!/usr/bin/env bash
# The demo couriers on the move: `manage.py simulate_couriers` in the background, for `make up`,
# so orders placed in the browser go through every status on their own.
#
#   scripts/couriers.sh start | stop | status
#
# Speed: $MARKET_COURIER_SPEED_UP (default 3, three times real time). Pid file in var/run/,
# log in var/log/couriers.log.
MARKET_SCRIPT=couriers
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

COURIERS_PIDFILE="$MARKET_RUN/couriers.pid"
COURIERS_LOGFILE="$MARKET_LOG/couriers.log"
export DJANGO_SETTINGS_MODULE="${DJANGO_SETTINGS_MODULE:-shop.settings.base}"

start() {
    mkdir -p "$MARKET_RUN" "$MARKET_LOG"
    if pid_alive "$COURIERS_PIDFILE"; then
        log "already running (pid $(cat "$COURIERS_PIDFILE"))"
        return 0
    fi
    log "starting simulate_couriers (log: $COURIERS_LOGFILE)"
    # The virtualenv's python itself (not `uv run`), so the pid file holds the process to stop.
    (cd "$MARKET_ROOT" && exec nohup .venv/bin/python manage.py simulate_couriers \
        --speed-up "${MARKET_COURIER_SPEED_UP:-3}" >>"$COURIERS_LOGFILE" 2>&1) &
    echo $! >"$COURIERS_PIDFILE"
    pid_settled "$COURIERS_PIDFILE" 2 30 || { tail_log "$COURIERS_LOGFILE"; die "simulate_couriers exited at once (log: $COURIERS_LOGFILE)"; }
    log "running (pid $(cat "$COURIERS_PIDFILE"))"
}

stop() { stop_pidfile simulate_couriers "$COURIERS_PIDFILE" 15; }

status() {
    if pid_alive "$COURIERS_PIDFILE"; then echo "couriers: moving (pid $(cat "$COURIERS_PIDFILE"))"; else echo "couriers: stopped"; return 1; fi
}

case "${1:-}" in
    start | stop | status) "$1" ;;
    *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
