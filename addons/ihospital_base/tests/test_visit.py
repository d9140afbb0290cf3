from datetime import timedelta

from odoo import fields
from odoo.exceptions import ValidationError
from odoo.tests import tagged

from .common import IhospitalCase


@tagged("post_install", "-at_install")
class TestVisit(IhospitalCase):
    def _visit_vals(self, **overrides):
        vals = {
            "company_id": self.hospital.id,
            "patient_id": self.patient_cardio.id,
            "department_id": self.cardiology.id,
            "doctor_id": self.emp_doctor.id,
            "total_charges": 500,
            "insurance_amount": 200,
        }
        vals.update(overrides)
        return vals

    def test_reference_and_self_paid(self):
        visit = self.env["ihospital.visit"].create(self._visit_vals())
        self.assertTrue(visit.name.startswith("V"))
        self.assertEqual(visit.self_paid_amount, 300)
        visit.insurance_amount = 500
        self.assertEqual(visit.self_paid_amount, 0)

    def test_department_of_another_hospital_is_refused(self):
        before = self.env["ihospital.visit"].search_count([])
        with self.assertRaisesMsg(ValidationError, "belongs to Test Community Hospital"):
            self.env["ihospital.visit"].create(self._visit_vals(department_id=self.general_2.id))
        self.assertEqual(self.env["ihospital.visit"].search_count([]), before)

    def test_doctor_of_another_hospital_is_refused(self):
        with self.assertRaisesMsg(ValidationError, "works at Test Community Hospital"):
            self.env["ihospital.visit"].create(self._visit_vals(doctor_id=self.emp_doctor_2.id))

    def test_patient_of_another_hospital_is_refused(self):
        with self.assertRaisesMsg(ValidationError, "is registered in Test Community Hospital"):
            self.env["ihospital.visit"].create(self._visit_vals(patient_id=self.patient_2.id))

    def test_end_before_start_is_refused(self):
        now = fields.Datetime.now()
        with self.assertRaisesMsg(ValidationError, "cannot end before it starts"):
            self.env["ihospital.visit"].create(self._visit_vals(start=now, end=now - timedelta(hours=1)))

    def test_insurance_above_total_is_refused(self):
        with self.assertRaisesMsg(ValidationError, "cannot cover more"):
            self.visit_cardio.insurance_amount = 1000
        self.assertEqual(self.visit_cardio.insurance_amount, 120)

    def test_negative_charges_are_refused(self):
        with self.assertRaisesMsg(ValidationError, "cannot be negative"):
            self.env["ihospital.visit"].create(self._visit_vals(total_charges=-5, insurance_amount=0))

    def test_patient_visit_count_and_action(self):
        self.assertEqual(self.patient_cardio.visit_count, 1)
        action = self.patient_cardio.action_view_visits()
        self.assertEqual(self.env["ihospital.visit"].search(action["domain"]), self.visit_cardio)
