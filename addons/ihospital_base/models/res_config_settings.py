from odoo import api, fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    hospital_max_patients_per_account = fields.Integer(
        related="company_id.hospital_max_patients_per_account", readonly=False
    )
    ihospital_audit_retention_days = fields.Integer(related="company_id.ihospital_audit_retention_days", readonly=False)
    ihospital_require_totp = fields.Boolean(related="company_id.ihospital_require_totp", readonly=False)
    ihospital_session_idle_minutes = fields.Integer(related="company_id.ihospital_session_idle_minutes", readonly=False)
    ihospital_emergency_access_hours = fields.Integer(
        related="company_id.ihospital_emergency_access_hours", readonly=False
    )
    ihospital_lab_department_id = fields.Many2one(related="company_id.ihospital_lab_department_id", readonly=False)
    consultation_answer_hours = fields.Integer(related="company_id.consultation_answer_hours", readonly=False)
    consultation_escalation_hours = fields.Integer(related="company_id.consultation_escalation_hours", readonly=False)
    consultation_close_days = fields.Integer(related="company_id.consultation_close_days", readonly=False)
    ihospital_imaging_department_id = fields.Many2one(
        related="company_id.ihospital_imaging_department_id", readonly=False
    )
    ihospital_exam_department_id = fields.Many2one(related="company_id.ihospital_exam_department_id", readonly=False)
    ihospital_sms_provider = fields.Selection(related="company_id.ihospital_sms_provider", readonly=False)
    ihospital_sms_signature = fields.Char(related="company_id.ihospital_sms_signature", readonly=False)
    ihospital_sms_lang = fields.Selection(related="company_id.ihospital_sms_lang", readonly=False)
    ihospital_sms_callback_token = fields.Char(
        related="company_id.ihospital_sms_callback_token", groups="base.group_system"
    )
    ihospital_sms_callback_url = fields.Char(
        string="SMS Callback Address", compute="_compute_ihospital_sms_callback_url"
    )

    @api.depends("company_id", "ihospital_sms_provider")
    def _compute_ihospital_sms_callback_url(self):
        base_url = self.env["ir.config_parameter"].sudo().get_param("web.base.url", "")
        for settings in self:
            settings.ihospital_sms_callback_url = (
                f"{base_url}/ihospital/sms/callback/{settings.company_id.id}/{settings.ihospital_sms_provider}"
            )

    def action_ihospital_sms_new_token(self):
        """A new secret for the SMS provider's callbacks (system settings only)."""
        self.ensure_one()
        self.company_id._ihospital_sms_new_token()
        return {"type": "ir.actions.client", "tag": "reload"}
