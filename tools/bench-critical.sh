#!/usr/bin/env bash
# make bench-critical: a fresh copy of the demo database, then bench/bench_critical.py.
set -euo pipefail
source "$(dirname "$0")/odoo-env.sh"
run_bench_on_copy ihospital_bench_critical bench/bench_critical.py "$@"
