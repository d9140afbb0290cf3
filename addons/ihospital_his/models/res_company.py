from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    his_code = fields.Char(
        string="HIS Hospital Code",
        copy=False,
        help="The hospital's code in its HIS (master.hospital messages must carry it).",
    )
    his_endpoint_ids = fields.One2many("ihospital.his.endpoint", "company_id", string="HIS Endpoints")
