"""Live queue benchmark: 2,000 anonymous waiting-room screens on one
department's queue, one queue event a second, with Odoo's bus dispatching
(baseline) and with ihospital_base's shared fetch (bus_fanout.py), in one run.

Run with `make bench-queue` (it builds a fresh copy of the demo database and
drops it afterwards). Steps:

1. the demo cardiology (心血管内科) gets a published schedule today with a
   checked-in patient, whom its nurse (demo login `nurse`) calls
   (`odoo shell`);
2. for the baseline (`ihospital_bus_shared_fetch = False`,
   `ihospital_db_pool_wait = 0`: Odoo's own dispatch and connection pool) and
   then the override (both options at their defaults), Odoo starts with
   `--workers=2 --gevent-port=8372 --http-port=8369`, no cron, and:
   a. BURST websockets connect within BURST_SECONDS (anonymous, subscribing
      to the department's channel); refused = HTTP errors on the handshake
      or websockets closed by the server within 3 s (e.g. "try later" when
      no database connection is free);
   b. WATCHERS anonymous websockets connect (CONNECT_RATE a second) and
      subscribe to the department's channel; after 12 s of quiet, the nurse
      recalls the called patient once a second for SECONDS seconds
      (XML-RPC); each watcher's receipt of each event is timed from the
      moment the nurse's request was answered (committed and notified);
   c. the database's transactions (pg_stat_database xact_commit +
      xact_rollback) are counted from before the first event to 11 s after
      the last one's deadline (PostgreSQL flushes a backend's counters within
      10 s): per event, the nurse's request and its read-back through
      /websocket/peek_notifications included.
   d. the same with SMALL (50) watchers and 10 events, for the transactions
      per event that do not depend on the watchers.
   The watchers are bench/queue_watchers.py (asyncio, no extra package); the
   open-files limit is raised to the hard limit (tools/bench-queue.sh).

The last line printed is the result:
queue watchers=.. events=.. delivered=.. p95_ms=.. xacts_per_event=.. baseline_delivered=..
baseline_p95_ms=.. baseline_xacts_per_event=.. burst=.. burst_refused=.. baseline_burst_refused=..
small_watchers=.. small_xacts_per_event=.. baseline_small_xacts_per_event=..
(delivered = % of the pairs watcher x event received within 6 s; p95_ms over
those pairs). Exits 1 unless the override delivers every event to every
watcher, with p95 <= 1 s, and refuses no websocket of the burst.
"""

import argparse
import json
import subprocess
import sys
import tempfile
import time
import xmlrpc.client
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

import queue_watchers  # noqa: E402 - bench/ is the script's folder
from his_harness import DATA_DIR, VENV_BIN, odoo_shell, psql, wait_for  # noqa: E402 - tests/ is put on the path

HTTP_PORT, GEVENT_PORT = 8369, 8372  # issue 17's ports for this benchmark

SEED = """
import json
from odoo import fields
department = env.ref("ihospital_base.hr_department_cardiology_demo")
hospital = department.company_id
today = fields.Date.context_today(env["res.company"].with_context(tz=hospital.hospital_tz))
schedule = env["ihospital.schedule"].create({
    "company_id": hospital.id, "department_id": department.id,
    "doctor_id": env.ref("ihospital_base.hr_employee_cardiology_3_demo").id,
    "date": today, "session": "evening", "capacity": 5, "room": "BENCH-1",
})
schedule.action_publish()
patient = env["ihospital.patient"].search([("company_id", "=", hospital.id)], limit=1)
env["ihospital.appointment"].create({
    "company_id": hospital.id, "patient_id": patient.id, "schedule_id": schedule.id,
    "slot_id": schedule.slot_ids[0].id, "state": "checked_in", "queue_state": "waiting",
    "queue_number": 1, "channel": "window",
})
schedule.with_user(env.ref("ihospital_base.user_nurse_demo")).action_call_next()
env.cr.commit()
print(json.dumps({"department": department.id, "schedule": schedule.id}))
"""


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", required=True)
    parser.add_argument("--db-host", required=True)
    parser.add_argument("--watchers", type=int, default=2000)
    parser.add_argument("--seconds", type=int, default=30, help="queue events, one a second")
    parser.add_argument("--connect-rate", type=float, default=200.0, help="watchers connected per second")
    parser.add_argument("--burst", type=int, default=500)
    parser.add_argument("--burst-seconds", type=float, default=2.0)
    parser.add_argument("--small", type=int, default=50, help="watchers of the second, small measure (xacts per event)")
    parser.add_argument("--only", choices=["baseline", "override"], help="run one side only")
    return parser.parse_args()


def transactions(db):
    return int(psql(f"SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = '{db}'"))


