"""Lab lookup benchmark (检验结果查询): a doctor looks patients up by medical
card, ID and HIS number and by name among a million patients with twenty
million lab result lines.

Run with `make bench-lookup` (it builds a fresh copy of the demo database and
drops it afterwards). Steps:

1. PATIENTS patients of the demo hospital with their visits, and lab reports
   with RESULTS result lines, are written with COPY (bench/bulk_seed.py),
   then analyzed;
2. SAMPLES of the new patients that the demo doctor (login `doctor`, 李晓明,
   cardiology) may see (a visit in cardiology) give the terms, of each kind:
   the whole card, ID and HIS number, their prefixes, the whole name, its
   first two characters, the full pinyin of its usual reading, the start of
   it, its initials, and the given name's pinyin (a substring);
3. Odoo starts with WORKERS worker processes on a free loopback port; the
   doctor signs in over HTTP and calls the lookup
   (`ihospital.patient.ihospital_lookup`) over JSON-RPC as the staff app does,
   one call after the other, ROUNDS times each term, timing each call client
   side; between two lookups the same session reads one of the sampled
   patients by id (`read`, the fields the lookup gives) on the same route:
   the baseline.

The last line printed is the result:
lookup patients=.. results=.. p50_ms=.. p95_ms=.. baseline_p95_ms=..
(patients and results: the patients and lab result lines in the database;
p50_ms and p95_ms: the lookups' median and 95th percentile, all kinds
together; baseline_p95_ms: the reads' 95th percentile). The lines before it
give each kind's figures and how often the sampled patient was found (a
whole number always finds it; a prefix finds the first patients in the
index's order). Exits 1 unless every whole number and whole name found its
patient. Goal (issue 13): p95_ms <= 3 x baseline_p95_ms.
"""

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

import psycopg2

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

import bulk_seed  # noqa: E402 - bench/ is the script's folder
from bench_common import Client, percentile  # noqa: E402
from his_harness import OdooServer  # noqa: E402 - tests/ is put on the path by bench_common

DOCTOR = ("doctor", "doctor")  # 李晓明, cardiology of the demo hospital
FIELDS = ["name", "gender", "age", "medical_card_number", "his_patient_id", "id_number_masked"]
# kinds whose sampled patient (or a namesake) must be found: a full pinyin or
# initials may be shared by more patients than a lookup shows
WHOLE = ("card", "id", "his", "name")


def connect(args):
    return psycopg2.connect(dbname=args.db, host=args.db_host, user="ihospital")


def samples(conn, first_patient, count, rng):
    """[{kind: term}] of `count` new patients the demo doctor may see."""
    pinyin = bulk_seed._load_pinyin()
    cr = conn.cursor()
    cr.execute(
        """SELECT p.name, p.medical_card_number, p.id_number, p.his_patient_id, p.pinyin_full, p.pinyin_initials
             FROM ihospital_patient p
            WHERE p.id >= %s AND p.id IN (
                  SELECT v.patient_id FROM ihospital_visit v
                    JOIN hr_employee e ON e.department_id = v.department_id
                    JOIN res_users u ON u.id = e.user_id
                   WHERE u.login = %s)
            ORDER BY p.id LIMIT %s""",
        (first_patient, DOCTOR[0], count * 20),
    )
    rows = rng.sample(cr.fetchall(), count)
    terms = []
    for name, card, id_number, his, full, initials in rows:
        usual = full.split()[0]
        surname = 2 if name[:2] in bulk_seed.SURNAMES else 1
        surname_pinyin = "".join(pinyin.text_readings(name[:surname])[0])
        given = "".join(pinyin.text_readings(name[surname:])[0])
        terms.append(
            {
                "card": card,
                "card_prefix": card[:-2],
                "id": id_number,
                "id_prefix": id_number[:14],
                "his": his,
                "his_prefix": his[:-2],
                "name": name,
                "name_prefix": name[: surname + 1],
                "pinyin": usual,
                "pinyin_prefix": usual[: len(surname_pinyin) + 2],
                "initials": initials.split()[0],
                "substring": given if len(given) >= 3 else usual,
                "_name": name,
            }
        )
    return terms


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--db-host", required=True)
    parser.add_argument("--patients", type=int, default=1_000_000)
    parser.add_argument("--results", type=int, default=20_000_000, help="lab result lines")
    parser.add_argument("--samples", type=int, default=10, help="patients whose terms are looked up")
    parser.add_argument("--rounds", type=int, default=1, help="times each term is looked up")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    rng = random.Random(7)
    tmp = Path(tempfile.mkdtemp(prefix="bench-lookup-"))
    conn = connect(args)
    cr = conn.cursor()
    cr.execute("SELECT id FROM res_company ORDER BY id LIMIT 1")  # the demo hospital (base.main_company)
    company_id = cr.fetchone()[0]
    print(f"seeding {args.patients} patients and {args.results} lab result lines with COPY")
    started = time.perf_counter()
    summary = bulk_seed.seed(conn, company_id, patients=args.patients, results=args.results)
    seed_s = time.perf_counter() - started
    print(f"seeded in {seed_s:.0f}s: {summary}")
    terms = samples(conn, summary["patients"][0], args.samples, rng)
    cr = conn.cursor()
    cr.execute("SELECT count(*) FROM ihospital_patient")
    patients = cr.fetchone()[0]
    cr.execute("SELECT count(*) FROM ihospital_lab_result")
    results = cr.fetchone()[0]
    cr.execute("CHECKPOINT")
    conn.commit()
    conn.close()

    odoo = OdooServer(args.db, args.db_host, tmp / "odoo.log", workers=args.workers, cron_workers=0)
    odoo.start()
    try:
        client = Client(odoo, *DOCTOR)
        ids = [row["id"] for row in client.call("ihospital.patient", "ihospital_lookup", [terms[0]["card"]])[0]]
        # warm the workers: the registry, the rules, the session
        for _warm in range(4 * args.workers):
            client.call("ihospital.patient", "ihospital_lookup", [terms[0]["name"]])
            client.call("ihospital.patient", "read", [ids, FIELDS])
        timings, found, baseline = {}, {}, []
        patient_ids = []
        for _round in range(args.rounds):
            for sample in terms:
                for kind, term in sample.items():
                    if kind.startswith("_"):
                        continue
                    rows, ms = client.call("ihospital.patient", "ihospital_lookup", [term])
                    timings.setdefault(kind, []).append(ms)
                    hit = any(row["name"] == sample["_name"] for row in rows)
                    found.setdefault(kind, []).append(hit)
                    if hit and kind == "card":
                        patient_ids.append(next(row["id"] for row in rows if row["name"] == sample["_name"]))
                    if patient_ids:
                        _rows, ms = client.call("ihospital.patient", "read", [[rng.choice(patient_ids)], FIELDS])
                        baseline.append(ms)
    finally:
        odoo.stop()

    every = [ms for values in timings.values() for ms in values]
    for kind, values in timings.items():
        print(
            f"  {kind:14} p50_ms={percentile(values, 0.5):6.1f} p95_ms={percentile(values, 0.95):6.1f} "
            f"found={sum(found[kind])}/{len(found[kind])}"
        )
    print(f"logs in {tmp}; seed {seed_s:.0f}s")
    print(
        f"lookup patients={patients} results={results} p50_ms={percentile(every, 0.5):.1f} "
        f"p95_ms={percentile(every, 0.95):.1f} baseline_p95_ms={percentile(baseline, 0.95):.1f}"
    )
    return 0 if all(all(found[kind]) for kind in WHOLE) else 1


if __name__ == "__main__":
    sys.exit(main())
