"""Clinic schedules (排班) the HIS publishes or stops."""

from odoo import _, models
from odoo.exceptions import UserError

from .common import Handler, HisRetryError, items_of, register, waiting_key


@register
class ScheduleUpsert(Handler):
    message_type = "schedule.upsert"

    def provided_keys(self, env, data):
        items = items_of(data)
        refs = [item.get("ref") for item in items] if items else [data.get("ref")]
        return [waiting_key("schedule", ref) for ref in refs if ref]

    def process(self, message, data):
        message._require(data, "ref", "department_code", "doctor_code", "date", "session", "capacity")
        hospital = message._hospital
        department = message._department(data["department_code"])
        doctor = message._doctor(data["doctor_code"])
        schedule_model = message.env["ihospital.schedule"]
        sessions = [key for key, _label in schedule_model._fields["session"].selection]
        clinic_types = [key for key, _label in schedule_model._fields["clinic_type"].selection]
        vals = {
            "department_id": department.id,
            "doctor_id": doctor.id,
            "date": message._date(data["date"], "date"),
            "session": message._enum(data["session"], sessions, "session"),
            "clinic_type": message._enum(data.get("clinic_type") or "general", clinic_types, "clinic_type"),
            "fee": message._number(data.get("fee") or 0, "fee", minimum=0),
            "room": data.get("room") or False,
        }
        if data.get("slot_minutes"):
            vals["slot_minutes"] = message._number(data["slot_minutes"], "slot_minutes", integer=True, minimum=1)
        capacity = message._number(data["capacity"], "capacity", integer=True, minimum=1)
        Schedule = schedule_model.sudo()
        schedule = Schedule.search([("company_id", "=", hospital.id), ("his_ref", "=", data["ref"])], limit=1)
        if not schedule:
            # a clinic entered in the back office before the HIS was connected: the HIS takes it over
            schedule = Schedule.search(
                [
                    ("company_id", "=", hospital.id),
                    ("doctor_id", "=", doctor.id),
                    ("date", "=", vals["date"]),
                    ("session", "=", vals["session"]),
                    ("his_ref", "=", False),
                    ("state", "in", ("draft", "published")),
                ],
                limit=1,
            )
            if schedule:
                schedule.write({"his_ref": data["ref"], "source": "his"})
        if not schedule:
            schedule = Schedule.create(
                dict(vals, capacity=capacity, company_id=hospital.id, source="his", his_ref=data["ref"])
            )
            if schedule.date >= message._today():
                schedule.action_publish()
            message._link(schedule, "created")
            return
        if schedule.state in ("stopped", "cancelled"):
            raise UserError(
                _(
                    "Schedule %(ref)s is %(state)s on the platform and cannot change; send a new reference.",
                    ref=data["ref"],
                    state=dict(schedule._fields["state"]._description_selection(message.env))[schedule.state],
                )
            )
        changes = {}
        for key, value in vals.items():
            current = schedule[key]
            current = current.id if isinstance(current, models.BaseModel) else current
            if current != value:
                changes[key] = value
        if schedule.state != "draft" and schedule.slot_ids:
            # numbers already given out keep their times: patients were told them
            changes.pop("slot_minutes", None)
        if changes:
            schedule.write(changes)
        schedule._his_set_capacity(capacity)
        message._link(schedule, "updated")


@register
class ScheduleStop(Handler):
    message_type = "schedule.stop"

    def process(self, message, data):
        message._require(data, "ref", "reason")
        schedule = (
            message.env["ihospital.schedule"]
            .sudo()
            .search([("company_id", "=", message._hospital.id), ("his_ref", "=", data["ref"])], limit=1)
        )
        if not schedule:
            raise HisRetryError(
                _("Schedule %s is not known yet (its schedule.upsert may come later).", data["ref"]),
                keys=[waiting_key("schedule", data["ref"])],
            )
        if schedule.state == "draft":
            schedule.action_cancel()
        elif schedule.state == "published":
            schedule.action_stop_clinic(data["reason"])
        message._link(schedule, "updated")
