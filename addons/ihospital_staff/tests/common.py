from datetime import date, datetime

from odoo import Command
from odoo.addons.ihospital_base.tests.common import IhospitalCase
from odoo.tests import new_test_user

# A Monday far from today, so that tests do not meet the demo roster.
MONDAY = date(2030, 3, 4)


def utc(*args):
    """A naive UTC datetime, as the ORM stores them."""
    return datetime(*args)


class DutyCase(IhospitalCase):
    """The two test hospitals of IhospitalCase, with a surgery nurse and a
    medical affairs officer who has a staff record."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Employee = cls.env["hr.employee"]
        cls.emp_nurse.write({"mobile_phone": "13800000001", "work_phone": "020-83820001"})
        cls.emp_doctor.write({"mobile_phone": False, "work_phone": "020-83820002"})
        cls.emp_surgery_nurse = Employee.create(
            {
                "name": "Nurse Liang",
                "company_id": cls.hospital.id,
                "department_id": cls.surgery.id,
                "ihospital_role": "nurse",
                "mobile_phone": "13800000003",
            }
        )
        cls.emp_quality = Employee.create(
            {
                "name": "Officer Zhou",
                "user_id": cls.user_quality.id,
                "company_id": cls.hospital.id,
                "ihospital_role": "administrative",
                "mobile_phone": "13800000004",
            }
        )
        cls.emp_nurse_2 = Employee.create(
            {
                "name": "Nurse Chen",
                "company_id": cls.hospital_2.id,
                "department_id": cls.general_2.id,
                "ihospital_role": "nurse",
            }
        )
        cls.Shift = cls.env["ihospital.duty.shift"]

    @classmethod
    def _shift(cls, employee, post, department=None, day=MONDAY, kind="day", **vals):
        return cls.Shift.create(
            {
                "company_id": employee.company_id.id,
                "date": day,
                "kind": kind,
                "post": post,
                "employee_id": employee.id,
                "department_id": department.id if department else False,
                **vals,
            }
        )


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

    def _vital_sign(self, **vals):
        """A critical SpO2 (LL) of the cardiology patient."""
        return self.env["ihospital.vital.sign"].create(
            {
                "company_id": self.hospital.id,
                "patient_id": self.patient_cardio.id,
                "department_id": self.cardiology.id,
                "code": "SPO2",
                "name": "SpO2",
                "value": "78",
                "unit": "%",
                "flag": "LL",
                **vals,
            }
        )

    def _ecg(self, name="ECG-1", **vals):
        """An ECG report its department flagged critical."""
        return self.env["ihospital.imaging.report"].create(
            {
                "name": name,
                "company_id": self.hospital.id,
                "patient_id": self.patient_cardio.id,
                "department_id": self.cardiology.id,
                "doctor_id": self.emp_doctor.id,
                "modality": "ecg",
                "exam_name": "12-lead ECG",
                "is_critical": True,
                "critical_finding": "Ventricular fibrillation",
                **vals,
            }
        )

    def _alerts(self, report):
        return self.Alert.sudo().search([("lab_report_id", "=", report.id)])
