"""What the benchmarks share: figures, client threads, the hospital's patients
registered through the gateway (bench_his.py, bench_critical.py), and a
staff member's JSON-RPC session (bench_lookup.py, bench_regulation.py).
The processes themselves (Odoo, the gateway) are in tests/his_harness.py."""

import argparse
import contextlib
import json
import random
import sys
import threading
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from his_harness import (  # noqa: E402 - tests/ is put on the path just above
    OdooServer,
    free_port,
    gateway_key,
    start_gateway,
    wait_for,
)
from ihospital_gateway import simulator  # noqa: E402


class Client:
    """The staff app's JSON-RPC calls, in one signed-in session (kept alive)."""

    def __init__(self, odoo, login, password):
        self.url = odoo.url
        self.session = requests.Session()
        answer = self.session.post(
            f"{self.url}/web/session/authenticate",
            json={"jsonrpc": "2.0", "method": "call", "params": {"db": odoo.db, "login": login, "password": password}},
            timeout=60,
        ).json()
        if "error" in answer:
            raise AssertionError(f"{login} cannot sign in: {answer['error']}")
        self.calls = 0

    def call(self, model, method, args, kwargs=None):
        """(result, milliseconds)"""
        self.calls += 1
        body = {
            "jsonrpc": "2.0",
            "method": "call",
            "id": self.calls,
            "params": {"model": model, "method": method, "args": args, "kwargs": kwargs or {}},
        }
        started = time.perf_counter()
        response = self.session.post(f"{self.url}/web/dataset/call_kw/{model}/{method}", json=body, timeout=120)
        elapsed = (time.perf_counter() - started) * 1000
        answer = response.json()
        if "error" in answer:
            raise AssertionError(f"{model}.{method}{tuple(args)}: {json.dumps(answer['error'])[:2000]}")
        return answer["result"], elapsed


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))] if ordered else 0.0


def run_threads(count, target):
    """Run target(n) in `count` threads; the first error of one is raised here."""
    errors = []

    def guarded(n):
        try:
            target(n)
        except Exception as error:  # noqa: BLE001 - raised again below, in the main thread
            errors.append(error)

    threads = [threading.Thread(target=guarded, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]


def stored_ids(rpc, prefix):
    """The inbound messages Odoo holds whose control id starts with `prefix`, with their state."""
    return rpc(
        "ihospital.his.message",
        "search_read",
        [("direction", "=", "in"), ("control_id", "=like", prefix + "%")],
        fields=["control_id", "state"],
    )


def send_and_apply(rpc, hl7_port, texts, prefix, what, timeout=300):
    """Send HL7 `texts` (control ids starting with `prefix`) one after the other, each
    acknowledged, and wait until Odoo applied them all."""
    for text in texts:
        reply = simulator.send_mllp("127.0.0.1", hl7_port, text)
        assert "|AA|" in reply, reply
    wait_for(
        lambda: len([m for m in stored_ids(rpc, prefix) if m["state"] == "processed"]) == len(texts),
        timeout,
        what,
    )


def register_patients(rpc, hl7_port, patients, prefix="BREG-"):
    """Register `patients` through the gateway (ADT^A04) and wait until Odoo has them."""
    texts = [simulator.build_patient_register(f"{prefix}{n}", patient) for n, patient in enumerate(patients)]
    send_and_apply(rpc, hl7_port, texts, prefix, "the benchmark's patients in Odoo")


def send_concurrently(hl7_port, clients, count, build):
    """`clients` hospital-system threads share `count` messages, one short MLLP connection
    each (one message, one ACK, close); `build(index, rng)` -> (control id, HL7 text), called
    in the client's thread with the client's own random generator. Returns ({acknowledged
    control id: (ACK latency in ms, time.perf_counter() when the ACK arrived)}, the
    perf_counter() when sending began)."""
    acks, lock = {}, threading.Lock()
    per_client = [list(range(n, count, clients)) for n in range(clients)]

    def client(n):
        rng = random.Random(n)
        for index in per_client[n]:
            control_id, text = build(index, rng)
            started = time.perf_counter()
            try:
                reply = simulator.send_mllp("127.0.0.1", hl7_port, text, "utf-8", timeout=60)
            except OSError:
                continue
            acked_at = time.perf_counter()
            if "|AA|" in reply:
                with lock:
                    acks[control_id] = ((acked_at - started) * 1000, acked_at)

    started = time.perf_counter()
    run_threads(clients, client)
    return acks, started


def wait_applied(rpc, prefix, acked, timeout):
    """Wait until Odoo stored at least `acked` messages of `prefix` and applied them all;
    what is left unapplied after `timeout` seconds is for the caller to count."""
    messages = [("direction", "=", "in"), ("control_id", "=like", prefix + "%")]

    def all_applied():
        # counts, not the rows: polling must not load the Odoo it measures
        stored = rpc.count("ihospital.his.message", messages)
        return stored >= acked and not rpc.count("ihospital.his.message", messages + [("state", "=", "received")])

    with contextlib.suppress(AssertionError):
        wait_for(all_applied, timeout, "Odoo to process", interval=0.05)


def bench_parser(description):
    """The arguments every HIS benchmark takes (tools/odoo-env.sh run_bench_on_copy gives the first two)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--db", required=True)
    parser.add_argument("--db-host", required=True)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--cron-workers", type=int, default=1, help="Odoo's cron worker processes")
    return parser


@contextlib.contextmanager
def odoo_and_gateway(args, tmp, log_handlers=()):
    """Odoo with WORKERS workers on the benchmark's database, and the gateway with an
    empty spool and the integration user's API key: yields (odoo, the gateway's HL7
    port); both are stopped on the way out."""
    odoo = OdooServer(
        args.db,
        args.db_host,
        tmp / "odoo.log",
        workers=args.workers,
        log_handlers=log_handlers,
        cron_workers=args.cron_workers,
    )
    odoo.start()
    gateway = None
    try:
        key_file = tmp / "api-key"
        gateway_key(args.db, args.db_host, key_file)
        hl7_port = free_port()
        gateway = start_gateway(tmp, odoo, key_file, hl7_port)
        yield odoo, hl7_port
    finally:
        if gateway:
            gateway.stop()
        odoo.stop()
