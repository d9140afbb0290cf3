"""Prepare a demo database for `make bench-scale`, over JSON-RPC as the
demo's administrator, so that it works the same on the single node and
through the multi-node set-up's proxy (whose database this script cannot
reach directly).

It creates, or finds again when they exist (the cluster's database is not a
throw-away copy):

- PORTAL portal accounts `bench_scale_<i>` (password `bench-scale`), each
  managing one patient of the demo's main hospital;
- one clinic a day for the next days in each of SCHEDULES departments,
  free (no payment hold), released now, with enough numbers that the
  bookings of a run (each one cancelled again by the simulated patient)
  never fill them.

It writes the plan that the locustfile reads: JSON with the portal logins
and their patients, the clinics, the departments whose waiting-room screens
are polled and the staff logins of the demo. Standard library only.
"""

import argparse
import http.cookiejar
import json
import sys
import urllib.request
from datetime import date, timedelta

PORTAL_PASSWORD = "bench-scale"  # noqa: S105 - a demo account of a throw-away benchmark
# staff of the demo data (addons/ihospital_base/demo/res_users_demo.xml: password = login)
STAFF_LOGINS = ["doctor", "doctor2", "nurse", "head"]


class Rpc:
    def __init__(self, url, db):
        self.url, self.db, self.ids = url.rstrip("/"), db, 0
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def post(self, path, params):
        self.ids += 1
        body = json.dumps({"jsonrpc": "2.0", "method": "call", "params": params, "id": self.ids}).encode()
        request = urllib.request.Request(
            self.url + path, data=body, headers={"Content-Type": "application/json"}, method="POST"
        )
        with self.opener.open(request, timeout=600) as response:
            answer = json.load(response)
        if answer.get("error"):
            data = answer["error"].get("data") or {}
            raise SystemExit(f"{path}: {data.get('message') or answer['error']}")
        return answer["result"]

    def login(self, login, password):
        return self.post("/web/session/authenticate", {"db": self.db, "login": login, "password": password})

    def call(self, model, method, *args, **kwargs):
        return self.post(
            f"/web/dataset/call_kw/{model}/{method}", {"model": model, "method": method, "args": args, "kwargs": kwargs}
        )

    def ref(self, xmlid):
        module, name = xmlid.split(".")
        rows = self.call("ir.model.data", "search_read", [("module", "=", module), ("name", "=", name)], ["res_id"])
        if not rows:
            raise SystemExit(f"{xmlid} is missing: is this the demo database?")
        return rows[0]["res_id"]


def portal_accounts(rpc, company_id, count):
    """The bench portal accounts and their patients, created when missing."""
    portal_group = rpc.ref("base.group_portal")
    logins = [f"bench_scale_{i}" for i in range(count)]
    existing = {u["login"]: u["id"] for u in rpc.call("res.users", "search_read", [("login", "in", logins)], ["login"])}
    missing = [login for login in logins if login not in existing]
    if missing:
        print(f"creating {len(missing)} portal accounts ...", file=sys.stderr)
        # each password is hashed by Odoo (about 0.3 s each): a few at a time
        for start in range(0, len(missing), 10):
            chunk = missing[start : start + 10]
            ids = rpc.call(
                "res.users",
                "create",
                [
                    {
                        "name": f"Bench Scale {login.rsplit('_', 1)[1]}",
                        "login": login,
                        "password": PORTAL_PASSWORD,
                        "company_id": company_id,
                        "company_ids": [(6, 0, [company_id])],
                        "groups_id": [(6, 0, [portal_group])],
                        "lang": "zh_CN",
                        "tz": "Asia/Shanghai",
                    }
                    for login in chunk
                ],
                context={"no_reset_password": True},
            )
            existing.update(zip(chunk, ids, strict=True))
    links = rpc.call(
        "ihospital.patient.account",
        "search_read",
        [("user_id", "in", list(existing.values()))],
        ["user_id", "patient_id"],
    )
    patient_of = {link["user_id"][0]: link["patient_id"][0] for link in links}
    without = [login for login in logins if existing[login] not in patient_of]
    if without:
        patients = rpc.call(
            "ihospital.patient",
            "create",
            [
                {
                    "name": f"Bench Scale Patient {login.rsplit('_', 1)[1]}",
                    "company_id": company_id,
                    "id_type": "passport",
                    "id_number": f"BSCALE{login.rsplit('_', 1)[1]:>06}",
                }
                for login in without
            ],
        )
        rpc.call(
            "ihospital.patient.account",
            "create",
            [
                {"user_id": existing[login], "patient_id": patient, "relation": "self"}
                for login, patient in zip(without, patients, strict=True)
            ],
        )
        patient_of.update({existing[login]: patient for login, patient in zip(without, patients, strict=True)})
    return [
        {"login": login, "password": PORTAL_PASSWORD, "patient_id": patient_of[existing[login]]} for login in logins
    ]


