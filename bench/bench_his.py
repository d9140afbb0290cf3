"""HIS benchmark: lab results (ORU^R01) from the hospital's systems, through the
gateway, into Odoo.

Run with `make bench-his` (it builds a fresh copy of the demo database and
drops it afterwards). Steps:

1. Odoo starts with WORKERS worker processes on a free loopback port; the
   gateway starts with an empty spool and the demo integration user's API key;
2. PATIENTS new patients are registered through the gateway (ADT^A04);
3. CLIENTS hospital-system threads send MESSAGES ORU^R01 results over short
   MLLP connections (one message, one ACK, close), timing each acknowledgement;
4. the run ends when Odoo has processed every acknowledged message into its lab
   report (the gateway's call only stores them; a cron applies them right after);
5. the baseline, in the same run and on the same Odoo: the same lab reports (with
   their result lines) created over XML-RPC, BATCH reports per `create` call, by
   as many client threads as Odoo has workers.

The last line printed is the result:
his messages=.. acked=.. stored=.. processed=.. lost=.. dup=.. msgs_per_s=.. p95_ack_ms=..
baseline_xmlrpc_creates_per_s=.. baseline_nochatter_creates_per_s=..
(stored = distinct acknowledged messages Odoo holds; processed = those applied into
their lab report; lost = acknowledged but not stored; dup = messages applied twice (their report
updated); msgs_per_s = messages processed per second, from the first send until Odoo
processed the last; baseline_xmlrpc_creates_per_s = lab reports with their lines
created per second by the baseline, with a plain create as any XML-RPC client makes it;
baseline_nochatter_creates_per_s = the same created as the HIS processing creates them,
without a chatter line, follower or tracking value each). Exits 1 unless every message was acknowledged
and processed, lost == 0 and dup == 0.
"""

import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from bench_common import (  # noqa: E402 - bench/ is the script's folder
    bench_parser,
    odoo_and_gateway,
    percentile,
    register_patients,
    run_threads,
    send_concurrently,
    stored_ids,
    wait_applied,
)
from his_harness import Rpc  # noqa: E402 - tests/ is put on the path just above
from ihospital_gateway import simulator  # noqa: E402

# the context the HIS processing creates its records with (handlers/report.py)
MACHINE_CREATE = {
    "tracking_disable": True,
    "mail_create_nolog": True,
    "mail_create_nosubscribe": True,
    "mail_notrack": True,
}


def baseline(args, rpc, patient_ids, company_id, prefix, context=None):
    """XML-RPC creates of the same lab reports: WORKERS threads, BATCH reports (with their lines) per call."""
    batches = [
        list(range(start, min(start + args.batch, args.baseline))) for start in range(0, args.baseline, args.batch)
    ]
    per_client = [batches[n :: args.workers] for n in range(args.workers)]
    done = []

    def client(n):
        own = Rpc(args.odoo_url, rpc.db, "admin", "admin")
        rng = random.Random(1000 + n)
        for batch in per_client[n]:
            vals_list = []
            for index in batch:
                data = simulator.lab_result_data(rng, {}, f"{prefix}{index:06d}")
                vals_list.append(
                    {
                        "company_id": company_id,
                        "name": data["report_no"],
                        "patient_id": patient_ids[index % len(patient_ids)],
                        "title": data["title"],
                        "specimen": data["specimen"],
                        "source": "his",
                        "reported_at": data["reported_at"][:19].replace("T", " "),
                        "result_ids": [
                            (
                                0,
                                0,
                                {
                                    "code": line["code"],
                                    "name": line["name"],
                                    "value": line["value"],
                                    "value_type": line["value_type"],
                                    "unit": line.get("unit", False),
                                    "reference_range": line.get("reference_range", False),
                                    "flag": line["flag"],
                                },
                            )
                            for line in data["results"]
                        ],
                    }
                )
            own("ihospital.lab.report", "create", vals_list, context=context or {})
            done.extend(batch)

    started = time.perf_counter()
    run_threads(args.workers, client)
    return len(done) / (time.perf_counter() - started)


def main():
    parser = bench_parser(__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=5000)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--patients", type=int, default=100)
    parser.add_argument("--baseline", type=int, default=3000, help="lab reports created in the baseline")
    parser.add_argument("--batch", type=int, default=100, help="lab reports per create call in the baseline")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds to wait for Odoo to process all")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="bench-his-"))
    with odoo_and_gateway(args, tmp) as (odoo, hl7_port):
        args.odoo_url = odoo.url
        rpc = odoo.rpc()

        rng = random.Random(42)
        patients = [simulator.new_patient(rng, 800000 + n) for n in range(args.patients)]
        register_patients(rpc, hl7_port, patients)
        print(f"registered {args.patients} patients; sending {args.messages} ORU^R01 with {args.clients} clients")

        def build(index, rng):
            control_id = f"BENCH-{index:06d}"
            return control_id, simulator.build_lab_result(control_id, patients[index % len(patients)], rng)

        acks, started = send_concurrently(hl7_port, args.clients, args.messages, build)
        acked, latencies = list(acks), [latency for latency, _at in acks.values()]
        sent_s = time.perf_counter() - started
        print(f"acked {len(acked)} of {args.messages} in {sent_s:.1f}s; waiting for Odoo to process them")
        acked_set = set(acked)
        wait_applied(rpc, "BENCH-", len(acked), args.timeout)
        total_s = time.perf_counter() - started
        rows = stored_ids(rpc, "BENCH-")
        stored = {r["control_id"] for r in rows} & acked_set
        processed = {r["control_id"] for r in rows if r["state"] == "processed"} & acked_set
        # each message has its own report number: a report applied twice shows as an update
        dup = rpc.count(
            "ihospital.his.message.link",
            [("message_id.control_id", "=like", "BENCH-%"), ("operation", "=", "updated")],
        )
        print(f"Odoo processed {len(processed)} in {total_s:.1f}s; stored but not processed: {len(stored - processed)}")

        patient_ids = rpc("ihospital.patient", "search", [("his_patient_id", "=like", "P01%")], limit=args.patients)
        company_id = rpc("res.company", "search", [], limit=1, order="id")[0]
        # as any XML-RPC client creates them (the baseline), then as the HIS processing
        # does: machine-made, without a chatter line, follower or tracking (a stricter one)
        baseline_rate = baseline(args, rpc, patient_ids, company_id, "BASE-")
        nochatter_rate = baseline(args, rpc, patient_ids, company_id, "BASEN-", MACHINE_CREATE)

    lost = len(acked_set - stored)
    if latencies:
        print(f"p50_ack_ms={statistics.median(latencies):.1f}; logs in {tmp}")
    print(
        f"his messages={args.messages} acked={len(acked)} stored={len(stored)} processed={len(processed)} "
        f"lost={lost} dup={dup} msgs_per_s={len(processed) / total_s:.1f} "
        f"p95_ack_ms={percentile(latencies, 0.95):.1f} baseline_xmlrpc_creates_per_s={baseline_rate:.1f}"
        f" baseline_nochatter_creates_per_s={nochatter_rate:.1f}"
    )
    ok = lost == 0 and dup == 0 and len(acked) == args.messages and len(processed) == len(acked)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
