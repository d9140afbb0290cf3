from odoo import api, models

from .ihospital_report_view_log import REPORT_MODELS


class IhospitalHisCodeMixin(models.AbstractModel):
    """Master data with an HIS code (departments, doctors): when a code
    arrives, the reports the HIS sent before it was known get their
    department or ordering doctor (see ihospital.report.mixin)."""

    _name = "ihospital.his.code.mixin"
    _description = "Master Data with an HIS Code"
    _his_code_kind = ""  # "departments" or "doctors"

    @api.model_create_multi
    def create(self, vals_list):
        records = super().create(vals_list)
        records.filtered("his_code")._ihospital_resolve_report_codes()
        return records

    def write(self, vals):
        res = super().write(vals)
        if vals.get("his_code"):
            self._ihospital_resolve_report_codes()
        return res

    def _ihospital_resolve_report_codes(self):
        for company in self.company_id:
            records = self.filtered(lambda record, c=company: record.company_id == c)
            for model in REPORT_MODELS.values():
                self.env[model]._resolve_his_codes(company, **{self._his_code_kind: records})
