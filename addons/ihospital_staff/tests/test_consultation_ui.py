from datetime import timedelta

from odoo import fields
from odoo.addons.ihospital_base.tests.test_consultation_replies import ConsultationCase
from odoo.tests import HttpCase, tagged


@tagged("post_install", "-at_install")
class TestConsultationUi(HttpCase, ConsultationCase):
    """A doctor answers a patient's question on a phone-size screen, with
    text and a photo added through the composer's file input."""

    browser_size = "375x667"

    def test_reply_with_an_image_on_a_phone(self):
        answered = self._ask(subject="Earlier question")
        self._reply(answered)
        consultation = self._ask(subject="Tour rash question")
        self._patient_posts(consultation, body="A red rash, see the photo.", images=1)
        consultation.sudo().waiting_since = fields.Datetime.now() - timedelta(hours=30)
        self.start_tour(
            "/odoo/action-ihospital_staff.ihospital_consultation_action_inbox",
            "ihospital_consultation_reply",
            login=self.user_doctor.login,
        )
        self.assertEqual(consultation.state, "answered")
        answer = self._public_messages(consultation)[0]
        self.assertEqual(answer.author_id, self.user_doctor.partner_id)
        self.assertIn("Apply the cream twice a day", answer.body)
        self.assertEqual(answer.attachment_ids.mapped("name"), ["rash-care.png"])
        self.assertEqual(answer.attachment_ids.mimetype, "image/png")

    def test_authorize_then_withdraw_a_call_on_a_phone(self):
        consultation = self._ask(subject="Tour phone question")
        self.start_tour(
            "/odoo/action-ihospital_staff.ihospital_consultation_action_inbox",
            "ihospital_consultation_phone",
            login=self.user_doctor.login,
        )
        self.assertFalse(consultation.phone_authorized)
        notes = consultation.sudo().message_ids.filtered(lambda m: "withdrew the phone consultation" in m.body)
        self.assertEqual(notes.author_id, self.user_doctor.partner_id)
