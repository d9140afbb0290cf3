"""Real processes for the HIS integration tests and benchmark: an Odoo server
on its own copy of the test database, the gateway program and the simulator.

Nothing here is a stand-in: Odoo, PostgreSQL, the gateway and the simulator
run as they do in production, over real sockets, each in its own process, so
that a test can stop Odoo or kill -9 the gateway in the middle of the traffic.
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import xmlrpc.client
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
DATA_DIR = ROOT / ".local" / "odoo-data"


def need_env(name):
    """The value of an environment variable that tools/test.sh sets."""
    value = os.environ.get(name)
    if not value:
        raise RuntimeError(f"{name} is not set: run these tests through `make test` (tools/test.sh).")
    return value


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(predicate, timeout, what, interval=0.2):
    """Poll predicate() until it returns a true value; fail saying what was awaited."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what} (last value: {last!r})")


def psql(sql, db="postgres"):
    return subprocess.run(
        [str(ROOT / "tools" / "pg.sh"), "psql", "-d", db, "-tAqc", sql],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()


def copy_database(template, db):
    """A fresh database copied from the installed test template, filestore included."""
    drop_database(db)
    psql(f'CREATE DATABASE "{db}" TEMPLATE "{template}"')
    if (DATA_DIR / "filestore" / template).is_dir():
        shutil.copytree(DATA_DIR / "filestore" / template, DATA_DIR / "filestore" / db)


def drop_database(db):
    psql(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
    shutil.rmtree(DATA_DIR / "filestore" / db, ignore_errors=True)


def gateway_key(db, pgsock, out, login="his-gateway"):
    """An API key for the integration user, written to `out` (tools/gateway_key.py)."""
    subprocess.run(
        [
            sys.executable,
            str(ROOT / "tools" / "gateway_key.py"),
            f"--db={db}",
            f"--db-host={pgsock}",
            f"--data-dir={DATA_DIR}",
            f"--login={login}",
            f"--out={out}",
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    return Path(out).read_text().strip()


def odoo_command(db, pgsock, command=None):
    """The odoo command line on one database of the private cluster (`command`: e.g. "shell")."""
    return [
        str(VENV_BIN / "odoo"),
        *([command] if command else []),
        "-c",
        str(ROOT / "odoo.conf"),
        f"--addons-path={ROOT / 'addons'}",
        f"--db_host={pgsock}",
        f"--data-dir={DATA_DIR}",
        "-d",
        db,
    ]


def odoo_shell(db, pgsock, code, timeout=1800):
    """Run Python `code` in `odoo shell` on `db` (as superuser, `env` defined; it commits itself);
    returns what it printed."""
    result = subprocess.run(
        [*odoo_command(db, pgsock, "shell"), "--no-http", "--log-level=warn"],
        input=code,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if result.returncode:
        raise AssertionError(f"odoo shell failed ({result.returncode}):\n{result.stderr[-4000:]}")
    return result.stdout


class OdooServer:
    """`odoo` serving one database on a free loopback port, in its own process."""

    def __init__(self, db, pgsock, log_path, workers=0, port=None, log_handlers=(), cron_workers=1):
        self.db = db
        self.pgsock = pgsock
        self.log_path = Path(log_path)
        self.workers = workers
        self.cron_workers = cron_workers
        self.port = port or free_port()
        # with workers, Odoo serves /websocket on this port (its gevent process)
        self.gevent_port = free_port()
        # e.g. "odoo.addons.base.models.ir_cron:INFO" on top of warnings
        self.log_handlers = list(log_handlers)
        self.process = None

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    @property
    def websocket_url(self):
        return f"ws://127.0.0.1:{self.gevent_port}/websocket"

    def start(self, timeout=120):
        args = [
            *odoo_command(self.db, self.pgsock),
            f"--db-filter=^{self.db}$",
            f"--http-port={self.port}",
            f"--gevent-port={self.gevent_port}",
            f"--workers={self.workers}",
            f"--max-cron-threads={self.cron_workers}",
            "--log-level=warn",
            *(f"--log-handler={handler}" for handler in self.log_handlers),
            f"--logfile={self.log_path}",
        ]
        self.process = subprocess.Popen(args, stdin=subprocess.DEVNULL)
        wait_for(self.is_up, timeout, f"Odoo to answer on {self.url} (log: {self.log_path})", interval=0.5)
        return self

    def is_up(self):
        if self.process.poll() is not None:
            raise AssertionError(f"Odoo exited with {self.process.returncode}; see {self.log_path}")
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                pass
            xmlrpc.client.ServerProxy(f"{self.url}/xmlrpc/2/common").version()
            return True
        except OSError:
            return False

    def stop(self, sig=signal.SIGTERM):
        if self.process and self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def rpc(self, login="admin", password="admin"):
        return Rpc(self.url, self.db, login, password)


class Rpc:
    """execute_kw as one user, the way the gateway and back-office scripts call Odoo."""

    def __init__(self, url, db, login, password):
        self.db = db
        self.password = password
        self.uid = xmlrpc.client.ServerProxy(f"{url}/xmlrpc/2/common").authenticate(db, login, password, {})
        if not self.uid:
            raise AssertionError(f"{login} cannot sign in to {db}")
        self.models = xmlrpc.client.ServerProxy(f"{url}/xmlrpc/2/object", allow_none=True)

    def __call__(self, model, method, *args, **kwargs):
        return self.models.execute_kw(self.db, self.uid, self.password, model, method, list(args), kwargs)

    def count(self, model, domain):
        return self(model, "search_count", domain)


class Process:
    """A console program of the suite (the gateway or the simulator), logging to a file."""

    def __init__(self, args, log_path):
        self.args = args
        self.log_path = Path(log_path)
        self.process = None

    def start(self):
        self._log = open(self.log_path, "ab")  # noqa: SIM115 - kept open while the process runs
        self.process = subprocess.Popen(self.args, stdout=self._log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        return self

    def alive(self):
        return self.process is not None and self.process.poll() is None

    def stop(self, sig=signal.SIGTERM, timeout=30):
        if self.alive():
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process is not None:
            self._log.close()

    def log(self):
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


def wait_port(port, timeout=30):
    def is_open():
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return True
        except OSError:
            return False

    wait_for(is_open, timeout, f"a listener on port {port}")


def start_gateway(tmp, odoo, key_file, hl7_port):
    """`ihospital-gateway` with an empty spool in `tmp`, forwarding to `odoo` as the
    integration user, one HL7 endpoint on `hl7_port` (the benchmarks' set-up)."""
    config = tmp / "gateway.toml"
    config.write_text(
        f"""
[odoo]
url = "{odoo.url}"
db = "{odoo.db}"
login = "his-gateway"
api_key_file = "{key_file}"
timeout = 120
[spool]
path = "{tmp / "spool.sqlite3"}"
[[endpoint]]
code = "gz-his"
protocol = "hl7"
listen = "127.0.0.1:{hl7_port}"
charset = "utf-8"
"""
    )
    gateway = Process([str(VENV_BIN / "ihospital-gateway"), "run", "--config", str(config)], tmp / "gateway.log")
    gateway.start()
    wait_port(hl7_port)
    return gateway
