#!/usr/bin/env bash
# make bench-regulation: a fresh copy of the demo database, then bench/bench_regulation.py.
set -euo pipefail
source "$(dirname "$0")/odoo-env.sh"
run_bench_on_copy ihospital_bench_regulation bench/bench_regulation.py "$@"
