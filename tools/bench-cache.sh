#!/usr/bin/env bash
# make bench-cache: a fresh copy of the demo database, then bench/bench_public_cache.py
# (Odoo on 8469/8472, HAProxy with deploy/haproxy/cache.cfg on 8480, wrk as the load).
set -euo pipefail
if [ "${1:-}" = "--help" ] || [ "${1:-}" = "-h" ]; then
    echo "usage: tools/bench-cache.sh MODULES [--workers N] [--connections N] [--seconds N]"
    echo "The public reads at one Odoo node, uncached, beside the same node behind HAProxy's cache."
    exit 0
fi
for tool in wrk haproxy; do
    command -v "$tool" >/dev/null || [ -x "/usr/sbin/$tool" ] ||
        { echo "bench-cache needs $tool (Debian: apt-get install -y $tool)" >&2; exit 1; }
done
source "$(dirname "$0")/odoo-env.sh"
run_bench_on_copy ihospital_bench_cache bench/bench_public_cache.py "$@"
