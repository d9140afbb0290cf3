"""Replying to patients (医患互动, issue 12): the doctor's answer with text,
images and voice; a phone consultation the doctor authorizes; handing a
question over; only the patient's rating closes a question, an unrated
answer closes "without rating"; unanswered questions remind the doctor,
then go to the department head. Each refusal as the role refused."""

import base64
from datetime import timedelta

from odoo import fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import new_test_user, tagged

from .common import IhospitalCase

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)
# the first bytes of what phones record: a WebM (EBML) and an Ogg stream
WEBM = b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01" + b"\x00" * 64
OGG = b"OggS\x00\x02" + b"\x00" * 64
MB = 1024 * 1024


def b64(raw):
    return base64.b64encode(raw).decode()


class ConsultationCase(IhospitalCase):
    """A cardiology question of the test portal account to Dr Li, with a
    second cardiologist (Dr Wu) who reads the department's questions."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user_colleague = new_test_user(
            cls.env,
            login="t_colleague",
            groups="ihospital_base.group_doctor",
            company_id=cls.hospital.id,
            company_ids=[cls.hospital.id],
            name="t_colleague",
        )
        cls.emp_colleague = cls.env["hr.employee"].create(
            {
                "name": "Dr Wu",
                "user_id": cls.user_colleague.id,
                "company_id": cls.hospital.id,
                "department_id": cls.cardiology.id,
                "ihospital_role": "doctor",
            }
        )
        (cls.emp_doctor | cls.emp_head | cls.emp_surgeon | cls.emp_doctor_2 | cls.emp_colleague).write(
            {"online_consultation": True}
        )
        cls.emp_doctor.work_phone = "020-83821188"
        cls.env["ihospital.patient.account"].create(
            {"patient_id": cls.patient_surgery.id, "user_id": cls.user_portal_other.id, "relation": "self"}
        )

    def _ask(self, doctor=None, user=None, patient=None, subject="Rash on the arm"):
        return (
            self.env["ihospital.consultation"]
            .sudo()
            .create(
                {
                    "company_id": self.hospital.id,
                    "doctor_id": (doctor or self.emp_doctor).id,
                    "patient_id": (patient or self.patient_cardio).id,
                    "user_id": (user or self.user_portal).id,
                    "subject": subject,
                    "question": "A red rash since Monday, see the photo.",
                }
            )
            .sudo(False)
        )

    def _patient_posts(self, consultation, body="Here is a photo.", images=0, user=None):
        # uploaded by the asking account, as the portal does
        attachments = (
            self.env["ir.attachment"]
            .with_user(user or self.user_portal)
            .sudo()
            .create(
                [
                    {"name": f"photo{i}.png", "raw": PNG, "res_model": "mail.compose.message", "res_id": 0}
                    for i in range(images)
                ]
            )
        )
        return (
            consultation.with_user(user or self.user_portal)
            .sudo()
            .message_post(
                body=body,
                attachment_ids=attachments.ids,
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
            )
        )

    def _reply(self, consultation, user=None, **kwargs):
        kwargs.setdefault("body", "Apply the cream twice a day.")
        return consultation.with_user(user or self.user_doctor).action_reply(**kwargs)

    def _public_messages(self, consultation):
        comment = self.env.ref("mail.mt_comment")
        return consultation.sudo().message_ids.filtered(
            lambda m: m.message_type == "comment" and m.subtype_id == comment
        )


@tagged("post_install", "-at_install")
class TestConsultationReply(ConsultationCase):
    def test_reply_with_text_images_and_voice(self):
        consultation = self._ask()
        self._patient_posts(consultation, images=2)
        self.assertEqual(consultation.question_image_count, 2)
        self.assertEqual(consultation.with_user(self.user_doctor).question_attachment_ids.mapped("name"),
                         ["photo0.png", "photo1.png"])  # fmt: skip
        self.assertTrue(consultation.answer_deadline)
        message_id = self._reply(
            consultation,
            body="Apply the cream twice a day.\nCome back if it spreads.",
            images=[{"name": "care.png", "data": b64(PNG)}],
            voice={
                "name": "voice",
                "data": "data:audio/webm;base64," + b64(WEBM),
                "mimetype": "audio/webm;codecs=opus",
            },
        )
        message = self.env["mail.message"].browse(message_id)
        self.assertEqual(message.subtype_id, self.env.ref("mail.mt_comment"), "the patient reads it")
        self.assertFalse(message.is_internal)
        self.assertEqual(message.author_id, self.user_doctor.partner_id)
        self.assertIn("Come back if it spreads", message.body)
        image, voice = message.attachment_ids.sorted("id")
        self.assertEqual((image.mimetype, image.raw), ("image/png", PNG))
        self.assertEqual((voice.mimetype, voice.raw), ("audio/webm", WEBM))
        self.assertTrue(voice.name.endswith(".webm"))
        for attachment in (image, voice):
            self.assertEqual((attachment.res_model, attachment.res_id), (consultation._name, consultation.id))
        self.assertTrue(voice.sudo().voice_ids, "the staff app's chatter plays it")
        self.assertEqual(consultation.state, "answered")
        self.assertTrue(consultation.answered_date and consultation.last_answer_date)
        self.assertFalse(consultation.waiting_since or consultation.answer_deadline)
        self.assertTrue(consultation.auto_close_date)
        # the reply's images are not the patient's question images
        self.assertEqual(len(consultation.with_user(self.user_doctor).question_attachment_ids), 2)
        # an Ogg recording (Firefox) is audio too
        self._reply(consultation, body="", voice={"name": "v.ogg", "data": b64(OGG), "mimetype": "audio/ogg"})
        self.assertEqual(self._public_messages(consultation)[0].attachment_ids.mimetype, "audio/ogg")

    def test_bad_uploads_are_refused_and_nothing_is_stored(self):
        consultation = self._ask()
        before = (len(consultation.sudo().message_ids), self.env["ir.attachment"].sudo().search_count([]))
        big = b"\x1a\x45\xdf\xa3" + b"\x00" * (5 * MB)
        cases = [
            ({"images": [{"name": "notes.txt", "data": b64(b"hello doctor")}]}, "not an image"),
            ({"images": [{"name": "x.svg", "data": b64(b'<svg xmlns="http://www.w3.org/2000/svg"/>')}]}, "not an"),
            ({"images": [{"name": "big.png", "data": b64(PNG + b"\x00" * (5 * MB))}]}, "larger than 5 MB"),
            ({"images": [{"name": f"p{i}.png", "data": b64(PNG)} for i in range(7)]}, "at most 6 images"),
            ({"images": [{"name": "broken.png", "data": "not base64!"}]}, "could not be read"),
            ({"images": [{"name": "empty.png", "data": ""}]}, "is empty"),
            ({"images": "care.png"}, "could not be read"),
            ({"voice": {"name": "v", "data": b64(PNG), "mimetype": "audio/webm"}}, "not audio"),
            ({"voice": {"name": "v", "data": b64(WEBM), "mimetype": "text/html"}}, "not audio"),
            ({"voice": {"name": "v", "data": b64(big), "mimetype": "audio/webm"}}, "larger than 5 MB"),
            ({"voice": "recording"}, "could not be read"),
            ({"body": "  "}, "Write an answer"),
            ({"body": "x" * 4001}, "longer than 4000"),
        ]
        for kwargs, message in cases:
            with self.subTest(message=message), self.assertRaisesMsg(UserError, message):
                self._reply(consultation, **{"body": "See the photo.", **kwargs})
        self.assertEqual(
            (len(consultation.sudo().message_ids), self.env["ir.attachment"].sudo().search_count([])), before
        )
        self.assertEqual(consultation.state, "open")
        # the same reply, corrected, goes through
        self._reply(consultation, images=[{"name": "care.png", "data": b64(PNG)}])
        self.assertEqual(consultation.state, "answered")

    def test_who_may_answer(self):
        consultation = self._ask()
        refused = {
            "colleague of the department (reads it)": self.user_colleague,
            "doctor of another department": self.user_surgeon,
            "nurse": self.user_nurse,
            "quality officer": self.user_quality,
            "director": self.user_director,
            "administrator": self.user_admin,
            "doctor of another hospital": self.user_doctor_2,
            "the asker": self.user_portal,
        }
        for role, user in refused.items():
            with self.subTest(role=role), self.assertRaises(AccessError):
                self._reply(consultation, user=user)
        self.assertEqual(consultation.state, "open")
        # the department head answers the department's questions
        self._reply(consultation, user=self.user_head, body="I answer for Dr Li.")
        self.assertEqual(consultation.state, "answered")
        # a closed question takes no answer
        consultation.with_user(self.user_portal)._close_and_rate(5)
        with self.assertRaisesMsg(UserError, "closed"):
            self._reply(consultation)

    def test_colleagues_read_and_log_notes_but_do_not_write_to_the_patient(self):
        consultation = self._ask()
        as_colleague = consultation.with_user(self.user_colleague)
        self.assertEqual(as_colleague.subject, "Rash on the arm", "a doctor reads the department's questions")
        self.assertFalse(as_colleague.can_answer)
        with self.assertRaises(AccessError):
            consultation.with_user(self.user_surgeon).read(["subject"])
        # a note, not an answer, also through Odoo's chatter (which posts as superuser)
        as_colleague.message_post(body="Looks like eczema.", message_type="comment", subtype_xmlid="mail.mt_note")
        as_colleague.sudo().message_post(body="Or contact dermatitis.", message_type="comment")
        self.assertEqual(consultation.state, "open", "a note does not answer the patient")
        for kwargs in (
            {"subtype_xmlid": "mail.mt_comment"},
            {"subtype_id": self.env.ref("mail.mt_comment").id},
        ):
            with self.assertRaises(AccessError):
                as_colleague.sudo().message_post(body="Dear patient", message_type="comment", **kwargs)
        # a note is never sent to the patient
        with self.assertRaisesMsg(AccessError, "Notes stay within the hospital"):
            consultation.with_user(self.user_doctor).sudo().message_post(
                body="Internal", message_type="comment", partner_ids=self.user_portal.partner_id.ids
            )
        # the doctor's own note does not answer either
        consultation.with_user(self.user_doctor).message_post(body="To check", message_type="comment")
        self.assertEqual(consultation.state, "open")
        self.assertFalse(self._public_messages(consultation).filtered(lambda m: "eczema" in m.body))

    def test_follow_up_waits_again_with_its_images(self):
        consultation = self._ask()
        self._reply(consultation)
        self.assertEqual(consultation.state, "answered")
        self._patient_posts(consultation, body="It spreads, see.", images=1)
        self.assertEqual(consultation.state, "open")
        self.assertTrue(consultation.waiting_since and consultation.answer_deadline)
        self.assertEqual(consultation.question_image_count, 1)
        self.assertFalse(consultation.auto_close_date)


@tagged("post_install", "-at_install")
class TestConsultationPhone(ConsultationCase):
    def test_phone_shown_only_once_authorized_and_only_on_that_question(self):
        consultation = self._ask()
        other = self._ask(user=self.user_portal_other, patient=self.patient_surgery, subject="Other patient")
        self.assertFalse(consultation.with_user(self.user_portal).doctor_phone)
        for role, user in {
            "department head": self.user_head,
            "colleague": self.user_colleague,
            "nurse": self.user_nurse,
            "administrator": self.user_admin,
            "the asker": self.user_portal,
            "doctor of another hospital": self.user_doctor_2,
        }.items():
            with self.subTest(role=role), self.assertRaises(AccessError):
                consultation.with_user(user).action_authorize_phone()
        for user in (self.user_doctor, self.user_admin):
            with self.assertRaises(AccessError):
                consultation.with_user(user).write({"phone_authorized": True})
        self.assertFalse(consultation.phone_authorized)
        consultation.with_user(self.user_doctor).action_authorize_phone()
        self.assertTrue(consultation.phone_authorized and consultation.phone_authorized_date)
        self.assertEqual(consultation.with_user(self.user_portal).doctor_phone, "020-83821188")
        self.assertFalse(other.with_user(self.user_portal_other).doctor_phone, "another patient never sees it")
        self.assertIn("authorized a phone consultation", self._public_messages(consultation)[0].body)
        with self.assertRaisesMsg(UserError, "already authorized"):
            consultation.with_user(self.user_doctor).action_authorize_phone()
        # a consultation number, when HR set one, is the one shown
        self.emp_doctor.write({"phone_consultation": True, "consultation_phone": "020-83821199"})
        consultation.invalidate_recordset(["doctor_phone"])
        self.assertEqual(consultation.doctor_phone, "020-83821199")

    def test_no_number_no_authorization(self):
        self.emp_doctor.work_phone = False
        consultation = self._ask()
        with self.assertRaisesMsg(UserError, "no number patients may call"):
            consultation.with_user(self.user_doctor).action_authorize_phone()
        self.assertFalse(consultation.phone_authorized)

    def _notes(self, consultation):
        note = self.env.ref("mail.mt_note")
        return consultation.sudo().message_ids.filtered(lambda m: m.message_type == "comment" and m.subtype_id == note)

    def test_withdraw_the_phone_call(self):
        """The doctor takes the call back: the patient no longer sees the
        number; the chatter says who and when; the question still waits for
        its answer; it can be authorized again."""
        consultation = self._ask()
        consultation.with_user(self.user_doctor).action_authorize_phone()
        for role, user in {
            "department head": self.user_head,
            "colleague": self.user_colleague,
            "nurse": self.user_nurse,
            "quality officer": self.user_quality,
            "administrator": self.user_admin,
            "the asker": self.user_portal,
            "another patient": self.user_portal_other,
            "doctor of another hospital": self.user_doctor_2,
        }.items():
            with self.subTest(role=role), self.assertRaises(AccessError):
                consultation.with_user(user).action_withdraw_phone()
        with self.assertRaises(AccessError):
            consultation.with_user(self.user_doctor).write({"phone_authorized": False})
        self.assertTrue(consultation.phone_authorized)
        self.assertEqual(consultation.with_user(self.user_portal).doctor_phone, "020-83821188")

        # the patient writes back: the question waits for the doctor again
        self._patient_posts(consultation, body="When may I call?")
        self.assertEqual(consultation.state, "open")
        before = fields.Datetime.now()
        consultation.with_user(self.user_doctor).action_withdraw_phone()
        self.assertFalse(consultation.phone_authorized or consultation.phone_authorized_date)
        consultation.invalidate_recordset(["doctor_phone"])
        self.assertFalse(consultation.with_user(self.user_portal).doctor_phone)
        note = self._notes(consultation)[0]
        self.assertIn("t_doctor withdrew the phone consultation", note.body)
        self.assertEqual(note.author_id, self.user_doctor.partner_id)
        self.assertGreaterEqual(note.date, before.replace(microsecond=0))
        self.assertNotIn(note, self._public_messages(consultation), "a note: the patient's thread does not get it")
        self.assertEqual(consultation.state, "open", "withdrawing the call does not answer the question")
        with self.assertRaisesMsg(UserError, "nothing to withdraw"):
            consultation.with_user(self.user_doctor).action_withdraw_phone()

        consultation.with_user(self.user_doctor).action_authorize_phone()
        self.assertTrue(consultation.phone_authorized and consultation.phone_authorized_date)
        self.assertEqual(consultation.with_user(self.user_portal).doctor_phone, "020-83821188")

    def test_withdraw_after_the_question_closed(self):
        """A closed question's page still shows the number: the doctor can
        take it back then too, and the question stays closed."""
        consultation = self._ask()
        consultation.with_user(self.user_doctor).action_authorize_phone()
        consultation.with_user(self.user_portal)._close_and_rate(5)
        self.assertEqual(consultation.state, "closed")
        consultation.with_user(self.user_doctor).action_withdraw_phone()
        self.assertFalse(consultation.phone_authorized)
        self.assertEqual(consultation.state, "closed")
        self.assertFalse(consultation.with_user(self.user_portal).doctor_phone)

    def test_the_head_withdraws_a_call_to_their_own_number(self):
        """Who withdraws is who authorizes: the doctor the question is with,
        the department head included when the question is asked to the
        head; the head cannot withdraw another doctor's call."""
        self.emp_head.work_phone = "020-83821177"
        to_head = self._ask(doctor=self.emp_head)
        to_head.with_user(self.user_head).action_authorize_phone()
        with self.assertRaises(AccessError):
            to_head.with_user(self.user_doctor).action_withdraw_phone()
        to_head.with_user(self.user_head).action_withdraw_phone()
        self.assertFalse(to_head.phone_authorized)
        self.assertIn("t_head withdrew the phone consultation", self._notes(to_head)[0].body)

        to_doctor = self._ask()
        to_doctor.with_user(self.user_doctor).action_authorize_phone()
        with self.assertRaisesMsg(AccessError, "Only the doctor the question is with withdraws"):
            to_doctor.with_user(self.user_head).action_withdraw_phone()
        self.assertTrue(to_doctor.phone_authorized)


