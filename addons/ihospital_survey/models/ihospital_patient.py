from odoo import fields, models


class IhospitalPatient(models.Model):
    _inherit = "ihospital.patient"

    followup_opt_out = fields.Boolean(
        string="No Follow-up Messages",
        tracking=True,
        help="The patient (or the account managing the patient) asked for no follow-up messages and surveys.",
    )

    def write(self, vals):
        res = super().write(vals)
        if vals.get("deceased") or vals.get("followup_opt_out"):
            # a death or an opt-out stops the follow-ups at once
            reason = "deceased" if vals.get("deceased") else "opt_out"
            self.env["ihospital.followup"].sudo()._ihospital_stop_for_patients(self, reason)
        return res
