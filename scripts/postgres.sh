#!/usr/bin/env bash
# PostgreSQL 15 from the Debian packages, as its own cluster under var/postgres/.
#
#   scripts/postgres.sh install | start | stop | status
#
# The cluster runs as the service user (default "market"), listens on 127.0.0.1:$MARKET_PG_PORT
# (default 15432) and on a unix socket in var/postgres/run (only the service user can reach it;
# the superuser "postgres" is trusted there). The app connects over TCP as $MARKET_PG_USER /
# $MARKET_PG_PASSWORD (default market/market) to the database $MARKET_PG_DB (default market);
# the role has CREATEDB so pytest-django can create test_market.
MARKET_SCRIPT=postgres
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PG_BIN="/usr/lib/postgresql/$MARKET_PG_VERSION/bin"
PG_HOME="$MARKET_VAR/postgres"
PG_DATA="$PG_HOME/data"
PG_SOCKET="$PG_HOME/run"
PG_LOGFILE="$PG_HOME/postgres.log"

install() {
    [ -x "$PG_BIN/initdb" ] || apt_install "postgresql-$MARKET_PG_VERSION"
    [ -x "$PG_BIN/initdb" ] || die "$PG_BIN/initdb missing after installing postgresql-$MARKET_PG_VERSION"
    ensure_service_user
    service_dir "$PG_HOME" "$PG_SOCKET"
    if [ ! -s "$PG_DATA/PG_VERSION" ]; then
        log "initialising a cluster in $PG_DATA"
        service_dir "$PG_DATA"
        chmod 700 "$PG_DATA"
        as_service_user "$PG_BIN/initdb" -D "$PG_DATA" -U postgres --encoding=UTF8 --locale=C.UTF-8 \
            --auth-local=trust --auth-host=scram-sha-256 >"$PG_HOME/initdb.log" 2>&1 \
            || { tail_log "$PG_HOME/initdb.log"; die "initdb failed (log: $PG_HOME/initdb.log)"; }
    elif [ "$(cat "$PG_DATA/PG_VERSION")" != "$MARKET_PG_VERSION" ]; then
        die "$PG_DATA holds a PostgreSQL $(cat "$PG_DATA/PG_VERSION") cluster, not $MARKET_PG_VERSION: remove var/postgres to start over"
    fi
}

pg_ctl() { as_service_user "$PG_BIN/pg_ctl" -D "$PG_DATA" "$@"; }
running() { [ -s "$PG_DATA/postmaster.pid" ] && pg_ctl status >/dev/null 2>&1; }
ready() { "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$MARKET_PG_PORT" -t 2; }
psql_super() {
    as_service_user "$PG_BIN/psql" -X -q -h "$PG_SOCKET" -p "$MARKET_PG_PORT" -U postgres -d postgres \
        -v ON_ERROR_STOP=1 "$@"
}

ensure_app_role_and_db() {
    # Idempotent: (re)sets the password and CREATEDB every time, creates the database once.
    psql_super -v role="$MARKET_PG_USER" -v pass="$MARKET_PG_PASSWORD" <<'SQL'
SELECT format('CREATE ROLE %I LOGIN', :'role')
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'role') \gexec
ALTER ROLE :"role" WITH LOGIN CREATEDB PASSWORD :'pass';
SQL
    psql_super -v role="$MARKET_PG_USER" -v db="$MARKET_PG_DB" <<'SQL'
SELECT format('CREATE DATABASE %I OWNER %I ENCODING ''UTF8''', :'db', :'role')
 WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'db') \gexec
SQL
}

start() {
    install
    if running; then
        log "already running on 127.0.0.1:$MARKET_PG_PORT"
    else
        if port_open "$MARKET_PG_PORT"; then
            die "port $MARKET_PG_PORT is taken by another process: stop it or choose another port (MARKET_PG_PORT=...)"
        fi
        log "starting PostgreSQL $MARKET_PG_VERSION on 127.0.0.1:$MARKET_PG_PORT (data: $PG_DATA)"
        service_dir "$PG_SOCKET"
        pg_ctl start -w -t "$MARKET_START_TIMEOUT" -l "$PG_LOGFILE" -o "-c listen_addresses=127.0.0.1 \
            -c port=$MARKET_PG_PORT -c unix_socket_directories=$PG_SOCKET -c synchronous_commit=off \
            -c max_connections=100" >/dev/null \
            || { tail_log "$PG_LOGFILE"; die "PostgreSQL did not start (log: $PG_LOGFILE)"; }
    fi
    wait_until "$MARKET_START_TIMEOUT" "PostgreSQL" ready \
        || { tail_log "$PG_LOGFILE"; die "PostgreSQL does not answer pg_isready on 127.0.0.1:$MARKET_PG_PORT after ${MARKET_START_TIMEOUT}s (log: $PG_LOGFILE)"; }
    ensure_app_role_and_db
    log "ready: postgres://$MARKET_PG_USER:***@127.0.0.1:$MARKET_PG_PORT/$MARKET_PG_DB"
}

stop() {
    if [ -x "$PG_BIN/pg_ctl" ] && [ -d "$PG_DATA" ] && running; then
        log "stopping PostgreSQL"
        pg_ctl stop -m fast -w -t 60 >/dev/null || die "PostgreSQL did not stop (log: $PG_LOGFILE)"
    else
        log "PostgreSQL is not running"
    fi
}

status() {
    if [ -d "$PG_DATA" ] && running && ready; then
        echo "postgres: running on 127.0.0.1:$MARKET_PG_PORT"
    else
        echo "postgres: stopped"
        return 1
    fi
}

case "${1:-}" in
    install | start | stop | status) "$1" ;;
    *) echo "usage: $0 install|start|stop|status" >&2; exit 2 ;;
esac
