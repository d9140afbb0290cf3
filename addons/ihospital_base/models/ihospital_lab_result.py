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
            result.is_abnormal = result.flag in ABNORMAL_FLAGS
            result.is_critical = result.flag in CRITICAL_FLAGS

    @api.model_create_multi
    def create(self, vals_list):
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
