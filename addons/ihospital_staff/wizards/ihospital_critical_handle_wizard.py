from odoo import fields, models
from odoo.addons.ihospital_base.models.ihospital_guard_mixin import DOCTOR, NURSE

from ..models.ihospital_critical_alert import HANDLING_KINDS


class IhospitalCriticalHandleWizard(models.TransientModel):
    """Record one handling step (处理) of an acknowledged critical value."""

    _name = "ihospital.critical.handle.wizard"
    _inherit = ["ihospital.critical.wizard.mixin", "ihospital.guard.mixin"]
    _description = "Record the Handling of a Critical Value"
    # the alert's actions check the role and the relation to the alert
    _action_groups = {"action_confirm": (NURSE, DOCTOR)}

    alert_id = fields.Many2one("ihospital.critical.alert", required=True, readonly=True, ondelete="cascade")
    alert_name = fields.Char(related="alert_id.name", related_sudo=False)
    patient_label = fields.Char(related="alert_id.patient_label", related_sudo=False)
    kind = fields.Selection(HANDLING_KINDS, string="What Was Done", required=True)
    note = fields.Text(string="Details")
    close = fields.Boolean(string="Close the Alert", help="Doctors close an alert once its handling is complete.")

    def action_confirm(self):
        self.ensure_one()
        self._check_action("action_confirm")
        self.alert_id.action_handle(self.kind, self.note)
        if self.close:
            self.alert_id.action_close()
        return {"type": "ir.actions.act_window_close"}
