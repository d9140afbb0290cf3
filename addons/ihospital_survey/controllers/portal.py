"""The patient's follow-up in the portal: the care messages and the pending
surveys (with their personal links) of the patients the signed-in account
manages, and the switch that stops the follow-up messages. Sudo on an
explicit domain: the patients whose link the hospital confirmed for this
account, and only those."""

from odoo import _, fields, http
from odoo.addons.portal.controllers.portal import CustomerPortal
from odoo.http import request

# how long a care message stays in the portal list
SHOWN_DAYS = 90


class IhospitalFollowupPortal(CustomerPortal):
    def _ihospital_followup_patients(self):
        """The patients the signed-in account manages (links the hospital
        confirmed), sudo."""
        links = (
            request.env["ihospital.patient.account"]
            .sudo()
            .search([("user_id", "=", request.env.user.id), ("state", "=", "confirmed")])
        )
        return links.patient_id

    def _ihospital_followup_list_domain(self, patients):
        since = fields.Datetime.subtract(fields.Datetime.now(), days=SHOWN_DAYS)
        return [
            ("patient_id", "in", patients.ids),
            ("state", "in", ("sent", "answered")),
            ("sent_at", ">=", since),
        ]

    def _ihospital_followup_pending_domain(self, patients):
        return [
            ("patient_id", "in", patients.ids),
            ("state", "=", "sent"),
            ("user_input_id", "!=", False),
            ("expires_at", ">", fields.Datetime.now()),
        ]

    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        if "ihospital_followup_count" in counters:
            patients = self._ihospital_followup_patients()
            values["ihospital_followup_count"] = (
                request.env["ihospital.followup.message"]
                .sudo()
                .search_count(self._ihospital_followup_pending_domain(patients))
                if patients
                else 0
            )
        return values

    @http.route("/my/followups", type="http", auth="user", website=True)
    def portal_my_followups(self, **kwargs):
        patients = self._ihospital_followup_patients()
        Message = request.env["ihospital.followup.message"].sudo()
        messages = Message.search(
            self._ihospital_followup_list_domain(patients), order="sent_at desc, id desc", limit=100
        )
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "page_name": "ihospital_followups",
                "patients": patients,
                "followup_messages": messages,
                "pending": messages.filtered_domain(self._ihospital_followup_pending_domain(patients)),
                "saved": kwargs.get("saved"),
            }
        )
        return request.render("ihospital_survey.portal_my_followups", values)

    @http.route("/my/followups/opt_out", type="http", auth="user", website=True, methods=["POST"])
    def portal_followup_opt_out(self, patient_id=None, opt_out=None, **kwargs):
        """Switch a managed patient's follow-up messages off (or on again)."""
        try:
            patient_id = int(patient_id or 0)
        except ValueError:
            patient_id = 0
        patient_sudo = self._ihospital_followup_patients().filtered(lambda patient: patient.id == patient_id)
        if not patient_sudo:
            return request.render(
                "http_routing.http_error",
                {"status_code": _("Not found"), "status_message": _("This patient is not one of your patients.")},
                status=404,
            )
        patient_sudo.write({"followup_opt_out": opt_out in ("1", "on", "true")})
        return request.redirect("/my/followups?saved=1")
