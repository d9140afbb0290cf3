"""The driver of `make bench-scale` (run by tools/bench-scale.sh with the
python of .local/bench-scale-venv, never Odoo's).

1. Prepares the baseline node's database (bench/scale/prepare.py, JSON-RPC).
2. Measures what one request of each kind costs the node: CPU of Odoo's
   processes and of PostgreSQL's, and PostgreSQL transactions
   (pg_stat_database), a few dozen requests of each kind, two at a time.
3. Runs the mixed load (bench/scale/locustfile.py, headless) against the
   single node: the baseline, with the node's CPU, transactions and worker
   memory over the whole run.
4. Runs the same load (users, spawn rate, duration) against the multi-node
   set-up's URL, with the queue watchers (websockets) at the same time.
5. Prints one line per kind of request and run, the cost per request and
   per terminal, then the last line:
   scale users=<n> rps=<x> p95_ms=<x> errors=<n> queue_watchers=<n> queue_p95_ms=<x> baseline_rps=<x>

Two phases (tools/bench-scale.sh stops the single node before it starts
the multi-node set-up): `baseline` (1-3, 5 for the node) and `multi` (4, 5
and the last line). `--step 50,100,200` in the baseline phase instead runs
the load on the single node for each number of users (shorter runs) and
prints the p95 of each: how the users a node sustains (p95 < 2 s) were found.
"""

import argparse
import csv
import json
import os
import re
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

import psutil
import requests

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
CSRF = re.compile(r"""csrf_token["']?\s*(?:value=|:)\s*["']([0-9a-f]+o\d+)["']""")
LINK = re.compile(r'href="(?:/[a-z_A-Z]+)?/(departments|doctors)/([a-z0-9-]*\d+)"')

# the terminals' pace in the locustfile: tasks a second of one simulated
# user (1 / the mean wait) and their weights (a booking task makes three
# requests: book, the appointment's page, cancel)
TERMINALS = {
    "PatientPhone": {"weight": 55, "tasks_per_s": 1 / 10},
    "QueueScreen": {"weight": 15, "tasks_per_s": 1 / 10},
    "PortalPatient": {"weight": 20, "tasks_per_s": 1 / 20},
    "StaffDesk": {"weight": 10, "tasks_per_s": 1 / 20},
}


