"""Booking benchmark: many portal accounts race for one released clinic.

Run with `make bench-booking` (it builds a fresh copy of the demo database
and drops it afterwards). Steps:

1. in the database: a clinic of SLOTS numbers released a minute ago, CLIENTS
   portal accounts each managing one patient, and a signed-in session for each
   (made directly in Odoo's session store, so that password hashing is not
   what we measure);
2. Odoo starts with WORKERS worker processes on a free loopback port, behind
   HAProxy as in production: Odoo's own listen queue (8 x workers) is far too
   short for hundreds of simultaneous connections, so a reverse proxy holds
   them and passes Odoo no more than its workers can take;
3. every client makes one signed-in request (Odoo's session info: a
   session's first request records its device and rewrites the session),
   so that both phases find warm sessions and workers; then all clients
   POST to the portal's booking route, /my/ihospital/book, at once;
4. the same clients then POST to a trivial JSON route (Odoo's version info):
   the baseline, measured in the same run on the same machine;
5. the database is checked: booked appointments, slots booked beyond capacity.

The last line printed is the result:
booking clients=.. slots=.. booked=.. oversold=.. lost=.. errors=.. rps=.. p50_ms=.. p95_ms=..
baseline_rps=.. baseline_p95_ms=.. retries=..
(lost = requests without a definite answer; errors = definite answers other
than a booking or a refusal with a sentence; retries = requests Odoo retried
after a serialization failure). Exits 1 unless booked == slots,
oversold == 0 and lost == 0.
"""

import argparse
import http.client
import json
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def odoo_args(args):
    return [
        "-c",
        str(ROOT / "odoo.conf"),
        f"--addons-path={ROOT / 'addons'}",
        f"--db_host={args.db_host}",
        f"--data-dir={args.data_dir}",
        "-d",
        args.db,
    ]


def prepare(args):
    """Create the clinic, the accounts, their patients and their sessions.
    Returns (schedule id, [session ids])."""
    import odoo  # noqa: PLC0415 - only once the configuration is known
    from odoo import SUPERUSER_ID, api, fields, http  # noqa: PLC0415
    from odoo.service import security  # noqa: PLC0415

    odoo.tools.config.parse_config(odoo_args(args) + ["--log-level=warn"])
    registry = odoo.modules.registry.Registry(args.db)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True, "no_reset_password": True})
        company = env.ref("base.main_company")
        company.write({"booking_onsite_share": 0})
        department = env.ref("ihospital_base.hr_department_ophthalmology_demo")
        doctor = env.ref("ihospital_base.hr_employee_ophthalmology_2_demo")
        schedule = env["ihospital.schedule"].create(
            {
                "company_id": company.id,
                "department_id": department.id,
                "doctor_id": doctor.id,
                "date": fields.Date.today() + timedelta(days=3),
                "session": "evening",
                "capacity": args.slots,
                "slot_minutes": 1,
                "fee": 0,
                "room": "BENCH",
                "release_override": True,
                "release_at_manual": fields.Datetime.now() - timedelta(minutes=1),
            }
        )
        schedule.action_publish()
        portal = env.ref("base.group_portal")
        users = env["res.users"].create(
            [
                {
                    "name": f"Bench Client {i}",
                    "login": f"bench_client_{i}",
                    "company_id": company.id,
                    "company_ids": [(6, 0, company.ids)],
                    "groups_id": [(6, 0, portal.ids)],
                    "lang": "en_US",
                }
                for i in range(args.clients)
            ]
        )
        patients = env["ihospital.patient"].create(
            [
                {
                    "name": f"Bench Patient {i}",
                    "company_id": company.id,
                    "id_type": "passport",
                    "id_number": f"BENCH{i:06d}",
                }
                for i in range(args.clients)
            ]
        )
        env["ihospital.patient.account"].create(
            [
                {"user_id": user.id, "patient_id": patient.id, "relation": "self"}
                for user, patient in zip(users, patients, strict=True)
            ]
        )
        env.flush_all()
        sessions = []
        store = http.root.session_store
        for user, patient in zip(users, patients, strict=True):
            session = store.new()
            session.update(http.get_default_session(), db=args.db)
            session.uid = user.id
            session.login = user.login
            session.session_token = security.compute_session_token(session, env(user=user.id))
            session.context = {"lang": "en_US", "tz": "Asia/Shanghai", "uid": user.id}
            store.save(session)
            sessions.append((session.sid, patient.id))
        cr.commit()
        return schedule.id, sessions


