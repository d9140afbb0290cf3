from odoo import fields, models


class IhospitalVisitCharge(models.Model):
    """A charge line (费用明细) of a visit, as the HIS billed it."""

    _name = "ihospital.visit.charge"
    _inherit = ["ihospital.audited.mixin"]
    _description = "Visit Charge"
    _order = "visit_id, sequence, id"

    visit_id = fields.Many2one("ihospital.visit", required=True, index=True, ondelete="cascade")
    company_id = fields.Many2one(related="visit_id.company_id", store=True, index=True)
    currency_id = fields.Many2one(related="visit_id.currency_id")
    sequence = fields.Integer(default=10)
    code = fields.Char()
    name = fields.Char(string="Item", required=True)
    category = fields.Char()
    quantity = fields.Float(default=1.0, digits=(16, 2))
    unit_price = fields.Monetary()
    amount = fields.Monetary(required=True)
    insurance_amount = fields.Monetary(string="Insurance Covered")
