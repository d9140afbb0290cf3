from odoo import api, fields, models

MODALITIES = [
    ("radiology", "Radiology (X-ray)"),
    ("ct", "CT"),
    ("mr", "MRI"),
    ("ultrasound", "Ultrasound"),
    ("ecg", "ECG"),
    ("endoscopy", "Endoscopy"),
    ("pathology", "Pathology"),
]


class IhospitalImagingReport(models.Model):
    """An imaging or diagnostic report (检查报告): radiology, CT, MRI,
    ultrasound, ECG, endoscopy, pathology. The reporting department flags a
    critical finding (危急值, e.g. a tension pneumothorax, a ventricular
    fibrillation) on the report itself."""

    _name = "ihospital.imaging.report"
    _description = "Imaging Report"
    _inherit = ["ihospital.report.mixin"]
    _rec_names_search = ["name", "exam_name"]
    _performing_department_setting = "ihospital_imaging_department_id"

    modality = fields.Selection(MODALITIES, required=True, default="radiology")
    exam_name = fields.Char(string="Examination", required=True)
    body_part = fields.Char()
    findings = fields.Text()
    impression = fields.Text(string="Impression / Conclusion")
    is_critical = fields.Boolean(
        string="Critical",
        index=True,
        tracking=True,
        help="The reporting department flagged a critical finding (危急值) that the clinicians must act on at once.",
    )
    critical_finding = fields.Text(help="The critical finding as the reporting department wrote it.")
    viewer_url = fields.Char(string="Image Viewer Link")
    attachment_ids = fields.Many2many("ir.attachment", string="Attachments")

    def _ihospital_report_label(self):
        return f"{self.name} {self.exam_name}"

    @api.model_create_multi
    def create(self, vals_list):
        reports = super().create(vals_list)
        critical = reports.filtered("is_critical")
        if critical:
            critical._alert_critical()
        return reports

    def write(self, vals):
        was_critical = self.filtered("is_critical") if "is_critical" in vals else self
        res = super().write(vals)
        became_critical = self.filtered("is_critical") - was_critical if "is_critical" in vals else None
        if became_critical:
            became_critical._alert_critical()
        return res

    def _alert_critical(self):
        """Called with the reports created critical or just become critical,
        all at once (set-based). Nothing here: the critical-value alerts
        (ihospital_staff) override it."""
        return
