from odoo import models


class IhospitalLabReport(models.Model):
    _inherit = "ihospital.lab.report"

    def _alert_critical(self):
        """The hospital edition's critical value loop replaces the single
        to-do of the patient-side suite: each critical result line raises
        its own alert, routed at once (set-based over the reports)."""
        self.env["ihospital.critical.alert"]._raise_from_lab_results(self.sudo().result_ids)

    def _on_patient_identified(self):
        res = super()._on_patient_identified()
        alerts = (
            self.env["ihospital.critical.alert"]
            .sudo()
            .search([("lab_report_id", "in", self.ids), ("patient_id", "=", False)])
        )
        alerts._identify_patient()
        return res
