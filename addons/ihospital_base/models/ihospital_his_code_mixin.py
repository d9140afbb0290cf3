from odoo import api, models


class IhospitalHisCodeMixin(models.AbstractModel):
    """Master data with an HIS code (departments, doctors): when a code
    arrives, the records the HIS sent before it was known (reports,
    admissions, vital signs: ihospital.his.coded.mixin) get their department
    or doctor."""

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
        coded_models = self.env["ihospital.his.coded.mixin"]._his_coded_models()
        for company in self.company_id:
            records = self.filtered(lambda record, c=company: record.company_id == c)
            for model in coded_models:
                self.env[model]._resolve_his_codes(company, **{self._his_code_kind: records})
