from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


class ResCompany(models.Model):
    _inherit = "res.company"

    critical_ack_minutes = fields.Integer(
        string="Critical Value: Acknowledge Within (min)",
        default=10,
        help="A critical value not acknowledged within this time goes to the department head and medical affairs "
        "on duty.",
    )
    critical_handle_minutes = fields.Integer(
        string="Critical Value: Handle Within (min)",
        default=30,
        help="A critical value whose handling is not recorded within this time (from its detection) goes to "
        "medical affairs and the administrator on duty.",
    )
    critical_repeat_minutes = fields.Integer(
        string="Critical Value: Remind Every (min)",
        default=10,
        help="An escalated alert is sent again at this interval until someone acts on it.",
    )
    critical_ack_target_minutes = fields.Integer(
        string="Critical Value: Acknowledgement Target (min)",
        default=10,
        help="The share of alerts acknowledged within this time is the quality indicator of the dashboard.",
    )

    @api.constrains(
        "critical_ack_minutes", "critical_handle_minutes", "critical_repeat_minutes", "critical_ack_target_minutes"
    )
    def _check_critical_timers(self):
        for company in self:
            timers = (
                company.critical_ack_minutes,
                company.critical_handle_minutes,
                company.critical_repeat_minutes,
                company.critical_ack_target_minutes,
            )
            if any(minutes < 1 for minutes in timers):
                raise ValidationError(_("Critical value timers are at least one minute."))
            if company.critical_handle_minutes < company.critical_ack_minutes:
                raise ValidationError(
                    _("Handling a critical value cannot be due before acknowledging it: check the timers.")
                )
