from odoo import fields, models


class IhospitalGuideStep(models.Model):
    """One step of a hospital's visit process (就诊流程), shown in order on
    the public service guide."""

    _name = "ihospital.guide.step"
    _inherit = ["ihospital.hospital.mixin"]
    _description = "Visit Process Step"
    _order = "company_id, sequence, id"

    sequence = fields.Integer(default=10)
    name = fields.Char(string="Step", required=True, translate=True)
    content = fields.Html(translate=True, help="What the patient does at this step and where.")
    is_published = fields.Boolean(string="Published", default=True, help="Visible on the public website.")
