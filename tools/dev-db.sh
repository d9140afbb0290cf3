#!/usr/bin/env bash
# Make sure the development database exists with the suite and its demo data,
# updating the suite's modules when their source changed since last time.
set -euo pipefail
source "$(dirname "$0")/odoo-env.sh"
DB=$1 MODULES=$2
STAMP="$ROOT/.local/$DB.stamp"
want=$(addons_hash)
if ! db_exists "$DB"; then
    echo "Creating database $DB with $MODULES and demo data (a few minutes) ..." >&2
    rm -rf "$DATA_DIR/filestore/$DB"
    odoo_cmd -d "$DB" -i "$MODULES" --stop-after-init --log-level=warn
    # the demo logins of the README use their login as password
    echo "$want" > "$STAMP"
elif [ ! -f "$STAMP" ] || [ "$(cat "$STAMP")" != "$want" ]; then
    echo "The suite's source changed: updating $MODULES in $DB ..." >&2
    # -i installs an addon new to the suite, -u updates those installed
    odoo_cmd -d "$DB" -i "$MODULES" -u "$MODULES" --stop-after-init --log-level=warn
    echo "$want" > "$STAMP"
fi
