from odoo import api, fields, models

from .survey_survey import QUESTION_ROLES, check_survey_manager


class SurveyQuestion(models.Model):
    _inherit = "survey.question"

    company_id = fields.Many2one(related="survey_id.company_id", store=True, index=True)
    ihospital_question_role = fields.Selection(
        QUESTION_ROLES,
        string="Follow-up Role",
        help="What the results read in this question: a rating of the doctor, the free comment, or whether the "
        "patient wants a complaint opened.",
    )

    @api.model_create_multi
    def create(self, vals_list):
        questions = super().create(vals_list)
        check_survey_manager(questions)
        return questions

    def write(self, vals):
        check_survey_manager(self)
        res = super().write(vals)
        if "survey_id" in vals and not self.env.su:
            # the rules are checked before a write, not on the values
            # written: a question moved into another hospital's survey is
            # refused
            self.check_access("write")
        return res

    def unlink(self):
        check_survey_manager(self)
        return super().unlink()


class SurveyQuestionAnswer(models.Model):
    _inherit = "survey.question.answer"

    company_id = fields.Many2one(
        "res.company", compute="_compute_company_id", store=True, index=True, string="Hospital"
    )

    ihospital_complaint = fields.Boolean(
        string="Opens a Complaint", help="Choosing this answer asks the hospital to open a complaint."
    )

    @api.depends("question_id.survey_id.company_id", "matrix_question_id.survey_id.company_id")
    def _compute_company_id(self):
        for answer in self:
            question = answer.question_id or answer.matrix_question_id
            answer.company_id = question.survey_id.company_id

    @api.model_create_multi
    def create(self, vals_list):
        answers = super().create(vals_list)
        check_survey_manager(answers)
        return answers

    def write(self, vals):
        check_survey_manager(self)
        res = super().write(vals)
        if {"question_id", "matrix_question_id"} & set(vals) and not self.env.su:
            # a choice moved into another hospital's question is refused
            self.check_access("write")
        return res

    def unlink(self):
        check_survey_manager(self)
        return super().unlink()
