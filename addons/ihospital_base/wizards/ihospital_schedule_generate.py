from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..models.ihospital_guard_mixin import ADMIN


class IhospitalScheduleGenerate(models.TransientModel):
    """Generate schedules from weekly templates for a date range."""

    _name = "ihospital.schedule.generate"
    _inherit = ["ihospital.guard.mixin"]
    _description = "Generate Schedules"
    _action_groups = {"action_generate": (ADMIN,)}

    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company)
    date_from = fields.Date(required=True, default=fields.Date.context_today)
    date_to = fields.Date(required=True)
    department_ids = fields.Many2many(
        "hr.department", string="Departments", domain="[('company_id', '=', company_id), ('is_clinical', '=', True)]"
    )
    publish = fields.Boolean(default=True)

    @api.constrains("date_from", "date_to")
    def _check_dates(self):
        for wizard in self:
            if wizard.date_to < wizard.date_from:
                raise UserError(_("The end date comes before the start date."))
            if (wizard.date_to - wizard.date_from).days > 92:
                raise UserError(_("Generate at most three months at a time."))

    def action_generate(self):
        self.ensure_one()
        self._check_action("action_generate")
        domain = [("company_id", "=", self.company_id.id)]
        if self.department_ids:
            domain.append(("department_id", "in", self.department_ids.ids))
        templates = self.env["ihospital.schedule.template"].search(domain)
        if not templates:
            raise UserError(_("No weekly template matches: create templates first."))
        schedules = templates._generate_schedules(self.date_from, self.date_to, publish=self.publish)
        return {
            "type": "ir.actions.act_window",
            "name": _("Generated Schedules"),
            "res_model": "ihospital.schedule",
            "view_mode": "list,form",
            "domain": [("id", "in", schedules.ids)],
        }
