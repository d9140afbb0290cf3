#!/usr/bin/env bash
# The multi-node iHospital set-up on one machine, without Docker (issue 17):
# a PostgreSQL primary with WAL archiving and a streaming hot-standby replica,
# two Odoo nodes (prefork workers + gevent for websockets; crons on node 1 only;
# read-only routes on the replica), HAProxy in front and the HIS gateway as
# its own service. Every part is a background process with a pid file and a
# log in the cluster folder.
#
#   tools/cluster.sh start             start everything (loads the demo database on first start)
#   tools/cluster.sh stop              stop everything
#   tools/cluster.sh status            each part, the replication lag and the WAL archive
#   tools/cluster.sh kill-node N       SIGKILL Odoo node N (1 or 2) and all its processes
#   tools/cluster.sh start-node N      start Odoo node N again
#   tools/cluster.sh failover-node N   the drill: kill node N, time until HAProxy takes it out,
#                                      restart it, time until HAProxy takes it back
#   tools/cluster.sh kill-primary      the drill: stop the primary hard (immediate, as a crash)
#   tools/cluster.sh promote-replica   the primary is lost: fence it (immediate stop if it still
#                                      runs), promote the replica, restart the nodes on it
#   tools/cluster.sh rebuild-replica   after a promotion: a new replica of the new primary
#   tools/cluster.sh env               the ports and folders, as shell variables
# Options: --dir DIR (default .local/cluster), --db NAME (default ihospital),
#          --port-base N (the ports below become N, N+1, ...; for tests), --help.
# Default ports: HAProxy 8080 (stats 8404), node 1 http 8169 / gevent 8172,
# node 2 http 8269 / gevent 8272, PostgreSQL primary 5441 / replica 5442
# (unix sockets in DIR/run only), gateway HL7 2585 / JSON 2586.
# The last line of `start` is machine-readable:
#   cluster url=http://127.0.0.1:8080 db=ihospital nodes=2 replica=on
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
VENV="${VENV:-$ROOT/.venv}"
MODULES="${IHOSPITAL_MODULES:-ihospital_base,ihospital_staff,ihospital_public,ihospital_his,ihospital_survey,ihospital_staff_his,ihospital_regulation,ihospital_knowledge,ihospital_analysis}"
DB_SUPERUSER=ihospital

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; }
die() { echo "cluster: $*" >&2; exit 1; }

CMD="${1:-}"
[ -n "$CMD" ] || { usage >&2; exit 2; }
shift
DIR="" DB="" PORT_BASE="" NODE=""
while [ $# -gt 0 ]; do
    case "$1" in
        --dir) DIR=$2; shift 2 ;;
        --dir=*) DIR=${1#*=}; shift ;;
        --db) DB=$2; shift 2 ;;
        --db=*) DB=${1#*=}; shift ;;
        --port-base) PORT_BASE=$2; shift 2 ;;
        --port-base=*) PORT_BASE=${1#*=}; shift ;;
        -h | --help) usage; exit 0 ;;
        [12]) NODE=$1; shift ;;
        *) die "unknown argument $1 (see --help)" ;;
    esac
done
case "$CMD" in -h | --help | help) usage; exit 0 ;; esac
DIR=${DIR:-$ROOT/.local/cluster}
mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd)
RUNDIR="$DIR/run" LOGDIR="$DIR/log" ODOO_DATA="$DIR/odoo-data" ARCHIVE="$DIR/wal-archive"
STATE="$DIR/cluster.env"

# The state of the cluster (ports, which folder is the primary) lives in
# DIR/cluster.env, written by start and by the promotion.
if [ -f "$STATE" ]; then
    # shellcheck disable=SC1090
    source "$STATE"
    if [ -n "$PORT_BASE" ] && [ "$PORT_BASE" != "${C_PORT_BASE:-}" ]; then
        die "$DIR was made with --port-base ${C_PORT_BASE:-(default)}; stop it and remove $STATE to change ports"
    fi
    if [ -n "$DB" ] && [ "$DB" != "$C_DB" ]; then die "$DIR holds database $C_DB, not $DB"; fi
