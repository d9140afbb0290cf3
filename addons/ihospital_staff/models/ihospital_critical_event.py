from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError

from .ihospital_critical_alert import HANDLING_KINDS

EVENT_KINDS = [
    ("detected", "Detected"),
    ("notified", "Notified"),
    ("notice_failed", "Notice Failed"),
    ("escalated", "Escalated"),
    ("readback_mismatch", "Read-back Mismatch"),
    ("acknowledged", "Acknowledged"),
    ("handled", "Handling Recorded"),
    ("corrected", "Result Corrected"),
    ("identified", "Patient Identified"),
    ("withdrawn", "Withdrawn"),
    ("closed", "Closed"),
    ("contact_shown", "Patient's Phone Shown"),
    # the receipt the reporting system (LIS, RIS) gets back, through the HIS connection
    ("receipt_sent", "Receipt Recorded by the Laboratory"),
    ("receipt_refused", "Receipt Refused by the Laboratory"),
]
CHANNELS = [("bus", "Live Notification"), ("activity", "Activity"), ("sms", "SMS")]


class IhospitalCriticalEvent(models.Model):
    """One step of a critical value's trail: who was notified, through what,
    when; who read back what, when; each handling step; escalations.
    Append-only: nobody edits or deletes a step, administrators included."""

    _name = "ihospital.critical.event"
    _description = "Critical Value Trail Step"
    _order = "at, id"
    _log_access = True

    alert_id = fields.Many2one(
        "ihospital.critical.alert", required=True, readonly=True, index=True, ondelete="restrict"
    )
    company_id = fields.Many2one(related="alert_id.company_id", store=True, index=True)
    at = fields.Datetime(string="When", required=True, readonly=True, default=fields.Datetime.now)
    kind = fields.Selection(EVENT_KINDS, string="Step", required=True, readonly=True)
    user_id = fields.Many2one("res.users", string="By", readonly=True, help="Empty: the platform.")
    recipient_id = fields.Many2one("ihospital.critical.recipient", readonly=True)
    recipient_user_id = fields.Many2one(related="recipient_id.user_id", string="To")
    channel = fields.Selection(CHANNELS, readonly=True)
    level = fields.Integer(string="Escalation Level", readonly=True)
    value = fields.Char(readonly=True)
    handling_kind = fields.Selection(HANDLING_KINDS, string="What Was Done", readonly=True)
    note = fields.Text(readonly=True)

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su:
            raise AccessError(_("The trail of a critical value is written by the platform alone."))
        # the alert's hospital in the INSERT, not an UPDATE of each step
        # after it (a batch of alerts writes thousands); the alerts are in
        # the cache or read at once
        alerts = self.env["ihospital.critical.alert"].browse(
            {vals["alert_id"] for vals in vals_list if vals.get("alert_id")}
        )
        hospitals = {alert.id: alert.company_id.id for alert in alerts}
        return super().create(
            [{"company_id": hospitals.get(vals.get("alert_id"), False), **vals} for vals in vals_list]
        )

    def write(self, vals):
        if vals:
            raise UserError(_("The trail of a critical value cannot be changed."))
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_never(self):
        raise UserError(_("The trail of a critical value cannot be deleted."))
