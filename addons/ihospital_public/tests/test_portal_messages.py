from odoo.tests import new_test_user, tagged

from .common import DemoPatientCase


@tagged("post_install", "-at_install")
class TestPortalMessages(DemoPatientCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.other_user = new_test_user(
            cls.env, login="other_reader", password="other_reader", groups="base.group_portal"
        )
        cls.report = cls.env["ihospital.lab.report"].create(
            {
                "company_id": cls.patient.company_id.id,
                "name": "LAB-MSG-1",
                "patient_id": cls.patient.id,
                "title": "Liver Function",
            }
        )
        cls.report._cron_send_ready_notices()  # what the notices cron does right after the commit
        cls.consultation = (
            cls.env["ihospital.consultation"]
            .sudo()
            .create(
                {
                    "company_id": cls.patient.company_id.id,
                    "doctor_id": cls.env.ref("ihospital_base.hr_employee_cardiology_3_demo").id,
                    "patient_id": cls.patient.id,
                    "user_id": cls.portal_user.id,
                    "subject": "Palpitations",
                    "question": "My heart races.",
                }
            )
        )
        cls.consultation.with_user(cls.env.ref("ihospital_base.user_doctor_demo")).message_post(
            body="Record an ECG when it happens.", message_type="comment", subtype_xmlid="mail.mt_comment"
        )

    def test_my_messages(self):
        self.authenticate("patient", "patient")
        page = self.url_open("/my/messages")
        self.assertEqual(page.status_code, 200)
        text = page.text
        notice = self.report.message_ids.filtered(lambda m: self.portal_user.partner_id in m.partner_ids)
        self.assertEqual(len(notice), 1, "report ready notice")
        self.assertGreaterEqual(text.count("o_ihospital_message_body"), 2)
        self.assertNotIn("Liver Function", text, "the notice does not name the test")
        self.assertIn("Record an ECG when it happens.", text, "the doctor's reply")
        self.assertIn(f"/my/consultations/{self.consultation.id}", text)
        self.assertNotIn("My heart races.", text, "not the account's own messages")
        self.assertLess(text.index("Record an ECG"), text.rindex("o_ihospital_message_body"), "newest first")
        counters = self.make_jsonrpc_request("/my/counters", {"counters": ["ihospital_message_count"]})
        self.assertGreaterEqual(counters["ihospital_message_count"], 2)

    def test_other_account_sees_none(self):
        self.authenticate("other_reader", "other_reader")
        page = self.url_open("/my/messages")
        self.assertNotIn("LAB-MSG-1", page.text)
        self.assertNotIn("Record an ECG", page.text)
        counters = self.make_jsonrpc_request("/my/counters", {"counters": ["ihospital_message_count"]})
        self.assertEqual(counters["ihospital_message_count"], 0)