else
    C_DB=${DB:-ihospital}
    C_PORT_BASE=$PORT_BASE
    if [ -n "$PORT_BASE" ]; then
        b=$PORT_BASE
        C_FRONT=$b C_STATS=$((b + 1)) C_N1_HTTP=$((b + 2)) C_N1_GEVENT=$((b + 3)) C_N2_HTTP=$((b + 4))
        C_N2_GEVENT=$((b + 5)) C_PG1_PORT=$((b + 6)) C_PG2_PORT=$((b + 7)) C_GW_HL7=$((b + 8)) C_GW_JSON=$((b + 9))
    else
        C_FRONT=8080 C_STATS=8404 C_N1_HTTP=8169 C_N1_GEVENT=8172 C_N2_HTTP=8269 C_N2_GEVENT=8272
        C_PG1_PORT=5441 C_PG2_PORT=5442 C_GW_HL7=2585 C_GW_JSON=2586
    fi
    # the primary and the replica: folder and port (ports only name the socket files)
    C_PRIMARY_DIR="$DIR/pg-primary" C_PRIMARY_PORT=$C_PG1_PORT
    C_REPLICA_DIR="$DIR/pg-replica" C_REPLICA_PORT=$C_PG2_PORT
fi
save_state() {
    local v
    : > "$STATE.new"
    for v in C_DB C_PORT_BASE C_FRONT C_STATS C_N1_HTTP C_N1_GEVENT C_N2_HTTP C_N2_GEVENT C_PG1_PORT C_PG2_PORT \
        C_GW_HL7 C_GW_JSON C_PRIMARY_DIR C_PRIMARY_PORT C_REPLICA_DIR C_REPLICA_PORT; do
        printf '%s=%q\n' "$v" "${!v}" >> "$STATE.new"
    done
    mv "$STATE.new" "$STATE"
}

# ---------------------------------------------------------------- PostgreSQL
# shellcheck source=tools/pg-lib.sh
source "$ROOT/tools/pg-lib.sh"
psql_at() { # PORT psql-args...: on the cluster's socket, as the superuser
    local port=$1
    shift
    "$BIN/psql" -X -q -h "$RUNDIR" -p "$port" -U "$DB_SUPERUSER" "$@"
}
pg_running() { [ -f "$1/PG_VERSION" ] && as_pg "$BIN/pg_ctl" -D "$1" status >/dev/null 2>&1; }
pg_start() { # DATADIR NAME
    pg_running "$1" && return 0
    as_pg "$BIN/pg_ctl" -D "$1" -l "$LOGDIR/$2.log" -w -t 120 start >/dev/null || {
        echo "PostgreSQL ($2) did not start; its log says:" >&2
        tail -20 "$LOGDIR/$2.log" >&2
        exit 1
    }
}
pg_stop() { # DATADIR [MODE]
    if pg_running "$1"; then as_pg "$BIN/pg_ctl" -D "$1" -m "${2:-fast}" -w -t 120 stop >/dev/null; fi
}

