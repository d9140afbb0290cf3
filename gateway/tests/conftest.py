"""Shared fixtures of the gateway tests: a stand-in platform, configurations, and wire helpers.

The stand-in platform is a real XML-RPC server on 127.0.0.1 implementing the five ``gateway_*`` methods of
the platform API (gateway/README.md), so the gateway's own client, timeouts and error handling are
exercised for real. It only stands in for Odoo in these unit tests; the integration tests run the gateway
against the real platform.
"""

import asyncio
import json
import socketserver
import sqlite3
import threading
import time
import xmlrpc.client
from types import SimpleNamespace
from xmlrpc.server import SimpleXMLRPCRequestHandler, SimpleXMLRPCServer

import pytest
from ihospital_gateway.app import Gateway
from ihospital_gateway.codec import INBOUND_TYPES
from ihospital_gateway.config import API_KEY_ENV, from_dict
from ihospital_gateway.framing import FrameReader, frame

API_KEY = "test-api-key"


# The suite's pytest-odoo plugin opens an Odoo registry for every session through these autouse fixtures.
# The gateway runs without Odoo, so here they do nothing and the tests run with or without the plugin.
@pytest.fixture(scope="session", autouse=True)
def load_registry():
    yield


@pytest.fixture(scope="session", autouse=True)
def load_http():
    yield


class FakePlatform:
    """The platform API with switches to make it fail the ways a real one does."""

    def __init__(self):
        self.lock = threading.Lock()
        self.down = False  # answer HTTP 503, as a proxy in front of a restarting Odoo does
        self.fault_all = False  # every call faults, as when the platform's database is down
        self.poison: set[str] = set()  # control ids that make gateway_submit fault
        self.submitted: dict[tuple[str, str], dict] = {}
        self.submit_order: list[str] = []
        self.submit_calls = 0
        self.configs: dict[str, dict] = {}
        self.outbox: dict[str, list[dict]] = {}
        self.pulled: list[tuple[str, dict]] = []
        self.reports: list[tuple[str, dict]] = []
        self.report_fails = 0  # fault this many gateway_report calls first
        self.heartbeats: list[tuple[str, dict]] = []
        self.url = ""

    def authenticate(self, db, login, key, context):
        return 7 if key == API_KEY else False

    def execute_kw(self, db, uid, key, model, method, args, kwargs=None):
        if key != API_KEY:
            raise xmlrpc.client.Fault(3, "Access Denied")
        if model != "ihospital.his.endpoint" or not method.startswith("gateway_"):
            raise xmlrpc.client.Fault(4, f"no access to {model}.{method}")
        if self.fault_all:
            raise xmlrpc.client.Fault(1, "Traceback (most recent call last):\npsycopg2.OperationalError: db down")
        with self.lock:
            return getattr(self, method)(*args)

    def gateway_config(self, code):
        protocol = "json" if "json" in code else "hl7"
        default = {"code": code, "protocol": protocol, "charset": "utf-8", "message_types": sorted(INBOUND_TYPES)}
        return self.configs.get(code, default)

    def gateway_submit(self, code, messages):
        self.submit_calls += 1
        for message in messages:
            if message["control_id"] in self.poison and not message.get("dead"):
                raise xmlrpc.client.Fault(1, f"Traceback (most recent call last):\nValueError: bad {message['type']}")
        results = []
        for message in messages:
            key = (code, message["control_id"])
            if key in self.submitted:
                results.append({"control_id": message["control_id"], "state": "duplicate", "error": ""})
                continue
            self.submitted[key] = message
            self.submit_order.append(message["control_id"])
            state = "dead" if message.get("dead") else "processed"
            results.append({"control_id": message["control_id"], "state": state, "error": message.get("error", "")})
        return results

    def gateway_pull(self, code, limit):
        queue = self.outbox.get(code, [])
        taken, self.outbox[code] = queue[:limit], queue[limit:]
        self.pulled += [(code, message) for message in taken]
        return taken

    def gateway_report(self, code, results):
        if self.report_fails:
            self.report_fails -= 1
            raise xmlrpc.client.Fault(1, "Traceback (most recent call last):\nRuntimeError: report failed")
        self.reports += [(code, result) for result in results]
        return True

    def gateway_heartbeat(self, code, stats):
        self.heartbeats.append((code, stats))
        return True


class _ThreadingServer(socketserver.ThreadingMixIn, SimpleXMLRPCServer):
    daemon_threads = True


class _Handler(SimpleXMLRPCRequestHandler):
    rpc_paths = ("/xmlrpc/2/common", "/xmlrpc/2/object")

    def do_POST(self):
        if self.server.platform.down:
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            self.send_error(503, "Service Unavailable")
            return
        super().do_POST()

    def log_message(self, format, *args):  # noqa: A002 - keep test output quiet
        pass