def settle_database(args):
    """VACUUM ANALYZE and CHECKPOINT the fresh copy once it is prepared, so
    that neither the race nor the baseline meets autovacuum or a checkpoint
    of the set-up's writes (a run right after the template was installed
    met both)."""
    import psycopg2  # noqa: PLC0415

    from odoo import sql_db  # noqa: PLC0415

    _name, info = sql_db.connection_info_for(args.db)
    connection = psycopg2.connect(**info)
    try:
        connection.autocommit = True  # neither runs inside a transaction
        with connection.cursor() as cr:
            cr.execute("VACUUM ANALYZE")
            cr.execute("CHECKPOINT")
    finally:
        connection.close()


def forget_sessions(sessions):
    """Remove the benchmark's session files from the session store."""
    from odoo import http  # noqa: PLC0415

    store = http.root.session_store
    for sid, _patient in sessions:
        store.delete(store.get(sid))


def odoo_log(args):
    return Path(args.data_dir).parent / "bench-odoo.log"


def serialization_retries(args):
    """Requests Odoo retried after a serialization failure (logged by
    odoo.service.model at INFO), each after sleeping its worker."""
    with open(odoo_log(args), encoding="utf-8", errors="replace") as log:
        return sum("SERIALIZATION_FAILURE" in line for line in log)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_odoo(args, port):
    cmd = [
        str(ROOT / ".venv" / "bin" / "odoo"),
        *odoo_args(args),
        f"--db-filter=^{args.db}$",
        f"--workers={args.workers}",
        "--max-cron-threads=0",
        f"--http-port={port}",
        f"--gevent-port={free_port()}",
        "--http-interface=127.0.0.1",
        "--log-level=warn",
        # serialization failures retried by Odoo are logged at INFO here
        "--log-handler=odoo.service.model:INFO",
        "--limit-time-real=600",
        "--limit-time-cpu=600",
        "--db_maxconn=32",
    ]
    log = open(odoo_log(args), "w")  # noqa: SIM115 - closed with the process
    process = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            status, _body = post(port, "/web/webclient/version_info", {}, None, timeout=5)
            if status == 200:
                return process
        except OSError:
            pass
        if process.poll() is not None:
            break
        time.sleep(0.5)
    process.terminate()
    raise SystemExit(f"Odoo did not start; see {log.name}")


HAPROXY_CONF = """
global
    maxconn 8192
defaults
    mode http
    timeout connect 10s
    timeout client 600s
    timeout server 600s
    timeout queue 600s
frontend clients
    bind 127.0.0.1:{port}
    backlog 8192
    default_backend odoo
backend odoo
    # no more connections to Odoo than its workers can take at once: the
    # rest wait in HAProxy's queue instead of overflowing Odoo's
    server odoo 127.0.0.1:{odoo_port} maxconn {maxconn}
"""


