from datetime import timedelta

from odoo import fields
from odoo.tests import HttpCase, tagged

from .results_common import ResultCase


@tagged("post_install", "-at_install")
class TestFollowupSurveyUi(HttpCase, ResultCase):
    """A patient answers the satisfaction survey on a phone (375 px)
    through the personal link, without logging in."""

    browser_size = "375x667"

    def test_answer_on_a_phone(self):
        now = fields.Datetime.now()
        answer = self._answer(self.emp_doctor, (2026, 3, 10, 10, 0), "sent")
        message = answer.ihospital_followup_message_id.sudo()
        message.write({"sent_at": now, "expires_at": now + timedelta(days=14)})
        answer.sudo().write({"ihospital_expires_at": now + timedelta(days=14), "deadline": now + timedelta(days=14)})
        url = f"/survey/start/{self.survey.access_token}?answer_token={answer.access_token}"
        self.start_tour(url, "ihospital_followup_survey")
        answer.invalidate_recordset()
        self.assertEqual(answer.state, "done")
        self.assertEqual(answer.scoring_percentage, 70.0)
        comments = answer.user_input_line_ids.filtered(lambda line: line.answer_type == "text_box")
        self.assertEqual(comments.value_text_box, "医生解释得不够清楚")
        # the 2 points: the department head's task on the follow-up
        activity = self.env["mail.activity"].search(
            [("res_model", "=", "ihospital.followup"), ("res_id", "=", message.followup_id.id)]
        )
        self.assertEqual(activity.user_id, self.user_head)


@tagged("post_install", "-at_install")
class TestFollowupResultsUi(HttpCase):
    """The demo director on a phone reads the satisfaction by doctor (demo
    data: ihospital.followup.demo)."""

    browser_size = "375x667"

    def test_the_director_on_a_phone(self):
        self.start_tour(
            "/odoo/action-ihospital_survey.ihospital_followup_results_screen_action",
            "ihospital_followup_results",
            login="director",
        )
