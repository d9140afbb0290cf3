"""Issue 9, item 7: who holds an account does not thereby read a patient's
reports. Displayed values are no factor, a phone changes only with a code to
the old phone, and a link made from the portal is unconfirmed until the
hospital confirms it."""

import re
from unittest.mock import patch

from odoo.addons.ihospital_base.models.ihospital_report_verification import (
    MAX_CODES_PER_PHONE_DAY,
    IhospitalReportVerification,
)
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from .common import DemoPatientSmsCase

VICTIM_ID = "440106198503127612"


@tagged("post_install", "-at_install")
class TestPortalIdentity(DemoPatientSmsCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.hospital = cls.patient.company_id
        # a patient the hospital registered (desk or HIS), unknown to the attacker's account
        cls.victim = cls.env["ihospital.patient"].create(
            {"name": "梁婉婷", "company_id": cls.hospital.id, "id_number": VICTIM_ID, "phone": "13912345678"}
        )
        cls.lab = cls.env["ihospital.lab.report"].create(
            {"company_id": cls.hospital.id, "name": "LAB-X-1", "patient_id": cls.victim.id, "title": "HIV antibody"}
        )
        cls.attacker = new_test_user(
            cls.env, login="attacker", groups="base.group_portal", company_id=cls.hospital.id, name="Attacker"
        )

    def _csrf(self, url):
        return re.search(r'name="csrf_token" value="([^"]+)"', self.url_open(url).text).group(1)

    def _add(self, id_number, name="某人", phone="13700000000"):
        return self.url_open(
            "/my/patients/new",
            data={
                "csrf_token": self._csrf("/my/patients/new"),
                "name": name,
                "relation": "parent",
                "id_type": "resident_id",
                "id_number": id_number,
                "phone": phone,
            },
        )

    def _link(self, user, patient):
        return self.env["ihospital.patient.account"].search(
            [("user_id", "=", user.id), ("patient_id", "=", patient.id)]
        )

    def test_adding_a_known_id_number_reveals_nothing_and_gives_nothing(self):
        self.authenticate("attacker", "attacker")
        known = self._add(VICTIM_ID, name="随便")
        new = self._add("440103198506123212", name="王小测")
        # the same answer, whether the hospital knows the number or not
        self.assertIn("随便 was added", known.text)
        self.assertIn("王小测 was added", new.text)
        self.assertNotIn("already registered", known.text)
        link = self._link(self.attacker, self.victim)
        self.assertEqual((link.state, link.created_patient, link.portal_name), ("unconfirmed", False, "随便"))
        page = self.url_open("/my/patients").text
        self.assertNotIn("梁婉婷", page)
        self.assertNotIn("****5678", page)
        # nothing of the record over RPC either
        with self.assertRaises(AccessError):
            self.victim.with_user(self.attacker).read(["name"])
        # the report is listed locked, without its title; it cannot be opened
        reports = self.url_open("/my/reports").text
        self.assertNotIn("HIV", reports)
        self.assertNotIn("梁婉婷", reports)
        csrf = self._csrf(f"/my/reports/lab/{self.lab.id}")
        # the code would go to the phone the hospital registered, not to the attacker
        self.url_open(f"/my/reports/lab/{self.lab.id}/send-code", data={"csrf_token": csrf})
        self.flush_sms()
        self.assertTrue(self._sms)
        self.assertEqual({sms["number"] for sms in self._sms}, {"+8613912345678"})
        self.assertEqual(link.state, "unconfirmed")
        # the attacker cannot archive the hospital's patient either
        self.url_open(f"/my/patients/{self.victim.id}/archive", data={"csrf_token": csrf})
        self.assertTrue(self.victim.active)
        self.assertFalse(self._link(self.attacker, self.victim))

    def test_bad_input_answers_the_same_for_known_and_new_numbers(self):
        self.authenticate("attacker", "attacker")
        known = self._add(VICTIM_ID, phone="123")
        new = self._add("440103198506123212", phone="123")
        error = re.compile(r'o_ihospital_error"[^>]*>([^<]*)<')
        self.assertEqual(error.search(known.text).group(1), error.search(new.text).group(1))
        self.assertFalse(self._link(self.attacker, self.victim))

    def test_results_never_reach_an_unconfirmed_account(self):
        self.env["ihospital.patient.account"].with_user(self.attacker).sudo().create(
            {"patient_id": self.victim.id, "user_id": self.attacker.id, "requested_name": "x"}
        )
        report = self.env["ihospital.lab.report"].create(
            {"company_id": self.hospital.id, "name": "LAB-X-2", "patient_id": self.victim.id, "title": "HIV"}
        )
        self.assertFalse(report.message_ids.filtered(lambda m: self.attacker.partner_id in m.partner_ids))

    def test_portal_phone_cannot_confirm_but_the_hospital_phone_can(self):
        self.authenticate("attacker", "attacker")
        self._add("440103198506123212", name="王小测", phone="13700000000")
        mine = self.env["ihospital.patient"].search([("id_number", "=", "440103198506123212")])
        verification = self.env["ihospital.report.verification"]._get_for(self.attacker, mine)
        with self.assertRaisesRegex(UserError, "registration desk"):
            verification._send_code()
        # the hospital registers the patient's phone: the code to that phone confirms
        mine.write({"phone": "13600000000"})
        with patch.object(IhospitalReportVerification, "_generate_code", return_value="112233"):
            verification._send_code()
        self.flush_sms()
        self.assertEqual(self._sms[-1]["number"], "+8613600000000")
        ok, error = verification._check_code("440103198506123212", "112233")
        self.assertTrue(ok, error)
        link = self._link(self.attacker, mine)
        self.assertEqual((link.state, link.confirmation), ("confirmed", "sms"))

    def test_desk_confirms_and_roles_that_may_not(self):
        link = (
            self.env["ihospital.patient.account"]
            .with_user(self.attacker)
            .sudo()
            .create({"patient_id": self.victim.id, "user_id": self.attacker.id, "requested_name": "x"})
        )
        self.assertEqual(link.state, "unconfirmed")
        for user in (self.attacker, self.env.ref("ihospital_base.user_director_demo")):
            with self.assertRaises(AccessError):
                link.with_user(user).action_confirm_at_desk()
        with self.assertRaises(AccessError):
            link.with_user(self.env.ref("ihospital_base.user_hospadmin_demo")).write({"state": "confirmed"})
        link.with_user(self.env.ref("ihospital_base.user_hospadmin_demo")).action_confirm_at_desk()
        self.assertEqual((link.state, link.confirmation), ("confirmed", "desk"))

    def test_phone_change_needs_the_code_sent_to_the_old_phone(self):
        self.patient.write({"phone": "13800138123"})
        self.authenticate("patient", "patient")
        url = f"/my/patients/{self.patient.id}/edit"
        form = {"csrf_token": self._csrf(url), "phone": "13911112222", "address": "新地址"}
        with patch.object(IhospitalReportVerification, "_generate_code", return_value="445566"):
            page = self.url_open(url, data=form).text
        self.assertIn("o_ihospital_phone_code", page)
        self.flush_sms()
        self.assertEqual(self._sms[-1]["number"], "+8613800138123", "the code goes to the old phone")
        self.assertEqual(self.patient.phone, "+8613800138123")
        self.assertEqual(self.patient.address, "新地址")
        self.url_open(url, data={"csrf_token": form["csrf_token"], "phone_code": "000000"})
        self.assertEqual(self.patient.phone, "+8613800138123")
        self.url_open(url, data={"csrf_token": form["csrf_token"], "phone_code": "445566"})
        self.assertEqual(self.patient.phone, "+8613911112222")

    def test_codes_are_capped_per_phone_and_day(self):
        verification = self.env["ihospital.report.verification"]._get_for(self.portal_user, self.patient)
        for _index in range(MAX_CODES_PER_PHONE_DAY):
            verification.code_sent_at = False
            verification._send_code()
        verification.code_sent_at = False
        with self.assertRaisesRegex(UserError, "Too many codes"):
            verification._send_code()
