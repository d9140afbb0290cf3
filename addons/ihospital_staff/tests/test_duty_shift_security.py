from odoo.addons.ihospital_base.tests.common import RpcMixin
from odoo.exceptions import AccessError
from odoo.tests import HttpCase, new_test_user, tagged

from .common import MONDAY, DutyCase


@tagged("post_install", "-at_install")
class TestDutyShiftRights(DutyCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user_technician = new_test_user(
            cls.env,
            login="t_technician",
            groups="base.group_user",
            company_id=cls.hospital.id,
            company_ids=[cls.hospital.id],
        )
        cls.cardio_shift = cls._shift(cls.emp_doctor, "doctor", cls.cardiology)
        cls.surgery_shift = cls._shift(cls.emp_surgeon, "doctor", cls.surgery)
        # the duty handset of medical affairs, typed by the planner
        cls.hospital_shift = cls._shift(cls.emp_quality, "medical_affairs", kind="24h", duty_phone="13800000004")
        cls.other_hospital_shift = cls._shift(cls.emp_doctor_2, "doctor", cls.general_2)
        cls.roster = cls.cardio_shift | cls.surgery_shift | cls.hospital_shift

    def _values(self, employee, post, department=None, kind="night"):
        return {
            "company_id": employee.company_id.id,
            "date": MONDAY,
            "kind": kind,
            "post": post,
            "employee_id": employee.id,
            "department_id": department.id if department else False,
        }

    def test_all_staff_read_their_hospitals_roster(self):
        for user in (
            self.user_nurse,
            self.user_doctor,
            self.user_head,
            self.user_quality,
            self.user_director,
            self.user_admin,
            self.user_technician,
        ):
            shifts = self.Shift.with_user(user).search([("date", "=", MONDAY)])
            self.assertEqual(shifts, self.roster, user.login)
            # the duty phone is a work number every colleague sees
            self.assertEqual(self.hospital_shift.with_user(user).duty_phone, "13800000004", user.login)

    def test_another_hospital_sees_nothing(self):
        Shift = self.Shift.with_user(self.user_doctor_2)
        self.assertEqual(Shift.search([("date", "=", MONDAY)]), self.other_hospital_shift)
        with self.assertRaises(AccessError):
            self.cardio_shift.with_user(self.user_doctor_2).read(["employee_id", "duty_phone"])
        self.assertFalse(Shift._on_duty(self.hospital, at=self.cardio_shift.start))
        self.assertFalse(self.Shift.with_user(self.user_nurse).search([("company_id", "=", self.hospital_2.id)]))

    def test_nurses_doctors_and_directors_only_read(self):
        for user in (self.user_nurse, self.user_doctor, self.user_director, self.user_technician):
            Shift = self.Shift.with_user(user)
            with self.assertRaises(AccessError, msg=user.login):
                Shift.create(self._values(self.emp_nurse, "nurse", self.cardiology))
            with self.assertRaises(AccessError, msg=user.login):
                self.cardio_shift.with_user(user).write({"duty_phone": "13900000000"})
            with self.assertRaises(AccessError, msg=user.login):
                self.cardio_shift.with_user(user).unlink()
        self.assertEqual(self.cardio_shift.duty_phone, "020-83820002")

    def test_head_plans_own_departments_posts(self):
        Shift = self.Shift.with_user(self.user_head)
        night = Shift.create(self._values(self.emp_head, "doctor", self.cardiology))
        night.write({"duty_phone": "13900000001", "note": "Call the second line for the cath lab"})
        self.cardio_shift.with_user(self.user_head).write({"kind": "24h"})
        self.assertEqual(self.cardio_shift.kind, "24h")
        night.unlink()

    def test_head_cannot_plan_another_department_or_a_hospital_post(self):
        Shift = self.Shift.with_user(self.user_head)
        with self.assertRaises(AccessError):
            Shift.create(self._values(self.emp_surgery_nurse, "nurse", self.surgery))
        with self.assertRaises(AccessError):
            self.surgery_shift.with_user(self.user_head).write({"duty_phone": "13900000000"})
        with self.assertRaises(AccessError):
            self.surgery_shift.with_user(self.user_head).unlink()
        with self.assertRaises(AccessError):
            Shift.create(self._values(self.emp_head, "administrator", kind="24h"))
        with self.assertRaises(AccessError):
            self.hospital_shift.with_user(self.user_head).write({"note": "x"})
        # nor move a shift of his department out of it
        with self.assertRaises(AccessError):
            self.cardio_shift.with_user(self.user_head).write({"department_id": self.surgery.id})
        with self.assertRaises(AccessError):
            self.cardio_shift.with_user(self.user_head).write({"post": "administrator", "department_id": False})
        self.assertEqual(self.cardio_shift.department_id, self.cardiology)
        self.assertFalse(self.surgery_shift.duty_phone)
        self.assertTrue(self.surgery_shift.exists())

    def test_medical_affairs_and_administrators_plan_the_hospital(self):
        for user in (self.user_quality, self.user_admin):
            Shift = self.Shift.with_user(user)
            posts = Shift.create(
                [
                    self._values(self.emp_doctor, "administrator", kind="24h"),
                    self._values(self.emp_surgery_nurse, "nurse", self.surgery),
                ]
            )
            posts.write({"note": "Planned by medical affairs"})
            self.surgery_shift.with_user(user).write({"duty_phone": "13900000002"})
            posts.unlink()
            # but not another hospital's
            with self.assertRaises(AccessError, msg=user.login):
                Shift.create(self._values(self.emp_nurse_2, "nurse", self.general_2))
            with self.assertRaises(AccessError, msg=user.login):
                self.other_hospital_shift.with_user(user).write({"note": "x"})
            # nor move one there
            with self.assertRaises(AccessError, msg=user.login):
                self.hospital_shift.with_user(user).write(
                    {"company_id": self.hospital_2.id, "employee_id": self.emp_doctor_2.id}
                )
            self.assertEqual(self.hospital_shift.company_id, self.hospital)


@tagged("post_install", "-at_install")
class TestDutyShiftRpc(RpcMixin, HttpCase):
    """The demo logins over JSON-RPC, as a browser's console sends it."""

    def test_nurse_and_head_attacks_over_rpc(self):
        cardiology = self.env.ref("ihospital_base.hr_department_cardiology_demo")
        respiratory = self.env.ref("ihospital_base.hr_department_respiratory_demo")
        Shift = self.env["ihospital.duty.shift"]
        own = Shift.search([("department_id", "=", cardiology.id)], limit=1)
        other = Shift.search([("department_id", "=", respiratory.id)], limit=1)
        self.assertTrue(own and other, "the demo has a roster")

        self.authenticate("nurse", "nurse")
        _result, error = self._call("ihospital.duty.shift", "write", [own.ids, {"duty_phone": "13900000000"}])
        self.assertEqual(error.get("name"), "odoo.exceptions.AccessError")
        result, error = self._call("ihospital.duty.shift", "search_read", [[("id", "=", own.id)], ["duty_phone"]])
        self.assertFalse(error)
        self.assertEqual(result[0]["duty_phone"], own.duty_phone, "the nurse reads the duty phone")

        self.authenticate("head", "head")
        context = {"context": {"sudo": 1, "ihospital_his_inbound": True}}
        _result, error = self._call(
            "ihospital.duty.shift", "write", [other.ids, {"duty_phone": "13900000000"}], context
        )
        self.assertEqual(error.get("name"), "odoo.exceptions.AccessError")
        _result, error = self._call(
            "ihospital.duty.shift", "write", [own.ids, {"department_id": respiratory.id}], context
        )
        self.assertEqual(error.get("name"), "odoo.exceptions.AccessError")
        admin = self.env["hr.employee"].search([("user_id.login", "=", "hospadmin")], limit=1)
        _result, error = self._call(
            "ihospital.duty.shift",
            "create",
            [{"date": "2030-03-04", "kind": "24h", "post": "administrator", "employee_id": admin.id}],
            context,
        )
        self.assertEqual(error.get("name"), "odoo.exceptions.AccessError")
        self.assertEqual(own.department_id, cardiology)
        self.assertNotEqual(other.duty_phone, "13900000000")
