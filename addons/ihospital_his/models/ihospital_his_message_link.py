from odoo import _, api, fields, models
from odoo.addons.ihospital_base.models.ihospital_guard_mixin import VIEW_ONLY


class IhospitalHisMessageLink(models.Model):
    """A record an inbound message created or changed."""

    _name = "ihospital.his.message.link"
    _inherit = ["ihospital.guard.mixin"]
    _description = "HIS Message Record"
    _patient_link_fields = ()
    _action_groups = {"action_open": VIEW_ONLY}
    _order = "message_id, id"

    message_id = fields.Many2one("ihospital.his.message", required=True, index=True, ondelete="cascade")
    company_id = fields.Many2one(related="message_id.company_id", store=True, index=True)
    res_model = fields.Char(string="Model", required=True)
    res_id = fields.Integer(string="Record ID", required=True)
    res_ref = fields.Reference(selection="_selection_res_model", string="Record", compute="_compute_res_ref")
    operation = fields.Selection([("created", "Created"), ("updated", "Updated")], required=True)

    @api.model
    def _selection_res_model(self):
        return [(model.model, model.name) for model in self.env["ir.model"].sudo().search([("transient", "=", False)])]

    @api.depends("res_model", "res_id")
    def _compute_res_ref(self):
        for link in self:
            link.res_ref = f"{link.res_model},{link.res_id}" if link.res_model in self.env else False

    def action_open(self):
        self.ensure_one()
        self._check_action("action_open")
        return {
            "type": "ir.actions.act_window",
            "name": _("Record"),
            "res_model": self.res_model,
            "res_id": self.res_id,
            "view_mode": "form",
            "target": "current",
        }
