from odoo import _, api, fields, models


class IhospitalLabReport(models.Model):
    """A laboratory report (检验报告) with its result lines. Results flagged
    critical (危急值) alert the ordering doctor once per report."""

    _name = "ihospital.lab.report"
    _description = "Lab Report"
    _inherit = ["ihospital.report.mixin"]
    _rec_names_search = ["name", "title"]
    _performing_department_setting = "ihospital_lab_department_id"

    title = fields.Char(string="Panel", required=True, help="e.g. Complete blood count (血常规).")
    specimen = fields.Char()
    collected_at = fields.Datetime(string="Collected")
    result_ids = fields.One2many("ihospital.lab.result", "report_id", string="Results", copy=True)
    is_critical = fields.Boolean(string="Critical", compute="_compute_critical", store=True, index=True)
    critical_count = fields.Integer(string="Critical Values", compute="_compute_critical", store=True)
    abnormal_count = fields.Integer(string="Abnormal Results", compute="_compute_critical", store=True)
    critical_alerted = fields.Boolean(
        string="Critical Value Alerted",
        readonly=True,
        copy=False,
        help="The clinicians were given a to-do for this report's critical values (once per report).",
    )

    def _ihospital_report_label(self):
        return f"{self.name} {self.title}"

    @api.depends("result_ids.is_critical", "result_ids.is_abnormal")
    def _compute_critical(self):
        for report in self:
            report.critical_count = len(report.result_ids.filtered("is_critical"))
            report.abnormal_count = len(report.result_ids.filtered("is_abnormal"))
            report.is_critical = bool(report.critical_count)

    @api.model_create_multi
    def create(self, vals_list):
        reports = super().create(vals_list)
        reports._alert_critical()
        return reports

    def write(self, vals):
        res = super().write(vals)
        if "result_ids" in vals:
            self._alert_critical()
        return res

    def _alert_critical(self):
        """Give the ordering doctor (or the department head, or the
        hospital's quality officer) a to-do for the critical values, once
        per report. Sudo because whoever records the report (a clerk, the
        HIS) may not be allowed to assign work to clinicians; it only
        creates the activity and flags the report."""
        for report_sudo in self.sudo().filtered(lambda r: r.is_critical and not r.critical_alerted):
            report_sudo.activity_schedule(
                "mail.mail_activity_data_todo",
                summary=_("Critical value: %(report)s %(title)s", report=report_sudo.name, title=report_sudo.title),
                note=report_sudo._critical_note(),
                user_id=report_sudo._critical_recipient().id,
            )
            report_sudo.critical_alerted = True

    def _critical_note(self):
        """Who the critical values are of, and the values. An unmatched
        report has no name to show yet: its HIS reference instead."""
        self.ensure_one()
        values = ", ".join(
            f"{line.name} {line.value} {line.unit or ''} ({line.flag})"
            for line in self.result_ids.filtered("is_critical")
        )
        if not self.patient_id:
            return _(
                "Unidentified patient (HIS ref %(ref)s): %(values)s", ref=self.his_patient_ref or "-", values=values
            )
        return _("%(patient)s: %(values)s", patient=self.patient_id.name, values=values)

    def _on_patient_identified(self):
        """A critical value alerted while its patient was unidentified: the
        recipient now learns whose it is (a new to-do naming the patient)."""
        res = super()._on_patient_identified()
        for report_sudo in self.sudo().filtered(lambda r: r.is_critical and r.critical_alerted):
            report_sudo.activity_schedule(
                "mail.mail_activity_data_todo",
                summary=_(
                    "Critical value, patient identified: %(report)s %(title)s",
                    report=report_sudo.name,
                    title=report_sudo.title,
                ),
                note=report_sudo._critical_note(),
                user_id=report_sudo._critical_recipient().id,
            )
        return res

    def _critical_recipient(self):
        """Who must act on a critical value: the ordering doctor, else the
        department head, else a quality officer of the hospital."""
        self.ensure_one()
        user = self.doctor_id.user_id or self.department_id.manager_id.user_id
        if user:
            return user
        quality = self.env.ref("ihospital_base.group_quality_officer")
        admin = self.env.ref("ihospital_base.group_admin")
        Users = self.env["res.users"].sudo()
        domain = [("groups_id", "in", quality.id), ("company_ids", "in", self.company_id.id), ("share", "=", False)]
        return (
            Users.search(domain + [("groups_id", "not in", admin.id)], limit=1)
            or Users.search(domain, limit=1)
            or self.env.ref("base.user_admin")
        )
