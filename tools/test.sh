#!/usr/bin/env bash
# Build a fresh test database with every ihospital addon and its demo data,
# then run every test of the suite in one pytest run.
set -euo pipefail
source "$(dirname "$0")/odoo-env.sh"
DB=$1 MODULES=$2
shift 2

missing=()
chrome=""
for c in chromium chromium-browser google-chrome google-chrome-stable; do
    if command -v "$c" >/dev/null; then chrome=$c; break; fi
done
[ -n "$chrome" ] || missing+=("a Chromium browser for the HttpCase tours (Debian: apt-get install chromium)")
command -v wkhtmltopdf >/dev/null ||
    missing+=("wkhtmltopdf for the printable reports (Debian: apt-get install wkhtmltopdf)")
"$VENV/bin/python" -c 'import websocket' 2>/dev/null ||
    missing+=("the websocket-client package in .venv (make clean, then make test)")
if [ ${#missing[@]} -gt 0 ]; then
    printf 'Cannot run the tests: missing %s\n' "${missing[@]}" >&2
    exit 1
fi

fresh_db_from_template "${DB}_template" "$DB" "$MODULES"
# The test database alone may lose its last commits in a crash: it is thrown away.
psql_cmd -d postgres -qc "ALTER DATABASE \"$DB\" SET synchronous_commit = off"

cd "$ROOT"
export IHOSPITAL_TEST_DB="$DB" IHOSPITAL_PGSOCK="$PGSOCK" IHOSPITAL_CHROME="$chrome"
[ $# -gt 0 ] || set -- addons gateway/tests tests   # default: every test of the suite
exec "$VENV/bin/pytest" -p no:cacheprovider \
    --odoo-config="$ROOT/odoo.conf" --odoo-database="$DB" --odoo-http \
    --odoo-addons-path="$ROOT/addons" --odoo-log-level=warn \
    --odoo-extra "test-tags=/ihospital_no_tests_at_load" --odoo-extra "db_host=$PGSOCK" --odoo-extra "data-dir=$DATA_DIR" \
    "$@"
