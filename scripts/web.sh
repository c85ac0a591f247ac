#!/usr/bin/env bash
# gunicorn serving the site on 127.0.0.1:$MARKET_WEB_PORT (default 8000, or $PORT), for `make up`.
#
#   scripts/web.sh start | stop | status
#
# Settings: $DJANGO_SETTINGS_MODULE (default shop.settings.base) with the environment of
# scripts/env.sh, and DATABASE_CONN_MAX_AGE=60 unless set. Static files are served by whitenoise
# after collectstatic.
MARKET_SCRIPT=web
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

WEB_PIDFILE="$MARKET_RUN/gunicorn.pid"
WEB_LOGFILE="$MARKET_LOG/gunicorn.log"
WEB_URL="http://127.0.0.1:$MARKET_WEB_PORT"
export DJANGO_SETTINGS_MODULE="${DJANGO_SETTINGS_MODULE:-shop.settings.base}"
# Each gunicorn worker keeps its PostgreSQL connection for a minute instead of opening one per
# request (checked before reuse: CONN_HEALTH_CHECKS in settings). Override with the variable.
export DATABASE_CONN_MAX_AGE="${DATABASE_CONN_MAX_AGE:-60}"

answers() { curl -s -o /dev/null --max-time 5 "$WEB_URL/healthz"; }

start() {
    need_cmd curl curl
    mkdir -p "$MARKET_RUN" "$MARKET_LOG"
    if pid_alive "$WEB_PIDFILE"; then
        log "already running on $WEB_URL (pid $(cat "$WEB_PIDFILE"))"
    else
        port_open "$MARKET_WEB_PORT" && die "port $MARKET_WEB_PORT is taken by another process: stop it or use PORT=..."
        log "starting gunicorn on $WEB_URL (log: $WEB_LOGFILE)"
        rm -f "$WEB_PIDFILE"
        # its own control socket: gunicorn's default (~/.gunicorn/gunicorn.ctl) is one for every
        # gunicorn of the user, so a second stack on the machine (soak, up_loop) would share it
        uv_run gunicorn shop.wsgi:application --daemon --bind "127.0.0.1:$MARKET_WEB_PORT" \
            --workers "${MARKET_WEB_WORKERS:-2}" --timeout 60 --pid "$WEB_PIDFILE" \
            --control-socket "$MARKET_RUN/gunicorn.ctl" \
            --access-logfile "$MARKET_LOG/gunicorn-access.log" --error-logfile "$WEB_LOGFILE" \
            || { tail_log "$WEB_LOGFILE"; die "gunicorn did not start (log: $WEB_LOGFILE)"; }
    fi
    # a loaded machine may take well over a minute to import the site in a fresh worker (up_loop
    # run 6/10 failed at 60 s with load 30): the same patience as every other service
    wait_until "$MARKET_START_TIMEOUT" "gunicorn" answers || { tail_log "$WEB_LOGFILE"; die "$WEB_URL/healthz does not answer after ${MARKET_START_TIMEOUT}s (log: $WEB_LOGFILE)"; }
    log "ready: $WEB_URL  /healthz: $(curl -s --max-time 10 "$WEB_URL/healthz")"
}

stop() { stop_pidfile gunicorn "$WEB_PIDFILE" 30; }

status() {
    if pid_alive "$WEB_PIDFILE"; then echo "web: running on $WEB_URL"; else echo "web: stopped"; return 1; fi
}

case "${1:-}" in
    start | stop | status) "$1" ;;
    *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
