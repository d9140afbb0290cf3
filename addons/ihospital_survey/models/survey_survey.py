from odoo import _, api, fields, models
from odoo.addons.ihospital_base.models.ihospital_guard_mixin import ADMIN, QUALITY
from odoo.exceptions import AccessError, ValidationError

# Who keeps a hospital's surveys (and their questions); the others read.
SURVEY_MANAGERS = (ADMIN, QUALITY)


def check_survey_manager(records):
    """Refuse a change of a hospital's survey (its questions, its answers'
    choices) by anyone but its administrators and quality officers: Odoo
    gives every internal user the survey user group."""
    env = records.env
    if env.su or not records:
        return
    hospital = records.sudo().filtered(lambda record: record.company_id)
    if hospital and not any(env.user.has_group(group) for group in SURVEY_MANAGERS):
        raise AccessError(_("Only the hospital's administrators and quality officers change its surveys."))


class SurveySurvey(models.Model):
    """Odoo's surveys, given a hospital: Odoo's surveys are not multi-company;
    a hospital's surveys (and their questions and answers) are kept apart by
    record rules on company_id."""

    _inherit = "survey.survey"

    company_id = fields.Many2one(
        "res.company",
        string="Hospital",
        index=True,
        default=lambda self: self.env.company if self.env.company.is_hospital else False,
    )
    ihospital_followup = fields.Boolean(
        string="Follow-up Survey",
        help="Sent by follow-up plans: answered through the personal, expiring link only.",
    )

    @api.constrains("ihospital_followup", "company_id")
    def _check_ihospital_followup(self):
        for survey in self:
            if survey.ihospital_followup and not survey.company_id:
                raise ValidationError(_("Follow-up survey %s belongs to a hospital.", survey.title))

    @api.model_create_multi
    def create(self, vals_list):
        surveys = super().create(vals_list)
        check_survey_manager(surveys)
        return surveys

    def write(self, vals):
        check_survey_manager(self)
        res = super().write(vals)
        if "company_id" in vals:
            check_survey_manager(self)
        return res

    def unlink(self):
        check_survey_manager(self)
        return super().unlink()
