from urllib.parse import quote

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

PLACEHOLDERS = ("lat", "lng", "name", "address")


class IhospitalMapProvider(models.Model):
    """A map service (高德, 百度, 腾讯...) whose marker link the navigation page
    offers, built from a URL template and the hospital's coordinates."""

    _name = "ihospital.map.provider"
    _description = "Map Provider"
    _order = "sequence, id"

    sequence = fields.Integer(default=10)
    name = fields.Char(required=True, translate=True)
    url_template = fields.Char(
        string="URL Template",
        required=True,
        help="Link to a map marker. Placeholders: {lat}, {lng} (the hospital's coordinates, "
        "GCJ-02 as Chinese map services use them), {name} and {address}.",
    )
    active = fields.Boolean(default=True)

    @api.constrains("url_template")
    def _check_url_template(self):
        for provider in self:
            if not provider.url_template.startswith(("https://", "http://")):
                raise ValidationError(_("A map link must start with https:// or http://."))
            if "{lat}" not in provider.url_template or "{lng}" not in provider.url_template:
                raise ValidationError(_("A map link needs the {lat} and {lng} placeholders."))

    def _url_for(self, company):
        """The provider's link to the hospital `company` on the map, or False
        when the hospital has no coordinates."""
        self.ensure_one()
        if not (company.hospital_latitude or company.hospital_longitude):
            return False
        address = " ".join(part for part in (company.city, company.street) if part)
        values = {
            "lat": f"{company.hospital_latitude:.7f}",
            "lng": f"{company.hospital_longitude:.7f}",
            "name": company.name or "",
            "address": address,
        }
        url = self.url_template
        # replace the known placeholders only: a stray brace in a template
        # must not break the page as str.format would
        for key in PLACEHOLDERS:
            url = url.replace("{%s}" % key, quote(values[key], safe=",.-"))
        return url
