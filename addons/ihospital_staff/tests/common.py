from odoo import Command
from odoo.addons.ihospital_base.tests.common import IhospitalCase
from odoo.tests import new_test_user


class CriticalCase(IhospitalCase):
    """Two hospitals (from IhospitalCase) with a surgery nurse to refuse,
    and helpers that create lab reports as the HIS would."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user_surgery_nurse = new_test_user(
            cls.env,
            login="t_surgery_nurse",
            groups="ihospital_base.group_nurse",
            company_id=cls.hospital.id,
            company_ids=[cls.hospital.id],
            name="t_surgery_nurse",
        )
        cls.env["hr.employee"].create(
            {
                "name": "Nurse Wu",
                "user_id": cls.user_surgery_nurse.id,
                "company_id": cls.hospital.id,
                "department_id": cls.surgery.id,
                "ihospital_role": "nurse",
                "professional_title": "nurse",
            }
        )
        cls.emp_doctor.mobile_phone = "+8613800000001"
        cls.emp_head.mobile_phone = "+8613800000002"
        cls.Alert = cls.env["ihospital.critical.alert"]

    def _report(self, lines=(("K", "Potassium", "6.8", "HH"),), name="LAB-CV-1", **vals):
        return self.env["ihospital.lab.report"].create(
            {
                "name": name,
                "company_id": self.hospital.id,
                "patient_id": self.patient_cardio.id,
                "department_id": self.cardiology.id,
                "doctor_id": self.emp_doctor.id,
                "title": "Electrolytes",
                "source": "his",
                "result_ids": [
                    Command.create({"code": code, "name": label, "value": value, "unit": "mmol/L", "flag": flag})
                    for code, label, value, flag in lines
                ],
                **vals,
            }
        )

    def _alerts(self, report):
        return self.Alert.sudo().search([("lab_report_id", "=", report.id)])