def start_proxy(args, odoo_port):
    """HAProxy in front of Odoo, on a free loopback port. Returns (process, port)."""
    haproxy = shutil.which("haproxy") or "/usr/sbin/haproxy"
    if not Path(haproxy).exists():
        raise SystemExit("HAProxy is missing: the benchmark runs Odoo behind it (Debian: apt-get install haproxy).")
    folder = Path(args.data_dir).parent / "bench-proxy"
    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    conf = folder / "haproxy.cfg"
    conf.write_text(HAPROXY_CONF.format(port=port, odoo_port=odoo_port, maxconn=args.workers * 2))
    log = open(folder / "haproxy.log", "w")  # noqa: SIM115 - closed with the process
    process = subprocess.Popen([haproxy, "-db", "-f", str(conf)], stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return process, port
        if process.poll() is not None:
            break
        time.sleep(0.2)
    process.terminate()
    raise SystemExit(f"HAProxy did not start; see {log.name}")


def post(port, path, params, session_id, timeout):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        headers = {"Content-Type": "application/json"}
        if session_id:
            headers["Cookie"] = f"session_id={session_id}"
        body = json.dumps({"jsonrpc": "2.0", "method": "call", "params": params})
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def race(port, path, requests, timeout):
    """Send every request at once from its own thread; return
    [(seconds, status, body or None, exception or None)]."""
    barrier = threading.Barrier(len(requests))
    results = [None] * len(requests)

    def client(index, params, session_id):
        barrier.wait()
        started = time.perf_counter()
        try:
            status, body = post(port, path, params, session_id, timeout)
            results[index] = (time.perf_counter() - started, status, body, None)
        except Exception as exc:  # noqa: BLE001 - a lost request, counted below
            results[index] = (time.perf_counter() - started, None, None, exc)

    threads = [threading.Thread(target=client, args=(i, p, s)) for i, (p, s) in enumerate(requests)]
    begin = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - begin, results


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def classify_booking(result):
    """booked / refused / error (a definite answer of another kind) / lost."""
    _seconds, status, body, exc = result
    if exc is not None or status != 200 or body is None:
        return "lost"
    try:
        payload = json.loads(body)
    except ValueError:
        return "lost"
    answer = payload.get("result")
    if isinstance(answer, dict) and answer.get("ok"):
        return "booked"
    if isinstance(answer, dict) and answer.get("error"):
        return "refused"
    return "error"


def check_database(args, schedule_id):
    import odoo  # noqa: PLC0415

    registry = odoo.modules.registry.Registry(args.db)
    with registry.cursor() as cr:
        cr.execute("SELECT sum(booked_count), sum(capacity) FROM ihospital_slot WHERE schedule_id = %s", (schedule_id,))
        slot_booked, capacity = cr.fetchone()
        cr.execute(
            """SELECT count(*), count(DISTINCT patient_id), count(DISTINCT slot_id)
                        FROM ihospital_appointment WHERE schedule_id = %s AND state = 'booked'""",
            (schedule_id,),
        )
        appointments, patients, slots = cr.fetchone()
    return slot_booked, capacity, appointments, patients, slots


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--db-host", required=True)
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--clients", type=int, default=500)
    parser.add_argument("--slots", type=int, default=100)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--timeout", type=float, default=300)
    args = parser.parse_args()
    if args.workers < 2:
        parser.error("the benchmark runs Odoo with at least 2 workers")

    print(f"Preparing {args.clients} portal accounts and a clinic of {args.slots} slots ...", flush=True)
    schedule_id, sessions = prepare(args)
    settle_database(args)
    port = free_port()
    print(f"Starting Odoo with {args.workers} workers on 127.0.0.1:{port}, behind HAProxy ...", flush=True)
    process = start_odoo(args, port)
    proxy, port = start_proxy(args, port)
    try:
        # every client makes one signed-in request first (a session's first
        # one records its device and rewrites the session file): the
        # workers' registries and every session are warm, so that the race
        # and the baseline pay the same
        race(port, "/web/session/get_session_info", [({}, sid) for sid, _p in sessions], args.timeout)
        booking_requests = [({"schedule_id": schedule_id, "patient_id": pid}, sid) for sid, pid in sessions]
        booking_time, booking = race(port, "/my/ihospital/book", booking_requests, args.timeout)
        baseline_time, baseline = race(
            port, "/web/webclient/version_info", [({}, sid) for sid, _p in sessions], args.timeout
        )
    finally:
        proxy.terminate()
        process.terminate()
        proxy.wait(30)
        process.wait(30)

    forget_sessions(sessions)
    kinds = [classify_booking(r) for r in booking]
    booked, refused = kinds.count("booked"), kinds.count("refused")
    errors, lost = kinds.count("error"), kinds.count("lost")
    slot_booked, capacity, appointments, patients, slots = check_database(args, schedule_id)
    # places sold beyond capacity, plus places sold twice (two appointments on one slot)
    oversold = max(0, max(appointments, slot_booked) - capacity) + (appointments - slots)
    booking_ms = [r[0] * 1000 for r in booking]
    baseline_ok = [r for r in baseline if r[1] == 200]
    baseline_ms = [r[0] * 1000 for r in baseline]
    refusals = {}
    for result, kind in zip(booking, kinds, strict=True):
        if kind == "refused":
            message = json.loads(result[2])["result"]["error"].split(" for ")[0]
            refusals[message] = refusals.get(message, 0) + 1
    print(f"refusals: {refusals}")
    failures = {}
    for result, kind in zip(booking, kinds, strict=True):
        if kind == "lost":
            reason = repr(result[3]) if result[3] else f"HTTP {result[1]}"
            failures[reason[:80]] = failures.get(reason[:80], 0) + 1
    if failures:
        print(f"lost requests: {failures}")
    print(
        f"database: appointments={appointments} distinct_patients={patients} distinct_slots={slots} "
        f"slot_booked_count={slot_booked} capacity={capacity}"
    )
    print(f"baseline: {len(baseline_ok)}/{len(baseline)} answered, p50_ms={statistics.median(baseline_ms):.0f}")
    print(
        f"booking clients={args.clients} slots={args.slots} booked={appointments} oversold={oversold} "
        f"lost={lost} errors={errors} rps={args.clients / booking_time:.1f} "
        f"p50_ms={statistics.median(booking_ms):.0f} p95_ms={percentile(booking_ms, 0.95):.0f} "
        f"baseline_rps={args.clients / baseline_time:.1f} baseline_p95_ms={percentile(baseline_ms, 0.95):.0f} "
        f"retries={serialization_retries(args)}"
    )
    ok = appointments == booked == args.slots and oversold == 0 and lost == 0 and refused == args.clients - args.slots
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
