from odoo import _, api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import format_datetime

REPORT_STATES = [("preliminary", "Preliminary"), ("final", "Final"), ("corrected", "Corrected")]
REPORT_SOURCES = [("manual", "Manual"), ("his", "HIS")]
NOTIFY_STATES = ("final", "corrected")


class IhospitalReportMixin(models.AbstractModel):
    """What lab and imaging reports share: their patient, clinic and state
    within one hospital, and the "report ready" (报告已出) notice to the
    portal accounts the hospital confirmed for the patient when a report is
    created final or finalized/corrected later. The notice does not even
    name the report (a test's title can say too much); its content stays
    behind the identity check of /my/reports."""

    _name = "ihospital.report.mixin"
    _description = "Patient Report"
    _inherit = [
        "ihospital.audited.mixin",
        "ihospital.guard.mixin",
        "ihospital.hospital.mixin",
        "mail.thread",
        "mail.activity.mixin",
    ]
    _order = "reported_at desc, id desc"

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
    # Codes the HIS sent that the platform did not know yet: the report is
    # stored at once (patient safety does not wait for master data) and the
    # department or doctor is filled in when the master data arrives.
    his_department_code = fields.Char(string="HIS Department Code", readonly=True)
    his_doctor_code = fields.Char(string="HIS Doctor Code", readonly=True)
    codes_to_resolve = fields.Boolean(
        string="Unknown HIS Codes",
        compute="_compute_codes_to_resolve",
        store=True,
        index=True,
        help="The HIS sent a department or doctor code the platform does not know yet: add it to the master data.",
    )
    state = fields.Selection(REPORT_STATES, required=True, default="final", tracking=True)
    reported_at = fields.Datetime(string="Reported", default=fields.Datetime.now, index=True)
    source = fields.Selection(REPORT_SOURCES, required=True, default="manual")

    _sql_constraints = [
        ("name_company_uniq", "unique(company_id, name)", "This report number is already used in this hospital."),
    ]

    @api.depends("his_department_code", "his_doctor_code", "department_id", "doctor_id")
    def _compute_codes_to_resolve(self):
        for report in self:
            report.codes_to_resolve = bool(
                (report.his_department_code and not report.department_id)
                or (report.his_doctor_code and not report.doctor_id)
            )

    @api.model
    def _resolve_his_codes(self, company, departments=None, doctors=None):
        """Fill in the department and ordering doctor of reports that waited
        for these codes (new master data of `company`)."""
        for department in departments or []:
            self.sudo().search(
                [
                    ("company_id", "=", company.id),
                    ("department_id", "=", False),
                    ("his_department_code", "=", department.his_code),
                ]
            ).write({"department_id": department.id})
        for doctor in doctors or []:
            self.sudo().search(
                [("company_id", "=", company.id), ("doctor_id", "=", False), ("his_doctor_code", "=", doctor.his_code)]
            ).write({"doctor_id": doctor.id})

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

    @api.model_create_multi
    def create(self, vals_list):
        reports = super().create(vals_list)
        reports._notify_report_ready()
        return reports

    def write(self, vals):
        before = {report.id: report.state for report in self} if "state" in vals else {}
        res = super().write(vals)
        if before:
            self.filtered(lambda r: before[r.id] != r.state)._notify_report_ready()
        return res

    def _ihospital_report_label(self):
        return self.display_name

    def _notify_report_ready(self):
        for report_sudo in self.sudo().with_context(mail_notify_force_send=False):
            accounts = report_sudo.patient_id._confirmed_accounts()
            if not accounts or report_sudo.state not in NOTIFY_STATES:
                continue
            report_sudo.message_post(
                subject=_("A new report is ready"),
                body=_(
                    "A new report of %(patient)s (%(date)s) is ready. Read it under My Reports "
                    "(/my/reports) after confirming the patient's identity.",
                    patient=report_sudo.patient_id.name,
                    date=format_datetime(report_sudo.env, report_sudo.reported_at) if report_sudo.reported_at else "",
                ),
                partner_ids=accounts.partner_id.ids,
                message_type="notification",
                subtype_xmlid="mail.mt_comment",
            )
