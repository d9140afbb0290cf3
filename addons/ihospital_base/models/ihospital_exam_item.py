from odoo import api, fields, models

from .ihospital_lab_result import ABNORMAL_FLAGS, RESULT_FLAGS


class IhospitalExamItem(models.Model):
    """One item (体检项目) of a physical-exam report, in its section (一般检查,
    内科, 眼科, 血常规...), with the examining doctor's conclusion."""

    _name = "ihospital.exam.item"
    _inherit = ["ihospital.audited.mixin", "ihospital.report.line.mixin"]
    _description = "Physical Exam Item"
    _order = "report_id, sequence, id"

    report_id = fields.Many2one("ihospital.exam.report", required=True, index=True, ondelete="cascade")
    company_id = fields.Many2one(related="report_id.company_id", store=True, index=True)
    sequence = fields.Integer(default=10)
    section = fields.Char(help="The section of the report, e.g. 内科, 眼科, 血常规.")
    code = fields.Char()
    name = fields.Char(string="Item", required=True)
    value = fields.Char(string="Result")
    unit = fields.Char()
    reference_range = fields.Char()
    flag = fields.Selection(RESULT_FLAGS)
    is_abnormal = fields.Boolean(string="Abnormal", compute="_compute_abnormal", store=True)
    conclusion = fields.Char(help="The examining doctor's conclusion on this item (小结), e.g. 轻度脂肪肝.")

    @api.depends("flag")
    def _compute_abnormal(self):
        for item in self:
            item.is_abnormal = item.flag in ABNORMAL_FLAGS
