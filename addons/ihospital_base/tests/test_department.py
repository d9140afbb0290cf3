"""The staff of departments (hr.department._ihospital_staff): who a
department notice or a group SMS to departments reaches."""

from psycopg2 import IntegrityError

from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from .common import IhospitalCase, RpcMixin


class DepartmentStaffCase(IhospitalCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ward = cls.env["hr.department"].create(
            {"name": "Cardiology Ward", "company_id": cls.hospital.id, "parent_id": cls.cardiology.id}
        )
        Employee = cls.env["hr.employee"]
        cls.emp_ward_nurse = Employee.create(
            {"name": "Nurse Mo", "company_id": cls.hospital.id, "department_id": cls.ward.id, "ihospital_role": "nurse"}
        )
        cls.emp_retired = Employee.create(
            {"name": "Dr Ou", "company_id": cls.hospital.id, "department_id": cls.cardiology.id, "active": False}
        )


@tagged("post_install", "-at_install")
class TestDepartmentStaff(DepartmentStaffCase):
    def test_active_staff_with_sub_departments_once_in_one_search(self):
        cardiology_staff = self.emp_nurse | self.emp_doctor | self.emp_head | self.emp_ward_nurse
        self.assertEqual(self.cardiology._ihospital_staff(self.hospital), cardiology_staff)
        # the ward given beside its parent: each person once
        staff = (self.cardiology | self.ward | self.surgery)._ihospital_staff(self.hospital)
        self.assertEqual(len(staff), 5)
        self.assertEqual(staff, cardiology_staff | self.emp_surgeon)
        self.assertEqual(self.ward._ihospital_staff(self.hospital), self.emp_ward_nurse, "not the parent's staff")
        self.assertNotIn(self.emp_retired, staff, "archived staff are not reached")
        self.assertFalse(self.cardiology._ihospital_staff(self.hospital_2), "another hospital's staff only")
        self.assertFalse(self.env["hr.department"]._ihospital_staff(self.hospital))
        # one search for any number of departments (and their parent_path)
        departments = self.cardiology | self.ward | self.surgery
        self.env.invalidate_all()
        with self.assertQueryCount(2):
            departments._ihospital_staff(self.hospital)

    def test_one_hospital_is_given(self):
        for company in (self.hospital | self.hospital_2, self.hospital.id, self.env["res.company"], self.cardiology):
            with self.subTest(company=company), self.assertRaisesMsg(ValueError, "in one hospital"):
                self.cardiology._ihospital_staff(company)

    def test_in_the_callers_rights(self):
        """Without sudo, a user finds the staff they may see: a doctor of
        another hospital nobody of this one."""
        as_nurse = self.cardiology.with_user(self.user_nurse)._ihospital_staff(self.hospital)
        self.assertEqual(as_nurse.ids, self.cardiology._ihospital_staff(self.hospital).ids)
        self.assertFalse(self.cardiology.with_user(self.user_doctor_2)._ihospital_staff(self.hospital))


@tagged("post_install", "-at_install")
class TestDepartmentStaffRpc(RpcMixin, HttpCase, DepartmentStaffCase):
    def test_not_callable_over_rpc(self):
        for user in (self.user_nurse, self.user_admin):
            self.authenticate(user.login, user.login)
            result, error = self._call("hr.department", "_ihospital_staff", [self.cardiology.ids, self.hospital.id])
            self.assertIsNone(result, user.login)
            self.assertIn("Private methods", error.get("message", ""), user.login)


class TestStaffedBeds(IhospitalCase):
    def test_staffed_beds_are_never_negative(self):
        self.cardiology.bed_count = 40
        self.assertEqual(self.cardiology.bed_count, 40)
        with self.assertRaises(IntegrityError), mute_logger("odoo.sql_db"), self.env.cr.savepoint():
            self.cardiology.bed_count = -1
            self.cardiology.flush_recordset()
