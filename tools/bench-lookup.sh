#!/usr/bin/env bash
# make bench-lookup: a fresh copy of the demo database, then bench/bench_lookup.py.
set -euo pipefail
source "$(dirname "$0")/odoo-env.sh"
run_bench_on_copy ihospital_bench_lookup bench/bench_lookup.py "$@"
