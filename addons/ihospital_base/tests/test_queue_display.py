from odoo import fields
from odoo.tests import HttpCase, tagged

from .common import queue_today


@tagged("post_install", "-at_install")
class TestQueueDisplay(HttpCase):
    """The public waiting-room screen on the demo hospital's cardiology."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.department = cls.env.ref("ihospital_base.hr_department_cardiology_demo")
        hospital = cls.department.company_id
        today = fields.Date.context_today(cls.env["res.company"].with_context(tz=hospital.hospital_tz))
        cls.env["ihospital.schedule"].search([("department_id", "=", cls.department.id), ("date", "=", today)]).write(
            {"state": "cancelled"}
        )
        cls.patients = cls.env["ihospital.patient"].search([("company_id", "=", hospital.id)], limit=2)
        cls.schedule = queue_today(cls.env, "3A-1", cls.patients)

    def test_screen_shows_numbers_and_masked_names_only(self):
        self.schedule.action_call_next()
        response = self.url_open(f"/ihospital/queue/{self.department.id}")
        self.assertEqual(response.status_code, 200)
        page = response.text
        self.assertIn("3A-1", page)
        first = self.patients[0].name
        self.assertNotIn(first, page)
        self.assertIn(self.schedule.current_appointment_id.patient_display_name, page)

    def test_state_route(self):
        state = self.url_open(f"/ihospital/queue/{self.department.id}/state?room=3A-1").json()
        self.assertEqual(len(state), 1)
        self.assertEqual((state[0]["waiting_count"], state[0]["next_numbers"]), (2, [1, 2]))
        self.assertEqual(self.url_open(f"/ihospital/queue/{self.department.id}/state?room=nowhere").json(), [])

    def test_unknown_or_unpublished_department_is_not_found(self):
        self.assertEqual(self.url_open("/ihospital/queue/999999").status_code, 404)
        self.department.is_published = False
        self.assertEqual(self.url_open(f"/ihospital/queue/{self.department.id}").status_code, 404)
        administration = self.env.ref("ihospital_base.hr_department_administration_demo")
        self.assertEqual(self.url_open(f"/ihospital/queue/{administration.id}/state").status_code, 404)

    def test_screen_updates_live(self):
        self.start_tour(f"/ihospital/queue/{self.department.id}", "ihospital_queue_display_live", login="admin")
        self.assertEqual(self.schedule.current_number, 1)
