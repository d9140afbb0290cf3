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
    # -i only for the addons new to the suite: on an installed addon, -i
    # loads its data and demo again as at install (the demo generators would
    # run twice); -u updates the installed ones
    missing=$(psql_cmd -d "$DB" -tAc "SELECT string_agg(m, ',') FROM unnest(string_to_array('$MODULES', ',')) AS m
        WHERE m NOT IN (SELECT name FROM ir_module_module WHERE state = 'installed')")
    installed=$(psql_cmd -d "$DB" -tAc "SELECT string_agg(m, ',') FROM unnest(string_to_array('$MODULES', ',')) AS m
        WHERE m IN (SELECT name FROM ir_module_module WHERE state = 'installed')")
    echo "The suite's source changed: updating ${installed:-nothing}${missing:+, installing $missing} in $DB ..." >&2
    odoo_cmd -d "$DB" ${missing:+-i "$missing"} ${installed:+-u "$installed"} --stop-after-init --log-level=warn
    echo "$want" > "$STAMP"
fi
