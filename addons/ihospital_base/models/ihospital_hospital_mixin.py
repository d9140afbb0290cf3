from odoo import fields, models


class IhospitalHospitalMixin(models.AbstractModel):
    """A record that belongs to one hospital (company), the current one by
    default; the multi-company record rules keep hospitals apart."""

    _name = "ihospital.hospital.mixin"
    _description = "Belongs to a Hospital"

    company_id = fields.Many2one(
        "res.company",
        string="Hospital",
        required=True,
        index=True,
        default=lambda self: self.env.company,
    )
