from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import TransactionCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestConsultation(TransactionCase):
    """Online consultations: who may be asked, who may read, who may rate."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.doctor_user = cls.env.ref("ihospital_base.user_doctor_demo")
        cls.head_user = cls.env.ref("ihospital_base.user_head_demo")
        cls.doctor = cls.env.ref("ihospital_base.hr_employee_cardiology_3_demo")
        cls.head = cls.env.ref("ihospital_base.hr_employee_cardiology_1_demo")
        cls.portal_user = cls.env.ref("ihospital_base.user_patient_demo")
        cls.patient = (
            cls.env["ihospital.patient.account"]
            .search([("user_id", "=", cls.portal_user.id), ("relation", "=", "self")])
            .patient_id
        )
        cls.hospital = cls.patient.company_id
        cls.other_portal = new_test_user(cls.env, login="other_asker", groups="base.group_portal")
        # A doctor (with a login) of another department.
        cls.eye_doctor = cls.env.ref("ihospital_base.hr_employee_ophthalmology_3_demo")
        cls.eye_user = new_test_user(
            cls.env,
            login="eye_doctor",
            groups="ihospital_base.group_doctor",
            company_id=cls.hospital.id,
            company_ids=[cls.hospital.id],
        )
        cls.eye_doctor.user_id = cls.eye_user

    def _ask(self, doctor=None, user=None, patient=None):
        return (
            self.env["ihospital.consultation"]
            .sudo()
            .create(
                {
                    "company_id": self.hospital.id,
                    "doctor_id": (doctor or self.doctor).id,
                    "patient_id": (patient or self.patient).id,
                    "user_id": (user or self.portal_user).id,
                    "subject": "Chest pain",
                    "question": "Sometimes my chest hurts at night.",
                }
            )
            .with_user(user or self.portal_user)
            .sudo(False)
        )

    def _reply(self, consultation, user=None):
        consultation.with_user(user or self.doctor_user).message_post(
            body="Come to the clinic tomorrow morning.", message_type="comment", subtype_xmlid="mail.mt_comment"
        )

    def test_doctor_without_online_consultation_cannot_be_asked(self):
        self.eye_doctor.online_consultation = False
        with self.assertRaises(ValidationError):
            self._ask(doctor=self.eye_doctor)

    def test_only_managed_patients(self):
        with self.assertRaises(ValidationError):
            self._ask(user=self.other_portal)

    def test_reply_answers_and_asker_rates(self):
        consultation = self._ask()
        self.assertEqual(consultation.state, "open")
        self.assertTrue(consultation.name.startswith("ZX"))
        self.assertIn(self.portal_user.partner_id, consultation.sudo().message_partner_ids)
        self.assertIn(self.doctor_user.partner_id, consultation.sudo().message_partner_ids)
        with self.assertRaises(UserError):
            consultation._close_and_rate(5, "too early")
        self._reply(consultation)
        self.assertEqual(consultation.state, "answered")
        self.assertTrue(consultation.answered_date)
        # A follow-up of the patient puts it back in the doctor's queue.
        consultation.message_post(body="And at rest?", message_type="comment", subtype_xmlid="mail.mt_comment")
        self.assertEqual(consultation.state, "open")
        self._reply(consultation)
        # Only the asker rates.
        with self.assertRaises(AccessError):
            consultation.with_user(self.doctor_user)._close_and_rate(5)
        with self.assertRaises(AccessError):
            consultation.with_user(self.other_portal)._close_and_rate(5)
        with self.assertRaises(UserError):
            consultation._close_and_rate(9)
        consultation._close_and_rate(4, "Clear answer")
        self.assertEqual(consultation.state, "closed")
        self.assertEqual(consultation.rating_last_value, 4)
        rating = consultation.sudo().rating_ids
        self.assertEqual(rating.partner_id, self.portal_user.partner_id)
        self.assertEqual(rating.rated_partner_id, self.doctor_user.partner_id)
        self.assertEqual(rating.feedback, "Clear answer")
        with self.assertRaises(UserError):
            consultation._close_and_rate(5)

    def test_access_by_role(self):
        consultation = self._ask()
        self.assertEqual(consultation.with_user(self.doctor_user).subject, "Chest pain")
        self.assertEqual(consultation.with_user(self.head_user).subject, "Chest pain")
        with self.assertRaises(AccessError):
            consultation.with_user(self.eye_user).read(["subject"])
        with self.assertRaises(AccessError):
            consultation.with_user(self.other_portal).read(["subject"])
        with self.assertRaises(AccessError):
            consultation.with_user(self.env.ref("ihospital_base.user_nurse_demo")).read(["subject"])
        with self.assertRaises(AccessError):
            consultation.with_user(self.env.ref("ihospital_base.user_doctor2_demo")).read(["subject"])
        self.assertFalse(
            self.env["ihospital.consultation"].with_user(self.portal_user).has_access("create"),
            "portal accounts ask through the portal route only",
        )

    def test_phone_only_when_authorized(self):
        """A doctor who takes phone consultations shows the number only on
        the question where the doctor authorized a call (issue 12)."""
        to_head = self._ask(doctor=self.head)
        self.assertTrue(self.head.phone_consultation)
        self.assertFalse(to_head.doctor_phone)
        to_head.with_user(self.head_user).action_authorize_phone()
        to_head.invalidate_recordset(["doctor_phone"])
        self.assertEqual(to_head.doctor_phone, self.head.consultation_phone)
        self.assertFalse(self._ask(doctor=self.head).doctor_phone)

    # ------------------------------------------------------------ issue 9
    def _rated(self):
        consultation = self._ask()
        self._reply(consultation)
        consultation._close_and_rate(4, "Clear answer")
        return consultation

    def test_ratings_stay_with_the_consultation(self):
        """Another hospital's doctor (and any staff) cannot read or rewrite
        consultation ratings as rating records; the doctor reads the rating
        on the consultation."""
        consultation = self._rated()
        rating = consultation.sudo().rating_ids
        doctor2 = self.env.ref("ihospital_base.user_doctor2_demo")
        for user in (doctor2, self.eye_user, self.doctor_user):
            Rating = self.env["rating.rating"].with_user(user)
            self.assertFalse(Rating.search([("res_model", "=", "ihospital.consultation")]))
            with self.assertRaises(AccessError):
                rating.with_user(user).read(["feedback", "access_token"])
            with self.assertRaises(AccessError):
                rating.with_user(user).write({"rating": 1, "feedback": "rewritten"})
        self.assertEqual((rating.rating, rating.feedback), (4, "Clear answer"))
        self.assertEqual(consultation.with_user(self.doctor_user).rating_last_value, 4)

    def test_used_rating_token_cannot_rewrite(self):
        consultation = self._rated()
        rating = consultation.sudo().rating_ids
        # what Odoo's public /rate/<token>/submit_feedback does
        with self.assertRaises(UserError):
            consultation.sudo().rating_apply(1, rating=rating, feedback="rewritten")
        with self.assertRaises(UserError):
            consultation.sudo().rating_apply(1, token=rating.access_token)
        self.assertEqual((rating.rating, rating.feedback), (4, "Clear answer"))

    def test_portal_posts_as_itself_only(self):
        consultation = self._ask()
        doctor_partner = self.doctor_user.partner_id
        with self.assertRaises(AccessError):
            consultation.message_post(body="I am the doctor", author_id=doctor_partner.id, message_type="comment")
        outsider = self.other_portal.partner_id
        with self.assertRaises(AccessError):
            consultation.message_post(body="hi", partner_ids=[outsider.id], message_type="comment")
        with self.assertRaises(AccessError):
            consultation.message_post(body="hidden", message_type="comment", subtype_xmlid="mail.mt_note")
        # Odoo's /mail/message/post posts as superuser: still checked
        with self.assertRaises(AccessError):
            consultation.sudo().message_post(body="hidden", message_type="comment", subtype_xmlid="mail.mt_note")
        with self.assertRaises(AccessError):
            consultation.message_post(body="x", message_type="comment", email_from='"Dr Li" <li@hospital.cn>')
        with self.assertRaises(AccessError):
            consultation.sudo().message_post(body="x", message_type="notification")
        message = consultation.message_post(body="Thanks", message_type="comment", subtype_xmlid="mail.mt_comment")
        self.assertEqual(message.author_id, self.portal_user.partner_id)
        # what /mail/message/post sends without a subtype: a public comment, not a note
        message = consultation.sudo().message_post(body="And?")
        self.assertEqual((message.message_type, message.subtype_id), ("comment", self.env.ref("mail.mt_comment")))

    def test_staff_cannot_close_without_a_rating(self):
        """Only the asker's rating closes a question (issue 12): staff have
        no close action any more and cannot write the state."""
        consultation = self._ask()
        self.assertFalse(hasattr(consultation, "action_close"))
        for user in (self.doctor_user, self.env.ref("ihospital_base.user_hospadmin_demo")):
            with self.assertRaises(AccessError):
                consultation.with_user(user).write({"state": "closed"})
        with self.assertRaises(UserError):
            consultation.with_user(self.doctor_user).action_reopen()
        self.assertEqual(consultation.state, "open")
