from odoo import models


class IhospitalLabResult(models.Model):
    _inherit = "ihospital.lab.result"

    def write(self, vals):
        res = super().write(vals)
        if {"value", "unit"} & set(vals) and "flag" not in vals:
            # a corrected value under the same flag: its alert follows it
            # (a flag change goes through the report's _alert_critical)
            self.env["ihospital.critical.alert"]._raise_from_lab_results(self)
        return res
