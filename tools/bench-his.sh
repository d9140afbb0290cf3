#!/usr/bin/env bash
# make bench-his: a fresh copy of the demo database, then bench/bench_his.py.
set -euo pipefail
source "$(dirname "$0")/odoo-env.sh"
MODULES=$1
shift
DB=ihospital_bench_his
fresh_db_from_template ihospital_test_template "$DB" "$MODULES"
cd "$ROOT"
status=0
"$VENV/bin/python" bench/bench_his.py --db "$DB" --db-host "$PGSOCK" "$@" || status=$?
psql_cmd -d postgres -qc "DROP DATABASE IF EXISTS \"$DB\" WITH (FORCE)"
rm -rf "$DATA_DIR/filestore/$DB"
exit $status