class Odoo:
    """Odoo on the benchmark's copy, with `options` added to odoo.conf."""

    def __init__(self, args, tmp, name, options):
        self.args, self.name = args, name
        self.config = tmp / f"{name}.conf"
        lines = (ROOT / "odoo.conf").read_text().splitlines()
        lines += [f"{key} = {value}" for key, value in options.items()]
        self.config.write_text("\n".join(lines) + "\n")
        self.log = tmp / f"{name}.log"
        self.process = None

    def __enter__(self):
        self.process = subprocess.Popen(
            [
                str(VENV_BIN / "odoo"),
                "-c",
                str(self.config),
                f"--addons-path={ROOT / 'addons'}",
                f"--db_host={self.args.db_host}",
                f"--data-dir={DATA_DIR}",
                "-d",
                self.args.db,
                f"--db-filter=^{self.args.db}$",
                f"--http-port={HTTP_PORT}",
                f"--gevent-port={GEVENT_PORT}",
                "--workers=2",
                "--max-cron-threads=0",
                "--log-level=warn",
                f"--logfile={self.log}",
            ],
            stdin=subprocess.DEVNULL,
        )

        def up():
            if self.process.poll() is not None:
                raise AssertionError(f"Odoo exited with {self.process.returncode}; see {self.log}")
            try:
                xmlrpc.client.ServerProxy(f"http://127.0.0.1:{HTTP_PORT}/xmlrpc/2/common").version()
                return True
            except OSError:
                return False

        wait_for(up, 120, f"Odoo ({self.name}) on port {HTTP_PORT} (log: {self.log})", interval=0.5)
        return self

    def __exit__(self, *exc):
        self.process.terminate()
        try:
            self.process.wait(60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        time.sleep(2)


def run_side(args, tmp, seeded, name, options):
    url, ws_url = f"http://127.0.0.1:{HTTP_PORT}", f"http://127.0.0.1:{GEVENT_PORT}"
    with Odoo(args, tmp, name, options):
        # the websocket process loads the registry on its first websocket: not part of the burst
        queue_watchers.burst(ws_url, seeded["department"], count=1, spread=0, hold=3)
        burst = queue_watchers.burst(ws_url, seeded["department"], args.burst, args.burst_seconds)
        print(
            f"{name}: {args.burst} websockets within {args.burst_seconds}s: refused {burst['refused'] or 0}", flush=True
        )
        time.sleep(5)
        counted = {}

        def before_events():
            counted["before"] = transactions(args.db)

        def after_events():
            time.sleep(11)
            counted["after"] = transactions(args.db)

        result = queue_watchers.measure(
            url,
            args.db,
            seeded["department"],
            watchers=args.watchers,
            seconds=args.seconds,
            connect_rate=args.connect_rate,
            settle=12,
            schedule=seeded["schedule"],
            ws_url=ws_url,
            before_events=before_events,
            after_events=after_events,
        )
        result["xacts_per_event"] = round((counted["after"] - counted["before"]) / max(1, result["events"]), 1)
        # the same with a few watchers: what does not grow with them
        small = queue_watchers.measure(
            url,
            args.db,
            seeded["department"],
            watchers=args.small,
            seconds=10,
            connect_rate=args.connect_rate,
            settle=12,
            schedule=seeded["schedule"],
            ws_url=ws_url,
            before_events=before_events,
            after_events=after_events,
        )
        result["small_watchers"] = small["queue_watchers"]
        result["small_xacts_per_event"] = round((counted["after"] - counted["before"]) / max(1, small["events"]), 1)
        result["burst_refused"] = burst["burst_refused"]
        result["burst_refusals"] = burst["refused"]
        print(f"{name}: {json.dumps(result, sort_keys=True)}", flush=True)
        return result


def main():
    args = parse_args()
    queue_watchers.raise_open_files(args.watchers + args.burst + 256)
    seeded = json.loads(odoo_shell(args.db, args.db_host, SEED).strip().splitlines()[-1])
    print(f"department {seeded['department']}, schedule {seeded['schedule']}", flush=True)
    results = {}
    with tempfile.TemporaryDirectory(prefix="bench-queue-") as tmp:
        tmp = Path(tmp)
        sides = {
            "baseline": {"ihospital_bus_shared_fetch": False, "ihospital_db_pool_wait": 0},
            "override": {"ihospital_bus_shared_fetch": True},
        }
        for name, options in sides.items():
            if args.only in (None, name):
                results[name] = run_side(args, tmp, seeded, name, options)
    after, before = results.get("override"), results.get("baseline")
    empty = {
        "queue_watchers": 0,
        "events": 0,
        "delivered_pct": 0,
        "p95_ms": 0,
        "xacts_per_event": 0,
        "burst_refused": 0,
    }
    after, before = after or empty, before or empty
    print(
        f"queue watchers={after['queue_watchers'] or before['queue_watchers']}"
        f" events={after['events'] or before['events']}"
        f" delivered={after['delivered_pct']} p95_ms={after['p95_ms']} xacts_per_event={after['xacts_per_event']}"
        f" baseline_delivered={before['delivered_pct']} baseline_p95_ms={before['p95_ms']}"
        f" baseline_xacts_per_event={before['xacts_per_event']} burst={args.burst}"
        f" burst_refused={after['burst_refused']} baseline_burst_refused={before['burst_refused']}"
        f" small_watchers={args.small} small_xacts_per_event={after.get('small_xacts_per_event', 0)}"
        f" baseline_small_xacts_per_event={before.get('small_xacts_per_event', 0)}"
    )
    if args.only == "baseline":
        return 0
    ok = after["delivered_pct"] == 100 and after["p95_ms"] <= 1000 and not after["burst_refused"] and not after["dup"]
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
