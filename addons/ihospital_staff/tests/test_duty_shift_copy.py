from datetime import timedelta

from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common import MONDAY, DutyCase, utc

NEXT_MONDAY = MONDAY + timedelta(days=7)


@tagged("post_install", "-at_install")
class TestDutyShiftCopy(DutyCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.week = cls.Shift
        for offset in range(7):
            day = MONDAY + timedelta(days=offset)
            cls.week |= cls._shift(cls.emp_doctor, "doctor", cls.cardiology, day=day, kind="day")
            cls.week |= cls._shift(cls.emp_head, "doctor", cls.cardiology, day=day, kind="night")
        # Wednesday 10:00-14:00 in Guangzhou: a clinic cover
        cls.custom = cls._shift(
            cls.emp_nurse,
            "nurse",
            cls.cardiology,
            day=MONDAY + timedelta(days=2),
            kind="custom",
            start=utc(2030, 3, 6, 2, 0),
            stop=utc(2030, 3, 6, 6, 0),
            note="Covers the heart failure clinic",
        )
        cls.week |= cls.custom
        cls.surgery_shift = cls._shift(cls.emp_surgeon, "doctor", cls.surgery)
        cls.hospital_shift = cls._shift(cls.emp_quality, "medical_affairs", kind="24h")

    def _copy(self, user, department=None, source=MONDAY, target=NEXT_MONDAY, **vals):
        wizard = (
            self.env["ihospital.duty.shift.copy"]
            .with_user(user)
            .create(
                {
                    "company_id": self.hospital.id,
                    "department_id": department.id if department else False,
                    "source_date": source,
                    "target_date": target,
                    **vals,
                }
            )
        )
        action = wizard.action_copy()
        return self.Shift.search(action["domain"])

    def _target_week(self, department):
        return self.Shift.search(
            [
                ("department_id", "=", department.id),
                ("date", ">=", NEXT_MONDAY),
                ("date", "<", NEXT_MONDAY + timedelta(days=7)),
            ]
        )

    def test_head_copies_a_week_of_his_department(self):
        # any day of the weeks will do
        copied = self._copy(
            self.user_head, self.cardiology, source=MONDAY + timedelta(days=3), target=NEXT_MONDAY + timedelta(days=6)
        )
        self.assertEqual(len(copied), len(self.week))
        self.assertEqual(copied, self._target_week(self.cardiology), "only cardiology's shifts")
        self.assertEqual(sorted(copied.mapped("date")), sorted(d + timedelta(days=7) for d in self.week.mapped("date")))
        night = copied.filtered(lambda s: s.kind == "night" and s.date == NEXT_MONDAY)
        self.assertEqual((night.employee_id, night.start), (self.emp_head, utc(2030, 3, 11, 9, 30)))
        custom = copied.filtered(lambda s: s.kind == "custom")
        self.assertEqual((custom.start, custom.stop), (utc(2030, 3, 13, 2, 0), utc(2030, 3, 13, 6, 0)))
        self.assertEqual(custom.note, "Covers the heart failure clinic")

        # copying again adds nothing; a changed target week is kept unless replaced
        self.assertFalse(self._copy(self.user_head, self.cardiology))
        copied[0].unlink()
        self.assertEqual(len(self._copy(self.user_head, self.cardiology)), 1, "the missing shift only")
        self._target_week(self.cardiology).filtered(lambda s: s.kind == "night").write(
            {"employee_id": self.emp_doctor.id}
        )
        self._copy(self.user_head, self.cardiology, replace=True)
        target = self._target_week(self.cardiology)
        self.assertEqual(len(target), len(self.week))
        self.assertEqual(target.filtered(lambda s: s.kind == "night").employee_id, self.emp_head)

    def test_medical_affairs_copies_the_hospital_posts(self):
        copied = self._copy(self.user_quality)
        self.assertEqual(copied.post, "medical_affairs")
        self.assertEqual(copied.date, NEXT_MONDAY)
        self.assertEqual(len(self._copy(self.user_quality, self.surgery)), 1)

    def test_who_may_not_copy(self):
        for user in (self.user_nurse, self.user_doctor, self.user_director):
            with self.assertRaises(AccessError, msg=user.login):
                self._copy(user, self.cardiology)
        # a wizard made for them (say over RPC) is refused in its method
        wizard = self.env["ihospital.duty.shift.copy"].create(
            {"company_id": self.hospital.id, "department_id": self.cardiology.id, "source_date": MONDAY}
        )
        with self.assertRaisesMsg(AccessError, "Your role does not allow this action"):
            wizard.with_user(self.user_nurse).action_copy()
        with self.assertRaisesMsg(AccessError, "not of Surgery"):
            self._copy(self.user_head, self.surgery)
        with self.assertRaisesMsg(AccessError, "Only medical affairs or an administrator may plan the hospital posts"):
            self._copy(self.user_head)
        with self.assertRaisesMsg(AccessError, "You do not work at Test Community Hospital"):
            self._copy(self.user_quality, company_id=self.hospital_2.id)
        self.assertFalse(self.Shift.search([("date", ">=", NEXT_MONDAY)]), "nothing copied")

    def test_bad_weeks_are_explained(self):
        with self.assertRaisesMsg(UserError, "Choose another week to copy to"):
            self._copy(self.user_head, self.cardiology, target=MONDAY + timedelta(days=4))
        with self.assertRaisesMsg(UserError, "There are no shifts to copy in the week of 2030-03-18"):
            self._copy(self.user_head, self.cardiology, source=NEXT_MONDAY + timedelta(days=7))
