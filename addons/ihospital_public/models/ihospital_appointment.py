from odoo import models


class IhospitalAppointment(models.Model):
    """Appointments are portal documents: a patient opens them under
    /my/appointments, or through a link with an access token."""

    _name = "ihospital.appointment"
    _inherit = ["ihospital.appointment", "portal.mixin"]
    _engine_fields = ("access_token",)

    def _compute_access_url(self):
        for appointment in self:
            appointment.access_url = f"/my/appointments/{appointment.id}"

    def _get_thread_with_access(self, thread_id, mode="read", **kwargs):
        """The token opens the appointment's page only (which has no chat and
        checks when the link expires), never Odoo's /mail/thread routes:
        there only who may read the appointment reaches its thread."""
        kwargs = {key: value for key, value in kwargs.items() if key not in ("token", "hash", "pid")}
        return super()._get_thread_with_access(thread_id, mode, **kwargs)