def clinics(rpc, company_id, departments, days, capacity):
    """Free, released evening clinics (room BENCH-SCALE) for the next days in
    each department, created when missing; returns their ids."""
    first = date.today() + timedelta(days=2)  # past the cancellation cut-off of the hospital's rules
    dates = [(first + timedelta(days=i)).isoformat() for i in range(days)]
    found = rpc.call(
        "ihospital.schedule",
        "search_read",
        [("room", "=", "BENCH-SCALE"), ("state", "=", "published"), ("date", "in", dates)],
        ["department_id", "date"],
    )
    have = {(s["department_id"][0], s["date"]) for s in found}
    ids = [s["id"] for s in found]
    for department in departments:
        doctors = rpc.call(
            "hr.employee",
            "search_read",
            [("department_id", "=", department), ("ihospital_role", "=", "doctor"), ("is_published", "=", True)],
            ["id"],
            limit=1,
        )
        if not doctors:
            continue
        for day in dates:
            if (department, day) in have:
                continue
            schedule = rpc.call(
                "ihospital.schedule",
                "create",
                [
                    {
                        "company_id": company_id,
                        "department_id": department,
                        "doctor_id": doctors[0]["id"],
                        "date": day,
                        "session": "evening",
                        "capacity": capacity,
                        "slot_minutes": 1,
                        "fee": 0,
                        "room": "BENCH-SCALE",
                        "release_override": True,
                        "release_at_manual": "2000-01-01 00:00:00",
                    }
                ],
            )[0]
            rpc.call("ihospital.schedule", "action_publish", [schedule])
            ids.append(schedule)
    return ids


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", required=True, help="Odoo or the proxy in front of it")
    parser.add_argument("--db", required=True)
    parser.add_argument("--admin", default="admin", help="login of an administrator (password = login in the demo)")
    parser.add_argument("--portal", type=int, default=60, help="portal accounts (default 60)")
    parser.add_argument("--departments", type=int, default=6, help="departments with bench clinics (default 6)")
    parser.add_argument("--days", type=int, default=5, help="days of bench clinics (default 5)")
    parser.add_argument("--capacity", type=int, default=150, help="numbers per bench clinic (default 150)")
    parser.add_argument("--out", required=True, help="the plan (JSON) for the locustfile")
    args = parser.parse_args()

    rpc = Rpc(args.url, args.db)
    rpc.login(args.admin, args.admin)
    company_id = rpc.ref("base.main_company")
    departments = rpc.call(
        "hr.department",
        "search_read",
        [("company_id", "=", company_id), ("is_published", "=", True), ("is_clinical", "=", True)],
        ["id"],
        order="id",
    )
    department_ids = [d["id"] for d in departments]
    if not department_ids:
        raise SystemExit("No published clinical department in the main hospital: is this the demo database?")
    if len(department_ids) <= args.departments:
        raise SystemExit(f"The queue watchers need a department besides the {args.departments} of the bench clinics.")
    # the last account and a department of its own make the queue watchers' events
    *portal, watch = portal_accounts(rpc, company_id, args.portal + 1)
    watch_department = department_ids[args.departments]
    plan = {
        "db": args.db,
        "portal": portal,
        "schedules": clinics(rpc, company_id, department_ids[: args.departments], args.days, args.capacity),
        "queue_departments": department_ids,
        "staff": [{"login": login, "password": login} for login in STAFF_LOGINS],
        "watch": dict(
            watch,
            department_id=watch_department,
            schedule_id=clinics(rpc, company_id, [watch_department], 1, args.capacity)[0],
        ),
    }
    with open(args.out, "w", encoding="utf-8") as out:
        json.dump(plan, out, indent=1)
    print(
        f"plan: {len(plan['portal'])} portal accounts, {len(plan['schedules'])} clinics, "
        f"{len(department_ids)} waiting-room departments -> {args.out}",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
