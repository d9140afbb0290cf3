from odoo import api, fields, models

RESULT_FLAGS = [
    ("N", "Normal"),
    ("H", "High"),
    ("L", "Low"),
    ("HH", "Critical high"),
    ("LL", "Critical low"),
    ("A", "Abnormal"),
    ("AA", "Critical abnormal"),
]
CRITICAL_FLAGS = ("HH", "LL", "AA")
ABNORMAL_FLAGS = ("H", "L", "A") + CRITICAL_FLAGS


def flag_values(flag):
    """The stored marks of a result flag (lab result lines, vital signs)."""
    return {"is_abnormal": flag in ABNORMAL_FLAGS, "is_critical": flag in CRITICAL_FLAGS}


class IhospitalLabResult(models.Model):
    """One result line (检验项目) of a lab report."""

    _name = "ihospital.lab.result"
    _inherit = ["ihospital.audited.mixin", "ihospital.report.line.mixin"]
    _description = "Lab Result"
    _order = "report_id, sequence, id"

    report_id = fields.Many2one("ihospital.lab.report", required=True, index=True, ondelete="cascade")
    company_id = fields.Many2one(related="report_id.company_id", store=True, index=True)
    sequence = fields.Integer(default=10)
    code = fields.Char()
    name = fields.Char(string="Test", required=True)
    value = fields.Char(string="Result")
    value_type = fields.Selection([("NM", "Numeric"), ("ST", "Text")], default="NM")
    unit = fields.Char()
    reference_range = fields.Char()
    flag = fields.Selection(RESULT_FLAGS)
    is_abnormal = fields.Boolean(string="Abnormal", compute="_compute_flags", store=True)
    is_critical = fields.Boolean(string="Critical", compute="_compute_flags", store=True)

    @api.depends("flag")
    def _compute_flags(self):
        for result in self:
            result.update(flag_values(result.flag))

    @api.model_create_multi
    def create(self, vals_list):
        # The computed marks and the report's hospital are given to the
        # INSERT (computed as above; a value given is kept), rather than
        # written by an UPDATE of every line after it: a HIS batch creates
        # thousands of lines. The reports are in the cache (just created
        # with their lines) or read at once.
        reports = self.env["ihospital.lab.report"].browse(
            {vals["report_id"] for vals in vals_list if vals.get("report_id")}
        )
        hospitals = {report.id: report.company_id.id for report in reports}
        vals_list = [
            {**flag_values(vals.get("flag")), "company_id": hospitals.get(vals.get("report_id"), False), **vals}
            for vals in vals_list
        ]
        results = super().create(vals_list)
        results._alert_critical()
        return results

    def write(self, vals):
        res = super().write(vals)
        if "flag" in vals:
            self._alert_critical()
        return res

    def _alert_critical(self):
        """Called with the results just created and those whose flag was
        just written, all at once (set-based): their reports alert their
        critical values (the critical-value alerts of ihospital_staff
        extend it)."""
        self.report_id._alert_critical()
