from odoo import _, api, models
from odoo.tools import format_datetime

NOTIFY_STATES = ("final", "corrected")


class IhospitalReportReadyMixin(models.AbstractModel):
    """Tell the portal accounts managing a patient that a report is ready
    (报告已出) when it is created final or finalized/corrected later. The
    message names the report only; its content stays behind the identity
    check of /my/reports."""

    _name = "ihospital.report.ready.mixin"
    _description = "Report Ready Notification"

    def _ihospital_report_label(self):
        return self.display_name

    def _notify_report_ready(self):
        for report_sudo in self.sudo().with_context(mail_notify_force_send=False):
            accounts = report_sudo.patient_id.account_ids.user_id.filtered("share")
            if not accounts or report_sudo.state not in NOTIFY_STATES:
                continue
            report_sudo.message_post(
                subject=_("Report ready: %s", report_sudo._ihospital_report_label()),
                body=_(
                    "The report %(report)s of %(patient)s (%(date)s) is ready. Read it under My Reports "
                    "(/my/reports) after confirming the patient's identity.",
                    report=report_sudo._ihospital_report_label(),
                    patient=report_sudo.patient_id.name,
                    date=format_datetime(report_sudo.env, report_sudo.reported_at) if report_sudo.reported_at else "",
                ),
                partner_ids=accounts.partner_id.ids,
                message_type="notification",
                subtype_xmlid="mail.mt_comment",
            )


class IhospitalLabReport(models.Model):
    _name = "ihospital.lab.report"
    _inherit = ["ihospital.lab.report", "ihospital.report.ready.mixin"]

    def _ihospital_report_label(self):
        return f"{self.name} {self.title}"

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


class IhospitalImagingReport(models.Model):
    _name = "ihospital.imaging.report"
    _inherit = ["ihospital.imaging.report", "ihospital.report.ready.mixin"]

    def _ihospital_report_label(self):
        return f"{self.name} {self.exam_name}"

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
