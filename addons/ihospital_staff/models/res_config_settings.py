from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    critical_ack_minutes = fields.Integer(related="company_id.critical_ack_minutes", readonly=False)
    critical_handle_minutes = fields.Integer(related="company_id.critical_handle_minutes", readonly=False)
    critical_repeat_minutes = fields.Integer(related="company_id.critical_repeat_minutes", readonly=False)
    critical_ack_target_minutes = fields.Integer(related="company_id.critical_ack_target_minutes", readonly=False)
    duty_day_start = fields.Float(related="company_id.duty_day_start", readonly=False)
    duty_night_start = fields.Float(related="company_id.duty_night_start", readonly=False)
    ihospital_sms_daily_cap = fields.Integer(related="company_id.ihospital_sms_daily_cap", readonly=False)
    ihospital_remind_unread_sms = fields.Boolean(related="company_id.ihospital_remind_unread_sms", readonly=False)
    ihospital_sms_sender_group_ids = fields.Many2many(
        related="company_id.ihospital_sms_sender_group_ids", readonly=False
    )
