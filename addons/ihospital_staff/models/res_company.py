from odoo import api, models


class ResCompany(models.Model):
    _inherit = "res.company"

    @api.model_create_multi
    def create(self, vals_list):
        companies = super().create(vals_list)
        # a new hospital starts with its own copy of the default critical limits
        self.env["ihospital.critical.limit"]._ihospital_seed_defaults(companies)
        return companies

    def write(self, vals):
        result = super().write(vals)
        if vals.get("is_hospital"):
            self.env["ihospital.critical.limit"]._ihospital_seed_defaults(self)
        return result
