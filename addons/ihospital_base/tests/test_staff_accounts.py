"""Issue 9, item 13: staff accounts - password policy, two-factor login per
hospital, idle sessions signed out."""

import time

from odoo import http
from odoo.exceptions import UserError
from odoo.tests import HttpCase, tagged

from .common import IhospitalCase


@tagged("post_install", "-at_install")
class TestStaffAccounts(IhospitalCase):
    def test_password_policy(self):
        # what the preferences' "Change Password" calls
        doctor = self.env(user=self.user_doctor).user
        for weak in ("Short1!", "alllowercaseletters", "t_doctor-Long-1", "abcdefghij1"):
            with self.assertRaises(UserError, msg=weak):
                doctor._change_password(weak)
        doctor._change_password("Gz-hospital-2026")
        # an administrator choosing a password for staff follows the same rule
        with self.assertRaises(UserError):
            self.env["change.password.wizard"].create(
                {"user_ids": [(0, 0, {"user_id": self.user_nurse.id, "user_login": "t_nurse", "new_passwd": "123456"})]}
            ).user_ids.change_password_button()

    def test_two_factor_login_required_per_hospital(self):
        self.assertIsNone(self.user_doctor._mfa_type())
        self.hospital.ihospital_require_totp = True
        self.assertEqual(self.user_doctor._mfa_type(), "totp_mail")
        self.assertEqual(self.user_doctor._mfa_url(), "/web/login/totp")
        # other hospitals and portal accounts are not concerned
        self.assertIsNone(self.user_doctor_2._mfa_type())
        self.assertIsNone(self.user_portal._mfa_type())


@tagged("post_install", "-at_install")
class TestIdleSessions(HttpCase):
    def _idle(self, seconds):
        self.session["ihospital_last_seen"] = time.time() - seconds
        http.root.session_store.save(self.session)

    def test_idle_staff_session_is_signed_out(self):
        company = self.env.ref("ihospital_base.user_doctor_demo").company_id
        company.ihospital_session_idle_minutes = 30
        self.authenticate("doctor", "doctor")
        self.assertEqual(self.url_open("/odoo", allow_redirects=False).status_code, 200)
        self._idle(10 * 60)
        self.assertEqual(self.url_open("/odoo", allow_redirects=False).status_code, 200)
        self._idle(31 * 60)
        response = self.url_open("/odoo", allow_redirects=False)
        self.assertEqual(response.status_code, 303)
        self.assertIn("/web/login", response.headers["Location"])
        # 0 keeps sessions open
        company.ihospital_session_idle_minutes = 0
        self.authenticate("doctor", "doctor")
        self._idle(24 * 3600)
        self.assertEqual(self.url_open("/odoo", allow_redirects=False).status_code, 200)


@tagged("post_install", "-at_install")
class TestPasswordSpaces(IhospitalCase):
    def test_spaces_do_not_count(self):
        with self.assertRaises(UserError):
            self.env(user=self.user_nurse).user._change_password("        a1")
