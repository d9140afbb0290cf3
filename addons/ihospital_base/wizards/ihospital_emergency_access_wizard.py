from odoo import fields, models

from ..models.ihospital_emergency_access import CLINICIANS, REASON_KINDS


class IhospitalEmergencyAccessWizard(models.TransientModel):
    """Break the glass (紧急授权): a nurse or doctor types the number of a
    patient she or he cannot see (medical card, HIS or ID number, exactly)
    and why, and reads that patient's records for a few hours. The grant
    and its reason go to the quality office for review."""

    _name = "ihospital.emergency.access.wizard"
    _inherit = ["ihospital.guard.mixin"]
    _description = "Ask for Emergency Access"
    _patient_link_fields = ()
    _action_groups = {"action_confirm": CLINICIANS}

    identifier = fields.Char(
        string="Patient Number",
        required=True,
        help="The patient's medical card number, HIS number or ID number, in full.",
    )
    reason_kind = fields.Selection(REASON_KINDS, string="Reason", required=True, default="emergency")
    reason = fields.Text(string="Why", required=True, help="What you need the patient's records for.")

    def action_confirm(self):
        self.ensure_one()
        self._check_action("action_confirm")
        patient = self.env["ihospital.patient"]._find_for_emergency(self.identifier)
        if patient.has_access("read"):
            # the clinician sees the patient already (own department, or a
            # grant still running): no new grant, the patient opens
            return self._open(patient)
        access = patient._break_glass(self.reason_kind, self.reason)
        return self._open(patient, {"ihospital_emergency_access_id": access.id})

    def _open(self, patient, context=None):
        return {
            "type": "ir.actions.act_window",
            "res_model": "ihospital.patient",
            "res_id": patient.id,
            "views": [[False, "form"]],
            "target": "current",
            "context": context or {},
        }
