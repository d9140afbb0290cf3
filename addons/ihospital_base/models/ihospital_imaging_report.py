from odoo import fields, models

MODALITIES = [
    ("radiology", "Radiology (X-ray)"),
    ("ct", "CT"),
    ("mr", "MRI"),
    ("ultrasound", "Ultrasound"),
    ("endoscopy", "Endoscopy"),
    ("pathology", "Pathology"),
]


class IhospitalImagingReport(models.Model):
    """An imaging or diagnostic report (检查报告): radiology, CT, MRI,
    ultrasound, endoscopy, pathology."""

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
    viewer_url = fields.Char(string="Image Viewer Link")
    attachment_ids = fields.Many2many("ir.attachment", string="Attachments")

    def _ihospital_report_label(self):
        return f"{self.name} {self.exam_name}"
