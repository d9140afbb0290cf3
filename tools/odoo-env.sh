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
