from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    duty_day_start = fields.Float(related="company_id.duty_day_start", readonly=False)
    duty_night_start = fields.Float(related="company_id.duty_night_start", readonly=False)
