import base64
import json
import re

from odoo.tests import new_test_user, tagged
from odoo.tests.common import JsonRpcException

from .common import DemoPatientCase

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)
WEBM = b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01" + b"\x00" * 64


@tagged("post_install", "-at_install")
class TestPortalConsultation(DemoPatientCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.doctor_user = cls.env.ref("ihospital_base.user_doctor_demo")
        cls.doctor = cls.env.ref("ihospital_base.hr_employee_cardiology_3_demo")
        cls.head = cls.env.ref("ihospital_base.hr_employee_cardiology_1_demo")
        cls.other_user = new_test_user(cls.env, login="other_asker", password="other_asker", groups="base.group_portal")
        cls.offline_doctor = cls.env.ref("ihospital_base.hr_employee_cardiology_2_demo")
        cls.offline_doctor.write({"online_consultation": False, "is_published": True})

    def _csrf(self, url):
        match = re.search(r'name="csrf_token" value="([^"]+)"', self.url_open(url).text)
        self.assertTrue(match)
        return match.group(1)

    def _consultation(self, doctor=None):
        return (
            self.env["ihospital.consultation"]
            .sudo()
            .create(
                {
                    "company_id": self.patient.company_id.id,
                    "doctor_id": (doctor or self.doctor).id,
                    "patient_id": self.patient.id,
                    "user_id": self.portal_user.id,
                    "subject": "Blood pressure",
                    "question": "Is 150/95 too high?",
                }
            )
        )

    def test_a_question_opened_from_the_list_pages_to_its_neighbours(self):
        """Found taking screenshots: a question opened from My Questions
        (which keeps the list for the pager) failed with an error, because
        portal's pager asks every neighbour for an access token."""
        first, second, third = (self._consultation() for _index in range(3))
        self.authenticate("patient", "patient")
        self.assertEqual(self.url_open("/my/consultations").status_code, 200)
        page = self.url_open(f"/my/consultations/{second.id}")
        self.assertEqual(page.status_code, 200)
        self.assertIn(f"/my/consultations/{first.id}", page.text)
        self.assertIn(f"/my/consultations/{third.id}", page.text)
        self.assertNotIn("access_token", page.text)

    def test_tour_ask_and_rate(self):
        slug = self.env["ir.http"]._slug(self.doctor)
        self.start_tour(f"/doctors/{slug}", "ihospital_consultation_ask_tour", login="patient")
        consultation = self.env["ihospital.consultation"].search([("subject", "=", "Tour cough question")])
        self.assertEqual(len(consultation), 1)
        self.assertEqual((consultation.doctor_id, consultation.user_id), (self.doctor, self.portal_user))
        self.assertEqual(consultation.state, "open")
        consultation.with_user(self.doctor_user).message_post(
            body="Come tomorrow morning to the cardiology clinic.",
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
        )
        self.assertEqual(consultation.state, "answered")
        self.start_tour(f"/my/consultations/{consultation.id}", "ihospital_consultation_rate_tour", login="patient")
        self.assertEqual(consultation.state, "closed")
        self.assertEqual(consultation.rating_last_value, 5)
        self.assertEqual(consultation.sudo().rating_ids.feedback, "Thank you, doctor")

    def test_question_with_images(self):
        self.authenticate("patient", "patient")
        png = (
            b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
            b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
        )
        response = self.url_open(
            "/my/consultations/new",
            data={
                "csrf_token": self._csrf(f"/my/consultations/new?doctor={self.doctor.id}"),
                "doctor_id": self.doctor.id,
                "patient_id": self.patient.id,
                "subject": "Rash",
                "question": "See the photo.",
            },
            files={"attachments": ("rash.png", png, "image/png")},
        )
        self.assertEqual(response.status_code, 200)
        consultation = self.env["ihospital.consultation"].search([("subject", "=", "Rash")])
        self.assertTrue(consultation)
        question = consultation.message_ids.filtered(lambda m: m.author_id == self.portal_user.partner_id)
        self.assertEqual(question.attachment_ids.mapped("name"), ["rash.png"])

    def test_doctor_without_online_consultation_cannot_be_asked(self):
        self.authenticate("patient", "patient")
        page = self.url_open(f"/my/consultations/new?doctor={self.offline_doctor.id}")
        self.assertIn("alert-danger", page.text)
        self.assertNotIn(f'value="{self.offline_doctor.id}"', page.text, "not offered")
        response = self.url_open(
            "/my/consultations/new",
            data={
                "csrf_token": self._csrf("/my/consultations/new"),
                "doctor_id": self.offline_doctor.id,
                "patient_id": self.patient.id,
                "subject": "Offline",
                "question": "Anyone?",
            },
        )
        self.assertIn("alert-danger", response.text)
        self.assertFalse(self.env["ihospital.consultation"].search([("subject", "=", "Offline")]))

    def test_other_account_gets_nothing_by_id_or_token(self):
        consultation = self._consultation()
        # consultations carry no access token (no portal.mixin): Odoo's
        # /mail/thread routes cannot be opened with one either
        self.assertNotIn("access_token", consultation._fields)
        self.authenticate("other_asker", "other_asker")
        for url in (
            f"/my/consultations/{consultation.id}",
            f"/my/consultations/{consultation.id}?access_token=x",
        ):
            response = self.url_open(url)
            self.assertNotIn("150/95", response.text)
            self.assertNotIn("Blood pressure", response.text)
            self.assertTrue(response.url.endswith("/my/consultations"), response.url)
        listing = self.url_open("/my/consultations")
        self.assertNotIn("Blood pressure", listing.text)
        # Nor can it rate (close) the question.
        consultation.with_user(self.doctor_user).message_post(
            body="Yes.", message_type="comment", subtype_xmlid="mail.mt_comment"
        )
        csrf = self._csrf("/my/account")
        self.url_open(f"/my/consultations/{consultation.id}/close", data={"csrf_token": csrf, "rating": "1"})
        self.assertEqual(consultation.state, "answered")

    def test_follow_up_through_portal_chatter(self):
        consultation = self._consultation()
        consultation.with_user(self.doctor_user).message_post(
            body="Measure it twice a day.", message_type="comment", subtype_xmlid="mail.mt_comment"
        )
        post = {
            "thread_model": "ihospital.consultation",
            "thread_id": consultation.id,
            "post_data": {
                "body": "Here are my readings.",
                "message_type": "comment",
                "subtype_xmlid": "mail.mt_comment",
            },
        }
        self.authenticate("other_asker", "other_asker")
        response = self.url_open(
            "/mail/message/post",
            data=json.dumps({"jsonrpc": "2.0", "method": "call", "params": post}),
            headers={"Content-Type": "application/json"},
        )
        self.assertIn("error", response.json(), "another account cannot post")
        self.assertFalse(consultation.message_ids.filtered(lambda m: "my readings" in (m.body or "")))
        self.authenticate("patient", "patient")
        self.make_jsonrpc_request("/mail/message/post", post)
        self.assertTrue(consultation.message_ids.filtered(lambda m: "my readings" in (m.body or "")))
        self.assertEqual(consultation.state, "open", "back in the doctor's queue")

    def test_post_without_csrf_token_is_refused(self):
        consultation = self._consultation()
        consultation.with_user(self.doctor_user).message_post(
            body="Yes.", message_type="comment", subtype_xmlid="mail.mt_comment"
        )
        self.authenticate("patient", "patient")
        response = self.url_open(f"/my/consultations/{consultation.id}/close", data={"rating": "5"})
        self.assertEqual(response.status_code, 400)
        self.assertEqual(consultation.state, "answered")
        response = self.url_open(
            "/my/consultations/new",
            data={"doctor_id": self.doctor.id, "patient_id": self.patient.id, "subject": "X", "question": "Y"},
        )
        self.assertEqual(response.status_code, 400)

    def test_phone_shown_only_once_authorized(self):
        """The head takes phone consultations (a consultation number), yet
        the number shows only on the question where the doctor authorized
        a call, from then on."""
        self.assertTrue(self.head.phone_consultation)
        self.authenticate("patient", "patient")
        first, second = self._consultation(doctor=self.head), self._consultation(doctor=self.head)
        for consultation in (first, second):
            page = self.url_open(f"/my/consultations/{consultation.id}")
            self.assertIn("Blood pressure", page.text)
            self.assertNotIn("o_ihospital_doctor_phone", page.text)
            self.assertNotIn(self.head.consultation_phone, page.text)
        first.with_user(self.env.ref("ihospital_base.user_head_demo")).action_authorize_phone()
        page = self.url_open(f"/my/consultations/{first.id}")
        self.assertIn("o_ihospital_doctor_phone", page.text)
        self.assertIn(f'href="tel:{self.head.consultation_phone}"', page.text)
        self.assertNotIn(self.head.consultation_phone, self.url_open(f"/my/consultations/{second.id}").text)

    def test_phone_withdrawn(self):
        """Once the doctor withdraws the call, the patient's page no longer
        shows the number; authorized again, it shows again."""
        head_user = self.env.ref("ihospital_base.user_head_demo")
        consultation = self._consultation(doctor=self.head)
        consultation.with_user(head_user).action_authorize_phone()
        self.authenticate("patient", "patient")
        page = self.url_open(f"/my/consultations/{consultation.id}")
        self.assertIn(f'href="tel:{self.head.consultation_phone}"', page.text)
        consultation.with_user(head_user).action_withdraw_phone()
        page = self.url_open(f"/my/consultations/{consultation.id}")
        self.assertEqual(page.status_code, 200)
        self.assertIn("Blood pressure", page.text)
        self.assertNotIn("o_ihospital_doctor_phone", page.text)
        self.assertNotIn(self.head.consultation_phone, page.text)
        self.assertFalse(consultation.with_user(self.portal_user).doctor_phone)
        consultation.with_user(head_user).action_authorize_phone()
        page = self.url_open(f"/my/consultations/{consultation.id}")
        self.assertIn(f'href="tel:{self.head.consultation_phone}"', page.text)

    # ------------------------------------------------------------ voice replies (issue 12)
    def _voice_reply(self, consultation):
        """The doctor answers by voice (a WebM recording) and logs a note
        with an image the patient must not get."""
        consultation.with_user(self.doctor_user).action_reply(
            body="Listen to my answer.",
            images=[{"name": "care.png", "data": base64.b64encode(PNG).decode()}],
            voice={"name": "voice", "data": base64.b64encode(WEBM).decode(), "mimetype": "audio/webm"},
        )
        voice = consultation.message_ids[0].attachment_ids.filtered(lambda a: a.mimetype == "audio/webm")
        note_image = self.env["ir.attachment"].create(
            {"name": "internal.png", "raw": PNG, "res_model": consultation._name, "res_id": consultation.id}
        )
        consultation.with_user(self.doctor_user).message_post(
            body="Internal: check the ECG", attachment_ids=note_image.ids, message_type="comment"
        )
        return voice, note_image

    def _chatter(self, consultation):
        return self.make_jsonrpc_request(
            "/mail/chatter_fetch", {"thread_model": consultation._name, "thread_id": consultation.id}
        )

    def test_voice_reply_plays_for_the_asker_only(self):
        consultation = self._consultation()
        voice, note_image = self._voice_reply(consultation)
        self.assertEqual(voice.mimetype, "audio/webm")
        # the asker's portal thread gives the recording with its access token
        self.authenticate("patient", "patient")
        data = self._chatter(consultation)["data"]["mail.message"]
        bodies = " ".join(str(message["body"]) for message in data)
        self.assertIn("Listen to my answer", bodies)
        self.assertNotIn("Internal: check the ECG", bodies, "notes stay inside the hospital")
        attachments = {a["mimetype"]: a for message in data for a in message["attachment_ids"]}
        self.assertEqual(sorted(attachments), ["audio/webm", "image/png"], "the reply's image and voice only")
        image = attachments["image/png"]
        response = self.url_open(f"/web/image/{image['id']}?access_token={image['access_token']}")
        self.assertEqual(response.content, PNG, "the patient sees the doctor's image")
        self.assertEqual(attachments["audio/webm"]["id"], voice.id)
        token = attachments["audio/webm"]["access_token"]
        response = self.url_open(f"/web/content/{voice.id}?access_token={token}")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.content, WEBM)
        self.assertTrue(response.headers["Content-Type"].startswith("audio/webm"))
        # without the token, or with another, or the note's image: nothing
        for url in (
            f"/web/content/{voice.id}",
            f"/web/content/{voice.id}?access_token=x{token}",
            f"/web/content/{note_image.id}",
        ):
            response = self.url_open(url)
            self.assertNotEqual(response.content, WEBM)
            self.assertNotEqual(response.content, PNG)
        # another patient's account gets neither the thread nor the file
        self.authenticate("other_asker", "other_asker")
        try:
            messages = self._chatter(consultation)["data"]["mail.message"]
        except JsonRpcException:
            messages = []
        self.assertFalse(messages)
        response = self.url_open(f"/web/content/{voice.id}")
        self.assertNotEqual(response.content, WEBM)

    def test_tour_voice_reply_in_the_portal(self):
        consultation = self._consultation()
        self._voice_reply(consultation)
        self.start_tour(f"/my/consultations/{consultation.id}", "ihospital_consultation_voice_tour", login="patient")

    def test_closed_without_rating_is_shown(self):
        consultation = self._consultation()
        consultation.with_user(self.doctor_user).action_reply(body="Yes.")
        consultation.sudo().last_answer_date = "2000-01-01 00:00:00"
        self.env["ihospital.consultation"]._cron_close_unrated()
        self.assertEqual(consultation.close_reason, "unrated")
        self.authenticate("patient", "patient")
        page = self.url_open(f"/my/consultations/{consultation.id}")
        self.assertIn("o_ihospital_closed_unrated", page.text)
        self.assertNotIn("o_ihospital_rate_form", page.text)
