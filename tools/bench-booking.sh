#!/usr/bin/env bash
# make bench-booking: a fresh copy of the demo database, then bench/bench_booking.py.
set -euo pipefail
source "$(dirname "$0")/odoo-env.sh"
MODULES=$1
shift
run_bench_on_copy ihospital_bench bench/bench_booking.py "$MODULES" --data-dir "$DATA_DIR" "$@"
