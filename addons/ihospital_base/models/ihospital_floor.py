from odoo import fields, models


class IhospitalFloor(models.Model):
    """One floor of a building and what is on it (floor guide)."""

    _name = "ihospital.floor"
    _description = "Building Floor"
    _order = "building_id, level desc, id"

    building_id = fields.Many2one("ihospital.building", required=True, index=True, ondelete="cascade")
    company_id = fields.Many2one(related="building_id.company_id", store=True, index=True)
    level = fields.Integer(required=True, help="Negative for basements.")
    name = fields.Char(required=True, translate=True, help="e.g. '3F' or 'B1'.")
    content = fields.Text(
        string="What Is Here",
        translate=True,
        help="Departments, pharmacies, labs and services on this floor.",
    )
    department_ids = fields.One2many("hr.department", "floor_id", string="Departments")

    _sql_constraints = [
        ("level_building_uniq", "unique(building_id, level)", "A building has only one floor at each level."),
    ]

    def _compute_display_name(self):
        for floor in self:
            floor.display_name = f"{floor.building_id.name} {floor.name}"