# ---------------------------------------------------------------- the node
class NodeMeter:
    """CPU of a process tree (Odoo's master and its workers; PostgreSQL's
    postmaster and its backends) and the transactions of one database."""

    def __init__(self, odoo_pid, pg_pid, db, psql):
        self.odoo_pid, self.pg_pid, self.db, self.psql = odoo_pid, pg_pid, db, psql
        self.seen = {}  # pid -> last cpu seconds, so that exited backends still count
        self.idle = None  # what the idle node spends a second (cron worker, bus)

    def measure_idle(self, seconds=10):
        before = self.sample()
        time.sleep(seconds)
        d = self.delta(before, self.sample())
        self.idle = {key: d[key] / d["t"] for key in ("odoo_cpu", "pg_cpu", "xacts")}
        print(
            f"idle node: odoo_cpu_ms_per_s={1000 * self.idle['odoo_cpu']:.1f} "
            f"pg_cpu_ms_per_s={1000 * self.idle['pg_cpu']:.1f} xacts_per_s={self.idle['xacts']:.2f}",
            flush=True,
        )

    def work(self, before, after):
        """What the node spent between two samples, less its idle spending."""
        d = self.delta(before, after)
        if self.idle:
            for key, rate in self.idle.items():
                d[key] = max(0, d[key] - rate * d["t"])
        return d

    def _tree_cpu(self, pid):
        total = 0.0
        try:
            root = psutil.Process(pid)
            processes = [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            return 0.0
        for process in processes:
            try:
                times = process.cpu_times()
            except psutil.NoSuchProcess:
                continue
            self.seen[(pid, process.pid)] = times.user + times.system
        for (tree, _pid), cpu in self.seen.items():
            if tree == pid:
                total += cpu
        return total

    def xacts(self):
        out = subprocess.run(
            [
                *self.psql,
                "-d",
                "postgres",
                "-tAc",
                f"SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = '{self.db}'",
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        return int(out or 0)

    def sample(self):
        time.sleep(1.2)  # PostgreSQL publishes a backend's counters within a second
        machine = psutil.cpu_times()
        return {
            # the whole machine's busy CPU: the node, locust, and anything else running
            "machine_cpu": sum(machine) - machine.idle - getattr(machine, "iowait", 0),
            "odoo_cpu": self._tree_cpu(self.odoo_pid),
            "pg_cpu": self._tree_cpu(self.pg_pid),
            "xacts": self.xacts(),
            "t": time.monotonic(),
        }

    @staticmethod
    def delta(before, after):
        return {key: after[key] - before[key] for key in before}

    def memory(self):
        """RSS and USS (MiB) of Odoo's processes: the master, the HTTP
        workers and the gevent (websocket) worker."""
        rows = []
        try:
            root = psutil.Process(self.odoo_pid)
        except psutil.NoSuchProcess:
            return rows
        for process in [root, *root.children(recursive=True)]:
            try:
                info = process.memory_full_info()
                cmd = " ".join(process.cmdline())
            except psutil.NoSuchProcess:
                continue
            if "odoo" not in cmd:
                continue  # a shell that started Odoo
            # Odoo starts its gevent worker as `odoo gevent ...`; the HTTP
            # and cron workers are forks of the master
            if " gevent " in f" {cmd} ":
                kind = "gevent"
            elif "odoo" not in " ".join(process.parent().cmdline()):
                kind = "master"
            else:
                kind = "worker"
            rows.append((kind, process.pid, info.rss / 2**20, info.uss / 2**20))
        return rows


# ---------------------------------------------------------------- cost probe
def session_for(url, plan, kind, account=0):
    """A requests session: anonymous, a signed-in portal patient or staff."""
    s = requests.Session()
    if kind == "portal":
        account = plan["portal"][account]
        page = s.get(f"{url}/web/login", timeout=60)
        token = CSRF.search(page.text)
        s.post(
            f"{url}/web/login",
            data={
                "login": account["login"],
                "password": account["password"],
                "csrf_token": token.group(1) if token else "",
                "redirect": "/my",
            },
            timeout=60,
        )
        s.account = account
    elif kind == "staff":
        staff = plan["staff"][0]
        rpc(
            s,
            url,
            "/web/session/authenticate",
            {"db": plan["db"], "login": staff["login"], "password": staff["password"]},
        )
    return s


def rpc(s, url, path, params):
    r = s.post(f"{url}{path}", json={"jsonrpc": "2.0", "method": "call", "params": params}, timeout=120)
    r.raise_for_status()
    answer = r.json()
    if answer.get("error"):
        raise RuntimeError(f"{path}: {answer['error'].get('data', {}).get('message') or answer['error']}")
    return answer["result"]


def call_kw(s, url, model, method, args, kwargs):
    return rpc(
        s,
        url,
        f"/web/dataset/call_kw/{model}/{method}",
        {"model": model, "method": method, "args": args, "kwargs": kwargs},
    )


def probe_requests(url, plan):
    """name -> (session kind, function(session) making one request)."""
    anon = requests.Session()
    links = {"departments": [], "doctors": []}
    for page in ("/departments", "/doctors"):
        for kind, slug in LINK.findall(anon.get(f"{url}{page}", timeout=60).text):
            links[kind].append(slug)
    department = plan["queue_departments"][0]
    today = date.today().isoformat()

    def get(path):
        def run(s):
            r = s.get(f"{url}{path}", timeout=120)
            r.raise_for_status()

        return run

    def login(_s):
        session_for(url, plan, "portal")

    return {
        "/hospital": ("anon", get("/hospital")),
        "/departments": ("anon", get("/departments")),
        "/departments/[slug]": ("anon", get(f"/departments/{links['departments'][0]}")),
        "/doctors": ("anon", get("/doctors")),
        "/doctors/[slug]": ("anon", get(f"/doctors/{links['doctors'][0]}")),
        "/booking": ("anon", get("/booking")),
        "/ihospital/queue/[id]/state": ("anon", get(f"/ihospital/queue/{department}/state")),
        "portal login (password)": ("anon", login),
        "/my/appointments": ("portal", get("/my/appointments")),
        "/my/reports": ("portal", get("/my/reports")),
        "rpc workbench get_data": (
            "staff",
            lambda s: call_kw(s, url, "ihospital.staff.workbench", "get_data", [], {}),
        ),
        "rpc critical_alert search_count": (
            "staff",
            lambda s: call_kw(
                s,
                url,
                "ihospital.critical.alert",
                "search_count",
                [[["is_my_alert", "=", True], ["state", "=", "to_acknowledge"]]],
                {},
            ),
        ),
        "rpc appointment web_search_read": (
            "staff",
            lambda s: call_kw(
                s,
                url,
                "ihospital.appointment",
                "web_search_read",
                [],
                {
                    "domain": [["date", "=", today]],
                    "specification": {
                        "name": {},
                        "patient_id": {"fields": {"display_name": {}}},
                        "state": {},
                        "number": {},
                        "start": {},
                    },
                    "limit": 80,
                    "order": "start",
                },
            ),
        ),
    }


def booking_probe(url, plan, meter, count, results):
    """Booking and cancelling, one at a time, each by an account of its own
    (the per-patient limits): `count` bookings, then, once the crons that a
    booking wakes are done with them, their pages and cancellations."""
    sessions = [session_for(url, plan, "portal", i) for i in range(1, count + 1)]
    booked = []

    def book(s):
        result = rpc(
            s, url, "/my/ihospital/book", {"schedule_id": plan["schedules"][-1], "patient_id": s.account["patient_id"]}
        )
        if not result.get("ok"):
            raise RuntimeError(f"booking refused: {result.get('error')}")
        booked.append((s, result["appointment_id"]))

    def cancel(item):
        s, appointment = item
        page = s.get(f"{url}/my/appointments/{appointment}", timeout=120)
        token = CSRF.search(page.text)
        r = s.post(
            f"{url}/my/appointments/{appointment}/cancel",
            data={"csrf_token": token.group(1) if token else ""},
            timeout=120,
        )
        r.raise_for_status()

    for name, run, items in (
        ("/my/ihospital/book", book, sessions),
        ("/my/appointments/[id] + cancel", cancel, booked),
    ):
        items = list(items)
        before = meter.sample()
        started = time.monotonic()
        for item in items:
            run(item)
        wall = time.monotonic() - started
        d = meter.work(before, meter.sample())
        report(results, name, len(items), d, wall, 1)
        time.sleep(5)  # the notice and HIS crons that a booking wakes


def report(results, name, n, d, wall, parallel):
    results[name] = {
        "n": n,
        "odoo_cpu_ms": 1000 * d["odoo_cpu"] / n,
        "pg_cpu_ms": 1000 * d["pg_cpu"] / n,
        "xacts": d["xacts"] / n,
        "ms": 1000 * wall * parallel / n,
    }
    r = results[name]
    print(
        f"cost {name}: n={n} odoo_cpu_ms={r['odoo_cpu_ms']:.1f} pg_cpu_ms={r['pg_cpu_ms']:.1f} "
        f"xacts={r['xacts']:.2f} latency_ms={r['ms']:.0f}",
        flush=True,
    )


def cost_probe(url, plan, meter, count):
    """Per kind of request: Odoo CPU ms, PostgreSQL CPU ms and transactions
    per request, from `count` requests two at a time (one per worker)."""
    results = {}
    for name, (kind, run) in probe_requests(url, plan).items():
        n = count if "login" not in name else max(4, count // 8)
        sessions = [session_for(url, plan, kind) for _i in range(2)]
        parallel = 2
        for s in sessions:  # warm: caches, the session's first request
            run(s)
        before = meter.sample()
        started = time.monotonic()
        with ThreadPoolExecutor(parallel) as pool:
            list(pool.map(run, [sessions[i % parallel] for i in range(n)]))
        wall = time.monotonic() - started
        d = meter.work(before, meter.sample())
        report(results, name, n, d, wall, parallel)
    booking_probe(url, plan, meter, max(4, count // 5), results)
    return results


# ---------------------------------------------------------------- locust
def run_locust(args, url, plan_path, users, duration, label):
    prefix = Path(args.work) / label
    bookings = Path(args.work) / f"{label}-bookings.json"
    env = dict(os.environ, SCALE_PLAN=str(plan_path), SCALE_BOOKINGS=str(bookings))
    cmd = [
        str(Path(sys.executable).parent / "locust"),
        "-f",
        str(HERE / "locustfile.py"),
        "--headless",
        "--host",
        url,
        "-u",
        str(users),
        "-r",
        str(args.spawn_rate),
        "-t",
        f"{duration}s",
        "--csv",
        str(prefix),
        "--only-summary",
        # the figures of the steady load: the spawning (and the logins of
        # the portal patients and staff, 0.6 s of CPU each) left out; the
        # cost probe gives what a login costs
        "--reset-stats",
        "--stop-timeout",
        "10",
        "--loglevel",
        "WARNING",
    ]
    log = Path(args.work) / f"{label}-locust.log"
    print(f"locust {label}: {users} users, {args.spawn_rate}/s, {duration}s against {url} (log {log})", flush=True)
    with open(log, "w") as out:
        subprocess.run(cmd, env=env, stdout=out, stderr=subprocess.STDOUT, check=False)
    rows = {}
    with open(f"{prefix}_stats.csv", encoding="utf-8") as f:
        for row in csv.DictReader(f):

            def number(value):
                try:
                    return float(value)
                except (TypeError, ValueError):  # "N/A": no request of this kind in the window
                    return 0.0

            rows[row["Name"]] = {
                "type": row["Type"],
                "n": int(row["Request Count"]),
                "failures": int(row["Failure Count"]),
                "rps": number(row["Requests/s"]),
                "p50": number(row["50%"]),
                "p95": number(row["95%"]),
            }
    failures = []
    with open(f"{prefix}_failures.csv", encoding="utf-8") as f:
        failures.extend(csv.DictReader(f))
    booked = json.loads(bookings.read_text()) if bookings.exists() else {}
    return {"rows": rows, "failures": failures, "bookings": booked}


def print_run(label, run):
    for name, row in sorted(run["rows"].items(), key=lambda item: (item[0] == "Aggregated", item[0])):
        print(
            f"{label} {row['type'] or '-'} {name}: n={row['n']} failures={row['failures']} rps={row['rps']:.1f} "
            f"p50_ms={row['p50']:.0f} p95_ms={row['p95']:.0f}"
        )
    for failure in run["failures"]:
        print(
            f"{label} failure {failure['Method']} {failure['Name']}: "
            f"{failure['Occurrences']}x {failure['Error'][:160]}"
        )
    if run["bookings"]:
        print(f"{label} bookings: {json.dumps(run['bookings'])}")


# ---------------------------------------------------------------- queue watchers
def queue_watchers(args, url, db, plan_path, out):
    """bench/queue_watchers.py (the live queue's client, from the fanout
    work) when it is there and a called patient was seeded
    (bench/scale/seed_queue.py: --queue-department/--queue-schedule), else
    our own small client (bench/scale/watchers.py, HTTP only). Both print a
    line of JSON, into `out`. The events last while the load runs."""
    theirs = ROOT / "bench" / "queue_watchers.py"
    seconds = str(max(20, args.duration - 40))
    if theirs.exists() and args.queue_department:
        cmd = [
            sys.executable,
            str(theirs),
            "--url",
            url,
            "--db",
            db,
            "--department",
            str(args.queue_department),
            "--schedule",
            str(args.queue_schedule),
            "--watchers",
            str(args.watchers),
            "--seconds",
            seconds,
            "--connect-rate",
            "25",  # screens connected slowly (issue 17), 2,000 in 80 s
        ]
    else:
        cmd = [
            sys.executable,
            str(HERE / "watchers.py"),
            "--url",
            url,
            "--plan",
            str(plan_path),
            "--watchers",
            str(args.watchers),
            "--seconds",
            seconds,
        ]
    print(f"queue watchers: {' '.join(cmd[1:])}", flush=True)
    with open(out, "w") as f:
        return subprocess.Popen(cmd, stdout=f, stderr=subprocess.PIPE, text=True)


def read_watchers(process, out):
    _stdout, stderr = process.communicate()
    text = Path(out).read_text().strip()
    try:
        result = json.loads(text.splitlines()[-1])
    except (ValueError, IndexError):
        print(f"queue watchers gave no JSON (exit {process.returncode}): {text[-300:]} {stderr[-500:]}")
        return None
    print(f"queue watchers: {json.dumps(result)}")
    # the same names for both clients
    result.setdefault("queue_watchers", result.get("watchers", 0))
    if "delivered" in result:
        result.setdefault("delivered_pct", round(100 * result["delivered"], 2))
    return result


# ---------------------------------------------------------------- main
def prepare(args, url, db, label):
    path = Path(args.work) / f"plan-{label}.json"
    subprocess.run(
        [sys.executable, str(HERE / "prepare.py"), "--url", url, "--db", db, "--out", str(path)],
        check=True,
    )
    return path, json.loads(path.read_text())


def per_terminal(costs):
    """The cost of one terminal of each kind: its requests a second and
    their CPU and transactions, from the probe's cost per request."""
    mix = {
        "PatientPhone": {
            "/hospital": 3,
            "/departments": 3,
            "/departments/[slug]": 4,
            "/doctors": 2,
            "/doctors/[slug]": 3,
            "/booking": 2,
        },
        "QueueScreen": {"/ihospital/queue/[id]/state": 1},
        "PortalPatient": {"/my/appointments": 4, "/my/reports": 3, "/my/ihospital/book": 1},
        "StaffDesk": {
            "rpc workbench get_data": 2,
            "rpc critical_alert search_count": 3,
            "rpc appointment web_search_read": 3,
        },
    }
    # a booking task: the booking, then (later) its page and cancellation
    costs = dict(costs)
    book, cancel = costs["/my/ihospital/book"], costs["/my/appointments/[id] + cancel"]
    costs["/my/ihospital/book"] = {key: book[key] + cancel[key] for key in ("odoo_cpu_ms", "pg_cpu_ms", "xacts")}
    for kind, tasks in mix.items():
        total = sum(tasks.values())
        tasks_per_s = TERMINALS[kind]["tasks_per_s"]
        cpu = sum(w / total * (costs[n]["odoo_cpu_ms"] + costs[n]["pg_cpu_ms"]) for n, w in tasks.items())
        odoo = sum(w / total * costs[n]["odoo_cpu_ms"] for n, w in tasks.items())
        xacts = sum(w / total * costs[n]["xacts"] for n, w in tasks.items())
        requests_per_task = sum(w / total * (3 if n == "/my/ihospital/book" else 1) for n, w in tasks.items())
        print(
            f"terminal {kind}: weight={TERMINALS[kind]['weight']}% "
            f"requests_per_s={tasks_per_s * requests_per_task:.3f} "
            f"odoo_cpu_ms_per_s={tasks_per_s * odoo:.1f} total_cpu_ms_per_s={tasks_per_s * cpu:.1f} "
            f"xacts_per_s={tasks_per_s * xacts:.2f}"
        )


def baseline_phase(args):
    """Prepare, probe and load the single node; keep its summary for the
    multi-node phase."""
    plan_path, plan = prepare(args, args.baseline_url, args.baseline_db, "baseline")
    meter = NodeMeter(args.odoo_pid, args.pg_pid, args.baseline_db, args.psql.split())
    if args.step:
        for users in [int(u) for u in args.step.split(",")]:
            run = run_locust(args, args.baseline_url, plan_path, users, args.duration, f"step-{users}")
            agg = run["rows"]["Aggregated"]
            print(
                f"step users={users} rps={agg['rps']:.1f} p50_ms={agg['p50']:.0f} p95_ms={agg['p95']:.0f} "
                f"errors={agg['failures']}",
                flush=True,
            )
        return
    meter.measure_idle()
    costs = cost_probe(args.baseline_url, plan, meter, args.probe)
    per_terminal(costs)
    before = meter.sample()
    baseline = run_locust(args, args.baseline_url, plan_path, args.users, args.duration, "baseline")
    spent = NodeMeter.delta(before, meter.sample())
    memory = meter.memory()
    print_run("baseline", baseline)
    b_agg = baseline["rows"]["Aggregated"]
    n = max(1, b_agg["n"])
    print(
        f"baseline node: requests={b_agg['n']} odoo_cpu_s={spent['odoo_cpu']:.1f} pg_cpu_s={spent['pg_cpu']:.1f} "
        f"xacts={spent['xacts']} per_request: odoo_cpu_ms={1000 * spent['odoo_cpu'] / n:.1f} "
        f"pg_cpu_ms={1000 * spent['pg_cpu'] / n:.1f} xacts={spent['xacts'] / n:.2f} "
        f"cpu_cores_busy={(spent['odoo_cpu'] + spent['pg_cpu']) / spent['t']:.2f} "
        f"machine_cores_busy={spent['machine_cpu'] / spent['t']:.2f}"
    )
    for kind, pid, rss, uss in memory:
        print(f"baseline memory {kind} pid={pid}: rss_mib={rss:.0f} uss_mib={uss:.0f}")
    summary = {"users": args.users, "rps": b_agg["rps"], "p95": b_agg["p95"], "errors": b_agg["failures"]}
    (Path(args.work) / "baseline.json").write_text(json.dumps(summary))


def multi_phase(args):
    """The same load on the multi-node set-up, the queue watchers beside it;
    prints the last line."""
    baseline = json.loads((Path(args.work) / "baseline.json").read_text())
    if args.url:
        plan_path, plan = prepare(args, args.url, args.db, "multi")
        out = Path(args.work) / "watchers.json"
        watchers = queue_watchers(args, args.url, plan["db"], plan_path, out)
        before = psutil.cpu_times()
        started = time.monotonic()
        multi = run_locust(args, args.url, plan_path, args.users, args.duration, "multi")
        after = psutil.cpu_times()
        busy = (sum(after) - after.idle - after.iowait) - (sum(before) - before.idle - before.iowait)
        print(f"multi machine_cores_busy={busy / (time.monotonic() - started):.2f} (the set-up, locust, the watchers)")
        queue = read_watchers(watchers, out) or {}
        print_run("multi", multi)
        agg = multi["rows"]["Aggregated"]
        rps, p95, errors = agg["rps"], agg["p95"], agg["failures"]
    else:
        print("No multi-node set-up (--cluster or --url): the last line gives the single node's run twice.")
        rps, p95, errors, queue = baseline["rps"], baseline["p95"], baseline["errors"], {}
    print(
        f"scale users={args.users} rps={rps:.1f} p95_ms={p95:.0f} errors={errors} "
        f"queue_watchers={queue.get('queue_watchers', 0)} queue_p95_ms={queue.get('p95_ms', 0)} "
        f"baseline_rps={baseline['rps']:.1f}"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("phase", choices=["baseline", "multi"])
    parser.add_argument("--baseline-url", help="the single node (phase baseline)")
    parser.add_argument("--baseline-db")
    parser.add_argument("--odoo-pid", type=int, help="the baseline node's Odoo master")
    parser.add_argument("--pg-pid", type=int, help="the baseline's PostgreSQL postmaster")
    parser.add_argument("--psql", help="command line of psql for the baseline's cluster")
    parser.add_argument("--url", help="the multi-node set-up's front (phase multi; none: the single node only)")
    parser.add_argument("--db", help="the multi-node set-up's database")
    parser.add_argument("--users", type=int, default=300)
    parser.add_argument("--spawn-rate", type=float, default=5)
    parser.add_argument("--duration", type=int, default=180, help="seconds of each run")
    parser.add_argument("--watchers", type=int, default=2000)
    parser.add_argument("--queue-department", type=int, help="the seeded queue's department (multi-node)")
    parser.add_argument("--queue-schedule", type=int, help="the seeded queue's clinic with a called patient")
    parser.add_argument("--probe", type=int, default=40, help="requests of each kind in the cost probe")
    parser.add_argument("--step", help="comma-separated users: step the load on the single node instead")
    parser.add_argument("--work", required=True, help="folder for the plans, locust's CSV files and logs")
    args = parser.parse_args()
    Path(args.work).mkdir(parents=True, exist_ok=True)
    if args.phase == "baseline":
        baseline_phase(args)
    else:
        multi_phase(args)


if __name__ == "__main__":
    main()
