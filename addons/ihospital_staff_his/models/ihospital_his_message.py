from odoo import fields, models


class IhospitalHisMessage(models.Model):
    _inherit = "ihospital.his.message"

    critical_alert_id = fields.Many2one(
        "ihospital.critical.alert", string="Critical Value Alert", index="btree_not_null", ondelete="set null"
    )

    def _apply_report(self, result):
        applied = super()._apply_report(result)
        if self.message_type == "critical.receipt" and self.critical_alert_id:
            if self.state == "processed" and self.critical_alert_id.receipt_state != "recorded":
                self.critical_alert_id._receipt_reported(True)
            elif self.state == "dead" and self.critical_alert_id.receipt_state != "refused":
                self.critical_alert_id._receipt_reported(False, self.error)
        return applied
