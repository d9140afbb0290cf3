#!/usr/bin/env bash
# make bench-scale: the mixed load of a hospital's terminals (locust), on one
# Odoo node (the baseline) and on the multi-node set-up. See bench/README.md.
set -euo pipefail
source "$(dirname "$0")/odoo-env.sh"

usage() {
    cat <<'USAGE'
Usage: tools/bench-scale.sh MODULES [options]
  (make bench-scale BENCH_ARGS="...")

Runs bench/scale/locustfile.py headless, first against one Odoo node that this
script starts on a fresh copy of the demo database (--workers=2, http 8569,
gevent 8572), then with the same users and duration against the multi-node
set-up, while the queue watchers (websockets) follow the waiting-room queues.
Prints a line per kind of request, the cost per request and per terminal, and
as its last line:
  scale users=<n> rps=<x> p95_ms=<x> errors=<n> queue_watchers=<n> queue_p95_ms=<x> baseline_rps=<x>

Options:
  --cluster          start the multi-node set-up with tools/cluster.sh (stopped at the end)
                     (the default when tools/cluster.sh exists)
  --url URL --db DB  a multi-node set-up already running (its front, e.g. http://127.0.0.1:8080)
  --single           the single node only (the last line then gives its run twice)
  --users N          simulated terminals (default 300: what one node sustained with p95 < 2 s)
  --spawn-rate R     new users a second (default 5; each portal or staff user signs in once)
  --duration S       seconds of each run (default 180)
  --watchers N       queue watchers during the multi-node run (default 2000)
  --step U1,U2,...   instead: step the users on the single node (runs of --duration)
  --probe N          requests of each kind in the cost probe (default 40)
  --help             this text

Locust lives in its own virtual environment, .local/bench-scale-venv, made
from bench/scale/requirements.txt (pinned) the first time: never in .venv,
whose gevent is Odoo's.
USAGE
}

MODULES=${1:-}
if [ -z "$MODULES" ] || [ "$MODULES" = --help ] || [ "$MODULES" = -h ]; then
    usage
    [ -n "$MODULES" ] && exit 0 || exit 2
fi
shift
MODE=""
URL="" DB_MULTI=""
DRIVER_ARGS=()
while [ $# -gt 0 ]; do
    case "$1" in
        --help | -h) usage; exit 0 ;;
        --cluster) MODE=cluster ;;
        --single) MODE=single ;;
        --url) MODE=url; URL=$2; shift ;;
        --db) DB_MULTI=$2; shift ;;
        --users | --spawn-rate | --duration | --watchers | --step | --probe) DRIVER_ARGS+=("$1" "$2"); shift ;;
        *) echo "Unknown option $1 (see --help)." >&2; exit 2 ;;
    esac
    shift
done
if [ -z "$MODE" ]; then
    if [ -x "$ROOT/tools/cluster.sh" ]; then MODE=cluster; else MODE=single; fi
fi
if [ "$MODE" = url ] && [ -z "$DB_MULTI" ]; then
    echo "--url needs --db (the multi-node set-up's database)." >&2
    exit 2
fi

# locust's own virtual environment, made again when the pins change
LVENV="$ROOT/.local/bench-scale-venv"
want=$(sha256sum "$ROOT/bench/scale/requirements.txt" | cut -d' ' -f1)
if [ ! -x "$LVENV/bin/locust" ] || [ "$(cat "$LVENV/.stamp" 2>/dev/null)" != "$want" ]; then
    echo "Setting up $LVENV (locust) from bench/scale/requirements.txt ..." >&2
    rm -rf "$LVENV"
    python3 -m venv "$LVENV"
    "$LVENV/bin/python" -m pip --disable-pip-version-check -q install -r "$ROOT/bench/scale/requirements.txt"
    echo "$want" > "$LVENV/.stamp"
fi

# 2,000 websockets (and Odoo's sockets for them) need more than the usual 1,024 open files
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt 16384 ]; then
    ulimit -n 16384 2>/dev/null || echo "Warning: could not raise the open-files limit (ulimit -n $(ulimit -n)): 2,000 watchers may fail." >&2
fi

