from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from .ihospital_schedule import CLINIC_TYPES, SESSIONS

WEEKDAYS = [
    ("0", "Monday"),
    ("1", "Tuesday"),
    ("2", "Wednesday"),
    ("3", "Thursday"),
    ("4", "Friday"),
    ("5", "Saturday"),
    ("6", "Sunday"),
]


class IhospitalScheduleTemplate(models.Model):
    """A doctor's weekly clinic (doctor x weekday x session) from which
    schedules are generated for a date range or a rolling window."""

    _name = "ihospital.schedule.template"
    _inherit = ["ihospital.clinic.mixin"]
    _description = "Weekly Schedule Template"
    _order = "company_id, department_id, doctor_id, weekday, session"

    active = fields.Boolean(default=True)
    doctor_id = fields.Many2one(required=True)
    weekday = fields.Selection(WEEKDAYS, required=True)
    session = fields.Selection(SESSIONS, required=True, default="morning")
    clinic_type = fields.Selection(CLINIC_TYPES, required=True, default="general")
    currency_id = fields.Many2one(related="company_id.currency_id")
    fee = fields.Monetary(string="Registration Fee")
    capacity = fields.Integer(required=True, default=20)
    slot_minutes = fields.Integer(string="Minutes per Patient", required=True, default=10)
    room = fields.Char()

    _sql_constraints = [
        (
            "doctor_weekday_session_uniq",
            "unique(doctor_id, weekday, session)",
            "A doctor has only one clinic per weekday and session.",
        ),
    ]

    @api.constrains("capacity", "slot_minutes", "fee")
    def _check_numbers(self):
        for template in self:
            if template.capacity < 1 or template.slot_minutes < 1 or template.fee < 0:
                raise ValidationError(
                    _("Capacity and minutes per patient must be positive and the fee cannot be negative.")
                )

    def _schedule_values(self, day):
        self.ensure_one()
        return {
            "company_id": self.company_id.id,
            "department_id": self.department_id.id,
            "doctor_id": self.doctor_id.id,
            "date": day,
            "session": self.session,
            "clinic_type": self.clinic_type,
            "fee": self.fee,
            "capacity": self.capacity,
            "slot_minutes": self.slot_minutes,
            "room": self.room,
            "template_id": self.id,
        }

    def _generate_schedules(self, date_from, date_to, publish=False):
        """Create the missing schedules of these templates between two dates
        (included). Idempotent: existing schedules are left alone."""
        Schedule = self.env["ihospital.schedule"]
        created = Schedule
        existing = {
            (s.doctor_id.id, s.date, s.session)
            for s in Schedule.with_context(active_test=False).search(
                [("doctor_id", "in", self.doctor_id.ids), ("date", ">=", date_from), ("date", "<=", date_to)]
            )
        }
        vals_list = []
        day = date_from
        while day <= date_to:
            for template in self.filtered(lambda t, d=day: t.active and int(t.weekday) == d.weekday()):
                key = (template.doctor_id.id, day, template.session)
                if key not in existing:
                    existing.add(key)
                    vals_list.append(template._schedule_values(day))
            day += timedelta(days=1)
        if vals_list:
            created = Schedule.create(vals_list)
            if publish:
                created.action_publish()
        return created

    @api.model
    def _cron_generate_schedules(self):
        """Keep a rolling window of published schedules: the booking horizon
        of each hospital plus a week."""
        for company in self.env["res.company"].search([("is_hospital", "=", True)]):
            today = company._ihospital_today()
            templates = self.search([("company_id", "=", company.id)])
            horizon = today + timedelta(days=company.booking_days_ahead + 7)
            templates._generate_schedules(today, horizon, publish=True)
