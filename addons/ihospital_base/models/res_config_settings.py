from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    hospital_max_patients_per_account = fields.Integer(
        related="company_id.hospital_max_patients_per_account", readonly=False
    )
    ihospital_audit_retention_days = fields.Integer(related="company_id.ihospital_audit_retention_days", readonly=False)
    ihospital_require_totp = fields.Boolean(related="company_id.ihospital_require_totp", readonly=False)
    ihospital_session_idle_minutes = fields.Integer(related="company_id.ihospital_session_idle_minutes", readonly=False)
    ihospital_lab_department_id = fields.Many2one(related="company_id.ihospital_lab_department_id", readonly=False)
    ihospital_imaging_department_id = fields.Many2one(
        related="company_id.ihospital_imaging_department_id", readonly=False
    )
