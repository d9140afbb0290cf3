"""Each hospital's satisfaction survey about the treating doctor, and who
reads which follow-ups."""

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
