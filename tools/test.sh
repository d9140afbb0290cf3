#!/usr/bin/env bash
# Build a fresh test database with every ihospital addon and its demo data,
# then run every test of the suite in one pytest run.
# The installed database is kept as a template keyed by the source of the
# addons, so a second run with unchanged addons copies it instead of
# installing again.
set -euo pipefail
source "$(dirname "$0")/odoo-env.sh"
DB=$1 MODULES=$2
shift 2
TEMPLATE="${DB}_template"

missing=()
chrome=""
for c in chromium chromium-browser google-chrome google-chrome-stable; do
    if command -v "$c" >/dev/null; then chrome=$c; break; fi
done
[ -n "$chrome" ] || missing+=("a Chromium browser for the HttpCase tours (Debian: apt-get install chromium)")
"$VENV/bin/python" -c 'import websocket' 2>/dev/null ||
    missing+=("the websocket-client package in .venv (make clean, then make test)")
if [ ${#missing[@]} -gt 0 ]; then
    printf 'Cannot run the tests: missing %s\n' "${missing[@]}" >&2
    exit 1
fi

want="$(addons_hash)-$(echo "$MODULES" | sha256sum | cut -c1-8)"
STAMP="$ROOT/.local/$TEMPLATE.stamp"
if ! db_exists "$TEMPLATE" || [ ! -f "$STAMP" ] || [ "$(cat "$STAMP")" != "$want" ]; then
    echo "Installing $MODULES with demo data into $TEMPLATE ..." >&2
    rm -f "$STAMP"
    psql_cmd -d postgres -qc "DROP DATABASE IF EXISTS \"$TEMPLATE\" WITH (FORCE)"
    rm -rf "$DATA_DIR/filestore/$TEMPLATE"
    odoo_cmd -d "$TEMPLATE" -i "$MODULES" --stop-after-init --log-level=warn
    expected=$(tr ',' '\n' <<< "$MODULES" | grep -c .)
    installed=$(psql_cmd -d "$TEMPLATE" -tAc "SELECT count(*) FROM ir_module_module
        WHERE state = 'installed' AND name = ANY(string_to_array('$MODULES', ','))")
    if [ "$installed" != "$expected" ]; then
        echo "Installing $MODULES failed: only $installed of $expected modules are installed (see the log above)." >&2
        exit 1
    fi
    echo "$want" > "$STAMP"
else
    echo "Reusing $TEMPLATE: the addons did not change since it was installed." >&2
fi

psql_cmd -d postgres -qc "DROP DATABASE IF EXISTS \"$DB\" WITH (FORCE)"
psql_cmd -d postgres -qc "CREATE DATABASE \"$DB\" TEMPLATE \"$TEMPLATE\""
rm -rf "$DATA_DIR/filestore/$DB"
if [ -d "$DATA_DIR/filestore/$TEMPLATE" ]; then
    mkdir -p "$DATA_DIR/filestore"
    cp -a "$DATA_DIR/filestore/$TEMPLATE" "$DATA_DIR/filestore/$DB"
fi

cd "$ROOT"
export IHOSPITAL_TEST_DB="$DB" IHOSPITAL_PGSOCK="$PGSOCK" IHOSPITAL_CHROME="$chrome"
[ $# -gt 0 ] || set -- addons tests   # default: every test of the suite
exec "$VENV/bin/pytest" -p no:cacheprovider \
    --odoo-config="$ROOT/odoo.conf" --odoo-database="$DB" --odoo-http \
    --odoo-addons-path="$ROOT/addons" --odoo-log-level=warn \
    --odoo-extra test-enable --odoo-extra "db_host=$PGSOCK" --odoo-extra "data-dir=$DATA_DIR" \
    "$@"
