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

find_bindir() {
    if command -v pg_config >/dev/null && [ -x "$(pg_config --bindir)/postgres" ]; then
        pg_config --bindir; return
    fi
    local d
    d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
    if [ -n "$d" ] && [ -x "$d/postgres" ]; then echo "$d"; return; fi
    if command -v postgres >/dev/null; then dirname "$(command -v postgres)"; return; fi
    cat >&2 <<'MSG'
PostgreSQL server binaries (initdb, pg_ctl, postgres) are missing.
Install them (Debian/Ubuntu: apt-get install postgresql), then run this again.
MSG
    exit 1
}
BIN=$(find_bindir)

# Run a command as the cluster's owner.
RUN_AS=()
if [ "$(id -u)" = 0 ]; then
    PGOS_USER="${IHOSPITAL_PG_OSUSER:-}"
    if [ -z "$PGOS_USER" ]; then
        if id postgres >/dev/null 2>&1; then PGOS_USER=postgres; else PGOS_USER=ihospital-pg; fi
    fi
    if ! id "$PGOS_USER" >/dev/null 2>&1; then
        useradd --system --no-create-home --shell /usr/sbin/nologin "$PGOS_USER"
    fi
    RUN_AS=(runuser -u "$PGOS_USER" --)
fi
as_owner() { "${RUN_AS[@]}" "$@"; }

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
