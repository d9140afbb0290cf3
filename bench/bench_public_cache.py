"""Public read benchmark (issue 17): what one Odoo node serves of the public
reads (the waiting-room screens' queue state, the department and doctor
pages, the clinics with free places) uncached, beside what it serves behind
HAProxy with deploy/haproxy/cache.cfg, in the same run.

Run with `make bench-cache` (it builds a fresh copy of the demo database and
drops it afterwards). Steps:

1. Odoo starts on the copy with WORKERS worker processes (http port 8469,
   gevent port 8472), HAProxy on 8480 in front of it with the cache rules of
   deploy/haproxy/cache.cfg included the way tools/cluster.sh includes them;
2. the routes are found on the pages themselves (the first department and
   doctor linked from /departments and /doctors); each is checked: Odoo
   answers an anonymous visitor `Cache-Control: public` and no cookie, and
   the proxy answers a second request from its cache (`X-Cache-Status: HIT`);
3. for each route, wrk (Debian package `wrk`, HTTP/1.1 keep-alive) with
   CONNECTIONS connections for SECONDS seconds, first at the node (the
   uncached baseline), then through the proxy; the requests are those of an
   anonymous browser of the website's default language (`Accept-Language:
   zh-CN`). `/web/health` at the node is measured too, for scale.

The last line printed is the result:
cache routes=.. min_speedup=.. state_rps=.. state_baseline_rps=..
 state_p95_ms=.. state_baseline_p95_ms=.. health_rps=.. hit_ratio=.. errors=..
(min_speedup: the smallest proxy/node ratio of requests per second over the
routes; state: `/ihospital/queue/<department>/state`; hit_ratio: the share of
the proxy's answers that came from its cache, all routes together; errors:
answers >= 400, connect, write errors and timeouts; wrk's read errors are
printed but not counted: the HTML pages end when the server closes the
connection, see failures()). Exits 1 if a route is not shareable,
errors occurred, or wrk or HAProxy is missing.
"""

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "tools"))

import render_haproxy  # noqa: E402 - tools/ is put on the path just above
from his_harness import OdooServer, wait_for  # noqa: E402 - tests/ is put on the path just above

HTTP_PORT, GEVENT_PORT, PROXY_PORT = 8469, 8472, 8480
BROWSER = {"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.8"}

# wrk: the 95th percentile (wrk prints 50/75/90/99 only) and how many answers came from the cache
WRK_SCRIPT = """
wrk.headers["Accept-Language"] = "zh-CN,zh;q=0.9,en;q=0.8"
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) hits = 0; answers = 0 end
function response(status, headers, body)
    answers = answers + 1
    if headers["x-cache-status"] == "HIT" or headers["X-Cache-Status"] == "HIT" then hits = hits + 1 end
end
function done(summary, latency, requests)
    local h, a = 0, 0
    for _, t in ipairs(threads) do h = h + t:get("hits"); a = a + t:get("answers") end
    io.write(string.format("P95_US %d\\nHITS %d\\nANSWERS %d\\n", latency:percentile(95.0), h, a))
    local e = summary.errors
    io.write(string.format("ERRORS connect=%d read=%d write=%d status=%d timeout=%d\\n",
        e.connect, e.read, e.write, e.status, e.timeout))
end
"""


def haproxy_config(listen_port, odoo_port):
    """cache.cfg's rules in the frontend, its cache section after the backend."""
    return render_haproxy.single_node(listen_port, odoo_port, maxconn=4096, server_options="maxconn 64")


def proxy_up(proxy):
    try:
        return requests.get(f"{proxy}/web/health", timeout=5).ok
    except requests.ConnectionError:
        return False


def find_routes(base):
    """The benchmarked routes, found on the pages as a visitor would."""
    session = requests.Session()
    session.headers.update(BROWSER)
    departments = session.get(f"{base}/departments", timeout=60).text
    doctors = session.get(f"{base}/doctors", timeout=60).text
    # slugs are <name>-<id>, or the id alone for a name without Latin letters
    department = re.search(r'href="(/departments/(?:[^"?#/]*-)?(\d+))"', departments)
    doctor = re.search(r'href="(/doctors/(?:[^"?#/]*-)?\d+)"', doctors)
    avatar = re.search(r"(/doctors/\d+/avatar)", doctors)
    if not (department and doctor and avatar):
        raise SystemExit("no department, doctor or avatar linked from /departments and /doctors")
    department_id = department.group(2)
    return [
        ("state", f"/ihospital/queue/{department_id}/state"),
        ("screen", f"/ihospital/queue/{department_id}"),
        ("hospital", "/hospital"),
        ("departments", "/departments"),
        ("department", department.group(1)),
        ("doctors", "/doctors"),
        ("doctor", doctor.group(1)),
        ("avatar", avatar.group(1)),
        ("booking", "/booking"),
    ]


def check_shareable(name, node, proxy, path):
    direct = requests.get(node + path, headers=BROWSER, allow_redirects=False, timeout=60)
    if direct.status_code != 200 or not direct.headers.get("Cache-Control", "").startswith("public"):
        raise SystemExit(
            f"{name} {path}: Odoo answers {direct.status_code} with Cache-Control "
            f"{direct.headers.get('Cache-Control')!r}: not shareable"
        )
    if "Set-Cookie" in direct.headers:
        raise SystemExit(f"{name} {path}: Odoo sets a cookie on an anonymous visitor: not shareable")
    requests.get(proxy + path, headers=BROWSER, timeout=60)
    again = requests.get(proxy + path, headers=BROWSER, timeout=60)
    if again.headers.get("X-Cache-Status") != "HIT":
        raise SystemExit(f"{name} {path}: the proxy's second answer is not from its cache ({again.headers})")


