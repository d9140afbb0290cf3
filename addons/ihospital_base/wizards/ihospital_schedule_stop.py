from odoo import fields, models

from ..models.ihospital_guard_mixin import ADMIN, HEAD


class IhospitalScheduleStop(models.TransientModel):
    _name = "ihospital.schedule.stop"
    _inherit = ["ihospital.guard.mixin"]
    _description = "Stop Clinic"
    # the schedule's action_stop_clinic checks the role and the department
    _action_groups = {"action_confirm": (HEAD, ADMIN)}

    schedule_id = fields.Many2one("ihospital.schedule", required=True)
    reason = fields.Text(required=True, help="Patients read this in the stop-clinic notice.")

    def action_confirm(self):
        self.schedule_id.action_stop_clinic(self.reason)
        return {"type": "ir.actions.act_window_close"}
