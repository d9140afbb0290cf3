from odoo import fields, models


class IhospitalVisit(models.Model):
    _inherit = "ihospital.visit"

    charge_ids = fields.One2many("ihospital.visit.charge", "visit_id", string="Charge Lines")