prepare_dirs() {
    mkdir -p "$RUNDIR" "$LOGDIR" "$ARCHIVE" "$DIR/backups" "$ODOO_DATA"
    if [ ${#RUN_AS[@]} -gt 0 ]; then
        # the server user must reach the folder: traverse (x) on the parents
        local d=$DIR
        while [ "$d" != / ]; do
            as_pg test -x "$d" || chmod o+x "$d"
            d=$(dirname "$d")
        done
        chown "$PGOS_USER" "$RUNDIR" "$ARCHIVE" "$LOGDIR"
        chmod 755 "$RUNDIR"
        chmod 700 "$ARCHIVE"
        touch "$LOGDIR/pg-primary.log" "$LOGDIR/pg-replica.log"
        chown "$PGOS_USER" "$LOGDIR/pg-primary.log" "$LOGDIR/pg-replica.log"
    fi
}

# Copy a WAL segment into the archive durably: written under a temporary name,
# fsynced, renamed, the folder fsynced. A segment already archived with the
# same content counts as success (after a crash PostgreSQL may ask again).
archive_command() {
    local a=$ARCHIVE
    echo "if [ -f '$a/%f' ]; then cmp -s '%p' '$a/%f'; else cp '%p' '$a/%f.part' && sync '$a/%f.part' && mv '$a/%f.part' '$a/%f' && sync '$a'; fi"
}

init_primary() {
    local data=$C_PRIMARY_DIR
    [ -f "$data/PG_VERSION" ] && return 0
    echo "Creating the primary PostgreSQL in $data ..." >&2
    mkdir -p "$data"
    [ ${#RUN_AS[@]} -eq 0 ] || chown "$PGOS_USER" "$data"
    chmod 700 "$data"
    as_pg "$BIN/initdb" -D "$data" -U "$DB_SUPERUSER" --auth=trust --encoding=UTF8 --locale=C.UTF-8 >/dev/null
    as_pg tee -a "$data/postgresql.conf" >/dev/null <<CONF
# iHospital cluster primary (tools/cluster.sh): unix socket only.
listen_addresses = ''
unix_socket_directories = '$RUNDIR'
port = $C_PRIMARY_PORT
max_connections = 400
shared_buffers = 256MB
# Durability: every commit is flushed to disk before Odoo hears "done"
# (never turn these off here; only the throw-away test database does).
fsync = on
synchronous_commit = on
full_page_writes = on
# Streaming replication to the hot standby (asynchronous: the replica may lag
# by the last milliseconds of commits; that is the RPO, measured by the tests).
wal_level = replica
max_wal_senders = 10
max_replication_slots = 10
wal_keep_size = 1GB
hot_standby = on
hot_standby_feedback = on
# WAL archiving for point-in-time recovery: a segment is archived when full or
# after archive_timeout seconds, so the archive is never more than a minute behind.
archive_mode = on
archive_command = '$(archive_command | sed "s/'/''/g")'
archive_timeout = 60
CONF
}

load_database() {
    local port=$C_PRIMARY_PORT seed="${C_DB}_cluster_seed"
    if [ "$(psql_at "$port" -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$C_DB'")" = 1 ]; then
        return 0
    fi
    echo "Loading the demo database into $C_DB (from ihospital_test_template of the private cluster) ..." >&2
    # shellcheck source=tools/odoo-env.sh
    (
        source "$ROOT/tools/odoo-env.sh"
        "$ROOT/tools/pg.sh" start
        fresh_db_from_template ihospital_test_template "$seed" "$MODULES" >&2
        "$BIN/pg_dump" -h "$PGSOCK" -p "${IHOSPITAL_PGPORT:-5432}" -U "$DB_SUPERUSER" -Fc -f "$DIR/seed.dump" "$seed"
        mkdir -p "$ODOO_DATA/filestore"
        rm -rf "${ODOO_DATA:?}/filestore/$C_DB"
        if [ -d "$DATA_DIR/filestore/$seed" ]; then
            cp -a "$DATA_DIR/filestore/$seed" "$ODOO_DATA/filestore/$C_DB"
        fi
        psql_cmd -d postgres -qc "DROP DATABASE IF EXISTS \"$seed\" WITH (FORCE)"
        rm -rf "$DATA_DIR/filestore/$seed"
    )
    psql_at "$port" -d postgres -c "CREATE DATABASE \"$C_DB\""
    "$BIN/pg_restore" -h "$RUNDIR" -p "$port" -U "$DB_SUPERUSER" -d "$C_DB" --no-owner -j 2 "$DIR/seed.dump"
    rm -f "$DIR/seed.dump"
    psql_at "$port" -d "$C_DB" -c "ANALYZE" >/dev/null
}

make_replica() { # from the primary into C_REPLICA_DIR
    local data=$C_REPLICA_DIR
    [ -f "$data/PG_VERSION" ] && return 0
    echo "Creating the streaming replica in $data (pg_basebackup -R) ..." >&2
    mkdir -p "$data"
    [ ${#RUN_AS[@]} -eq 0 ] || chown "$PGOS_USER" "$data"
    chmod 700 "$data"
    as_pg "$BIN/pg_basebackup" -h "$RUNDIR" -p "$C_PRIMARY_PORT" -U "$DB_SUPERUSER" -D "$data" -R -X stream -c fast
    as_pg tee -a "$data/postgresql.auto.conf" >/dev/null <<CONF
# the hot standby of tools/cluster.sh
port = $C_REPLICA_PORT
hot_standby = on
hot_standby_feedback = on
CONF
    touch "$LOGDIR/$(basename "$data").log"
    [ ${#RUN_AS[@]} -eq 0 ] || chown "$PGOS_USER" "$LOGDIR/$(basename "$data").log"
}

replica_on() { [ -n "$C_REPLICA_DIR" ] && [ -f "$C_REPLICA_DIR/PG_VERSION" ]; }

# ---------------------------------------------------------------- processes
pidfile() { echo "$RUNDIR/$1.pid"; }
alive() { local f; f=$(pidfile "$1"); [ -f "$f" ] && kill -0 "$(cat "$f")" 2>/dev/null; }
# Start a background service in its own session (process group = its pid).
spawn() { # NAME LOGFILE cmd...
    local name=$1 log=$2
    shift 2
    setsid "$@" >> "$log" 2>&1 < /dev/null &
    echo $! > "$(pidfile "$name")"
}
stop_service() { # NAME [SIGNAL]: the whole process group, then wait
    local f pid i
    f=$(pidfile "$1")
    [ -f "$f" ] || return 0
    pid=$(cat "$f")
    if kill -0 "$pid" 2>/dev/null; then
        kill "-${2:-TERM}" -- "-$pid" 2>/dev/null || kill "-${2:-TERM}" "$pid" 2>/dev/null || true
        for i in $(seq 1 100); do
            kill -0 "$pid" 2>/dev/null || pgrep -g "$pid" >/dev/null 2>&1 || break
            sleep 0.2
        done
        kill -KILL -- "-$pid" 2>/dev/null || true
    fi
    rm -f "$f"
}
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }
http_ok() { curl -fsS -o /dev/null --max-time 5 "$1" 2>/dev/null; }
wait_http() { # URL SECONDS WHAT
    local i
    for i in $(seq 1 $(($2 * 4))); do
        http_ok "$1" && return 0
        sleep 0.25
    done
    die "$3 did not answer $1 within $2 s (see $LOGDIR)"
}

node_ports() { # N -> "http gevent"
    if [ "$1" = 1 ]; then echo "$C_N1_HTTP $C_N1_GEVENT"; else echo "$C_N2_HTTP $C_N2_GEVENT"; fi
}
start_node() {
    local n=$1 http gevent crons replica_args=()
    read -r http gevent <<< "$(node_ports "$n")"
    alive "node$n" && return 0
    # the crons run on node 1 only (Odoo's cron locking would make a second cron node safe, but useless)
    if [ "$n" = 1 ]; then crons=2; else crons=0; fi
    if replica_on; then replica_args=("--db_replica_host=$RUNDIR" "--db_replica_port=$C_REPLICA_PORT"); fi
    spawn "node$n" "$LOGDIR/node$n.log" "$VENV/bin/odoo" -c "$ROOT/odoo.conf" \
        "--addons-path=$ROOT/addons" "--data-dir=$ODOO_DATA" \
        "--db_host=$RUNDIR" "--db_port=$C_PRIMARY_PORT" "${replica_args[@]}" \
        -d "$C_DB" "--db-filter=^${C_DB}\$" --no-database-list \
        --workers=2 "--max-cron-threads=$crons" \
        --http-interface=127.0.0.1 "--http-port=$http" "--gevent-port=$gevent" --proxy-mode
}
wait_node() {
    local n=$1 http gevent
    read -r http gevent <<< "$(node_ports "$n")"
    wait_http "http://127.0.0.1:$http/web/health" 120 "Odoo node $n"
    wait_http "http://127.0.0.1:$gevent/web/health" 60 "Odoo node $n (gevent)"
    # load the registry in the workers before traffic comes
    curl -fsS -o /dev/null --max-time 120 "http://127.0.0.1:$http/web/login" || true
    curl -fsS -o /dev/null --max-time 120 "http://127.0.0.1:$http/web/login" || true
}

write_haproxy_cfg() {
    "$VENV/bin/python" "$ROOT/tools/render_haproxy.py" "$DIR/haproxy.cfg" \
        "MAXCONN=$(( $(ulimit -n) > 712 ? ($(ulimit -n) - 200) / 2 : 256 ))" RUN="$RUNDIR" \
        BIND=127.0.0.1 FRONT_PORT="$C_FRONT" STATS_BIND=127.0.0.1 STATS_PORT="$C_STATS" \
        NODE1_HOST=127.0.0.1 NODE1_HTTP="$C_N1_HTTP" NODE1_GEVENT="$C_N1_GEVENT" \
        NODE2_HOST=127.0.0.1 NODE2_HTTP="$C_N2_HTTP" NODE2_GEVENT="$C_N2_GEVENT" SERVER_OPTIONS=""
}
start_haproxy() {
    alive haproxy && return 0
    local haproxy
    haproxy=$(command -v haproxy || echo /usr/sbin/haproxy)
    [ -x "$haproxy" ] || die "HAProxy is missing (Debian: apt-get install haproxy)"
    write_haproxy_cfg
    "$haproxy" -c -q -f "$DIR/haproxy.cfg" || die "HAProxy refuses $DIR/haproxy.cfg"
    spawn haproxy "$LOGDIR/haproxy.log" "$haproxy" -db -f "$DIR/haproxy.cfg"
    wait_http "http://127.0.0.1:$C_STATS/" 20 "HAProxy"
}

start_gateway() {
    alive gateway && return 0
    mkdir -p "$DIR/gateway"
    "$VENV/bin/python" "$ROOT/tools/gateway_key.py" --db "$C_DB" --db-host "$RUNDIR" --db-port "$C_PRIMARY_PORT" \
        --data-dir "$ODOO_DATA" --login his-gateway --out "$DIR/gateway/api-key"
    cat > "$DIR/gateway.toml" <<TOML
# The HIS gateway of tools/cluster.sh: it posts to Odoo through HAProxy.
[odoo]
url = "http://127.0.0.1:$C_FRONT"
db = "$C_DB"
login = "his-gateway"
api_key_file = "gateway/api-key"
timeout = 30

[spool]
path = "gateway/spool.sqlite3"

[limits]
max_message_bytes = 1048576
read_timeout = 30
max_connections = 200

[[endpoint]]
code = "gz-his"
protocol = "hl7"
listen = "127.0.0.1:$C_GW_HL7"
charset = "utf-8"

[[endpoint]]
code = "gz-json"
protocol = "json"
listen = "127.0.0.1:$C_GW_JSON"
charset = "gbk"
TOML
    spawn gateway "$LOGDIR/gateway.log" "$VENV/bin/ihospital-gateway" run --config "$DIR/gateway.toml"
    local i
    for i in $(seq 1 80); do
        (echo > "/dev/tcp/127.0.0.1/$C_GW_HL7") 2>/dev/null && return 0
        alive gateway || break
        sleep 0.25
    done
    die "the HIS gateway did not listen on $C_GW_HL7 (see $LOGDIR/gateway.log)"
}

raise_open_files() {
    # 2,000 websockets and more need far more than the usual 1,024 open files
    local want=65536 hard
    hard=$(ulimit -Hn)
    if [ "$hard" != unlimited ] && [ "$hard" -lt "$want" ]; then want=$hard; fi
    ulimit -n "$want" 2>/dev/null || true
}

# ---------------------------------------------------------------- commands
cmd_start() {
    local t0=$SECONDS
    [ -x "$VENV/bin/odoo" ] || die "no Odoo in $VENV: run make setup (make cluster does it)"
    command -v curl >/dev/null || die "curl is missing (Debian: apt-get install curl)"
    raise_open_files
    prepare_dirs
    save_state
    init_primary
    pg_start "$C_PRIMARY_DIR" "$(basename "$C_PRIMARY_DIR")"
    load_database
    if [ -n "$C_REPLICA_DIR" ]; then
        make_replica
        pg_start "$C_REPLICA_DIR" "$(basename "$C_REPLICA_DIR")"
    fi
    start_node 1
    start_node 2
    wait_node 1
    wait_node 2
    start_haproxy
    start_gateway
    echo "Open files limit: $(ulimit -n) (raised for websockets)"
    echo "Started in $((SECONDS - t0)) s. Folder: $DIR"
    echo "  Odoo through HAProxy: http://127.0.0.1:$C_FRONT (HAProxy stats: http://127.0.0.1:$C_STATS/)"
    echo "  node 1: http://127.0.0.1:$C_N1_HTTP (gevent $C_N1_GEVENT, crons)   node 2: http://127.0.0.1:$C_N2_HTTP (gevent $C_N2_GEVENT)"
    echo "  PostgreSQL: primary socket $RUNDIR port $C_PRIMARY_PORT, replica port $C_REPLICA_PORT"
    echo "  HIS gateway: HL7 127.0.0.1:$C_GW_HL7, JSON 127.0.0.1:$C_GW_JSON"
    echo "cluster url=http://127.0.0.1:$C_FRONT db=$C_DB nodes=2 replica=$(replica_on && echo on || echo off)"
}

cmd_stop() {
    stop_service gateway
    stop_service haproxy
    stop_service node1
    stop_service node2
    local d
    for d in "$DIR/pg-replica" "$DIR/pg-primary"; do pg_stop "$d"; done
    echo "cluster stopped ($DIR)"
}

cmd_status() {
    local name rc=0 lsn
    for name in node1 node2 haproxy gateway; do
        if alive "$name"; then echo "$name: running (pid $(cat "$(pidfile "$name")"))"; else echo "$name: stopped"; rc=3; fi
    done
    if pg_running "$C_PRIMARY_DIR"; then
        echo "primary: running ($C_PRIMARY_DIR, port $C_PRIMARY_PORT)"
        psql_at "$C_PRIMARY_PORT" -d postgres -tAc "SELECT 'archive: archived=' || archived_count || ' last=' ||
            coalesce(last_archived_wal, '-') || ' failed=' || failed_count FROM pg_stat_archiver"
        psql_at "$C_PRIMARY_PORT" -d postgres -tAc "SELECT 'replication: ' || application_name || ' ' || state ||
            ' replay_lag=' || coalesce(replay_lag::text, '0') FROM pg_stat_replication"
    else
        echo "primary: stopped"; rc=3
    fi
    if replica_on; then
        if pg_running "$C_REPLICA_DIR"; then
            lsn=$(psql_at "$C_REPLICA_PORT" -d postgres -tAc "SELECT pg_is_in_recovery()::text || ' replayed=' ||
                coalesce(pg_last_wal_replay_lsn()::text, '-')")
            echo "replica: running ($C_REPLICA_DIR, port $C_REPLICA_PORT, in_recovery=$lsn)"
        else
            echo "replica: stopped"; rc=3
        fi
    else
        echo "replica: none (after a promotion: tools/cluster.sh rebuild-replica)"
    fi
    if http_ok "http://127.0.0.1:$C_STATS/;csv"; then
        curl -fsS --max-time 5 "http://127.0.0.1:$C_STATS/;csv" |
            awk -F, '$1 ~ /^odoo_/ && $2 ~ /^node/ {print "haproxy " $1 "/" $2 ": " $18 " requests=" $8}'
    fi
    return $rc
}

haproxy_server_status() { # BACKEND SERVER -> UP / DOWN / ...
    curl -fsS --max-time 5 "http://127.0.0.1:$C_STATS/;csv" |
        awk -F, -v b="$1" -v s="$2" '$1 == b && $2 == s {print $18}'
}
wait_server_status() { # SERVER WANT SECONDS
    local i
    for i in $(seq 1 $(($3 * 10))); do
        case "$(haproxy_server_status odoo_http "$1")" in "$2"*) return 0 ;; esac
        sleep 0.1
    done
    die "HAProxy did not mark $1 $2 within $3 s"
}

cmd_failover_node() {
    local n=${NODE:?give the node: 1 or 2} t0 t1 t2
    t0=$(date +%s.%N)
    stop_service "node$n" KILL
    wait_server_status "node$n" DOWN 30
    t1=$(date +%s.%N)
    start_node "$n"
    wait_node "$n"
    wait_server_status "node$n" UP 60
    t2=$(date +%s.%N)
    echo "failover node=$n out_seconds=$(elapsed "$t0" "$t1") back_seconds=$(elapsed "$t1" "$t2")"
}

cmd_promote_replica() {
    local t0 i
    replica_on || die "there is no replica to promote"
    t0=$(date +%s.%N)
    # fence the old primary: two primaries must never take writes
    if pg_running "$C_PRIMARY_DIR"; then
        echo "The old primary still runs: stopping it (immediate) before the promotion." >&2
        pg_stop "$C_PRIMARY_DIR" immediate
    fi
    pg_running "$C_REPLICA_DIR" || pg_start "$C_REPLICA_DIR" "$(basename "$C_REPLICA_DIR")"
    as_pg "$BIN/pg_ctl" -D "$C_REPLICA_DIR" -w -t 120 promote >/dev/null
    for i in $(seq 1 600); do
        [ "$(psql_at "$C_REPLICA_PORT" -d postgres -tAc 'SELECT pg_is_in_recovery()')" = f ] && break
        sleep 0.1
    done
    # the old primary's folder is stale from now on: it may only come back as a new replica
    local old_dir=$C_PRIMARY_DIR old_port=$C_PRIMARY_PORT
    C_PRIMARY_DIR=$C_REPLICA_DIR C_PRIMARY_PORT=$C_REPLICA_PORT
    C_REPLICA_DIR="" C_REPLICA_PORT=""
    save_state
    echo "$old_dir $old_port" > "$DIR/old-primary"
    # the nodes keep their database connections in pools: restart them on the new
    # primary (one after the other, so that HAProxy always has a node)
    for i in 1 2; do
        stop_service "node$i"
        start_node "$i"
        wait_node "$i"
    done
    wait_server_status node1 UP 60
    wait_server_status node2 UP 60
    echo "promote primary=$C_PRIMARY_DIR rto_seconds=$(elapsed "$t0" "$(date +%s.%N)")"
}

cmd_rebuild_replica() {
    [ -z "$C_REPLICA_DIR" ] || die "there is a replica already ($C_REPLICA_DIR)"
    [ -f "$DIR/old-primary" ] || die "no old primary folder to reuse"
    local old_dir old_port i
    read -r old_dir old_port < "$DIR/old-primary"
    pg_stop "$old_dir" immediate
    rm -rf "$old_dir"
    C_REPLICA_DIR=$old_dir C_REPLICA_PORT=$old_port
    make_replica
    pg_start "$C_REPLICA_DIR" "$(basename "$C_REPLICA_DIR")"
    save_state
    rm -f "$DIR/old-primary"
    for i in 1 2; do
        stop_service "node$i"
        start_node "$i"
        wait_node "$i"
    done
    echo "replica rebuilt in $C_REPLICA_DIR (port $C_REPLICA_PORT); the nodes read from it again"
}

case "$CMD" in
    start) cmd_start ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    kill-node) stop_service "node${NODE:?give the node: 1 or 2}" KILL ;;
    start-node) start_node "${NODE:?give the node: 1 or 2}"; wait_node "$NODE" ;;
    failover-node) cmd_failover_node ;;
    kill-primary) pg_stop "$C_PRIMARY_DIR" immediate ;;
    promote-replica) cmd_promote_replica ;;
    rebuild-replica) cmd_rebuild_replica ;;
    env) cat "$STATE" ;;
    *) usage >&2; exit 2 ;;
esac
