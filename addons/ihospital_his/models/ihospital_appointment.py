import pytz

from odoo import api, fields, models

from ..handlers import HIS_INBOUND

SYNC_STATES = [
    ("to_send", "To Send"),
    ("queued", "Queued"),
    ("synced", "Confirmed by HIS"),
    ("rejected", "Refused by HIS"),
    ("to_cancel", "Cancellation To Send"),
    ("cancel_queued", "Cancellation Queued"),
    ("cancelled", "Cancelled in HIS"),
]
GATEWAY_GROUP = "ihospital_his.group_his_gateway"


class IhospitalAppointment(models.Model):
    """Bookings are sent to the hospital's HIS (booking.create /
    booking.cancel) through the message log; the flags below tell the
    outbound cron what is left to queue."""

    _inherit = "ihospital.appointment"
    _engine_fields = ("his_ref", "his_sync_state")

    his_ref = fields.Char(string="HIS Appointment Number", index=True, copy=False, readonly=True)
    his_sync_state = fields.Selection(SYNC_STATES, string="HIS Sync", index=True, copy=False, readonly=True)
    his_message_ids = fields.One2many(
        "ihospital.his.message", "appointment_id", string="HIS Messages", groups="ihospital_base.group_director"
    )

    @api.model_create_multi
    def create(self, vals_list):
        # A booking is flagged for the HIS in its INSERT (not by a second
        # write); the same rule as _his_flag_outbound.
        flagged = False
        if not HIS_INBOUND.get():
            Endpoint, Company = self.env["ihospital.his.endpoint"], self.env["res.company"]
            for vals in vals_list:
                if (
                    vals.get("state") == "booked"
                    and not vals.get("his_sync_state")
                    and vals.get("channel", "portal") != "his"
                    and Endpoint._outbound_endpoint(Company.browse(vals.get("company_id")), "booking.create")
                ):
                    vals["his_sync_state"] = "to_send"
                    flagged = True
        appointments = super().create(vals_list)
        if flagged:
            self._wake_outbound_cron()
        return appointments

    def write(self, vals):
        res = super().write(vals)
        if "state" in vals:
            self._his_flag_outbound()
        return res

    def _his_flag_outbound(self):
        """Flag bookings and cancellations for the HIS, and wake the outbound
        cron so that they leave within seconds. Changes the HIS made itself
        are not echoed back; without an endpoint nothing is flagged."""
        if HIS_INBOUND.get():
            return
        Endpoint = self.env["ihospital.his.endpoint"]
        flagged = self.browse()
        for appointment in self.sudo():
            state, sync = appointment.state, appointment.his_sync_state
            if state == "booked" and not sync and appointment.channel != "his":
                if Endpoint._outbound_endpoint(appointment.company_id, "booking.create"):
                    appointment.his_sync_state = "to_send"
                    flagged |= appointment
            elif state == "cancelled" and sync in ("queued", "synced"):
                appointment.his_sync_state = "to_cancel"
                flagged |= appointment
            elif state in ("cancelled", "expired") and sync == "to_send":
                appointment.his_sync_state = False
        if flagged:
            self._wake_outbound_cron()

    @api.model
    def _wake_outbound_cron(self):
        self.env["ir.cron"]._ihospital_trigger("ihospital_his.ir_cron_his_build_outbound")

    def _refund(self):
        # A refund the HIS caused must not leave a "refund by hand" to-do
        # with the integration user, who never logs in.
        if self.env.user.has_group(GATEWAY_GROUP):
            return super(IhospitalAppointment, self.with_user(self.env.ref("base.user_admin")).sudo())._refund()
        return super()._refund()

    def _his_call(self):
        """The HIS called this patient in (queue.call): the same change as
        the calling console's call / recall, pushed to the screens."""
        self.ensure_one()
        schedule = self.schedule_id
        now = fields.Datetime.now()
        if schedule.current_appointment_id == self and self.queue_state == "called":
            self.write({"recall_count": self.recall_count + 1, "called_at": now})
        elif self.queue_state in ("waiting", "skipped", "called"):
            self.write({"queue_state": "called", "called_at": now, "queue_priority": 0})
            schedule.current_appointment_id = self
            self._notify_turn_near()
        schedule._notify_queue()

    def _his_booking_data(self):
        self.ensure_one()
        appointment = self.sudo()
        schedule = appointment.schedule_id
        tz = pytz.timezone(appointment.company_id.hospital_tz or "Asia/Shanghai")
        start = pytz.utc.localize(appointment.start).astimezone(tz).isoformat() if appointment.start else ""
        return {
            "appointment_ref": appointment.name,
            "schedule_ref": schedule.his_ref or "",
            "department_code": appointment.department_id.his_code or "",
            "doctor_code": appointment.doctor_id.his_code or "",
            "date": fields.Date.to_string(appointment.date),
            "session": schedule.session,
            "number": appointment.number,
            "start": start,
            "fee": appointment.fee,
            "paid": appointment.payment_state == "paid",
            "patient": appointment.patient_id._his_patient_data(),
        }

    def _his_cancel_data(self):
        self.ensure_one()
        return {
            "appointment_ref": self.name,
            "his_ref": self.his_ref or "",
            "reason": self.cancel_reason or "",
            "cancelled_by": self.cancelled_by or "patient",
        }

    @api.model
    def _his_build_outbound(self, limit=200):
        """Queue booking.create / booking.cancel (and patient.sync for
        patients the HIS does not know yet) for flagged appointments.
        Idempotent: the message log is checked, never two of a kind."""
        Endpoint = self.env["ihospital.his.endpoint"]
        Message = self.env["ihospital.his.message"].sudo()
        for appointment in self.sudo().search(
            [("his_sync_state", "in", ("to_send", "to_cancel"))], order="id", limit=limit
        ):
            sent = Message.search(
                [
                    ("appointment_id", "=", appointment.id),
                    ("direction", "=", "out"),
                    ("message_type", "=", "booking.create"),
                ],
                limit=1,
            )
            if appointment.his_sync_state == "to_send":
                endpoint = Endpoint._outbound_endpoint(appointment.company_id, "booking.create")
                if not endpoint:
                    appointment.his_sync_state = False
                    continue
                if not sent:
                    appointment._his_queue_patient_sync()
                    Message._queue_outbound(
                        endpoint, "booking.create", appointment._his_booking_data(), appointment=appointment
                    )
                appointment.his_sync_state = "queued"
            else:
                cancelled = Message.search_count(
                    [
                        ("appointment_id", "=", appointment.id),
                        ("direction", "=", "out"),
                        ("message_type", "=", "booking.cancel"),
                    ]
                )
                if sent and not cancelled:
                    Message._queue_outbound(
                        sent.endpoint_id, "booking.cancel", appointment._his_cancel_data(), appointment=appointment
                    )
                appointment.his_sync_state = "cancel_queued"

    def _his_queue_patient_sync(self):
        """patient.sync before the booking, for a patient registered on the
        platform that the HIS does not know (no HIS patient id)."""
        self.ensure_one()
        patient = self.patient_id
        if patient.his_patient_id:
            return
        endpoint = self.env["ihospital.his.endpoint"]._outbound_endpoint(self.company_id, "patient.sync")
        Message = self.env["ihospital.his.message"].sudo()
        if endpoint and not Message.search_count(
            [
                ("patient_id", "=", patient.id),
                ("direction", "=", "out"),
                ("message_type", "=", "patient.sync"),
                ("state", "in", ("queued", "sent", "failed")),
            ]
        ):
            Message._queue_outbound(endpoint, "patient.sync", {"patient": patient._his_patient_data()}, patient=patient)