@tagged("post_install", "-at_install")
class TestConsultationHandOver(ConsultationCase):
    def test_hand_over_to_a_colleague(self):
        consultation = self._ask()
        consultation.with_user(self.user_doctor).action_hand_over(self.emp_colleague.id, "Dr Wu sees rashes.")
        self.assertEqual(consultation.doctor_id, self.emp_colleague)
        followers = consultation.sudo().message_partner_ids
        self.assertIn(self.user_colleague.partner_id, followers)
        self.assertNotIn(self.user_doctor.partner_id, followers)
        self.assertIn(self.user_portal.partner_id, followers)
        activity = consultation.sudo().activity_ids
        self.assertEqual(activity.user_id, self.user_colleague)
        answer_type = self.env.ref("ihospital_base.mail_activity_type_consultation_answer")
        self.assertEqual(activity.activity_type_id, answer_type)
        note = consultation.sudo().message_ids.filtered(lambda m: "Handed over" in (m.body or ""))
        self.assertTrue(note.subtype_id.internal, "the patient does not read the hand-over note")
        self.assertIn("Dr Wu sees rashes.", note.body)
        # the new doctor answers; the previous one now only reads
        self.assertTrue(consultation.with_user(self.user_colleague).can_answer)
        with self.assertRaises(AccessError):
            self._reply(consultation)
        self._reply(consultation, user=self.user_colleague)
        self.assertFalse(consultation.sudo().activity_ids, "answering is what the activity asked")
        # the department head hands it to another department
        consultation.with_user(self.user_head).action_hand_over(self.emp_surgeon.id)
        self.assertEqual((consultation.doctor_id, consultation.department_id), (self.emp_surgeon, self.surgery))
        # and the hospital's administrator may too
        consultation.with_user(self.user_admin).action_hand_over(self.emp_doctor.id)
        self.assertEqual(consultation.doctor_id, self.emp_doctor)

    def test_hand_over_takes_back_the_phone_authorization(self):
        """The call was authorized to the previous doctor's number: the
        colleague's number is not shown until the colleague authorizes."""
        consultation = self._ask()
        consultation.with_user(self.user_doctor).action_authorize_phone()
        self.assertTrue(consultation.doctor_phone)
        consultation.with_user(self.user_doctor).action_hand_over(self.emp_colleague.id)
        self.assertFalse(consultation.phone_authorized)
        self.assertFalse(consultation.doctor_phone)

    def test_refused_hand_overs(self):
        consultation = self._ask()
        for role, user in {
            "colleague it is not with": self.user_colleague,
            "nurse": self.user_nurse,
            "quality officer": self.user_quality,
            "director": self.user_director,
            "doctor of another hospital": self.user_doctor_2,
            "the asker": self.user_portal,
        }.items():
            with self.subTest(role=role), self.assertRaises(AccessError):
                consultation.with_user(user).action_hand_over(self.emp_colleague.id)
        with self.assertRaises(AccessError):
            consultation.with_user(self.user_doctor).write({"doctor_id": self.emp_colleague.id})
        offline = self.env["hr.employee"].create(
            {"name": "Dr Offline", "company_id": self.hospital.id, "department_id": self.cardiology.id}
        )
        for target, message in (
            (self.emp_doctor_2.id, "within its hospital"),
            (self.emp_doctor.id, "already with"),
            (self.emp_nurse.id, "not a doctor"),
            (offline.id, "not a doctor"),
            ("abc", "Choose the colleague"),
            (0, "Choose the colleague"),
        ):
            with self.subTest(message=message), self.assertRaisesMsg(UserError, message):
                consultation.with_user(self.user_doctor).action_hand_over(target)
        self.emp_colleague.online_consultation = False
        with self.assertRaises(UserError):
            consultation.with_user(self.user_doctor).action_hand_over(self.emp_colleague.id)
        self.assertEqual(consultation.doctor_id, self.emp_doctor)
        self.assertFalse(consultation.sudo().activity_ids)


