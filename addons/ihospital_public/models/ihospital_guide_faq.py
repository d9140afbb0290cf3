from odoo import fields, models


class IhospitalGuideFaq(models.Model):
    """A frequently asked question of a hospital's service guide."""

    _name = "ihospital.guide.faq"
    _inherit = ["ihospital.hospital.mixin"]
    _description = "Service Guide Question"
    _order = "company_id, sequence, id"

    sequence = fields.Integer(default=10)
    name = fields.Char(string="Question", required=True, translate=True)
    answer = fields.Html(translate=True)
    is_published = fields.Boolean(string="Published", default=True, help="Visible on the public website.")
