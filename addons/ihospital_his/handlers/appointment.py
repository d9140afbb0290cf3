"""What the HIS says about the platform's appointments: their status
(SIU) and the queue system's calls (叫号)."""

import re

from odoo import _
from odoo.exceptions import UserError, ValidationError

from .common import Handler, HisRetryError, register, waiting_key


@register
class AppointmentStatus(Handler):
    message_type = "appointment.status"

    def process(self, message, data):
        message._require(data, "appointment_ref", "status")
        status = message._enum(data["status"], ["booked", "attended", "cancelled", "no_show"], "status")
        appointment = (
            message.env["ihospital.appointment"]
            .sudo()
            .search([("company_id", "=", message._hospital.id), ("name", "=", data["appointment_ref"])], limit=1)
        )
        if not appointment:
            raise HisRetryError(_("Appointment %s is not known on the platform.", data["appointment_ref"]))
        message.write({"appointment_id": appointment.id, "patient_id": appointment.patient_id.id})
        if data.get("his_ref"):
            appointment.his_ref = data["his_ref"]
        if status == "booked":
            if appointment.his_ref:
                appointment.his_sync_state = "synced"
        elif status == "attended":
            if appointment.state == "booked":
                appointment.action_check_in()
            elif appointment.state not in ("checked_in", "in_consultation", "done"):
                raise UserError(
                    _(
                        "%(name)s cannot be marked attended: it is %(state)s.",
                        name=appointment.name,
                        state=appointment._state_label(),
                    )
                )
        elif status == "cancelled":
            if appointment.state != "cancelled":
                appointment._cancel(by="hospital", reason=data.get("reason") or _("Cancelled in the HIS."))
            appointment.his_sync_state = "cancelled"
        elif appointment.state != "no_show":
            appointment._mark_no_show()
        message._link(appointment, "updated")


@register
class QueueCall(Handler):
    """A number called in a room by the hospital's queue system. The
    platform follows the call when the number belongs to one of its
    checked-in patients; walk-in patients registered at the window are
    not on the platform, so their numbers change nothing here."""

    message_type = "queue.call"

    def process(self, message, data):
        message._require(data, "department_code", "number")
        department = message._department(data["department_code"])
        # queue systems print tickets such as "A019": the number is the trailing digits
        digits = re.search(r"(\d+)\s*$", str(data["number"]))
        number = message._number(digits.group(1) if digits else data["number"], "number", integer=True, minimum=1)
        domain = [
            ("company_id", "=", message._hospital.id),
            ("department_id", "=", department.id),
            ("date", "=", message._today()),
            ("state", "=", "published"),
        ]
        if data.get("schedule_ref"):
            domain.append(("his_ref", "=", data["schedule_ref"]))
        elif data.get("room"):
            domain.append(("room", "=", data["room"]))
        schedules = message.env["ihospital.schedule"].sudo().search(domain)
        if not schedules:
            if data.get("schedule_ref"):
                raise HisRetryError(
                    _(
                        "Schedule %(ref)s of %(department)s today is not known yet (its schedule.upsert may come "
                        "later).",
                        ref=data["schedule_ref"],
                        department=department.name,
                    ),
                    keys=[waiting_key("schedule", data["schedule_ref"])],
                )
            raise ValidationError(
                _("%(department)s has no published clinic today to call a number in.", department=department.name)
            )
        appointments = (
            message.env["ihospital.appointment"]
            .sudo()
            .search(
                [
                    ("schedule_id", "in", schedules.ids),
                    ("queue_number", "=", number),
                    ("state", "in", ("checked_in", "in_consultation")),
                ]
            )
        )
        if len(appointments) > 1:
            raise ValidationError(
                _(
                    "Number %(number)d is in several clinics of %(department)s today: give the room or schedule_ref.",
                    number=number,
                    department=department.name,
                )
            )
        if not appointments:
            return
        message.write({"appointment_id": appointments.id, "patient_id": appointments.patient_id.id})
        appointments._his_call()
        message._link(appointments, "updated")