@tagged("post_install", "-at_install")
class TestConsultationClosing(ConsultationCase):
    def test_only_the_rating_closes(self):
        consultation = self._ask()
        self.assertFalse(hasattr(consultation, "action_close"), "staff no longer close a question")
        self._reply(consultation)
        for user in (self.user_doctor, self.user_head, self.user_admin):
            with self.assertRaises(AccessError):
                consultation.with_user(user).write({"state": "closed"})
            with self.assertRaises(AccessError):
                consultation.with_user(user).write({"close_reason": "rated"})
        self.assertEqual(consultation.state, "answered")
        consultation.with_user(self.user_portal)._close_and_rate(4, "Thanks")
        self.assertEqual((consultation.state, consultation.close_reason), ("closed", "rated"))
        with self.assertRaisesMsg(UserError, "closed without rating"):
            consultation.with_user(self.user_doctor).action_reopen()

    def test_unrated_answers_close_without_rating(self):
        self.hospital.consultation_close_days = 3
        late, recent, waiting = self._ask(), self._ask(subject="Recent"), self._ask(subject="Waiting")
        for consultation in (late, recent):
            self._reply(consultation)
        rated = self._ask(subject="Rated")
        self._reply(rated)
        rated.with_user(self.user_portal)._close_and_rate(5)
        now = fields.Datetime.now()
        late.sudo().last_answer_date = now - timedelta(days=3, minutes=1)
        recent.sudo().last_answer_date = now - timedelta(days=2)
        waiting.sudo().waiting_since = now - timedelta(days=30)
        self.env["ihospital.consultation"]._cron_close_unrated()
        self.assertEqual((late.state, late.close_reason), ("closed", "unrated"))
        self.assertTrue(late.closed_date)
        self.assertIn("Closed without rating", late.sudo().message_ids[0].body)
        self.assertTrue(late.sudo().message_ids[0].subtype_id.internal)
        self.assertEqual(recent.state, "answered")
        self.assertEqual(waiting.state, "open", "an unanswered question never closes by itself")
        self.assertEqual(rated.close_reason, "rated")
        # counted apart
        Consultation = self.env["ihospital.consultation"].with_user(self.user_head)
        self.assertEqual(Consultation.search([("close_reason", "=", "unrated")]), late)
        # too late to rate; the doctor may reopen it if the patient comes back
        with self.assertRaises(UserError):
            late.with_user(self.user_portal)._close_and_rate(5)
        with self.assertRaises(AccessError):
            late.with_user(self.user_portal).action_reopen()
        with self.assertRaises(AccessError):
            late.with_user(self.user_colleague).action_reopen()
        late.with_user(self.user_doctor).action_reopen()
        self.assertEqual((late.state, late.close_reason), ("answered", False))
        late.with_user(self.user_portal)._close_and_rate(3)
        self.assertEqual(late.close_reason, "rated")
        # idempotent
        self.env["ihospital.consultation"]._cron_close_unrated()
        self.assertEqual(recent.state, "answered")


