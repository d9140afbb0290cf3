from odoo import api, fields, models


class IhospitalLabReport(models.Model):
    """A laboratory report (检验报告) with its result lines. Lines flagged
    critical (危急值) mark the report; the hospital edition turns them into
    alerts (_alert_critical)."""

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
        """Hook: these reports were created or their result lines changed.
        The hospital edition (ihospital_staff) raises its critical value
        alerts here, set-based over the reports; the patient-side suite
        only marks the critical lines."""
