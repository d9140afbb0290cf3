"""Critical values benchmark: critical lab results (危急值) from the hospital's
laboratory, through the gateway, to the clinician's open staff app, while
thousands of older alerts are open and a thousand of them fall due for
escalation.

Run with `make bench-critical` (it builds a fresh copy of the demo database and
drops it afterwards). Steps:

1. OPEN older alerts of the demo hospital are created before Odoo starts
   (bench/critical_seed.py in `odoo shell`: the demo's catalog of critical
   values over its clinical departments, doctors and patients, routed by the
   engine, notices long sent), DUE of them waiting for an acknowledgement or a
   handling;
2. Odoo starts with WORKERS worker processes, CRON_WORKERS cron workers (2,
   Odoo's default) and its websocket (gevent) process, on free loopback
   ports; the gateway starts with an empty spool and the demo integration
   user's API key;
3. PATIENTS new patients are registered through the gateway (ADT^A04), half of
   them admitted to cardiology (心血管内科, ADT^A01);
4. a websocket client signs in as the cardiology department head (demo login
   `head`), whom the engine tells of every critical value of the department at
   once, and subscribes to the bus as the staff app does;
5. the DUE alerts' deadlines are moved to DUE_AFTER seconds from now (and the
   escalation cron is triggered for then); CLIENTS laboratory threads send
   RESULTS ORU^R01 lab results of these patients for cardiology, each with one
   critical value (OBX-8 HH/LL, or AA for a positive blood culture), over short
   MLLP connections, timing each acknowledgement;
6. the run ends when Odoo has processed every acknowledged message, the
   websocket client has been told of each new alert, and the escalation pass
   that found the DUE alerts has finished (read from Odoo's log: the cron's
   "starting" line to its "processed N records" line, written after commit).

The last line printed is the result:
critical results=.. alerts=.. missing=.. dup=.. p95_notify_ms=.. escalation_sweep_ms=.. baseline_p95_ack_ms=..
(results = critical results acknowledged by the gateway; alerts = new alerts Odoo
raised for them (a result can have more than its one critical line judged
critical by the hospital's limits); missing = acknowledged results without an
alert, or with an alert the websocket client was not told of; dup = results
with two alerts for one test, or with an alert told twice to the client;
p95_notify_ms = 95th percentile, over the results, of the time from the
gateway's acknowledgement to the client receiving the notification of the
result's alerts; escalation_sweep_ms = one escalation pass over the open alerts
(OPEN + the new ones), DUE of them due, commit included; baseline_p95_ack_ms =
95th percentile of the gateway's acknowledgements in the same run). Exits 1
unless every result was acknowledged, missing == 0, dup == 0 and the
escalation pass escalated the DUE alerts.
"""

import contextlib
import json
import random
import re
import sys
import tempfile
import threading
import time
import urllib.request
from collections import Counter, defaultdict
from datetime import datetime
from pathlib import Path

import websocket

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from bench_common import (  # noqa: E402 - bench/ is the script's folder
    bench_parser,
    odoo_and_gateway,
    percentile,
    register_patients,
    send_and_apply,
    send_concurrently,
    stored_ids,
    wait_applied,
)
from his_harness import odoo_shell, psql, wait_for  # noqa: E402 - tests/ is put on the path just above
from ihospital_gateway import simulator  # noqa: E402

DEPARTMENT = "XNK"  # cardiology (心血管内科) of the demo hospital
LISTENER = ("head", "head")  # its department head (陈志远), a recipient of each of its alerts
OPEN_STATES = ["to_acknowledge", "acknowledged", "handled"]  # ihospital_critical_alert.OPEN_STATES
CRON_LOG = "odoo.addons.base.models.ir_cron"
CRON_LINE = re.compile(
    r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}) .* Job .* \((\d+)\) (starting|processed (\d+) records)"
)


def seed(args, tmp):
    """OPEN older alerts, DUE of them to fall due; returns the DUE alerts' ids."""
    out = tmp / "due.json"
    code = (
        f"import sys\nsys.path.insert(0, {str(ROOT / 'bench')!r})\nimport critical_seed\n"
        f"critical_seed.seed(env, {args.open}, {args.due}, {str(out)!r})\nenv.cr.commit()\n"
    )
    print(odoo_shell(args.db, args.db_host, code).strip())
    # the planner's statistics and a checkpoint before the run, not during it
    psql("VACUUM ANALYZE", args.db)
    psql("CHECKPOINT", args.db)
    return json.loads(out.read_text())


