"""The mixed load of `make bench-scale`: the terminals of a Chinese hospital.

Run by tools/bench-scale.sh (locust in its own virtual environment); the
plan written by bench/scale/prepare.py comes in SCALE_PLAN (portal logins,
clinics, departments, staff logins).

Terminals and their weights (share of the simulated users), with the pace of
each (locust's wait time between two tasks of one user):

- PatientPhone, weight 55, a task every 5-15 s: an anonymous patient browsing
  the website on a phone: the hospital's home, the departments, a
  department with its clinics, the doctors, a doctor, the booking page
  (clinics with free places);
- QueueScreen, weight 15, every 10 s: a waiting-room screen (候诊显示屏)
  polling its department's queue state `/ihospital/queue/<id>/state` (the
  real screen follows the bus and polls every 60 s; 10 s is the figure of
  issue 17's sizing: 20,000 screens, 2,000 requests/s);
- PortalPatient, weight 20, a task every 10-30 s: a signed-in patient (login
  once, with its password): my appointments, my reports, and now and then a
  booking through `/my/ihospital/book`; the next booking first cancels the
  previous one on the appointment's page (so that the clinics never fill);
- StaffDesk, weight 10, a task every 10-30 s: a doctor or nurse of the demo
  in the staff app (login once): the workbench's figures, the critical-value
  badge's count, today's appointments (JSON-RPC, as the web client asks).

Request names group the URLs (`/departments/[slug]`...), so that locust's
statistics give one line per kind of request.
"""

import itertools
import json
import os
import random
import re
import threading
from datetime import date

from locust import HttpUser, between, constant_pacing, events, task

PLAN = {}
_lock = threading.Lock()
_counter = itertools.count()
CSRF = re.compile(r"""csrf_token["']?\s*(?:value=|:)\s*["']([0-9a-f]+o\d+)["']""")
DEPARTMENT_LINK = re.compile(r'href="(?:/[a-z_A-Z]+)?/departments/([a-z0-9-]*\d+)"')
DOCTOR_LINK = re.compile(r'href="(?:/[a-z_A-Z]+)?/doctors/([a-z0-9-]*\d+)"')
LINKS = {"departments": [], "doctors": []}
BOOKINGS = {"booked": 0, "refused": 0, "cancelled": 0}


@events.init.add_listener
def load_plan(environment, **_kwargs):
    path = os.environ.get("SCALE_PLAN")
    if not path:
        raise SystemExit("SCALE_PLAN (the plan written by bench/scale/prepare.py) is not set.")
    with open(path, encoding="utf-8") as plan:
        PLAN.update(json.load(plan))


@events.quitting.add_listener
def report_bookings(environment, **_kwargs):
    out = os.environ.get("SCALE_BOOKINGS")
    if out:
        with open(out, "w", encoding="utf-8") as f:
            json.dump(BOOKINGS, f)


def next_index():
    with _lock:
        return next(_counter)


def jsonrpc(client, path, params, name):
    """POST a JSON-RPC call; a JSON-RPC error is a failure of the request."""
    with client.post(
        path, json={"jsonrpc": "2.0", "method": "call", "params": params}, name=name, catch_response=True
    ) as response:
        if response.status_code != 200:
            response.failure(f"HTTP {response.status_code}")
            return None
        try:
            answer = response.json()
        except ValueError:
            response.failure("not JSON")
            return None
        if answer.get("error"):
            response.failure(str(answer["error"].get("data", {}).get("message") or answer["error"])[:200])
            return None
        return answer.get("result")


class PatientPhone(HttpUser):
    """An anonymous patient browsing the public website on a phone."""

    weight = 55
    wait_time = between(5, 15)

    def _remember_links(self, response, kind, pattern):
        if response.status_code == 200 and not LINKS[kind]:
            LINKS[kind][:] = sorted(set(pattern.findall(response.text)))

    @task(3)
    def home(self):
        self.client.get("/hospital", name="/hospital")

    @task(3)
    def departments(self):
        self._remember_links(self.client.get("/departments", name="/departments"), "departments", DEPARTMENT_LINK)

    @task(4)
    def department(self):
        if LINKS["departments"]:
            slug = random.choice(LINKS["departments"])
            self.client.get(f"/departments/{slug}", name="/departments/[slug]")
        else:
            self.departments()

    @task(2)
    def doctors(self):
        self._remember_links(self.client.get("/doctors", name="/doctors"), "doctors", DOCTOR_LINK)

    @task(3)
    def doctor(self):
        if LINKS["doctors"]:
            slug = random.choice(LINKS["doctors"])
            self.client.get(f"/doctors/{slug}", name="/doctors/[slug]")
        else:
            self.doctors()

    @task(2)
    def booking(self):
        self.client.get("/booking", name="/booking")


