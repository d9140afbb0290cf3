from odoo import fields, models


class IhospitalDirectoryCategory(models.Model):
    """A heading of the hospital's own directory (定制通讯录): emergency and
    security, on-call lines, partner hospitals..."""

    _name = "ihospital.directory.category"
    _inherit = ["ihospital.hospital.mixin"]
    _description = "Directory Category"
    _order = "sequence, id"

    name = fields.Char(required=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    entry_ids = fields.One2many("ihospital.directory.entry", "category_id", string="Numbers")

    _sql_constraints = [
        ("name_company_uniq", "unique(company_id, name)", "This directory category already exists in the hospital."),
    ]
