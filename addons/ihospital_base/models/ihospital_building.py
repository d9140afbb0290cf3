from odoo import fields, models


class IhospitalBuilding(models.Model):
    """A building of a hospital campus, with its floors (floor guide)."""

    _name = "ihospital.building"
    _inherit = ["ihospital.hospital.mixin"]
    _description = "Hospital Building"
    _order = "company_id, sequence, id"

    sequence = fields.Integer(default=10)
    name = fields.Char(required=True, translate=True)
    code = fields.Char(help="Short sign name, e.g. 'A' or '门诊楼'.")
    description = fields.Text(translate=True)
    floor_ids = fields.One2many("ihospital.floor", "building_id", string="Floors")
    active = fields.Boolean(default=True)
