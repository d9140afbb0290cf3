from odoo.tests import tagged

from .results_common import ResultCase

DAY = (2026, 3, 10, 10, 0)


@tagged("post_install", "-at_install")
class TestFollowupLowScore(ResultCase):
    """A submitted answer with a low score opens a task for the department
    head on the follow-up, the answer attached; asking for a complaint
    records one; once per answer."""

    def _activities(self, user_input):
        followup = user_input.ihospital_followup_message_id.followup_id
        return self.env["mail.activity"].search(
            [("res_model", "=", "ihospital.followup"), ("res_id", "=", followup.id)]
        )

    def _complaints(self, user_input):
        return self.env["ihospital.complaint"].sudo().search([("ihospital_user_input_id", "=", user_input.id)])

    def test_low_answer_and_complaint(self):
        answer = self._answer(self.emp_doctor, DAY, "answered", (4, 2), complaint=True, comment="太匆忙", done=False)
        # the survey's routes submit in sudo (the patient is the public user)
        answer.sudo()._mark_done()
        self.assertEqual(answer.state, "done")
        self.assertEqual(answer.scoring_percentage, 60.0, "not under the 60 % threshold: the 2 points count")
        activity = self._activities(answer)
        self.assertEqual(len(activity), 1)
        self.assertEqual(activity.user_id, self.user_head, "cardiology's head")
        self.assertIn("Attitude", activity.note)
        self.assertIn("太匆忙", activity.note)
        self.assertIn(f"/odoo/ihospital.followup.result/{answer.ihospital_followup_message_id.id}", activity.note)
        complaint = self._complaints(answer)
        self.assertEqual(len(complaint), 1)
        self.assertEqual(
            (
                complaint.company_id,
                complaint.department_id,
                complaint.employee_id,
                complaint.patient_id,
                complaint.source,
            ),
            (self.hospital, self.cardiology, self.emp_doctor, self.patient_cardio, "survey"),
        )
        self.assertIn("太匆忙", complaint.content)
        self.assertEqual(answer.ihospital_complaint_id, complaint)
        # the head reads the follow-up the task is on, and the answer through its result row
        result = complaint.with_user(self.user_quality).ihospital_followup_result_id
        self.assertEqual(result.user_input_id, answer)
        # not twice for one answer
        answer.sudo()._mark_done()
        answer.sudo()._ihospital_alert_low_scores()
        self.assertEqual(len(self._activities(answer)), 1)
        self.assertEqual(len(self._complaints(answer)), 1)

    def test_under_threshold_without_low_answer(self):
        self.plan.low_score_threshold = 65
        answer = self._answer(self.emp_surgeon, DAY, "answered", (3, 3), done=False)
        answer.sudo()._mark_done()
        activity = self._activities(answer)
        self.assertEqual(len(activity), 1, "60 % is under 65 %")
        # surgery has no head: a quality officer of the hospital follows it
        self.assertTrue(activity.user_id.has_group("ihospital_base.group_quality_officer"))
        self.assertIn(self.hospital, activity.user_id.company_ids)
        self.assertFalse(self._complaints(answer))

    def test_good_score_and_complaint_only(self):
        good = self._answer(self.emp_doctor, DAY, "answered", (5, 4), done=False)
        complaining = self._answer(self.emp_doctor, DAY, "answered", (5, 5), complaint=True, done=False)
        (good | complaining).sudo()._mark_done()
        self.assertFalse(self._activities(good))
        self.assertFalse(self._complaints(good))
        self.assertFalse(self._activities(complaining))
        self.assertEqual(len(self._complaints(complaining)), 1)

    def test_set_based(self):
        """Twenty answers completed together (20 tasks, 10 complaints): the
        answers and their lines are read in batches; what remains per record
        is the complaints' numbering and the activities' own bookkeeping."""
        answers = self.env["survey.user_input"]
        for index in range(20):
            answers |= self._answer(
                self.emp_doctor, DAY, "answered", (1 + index % 5, 2), complaint=index % 2, done=False
            )
        self.env.flush_all()
        self.env.invalidate_all()
        answers = answers.sudo()
        answers.write({"state": "done"})
        self.env.flush_all()
        with self.assertQueryCount(__system__=85):
            answers._ihospital_alert_low_scores()
            self.env.flush_all()
        self.assertEqual(
            len(self.env["ihospital.complaint"].sudo().search([("ihospital_user_input_id", "in", answers.ids)])), 10
        )