DB=ihospital_scale
WORK="$ROOT/.local/bench-scale"
rm -rf "$WORK"
mkdir -p "$WORK"
ODOO_PID="" CLUSTER_STARTED=""
cleanup() {
    if [ -n "$ODOO_PID" ]; then
        kill "$ODOO_PID" 2>/dev/null || true
        wait "$ODOO_PID" 2>/dev/null || true
    fi
    if [ -n "$CLUSTER_STARTED" ]; then
        "$ROOT/tools/cluster.sh" stop >&2 || true
    fi
    psql_cmd -d postgres -qc "DROP DATABASE IF EXISTS \"$DB\" WITH (FORCE)" 2>/dev/null || true
    rm -rf "$DATA_DIR/filestore/$DB"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

fresh_db_from_template ihospital_test_template "$DB" "$MODULES"
psql_cmd -d "$DB" -qc "VACUUM ANALYZE" >/dev/null

# the baseline: one node as an operator starts it (two HTTP workers and the gevent worker)
"$VENV/bin/odoo" "${ODOO_ARGS[@]}" -d "$DB" --db-filter="^$DB\$" --workers=2 --http-port=8569 --gevent-port=8572 \
    --http-interface=127.0.0.1 --max-cron-threads=1 --log-level=warn > "$WORK/odoo-baseline.log" 2>&1 &
ODOO_PID=$!
for _i in $(seq 120); do
    curl -sf -o /dev/null http://127.0.0.1:8569/web/health && break
    kill -0 "$ODOO_PID" 2>/dev/null || { echo "Odoo did not start: see $WORK/odoo-baseline.log" >&2; exit 1; }
    sleep 1
done
curl -sf -o /dev/null http://127.0.0.1:8569/web/health || { echo "Odoo did not answer on 8569: see $WORK/odoo-baseline.log" >&2; exit 1; }
PG_PID=$(head -1 "$ROOT/.local/pgdata/postmaster.pid")

RUN=("$LVENV/bin/python" "$ROOT/bench/scale/run_scale.py")
"${RUN[@]}" baseline --baseline-url http://127.0.0.1:8569 --baseline-db "$DB" \
    --odoo-pid "$ODOO_PID" --pg-pid "$PG_PID" --psql "$ROOT/tools/pg.sh psql" \
    --work "$WORK" "${DRIVER_ARGS[@]}"
for arg in "${DRIVER_ARGS[@]}"; do [ "$arg" = --step ] && exit 0; done

# the single node makes way for the multi-node set-up
kill "$ODOO_PID"
wait "$ODOO_PID" 2>/dev/null || true
ODOO_PID=""
psql_cmd -d postgres -qc "DROP DATABASE IF EXISTS \"$DB\" WITH (FORCE)"

MULTI_ARGS=()
case "$MODE" in
    cluster)
        "$ROOT/tools/cluster.sh" start | tee "$WORK/cluster-start.log" >&2
        CLUSTER_STARTED=1
        line=$(grep '^cluster url=' "$WORK/cluster-start.log" | tail -1)
        [ -n "$line" ] || { echo "tools/cluster.sh start printed no 'cluster url=... db=...' line." >&2; exit 1; }
        URL=$(sed -E 's/.*url=([^ ]+).*/\1/' <<< "$line")
        DB_MULTI=$(sed -E 's/.*db=([^ ]+).*/\1/' <<< "$line")
        MULTI_ARGS=(--url "$URL" --db "$DB_MULTI")
        # a called patient for bench/queue_watchers.py's recalls, written
        # straight into the set-up's primary (as the live queue's benchmark does)
        if [ -f "$ROOT/bench/queue_watchers.py" ]; then
            eval "$("$ROOT/tools/cluster.sh" env)"
            CDIR="$ROOT/.local/cluster"
            seed=$("$VENV/bin/odoo" shell -c "$ROOT/odoo.conf" "--addons-path=$ROOT/addons" \
                "--data-dir=$CDIR/odoo-data" "--db_host=$CDIR/run" "--db_port=$C_PRIMARY_PORT" \
                -d "$DB_MULTI" --no-http --log-level=warn < "$ROOT/bench/scale/seed_queue.py" | grep '^SEED ' || true)
            if [ -n "$seed" ]; then
                MULTI_ARGS+=(--queue-department "$(sed -E 's/.*"department": ([0-9]+).*/\1/' <<< "$seed")"
                    --queue-schedule "$(sed -E 's/.*"schedule": ([0-9]+).*/\1/' <<< "$seed")")
            else
                echo "Could not seed a called patient in $DB_MULTI: the queue watchers use bench/scale/watchers.py." >&2
            fi
        fi
        ;;
    url) MULTI_ARGS=(--url "$URL" --db "$DB_MULTI") ;;
    single) ;;
esac
"${RUN[@]}" multi --work "$WORK" "${MULTI_ARGS[@]}" "${DRIVER_ARGS[@]}"
