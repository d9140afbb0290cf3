import json
from datetime import timedelta

from odoo import fields
from odoo.tests import new_test_user, tagged

from .common import DemoPatientSmsCase


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
