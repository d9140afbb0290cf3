from odoo import api, fields, models

REPORT_KINDS = [("lab", "Lab Report"), ("imaging", "Imaging Report"), ("exam", "Physical Exam Report")]
REPORT_MODELS = {"lab": "ihospital.lab.report", "imaging": "ihospital.imaging.report", "exam": "ihospital.exam.report"}


class IhospitalReportViewLog(models.Model):
    """Who read which report, when and from where (every portal view and
    PDF download of a report is logged)."""

    _name = "ihospital.report.view.log"
    _description = "Report View Log"
    _order = "create_date desc, id desc"

    user_id = fields.Many2one("res.users", string="Account", required=True, index=True, readonly=True)
    patient_id = fields.Many2one("ihospital.patient", required=True, index=True, readonly=True)
    company_id = fields.Many2one(related="patient_id.company_id", store=True, index=True)
    report_kind = fields.Selection(REPORT_KINDS, required=True, readonly=True)
    report_id = fields.Integer(string="Report ID", required=True, readonly=True)
    report_name = fields.Char(string="Report Number", readonly=True)
    action = fields.Selection([("view", "Viewed"), ("pdf", "Downloaded PDF")], required=True, readonly=True)
    ip_address = fields.Char(string="IP Address", readonly=True)
    user_agent = fields.Char(readonly=True)

    @api.model
    def _log(self, user, report, action, ip_address=None, user_agent=None):
        """Record one view. Sudo: portal accounts may not read the log."""
        kind = next(kind for kind, model in REPORT_MODELS.items() if model == report._name)
        return self.sudo().create(
            {
                "user_id": user.id,
                "patient_id": report.patient_id.id,
                "report_kind": kind,
                "report_id": report.id,
                "report_name": report.name,
                "action": action,
                "ip_address": ip_address,
                "user_agent": (user_agent or "")[:250],
            }
        )
