import json
from datetime import timedelta

from odoo import fields
from odoo.addons.ihospital_public.controllers.portal import IhospitalPortal
from odoo.addons.website.tools import MockRequest
from odoo.exceptions import UserError
from odoo.tests import TransactionCase, new_test_user, tagged

from .common import DemoPatientMixin, DemoPatientSmsCase

# One successful booking through the portal: the session's user, the
# patient's link, the clinic, the rules, the slot, the appointment and its
# notice. A change that brings back chatter, tracking or extra writes fails
# here first.
QUERIES_PER_BOOKING = 20
# A refusal of a full clinic: the clinic, whether its department and doctor
# are published (with the doctor's name), and its free numbers; the
# website's hospital comes from the website's cache.
QUERIES_PER_REFUSAL = 4


@tagged("post_install", "-at_install")
class TestBookingRoute(DemoPatientSmsCase):
    """The portal's booking route, as the patient's browser calls it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.stranger = cls.env["ihospital.patient"].search(
            [("company_id", "=", cls.patient.company_id.id), ("account_ids", "=", False)], limit=1
        )
        cls.schedule = cls.env["ihospital.schedule"].create(
            {
                "company_id": cls.patient.company_id.id,
                "department_id": cls.env.ref("ihospital_base.hr_department_ophthalmology_demo").id,
                "doctor_id": cls.env.ref("ihospital_base.hr_employee_ophthalmology_3_demo").id,
                "date": fields.Date.today() + timedelta(days=2),
                "session": "evening",
                "capacity": 2,
                "release_override": True,
                "release_at_manual": fields.Datetime.now() - timedelta(minutes=1),
            }
        )
        cls.schedule.action_publish()  # 2 numbers, none kept on site (20% of 2 rounds to 0)
        new_test_user(cls.env, login="other_portal", groups="base.group_portal", password="other_portal123")

    def _book(self, **params):
        response = self.url_open(
            "/my/ihospital/book",
            data=json.dumps({"jsonrpc": "2.0", "method": "call", "params": params}),
            headers={"Content-Type": "application/json"},
        )
        self.assertEqual(response.status_code, 200)
        return response.json()["result"]

    def test_patient_books_and_rules_answer_clearly(self):
        self.authenticate("patient", "patient")
        result = self._book(schedule_id=self.schedule.id, patient_id=self.patient.id)
        self.assertTrue(result["ok"], result)
        self.assertEqual((result["state"], result["number"]), ("booked", 1))
        again = self._book(schedule_id=self.schedule.id, patient_id=self.patient.id)
        self.assertEqual(again["ok"], False)
        # the demo patient reads Chinese: 陈美玲在…已预约…
        self.assertIn("已预约", again["error"])
        self.assertEqual(self.schedule.booked_count, 1)

    def test_someone_elses_patient_is_refused(self):
        self.authenticate("other_portal", "other_portal123")
        result = self._book(schedule_id=self.schedule.id, patient_id=self.patient.id)
        self.assertEqual(result, {"ok": False, "error": "You do not manage this patient."})
        self.portal_user.lang = "en_US"
        self.authenticate("patient", "patient")
        result = self._book(schedule_id=self.schedule.id, patient_id=self.stranger.id)
        self.assertEqual(result["error"], "You do not manage this patient.")
        self.assertEqual(self.schedule.booked_count, 0)

    def test_bad_input(self):
        self.portal_user.lang = "en_US"
        self.authenticate("patient", "patient")
        self.assertEqual(
            self._book(schedule_id="x", patient_id=self.patient.id)["error"], "Choose a clinic and a patient."
        )
        self.assertEqual(
            self._book(schedule_id=999999, patient_id=self.patient.id)["error"], "This clinic cannot be booked."
        )
        self.assertEqual(
            self._book(schedule_id=self.schedule.id, patient_id=999999)["error"], "You do not manage this patient."
        )

    def test_visitor_must_sign_in(self):
        response = self.url_open(
            "/my/ihospital/book",
            data=json.dumps({"jsonrpc": "2.0", "method": "call", "params": {}}),
            headers={"Content-Type": "application/json"},
        )
        self.assertEqual(response.json()["error"]["data"]["name"], "odoo.http.SessionExpiredException")


@tagged("post_install", "-at_install")
class TestBookingCost(DemoPatientMixin, TransactionCase):
    """What one successful portal booking costs, pinned: the portal account
    books through the route's helper, as /my/ihospital/book does, on a
    request whose caches are cold (Odoo's own caches are warm, as on a
    running server). Within tests the slot is claimed on the booking's
    cursor (its UPDATE is counted here); on a server it is one UPDATE in a
    short transaction of its own."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._set_up_demo_patient()
        cls.schedules = cls.env["ihospital.schedule"].create(
            [
                {
                    "company_id": cls.patient.company_id.id,
                    "department_id": cls.env.ref("ihospital_base.hr_department_ophthalmology_demo").id,
                    "doctor_id": cls.env.ref(f"ihospital_base.hr_employee_ophthalmology_{doctor}_demo").id,
                    "date": fields.Date.today() + timedelta(days=days),
                    "session": "evening",
                    "capacity": 5,
                    "release_override": True,
                    "release_at_manual": fields.Datetime.now() - timedelta(minutes=1),
                }
                for doctor, days in ((3, 2), (2, 3))
            ]
        )
        cls.schedules.action_publish()

    def _book_as_portal(self, schedule):
        with MockRequest(self.env(user=self.portal_user)):
            return IhospitalPortal()._ihospital_book(schedule.id, self.patient.id)

    def test_one_booking_costs_a_pinned_number_of_queries(self):
        self._book_as_portal(self.schedules[0])  # Odoo's caches: xml ids, translations, access rights
        self.env.invalidate_all()
        with self.assertQueryCount(QUERIES_PER_BOOKING):
            appointment = self._book_as_portal(self.schedules[1])
        self.assertEqual((appointment.state, appointment.notice_pending), ("booked", "booked"))
        self.assertEqual(appointment.department_id, self.schedules[1].department_id)
        self.assertEqual(appointment.start, appointment.slot_id.start)

    def test_a_full_clinic_is_refused_from_the_clinic_alone(self):
        """Most requests of a rush: answered before the account's patients
        and links are read, at a pinned cost."""
        full = self.schedules[0]
        self._book_as_portal(full)
        full.slot_ids.filtered(lambda s: s.booked_count < s.capacity).write({"booked_count": 1})
        self.env.invalidate_all()
        with self.assertQueryCount(QUERIES_PER_REFUSAL), self.assertRaisesRegex(UserError, "No slot left"):
            self._book_as_portal(full)
