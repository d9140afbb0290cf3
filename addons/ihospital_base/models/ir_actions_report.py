from odoo import models


class IrActionsReport(models.Model):
    _inherit = "ir.actions.report"

    def _render_qweb_pdf(self, report_ref, res_ids=None, data=None):
        self._ihospital_log_print(report_ref, res_ids)
        return super()._render_qweb_pdf(report_ref, res_ids=res_ids, data=data)

    def _render_qweb_html(self, report_ref, docids, data=None):
        self._ihospital_log_print(report_ref, docids)
        return super()._render_qweb_html(report_ref, docids, data=data)

    def _ihospital_log_print(self, report_ref, res_ids):
        report = self._get_report(report_ref)
        Model = self.env.get(report.model)
        if Model is not None and res_ids and isinstance(Model, self.env.registry["ihospital.audited.mixin"]):
            self.env["ihospital.access.log"]._log(Model.browse(res_ids), "print", report.report_name)
