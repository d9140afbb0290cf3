from odoo import api, fields, models

from ..models.ihospital_guard_mixin import CLINIC_STAFF


class IhospitalAppointmentBook(models.TransientModel):
    """Book on a patient's behalf (phone or window)."""

    _name = "ihospital.appointment.book"
    _inherit = ["ihospital.guard.mixin"]
    _description = "Book an Appointment"
    _action_groups = {"action_book": CLINIC_STAFF}

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
        self._check_action("action_book")
        # the clerk books only for patients she or he may see (create/write
        # of this wizard check it too, this holds for a stale wizard)
        self._check_patient_links([{"patient_id": self.patient_id.id}])
        appointment = self.env["ihospital.appointment"]._book(self.schedule_id, self.patient_id, channel=self.channel)
        return {
            "type": "ir.actions.act_window",
            "res_model": "ihospital.appointment",
            "res_id": appointment.id,
            "view_mode": "form",
        }
