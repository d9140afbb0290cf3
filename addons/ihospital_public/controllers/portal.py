from odoo import _, http
from odoo.addons.portal.controllers.portal import CustomerPortal
from odoo.exceptions import AccessError, MissingError, UserError
from odoo.http import request


class IhospitalPortal(CustomerPortal):
    """Patient portal routes. Booking is the route the portal's booking page
    calls (JSON-RPC, so the browser's JSON content type keeps it out of reach
    of cross-site forms) and the one the booking benchmark loads."""

    def _ihospital_managed_patient(self, patient_id):
        """The patient, if the signed-in account manages it (record rules
        decide); raises AccessError otherwise."""
        patient = request.env["ihospital.patient"].browse(int(patient_id)).exists()
        if not patient:
            raise MissingError(_("This patient does not exist."))
        patient.check_access("read")
        return patient

    @http.route("/my/ihospital/book", type="json", auth="user", methods=["POST"])
    def ihospital_book(self, schedule_id=None, patient_id=None, **kwargs):
        """Book a released slot for one of the account's patients. Always
        answers {"ok": true, ...} or {"ok": false, "error": sentence}."""
        try:
            schedule_id, patient_id = int(schedule_id), int(patient_id)
        except (TypeError, ValueError):
            return {"ok": False, "error": _("Choose a clinic and a patient.")}
        try:
            patient = self._ihospital_managed_patient(patient_id)
            # sudo: public clinic data; _book re-checks every booking rule
            schedule_sudo = request.env["ihospital.schedule"].sudo().browse(schedule_id).exists()
            if not schedule_sudo or schedule_sudo.company_id != patient.company_id:
                return {"ok": False, "error": _("This clinic cannot be booked.")}
            appointment = request.env["ihospital.appointment"]._book(
                schedule_sudo, patient.sudo(), channel="portal", user=request.env.user
            )
        except (AccessError, MissingError):
            return {"ok": False, "error": _("You do not manage this patient.")}
        except UserError as error:
            return {"ok": False, "error": error.args[0]}
        appointment_sudo = appointment.sudo()
        return {
            "ok": True,
            "appointment_id": appointment_sudo.id,
            "reference": appointment_sudo.name,
            "state": appointment_sudo.state,
            "number": appointment_sudo.number,
            "fee": appointment_sudo.fee,
            "hold_expires_at": appointment_sudo.hold_expires_at and appointment_sudo.hold_expires_at.isoformat(),
        }
