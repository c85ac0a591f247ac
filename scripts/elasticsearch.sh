#!/usr/bin/env bash
# Elasticsearch 8.19 from Maven Central's integ-test zip, on the machine's Java 17.
#
#   scripts/elasticsearch.sh install | start | stop | status
#
# The zip (org.elasticsearch.distribution.integ-test-zip:elasticsearch:$MARKET_ES_VERSION:zip)
# is fetched with Maven into var/downloads and unpacked into var/elasticsearch/. The node runs
# as the service user (default "market"), single-node, bound to 127.0.0.1:$MARKET_ES_PORT
# (default 19200, transport 19300), heap $MARKET_ES_HEAP (default 512m), disk watermarks off,
# data/logs under var/elasticsearch/.
#
# The 8.19 integ-test zip is not quite bare: it carries the x-pack-core and x-pack-security
# modules (and no analysis-common), and security auto-configures TLS + passwords on the first
# start unless `xpack.security.enabled: false` is set. So that one xpack setting is required,
# exactly as in docker-compose.yml (the only other xpack module, ML etc., is absent: setting it
# would stop the node).
MARKET_SCRIPT=elasticsearch
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ES_ARTIFACT="org.elasticsearch.distribution.integ-test-zip:elasticsearch:$MARKET_ES_VERSION:zip"
ES_ZIP="$MARKET_VAR/downloads/elasticsearch-$MARKET_ES_VERSION.zip"
ES_BASE="$MARKET_VAR/elasticsearch"
ES_HOME="$ES_BASE/elasticsearch-$MARKET_ES_VERSION"
ES_CONF="$ES_BASE/config"
ES_PIDFILE="$ES_BASE/elasticsearch.pid"
ES_LOGS="$ES_BASE/logs"
ES_STDOUT="$ES_LOGS/stdout.log"
ES_URL="http://127.0.0.1:$MARKET_ES_PORT"

java_home() {
    local java
    java="$(readlink -f "$(command -v java)")"
    dirname "$(dirname "$java")"
}

install() {
    need_cmd java openjdk-17-jre-headless
    need_cmd unzip unzip
    need_cmd curl curl
    ensure_service_user
    if [ ! -x "$ES_HOME/bin/elasticsearch" ]; then
        if [ ! -s "$ES_ZIP" ]; then
            need_cmd mvn maven
            log "fetching $ES_ARTIFACT (Maven)"
            mkdir -p "$MARKET_VAR/downloads"
            mvn -q -B -Dstyle.color=never dependency:copy -Dartifact="$ES_ARTIFACT" \
                -DoutputDirectory="$MARKET_VAR/downloads" >"$MARKET_VAR/downloads/mvn.log" 2>&1 \
                || { tail_log "$MARKET_VAR/downloads/mvn.log"; die "could not fetch $ES_ARTIFACT with Maven (log: var/downloads/mvn.log)"; }
            [ -s "$ES_ZIP" ] || die "Maven did not produce $ES_ZIP"
        fi
        log "unpacking $(basename "$ES_ZIP") into $ES_BASE"
        mkdir -p "$ES_BASE"
        rm -rf "$ES_HOME.partial"
        unzip -q "$ES_ZIP" -d "$ES_HOME.partial"
        mv "$ES_HOME.partial/elasticsearch-$MARKET_ES_VERSION" "$ES_HOME"
        rm -rf "$ES_HOME.partial"
    fi
    # Our own config directory (ES_PATH_CONF): the distribution's files plus our settings.
    # A config that security auto-configured (certs/, keystore secrets) is thrown away.
    if [ -d "$ES_CONF/certs" ]; then
        log "removing the security auto-configuration from $ES_CONF"
        rm -rf "$ES_CONF"
    fi
    if [ ! -f "$ES_CONF/jvm.options" ]; then
        mkdir -p "$ES_CONF"
        cp -r "$ES_HOME/config/." "$ES_CONF/"
    fi
    mkdir -p "$ES_CONF/jvm.options.d"
    cat >"$ES_CONF/elasticsearch.yml" <<YAML
# Written by scripts/elasticsearch.sh on every start: edit the script, not this file.
cluster.name: market-local
node.name: market-local-1
network.host: 127.0.0.1
http.port: $MARKET_ES_PORT
transport.port: $MARKET_ES_TRANSPORT_PORT
discovery.type: single-node
path.data: $ES_BASE/data
path.logs: $ES_LOGS
# A dev/CI machine's disk is often fuller than the production watermarks allow.
cluster.routing.allocation.disk.threshold_enabled: false
action.destructive_requires_name: false
# Plain HTTP on loopback, no users: the zip's security module would otherwise turn on TLS.
xpack.security.enabled: false
YAML
    printf -- '-Xms%s\n-Xmx%s\n' "$MARKET_ES_HEAP" "$MARKET_ES_HEAP" >"$ES_CONF/jvm.options.d/heap.options"
    mkdir -p "$ES_BASE/data" "$ES_LOGS" "$ES_BASE/tmp"
    is_root && chown -R "$MARKET_SERVICE_USER:" "$ES_BASE"
    return 0
}

health() { curl -fsS --max-time 3 "$ES_URL/_cluster/health?wait_for_status=yellow&timeout=2s" 2>/dev/null; }
ready() { [[ "$(health)" =~ \"status\":\"(green|yellow)\" ]]; }

start() {
    install
    if pid_alive "$ES_PIDFILE" && ready; then
        log "already running on $ES_URL"
        return 0
    fi
    if pid_alive "$ES_PIDFILE"; then
        log "a node is starting already (pid $(cat "$ES_PIDFILE")): waiting for it"
    else
        if port_open "$MARKET_ES_PORT"; then
            die "port $MARKET_ES_PORT is taken by another process: stop it or choose another port (MARKET_ES_PORT=...)"
        fi
        log "starting Elasticsearch $MARKET_ES_VERSION on $ES_URL (heap $MARKET_ES_HEAP, data: $ES_BASE/data)"
        rm -f "$ES_PIDFILE"
        # -d daemonizes once the node has started; -p writes the pid file.
        as_service_user env -u JAVA_HOME ES_JAVA_HOME="$(java_home)" ES_PATH_CONF="$ES_CONF" \
            ES_TMPDIR="$ES_BASE/tmp" ES_JAVA_OPTS="${ES_JAVA_OPTS:-}" \
            "$ES_HOME/bin/elasticsearch" -d -p "$ES_PIDFILE" >"$ES_STDOUT" 2>&1 \
            || { tail_log "$ES_STDOUT"; tail_log "$ES_LOGS/market-local.log"; die "Elasticsearch did not start (logs: $ES_LOGS)"; }
    fi
    wait_until "$MARKET_START_TIMEOUT" "Elasticsearch" ready \
        || { tail_log "$ES_LOGS/market-local.log"; die "Elasticsearch cluster health is not yellow/green at $ES_URL after ${MARKET_START_TIMEOUT}s (logs: $ES_LOGS)"; }
    log "ready: $ES_URL ($(health | grep -Eo '"status":"[a-z]+"'))"
}

stop() {
    stop_pidfile Elasticsearch "$ES_PIDFILE" 60
}

status() {
    if pid_alive "$ES_PIDFILE" && ready; then
        echo "elasticsearch: running on $ES_URL"
    else
        echo "elasticsearch: stopped"
        return 1
    fi
}

case "${1:-}" in
    install | start | stop | status) "$1" ;;
    *) echo "usage: $0 install|start|stop|status" >&2; exit 2 ;;
esac
