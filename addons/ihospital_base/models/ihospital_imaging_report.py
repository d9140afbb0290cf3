from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from .ihospital_lab_report import REPORT_SOURCES, REPORT_STATES

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
    _inherit = ["ihospital.hospital.mixin", "mail.thread", "mail.activity.mixin"]
    _order = "reported_at desc, id desc"
    _rec_names_search = ["name", "exam_name"]

    name = fields.Char(string="Report Number", required=True, index=True, copy=False, tracking=True)
    patient_id = fields.Many2one(
        "ihospital.patient",
        required=True,
        index=True,
        tracking=True,
        domain="[('company_id', '=', company_id)]",
    )
    visit_id = fields.Many2one("ihospital.visit", index=True, domain="[('patient_id', '=', patient_id)]")
    department_id = fields.Many2one(
        "hr.department", index=True, domain="[('company_id', '=', company_id), ('is_clinical', '=', True)]"
    )
    doctor_id = fields.Many2one(
        "hr.employee",
        string="Ordering Doctor",
        index=True,
        domain="[('company_id', '=', company_id), ('ihospital_role', '=', 'doctor')]",
    )
    modality = fields.Selection(MODALITIES, required=True, default="radiology")
    exam_name = fields.Char(string="Examination", required=True)
    body_part = fields.Char()
    findings = fields.Text()
    impression = fields.Text(string="Impression / Conclusion")
    viewer_url = fields.Char(string="Image Viewer Link")
    attachment_ids = fields.Many2many("ir.attachment", string="Attachments")
    state = fields.Selection(REPORT_STATES, required=True, default="final", tracking=True)
    reported_at = fields.Datetime(string="Reported", default=fields.Datetime.now, index=True)
    source = fields.Selection(REPORT_SOURCES, required=True, default="manual")

    _sql_constraints = [
        ("name_company_uniq", "unique(company_id, name)", "This report number is already used in this hospital."),
    ]

    @api.constrains("company_id", "patient_id", "department_id", "doctor_id", "visit_id")
    def _check_report_hospital(self):
        for report in self:
            hospital = report.company_id
            others = (report.patient_id.company_id, report.department_id.company_id, report.doctor_id.company_id)
            if any(company and company != hospital for company in others) or (
                report.visit_id and report.visit_id.patient_id != report.patient_id
            ):
                raise ValidationError(
                    _(
                        "Report %(report)s must stay within %(hospital)s: its patient, department, doctor "
                        "and visit belong to that hospital and patient.",
                        report=report.name,
                        hospital=hospital.name,
                    )
                )
