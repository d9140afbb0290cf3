from odoo import models

# What the websites' cached header and footer show of their hospital
LAYOUT_FIELDS = {
    "name",
    "logo",
    "phone",
    "email",
    "street",
    "street2",
    "city",
    "hospital_grade",
    "hospital_opening_hours",
}


class ResCompany(models.Model):
    _inherit = "res.company"

    def write(self, vals):
        res = super().write(vals)
        if LAYOUT_FIELDS & set(vals):
            # the header and footer are cached per website (t-cache)
            self.env.registry.clear_cache("templates")
        return res

    def _ihospital_map_links(self):
        """(provider name, URL) of every active map provider for this hospital."""
        self.ensure_one()
        providers = self.env["ihospital.map.provider"].sudo().search([])
        links = [(provider.name, provider._url_for(self)) for provider in providers]
        return [(name, url) for name, url in links if url]
