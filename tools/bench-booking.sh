#!/usr/bin/env bash
# make bench-booking: a fresh copy of the demo database, then bench/bench_booking.py.
set -euo pipefail
source "$(dirname "$0")/odoo-env.sh"
MODULES=$1
shift
DB=ihospital_bench
fresh_db_from_template ihospital_test_template "$DB" "$MODULES"
cd "$ROOT"
status=0
"$VENV/bin/python" bench/bench_booking.py --db "$DB" --db-host "$PGSOCK" --data-dir "$DATA_DIR" "$@" || status=$?
psql_cmd -d postgres -qc "DROP DATABASE IF EXISTS \"$DB\" WITH (FORCE)"
rm -rf "$DATA_DIR/filestore/$DB"
exit $status
