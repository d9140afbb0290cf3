from odoo import api, fields, models

from .ihospital_lab_result import ABNORMAL_FLAGS, RESULT_FLAGS


class IhospitalExamItem(models.Model):
    """One item (体检项目) of a physical-exam report, in its section (一般检查,
    内科, 眼科, 血常规...), with the examining doctor's conclusion."""

    _name = "ihospital.exam.item"
    _inherit = ["ihospital.audited.mixin"]
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

    @api.model_create_multi
    def create(self, vals_list):
        self._his_reports(vals_list)._check_his_owned()
        return super().create(vals_list)

    def write(self, vals):
        self.report_id._check_his_owned()
        self._his_reports([vals])._check_his_owned()
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_his_owned(self):
        self.report_id._check_his_owned()

    @api.model
    def _his_reports(self, vals_list):
        """The reports `vals_list` puts items on (the items of a report from
        the HIS are the HIS's: see _check_his_owned)."""
        return self.report_id.browse({vals["report_id"] for vals in vals_list if vals.get("report_id")})

    @api.depends("flag")
    def _compute_abnormal(self):
        for item in self:
            item.is_abnormal = item.flag in ABNORMAL_FLAGS
