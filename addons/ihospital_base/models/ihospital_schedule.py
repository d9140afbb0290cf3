import math
from datetime import datetime, time, timedelta

import pytz

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import SQL

from .ihospital_guard_mixin import ADMIN, DOCTOR, HEAD, NURSE

SESSIONS = [("morning", "Morning"), ("afternoon", "Afternoon"), ("evening", "Evening")]
# Session hours in the hospital's time zone.
SESSION_HOURS = {"morning": (8.0, 12.0), "afternoon": (14.0, 17.5), "evening": (18.0, 21.0)}
CLINIC_TYPES = [("general", "General"), ("expert", "Expert"), ("special", "Special Needs")]
ACTIVE_APPOINTMENT_STATES = ("held", "booked", "checked_in", "in_consultation")


def local_to_utc(day, hours, tz_name):
    """Naive UTC datetime of `hours` (e.g. 8.5) on `day` in time zone `tz_name`."""
    tz = pytz.timezone(tz_name or "Asia/Shanghai")
    minutes = round(hours * 60)
    local = tz.localize(datetime.combine(day, time(minutes // 60, minutes % 60)))
    return local.astimezone(pytz.utc).replace(tzinfo=None)


class IhospitalSchedule(models.Model):
    """A doctor's clinic session on one day (排班), whose slots (号源) are
    released for booking at a set time (放号)."""

    _name = "ihospital.schedule"
    _description = "Clinic Schedule"
    _inherit = ["ihospital.guard.mixin", "ihospital.clinic.mixin", "mail.thread", "mail.activity.mixin"]
    _order = "date desc, session, department_id, doctor_id"
    _patient_link_fields = ()
    _engine_fields = ("state", "stop_reason", "queue_last_number", "current_appointment_id", "slot_ids")
    _action_groups = {
        "action_publish": (ADMIN,),
        "action_cancel": (ADMIN,),
        "action_reset_to_draft": (ADMIN,),
        "action_open_stop_wizard": (HEAD, ADMIN),
        "action_stop_clinic": (HEAD, ADMIN),
        "action_call_next": (NURSE, DOCTOR),
        "action_recall": (NURSE, DOCTOR),
    }
    # What the clinic's nurses and doctors may edit themselves (their write
    # right exists for running the queue); the rest is the administrators'.
    _clinic_staff_fields = ("room",)

    name = fields.Char(compute="_compute_name", store=True)
    department_id = fields.Many2one(tracking=True)
    doctor_id = fields.Many2one(required=True, tracking=True)
    date = fields.Date(required=True, index=True, tracking=True)
    session = fields.Selection(SESSIONS, required=True, default="morning", tracking=True)
    clinic_type = fields.Selection(CLINIC_TYPES, required=True, default="general", tracking=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    fee = fields.Monetary(string="Registration Fee", tracking=True)
    capacity = fields.Integer(required=True, default=20, tracking=True)
    slot_minutes = fields.Integer(string="Minutes per Patient", required=True, default=10)
    room = fields.Char(tracking=True)
    state = fields.Selection(
        [("draft", "Draft"), ("published", "Published"), ("stopped", "Clinic Stopped"), ("cancelled", "Cancelled")],
        required=True,
        default="draft",
        tracking=True,
        copy=False,
    )
    stop_reason = fields.Text(tracking=True, copy=False)
    release_override = fields.Boolean(
        string="Own Release Time", help="Release this schedule at its own time instead of the hospital's rule."
    )
    release_at_manual = fields.Datetime(string="Release At (own)")
    release_at = fields.Datetime(compute="_compute_release_at", store=True, index=True)
    session_start = fields.Datetime(compute="_compute_session_times", store=True)
    session_end = fields.Datetime(compute="_compute_session_times", store=True)
    source = fields.Selection([("manual", "Manual"), ("his", "HIS")], required=True, default="manual")
    his_ref = fields.Char(string="HIS Reference", index=True, copy=False)
    template_id = fields.Many2one("ihospital.schedule.template", copy=False, index=True)
    slot_ids = fields.One2many("ihospital.slot", "schedule_id", string="Slots", copy=False)
    appointment_ids = fields.One2many("ihospital.appointment", "schedule_id", string="Appointments")
    booked_count = fields.Integer(compute="_compute_counts")
    available_count = fields.Integer(string="Available", compute="_compute_counts")
    # The queue of this doctor-session (叫号)
    queue_last_number = fields.Integer(string="Last Queue Number", readonly=True, copy=False)
    current_appointment_id = fields.Many2one("ihospital.appointment", string="Being Called", readonly=True, copy=False)
    current_number = fields.Integer(related="current_appointment_id.queue_number", string="Number Being Called")
    waiting_count = fields.Integer(compute="_compute_queue")
    avg_consultation_minutes = fields.Float(compute="_compute_queue")

    _sql_constraints = [
        ("his_ref_uniq", "unique(company_id, his_ref)", "This HIS reference is already used by another schedule."),
    ]

    @api.depends("doctor_id.name", "date", "session")
    def _compute_name(self):
        labels = dict(self._fields["session"]._description_selection(self.env))
        for schedule in self:
            schedule.name = f"{schedule.doctor_id.name or ''} {schedule.date or ''} {labels.get(schedule.session, '')}"

    @api.depends("date", "session", "company_id.hospital_tz")
    def _compute_session_times(self):
        for schedule in self:
            if not schedule.date:
                schedule.session_start = schedule.session_end = False
                continue
            start, end = SESSION_HOURS[schedule.session]
            tz = schedule.company_id.hospital_tz
            schedule.session_start = local_to_utc(schedule.date, start, tz)
            schedule.session_end = local_to_utc(schedule.date, end, tz)

    @api.depends(
        "date",
        "release_override",
        "release_at_manual",
        "company_id.booking_days_ahead",
        "company_id.booking_release_time",
        "company_id.hospital_tz",
    )
    def _compute_release_at(self):
        for schedule in self:
            company = schedule.company_id
            if schedule.release_override and schedule.release_at_manual:
                schedule.release_at = schedule.release_at_manual
            elif schedule.date:
                day = schedule.date - timedelta(days=company.booking_days_ahead)
                schedule.release_at = local_to_utc(day, company.booking_release_time, company.hospital_tz)
            else:
                schedule.release_at = False

    @api.depends("slot_ids.booked_count", "slot_ids.capacity")
    def _compute_counts(self):
        for schedule in self:
            booked = sum(schedule.slot_ids.mapped("booked_count"))
            schedule.booked_count = booked
            schedule.available_count = sum(schedule.slot_ids.mapped("capacity")) - booked

    def _waiting_appointments(self):
        """Patients waiting in this doctor-session's queue, in calling order:
        re-queued patients first, then by queue number."""
        self.ensure_one()
        return self.appointment_ids.filtered(lambda a: a.queue_state == "waiting").sorted(
            lambda a: (-a.queue_priority, a.queue_number)
        )

    def _compute_queue(self):
        for schedule in self:
            appointments = schedule.appointment_ids
            schedule.waiting_count = len(schedule._waiting_appointments())
            done = appointments.filtered(lambda a: a.started_at and a.finished_at).sorted("finished_at")[-10:]
            if done:
                total = sum((a.finished_at - a.started_at).total_seconds() for a in done)
                # at least a minute: a consultation closed by mistake right
                # after it started must not make waits look like zero
                schedule.avg_consultation_minutes = max(total / len(done) / 60, 1.0)
            else:
                schedule.avg_consultation_minutes = schedule.slot_minutes

    @api.constrains("capacity", "slot_minutes", "fee")
    def _check_numbers(self):
        for schedule in self:
            if schedule.capacity < 1 or schedule.slot_minutes < 1:
                raise ValidationError(_("Capacity and minutes per patient must be positive."))
            if schedule.fee < 0:
                raise ValidationError(_("A registration fee cannot be negative."))

    @api.constrains("doctor_id", "date", "session", "state")
    def _check_one_clinic_per_session(self):
        for schedule in self.filtered(lambda s: s.state != "cancelled"):
            if self.search_count(
                [
                    ("id", "!=", schedule.id),
                    ("doctor_id", "=", schedule.doctor_id.id),
                    ("date", "=", schedule.date),
                    ("session", "=", schedule.session),
                    ("state", "!=", "cancelled"),
                ]
            ):
                raise ValidationError(
                    _(
                        "%(doctor)s already has a clinic on %(date)s in that session.",
                        doctor=schedule.doctor_id.name,
                        date=schedule.date,
                    )
                )

    def _check_guarded_vals(self, vals_list, creating=False):
        super()._check_guarded_vals(vals_list, creating=creating)
        if self.env.su or self.env.user.has_group(ADMIN):
            return
        written = set().union(*vals_list) - set(self._clinic_staff_fields)
        if written:
            raise AccessError(_("Only administrators plan clinics; you may change the room of your clinics."))

    def write(self, vals):
        locked = {"date", "session", "doctor_id", "capacity", "slot_minutes", "company_id"}
        if locked & set(vals) and self.filtered(lambda s: s.state != "draft" and s.slot_ids):
            raise UserError(
                _(
                    "A published schedule's day, session, doctor and capacity cannot change; "
                    "stop the clinic and publish a new schedule instead."
                )
            )
        return super().write(vals)

    # ------------------------------------------------------------------ actions
    def action_publish(self):
        self._check_action("action_publish")
        for schedule in self.sudo():
            if schedule.state != "draft":
                raise UserError(_("Only draft schedules can be published (%s).", schedule.name))
            if schedule.date < schedule.company_id._ihospital_today():
                raise UserError(_("%s is in the past and cannot be published.", schedule.name))
            schedule._generate_slots()
            schedule.state = "published"
        return True

    def action_cancel(self):
        self._check_action("action_cancel")
        for schedule in self.sudo():
            if schedule.state not in ("draft", "published"):
                raise UserError(_("Only draft or published schedules can be cancelled (%s).", schedule.name))
            if schedule.appointment_ids.filtered(lambda a: a.state in ACTIVE_APPOINTMENT_STATES):
                raise UserError(
                    _(
                        "%s has appointments: stop the clinic instead, so that patients are told and refunded.",
                        schedule.name,
                    )
                )
            schedule.state = "cancelled"
        return True

    def action_reset_to_draft(self):
        self._check_action("action_reset_to_draft")
        for schedule in self.sudo():
            if schedule.state != "cancelled":
                raise UserError(_("Only cancelled schedules can go back to draft."))
            if schedule.appointment_ids:
                raise UserError(
                    _("%s has a booking history and stays cancelled; plan a new schedule instead.", schedule.name)
                )
            schedule.slot_ids.unlink()
            schedule.state = "draft"
        return True

    def action_open_stop_wizard(self):
        self.ensure_one()
        self._check_action("action_open_stop_wizard")
        return {
            "type": "ir.actions.act_window",
            "name": _("Stop Clinic"),
            "res_model": "ihospital.schedule.stop",
            "view_mode": "form",
            "target": "new",
            "context": {"default_schedule_id": self.id},
        }

    def action_stop_clinic(self, reason):
        """Stop the clinic (停诊): cancel its appointments with refund and
        tell the patients."""
        self._check_action("action_stop_clinic")
        if not reason or not reason.strip():
            raise UserError(_("Give the reason for stopping the clinic; patients will read it."))
        for schedule in self.sudo():
            if schedule.state != "published":
                raise UserError(_("Only published schedules can be stopped (%s).", schedule.name))
            schedule.write({"state": "stopped", "stop_reason": reason})
            active = schedule.appointment_ids.filtered(lambda a: a.state in ("held", "booked", "checked_in"))
            active._cancel(by="hospital", reason=_("Clinic stopped: %s", reason), notify_template="stop")
        return True

    # ------------------------------------------------------------------ slots
    def _generate_slots(self):
        """One slot per number (号序), spread over the session by minutes per
        patient; the last share of numbers is kept for on-site booking."""
        self.ensure_one()
        if self.slot_ids:
            return
        session_minutes = (self.session_end - self.session_start).total_seconds() / 60
        windows = max(1, int(session_minutes // self.slot_minutes))
        per_window = math.ceil(self.capacity / windows)
        onsite = round(self.capacity * self.company_id.booking_onsite_share / 100)
        vals_list = []
        for index in range(self.capacity):
            start = self.session_start + timedelta(minutes=(index // per_window) * self.slot_minutes)
            vals_list.append(
                {
                    "schedule_id": self.id,
                    "sequence": index + 1,
                    "start": start,
                    "end": min(start + timedelta(minutes=self.slot_minutes), self.session_end),
                    "capacity": 1,
                    "onsite_only": index >= self.capacity - onsite,
                }
            )
        self.env["ihospital.slot"].create(vals_list)

    def _check_bookable(self, channel):
        """Raise a UserError saying why this schedule cannot be booked now."""
        self.ensure_one()
        self._check_open()
        if channel not in ("portal", "phone"):
            return
        now = fields.Datetime.now()
        company = self.company_id
        # what is read here, not every field of the hospital
        company.fetch(["hospital_tz", "booking_days_ahead"])
        if self.release_at > now:
            raise UserError(
                _(
                    "Slots of this clinic are released at %s.",
                    fields.Datetime.context_timestamp(
                        self.with_context(tz=company.hospital_tz), self.release_at
                    ).strftime("%Y-%m-%d %H:%M"),
                )
            )
        last_day = company._ihospital_today() + timedelta(days=company.booking_days_ahead)
        if self.date > last_day:
            raise UserError(_("Bookings open %d days ahead at most.", company.booking_days_ahead))

    def _check_open(self):
        """Raise a UserError if this clinic is stopped, not open or over:
        what _check_bookable says first, read from the schedule alone."""
        self.ensure_one()
        if self.state == "stopped":
            raise UserError(
                _(
                    "%(doctor)s's clinic on %(date)s is stopped: %(reason)s",
                    doctor=self.doctor_id.name,
                    date=self.date,
                    reason=self.stop_reason or "",
                )
            )
        if self.state != "published":
            raise UserError(_("This clinic is not open for booking."))
        if self.session_end <= fields.Datetime.now():
            raise UserError(_("This clinic session is over."))

    def _no_slot_left(self):
        # only the doctor's name: a plain read of an employee fetches (and
        # checks the rights of) a hundred fields, in the bulk of a rush
        self.doctor_id.fetch(["name"])
        return UserError(_("No slot left for %(doctor)s on %(date)s.", doctor=self.doctor_id.name, date=self.date))

    def _has_free_slot(self, onsite_allowed):
        """Whether a number is left (as this transaction sees it; the slot
        is still taken atomically, on a fresh view, by _claim_slot)."""
        self.ensure_one()
        self.env["ihospital.slot"].flush_model(["schedule_id", "booked_count", "capacity", "onsite_only"])
        self.env.cr.execute(
            SQL(
                """SELECT 1 FROM ihospital_slot
                    WHERE schedule_id = %s AND booked_count < capacity AND (%s OR NOT onsite_only) LIMIT 1""",
                self.id,
                bool(onsite_allowed),
            )
        )
        return bool(self.env.cr.fetchone())

    def _reserve_slot(self, onsite_allowed, slot=None, cr=None):
        """Take one free slot of this schedule atomically (`slot` if given,
        else the first free one) on `cr` (the current cursor by default)
        and return its id, or None when none is left (or `slot` was just
        taken).

        Raw SQL because the ORM cannot express it: the conditional UPDATE
        with FOR NO KEY UPDATE SKIP LOCKED lets concurrent bookings on
        several workers each take a different slot without waiting for each
        other (nor for the foreign-key locks of appointments being created),
        and never overbook (booked_count < capacity is checked by the UPDATE
        itself). The claim time lets _cron_recover_claims find claims whose
        booking never committed."""
        self.ensure_one()
        if slot:
            candidate = SQL("%s", slot.id)
        else:
            candidate = SQL(
                """(SELECT id FROM ihospital_slot
                     WHERE schedule_id = %s AND booked_count < capacity AND (%s OR NOT onsite_only)
                  ORDER BY sequence LIMIT 1 FOR NO KEY UPDATE SKIP LOCKED)""",
                self.id,
                bool(onsite_allowed),
            )
        cr = cr or self.env.cr
        cr.execute(
            SQL(
                """UPDATE ihospital_slot SET booked_count = booked_count + 1, claimed_at = %s
                WHERE id = %s AND schedule_id = %s AND booked_count < capacity AND (%s OR NOT onsite_only)
            RETURNING id""",
                fields.Datetime.now(),
                candidate,
                self.id,
                bool(onsite_allowed),
            )
        )
        row = cr.fetchone()
        self.env["ihospital.slot"].invalidate_model(["booked_count", "claimed_at"])
        return row[0] if row else None

    def _claim_slot(self, onsite_allowed, slot=None):
        """Take a slot for a booking in a short READ COMMITTED transaction
        of its own and return (slot id, give back), or (None, None) when
        none is left; `give back` returns the slot at once (for a failure
        the caller catches), and it is returned anyway if the booking's
        transaction rolls back.

        The booking's REPEATABLE READ snapshot dates from the request's
        first query: a slot taken since then would make a reservation in it
        fail with a serialization error, and Odoo retry the whole request
        after sleeping. The claim's own transaction sees every slot taken so
        far and moves on to the next free one. The booking then creates its
        appointment on the claimed slot (the foreign key check of a slot
        updated after the snapshot is allowed). Should the process die
        between the two commits, ihospital.slot._cron_recover_claims
        counts the slot again."""
        self.ensure_one()
        Slot = self.env["ihospital.slot"]
        with Slot._short_transaction() as cr:
            slot_id = self._reserve_slot(onsite_allowed, slot, cr=cr)
        if not slot_id:
            return None, None
        if not Slot._claims_apart():
            # taken in the booking's own transaction: undone with it
            return slot_id, lambda: None
        return slot_id, Slot.browse(slot_id)._claim_given_back_on_failure()

    # ------------------------------------------------------------------ queue
    def _queue_payload(self):
        self.ensure_one()
        waiting = self._waiting_appointments()
        current = self.current_appointment_id
        return {
            "schedule_id": self.id,
            "department_id": self.department_id.id,
            "doctor": self.doctor_id.name,
            "room": self.room or "",
            "current_number": current.queue_number or 0,
            "current_patient": current.patient_display_name or "",
            "next_numbers": waiting[:3].mapped("queue_number"),
            "waiting_count": len(waiting),
        }

    def _notify_queue(self):
        """Push the queue's state to every screen following it (bus)."""
        for schedule in self:
            payload = schedule._queue_payload()
            bus = self.env["bus.bus"].sudo()
            bus._sendone(f"ihospital_queue_schedule_{schedule.id}", "ihospital_queue/update", payload)
            bus._sendone(f"ihospital_queue_department_{schedule.department_id.id}", "ihospital_queue/update", payload)

    def action_call_next(self):
        """Call the next waiting patient (re-queued patients first)."""
        self.ensure_one()
        self._check_action("action_call_next")
        schedule = self.sudo()
        waiting = schedule._waiting_appointments()
        if not waiting:
            raise UserError(_("Nobody is waiting for %s.", self.doctor_id.name))
        nxt = waiting[0]
        nxt.write({"queue_state": "called", "called_at": fields.Datetime.now(), "queue_priority": 0})
        schedule.current_appointment_id = nxt
        nxt._notify_turn_near()
        schedule._notify_queue()
        return True

    def action_recall(self):
        self.ensure_one()
        self._check_action("action_recall")
        current = self.sudo().current_appointment_id
        if not current or current.queue_state != "called":
            raise UserError(_("No patient is being called: call the next one first."))
        current.write({"recall_count": current.recall_count + 1, "called_at": fields.Datetime.now()})
        self.sudo()._notify_queue()
        return True

    # ------------------------------------------------------------------ crons
    @api.model
    def _cron_mark_no_shows(self):
        """After a session ends, booked patients who never checked in are
        no-shows. Searches the appointments themselves, in batches, so that
        old ended schedules never crowd out new ones."""
        self.env["ihospital.appointment"].search(
            [("state", "=", "booked"), ("schedule_id.session_end", "<", fields.Datetime.now())], limit=1000
        )._mark_no_show()
