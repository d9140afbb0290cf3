from odoo import _, api, fields, models
from odoo.exceptions import AccessError, ValidationError

# What the engine writes on an answer (the encounter, the link's expiry, the
# low score check): an answer created or changed by a user never sets them
# (an answer tied to another patient's message, or to a patient the user
# cannot read, whose name the answer would then show).
ENGINE_FIELDS = frozenset(
    {
        "company_id",
        "ihospital_followup_message_id",
        "ihospital_doctor_id",
        "ihospital_department_id",
        "ihospital_patient_id",
        "ihospital_event_at",
        "ihospital_expires_at",
        "ihospital_declined",
        "ihospital_alerted",
        "ihospital_complaint_id",
    }
)


class SurveyUserInput(models.Model):
    """A survey answer; a follow-up's answer carries the encounter's
    hospital, doctor, department, patient and event, and the expiry of its
    personal link. One answer per follow-up message (the encounter's)."""

    _inherit = "survey.user_input"

    company_id = fields.Many2one(
        "res.company", string="Hospital", compute="_compute_company_id", store=True, index=True, readonly=True
    )
    ihospital_followup_message_id = fields.Many2one(
        "ihospital.followup.message", string="Follow-up Message", readonly=True, index=True, ondelete="set null"
    )
    ihospital_doctor_id = fields.Many2one("hr.employee", string="Doctor", readonly=True, index=True)
    ihospital_department_id = fields.Many2one("hr.department", string="Department", readonly=True, index=True)
    ihospital_patient_id = fields.Many2one("ihospital.patient", string="Patient", readonly=True, index=True)
    ihospital_event_at = fields.Datetime(string="Event", readonly=True)
    ihospital_expires_at = fields.Datetime(string="Link Expires", readonly=True)
    ihospital_declined = fields.Boolean(string="Declined", readonly=True)

    _sql_constraints = [
        (
            "ihospital_followup_message_uniq",
            "unique(ihospital_followup_message_id)",
            "A follow-up message has one answer.",
        ),
    ]

    @api.depends("survey_id.company_id")
    def _compute_company_id(self):
        for answer in self:
            answer.company_id = answer.survey_id.company_id

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su:
            # the context's default_* keys are values the caller sets too
            defaults = {key[8:] for key in self.env.context if key.startswith("default_")}
            if any(ENGINE_FIELDS & (set(vals) | defaults) for vals in vals_list):
                raise AccessError(_("Follow-up answers are created by the system only."))
        answers = super().create(vals_list)
        answers._ihospital_check_staff_answers()
        return answers

    def write(self, vals):
        self._ihospital_check_engine()
        if not self.env.su and ENGINE_FIELDS & set(vals):
            raise AccessError(_("Follow-up answers are created by the system only."))
        self._ihospital_check_staff_answers()
        res = super().write(vals)
        self._ihospital_check_staff_answers()
        return res

    def unlink(self):
        self._ihospital_check_engine()
        return super().unlink()

    def _mark_done(self):
        res = super()._mark_done()
        self.sudo().ihospital_followup_message_id._ihospital_answered()
        return res

    def _ihospital_check_staff_answers(self):
        """A follow-up survey is answered through the personal links only
        (the engine's answers, sudo): a user's own answer of it (Odoo lets
        every survey user create answers, and invite anybody) would count in
        the survey's statistics; test entries stay the users'."""
        if not self.env.su and self.sudo().filtered(
            lambda answer: answer.survey_id.ihospital_followup and not answer.test_entry
        ):
            raise AccessError(_("A follow-up survey is answered through the patients' personal links only."))

    def _ihospital_check_engine(self):
        # a follow-up's answer is the patient's (through the link) and the
        # engine's: staff never change it; the survey routes work in sudo
        if not self.env.su and self.sudo().filtered("ihospital_followup_message_id"):
            raise AccessError(_("Follow-up answers are the patients'; nobody changes them."))


class SurveyUserInputLine(models.Model):
    _inherit = "survey.user_input.line"

    company_id = fields.Many2one(related="user_input_id.company_id", store=True, index=True)

    @api.constrains("question_id", "suggested_answer_id", "matrix_row_id")
    def _check_ihospital_choice(self):
        # Odoo's submit route saves whatever choice id it is sent: a
        # tampered request would score a question with another question's
        # (or another hospital's survey's) choice
        for line in self.sudo():
            question = line.question_id
            if (line.suggested_answer_id and line.suggested_answer_id not in question.suggested_answer_ids) or (
                line.matrix_row_id and line.matrix_row_id not in question.matrix_row_ids
            ):
                raise ValidationError(_("This answer is not one of the question's choices."))

    @api.model_create_multi
    def create(self, vals_list):
        lines = super().create(vals_list)
        lines.user_input_id._ihospital_check_engine()
        return lines

    def write(self, vals):
        self.user_input_id._ihospital_check_engine()
        return super().write(vals)

    def unlink(self):
        self.user_input_id._ihospital_check_engine()
        return super().unlink()
