"""Operations analysis benchmark (运营分析): the director's dashboard over three
years of a large hospital.

Run with `make bench-analysis` (it builds a fresh copy of the demo database and
drops it afterwards). Steps:

1. VISITS visits of the demo hospital over the last three years (outpatient,
   emergency and ADMISSIONS inpatient stays with their admissions), their
   charge lines, appointments and patients are written with COPY
   (bench/analysis_seed.py), then vacuumed and analyzed;
2. the daily figures are built from them in one call, as after a bulk load:
   `env["ihospital.analysis.day"]._ihospital_rebuild()` in `odoo shell`
   (timed: `rebuild_s`), then the figures' table is analyzed;
3. Odoo starts with WORKERS worker processes on a free loopback port (no
   cron worker: nothing refreshes behind the measure); the demo director
   (login `director`) signs in over HTTP and, as the dashboard's client
   action does, calls `ihospital.analysis.dashboard.get_dashboard` over
   JSON-RPC (`/web/dataset/call_kw`) for the period "month" (this month to
   date) and "year" (this year to date), one call after the other, after
   WARM calls of each to warm the workers; ROUNDS rounds, each: the month,
   the year, "last_year" (the whole of last year, for information), and the
   baseline: one plain `read_group` of `ihospital.visit` by `department_id`
   whose `start` falls within the days of the dashboard's "year" period
   (the hospital's days), in the same session.

The dashboard's visits of each period are checked against a count of the
visits in SQL. The last line printed is the result:
analysis visits=.. dashboard_month_ms=.. dashboard_year_ms=.. baseline_ms=..
(visits: the visits in the database; the others: the 95th percentile of the
calls' times, client side, in milliseconds; the lines before it give each
kind's median and 95th percentile). Exits 1 if a dashboard's visits differ
from the count. Goal (issue 15): both dashboards <= 1,000 ms and <= 3x the
baseline.
"""

import argparse
import datetime
import os
import sys
import tempfile
import time
from pathlib import Path
from zoneinfo import ZoneInfo

import psycopg2

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

import analysis_seed  # noqa: E402 - bench/ is the script's folder
from bench_common import Client, percentile  # noqa: E402
from his_harness import OdooServer, odoo_shell  # noqa: E402 - tests/ is put on the path by bench_common

DIRECTOR = ("director", "director")  # 院长, the whole demo hospital
REBUILD = """
import time
started = time.perf_counter()
days = env["ihospital.analysis.day"]._ihospital_rebuild()
env.cr.commit()
elapsed = time.perf_counter() - started
rows = env["ihospital.analysis.day"].search_count([])
print(f"REBUILD days={days} rows={rows} seconds={elapsed:.1f} table={env['ihospital.analysis.day']._table}")
"""


def connect(args):
    return psycopg2.connect(dbname=args.db, host=args.db_host, user="ihospital")


def rebuild(args):
    """Build the daily figures in `odoo shell`: {days, rows, seconds, table}, or None without the model."""
    try:
        out = odoo_shell(args.db, args.db_host, REBUILD, timeout=7200)
    except AssertionError as error:
        print(f"rebuild failed (is ihospital_analysis's ihospital.analysis.day there?): {str(error)[-1500:]}")
        return None
    line = next(line for line in out.splitlines() if line.startswith("REBUILD "))
    return dict(part.split("=", 1) for part in line.split()[1:])


def visits_between(cr, company_id, tz, date_from, date_to):
    cr.execute(
        """SELECT count(*) FROM ihospital_visit WHERE company_id = %s
              AND start >= (%s::timestamp AT TIME ZONE %s) AT TIME ZONE 'UTC'
              AND start < ((%s::date + 1)::timestamp AT TIME ZONE %s) AT TIME ZONE 'UTC'""",
        (company_id, date_from, tz, date_to, tz),
    )
    return cr.fetchone()[0]


