from odoo import models


class IhospitalImagingReport(models.Model):
    _inherit = "ihospital.imaging.report"

    def _alert_critical(self):
        """A critical finding flagged by the reporting department (imaging,
        ultrasound, ECG, endoscopy, pathology) raises its alert at once."""
        self.env["ihospital.critical.alert"]._raise_from_imaging(self)

    def _on_patient_identified(self):
        res = super()._on_patient_identified()
        alerts = (
            self.env["ihospital.critical.alert"]
            .sudo()
            .search([("imaging_report_id", "in", self.ids), ("patient_id", "=", False)])
        )
        alerts._identify_patient()
        return res
