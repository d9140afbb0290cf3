from odoo import api, models


class IhospitalHospitalPhone(models.Model):
    """The footer of each hospital's website lists its main service phones:
    its cached layout must follow their changes."""

    _inherit = "ihospital.hospital.phone"

    @api.model_create_multi
    def create(self, vals_list):
        phones = super().create(vals_list)
        self.env.registry.clear_cache("templates")
        return phones

    def write(self, vals):
        res = super().write(vals)
        self.env.registry.clear_cache("templates")
        return res

    def unlink(self):
        res = super().unlink()
        self.env.registry.clear_cache("templates")
        return res
