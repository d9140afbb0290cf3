"""The multi-node cluster of tools/cluster.sh for the tests: started in a
folder of its own with its own ports, driven through HAProxy like a browser,
checked directly in PostgreSQL."""

import http.client
import json
import os
import shutil
import socket
import subprocess
import threading
import time
import uuid
from pathlib import Path

import psycopg2
from his_harness import ROOT, VENV_BIN, wait_for

CLUSTER = ROOT / "tools" / "cluster.sh"
BACKUP = ROOT / "tools" / "backup.sh"


def free_port_base(count=10, start=18100, stop=30000, step=20):
    """A base port N such that N .. N+count-1 are free on the loopback."""
    for base in range(start, stop, step):
        try:
            for port in range(base, base + count):
                with socket.socket() as sock:
                    sock.bind(("127.0.0.1", port))
        except OSError:
            continue
        return base
    raise RuntimeError("no free range of ports for the cluster")


def run(cmd, timeout=900):
    """Run a command; fail with its output; return its stdout."""
    result = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, timeout=timeout)
    if result.returncode:
        command = " ".join(map(str, cmd))
        raise AssertionError(f"{command} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
    return result.stdout


def last_line_fields(output, prefix):
    """`prefix a=1 b=2` among the output's lines -> {"a": "1", "b": "2"}."""
    line = [line for line in output.splitlines() if line.startswith(prefix + " ")][-1]
    return dict(part.split("=", 1) for part in line.split()[1:])


class Cluster:
    def __init__(self, folder, db):
        self.dir = Path(folder)
        self.db = db
        self.port_base = free_port_base()
        self.front = self.port_base
        self.stats = self.port_base + 1
        self.node_http = {1: self.port_base + 2, 2: self.port_base + 4}
        self.start_output = ""

    # ---------------------------------------------------------- processes
    def cluster(self, *args, timeout=900):
        return run([CLUSTER, *args, "--dir", self.dir], timeout=timeout)

    def start(self):
        self.start_output = run(
            [CLUSTER, "start", "--dir", self.dir, "--db", self.db, "--port-base", self.port_base], timeout=1800
        )
        return self.start_output

    def stop(self):
        subprocess.run([str(CLUSTER), "stop", "--dir", str(self.dir)], capture_output=True, timeout=300, check=False)

    def state(self):
        values = {}
        for line in (self.dir / "cluster.env").read_text().splitlines():
            key, _sep, value = line.partition("=")
            values[key] = value.strip("'")
        return values

    # ---------------------------------------------------------- database
    def connect(self, port=None, db=None, host=None):
        state = self.state()
        connection = psycopg2.connect(
            host=host or str(self.dir / "run"),
            port=port or int(state["C_PRIMARY_PORT"]),
            user="ihospital",
            dbname=db or self.db,
        )
        connection.autocommit = True
        return connection

    def sql(self, query, params=None, port=None, db=None, host=None):
        connection = self.connect(port, db, host)
        try:
            with connection.cursor() as cr:
                cr.execute(query, params)
                return cr.fetchall() if cr.description else None
        finally:
            connection.close()

    def odoo_shell(self, code):
        state = self.state()
        cmd = [
            str(VENV_BIN / "odoo"),
            "shell",
            "-c",
            str(ROOT / "odoo.conf"),
            f"--addons-path={ROOT / 'addons'}",
            f"--db_host={self.dir / 'run'}",
            f"--db_port={state['C_PRIMARY_PORT']}",
            f"--data-dir={self.dir / 'odoo-data'}",
            "-d",
            self.db,
            "--no-http",
            "--log-level=warn",
        ]
        result = subprocess.run(cmd, input=code, capture_output=True, text=True, timeout=600)
        if result.returncode:
            raise AssertionError(f"odoo shell failed:\n{result.stderr[-4000:]}")
        return result.stdout

    # ---------------------------------------------------------- HAProxy
    def haproxy_servers(self, backend="odoo_http"):
        """{server: (status, total sessions)} from HAProxy's statistics."""
        connection = http.client.HTTPConnection("127.0.0.1", self.stats, timeout=5)
        connection.request("GET", "/;csv")
        lines = connection.getresponse().read().decode().splitlines()
        connection.close()
        servers = {}
        for line in lines[1:]:
            cols = line.split(",")
            if cols[0] == backend and cols[1].startswith("node"):
                servers[cols[1]] = (cols[17], int(cols[7] or 0))
        return servers

    def wait_server(self, server, status, timeout=60):
        return wait_for(
            lambda: self.haproxy_servers()[server][0].startswith(status), timeout, f"HAProxy to mark {server} {status}"
        )

    # ---------------------------------------------------------- HTTP
    def request(self, method, path, body=None, headers=None, timeout=60):
        connection = http.client.HTTPConnection("127.0.0.1", self.front, timeout=timeout)
        try:
            connection.request(method, path, body=body, headers=headers or {})
            response = connection.getresponse()
            return response.status, response.read(), response.getheaders()
        finally:
            connection.close()

    def json_rpc(self, path, params, session_id=None, timeout=60):
        headers = {"Content-Type": "application/json"}
        if session_id:
            headers["Cookie"] = f"session_id={session_id}"
        body = json.dumps({"jsonrpc": "2.0", "method": "call", "params": params})
        status, data, response_headers = self.request("POST", path, body, headers, timeout)
        return status, json.loads(data) if status == 200 else data, response_headers


def prepare_booking(cluster, patients):
    """A released clinic with room for every patient, `patients` portal accounts
    each managing one patient, and a signed-in session of each (made in Odoo's
    session store, shared by the nodes). Returns (schedule id, [(sid, patient id)])."""
    tag = uuid.uuid4().hex[:6]
    output = cluster.odoo_shell(
        f"""
from datetime import timedelta
from odoo import fields, http
from odoo.service import security
env = env(context=dict(env.context, tracking_disable=True, no_reset_password=True))
company = env.ref("base.main_company")
company.write({{"booking_onsite_share": 0}})
schedule = env["ihospital.schedule"].create({{
    "company_id": company.id,
    "department_id": env.ref("ihospital_base.hr_department_ophthalmology_demo").id,
    "doctor_id": env.ref("ihospital_base.hr_employee_ophthalmology_2_demo").id,
    "date": fields.Date.today() + timedelta(days=3),
    "session": "evening", "capacity": {patients + 10}, "slot_minutes": 1, "fee": 0, "room": "CLUSTER",
    "release_override": True, "release_at_manual": fields.Datetime.now() - timedelta(minutes=1),
}})
schedule.action_publish()
portal = env.ref("base.group_portal")
users = env["res.users"].create([{{
    "name": f"Cluster Client {{i}}", "login": f"cluster_{tag}_{{i}}", "company_id": company.id,
    "company_ids": [(6, 0, company.ids)], "groups_id": [(6, 0, portal.ids)], "lang": "en_US",
}} for i in range({patients})])
patients = env["ihospital.patient"].create([{{
    "name": f"Cluster Patient {{i}}", "company_id": company.id, "id_type": "passport",
    "id_number": f"CL{tag}{{i:05d}}",
}} for i in range({patients})])
env["ihospital.patient.account"].create([
    {{"user_id": u.id, "patient_id": p.id, "relation": "self"}} for u, p in zip(users, patients)
])
env.flush_all()
store = http.root.session_store
out = []
for user, patient in zip(users, patients):
    session = store.new()
    session.update(http.get_default_session(), db=env.cr.dbname)
    session.uid = user.id
    session.login = user.login
    session.session_token = security.compute_session_token(session, env(user=user.id))
    session.context = {{"lang": "en_US", "tz": "Asia/Shanghai", "uid": user.id}}
    store.save(session)
    out.append((session.sid, patient.id))
env.cr.commit()
import json
print("PREPARED", schedule.id, json.dumps(out))
"""
    )
    line = [line for line in output.splitlines() if line.startswith("PREPARED ")][-1]
    _tag, schedule_id, rest = line.split(" ", 2)
    return int(schedule_id), [tuple(client) for client in json.loads(rest)]


class BookingLoad:
    """Clients booking one patient each, `threads` at a time, through HAProxy;
    every answer is kept with the time it came."""

    def __init__(self, cluster, schedule_id, clients, threads=4, pause=0.05):
        self.cluster = cluster
        self.schedule_id = schedule_id
        self.clients = list(clients)
        self.threads = threads
        self.pause = pause
        self.results = []  # (sid, patient_id, sent, answered, outcome, appointment_id or error)
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.workers = []

    def _next(self):
        with self.lock:
            return self.clients.pop(0) if self.clients else None

    def _work(self):
        while not self.stopping.is_set():
            client = self._next()
            if client is None:
                return
            sid, patient_id = client
            sent = time.time()
            try:
                status, answer, _headers = self.cluster.json_rpc(
                    "/my/ihospital/book", {"schedule_id": self.schedule_id, "patient_id": patient_id}, sid, timeout=60
                )
                result = answer.get("result") if status == 200 and isinstance(answer, dict) else None
                if result and result.get("ok"):
                    outcome, detail = "booked", result["appointment_id"]
                elif result:
                    outcome, detail = "refused", result.get("error")
                else:
                    outcome, detail = "failed", f"HTTP {status}: {str(answer)[:200]}"
            except (OSError, http.client.HTTPException, ValueError) as error:
                outcome, detail = "failed", repr(error)
            with self.lock:
                self.results.append((sid, patient_id, sent, time.time(), outcome, detail))
            time.sleep(self.pause)

    def start(self):
        self.workers = [threading.Thread(target=self._work, daemon=True) for _ in range(self.threads)]
        for worker in self.workers:
            worker.start()
        return self

    def wait_count(self, count, timeout=120):
        wait_for(lambda: len(self.results) >= count, timeout, f"{count} booking answers")

    def stop(self):
        self.stopping.set()
        for worker in self.workers:
            worker.join(120)

    def outcomes(self, kind):
        return [r for r in self.results if r[4] == kind]


def cleanup(folder):
    shutil.rmtree(folder, ignore_errors=True)
    if os.path.exists(folder):
        subprocess.run(["rm", "-rf", str(folder)], check=False)
