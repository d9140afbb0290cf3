#!/usr/bin/env bash
# make bench-queue: a fresh copy of the demo database, then bench/bench_queue.py
# (2,000 websocket watchers of one queue, Odoo's bus dispatch against
# ihospital_base's shared fetch). Usage: tools/bench-queue.sh MODULES [bench args]
# (tools/bench-queue.sh --help: the benchmark's arguments).
set -euo pipefail
source "$(dirname "$0")/odoo-env.sh"
if [ "${1:-}" = --help ] || [ "${1:-}" = -h ]; then
    exec "$VENV/bin/python" "$ROOT/bench/bench_queue.py" --help
fi
# 2,000 websockets: each is a socket in the benchmark and three descriptors in
# Odoo's websocket process; the usual limit of 1,024 open files is far too low.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt 8192 ]; then
    echo "bench-queue: the open-files limit is $(ulimit -n) (hard limit $(ulimit -Hn)); 2,000 websockets need 8192 or more: raise it (ulimit -Hn, /etc/security/limits.conf)." >&2
    exit 1
fi
echo "bench-queue: open-files limit raised to $(ulimit -n)." >&2
run_bench_on_copy ihospital_bench_queue bench/bench_queue.py "$@"
