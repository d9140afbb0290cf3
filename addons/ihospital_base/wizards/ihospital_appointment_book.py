from odoo import api, fields, models


class IhospitalAppointmentBook(models.TransientModel):
    """Book on a patient's behalf (phone or window)."""

    _name = "ihospital.appointment.book"
    _description = "Book an Appointment"

    schedule_id = fields.Many2one(
        "ihospital.schedule",
        required=True,
        domain="[('state', '=', 'published'), ('date', '>=', context_today().strftime('%Y-%m-%d'))]",
    )
    company_id = fields.Many2one(related="schedule_id.company_id")
    patient_id = fields.Many2one("ihospital.patient", required=True, domain="[('company_id', '=', company_id)]")
    channel = fields.Selection([("phone", "Phone"), ("window", "Window")], required=True, default="window")
    available_count = fields.Integer(related="schedule_id.available_count")

    @api.onchange("schedule_id")
    def _onchange_schedule_id(self):
        if self.patient_id and self.patient_id.company_id != self.schedule_id.company_id:
            self.patient_id = False

    def action_book(self):
        self.ensure_one()
        appointment = self.env["ihospital.appointment"]._book(self.schedule_id, self.patient_id, channel=self.channel)
        return {
            "type": "ir.actions.act_window",
            "res_model": "ihospital.appointment",
            "res_id": appointment.id,
            "view_mode": "form",
        }
