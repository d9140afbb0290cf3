#!/usr/bin/env bash
# make bench-analysis: a fresh copy of the demo database, then bench/bench_analysis.py.
set -euo pipefail
source "$(dirname "$0")/odoo-env.sh"
run_bench_on_copy ihospital_bench_analysis bench/bench_analysis.py "$@"
