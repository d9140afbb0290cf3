from datetime import timedelta

from odoo import fields
from odoo.tests import tagged
from odoo.tests.common import TransactionCase


@tagged("post_install", "-at_install")
class TestDutyRosterDemo(TransactionCase):
    """The demo rosters: someone to call in every clinical department, now."""

    def test_every_clinical_department_has_its_doctor_and_nurse_now(self):
        main = self.env.ref("base.main_company")
        Shift = self.env["ihospital.duty.shift"]
        clinical = self.env["hr.department"].search([("company_id", "=", main.id), ("is_clinical", "=", True)])
        duty = Shift._on_duty_map(main)
        for department in clinical:
            for post in ("doctor", "nurse"):
                self.assertEqual(len(duty.get((department.id, post), [])), 1, f"{department.name} {post}")
        self.assertEqual(len(duty[(False, "medical_affairs")]), 1)
        self.assertEqual(len(duty[(False, "administrator")]), 1)
        self.assertTrue(all(shift.duty_phone for shifts in duty.values() for shift in shifts))

        second = self.env.ref("ihospital_base.res_company_nanshan_demo")
        self.assertEqual(Shift._on_duty_map(second).get((False, "administrator")).company_id, second)

    def test_four_weeks_back_and_two_ahead(self):
        main = self.env.ref("base.main_company")
        today = main._ihospital_today()
        shifts = self.env["ihospital.duty.shift"].search([("company_id", "=", main.id)])
        self.assertLessEqual(min(shifts.mapped("date")), today - timedelta(days=27))
        self.assertGreaterEqual(max(shifts.mapped("date")), today + timedelta(days=13))
        self.assertEqual(set(shifts.mapped("kind")), {"day", "night", "24h"})

    def test_nobody_works_the_day_after_a_night(self):
        Shift = self.env["ihospital.duty.shift"]
        nights = Shift.search([("kind", "=", "night"), ("company_id", "=", self.env.ref("base.main_company").id)])
        worked = {(s.employee_id.id, s.date) for s in Shift.search([("kind", "=", "day")])}
        tired = [s for s in nights if (s.employee_id.id, s.date + timedelta(days=1)) in worked]
        self.assertFalse(tired, "a night shift is followed by a day off")

    def test_demo_logins_have_shifts(self):
        for login in ("nurse", "doctor", "head"):
            user = self.env["res.users"].search([("login", "=", login)])
            shifts = self.env["ihospital.duty.shift"].with_user(user)
            self.assertTrue(shifts.search([("user_id", "=", user.id), ("start", ">", fields.Datetime.now())]), login)
