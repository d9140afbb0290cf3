#!/usr/bin/env bash
# A private PostgreSQL cluster that belongs to this checkout.
#   tools/pg.sh start | stop | status | psql [args] | socket
# Data lives in .local/pgdata, the socket in .local/pgrun (no TCP port, so
# several checkouts never collide). PostgreSQL refuses to run as root: when
# we are root the server runs as an unprivileged user (postgres, or a system
# user 'ihospital-pg' created for it).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
LOCAL="$ROOT/.local"
DATA="$LOCAL/pgdata"
RUN="$LOCAL/pgrun"
LOG="$LOCAL/postgresql.log"
PGPORT="${IHOSPITAL_PGPORT:-5432}"   # names the socket file only
DB_SUPERUSER=ihospital

# shellcheck source=tools/pg-lib.sh
source "$ROOT/tools/pg-lib.sh"
as_owner() { as_pg "$@"; }

prepare_dirs() {
    mkdir -p "$LOCAL"
    if [ ${#RUN_AS[@]} -gt 0 ]; then
        # The server user must be able to reach the checkout: grant traverse
        # (x, not read) on the parent folders where it is missing.
        local d="$ROOT"
        while [ "$d" != / ]; do
            if ! as_owner test -x "$d"; then chmod o+x "$d"; fi
            d=$(dirname "$d")
        done
        mkdir -p "$DATA" "$RUN"
        chown "$PGOS_USER" "$DATA" "$RUN"
        chmod 700 "$DATA"; chmod 755 "$RUN"
        touch "$LOG"; chown "$PGOS_USER" "$LOG"
    else
        mkdir -p "$DATA" "$RUN"; chmod 700 "$DATA"
    fi
}

is_running() { as_owner "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; }

start() {
    prepare_dirs
    if [ ! -f "$DATA/PG_VERSION" ]; then
        echo "Creating the private PostgreSQL cluster in $DATA ..." >&2
        as_owner "$BIN/initdb" -D "$DATA" -U "$DB_SUPERUSER" --auth=trust \
            --encoding=UTF8 --locale=C.UTF-8 >/dev/null
        cat >> "$DATA/postgresql.conf" <<CONF
# iHospital development cluster: unix socket only. Commits are durable
# (synchronous); only the test database trades that for speed (tools/test.sh).
listen_addresses = ''
unix_socket_directories = '$RUN'
port = $PGPORT
max_connections = 300
shared_buffers = 256MB
CONF
    fi
    # clusters made before durability was the rule had it off for everything
    local reload=""
    if grep -q '^synchronous_commit = off$' "$DATA/postgresql.conf"; then
        sed -i '/^synchronous_commit = off$/d' "$DATA/postgresql.conf"
        reload=1
    fi
    if [ -n "$reload" ] && is_running; then as_owner "$BIN/pg_ctl" -D "$DATA" reload >/dev/null; fi
    if is_running; then return 0; fi
    as_owner "$BIN/pg_ctl" -D "$DATA" -l "$LOG" -w -t 60 start >/dev/null || {
        echo "PostgreSQL did not start; its log says:" >&2; tail -20 "$LOG" >&2; exit 1; }
}

stop() {
    if [ -f "$DATA/PG_VERSION" ] && is_running; then
        as_owner "$BIN/pg_ctl" -D "$DATA" -m fast -w stop >/dev/null
    fi
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    status) if is_running; then echo running; else echo stopped; exit 3; fi ;;
    socket) echo "$RUN" ;;
    psql) shift; start; "$BIN/psql" -h "$RUN" -p "$PGPORT" -U "$DB_SUPERUSER" "$@" ;;
    *) echo "usage: $0 start|stop|status|socket|psql [args]" >&2; exit 2 ;;
esac
