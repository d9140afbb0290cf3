import json
import threading
import time
from datetime import timedelta

import requests

from odoo import fields
from odoo.addons.bus.models.bus import ODOO_NOTIFY_FUNCTION, channel_with_db, get_notify_payloads, hashable
from odoo.http import request
from odoo.sql_db import db_connect
from odoo.tests import tagged
from odoo.tools import SQL

from ..controllers.portal import IhospitalPortal
from .test_portal_booking import PortalCase


@tagged("post_install", "-at_install")
class TestPortalQueue(PortalCase):
    """Check in on the day and follow the queue live, on the demo
    cardiology whose nurse (`nurse`) runs the queue."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.department = cls.env.ref("ihospital_base.hr_department_cardiology_demo")
        today = fields.Date.context_today(cls.env["res.company"].with_context(tz=cls.hospital.hospital_tz))
        cls.schedule = cls.env["ihospital.schedule"].create(
            {
                "company_id": cls.hospital.id,
                "department_id": cls.department.id,
                "doctor_id": cls.env.ref("ihospital_base.hr_employee_cardiology_3_demo").id,
                "date": today,
                "session": "evening",
                "capacity": 6,
                "room": "T-9",
            }
        )
        cls.schedule.action_publish()
        slots = cls.schedule.slot_ids.sorted("sequence")
        # my number's time is in ten minutes: check-in is open
        slots[3].start = fields.Datetime.now() + timedelta(minutes=10)
        others = cls.env["ihospital.patient"].search(
            [("company_id", "=", cls.hospital.id), ("account_ids", "=", False)], limit=3
        )
        Appointment = cls.env["ihospital.appointment"]
        for number, (patient, slot) in enumerate(zip(others, slots, strict=False), start=1):
            Appointment.create(
                {
                    "company_id": cls.hospital.id,
                    "patient_id": patient.id,
                    "schedule_id": cls.schedule.id,
                    "slot_id": slot.id,
                    "state": "checked_in",
                    "queue_state": "waiting",
                    "queue_number": number,
                    "channel": "window",
                }
            )
        cls.env.cr.execute("UPDATE ihospital_schedule SET queue_last_number = 3 WHERE id = %s", [cls.schedule.id])
        cls.schedule.invalidate_recordset(["queue_last_number"])
        cls.appointment = Appointment.create(
            {
                "company_id": cls.hospital.id,
                "patient_id": cls.patient.id,
                "schedule_id": cls.schedule.id,
                "slot_id": slots[3].id,
                "state": "booked",
                "channel": "portal",
            }
        )

    def authenticate(self, user, password, browser=None):
        session = super().authenticate(user, password, browser=browser)
        # the test's own cursor is free from now on: the nurse may start
        if getattr(self, "_tour_authenticated", None):
            self._tour_authenticated.set()
        return session

    def _post_commit_notify(self, channel):
        """Wake the websockets following `channel`, as the bus does once a
        transaction commits: the test cursor skips post-commit hooks, so the
        bus notification of the nurse's request would wait in the table."""
        payloads = get_notify_payloads([hashable(channel_with_db(self.env.cr.dbname, channel))])
        with db_connect("postgres").cursor() as cr:
            for payload in payloads:
                cr.execute(SQL("SELECT %s('imbus', %s)", SQL.identifier(ODOO_NOTIFY_FUNCTION), payload))

    def _nurse_calls_next_when_i_wait(self, errors):
        """The nurse's screen, in another browser: once four patients wait
        (I checked in), call the next one."""
        session = requests.Session()
        base = self.base_url()
        rpc = {"jsonrpc": "2.0", "method": "call"}
        try:
            if not self._tour_authenticated.wait(60):
                errors.append("the tour did not start")
                return
            session.post(
                f"{base}/web/session/authenticate",
                json={**rpc, "params": {"db": self.env.cr.dbname, "login": "nurse", "password": "nurse"}},
                timeout=20,
            ).raise_for_status()
            # the page reads my place once it follows the queue's channel
            if not self._page_follows_queue.wait(60):
                errors.append("the page never followed the queue")
                return
            time.sleep(1)  # the subscription reaches the server asynchronously
            result = session.post(
                f"{base}/web/dataset/call_kw/ihospital.schedule/action_call_next",
                data=json.dumps(
                    {
                        **rpc,
                        "params": {
                            "model": "ihospital.schedule",
                            "method": "action_call_next",
                            "args": [[self.schedule.id]],
                            "kwargs": {},
                        },
                    }
                ),
                headers={"Content-Type": "application/json"},
                timeout=20,
            ).json()
            if "error" in result:
                errors.append(result["error"]["data"]["message"])
                return
            self._post_commit_notify(f"ihospital_queue_schedule_{self.schedule.id}")
        except Exception as error:  # noqa: BLE001 - reported by the test
            errors.append(repr(error))

    def test_check_in_and_follow_the_queue_live(self):
        errors = []
        self._tour_authenticated = threading.Event()
        self._page_follows_queue = threading.Event()
        queue_values = IhospitalPortal._ihospital_queue_values

        def _ihospital_queue_values(portal, appointment_sudo):
            values = queue_values(portal, appointment_sudo)
            # the JSON route the page reads, not the page's first rendering
            if values["queue_state"] == "waiting" and request.httprequest.path.endswith("/queue"):
                self._page_follows_queue.set()
            return values

        self.patch(IhospitalPortal, "_ihospital_queue_values", _ihospital_queue_values)
        nurse = threading.Thread(target=self._nurse_calls_next_when_i_wait, args=(errors,))
        nurse.start()
        try:
            self.start_tour(f"/my/appointments/{self.appointment.id}", "ihospital_portal_queue", login="patient")
        finally:
            nurse.join(70)
            # the nurse's side first: it explains a tour that waited in vain
            self.assertEqual(errors, [])
        self.assertEqual((self.appointment.state, self.appointment.queue_number), ("checked_in", 4))
        self.assertEqual(self.schedule.current_number, 1)
        self.assertTrue(self.appointment.turn_near_sent)

    def test_check_in_window_is_explained(self):
        self.appointment.slot_id.start = fields.Datetime.now() + timedelta(hours=5)
        self.authenticate("patient", "patient")
        url = f"/my/appointments/{self.appointment.id}"
        token = self._csrf_token(url)
        response = self.url_open(f"{url}/check_in", data={"csrf_token": token})
        self.assertIn("Check-in opens 60 minutes before the appointment time.", response.text)
        self.assertEqual(self.appointment.state, "booked")
        queue = self.url_open(f"{url}/queue").json()
        self.assertEqual(queue["state"], "booked")