class QueueScreen(HttpUser):
    """A waiting-room screen polling its department's queue state."""

    weight = 15
    wait_time = constant_pacing(10)

    def on_start(self):
        departments = PLAN["queue_departments"]
        self.department = departments[next_index() % len(departments)]

    @task
    def state(self):
        self.client.get(f"/ihospital/queue/{self.department}/state", name="/ihospital/queue/[id]/state")


class PortalPatient(HttpUser):
    """A signed-in patient: appointments, reports, a booking cancelled again."""

    weight = 20
    wait_time = between(10, 30)

    def on_start(self):
        portal = PLAN["portal"]
        self.account = portal[next_index() % len(portal)]
        self.appointment = None  # the one booked last, cancelled at the next booking
        self.signed_in = False
        self.sign_in()

    def sign_in(self):
        page = self.client.get("/web/login", name="/web/login (form)")
        token = CSRF.search(page.text or "")
        with self.client.post(
            "/web/login",
            data={
                "login": self.account["login"],
                "password": self.account["password"],
                "csrf_token": token.group(1) if token else "",
                "redirect": "/my",
            },
            name="/web/login (POST)",
            catch_response=True,
        ) as response:
            self.signed_in = response.status_code == 200 and "/web/login" not in (response.url or "")
            if not self.signed_in:
                response.failure("login refused")

    def on_stop(self):
        self.cancel()

    def cancel(self):
        """Cancel the appointment booked last, on its page (as the patient
        does, some time after booking it: not in the same second, when the
        crons that send its notice and queue it for the HIS are at it)."""
        if not self.appointment:
            return
        appointment, self.appointment = self.appointment, None
        page = self.client.get(f"/my/appointments/{appointment}", name="/my/appointments/[id]")
        token = CSRF.search(page.text or "")
        with self.client.post(
            f"/my/appointments/{appointment}/cancel",
            data={"csrf_token": token.group(1) if token else ""},
            name="/my/appointments/[id]/cancel",
            catch_response=True,
        ) as response:
            if response.status_code == 200:
                BOOKINGS["cancelled"] += 1
            else:
                response.failure(f"HTTP {response.status_code}")

    @task(4)
    def appointments(self):
        self.client.get("/my/appointments", name="/my/appointments")

    @task(3)
    def reports(self):
        self.client.get("/my/reports", name="/my/reports")

    @task(1)
    def book(self):
        """Cancel the previous booking (the clinics never fill), book again."""
        if not self.signed_in:
            self.sign_in()
            return
        self.cancel()
        schedule = random.choice(PLAN["schedules"])
        result = jsonrpc(
            self.client,
            "/my/ihospital/book",
            {"schedule_id": schedule, "patient_id": self.account["patient_id"]},
            "/my/ihospital/book",
        )
        if not result:
            return
        if not result.get("ok"):
            # a refusal with a sentence (a limit of the patient's, another
            # session of the same account...) is an answer, not an error
            BOOKINGS["refused"] += 1
            return
        BOOKINGS["booked"] += 1
        self.appointment = result["appointment_id"]


class StaffDesk(HttpUser):
    """A doctor or nurse in the staff app (JSON-RPC reads)."""

    weight = 10
    wait_time = between(10, 30)

    def on_start(self):
        self.staff = PLAN["staff"][next_index() % len(PLAN["staff"])]
        self.uid = None
        self.sign_in()

    def sign_in(self):
        staff = self.staff
        result = jsonrpc(
            self.client,
            "/web/session/authenticate",
            {"db": PLAN["db"], "login": staff["login"], "password": staff["password"]},
            "/web/session/authenticate",
        )
        if result:
            self.uid = result.get("uid")

    def call(self, model, method, args, kwargs, name):
        if not self.uid:
            self.sign_in()
            return None
        return jsonrpc(
            self.client,
            f"/web/dataset/call_kw/{model}/{method}",
            {"model": model, "method": method, "args": args, "kwargs": kwargs},
            name,
        )

    @task(2)
    def workbench(self):
        self.call("ihospital.staff.workbench", "get_data", [], {}, "rpc workbench get_data")

    @task(3)
    def critical_badge(self):
        self.call(
            "ihospital.critical.alert",
            "search_count",
            [[["is_my_alert", "=", True], ["state", "=", "to_acknowledge"]]],
            {},
            "rpc critical_alert search_count",
        )

    @task(3)
    def appointments_today(self):
        self.call(
            "ihospital.appointment",
            "web_search_read",
            [],
            {
                "domain": [["date", "=", date.today().isoformat()]],
                "specification": {
                    "name": {},
                    "patient_id": {"fields": {"display_name": {}}},
                    "state": {},
                    "number": {},
                    "start": {},
                },
                "limit": 80,
                "order": "start",
            },
            "rpc appointment web_search_read",
        )