def utc_bounds(date_from, date_to, tz):
    """The UTC timestamps (Odoo's format) of the hospital's first day's start and the last day's end."""
    zone = ZoneInfo(tz)
    first = datetime.datetime.combine(datetime.date.fromisoformat(date_from), datetime.time(), zone)
    after = datetime.datetime.combine(
        datetime.date.fromisoformat(date_to) + datetime.timedelta(days=1), datetime.time(), zone
    )
    as_utc = [moment.astimezone(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S") for moment in (first, after)]
    return as_utc[0], as_utc[1]


def figure(data, key):
    for section in data["sections"]:
        for item in section["figures"]:
            if item["key"] == key:
                return item["value"]
    return None


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--db-host", required=True)
    parser.add_argument("--visits", type=int, default=int(os.environ.get("BENCH_VISITS") or 5_000_000))
    parser.add_argument("--admissions", type=int, help="inpatient stays (default: 100,000, at most visits / 50)")
    parser.add_argument("--patients", type=int, help="default: visits / 5")
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--warm", type=int, default=2, help="calls of each kind before the measure")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    admissions = args.admissions or min(100_000, args.visits // 50)

    tmp = Path(tempfile.mkdtemp(prefix="bench-analysis-"))
    conn = connect(args)
    cr = conn.cursor()
    cr.execute("SELECT id, COALESCE(hospital_tz, 'Asia/Shanghai') FROM res_company ORDER BY id LIMIT 1")
    company_id, tz = cr.fetchone()  # the demo hospital (base.main_company)
    print(f"seeding {args.visits} visits ({admissions} inpatient stays) with COPY")
    started = time.perf_counter()
    summary = analysis_seed.seed(conn, company_id, visits=args.visits, admissions=admissions, patients=args.patients)
    seed_s = time.perf_counter() - started
    print(f"seeded in {seed_s:.0f}s: {summary}")
    cr = conn.cursor()
    counts = {}
    for table in ("ihospital_visit", "ihospital_visit_charge", "ihospital_appointment", "ihospital_admission"):
        cr.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 - the names above
        counts[table] = cr.fetchone()[0]
    print(f"in the database: {counts}")
    conn.commit()

    built = rebuild(args)
    if built:
        print(f"rebuild: {built['days']} days, {built['rows']} rows of figures in {built['seconds']}s")
        conn.autocommit = True
        cr.execute(f"ANALYZE {built['table']}")
    conn.autocommit = True
    cr.execute("CHECKPOINT")

    odoo = OdooServer(args.db, args.db_host, tmp / "odoo.log", workers=args.workers, cron_workers=0)
    odoo.start()
    timings = {"month": [], "year": [], "last_year": [], "baseline": []}
    checks = {}
    dashboard = built is not None
    try:
        client = Client(odoo, *DIRECTOR)
        periods = {}
        if dashboard:
            try:
                for period in ("month", "year", "last_year"):
                    data, _ms = client.call("ihospital.analysis.dashboard", "get_dashboard", [period])
                    periods[period] = data["period"]
                    expected = visits_between(
                        cr, company_id, tz, data["period"]["date_from"], data["period"]["date_to"]
                    )
                    checks[period] = (figure(data, "visits"), expected)
            except AssertionError as error:
                print(f"no dashboard to measure: {str(error)[:1500]}")
                dashboard = False
        if "year" in periods:
            year = periods["year"]["date_from"], periods["year"]["date_to"]
        else:  # the dashboard's "year": this year to date, the hospital's days
            today = datetime.datetime.now(ZoneInfo(tz)).date()
            year = today.replace(month=1, day=1).isoformat(), today.isoformat()
        start, stop = utc_bounds(*year, tz)
        domain = [("company_id", "=", company_id), ("start", ">=", start), ("start", "<", stop)]
        expected_year = visits_between(cr, company_id, tz, *year)
        print(f"year: {year[0]} to {year[1]} ({start} to {stop} UTC), {expected_year} visits")

        def baseline():
            groups, ms = client.call("ihospital.visit", "read_group", [domain, ["department_id"], ["department_id"]])
            checks["baseline"] = (sum(group["department_id_count"] for group in groups), expected_year)
            return ms

        def board(period):
            return client.call("ihospital.analysis.dashboard", "get_dashboard", [period])[1]

        for _warm in range(args.warm):
            if dashboard:
                for period in ("month", "year", "last_year"):
                    board(period)
            baseline()
        for _round in range(args.rounds):
            if dashboard:
                for period in ("month", "year", "last_year"):
                    timings[period].append(board(period))
            timings["baseline"].append(baseline())
    finally:
        odoo.stop()

    for kind, values in timings.items():
        if values:
            print(f"  {kind:10} p50_ms={percentile(values, 0.5):7.1f} p95_ms={percentile(values, 0.95):7.1f}")
    failed = False
    for kind, (found, expected) in checks.items():
        print(f"  {kind:10} visits={found} counted={expected}{'' if found == expected else '  MISMATCH'}")
        failed = failed or found != expected
    print(f"logs in {tmp}; seed {seed_s:.0f}s; rebuild_s={built['seconds'] if built else 'n/a'}")

    def p95(kind):
        return f"{percentile(timings[kind], 0.95):.1f}" if timings[kind] else "n/a"

    print(
        f"analysis visits={counts['ihospital_visit']} dashboard_month_ms={p95('month')} "
        f"dashboard_year_ms={p95('year')} baseline_ms={p95('baseline')}"
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
