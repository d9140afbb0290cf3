from odoo import _, api, fields, models
from odoo.addons.ihospital_base.models.ihospital_guard_mixin import DOCTOR, NURSE
from odoo.exceptions import UserError


class IhospitalCriticalAckWizard(models.TransientModel):
    """Acknowledge a critical value by reading it back (签收, 复读): the
    receiver types the value they read (a numeric keypad on a phone for
    numbers); the alert's own action compares it and records a mismatch."""

    _name = "ihospital.critical.ack.wizard"
    _inherit = ["ihospital.critical.wizard.mixin", "ihospital.guard.mixin"]
    _description = "Acknowledge a Critical Value"
    # the alert's action_acknowledge checks the role and the relation to the alert
    _action_groups = {"action_confirm": (NURSE, DOCTOR)}

    alert_id = fields.Many2one("ihospital.critical.alert", required=True, readonly=True, ondelete="cascade")
    alert_name = fields.Char(related="alert_id.name", related_sudo=False)
    patient_label = fields.Char(related="alert_id.patient_label", related_sudo=False)
    item = fields.Char(related="alert_id.item", related_sudo=False)
    unit = fields.Char(related="alert_id.unit", related_sudo=False)
    value_is_number = fields.Boolean(compute="_compute_value_is_number")
    readback_number = fields.Float(string="Value You Read", digits=(16, 4))
    readback_text = fields.Char(string="Result You Read")
    error = fields.Char(readonly=True)

    @api.depends("alert_id")
    def _compute_value_is_number(self):
        for wizard in self:
            value = (wizard.alert_id.sudo().value or "").strip().replace(",", "")
            try:
                float(value)
            except ValueError:
                wizard.value_is_number = False
            else:
                wizard.value_is_number = True

    def _readback(self):
        self.ensure_one()
        if self.value_is_number:
            # compared as numbers: 6.8 and 6.80 are the same
            return repr(self.readback_number)
        return self.readback_text or ""

    def action_confirm(self):
        self.ensure_one()
        self._check_action("action_confirm")
        if not self.value_is_number and not (self.readback_text or "").strip():
            raise UserError(_("Type the result as you read it."))
        result = self.alert_id.action_acknowledge(self._readback())
        if result is True:
            # the lists and the badge show it at once
            return {"type": "ir.actions.client", "tag": "soft_reload"}
        self.write({"error": result, "readback_number": 0, "readback_text": False})
        return self._action_reopen()

    def _action_reopen(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("Acknowledge %s", self.alert_id.name),
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
        }
