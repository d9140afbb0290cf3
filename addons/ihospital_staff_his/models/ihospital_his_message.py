from odoo import api, fields, models


class IhospitalHisMessage(models.Model):
    _inherit = "ihospital.his.message"

    _engine_fields = ("critical_alert_id",)

    critical_alert_id = fields.Many2one(
        "ihospital.critical.alert", string="Critical Value Alert", index="btree_not_null", ondelete="set null"
    )

    def _apply_report(self, result):
        """The reporting system's answer to a receipt goes into its alert's
        trail once: only when this answer changed the message (a repeated
        answer does not), and only for the alert's newest receipt (a stale
        answer to an earlier one, before a corrected value was read back
        again, does not)."""
        before = self.state
        applied = super()._apply_report(result)
        alert = self.critical_alert_id
        if self.message_type != "critical.receipt" or not alert or self.state == before:
            return applied
        if self.state not in ("processed", "dead"):
            return applied
        newest = self.sudo().search(
            [("critical_alert_id", "=", alert.id), ("message_type", "=", "critical.receipt")], order="id desc", limit=1
        )
        if newest == self:
            alert._receipt_reported(self.state == "processed", self.error if self.state == "dead" else "")
        return applied

    @api.model
    def _critical_lane_applied(self):
        """The escalation pass and the notices that gave way to the new
        critical values are woken (they give way again, at no cost, while
        more critical results wait)."""
        res = super()._critical_lane_applied()
        # a wake-up each, whatever this transaction's snapshot shows: a
        # pending one it sees may have been taken by the run that gave way
        self.env["ir.cron"]._ihospital_wake(
            "ihospital_staff.ir_cron_critical_escalation", "ihospital_staff.ir_cron_critical_notices"
        )
        return res
