from odoo import fields, models


class IhospitalHospitalPhone(models.Model):
    """A public service phone number of a hospital (triage, registration...).

    Department phones live on the departments themselves."""

    _name = "ihospital.hospital.phone"
    _inherit = ["ihospital.hospital.mixin"]
    _description = "Hospital Service Phone"
    _order = "sequence, id"

    sequence = fields.Integer(default=10)
    category = fields.Selection(
        [
            ("triage", "Triage"),
            ("registration", "Registration"),
            ("service", "Patient Service"),
            ("complaint", "Complaints"),
            ("emergency", "Emergency"),
            ("other", "Other"),
        ],
        required=True,
        default="service",
    )
    name = fields.Char(string="Label", required=True, translate=True)
    number = fields.Char(required=True)
    hours = fields.Char(string="Service Hours", translate=True)
