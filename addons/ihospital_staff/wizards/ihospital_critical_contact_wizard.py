from odoo import _, fields, models
from odoo.addons.ihospital_base.models.ihospital_guard_mixin import DOCTOR, NURSE


class IhospitalCriticalContactWizard(models.TransientModel):
    """An outpatient's contact path for a critical value: the numbers to
    call, shown to one of the alert's clinicians (the doctor decides whether
    the patient is called). Filled by ihospital.critical.alert's
    action_contact_patient after its checks; a transient row is read by its
    creator alone."""

    _name = "ihospital.critical.contact.wizard"
    _inherit = ["ihospital.critical.wizard.mixin", "ihospital.guard.mixin"]
    _description = "Contact the Patient of a Critical Value"
    _action_groups = {"action_patient_notified": (NURSE, DOCTOR)}
    # filled by the alert's action after its checks, never by hand
    _engine_create_only = True

    alert_id = fields.Many2one("ihospital.critical.alert", required=True, readonly=True, ondelete="cascade")
    alert_state = fields.Selection(related="alert_id.state", related_sudo=False)
    patient_label = fields.Char(related="alert_id.patient_label", related_sudo=False)
    phone = fields.Char(string="Patient's Phone", readonly=True)
    guardian_name = fields.Char(string="Guardian", readonly=True)
    guardian_phone = fields.Char(string="Guardian's Phone", readonly=True)

    def action_patient_notified(self):
        """Record that the patient was told: the handling form, prefilled."""
        self.ensure_one()
        self._check_action("action_patient_notified")
        return self.alert_id.action_open_handle("patient_notified")

    def _action_reopen(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("Contact the Patient (%s)", self.alert_id.name),
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
        }
