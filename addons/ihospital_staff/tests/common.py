from datetime import date, datetime

from odoo.addons.ihospital_base.tests.common import IhospitalCase

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
