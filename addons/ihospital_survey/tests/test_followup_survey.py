"""Each hospital's satisfaction survey about the treating doctor, and who
reads which follow-ups."""

from datetime import timedelta

from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import FollowupCase


@tagged("post_install", "-at_install")
class TestFollowupSurvey(FollowupCase):
    def test_each_hospital_has_its_satisfaction_survey(self):
        survey = self.survey
        self.assertEqual(
            (survey.company_id, survey.ihospital_followup, survey.access_mode), (self.hospital, True, "token")
        )
        self.assertEqual(survey.scoring_type, "scoring_without_answers")
        roles = survey.question_ids.mapped("ihospital_question_role")
        self.assertEqual(roles, ["rating", "rating", "rating", "comment", "complaint"])
        for question in survey.question_ids.filtered(lambda q: q.ihospital_question_role == "rating"):
            self.assertEqual(question.suggested_answer_ids.mapped("answer_score"), [1.0, 2.0, 3.0, 4.0, 5.0])
        complaint = survey.question_ids.filtered(lambda q: q.ihospital_question_role == "complaint")
        self.assertEqual(complaint.suggested_answer_ids.mapped("ihospital_complaint"), [False, True])
        self.assertEqual(set(survey.question_ids.mapped("company_id")), {self.hospital})
        # once per hospital; a new hospital gets its own
        self.assertEqual(self.hospital._ihospital_satisfaction_survey(), survey)
        self.assertNotEqual(self.survey_2, survey)
        new = self.env["res.company"].create({"name": "New Hospital", "is_hospital": True})
        self.assertEqual(new._ihospital_satisfaction_survey().company_id, new)

    def test_follow_ups_by_role(self):
        cardio = self._finish_visit(self.visit_cardio)
        surgery = self._finish_visit(self.visit_surgery)
        other = self._finish_visit(self.visit_2)
        Followup = self.env["ihospital.followup"]

        def seen(user):
            return Followup.with_user(user).search([("id", "in", (cardio | surgery | other).ids)])

        self.assertEqual(seen(self.user_nurse), cardio, "her department's")
        self.assertEqual(seen(self.user_doctor), cardio)
        self.assertEqual(seen(self.user_surgeon), surgery)
        self.assertEqual(seen(self.user_head), cardio, "the department headed")
        self.assertEqual(seen(self.user_quality), cardio | surgery, "the hospital's")
        self.assertEqual(seen(self.user_director), cardio | surgery)
        self.assertEqual(seen(self.user_doctor_2), other)
        with self.assertRaises(AccessError):
            Followup.with_user(self.user_portal).search([])
        with self.assertRaises(AccessError):
            surgery.with_user(self.user_nurse).read(["state"])
        # the messages follow the same scopes
        Message = self.env["ihospital.followup.message"]
        self.assertEqual(Message.with_user(self.user_nurse).search([]).followup_id & (cardio | surgery), cardio)

    def test_follow_up_answers_by_role(self):
        """Every internal user is one of Odoo's survey users by default: the
        answers about a doctor stay with the doctor, the head and the
        hospital's supervisors all the same."""
        survey_user = self.env.ref("survey.group_survey_user")
        (self.user_nurse | self.user_doctor | self.user_surgeon | self.user_head | self.user_director).write(
            {"groups_id": [(4, survey_user.id)]}
        )
        cardio = self._finish_visit(self.visit_cardio)
        surgery = self._finish_visit(self.visit_surgery)
        (cardio | surgery).followup_message_ids.write({"due_at": fields.Datetime.now() - timedelta(minutes=1)})
        self.hospital.write({"ihospital_followup_quiet_start": 0.0, "ihospital_followup_quiet_end": 0.0})
        self._send_due()
        answers = (cardio | surgery).followup_message_ids.user_input_id
        on_cardio = answers.filtered(lambda answer: answer.ihospital_department_id == self.cardiology)
        on_surgery = answers - on_cardio
        self.assertTrue(on_cardio and on_surgery)
        UserInput = self.env["survey.user_input"]

        def seen(user):
            return UserInput.with_user(user).search([("id", "in", answers.ids)])

        self.assertEqual(seen(self.user_doctor), on_cardio, "about him")
        self.assertEqual(seen(self.user_surgeon), on_surgery)
        self.assertEqual(seen(self.user_head), on_cardio, "his department's")
        self.assertEqual(seen(self.user_director), answers)
        self.assertEqual(seen(self.user_quality), answers)
        self.assertFalse(seen(self.user_nurse), "no nurse reads the doctors' evaluations")
        with self.assertRaises(AccessError):
            on_cardio.with_user(self.user_surgeon).read(["scoring_percentage"])
        lines = self.env["survey.user_input.line"]
        self.assertFalse(lines.with_user(self.user_nurse).search([("user_input_id", "in", answers.ids)]))
