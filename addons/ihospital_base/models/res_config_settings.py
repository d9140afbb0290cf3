from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    hospital_max_patients_per_account = fields.Integer(
        related="company_id.hospital_max_patients_per_account", readonly=False
    )
