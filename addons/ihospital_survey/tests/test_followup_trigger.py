"""A follow-up starts from the actual event, once per encounter: the
consultation's end at the calling console, the HIS's visit record, the
discharge; the plan is the most specific that matches."""

from datetime import timedelta

from psycopg2 import IntegrityError

from odoo import fields
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import FollowupCase


@tagged("post_install", "-at_install")
class TestFollowupTrigger(FollowupCase):
    def _in_consultation(self):
        appointment = self._book()
        appointment.action_check_in()
        appointment.with_user(self.user_doctor).action_start_consultation()
        return appointment

    def test_consultation_finished_starts_once(self):
        appointment = self._in_consultation()
        appointment.with_user(self.user_doctor).action_finish_consultation()
        visit = appointment.visit_id
        followup = self.Followup.search([("visit_id", "=", visit.id)])
        self.assertEqual(len(followup), 1)
        self.assertEqual(
            (followup.plan_id, followup.kind, followup.patient_id, followup.doctor_id, followup.department_id),
            (self.plan_cardiology, "outpatient", self.patient_cardio, self.emp_doctor, self.cardiology),
        )
        self.assertEqual(followup.event_at, visit.end)
        self.assertEqual(followup.followup_message_ids.mapped("state"), ["planned"])
        # the HIS's visit record of the same encounter completes the same visit: no second follow-up
        visit.sudo().write({"end": visit.end + timedelta(minutes=5), "source": "his", "external_ref": "V-1"})
        self.assertEqual(self.Followup.search_count([("patient_id", "=", self.patient_cardio.id)]), 1)

    def test_his_visit_created_finished_starts_once(self):
        visit = (
            self.env["ihospital.visit"]
            .sudo()
            .create(
                {
                    "company_id": self.hospital.id,
                    "patient_id": self.patient_surgery.id,
                    "department_id": self.surgery.id,
                    "doctor_id": self.emp_surgeon.id,
                    "start": fields.Datetime.now() - timedelta(hours=1),
                    "end": fields.Datetime.now(),
                    "source": "his",
                    "external_ref": "V-9",
                }
            )
        )
        followup = self.Followup.search([("visit_id", "=", visit.id)])
        self.assertEqual(followup.plan_id, self.plan_outpatient, "surgery has no plan of its own: hospital-wide")
        self.assertEqual(len(followup.followup_message_ids), 2)
        visit.sudo().write({"end": fields.Datetime.now(), "total_charges": 10})
        self.assertEqual(self.Followup.search_count([("visit_id", "=", visit.id)]), 1)

    def test_his_visit_completed_later_starts(self):
        self.assertFalse(self.Followup.search([("visit_id", "=", self.visit_cardio.id)]), "not ended yet")
        followup = self._finish_visit(self.visit_cardio)
        self.assertEqual(followup.plan_id, self.plan_cardiology)
        self._finish_visit(self.visit_cardio)
        self.assertEqual(self.Followup.search_count([("visit_id", "=", self.visit_cardio.id)]), 1)

    def test_the_database_refuses_a_second_follow_up(self):
        followup = self._finish_visit(self.visit_cardio)
        with self.assertRaises(IntegrityError), mute_logger("odoo.sql_db"), self.env.cr.savepoint():
            self.Followup.create(
                {
                    "company_id": self.hospital.id,
                    "plan_id": self.plan_outpatient.id,
                    "kind": "outpatient",
                    "patient_id": self.patient_cardio.id,
                    "visit_id": followup.visit_id.id,
                    "event_at": fields.Datetime.now(),
                }
            )
            self.Followup.flush_model()

    def test_discharge_and_surgery(self):
        Admission = self.env["ihospital.admission"].sudo()
        now = fields.Datetime.now()
        stay = Admission.create(
            {
                "company_id": self.hospital.id,
                "name": "ZY-1",
                "patient_id": self.patient_cardio.id,
                "department_id": self.cardiology.id,
                "attending_doctor_id": self.emp_doctor.id,
                "admitted_at": now - timedelta(days=3),
            }
        )
        operated = Admission.create(
            {
                "company_id": self.hospital.id,
                "name": "ZY-2",
                "patient_id": self.patient_surgery.id,
                "department_id": self.surgery.id,
                "attending_doctor_id": self.emp_surgeon.id,
                "admitted_at": now - timedelta(days=3),
                "surgery_at": now - timedelta(days=2),
            }
        )
        self.assertFalse(self.Followup.search([("admission_id", "in", (stay | operated).ids)]))
        stay.with_user(self.user_admin).action_discharge()
        operated.write({"state": "discharged", "discharged_at": now})  # the HIS's discharge message
        followups = self.Followup.search([("admission_id", "in", (stay | operated).ids)])
        self.assertEqual(
            {(f.admission_id, f.plan_id, f.kind, f.doctor_id) for f in followups},
            {
                (stay, self.plan_discharge, "discharge", self.emp_doctor),
                (operated, self.plan_surgery, "surgery", self.emp_surgeon),
            },
        )
        # the discharge reported again: nothing more
        operated.write({"state": "discharged", "discharged_at": now})
        self.assertEqual(self.Followup.search_count([("admission_id", "in", (stay | operated).ids)]), 2)

    def test_plan_choice(self):
        # diagnosis-filtered beats department-filtered beats hospital-wide
        self.assertEqual(self._finish_visit(self.visit_cardio, code="i10.x00").plan_id, self.plan_chronic)
        self.assertEqual(self._finish_visit(self.visit_surgery, code="K35.8").plan_id, self.plan_outpatient)
        # then the sequence among equals
        self.plan_outpatient.copy({"name": "First", "sequence": 1})
        visit = self.visit_surgery.copy({"external_ref": "V-77", "source": "his"})
        first = self._finish_visit(visit)
        self.assertEqual(first.plan_id.name, "First")
        # another hospital's visit follows that hospital's plan only
        self.assertEqual(self._finish_visit(self.visit_2).plan_id, self.plan_2)

    def test_no_plan_no_inpatient_visit_no_old_event_no_deceased(self):
        self.plan_cardiology.active = False
        self.plan_outpatient.active = False
        self.assertFalse(self._finish_visit(self.visit_cardio), "no plan applies")
        self.plan_outpatient.active = True
        stay = self.visit_surgery.copy({"visit_type": "inpatient", "external_ref": "V-5", "source": "his"})
        self.assertFalse(self._finish_visit(stay), "a stay is followed from its discharge")
        old = self.visit_surgery.copy({"external_ref": "V-6", "source": "his"})
        self.assertFalse(self._finish_visit(old, end=fields.Datetime.now() - timedelta(days=30)), "history")
        self.patient_surgery.sudo().write({"deceased": True})
        self.assertFalse(self._finish_visit(self.visit_surgery))

    def test_plan_rules(self):
        from odoo.exceptions import ValidationError

        with self.assertRaisesMsg(ValidationError, "ICD-10 prefixes"):
            self.plan_outpatient.copy({"kind": "chronic", "diagnosis_prefixes": False})
        with self.assertRaisesMsg(ValidationError, "hospital"):
            self.plan_outpatient.copy({"company_id": self.hospital_2.id})
        with self.assertRaisesMsg(ValidationError, "needs its survey"):
            self.plan_outpatient.step_ids[0].write({"action": "survey"})
