"""My Questions in the staff app (医患互动, issue 12): the inbox puts what
waits for the doctor first; the hand-over form is made and used only by
whom may hand the question over."""

from datetime import timedelta

from odoo import fields
from odoo.addons.ihospital_base.tests.test_consultation_replies import ConsultationCase
from odoo.exceptions import AccessError
from odoo.tests import tagged

HANDOVER = "ihospital.consultation.handover"


@tagged("post_install", "-at_install")
class TestConsultationInbox(ConsultationCase):
    def _form(self, consultation, user):
        return (
            self.env[HANDOVER]
            .with_user(user)
            .create({"consultation_id": consultation.id, "doctor_id": self.emp_colleague.id, "note": "Rashes"})
        )

    def test_waiting_questions_first(self):
        answered = self._ask(subject="Answered")
        self._ask(subject="Fresh")
        overdue = self._ask(subject="Overdue")
        self._reply(answered)
        overdue.sudo().waiting_since = fields.Datetime.now() - timedelta(hours=30)
        closed = self._ask(subject="Closed")
        self._reply(closed)
        closed.with_user(self.user_portal)._close_and_rate(5)
        action = self.env["ir.actions.act_window"]._for_xml_id("ihospital_staff.ihospital_consultation_action_inbox")
        kanban = self.env.ref("ihospital_staff.ihospital_consultation_view_kanban")
        order = kanban.arch_db.split('default_order="')[1].split('"')[0]
        mine = (
            self.env["ihospital.consultation"]
            .with_user(self.user_doctor)
            .search([("is_my_question", "=", True)], order=order)
        )
        self.assertEqual(mine.mapped("subject"), ["Overdue", "Fresh", "Answered", "Closed"])
        self.assertIn("search_default_filter_mine", action["context"])
        self.assertEqual(overdue.waiting_time, "1 d 6 h")
        # the views open for a doctor
        form = self.env.ref("ihospital_staff.ihospital_consultation_view_form_staff")
        views = (
            self.env["ihospital.consultation"]
            .with_user(self.user_doctor)
            .get_views([(kanban.id, "kanban"), (form.id, "form")])
        )
        self.assertIn("ihospital_consultation_reply", views["views"]["form"]["arch"])

    def test_hand_over_form(self):
        consultation = self._ask()
        form = self._form(consultation, self.user_doctor)
        self.assertEqual((form.subject, form.current_doctor_id), ("Rash on the arm", self.emp_doctor))
        action = form.action_confirm()
        self.assertEqual(action["res_model"], "ihospital.consultation")
        self.assertEqual(consultation.doctor_id, self.emp_colleague)
        self.assertIn("Rashes", consultation.sudo().message_ids[0].body)

    def test_hand_over_form_refused(self):
        consultation = self._ask()
        for role, user in {
            "colleague it is not with": self.user_colleague,
            "nurse": self.user_nurse,
            "doctor of another hospital": self.user_doctor_2,
            "quality officer": self.user_quality,
            "the asker": self.user_portal,
        }.items():
            with self.subTest(role=role), self.assertRaises(AccessError):
                self._form(consultation, user)
        form = self._form(consultation, self.user_doctor)
        other = self._ask(user=self.user_portal_other, patient=self.patient_surgery, doctor=self.emp_surgeon)
        with self.assertRaises(AccessError):
            form.write({"consultation_id": other.id})
        # a form made by the doctor cannot be used by a colleague
        with self.assertRaises(AccessError):
            form.with_user(self.user_colleague).action_confirm()
        self.assertEqual(consultation.doctor_id, self.emp_doctor)