@pytest.fixture
def platform():
    fake = FakePlatform()
    server = _ThreadingServer(("127.0.0.1", 0), requestHandler=_Handler, allow_none=True, logRequests=False)
    server.platform = fake
    server.register_function(fake.authenticate, "authenticate")
    server.register_function(fake.execute_kw, "execute_kw")
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    yield fake
    server.shutdown()
    server.server_close()


@pytest.fixture
def make_config(tmp_path, platform, monkeypatch):
    """Build a GatewayConfig: fast timings, listeners on port 0, spool in tmp_path, the fake platform."""
    monkeypatch.setenv(API_KEY_ENV, API_KEY)

    def make(*endpoints: dict, **sections):
        raw = {
            "odoo": {"url": platform.url, "db": "test", "login": "gw", "timeout": 5, "heartbeat_interval": 0.2},
            "spool": {"path": "spool.sqlite3"},
            "limits": {"read_timeout": 2, "max_message_bytes": 64 * 1024},
            "forward": {
                "backoff_initial": 0.02,
                "backoff_max": 0.1,
                "idle_interval": 0.05,
                "linger": 0.01,
                "max_fault_attempts": 3,
            },
            "outbound": {"pull_interval": 0.05, "his_timeout": 0.5},
        }
        for name, values in sections.items():
            raw.setdefault(name, {}).update(values)
        raw["endpoint"] = [{"listen": "127.0.0.1:0", **endpoint} for endpoint in endpoints]
        return from_dict(raw, tmp_path)

    return make


def json_message(control_id: str, type_: str = "queue.call", data: dict | None = None) -> dict:
    if data is None:
        data = {"department_code": "NK", "number": "A012", "room": "诊室 3"}
    return {
        "version": "1",
        "type": type_,
        "control_id": control_id,
        "sent_at": "2026-11-26T09:30:00+08:00",
        "data": data,
    }


def patient_message(control_id: str, patient_id: str, name: str = "张三") -> dict:
    data = {"patient": {"his_patient_id": patient_id, "name": name, "gender": "male"}}
    return json_message(control_id, "patient.update", data)


def hl7_message(control_id: str, name: str = "张三", charset_field: str = "") -> str:
    segments = [
        f"MSH|^~\\&|HIS|GZH|IHOSPITAL|PLATFORM|20261126093000||ADT^A04^ADT_A01|{control_id}|P|2.5|||||CHN|{charset_field}",
        "EVN|A04|20261126093000",
        f"PID|1||P{control_id}^^^HIS^PI||{name}||19800101|M",
    ]
    return "\r".join(segments) + "\r"


async def exchange(port: int, protocol: str, payloads: list[bytes], timeout: float = 5.0) -> list[bytes]:
    """Send raw frames on one connection, one at a time, and collect one reply per frame."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    replies = []
    try:
        framer = FrameReader(reader, protocol, 1 << 20)
        for payload in payloads:
            writer.write(payload)
            await writer.drain()
            replies.append(await asyncio.wait_for(framer.read(), timeout))
    finally:
        writer.close()
    return replies


async def send_json(port: int, messages: list[dict], charset: str = "utf-8") -> list[dict]:
    payloads = [frame("json", json.dumps(m, ensure_ascii=False).encode(charset)) for m in messages]
    return [json.loads(reply.decode(charset)) for reply in await exchange(port, "json", payloads)]


async def wait_until(predicate, timeout: float = 5.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


def run_gateway(config, scenario):
    """Start a gateway on ``config``, await ``scenario(gateway)``, stop it; return what the scenario returned."""

    async def main():
        gateway = Gateway(config)
        await gateway.start()
        try:
            return await scenario(gateway)
        finally:
            await gateway.stop()

    return asyncio.run(main())


def inbound_rows(config) -> dict[str, sqlite3.Row]:
    """The spool's inbound rows by control id, in spool (id) order."""
    connection = sqlite3.connect(config.spool.path)
    connection.row_factory = sqlite3.Row
    try:
        return {row["control_id"]: row for row in connection.execute("SELECT * FROM inbound ORDER BY id")}
    finally:
        connection.close()


@pytest.fixture
def wire():
    """Helpers to build messages, run a gateway, talk to its listeners and read its spool."""
    return SimpleNamespace(
        json_message=json_message,
        patient_message=patient_message,
        hl7_message=hl7_message,
        exchange=exchange,
        send_json=send_json,
        wait_until=wait_until,
        run=run_gateway,
        inbound_rows=inbound_rows,
    )
