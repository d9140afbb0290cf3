# Sourced by the tools: paths and the Odoo command line for this checkout.
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENV="${VENV:-$ROOT/.venv}"
PGSOCK=$("$ROOT/tools/pg.sh" socket)
DATA_DIR="$ROOT/.local/odoo-data"
ODOO_ARGS=(-c "$ROOT/odoo.conf" "--addons-path=$ROOT/addons" "--db_host=$PGSOCK" "--data-dir=$DATA_DIR")
odoo_cmd() { "$VENV/bin/odoo" "${ODOO_ARGS[@]}" "$@"; }
psql_cmd() { "$ROOT/tools/pg.sh" psql "$@"; }
db_exists() {
    [ "$(psql_cmd -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$1'")" = 1 ]
}
# A fingerprint of everything that changes what an install produces.
addons_hash() {
    (cd "$ROOT" && find addons -type f ! -name '*.pyc' ! -path '*/tests/*' -print0 | sort -z |
        xargs -0 sha256sum; cat "$VENV/.ihospital-stamp") | sha256sum | cut -c1-16
}

# Install MODULES with demo data into TEMPLATE (kept, keyed by the addons'
# source and the module list, so unchanged addons are not installed again),
# then make DB a fresh copy of it, filestore included.
fresh_db_from_template() {
    local TEMPLATE=$1 DB=$2 MODULES=$3 want STAMP expected installed
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
            WHERE state = 'installed' AND demo AND name = ANY(string_to_array('$MODULES', ','))")
        if [ "$installed" != "$expected" ]; then
            # Odoo installs a module without its demo data when that data fails to load
            echo "Installing $MODULES failed: only $installed of $expected modules are installed with their demo data (see the log above)." >&2
            return 1
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
}

# The benchmarks (make bench-*): a fresh copy DB of the demo database
# (ihospital_test_template), the benchmark SCRIPT on it, then the copy dropped;
# exits with the benchmark's status.
run_bench_on_copy() {
    local DB=$1 SCRIPT=$2 MODULES=$3 status=0
    shift 3
    fresh_db_from_template ihospital_test_template "$DB" "$MODULES"
    (cd "$ROOT" && "$VENV/bin/python" "$SCRIPT" --db "$DB" --db-host "$PGSOCK" "$@") || status=$?
    psql_cmd -d postgres -qc "DROP DATABASE IF EXISTS \"$DB\" WITH (FORCE)"
    rm -rf "$DATA_DIR/filestore/$DB"
    exit $status
}