class Listener:
    """A clinician's open staff app: a session signed in over HTTP, a websocket to
    Odoo's bus subscribed as the web client subscribes (the user's partner channel
    is implied by the session), and the moment each critical value alert arrived."""

    def __init__(self, odoo, login, password):
        self.session_id = self._sign_in(odoo, login, password)
        self.ws = websocket.create_connection(
            odoo.websocket_url,
            cookie=f"session_id={self.session_id}",
            origin=f"http://127.0.0.1:{odoo.gevent_port}",
            timeout=60,  # the websocket process loads the database's registry on its first request
        )
        self.ws.settimeout(1)  # then the listening thread looks up every second whether to stop
        self.ws.send(json.dumps({"event_name": "subscribe", "data": {"channels": [], "last": 0}}))
        self.received = []  # (alert id, escalation level, time.perf_counter())
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._listen, daemon=True)
        self.thread.start()

    @staticmethod
    def _sign_in(odoo, login, password):
        body = {"jsonrpc": "2.0", "method": "call", "params": {"db": odoo.db, "login": login, "password": password}}
        request = urllib.request.Request(
            f"{odoo.url}/web/session/authenticate",
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            answer = json.load(response)
            cookies = response.headers.get_all("Set-Cookie") or []
        if "error" in answer:
            raise AssertionError(f"{login} cannot sign in: {answer['error']}")
        for cookie in cookies:
            name, _sep, rest = cookie.partition("=")
            if name.strip() == "session_id":
                return rest.split(";", 1)[0]
        raise AssertionError(f"no session cookie for {login}")

    def _listen(self):
        while not self.stopping.is_set():
            try:
                frame = self.ws.recv()
            except websocket.WebSocketTimeoutException:
                continue
            except (websocket.WebSocketConnectionClosedException, OSError):
                return
            arrived = time.perf_counter()
            for notification in json.loads(frame) if frame else []:
                message = notification["message"]
                if message["type"] == "ihospital_critical/alert":
                    payload = message["payload"]
                    self.received.append((payload["id"], payload["level"], arrived))

    def first_notices(self):
        """{alert id: [arrival times]} of the alerts' first notices (level 0)."""
        notices = defaultdict(list)
        for alert_id, level, arrived in list(self.received):
            if level == 0:
                notices[alert_id].append(arrived)
        return notices

    def close(self):
        if not self.stopping.is_set():
            self.stopping.set()
            self.ws.close()
            self.thread.join(5)


def prepare_patients(args, rpc, hl7_port):
    """New patients registered through the gateway, half of them admitted to the department."""
    rng = random.Random(42)
    patients = [simulator.new_patient(rng, 810000 + n) for n in range(args.patients)]
    register_patients(rpc, hl7_port, patients, prefix="CREG-")
    admissions = [
        simulator.build(
            "hl7",
            "admission.admit",
            f"CADM-{n}",
            simulator.admission_data(rng, patient, f"ZYB{n:06d}", department_code=DEPARTMENT),
        )
        for n, patient in enumerate(patients[::2])
    ]
    send_and_apply(rpc, hl7_port, admissions, "CADM-", "the benchmark's admissions in Odoo")
    return patients


def make_due(args, due_ids, cron_id):
    """The DUE alerts fall due DUE_AFTER seconds from now; the escalation cron is
    triggered for then (Odoo's cron worker wakes at each HIS batch meanwhile)."""
    ids = ",".join(str(int(alert_id)) for alert_id in due_ids)
    psql(
        "UPDATE ihospital_critical_alert SET next_escalation_at = (now() at time zone 'UTC') + "
        f"interval '{args.due_after} seconds' WHERE id = ANY('{{{ids}}}'::int[])",
        args.db,
    )
    psql(
        "INSERT INTO ir_cron_trigger (cron_id, call_at) VALUES "
        f"({int(cron_id)}, (now() at time zone 'UTC') + interval '{args.due_after + 0.1} seconds')",
        args.db,
    )


def escalation_passes(log_path, cron_id, offset):
    """[(alerts escalated, ms from the pass's start to its commit)] from Odoo's log,
    of the passes that started after `offset` (the log's size when the run began)."""
    passes, started = [], None
    with open(log_path, "rb") as log:
        log.seek(offset)
        lines = log.read().decode(errors="replace").splitlines()
    for line in lines:
        match = CRON_LINE.match(line)
        if not match or int(match.group(2)) != cron_id:
            continue
        at = datetime.strptime(match.group(1), "%Y-%m-%d %H:%M:%S,%f")
        if match.group(3) == "starting":
            started = at
        elif started is not None:
            passes.append((int(match.group(4)), (at - started).total_seconds() * 1000))
            started = None
    return passes


def run(args, tmp, due_ids):
    """Steps 2 to 6; returns (acks, the new alerts, the listener's notices, the
    escalation passes, the control ids processed, the open alerts after the run)."""
    with odoo_and_gateway(args, tmp, log_handlers=[f"{CRON_LOG}:INFO"]) as (odoo, hl7_port):
        rpc = odoo.rpc()
        cron_id = rpc(
            "ir.model.data",
            "search_read",
            [("module", "=", "ihospital_staff"), ("name", "=", "ir_cron_critical_escalation")],
            fields=["res_id"],
        )[0]["res_id"]
        patients = prepare_patients(args, rpc, hl7_port)
        doctors = [code for code, _name, department, *_rest in simulator.DOCTORS if department == DEPARTMENT]

        def build(index, rng):
            control_id = f"CRIT-{index:06d}"
            patient = patients[index % len(patients)]
            text = simulator.build_lab_result(
                control_id, patient, rng, critical=True, department_code=DEPARTMENT, doctor_code=rng.choice(doctors)
            )
            return control_id, text

        listener = Listener(odoo, *LISTENER)
        try:
            print(
                f"{args.open} open alerts ({len(due_ids)} due in {args.due_after}s); sending {args.results} "
                f"critical ORU^R01 with {args.clients} clients"
            )
            log_offset = odoo.log_path.stat().st_size
            make_due(args, due_ids, cron_id)
            acks, started = send_concurrently(hl7_port, args.clients, args.results, build)
            print(f"acked {len(acks)} of {args.results} in {time.perf_counter() - started:.1f}s")
            wait_applied(rpc, "CRIT-", len(acks), args.timeout)
            processed = {m["control_id"] for m in stored_ids(rpc, "CRIT-") if m["state"] == "processed"}
            # the new alerts, by the report number the simulator derives from the control id
            alerts = rpc(
                "ihospital.critical.alert",
                "search_read",
                [("report_number", "in", ["LR" + control_id[-30:] for control_id in acks])],
                fields=["report_number", "item_code"],
            )
            alert_ids = {alert["id"] for alert in alerts}
            with contextlib.suppress(AssertionError):  # what was not told is counted as missing
                wait_for(lambda: alert_ids <= set(listener.first_notices()), 60, "the new alerts' notices")

            def escalated():
                # the pass that found the DUE alerts: a demo alert falling due on its own just before
                # makes an earlier pass of one alert, which is not the one measured
                passes = [p for p in escalation_passes(odoo.log_path, cron_id, log_offset) if p[0] >= len(due_ids)]
                if not passes:  # wake the cron worker: its own timer is a minute
                    psql(f"NOTIFY cron_trigger, '{args.db}'")
                return passes

            passes = []
            with contextlib.suppress(AssertionError):  # a missing pass fails the run below
                passes = wait_for(escalated, args.timeout, "the escalation pass", interval=1)
            open_alerts = rpc.count("ihospital.critical.alert", [("state", "in", OPEN_STATES)])
        finally:
            listener.close()
    return acks, alerts, listener, passes, processed, open_alerts


def main():
    parser = bench_parser(__doc__.splitlines()[0])
    parser.add_argument("--results", type=int, default=1000, help="critical lab results sent")
    parser.add_argument("--clients", type=int, default=8, help="laboratory threads sending them")
    parser.add_argument("--patients", type=int, default=100)
    parser.add_argument("--open", type=int, default=10000, help="older open alerts")
    parser.add_argument("--due", type=int, default=1000, help="of which due for escalation during the run")
    parser.add_argument("--due-after", type=float, default=1.0, help="seconds after the first send")
    parser.add_argument("--timeout", type=float, default=600, help="seconds to wait for each phase")
    # Odoo's own default: one cron worker applies the HIS results while the
    # other runs the escalation pass and the notices
    parser.set_defaults(cron_workers=2)
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="bench-critical-"))
    due_ids = seed(args, tmp)
    acks, alerts, listener, passes, processed, open_alerts = run(args, tmp, due_ids)

    notices = listener.first_notices()
    alerts_of = defaultdict(list)
    for alert in alerts:
        alerts_of[alert["report_number"][2:]].append(alert)  # "LR" + the control id
    missing = dup = 0
    delays = []
    for control_id, (_latency, acked_at) in acks.items():
        own = alerts_of[control_id]
        if not own or any(alert["id"] not in notices for alert in own):
            missing += 1
            continue
        told_twice = any(len(notices[alert["id"]]) > 1 for alert in own)
        if told_twice or max(Counter(alert["item_code"] for alert in own).values()) > 1:
            dup += 1
        delays.append((max(notices[alert["id"]][0] for alert in own) - acked_at) * 1000)
    escalated_count, sweep_ms = passes[0] if passes else (0, -1)
    several = sum(1 for own in alerts_of.values() if len(own) > 1)
    print(
        f"processed {len(processed & set(acks))} of {len(acks)}; {several} results with another test critical by the "
        f"hospital's limits; escalation passes (escalated, ms) {passes}, {open_alerts} open alerts after the run; "
        f"{sum(1 for _id, level, _at in listener.received if level)} escalation notices to the client besides; "
        f"logs in {tmp}"
    )
    print(
        f"critical results={len(acks)} alerts={len(alerts)} missing={missing} dup={dup} "
        f"p95_notify_ms={percentile(delays, 0.95):.0f} escalation_sweep_ms={sweep_ms:.0f} "
        f"baseline_p95_ack_ms={percentile([latency for latency, _at in acks.values()], 0.95):.1f}"
    )
    # the demo's own open alerts may fall due in the same pass
    ok = len(acks) == args.results and missing == 0 and dup == 0 and escalated_count >= len(due_ids)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
