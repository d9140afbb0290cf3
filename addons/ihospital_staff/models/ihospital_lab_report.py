from odoo import models


class IhospitalLabReport(models.Model):
    _inherit = "ihospital.lab.report"

    # The alerts are raised by the result lines' own hook
    # (ihospital.lab.result._alert_critical), which every line creation and
    # flag change calls: the report-level hook has nothing left to do.

    def _on_patient_identified(self):
        res = super()._on_patient_identified()
        alerts = (
            self.env["ihospital.critical.alert"]
            .sudo()
            .search([("lab_report_id", "in", self.ids), ("patient_id", "=", False)])
        )
        alerts._identify_patient()
        return res
