from odoo import models


class ResCompany(models.Model):
    _inherit = "res.company"

    def _ihospital_map_links(self):
        """(provider name, URL) of every active map provider for this hospital."""
        self.ensure_one()
        providers = self.env["ihospital.map.provider"].sudo().search([])
        links = [(provider.name, provider._url_for(self)) for provider in providers]
        return [(name, url) for name, url in links if url]