@tagged("post_install", "-at_install")
class TestConsultationReminders(ConsultationCase):
    def _wait(self, consultation, hours):
        consultation.sudo().waiting_since = fields.Datetime.now() - timedelta(hours=hours)

    def _answer_activities(self, consultation):
        kind = self.env.ref("ihospital_base.mail_activity_type_consultation_answer")
        return consultation.sudo().activity_ids.filtered(lambda a: a.activity_type_id == kind)

    def test_remind_then_escalate_once_each(self):
        Consultation = self.env["ihospital.consultation"]
        consultation, fresh = self._ask(), self._ask(subject="Fresh")
        self._wait(consultation, 25)
        self.assertTrue(consultation.is_overdue)
        self.assertFalse(fresh.is_overdue)
        self.assertEqual(Consultation.with_user(self.user_doctor).search([("is_overdue", "=", True)]), consultation)
        Consultation._cron_remind_unanswered()
        self.assertTrue(consultation.reminded_date)
        self.assertFalse(consultation.escalated_date)
        self.assertEqual(self._answer_activities(consultation).user_id, self.user_doctor)
        self.assertFalse(self._answer_activities(fresh) or fresh.reminded_date)
        self.assertIn("is reminded", consultation.sudo().message_ids[0].body)
        Consultation._cron_remind_unanswered()
        self.assertEqual(len(self._answer_activities(consultation)), 1, "reminded once")
        # past the second limit: the department head
        self._wait(consultation, 49)
        Consultation._cron_remind_unanswered()
        self.assertTrue(consultation.escalated_date)
        self.assertEqual(self._answer_activities(consultation).user_id, self.user_doctor | self.user_head)
        escalation = consultation.sudo().message_ids[0]
        self.assertIn("escalated to the department head", escalation.body)
        self.assertTrue(escalation.subtype_id.internal, "the patient does not read it")
        Consultation._cron_remind_unanswered()
        self.assertEqual(len(self._answer_activities(consultation)), 2, "escalated once")
        # the answer ends it; a new wait starts a new reminder
        self._reply(consultation)
        self.assertFalse(self._answer_activities(consultation))
        self.assertFalse(consultation.reminded_date or consultation.escalated_date)

    def test_hospital_limits(self):
        self.hospital.write({"consultation_answer_hours": 2, "consultation_escalation_hours": 4})
        consultation = self._ask()
        self._wait(consultation, 3)
        self.assertEqual(consultation.answer_deadline, consultation.waiting_since + timedelta(hours=2))
        self.env["ihospital.consultation"]._cron_remind_unanswered()
        self.assertTrue(consultation.reminded_date)
        self.assertFalse(consultation.escalated_date)
        self.hospital.consultation_answer_hours = 1
        self.assertEqual(consultation.answer_deadline, consultation.waiting_since + timedelta(hours=1))
        for values in (
            {"consultation_answer_hours": 0},
            {"consultation_close_days": 0},
            {"consultation_escalation_hours": 1},
        ):
            with self.subTest(values=values), self.assertRaises(ValidationError):
                self.hospital.write(values)

    def test_no_head_no_escalation_activity(self):
        self.cardiology.manager_id = False
        consultation = self._ask()
        self._wait(consultation, 50)
        self.env["ihospital.consultation"]._cron_remind_unanswered()
        self.assertTrue(consultation.escalated_date)
        self.assertEqual(self._answer_activities(consultation).user_id, self.user_doctor)
        self.assertIn("no head", consultation.sudo().message_ids[0].body)

    def test_crons_are_set_based(self):
        """The queries of a pass do not grow with the number of questions."""
        Consultation = self.env["ihospital.consultation"]
        # what was already due (demo questions) is done first
        Consultation._cron_remind_unanswered()
        Consultation._cron_close_unrated()

        def queries(count, answered):
            questions = Consultation.browse()
            for index in range(count):
                questions |= self._ask(subject=f"Q{count}-{index}")
            if answered:
                for question in questions:
                    self._reply(question)
                questions.sudo().write({"last_answer_date": fields.Datetime.now() - timedelta(days=30)})
            else:
                questions.sudo().write({"waiting_since": fields.Datetime.now() - timedelta(hours=60)})
            self.env.flush_all()
            self.env.invalidate_all()
            start = self.env.cr.sql_log_count
            if answered:
                Consultation._cron_close_unrated()
            else:
                Consultation._cron_remind_unanswered()
            self.env.flush_all()
            used = self.env.cr.sql_log_count - start
            self.assertEqual(questions.mapped("state"), ["closed"] * count if answered else ["open"] * count)
            return used

        self.assertEqual(queries(2, False), queries(6, False))
        self.assertEqual(queries(2, True), queries(6, True))
