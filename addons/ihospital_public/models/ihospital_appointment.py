from odoo import models


class IhospitalAppointment(models.Model):
    """Appointments are portal documents: a patient opens them under
    /my/appointments, or through a link with an access token."""

    _name = "ihospital.appointment"
    _inherit = ["ihospital.appointment", "portal.mixin"]

    def _compute_access_url(self):
        for appointment in self:
            appointment.access_url = f"/my/appointments/{appointment.id}"
