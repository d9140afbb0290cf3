from odoo import _, api, fields, models
from odoo.exceptions import AccessError


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
        if not self.env.su and any(vals.get("ihospital_followup_message_id") for vals in vals_list):
            raise AccessError(_("Follow-up answers are created by the system only."))
        return super().create(vals_list)

    def write(self, vals):
        self._ihospital_check_engine()
        return super().write(vals)

    def unlink(self):
        self._ihospital_check_engine()
        return super().unlink()

    def _mark_done(self):
        res = super()._mark_done()
        self.sudo().ihospital_followup_message_id._ihospital_answered()
        return res

    def _ihospital_check_engine(self):
        # a follow-up's answer is the patient's (through the link) and the
        # engine's: staff never change it; the survey routes work in sudo
        if not self.env.su and self.sudo().filtered("ihospital_followup_message_id"):
            raise AccessError(_("Follow-up answers are the patients'; nobody changes them."))


class SurveyUserInputLine(models.Model):
    _inherit = "survey.user_input.line"

    company_id = fields.Many2one(related="user_input_id.company_id", store=True, index=True)

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
