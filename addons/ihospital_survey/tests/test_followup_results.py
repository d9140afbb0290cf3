from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .results_common import MARCH, ResultCase, local

RESULT = "ihospital.followup.result"


@tagged("post_install", "-at_install")
class TestFollowupResults(ResultCase):
    def _results(self, user, **kwargs):
        return self.env[RESULT].with_user(user).get_results(**{**MARCH, **kwargs})

    # ------------------------------------------------------------ the view's rows
    def test_rows(self):
        rows = self.env[RESULT].search([("doctor_id", "=", self.emp_doctor.id), ("day", ">=", "2026-03-01")])
        self.assertEqual(len(rows), 6, "one row per invitation sent")
        by_answer = {row.user_input_id: row for row in rows}
        best, mid, low = by_answer[self.a_best], by_answer[self.a_mid], by_answer[self.a_low]
        self.assertEqual((best.score, best.score_band, best.low_score), (100.0, 5, 0))
        self.assertEqual((mid.score, mid.score_band, mid.low_score), (70.0, 4, 0))
        self.assertEqual((low.score, low.score_band, low.low_score), (30.0, 2, 1))
        self.assertEqual(str(best.day), "2026-03-02")
        self.assertEqual(sum(rows.mapped("declined")), 1)
        self.assertEqual(sum(rows.mapped("expired")), 1)
        self.assertEqual(sum(rows.mapped("answered")), 3)
        # the hospital's day: an invitation sent at 00:30 Beijing time is
        # counted on that day, not on the UTC day before
        late = self._answer(self.emp_doctor, (2026, 3, 25, 0, 30), "expired")
        row = self.env[RESULT].search([("followup_id", "=", late.ihospital_followup_message_id.followup_id.id)])
        self.assertEqual(str(row.day), "2026-03-25")

    # ------------------------------------------------------------ statistics
    def test_doctor_statistics(self):
        data = self._results(self.user_director, doctor_id=self.emp_doctor.id)
        summary = data["summary"]
        self.assertEqual((summary["sent"], summary["answered"], summary["declined"], summary["expired"]), (6, 3, 1, 1))
        self.assertEqual(summary["response_rate"], 50.0)
        self.assertEqual(summary["score"], 66.7)
        self.assertEqual({row["band"]: row["count"] for row in summary["distribution"]}, {1: 0, 2: 1, 3: 0, 4: 1, 5: 1})
        previous = data["previous"]
        self.assertEqual((previous["sent"], previous["answered"], previous["score"]), (1, 1, 40.0))
        # each question's answers, the survey's own statistics on the scope's answers
        attitude = next(question for question in data["questions"] if question["title"] == "Attitude")
        counts = {answer["score"]: answer["count"] for answer in attitude["answers"]}
        self.assertEqual(counts, {5: 1, 4: 1, 3: 0, 2: 0, 1: 1})
        self.assertEqual(sorted(comment["text"] for comment in data["comments"]), ["医生很耐心", "等了两个小时"])
        # the trend, by week: the week of March 2 has 2 sent, 2 answered
        week = next(point for point in data["trend"]["points"] if point["label"] == "03-02")
        self.assertEqual((week["sent"], week["answered"], week["score"]), (2, 2, 85.0))

    def test_hospital_statistics(self):
        summary = self._results(self.user_quality)["summary"]
        self.assertEqual((summary["sent"], summary["answered"]), (8, 4))
        self.assertEqual(summary["response_rate"], 50.0)
        self.assertEqual(summary["score"], 65.0)

    def test_consultation_ratings_beside(self):
        """The same doctor's consultation ratings (rated online questions)
        of the period: 5 and 3 stars in March, 1 star in February."""
        self.emp_doctor.sudo().online_consultation = True
        Consultation = self.env["ihospital.consultation"].sudo()
        questions = Consultation.create(
            [
                {
                    "company_id": self.hospital.id,
                    "doctor_id": self.emp_doctor.id,
                    "patient_id": self.patient_cardio.id,
                    "user_id": self.user_portal.id,
                    "subject": subject,
                    "question": "Since Monday.",
                }
                for subject in ("Chest pain", "Palpitations", "Cough")
            ]
        )
        self.env.flush_all()
        closed = (local(2026, 3, 5, 10, 0), local(2026, 3, 6, 10, 0), local(2026, 2, 6, 10, 0))
        for question, stars, when in zip(questions, (5, 3, 1), closed, strict=True):
            self.env.cr.execute(
                """UPDATE ihospital_consultation SET closed_date = %s, state = 'closed',
                          close_reason = 'rated', rating_last_value = %s WHERE id = %s""",
                [when, stars, question.id],
            )
        self.env.invalidate_all()
        ratings = self._results(self.user_doctor)["ratings"]
        self.assertEqual(ratings["count"], 2)
        self.assertEqual(ratings["average"], 4.0)
        self.assertEqual(
            {row["stars"]: row["count"] for row in ratings["distribution"]}, {1: 0, 2: 0, 3: 1, 4: 0, 5: 1}
        )
        self.assertEqual(self._results(self.user_surgeon)["ratings"]["count"], 0, "another doctor's ratings")

    # ------------------------------------------------------------ scopes
    def test_scopes_by_role(self):
        Result = self.env[RESULT]
        march = [("day", ">=", "2026-03-01")]
        doctor_rows = Result.with_user(self.user_doctor).search(march)
        self.assertEqual(doctor_rows.doctor_id, self.emp_doctor)
        self.assertEqual(len(Result.with_user(self.user_surgeon).search(march)), 2)
        self.assertEqual(Result.with_user(self.user_head).search(march).department_id, self.cardiology)
        self.assertEqual(len(Result.with_user(self.user_quality).search(march)), 8)
        self.assertEqual(len(Result.with_user(self.user_director).search(march)), 8)
        self.assertEqual(Result.with_user(self.user_doctor_2).search(march).company_id, self.hospital_2)
        with self.assertRaises(AccessError):
            Result.with_user(self.user_nurse).search(march)
        # the data method follows the same scope
        self.assertEqual(self._results(self.user_doctor)["summary"]["sent"], 6)
        self.assertEqual(self._results(self.user_head)["summary"]["sent"], 6)
        self.assertEqual(self._results(self.user_doctor_2)["summary"]["sent"], 1)
        for user, kwargs in (
            (self.user_nurse, {}),
            (self.user_doctor, {"doctor_id": self.emp_surgeon.id}),
            (self.user_doctor, {"department_id": self.cardiology.id}),
            (self.user_head, {"department_id": self.surgery.id}),
            (self.user_head, {"doctor_id": self.emp_surgeon.id}),
        ):
            with self.subTest(user=user.login, **kwargs), self.assertRaises(AccessError):
                self._results(user, **kwargs)
        # another hospital's doctor is unknown here
        with self.assertRaises(UserError):
            self._results(self.user_director, doctor_id=self.emp_doctor_2.id)
        # an answer's details: read through the row the caller may read only
        row = Result.with_user(self.user_doctor).search([("user_input_id", "=", self.a_low.id)])
        self.assertIn("Attitude", row.answer_html)
        with self.assertRaises(AccessError):
            Result.with_user(self.user_surgeon).browse(row.id).answer_html  # noqa: B018
