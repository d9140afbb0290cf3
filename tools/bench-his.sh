#!/usr/bin/env bash
# make bench-his: a fresh copy of the demo database, then bench/bench_his.py.
set -euo pipefail
source "$(dirname "$0")/odoo-env.sh"
run_bench_on_copy ihospital_bench_his bench/bench_his.py "$@"
