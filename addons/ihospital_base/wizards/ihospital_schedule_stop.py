from odoo import fields, models


class IhospitalScheduleStop(models.TransientModel):
    _name = "ihospital.schedule.stop"
    _description = "Stop Clinic"

    schedule_id = fields.Many2one("ihospital.schedule", required=True)
    reason = fields.Text(required=True, help="Patients read this in the stop-clinic notice.")

    def action_confirm(self):
        self.schedule_id.action_stop_clinic(self.reason)
        return {"type": "ir.actions.act_window_close"}