def wrk(url, connections, seconds, script):
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "-s", str(script), url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    return {
        "rps": rps,
        "p95_ms": int(re.search(r"P95_US (\d+)", out).group(1)) / 1000,
        "hits": int(re.search(r"HITS (\d+)", out).group(1)),
        "answers": int(re.search(r"ANSWERS (\d+)", out).group(1)),
        # socket errors and answers >= 400, by kind
        "errors": {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", re.search(r"ERRORS (.*)", out).group(1))},
    }


def failures(measure):
    """wrk's errors but its read errors: Odoo's HTML pages come as HTTP/1.0 without a
    Content-Length, ended by closing the connection (the proxy replays them the same way),
    which wrk counts as a read error although the page is whole."""
    return sum(count for kind, count in measure["errors"].items() if kind != "read")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--db-host", required=True)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--connections", type=int, default=16, help="wrk's open connections")
    parser.add_argument("--seconds", type=int, default=8, help="each measure's duration")
    args = parser.parse_args()
    for tool in ("wrk", "haproxy"):
        if not shutil.which(tool) and not Path(f"/usr/sbin/{tool}").exists():
            raise SystemExit(f"{tool} is missing: apt-get install -y {tool}")
    haproxy_bin = shutil.which("haproxy") or "/usr/sbin/haproxy"

    tmp = Path(tempfile.mkdtemp(prefix="bench-cache-"))
    odoo = OdooServer(args.db, args.db_host, tmp / "odoo.log", workers=args.workers, port=HTTP_PORT)
    odoo.gevent_port = GEVENT_PORT
    proxy_process = None
    try:
        odoo.start()
        cfg = tmp / "haproxy.cfg"
        cfg.write_text(haproxy_config(PROXY_PORT, HTTP_PORT))
        subprocess.run([haproxy_bin, "-c", "-q", "-f", cfg], check=True)
        proxy_process = subprocess.Popen([haproxy_bin, "-db", "-f", cfg], stdin=subprocess.DEVNULL)
        node, proxy = odoo.url, f"http://127.0.0.1:{PROXY_PORT}"
        wait_for(lambda: proxy_up(proxy), 30, f"HAProxy on {PROXY_PORT}")
        script = tmp / "bench.lua"
        script.write_text(WRK_SCRIPT)
        routes = find_routes(node)
        for name, path in routes:
            check_shareable(name, node, proxy, path)
        print(
            f"{args.workers} workers, {args.connections} connections, {args.seconds}s per measure, wrk -t2; "
            f"routes as an anonymous zh-CN browser"
        )
        health = wrk(f"{node}/web/health", args.connections, args.seconds, script)
        print(
            f"{'route':<12} {'node_rps':>9} {'node_p95_ms':>12} {'proxy_rps':>10} {'proxy_p95_ms':>13} "
            f"{'speedup':>8} {'hits':>6}  path"
        )
        results, hits, answers, errors = {}, 0, 0, failures(health)
        error_lines = [f"/web/health node {health['errors']}"] if any(health["errors"].values()) else []
        for name, path in routes:
            direct = wrk(node + path, args.connections, args.seconds, script)
            time.sleep(1)
            cached = wrk(proxy + path, args.connections, args.seconds, script)
            speedup = cached["rps"] / direct["rps"] if direct["rps"] else 0.0
            results[name] = (direct, cached, speedup)
            hits, answers = hits + cached["hits"], answers + cached["answers"]
            for where, measure in (("node", direct), ("proxy", cached)):
                errors += failures(measure)
                if any(measure["errors"].values()):
                    error_lines.append(f"{name} {where} {measure['errors']}")
            hit_share = cached["hits"] / cached["answers"] if cached["answers"] else 0.0
            print(
                f"{name:<12} {direct['rps']:>9.0f} {direct['p95_ms']:>12.1f} {cached['rps']:>10.0f} "
                f"{cached['p95_ms']:>13.1f} {speedup:>7.1f}x {hit_share:>6.1%}  {path}"
            )
        print(f"{'/web/health':<12} {health['rps']:>9.0f} {health['p95_ms']:>12.1f}")
        for line in error_lines:
            print(f"errors: {line}")
        state_direct, state_cached, _speedup = results["state"]
        print(
            f"cache routes={len(routes)} min_speedup={min(r[2] for r in results.values()):.1f} "
            f"state_rps={state_cached['rps']:.0f} state_baseline_rps={state_direct['rps']:.0f} "
            f"state_p95_ms={state_cached['p95_ms']:.1f} state_baseline_p95_ms={state_direct['p95_ms']:.1f} "
            f"health_rps={health['rps']:.0f} hit_ratio={hits / answers if answers else 0:.3f} errors={errors}"
        )
        return 1 if errors else 0
    finally:
        if proxy_process:
            proxy_process.terminate()
            proxy_process.wait(10)
        odoo.stop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
