from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


class ResCompany(models.Model):
    _inherit = "res.company"

    ihospital_followup_quiet_start = fields.Float(
        string="Quiet Hours From",
        default=21.0,
        help="No follow-up message is sent from this time (hospital time) until the end of the quiet hours.",
    )
    ihospital_followup_quiet_end = fields.Float(string="Quiet Hours Until", default=8.0)
    ihospital_followup_weekly_cap = fields.Integer(
        string="Follow-up Messages per Week",
        default=2,
        help="At most this many follow-up messages reach a patient in any 7 days; the next waits.",
    )
    ihospital_followup_link_days = fields.Integer(
        string="Survey Link Valid (days)",
        default=14,
        help="How long a patient's personal survey link stays open.",
    )

    @api.constrains(
        "ihospital_followup_quiet_start",
        "ihospital_followup_quiet_end",
        "ihospital_followup_weekly_cap",
        "ihospital_followup_link_days",
    )
    def _check_ihospital_followup(self):
        for company in self:
            hours = (company.ihospital_followup_quiet_start, company.ihospital_followup_quiet_end)
            if any(not 0 <= hour < 24 for hour in hours):
                raise ValidationError(_("Quiet hours are times of day between 00:00 and 23:59."))
            if company.ihospital_followup_weekly_cap < 1:
                raise ValidationError(_("A patient gets at least one follow-up message a week."))
            if company.ihospital_followup_link_days < 1:
                raise ValidationError(_("A survey link stays open at least one day."))

    @api.model_create_multi
    def create(self, vals_list):
        companies = super().create(vals_list)
        companies.filtered("is_hospital")._ihospital_satisfaction_survey()
        return companies

    def write(self, vals):
        res = super().write(vals)
        if vals.get("is_hospital"):
            self._ihospital_satisfaction_survey()
        return res

    def _ihospital_satisfaction_survey(self):
        """The satisfaction survey about the treating doctor of each of these
        hospitals, created when a hospital has none yet (at install, for a
        new hospital). Returns the surveys (sudo)."""
        Survey = self.env["survey.survey"].sudo().with_context(active_test=False)
        surveys = Survey.browse()
        for company in self.filtered("is_hospital"):
            survey = Survey.search(
                [("company_id", "=", company.id), ("ihospital_followup", "=", True)], order="id", limit=1
            )
            surveys |= survey or Survey._ihospital_create_satisfaction_survey(company)
        return surveys

    @api.model
    def _ihospital_install_followup(self):
        """At install: every hospital gets its satisfaction survey."""
        self.sudo().search([("is_hospital", "=", True)])._ihospital_satisfaction_survey()
