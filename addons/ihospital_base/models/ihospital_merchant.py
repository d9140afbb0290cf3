from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


class IhospitalMerchant(models.Model):
    """A merchant near the hospital (pharmacy, food, lodging...)."""

    _name = "ihospital.merchant"
    _inherit = ["ihospital.hospital.mixin"]
    _description = "Nearby Merchant"
    _order = "company_id, distance, id"

    name = fields.Char(required=True)
    category = fields.Selection(
        [
            ("pharmacy", "Pharmacy"),
            ("food", "Food and Drink"),
            ("lodging", "Lodging"),
            ("shop", "Shop"),
            ("bank", "Bank / ATM"),
            ("parking", "Parking"),
            ("other", "Other"),
        ],
        required=True,
        default="other",
    )
    address = fields.Char()
    phone = fields.Char()
    distance = fields.Integer(string="Distance (m)", help="Walking distance in metres.")
    active = fields.Boolean(default=True)

    @api.constrains("distance")
    def _check_distance(self):
        if any(merchant.distance < 0 for merchant in self):
            raise ValidationError(_("A distance cannot be negative."))
