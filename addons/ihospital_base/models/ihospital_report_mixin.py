from collections import defaultdict

from stdnum.cn import ric

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, ValidationError
from odoo.osv import expression
from odoo.tools import format_datetime

REPORT_STATES = [("preliminary", "Preliminary"), ("final", "Final"), ("corrected", "Corrected")]
REPORT_SOURCES = [("manual", "Manual"), ("his", "HIS")]
NOTIFY_STATES = ("final", "corrected")
NOTICE_BATCH = 200
# what a user may still write on a report from the HIS: its patient and
# visit, while it waits for its patient (attaching it, 待匹配)
HIS_ATTACH_FIELDS = frozenset(("patient_id", "visit_id"))


class IhospitalReportMixin(models.AbstractModel):
    """What lab and imaging reports share: their patient, clinic and state
    within one hospital, and the "report ready" (报告已出) notice to the
    portal accounts the hospital confirmed for the patient when a report is
    created final or finalized/corrected later. The notice does not even
    name the report (a test's title can say too much); its content stays
    behind the identity check of /my/reports.

    A report from the HIS whose patient is not registered on the platform
    yet is stored at once without patient (unmatched, 待匹配): its performing
    department (the laboratory, radiology) and the administrators see it,
    a critical value alerts at once, and it is attached when the patient's
    registration arrives (`_attach_unmatched`) or by an administrator."""

    _name = "ihospital.report.mixin"
    _description = "Patient Report"
    _inherit = [
        "ihospital.audited.mixin",
        "ihospital.guard.mixin",
        "ihospital.hospital.mixin",
        "ihospital.his.coded.mixin",
        "mail.thread",
        "mail.activity.mixin",
    ]
    _order = "reported_at desc, id desc"
    _engine_fields = ("his_patient_ref", "his_patient_keys", "ready_notice_due")
    # the res.company field holding the default performing department
    _performing_department_setting = None
    _his_codes = {"his_department_code": ("department_id", "departments"), "his_doctor_code": ("doctor_id", "doctors")}

    name = fields.Char(string="Report Number", required=True, index=True, copy=False, tracking=True)
    # the "report ready" notice waits for the notices cron (_cron_send_ready_notices)
    ready_notice_due = fields.Boolean(readonly=True, copy=False, index=True)
    # Not required: a result from the HIS is stored before its patient is
    # known (see _check_patient). Deleting a patient never orphans reports.
    patient_id = fields.Many2one(
        "ihospital.patient",
        index=True,
        tracking=True,
        ondelete="restrict",
        domain="[('company_id', '=', company_id)]",
    )
    his_patient_ref = fields.Char(
        string="HIS Patient Reference",
        readonly=True,
        help="The HIS patient id or medical card number the result came with, to find its patient by hand.",
    )
    # What identifies the awaited patient, as space-delimited keys
    # (' patient:his:P0100 patient:card:123 patient:id:<keyed hash> '):
    # the patient's registration finds its reports by them. No identity in
    # clear; technical, so kept off the users' screens.
    his_patient_keys = fields.Char(readonly=True, index="trigram", copy=False, groups="base.group_system")
    performing_department_id = fields.Many2one(
        "hr.department",
        index=True,
        domain="[('company_id', '=', company_id)]",
        help="The department that performed the test or examination (e.g. the laboratory): its staff see the "
        "report, also while its patient is not identified.",
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
    state = fields.Selection(REPORT_STATES, required=True, default="final", tracking=True)
    reported_at = fields.Datetime(string="Reported", default=fields.Datetime.now, index=True)
    source = fields.Selection(REPORT_SOURCES, required=True, default="manual")

    _sql_constraints = [
        ("name_company_uniq", "unique(company_id, name)", "This report number is already used in this hospital."),
    ]

    @api.constrains("patient_id", "source")
    def _check_patient(self):
        for report in self:
            if not report.patient_id and report.source != "his":
                raise ValidationError(
                    _(
                        "Report %(report)s needs its patient: only results from the HIS may wait for theirs.",
                        report=report.name,
                    )
                )

    @api.constrains("his_patient_ref")
    def _check_his_patient_ref(self):
        """The reference is shown to every role that sees the report: an ID
        number must never land there."""
        for report in self:
            if report.his_patient_ref and ric.is_valid(report.his_patient_ref):
                raise ValidationError(
                    _(
                        "The HIS patient reference of a report is the HIS patient id or medical card number, never an "
                        "ID number."
                    )
                )

    @api.constrains("company_id", "patient_id", "department_id", "doctor_id", "visit_id", "performing_department_id")
    def _check_report_hospital(self):
        for report in self:
            hospital = report.company_id
            if report._ihospital_strays(("patient_id", "department_id", "doctor_id", "performing_department_id")):
                raise ValidationError(
                    _(
                        "Report %(report)s must stay within %(hospital)s: its patient, department, doctor "
                        "and visit belong to that hospital and patient.",
                        report=report.name,
                        hospital=hospital.name,
                    )
                )

    def _check_his_owned(self, vals=None):
        """A report from the HIS is the HIS's record: its content, its
        lines, its patient and its existence change only through the HIS (a
        correction, a merge, a cancellation). A user, an administrator
        included, may only attach a report that waits for its patient
        (`vals` setting the patient of unmatched reports). The engine
        (superuser) passes."""
        if self.env.su:
            return
        his = self.filtered(lambda report: report.source == "his")
        if not his:
            return
        if vals is not None:
            # mail.thread's own bookkeeping is not the report's content
            written = {name for name in vals if not name.startswith(("message_", "activity_"))}
            attaching = written <= HIS_ATTACH_FIELDS and vals.get("patient_id") and not his.patient_id
            if not written or attaching:
                return
        raise AccessError(
            _(
                "%(report)s came from the HIS: only the HIS changes it. An administrator may only attach a "
                "report that waits for its patient.",
                report=his[0].display_name,
            )
        )

    @api.ondelete(at_uninstall=False)
    def _unlink_his_owned(self):
        self._check_his_owned()

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su and any(vals.get("source") == "his" for vals in vals_list):
            raise AccessError(_("Reports from the HIS are created by the HIS only."))
        vals_list = [
            dict(vals, his_patient_keys=self._his_keys_value(vals["his_patient_keys"]))
            if vals.get("his_patient_keys")
            else vals
            for vals in self._with_performing_department(vals_list)
        ]
        reports = super().create(vals_list)
        reports._notify_report_ready()
        return reports

    def write(self, vals):
        self._check_his_owned(vals)
        if vals.get("his_patient_keys"):
            vals = dict(vals, his_patient_keys=self._his_keys_value(vals["his_patient_keys"]))
        before = {report.id: report.state for report in self} if "state" in vals else {}
        unmatched = self.filtered(lambda report: not report.patient_id) if vals.get("patient_id") else self.browse()
        res = super().write(vals)
        changed = self.filtered(lambda r: before[r.id] != r.state) if before else self.browse()
        identified = unmatched.filtered("patient_id")
        (changed | identified)._notify_report_ready()
        if identified:
            identified._on_patient_identified()
        return res

    @api.model
    def _his_keys_value(self, keys):
        """The stored form of patient keys (a list or a string): space
        delimited, with a space at both ends so that ' key ' matches whole
        keys only."""
        keys = keys.split() if isinstance(keys, str) else [key for key in keys if key]
        return f" {' '.join(keys)} " if keys else False

    @api.model
    def _with_performing_department(self, vals_list):
        """The hospital's default performing department (its laboratory,
        its radiology) for reports created without one."""
        setting = self._performing_department_setting
        missing = [vals for vals in vals_list if "performing_department_id" not in vals]
        if not setting or not missing:
            return vals_list
        default_company = self.env.company.id
        company_ids = {vals.get("company_id") or default_company for vals in missing}
        companies = self.env["res.company"].sudo().browse(company_ids)
        departments = {company.id: company[setting].id for company in companies}
        return [
            vals
            if "performing_department_id" in vals
            else dict(vals, performing_department_id=departments[vals.get("company_id") or default_company])
            for vals in vals_list
        ]

    def _ihospital_report_label(self):
        return self.display_name

    @api.model
    def _attach_unmatched(self, company, key_patients):
        """Attach to their patients the unmatched reports of `company` that
        waited for one of the keys of `key_patients` ({key: patient}, the
        patients the HIS just registered or updated; keys as in
        `his_patient_keys`). Set-based: one search for all keys, one write
        per patient. A report whose keys name two different patients is
        left for an administrator. Returns the attached reports."""
        patients = {key: patient for key, patient in key_patients.items() if patient and patient.company_id == company}
        if not patients:
            return self.browse()
        Report_sudo = self.sudo()
        reports_sudo = Report_sudo.search(
            [("company_id", "=", company.id), ("patient_id", "=", False)]
            + expression.OR([[("his_patient_keys", "like", f" {key} ")] for key in sorted(patients)]),
            order="id",
        )
        ids_by_patient = defaultdict(list)
        for report_sudo in reports_sudo:
            found = {patients[key] for key in report_sudo.his_patient_keys.split() if key in patients}
            if len(found) == 1:
                ids_by_patient[found.pop()].append(report_sudo.id)
        attached_sudo = Report_sudo
        # machine work on a hot path: no tracking message per report
        for patient, ids in ids_by_patient.items():
            batch_sudo = Report_sudo.with_context(tracking_disable=True).browse(ids)
            batch_sudo.write({"patient_id": patient.id, "his_patient_keys": False})
            attached_sudo |= batch_sudo
        return self.browse(attached_sudo.ids)

    def _on_patient_identified(self):
        """These unmatched reports just got their patient (from the HIS or
        by hand): the keys that waited for it are spent (sudo: engine
        field)."""
        spent_sudo = self.sudo().filtered("his_patient_keys")
        if spent_sudo:
            spent_sudo.write({"his_patient_keys": False})

    def _notify_report_ready(self):
        """Queue the "report ready" notice of these reports (final or
        corrected, patient known): the notices cron sends it right after
        commit, in batches, so that storing results (a run of the HIS's)
        never waits for mail."""
        due = self.filtered(lambda report: report.patient_id and report.state in NOTIFY_STATES)
        if due:
            due.sudo().write({"ready_notice_due": True})
            self._wake_ready_notices()

    def _wake_ready_notices(self):
        self.env["ir.cron"]._ihospital_trigger("ihospital_base.ir_cron_report_ready_notices")

    @api.model
    def _cron_send_ready_notices(self):
        """Send the queued "report ready" notices of every kind of report,
        oldest first, a batch per call; what is left makes the cron run
        again at once."""
        done = remaining = 0
        for model in self._report_models():
            Report = self.env[model].sudo()
            due = [("ready_notice_due", "=", True)]
            batch = Report.search(due, order="id", limit=NOTICE_BATCH)
            batch.write({"ready_notice_due": False})
            batch._send_ready_notices()
            done += len(batch)
            remaining += Report.search_count(due) if len(batch) == NOTICE_BATCH else 0
        self.env["ir.cron"]._notify_progress(done=done, remaining=remaining)

    @api.model
    def _report_models(self):
        """The kinds of report (lab, imaging, ...): every model built on this one."""
        models = self.env.registry.descendants(["ihospital.report.mixin"], "_inherit")
        return sorted(model for model in models if not self.env[model]._abstract)

    def _send_ready_notices(self):
        """Tell the patient's confirmed portal accounts. The notice does not
        even name the report; its content stays behind the identity check
        of /my/reports."""
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


class IhospitalReportLineMixin(models.AbstractModel):
    """The lines of a report (lab results, exam items, each with its
    `report_id`): those of a report from the HIS are the HIS's, like the
    report (see IhospitalReportMixin._check_his_owned)."""

    _name = "ihospital.report.line.mixin"
    _description = "Patient Report Line"

    @api.model_create_multi
    def create(self, vals_list):
        self._his_reports(vals_list)._check_his_owned()
        return super().create(vals_list)

    def write(self, vals):
        (self.report_id | self._his_reports([vals]))._check_his_owned()
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_his_owned(self):
        self.report_id._check_his_owned()

    @api.model
    def _his_reports(self, vals_list):
        """The reports `vals_list` puts lines on."""
        return self.report_id.browse({vals["report_id"] for vals in vals_list if vals.get("report_id")})
