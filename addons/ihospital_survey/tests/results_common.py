from datetime import datetime, timedelta

import pytz

from odoo.addons.ihospital_base.tests.common import IhospitalCase

SHANGHAI = pytz.timezone("Asia/Shanghai")
MARCH = {"period": "custom", "date_from": "2026-03-01", "date_to": "2026-03-31"}


def local(*args):
    """Naive UTC of a wall-clock time in Beijing."""
    return SHANGHAI.localize(datetime(*args)).astimezone(pytz.utc).replace(tzinfo=None)


class ResultCase(IhospitalCase):
    """Follow-up survey results with hand-computed figures. The survey: two
    satisfaction questions (1 to 5 points each: 10 points make 100 %), a
    complaint question (no points) and a comment. In March 2026 (Beijing
    days):

    - Dr Li (cardiology): answered (5, 5) = 100 % band 5 with a comment;
      answered (4, 3) = 70 % band 4 (3.5 rounds up); answered (1, 2) = 30 %
      band 2, low; declined; expired; one still open. Sent 6, answered 3,
      response rate 50 %, mean score 66.7 %, bands 5/4/2 one each.
    - Dr Zhang (surgery): answered (3, 3) = 60 % band 3; expired.
    - The hospital: sent 8, answered 4, response 50 %, mean 65 %.
    - The other hospital, Dr He: answered (5, 5) on the same day.
    - Dr Li in February: answered (2, 2) = 40 % (the previous period)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.survey = cls._make_survey(cls.hospital)
        cls.survey_2 = cls._make_survey(cls.hospital_2)
        Plan = cls.env["ihospital.followup.plan"].sudo()
        cls.plan = Plan.create(cls._plan_vals(cls.hospital, cls.survey))
        cls.plan_2 = Plan.create(cls._plan_vals(cls.hospital_2, cls.survey_2))
        li, zhang = cls.emp_doctor, cls.emp_surgeon
        day = (2026, 3, 2, 10, 0)
        cls.a_best = cls._answer(li, day, "answered", (5, 5), comment="医生很耐心")
        cls.a_mid = cls._answer(li, day, "answered", (4, 3))
        cls.a_low = cls._answer(li, (2026, 3, 9, 10, 0), "answered", (1, 2), comment="等了两个小时")
        cls._answer(li, (2026, 3, 9, 10, 0), "declined")
        cls._answer(li, (2026, 3, 16, 10, 0), "expired")
        cls._answer(li, (2026, 3, 20, 10, 0), "sent")
        cls.a_surgery = cls._answer(zhang, day, "answered", (3, 3))
        cls._answer(zhang, day, "expired")
        cls.a_other = cls._answer(cls.emp_doctor_2, day, "answered", (5, 5))
        cls.a_february = cls._answer(li, (2026, 2, 20, 10, 0), "answered", (2, 2))

    @classmethod
    def _make_survey(cls, company):
        scale = [(0, 0, {"value": f"{points} stars", "answer_score": points}) for points in (5, 4, 3, 2, 1)]
        return (
            cls.env["survey.survey"]
            .sudo()
            .create(
                {
                    "title": "Satisfaction",
                    "company_id": company.id,
                    "ihospital_followup": True,
                    "access_mode": "token",
                    "questions_layout": "one_page",
                    "scoring_type": "scoring_without_answers",
                    "question_and_page_ids": [
                        (
                            0,
                            0,
                            {
                                "title": "Attitude",
                                "sequence": 1,
                                "question_type": "simple_choice",
                                "suggested_answer_ids": scale,
                            },
                        ),
                        (
                            0,
                            0,
                            {
                                "title": "Explanations",
                                "sequence": 2,
                                "question_type": "simple_choice",
                                "suggested_answer_ids": scale,
                            },
                        ),
                        (
                            0,
                            0,
                            {
                                "title": "Complaint",
                                "sequence": 3,
                                "question_type": "simple_choice",
                                "suggested_answer_ids": [
                                    (0, 0, {"value": "No"}),
                                    (0, 0, {"value": "Yes, a complaint", "ihospital_complaint": True}),
                                ],
                            },
                        ),
                        (0, 0, {"title": "Comments", "sequence": 4, "question_type": "text_box"}),
                    ],
                }
            )
        )

    @classmethod
    def _plan_vals(cls, company, survey):
        return {
            "company_id": company.id,
            "name": "Outpatient",
            "kind": "outpatient",
            "low_score_threshold": 60,
            "step_ids": [
                (0, 0, {"name": "Day 3: survey", "day_offset": 3, "action": "survey", "survey_id": survey.id})
            ],
        }

    @classmethod
    def _answer(cls, doctor, when, state, points=(), complaint=False, comment=None, done=True):
        """A visit of `doctor`, its follow-up and survey invitation sent at
        `when` (Beijing) in `state`; answered: the answer with `points` for
        the satisfaction questions."""
        company = doctor.company_id
        plan, survey = (cls.plan, cls.survey) if company == cls.hospital else (cls.plan_2, cls.survey_2)
        patient = cls.patient_2 if company == cls.hospital_2 else cls.patient_cardio
        sent_at = local(*when)
        visit = (
            cls.env["ihospital.visit"]
            .sudo()
            .create(
                {
                    "company_id": company.id,
                    "patient_id": patient.id,
                    "department_id": doctor.department_id.id,
                    "doctor_id": doctor.id,
                    "start": sent_at - timedelta(days=3),
                }
            )
        )
        followup = (
            cls.env["ihospital.followup"]
            .sudo()
            .create(
                {
                    "company_id": company.id,
                    "plan_id": plan.id,
                    "kind": "outpatient",
                    "patient_id": patient.id,
                    "visit_id": visit.id,
                    "doctor_id": doctor.id,
                    "department_id": doctor.department_id.id,
                    "event_at": sent_at - timedelta(days=3),
                }
            )
        )
        message = (
            cls.env["ihospital.followup.message"]
            .sudo()
            .create(
                {
                    "followup_id": followup.id,
                    "step_id": plan.step_ids.id,
                    "due_at": sent_at,
                    "sent_at": sent_at,
                    "state": state,
                    "expires_at": sent_at + timedelta(days=14),
                }
            )
        )
        questions = survey.question_ids
        lines = []
        if state == "answered":
            for question, value in zip(questions[:2], points, strict=True):
                answer = question.suggested_answer_ids.filtered(lambda a, v=value: a.answer_score == v)
                lines.append(
                    (0, 0, {"question_id": question.id, "answer_type": "suggestion", "suggested_answer_id": answer.id})
                )
            answer = questions[2].suggested_answer_ids.filtered(lambda a: a.ihospital_complaint == complaint)
            lines.append(
                (0, 0, {"question_id": questions[2].id, "answer_type": "suggestion", "suggested_answer_id": answer.id})
            )
            if comment:
                lines.append(
                    (0, 0, {"question_id": questions[3].id, "answer_type": "text_box", "value_text_box": comment})
                )
        user_input = (
            cls.env["survey.user_input"]
            .sudo()
            .create(
                {
                    "survey_id": survey.id,
                    "ihospital_followup_message_id": message.id,
                    "ihospital_doctor_id": doctor.id,
                    "ihospital_department_id": doctor.department_id.id,
                    "ihospital_patient_id": patient.id,
                    "ihospital_declined": state == "declined",
                    "predefined_question_ids": [(6, 0, questions.ids)],
                    "state": "done" if state == "answered" and done else "new",
                    "end_datetime": sent_at + timedelta(hours=1) if state == "answered" else False,
                    "user_input_line_ids": lines,
                }
            )
        )
        message.sudo().user_input_id = user_input
        return user_input
