# shellcheck shell=bash
# Shared helpers for the service scripts. Sourced, never run.
#
# Every local service binds to 127.0.0.1 only, keeps its data under var/ (git-ignored) and runs
# as the unprivileged system user $MARKET_SERVICE_USER (default "market"), because PostgreSQL
# and Elasticsearch refuse to run as root. When the scripts are not run as root, the services
# run as the current user and apt-get goes through sudo.

set -euo pipefail

MARKET_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/env.sh
. "$MARKET_ROOT/scripts/env.sh"

# Data, pid files and logs; MARKET_VAR=... gives a second stack of the same checkout its own
# (bench/soak.py and scripts/up_loop.sh run beside `make up` on other ports).
MARKET_VAR="${MARKET_VAR:-$MARKET_ROOT/var}"
export MARKET_VAR
MARKET_RUN="$MARKET_VAR/run"          # pid files of the root-run app processes (celery, gunicorn)
MARKET_LOG="$MARKET_VAR/log"          # their logs
MARKET_SERVICE_USER="${MARKET_SERVICE_USER:-market}"
MARKET_START_TIMEOUT="${MARKET_START_TIMEOUT:-120}"   # seconds a start may take before it fails

log() { printf '[%s] %s\n' "${MARKET_SCRIPT:-services}" "$*" >&2; }
die() { printf '[%s] ERROR: %s\n' "${MARKET_SCRIPT:-services}" "$*" >&2; exit 1; }

is_root() { [ "$(id -u)" -eq 0 ]; }

# apt_install PACKAGE...: install the Debian packages that are missing (idempotent).
apt_install() {
    local missing=() pkg
    for pkg in "$@"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
    done
    [ "${#missing[@]}" -eq 0 ] && return 0
    command -v apt-get >/dev/null || die "missing packages ${missing[*]} and no apt-get to install them"
    local sudo=""
    is_root || sudo="sudo"
    log "installing ${missing[*]} (apt-get)"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# need_cmd COMMAND PACKAGE: make sure COMMAND exists, installing PACKAGE if it does not.
need_cmd() {
    command -v "$1" >/dev/null 2>&1 || apt_install "$2"
    command -v "$1" >/dev/null 2>&1 || die "$1 still missing after installing $2"
}

# The unprivileged user the services run as (created once, idempotently).
ensure_service_user() {
    is_root || { MARKET_SERVICE_USER="$(id -un)"; return 0; }
    if ! id -u "$MARKET_SERVICE_USER" >/dev/null 2>&1; then
        log "creating system user $MARKET_SERVICE_USER"
        useradd --system --user-group --home-dir /nonexistent --no-create-home \
            --shell /usr/sbin/nologin "$MARKET_SERVICE_USER"
    fi
    # The user must be able to reach var/ through every parent directory of the checkout.
    if ! runuser -u "$MARKET_SERVICE_USER" -- test -x "$MARKET_ROOT"; then
        die "user $MARKET_SERVICE_USER cannot enter $MARKET_ROOT: give the parent directories o+x (chmod o+x <dir>) or clone elsewhere"
    fi
}

# as_service_user CMD...: run CMD as the service user (directly when not root).
as_service_user() {
    if is_root; then
        runuser -u "$MARKET_SERVICE_USER" -- "$@"
    else
        "$@"
    fi
}

# service_dir DIR...: create DIRs owned by the service user.
service_dir() {
    mkdir -p "$@"
    is_root && chown "$MARKET_SERVICE_USER:" "$@"
    return 0
}

# port_open PORT: something accepts TCP connections on 127.0.0.1:PORT.
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# pid_once PIDFILE: one read: the file names a running process.
pid_once() {
    local pid
    pid="$(cat "$1" 2>/dev/null)" || return 1
    [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null
}

# pid_alive PIDFILE: the process named in PIDFILE is running. A daemonising service rewrites
# its pid file while it forks (celery --detach, gunicorn --daemon, redis, Elasticsearch -d):
# a read that lands mid-rewrite (empty file, or the parent that just exited) is retried for
# about a second before the answer is "not running".
pid_alive() {
    local try
    [ -e "$1" ] || return 1
    for try in 1 2 3 4 5; do
        pid_once "$1" && return 0
        sleep 0.25
    done
    return 1
}

# pid_settled PIDFILE [SECONDS] [TIMEOUT]: wait (up to TIMEOUT s, default 30) until PIDFILE
# names the same running process for SECONDS (default 3) in a row: the daemon has forked, written
# its final pid and stayed up. Fails only if that never happens, never on one unlucky read.
pid_settled() {
    local pidfile="$1" need="${2:-3}" deadline=$((SECONDS + ${3:-30})) last="" since=0 pid
    while [ "$SECONDS" -lt "$deadline" ]; do
        pid="$(cat "$pidfile" 2>/dev/null || true)"
        if [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null; then
            if [ "$pid" != "$last" ]; then last="$pid"; since=$SECONDS; fi
            [ $((SECONDS - since)) -ge "$need" ] && return 0
        else
            last=""
        fi
        sleep 0.25
    done
    return 1
}

# wait_until TIMEOUT DESCRIPTION CMD...: retry CMD every second until it succeeds or TIMEOUT
# seconds (wall clock) have passed.
wait_until() {
    local timeout="$1" what="$2" deadline
    shift 2
    deadline=$((SECONDS + timeout))
    until "$@" >/dev/null 2>&1; do
        [ "$SECONDS" -lt "$deadline" ] || return 1
        sleep 1
    done
}

# stop_pidfile NAME PIDFILE [TIMEOUT]: TERM the process, wait for it, KILL it if it hangs.
stop_pidfile() {
    local name="$1" pidfile="$2" timeout="${3:-30}" pid waited=0
    if ! pid_alive "$pidfile"; then
        log "$name is not running"
        rm -f "$pidfile"
        return 0
    fi
    pid="$(cat "$pidfile")"
    log "stopping $name (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null; do
        waited=$((waited + 1))
        if [ "$waited" -ge "$timeout" ]; then
            log "$name did not stop within ${timeout}s: killing it"
            kill -KILL "$pid" 2>/dev/null || true
            break
        fi
        sleep 1
    done
    rm -f "$pidfile"
}

# tail_log FILE: the end of a log, for error messages.
tail_log() { [ -f "$1" ] && tail -n 25 "$1" | sed 's/^/    | /' >&2 || true; }

# uv_run CMD...: run CMD in the project's virtualenv (installed by `make install`).
uv_run() { (cd "$MARKET_ROOT" && uv run --frozen --no-sync "$@"); }
