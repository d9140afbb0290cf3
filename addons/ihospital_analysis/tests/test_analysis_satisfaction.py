"""Issue 16: the follow-up surveys' satisfaction in the operations
dashboard, against the hand-computed results of the survey's ResultCase
(March 2026: the hospital 8 surveys sent, 4 answered, mean 65 %; Dr Li 6
sent, 3 answered, mean 66.7 %; February: Dr Li 1 answered, 40 %)."""

from odoo.addons.ihospital_survey.tests.results_common import MARCH, ResultCase
from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import AnalysisCase


@tagged("post_install", "-at_install")
class TestAnalysisSatisfaction(AnalysisCase, ResultCase):
    def _figures(self, user, **kwargs):
        data = self.Dashboard.with_user(user).get_dashboard(**{**MARCH, **kwargs})
        section = next(section for section in data["sections"] if section["key"] == "satisfaction")
        return {figure["key"]: figure for figure in section["figures"]}

    def test_hospital(self):
        figures = self._figures(self.user_director)
        score, rate = figures["satisfaction_score"], figures["response_rate"]
        self.assertEqual((score["value"], score["previous"], score["unit"]), (65.0, 40.0, "%"))
        self.assertEqual(score["mom"], 0.625)
        self.assertIsNone(score["last_year"])
        self.assertEqual((rate["value"], rate["previous"]), (50.0, 100.0))
        self.assertEqual(rate["drill"]["model"], "ihospital.followup.result")
        # the drill-down lists the rows counted, read as the director
        rows = self.env[rate["drill"]["model"]].with_user(self.user_director).search(rate["drill"]["domain"])
        self.assertEqual(len(rows), 8)

    def test_scoped_like_the_other_figures(self):
        self.assertEqual(self._figures(self.user_doctor)["satisfaction_score"]["value"], 66.7)
        self.assertEqual(self._figures(self.user_surgeon)["satisfaction_score"]["value"], 60.0)
        head = self._figures(self.user_head)
        self.assertEqual((head["satisfaction_score"]["value"], head["response_rate"]["value"]), (66.7, 50.0))
        department = self._figures(self.user_director, department_id=self.surgery.id)
        self.assertEqual(department["response_rate"]["value"], 50.0)
        self.assertEqual(self._figures(self.user_director_2)["satisfaction_score"]["value"], 100.0)
        with self.assertRaises(AccessError):
            self._figures(self.user_nurse)
        with self.assertRaises(AccessError):
            self._figures(self.user_head, department_id=self.surgery.id)
