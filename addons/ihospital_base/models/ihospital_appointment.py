import logging
from datetime import timedelta

from dateutil.relativedelta import relativedelta
from psycopg2.errors import UniqueViolation

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, mute_logger

from .ihospital_guard_mixin import ADMIN, CLINIC_STAFF, DOCTOR, HEAD
from .ihospital_schedule import ACTIVE_APPOINTMENT_STATES

_logger = logging.getLogger(__name__)

REMINDER_BATCH = 500
NOTICE_BATCH = 200
# The notices an appointment's patient gets, in the order they are sent.
NOTICE_KINDS = ("booked", "reminder", "turn_near", "stop", "cancelled")
# The hospital's settings a booking reads (its currency: for the fee).
BOOKING_RULE_FIELDS = [
    "currency_id",
    "booking_real_name",
    "booking_max_per_day",
    "booking_max_per_department_day",
    "booking_noshow_limit",
    "booking_noshow_days",
    "booking_hold_minutes",
]
# what booking reads of the department
DEPARTMENT_BOOKING_FIELDS = ["name", "booking_gender", "booking_min_age", "booking_max_age"]
CHANNELS = [("portal", "Online"), ("phone", "Phone"), ("window", "Window"), ("his", "HIS")]
STATES = [
    ("held", "Awaiting Payment"),
    ("booked", "Booked"),
    ("checked_in", "Checked In"),
    ("in_consultation", "In Consultation"),
    ("done", "Done"),
    ("cancelled", "Cancelled"),
    ("no_show", "No-show"),
    ("expired", "Expired"),
]
ENGINE_FIELDS = (
    "name",
    "company_id",
    "patient_id",
    "schedule_id",
    "slot_id",
    "user_id",
    "channel",
    "state",
    "hold_expires_at",
    "fee",
    "payment_state",
    "transaction_ids",
    "cancel_reason",
    "cancelled_by",
    "queue_number",
    "queue_state",
    "queue_priority",
    "recall_count",
    "checked_in_at",
    "called_at",
    "started_at",
    "finished_at",
    "visit_id",
    "turn_near_sent",
    "reminder_sent",
    "notice_pending",
)


class IhospitalAppointment(models.Model):
    """An appointment (预约) of a patient on a slot of a schedule.

    Every state change is a method that checks its precondition and says why
    it refuses; booking is race-safe (see _book)."""

    _name = "ihospital.appointment"
    _description = "Appointment"
    _inherit = ["ihospital.audited.mixin", "ihospital.guard.mixin", "mail.thread", "mail.activity.mixin"]
    _order = "start desc, id desc"
    # Appointments come from the booking engine (_book) only, and every
    # stored field is the engine's: users change them through the actions.
    _engine_create_only = True
    _engine_fields = ENGINE_FIELDS
    _action_groups = {
        "action_cancel": CLINIC_STAFF,
        "action_cancel_by_hospital": (HEAD, ADMIN),
        "action_check_in": CLINIC_STAFF,
        "action_skip": CLINIC_STAFF,
        "action_requeue": CLINIC_STAFF,
        "action_start_consultation": (DOCTOR, ADMIN),
        "action_finish_consultation": (DOCTOR, ADMIN),
    }

    name = fields.Char(string="Reference", required=True, readonly=True, copy=False, default=lambda self: _("New"))
    company_id = fields.Many2one("res.company", string="Hospital", required=True, index=True, readonly=True)
    patient_id = fields.Many2one("ihospital.patient", required=True, index=True, readonly=True, tracking=True)
    patient_display_name = fields.Char(
        string="Patient (masked)",
        compute="_compute_patient_display_name",
        help="Name as shown on public screens: 陈*强.",
    )
    schedule_id = fields.Many2one("ihospital.schedule", required=True, index=True, readonly=True, ondelete="restrict")
    slot_id = fields.Many2one("ihospital.slot", required=True, index=True, readonly=True, ondelete="restrict")
    # precomputed: in the booking's INSERT, not a second UPDATE
    department_id = fields.Many2one(related="schedule_id.department_id", store=True, index=True, precompute=True)
    doctor_id = fields.Many2one(related="schedule_id.doctor_id", store=True, index=True, precompute=True)
    date = fields.Date(related="schedule_id.date", store=True, index=True, precompute=True)
    start = fields.Datetime(related="slot_id.start", store=True, precompute=True)
    number = fields.Integer(related="slot_id.sequence", string="Number")
    user_id = fields.Many2one("res.users", string="Booked By", readonly=True, index=True)
    channel = fields.Selection(CHANNELS, required=True, default="portal", readonly=True)
    state = fields.Selection(STATES, required=True, default="held", readonly=True, tracking=True, index=True)
    hold_expires_at = fields.Datetime(readonly=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    fee = fields.Monetary(readonly=True)
    payment_state = fields.Selection(
        [
            ("free", "Free"),
            ("pending", "To Pay"),
            ("paid", "Paid"),
            ("at_window", "Pay at Window"),
            ("refunded", "Refunded"),
            ("refund_manual", "Refund by Hand"),
        ],
        required=True,
        default="free",
        readonly=True,
        tracking=True,
    )
    transaction_ids = fields.Many2many(
        "payment.transaction",
        "ihospital_appointment_transaction_rel",
        "appointment_id",
        "transaction_id",
        string="Payments",
        readonly=True,
        copy=False,
    )
    cancel_reason = fields.Text(readonly=True)
    cancelled_by = fields.Selection([("patient", "Patient"), ("hospital", "Hospital")], readonly=True)
    # queue (签到取号 / 叫号)
    queue_number = fields.Integer(readonly=True, copy=False, index=True)
    queue_state = fields.Selection(
        [
            ("waiting", "Waiting"),
            ("called", "Called"),
            ("skipped", "Skipped"),
            ("in_consultation", "In Consultation"),
            ("done", "Done"),
        ],
        readonly=True,
        copy=False,
    )
    queue_priority = fields.Integer(readonly=True, copy=False, help="Re-queued patients go first.")
    recall_count = fields.Integer(readonly=True, copy=False)
    checked_in_at = fields.Datetime(readonly=True, copy=False)
    called_at = fields.Datetime(readonly=True, copy=False)
    started_at = fields.Datetime(readonly=True, copy=False)
    finished_at = fields.Datetime(readonly=True, copy=False)
    people_ahead = fields.Integer(compute="_compute_wait")
    estimated_wait_minutes = fields.Integer(compute="_compute_wait")
    visit_id = fields.Many2one("ihospital.visit", readonly=True, copy=False, groups="base.group_user")
    turn_near_sent = fields.Boolean(readonly=True, copy=False)
    reminder_sent = fields.Boolean(readonly=True, copy=False)
    notice_pending = fields.Char(
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="Notices to the patient (mail and SMS) waiting to go out, sent right after the change that caused them.",
    )

    @api.depends("patient_id.name")
    def _compute_patient_display_name(self):
        for appointment in self:
            name = appointment.sudo().patient_id.name or ""
            appointment.patient_display_name = (
                name[0] + "*" * (len(name) - 2) + name[-1] if len(name) > 2 else name[:1] + "*" * (len(name) - 1)
            )

    def _compute_wait(self):
        self.people_ahead = 0
        self.estimated_wait_minutes = 0
        waiting = self.filtered(lambda a: a.queue_state == "waiting")
        for schedule in waiting.sudo().schedule_id:
            line = schedule._waiting_appointments()
            # the patient being seen or called counts as one ahead
            busy = (
                1 if schedule.appointment_ids.filtered(lambda a: a.queue_state in ("called", "in_consultation")) else 0
            )
            for appointment in waiting.filtered(lambda a, s=schedule: a.schedule_id == s):
                appointment.people_ahead = line.ids.index(appointment.id) + busy
                appointment.estimated_wait_minutes = round(appointment.people_ahead * schedule.avg_consultation_minutes)

    # ------------------------------------------------------------------ booking
    @api.model
    def _book(self, schedule, patient, channel="portal", user=None, slot=None, patient_label=None, seen_free=False):
        """Book `patient` on `schedule` and return the appointment; on
        `slot` when the patient chose a number, else on the next free one.

        Safe across workers: the patient's row is locked so that per-patient
        limits are counted once at a time, the slot is taken by an atomic
        conditional UPDATE in a short transaction of its own and given back
        if the booking does not commit (no overbooking, no slot lost, no
        serialization failure: see _claim_slot), and a unique index forbids
        a patient twice in a schedule. The confirmation goes out right after
        commit (_notify). Every refusal is a UserError a patient
        or clerk can read, naming the patient `patient_label` (the name a
        portal account gave, for a link the hospital has not confirmed).
        `seen_free`: the caller has just seen a free number in this
        transaction (the portal route asks before reading the account's
        patients), so the engine does not ask again."""
        user = user or self.env.user
        name = patient_label or patient.sudo().name
        schedule.ensure_one()
        patient.ensure_one()
        if patient.company_id != schedule.company_id:
            raise UserError(
                _(
                    "%(patient)s is not registered at %(hospital)s.",
                    patient=name,
                    hospital=schedule.company_id.name,
                )
            )
        # what booking reads of the hospital, in one query
        schedule.company_id.fetch(["hospital_tz", "booking_days_ahead", *BOOKING_RULE_FIELDS])
        schedule._check_bookable(channel)
        onsite_allowed = channel in ("window", "his")
        if not slot and not (seen_free and not onsite_allowed) and not schedule._has_free_slot(onsite_allowed):
            # a full clinic is refused before locking the patient and
            # counting the rules: most requests of a rush are these
            raise schedule._no_slot_left()
        # Serialize the bookings of one patient (limits below are counts).
        # An UPDATE, not SELECT ... FOR UPDATE: under REPEATABLE READ a lock
        # does not refresh the snapshot, so a booking that waited for
        # another one of the same patient would count without it. Updating
        # the row makes that second booking fail with a serialization error
        # instead, and Odoo retries it with a fresh snapshot.
        self.env.cr.execute(SQL("UPDATE ihospital_patient SET write_date = write_date WHERE id = %s", patient.id))
        self._check_booking_rules(schedule, patient, channel, name)
        give_back = None
        try:
            with self.env.cr.savepoint(), mute_logger("odoo.sql_db"):
                slot_id, give_back = schedule._claim_slot(onsite_allowed, slot)
                if not slot_id and slot:
                    raise UserError(_("This number was just taken or cannot be booked online: choose another one."))
                if not slot_id:
                    raise schedule._no_slot_left()
                held = schedule.fee > 0 and channel == "portal"
                # the engine's own record: no creation message, followers or
                # tracking (the notices below tell the patient)
                appointment = (
                    self.sudo()
                    .with_company(schedule.company_id)  # the hospital's defaults, without reading the user
                    .with_context(mail_create_nolog=True, mail_create_nosubscribe=True, tracking_disable=True)
                    .create(
                        {
                            "company_id": schedule.company_id.id,
                            "patient_id": patient.id,
                            "schedule_id": schedule.id,
                            "slot_id": slot_id,
                            "user_id": user.id,
                            "channel": channel,
                            "fee": schedule.fee,
                            "state": "held" if held else "booked",
                            "payment_state": "pending" if held else ("at_window" if schedule.fee else "free"),
                            "hold_expires_at": (
                                fields.Datetime.now() + timedelta(minutes=schedule.company_id.booking_hold_minutes)
                                if held
                                else False
                            ),
                            "notice_pending": False if held else "booked",
                        }
                    )
                )
                appointment.flush_recordset()
        except Exception as exc:
            if give_back:  # a booking that failed keeps no slot
                give_back()
            if isinstance(exc, UniqueViolation):
                raise UserError(
                    _(
                        "%(patient)s already has an appointment with %(doctor)s on %(date)s.",
                        patient=name,
                        doctor=schedule.doctor_id.name,
                        date=schedule.date,
                    )
                ) from exc
            raise
        if appointment.notice_pending:
            self._wake_notices_cron()
        return appointment.with_env(self.env)

    @api.model
    def _check_booking_rules(self, schedule, patient, channel, name=None):
        company = schedule.company_id
        company.fetch(BOOKING_RULE_FIELDS)  # not every field of the hospital
        name = name or patient.sudo().name
        department = schedule.department_id
        department.fetch(DEPARTMENT_BOOKING_FIELDS)  # not every field of the department
        patient_sudo = patient.sudo()
        if not patient_sudo.active:
            raise UserError(_("%s is archived and cannot book.", name))
        if company.booking_real_name and not patient_sudo.id_number:
            raise UserError(_("Real-name booking: add %s's identity document number first.", name))
        if department.booking_gender and patient_sudo.gender != department.booking_gender:
            raise UserError(
                _(
                    "%(department)s only sees %(who)s.",
                    department=department.name,
                    who=_("women") if department.booking_gender == "female" else _("men"),
                )
            )
        age = relativedelta(schedule.date, patient_sudo.birth_date).years if patient_sudo.birth_date else None
        if department.booking_min_age and (age is None or age < department.booking_min_age):
            raise UserError(
                _(
                    "%(department)s sees patients from %(age)d years old.",
                    department=department.name,
                    age=department.booking_min_age,
                )
            )
        if department.booking_max_age and (age is None or age > department.booking_max_age):
            raise UserError(
                _(
                    "%(department)s sees patients up to %(age)d years old.",
                    department=department.name,
                    age=department.booking_max_age,
                )
            )
        Appointment = self.sudo()
        since = fields.Datetime.now() - timedelta(days=company.booking_noshow_days)
        # the patient's appointments the limits count, in one query
        counted = Appointment._read_group(
            [
                ("patient_id", "=", patient.id),
                "|",
                ("state", "in", ACTIVE_APPOINTMENT_STATES),
                "&",
                ("state", "=", "no_show"),
                ("start", ">=", since),
            ],
            ["schedule_id", "date:day", "department_id", "state"],
            ["__count"],
            order="state",  # no joins to sort the groups by schedule, department
        )
        active = [group for group in counted if group[3] in ACTIVE_APPOINTMENT_STATES]
        if any(group[0] == schedule for group in active):
            raise UserError(
                _(
                    "%(patient)s already has an appointment with %(doctor)s on %(date)s.",
                    patient=name,
                    doctor=schedule.doctor_id.name,
                    date=schedule.date,
                )
            )
        same_day = [group for group in active if group[1] == schedule.date]
        if sum(group[4] for group in same_day) >= company.booking_max_per_day:
            raise UserError(
                _(
                    "%(patient)s already has %(count)d appointments on %(date)s, the most allowed.",
                    patient=name,
                    count=company.booking_max_per_day,
                    date=schedule.date,
                )
            )
        if sum(group[4] for group in same_day if group[2] == department) >= company.booking_max_per_department_day:
            raise UserError(
                _(
                    "%(patient)s already has an appointment in %(department)s on %(date)s.",
                    patient=name,
                    department=department.name,
                    date=schedule.date,
                )
            )
        if channel in ("portal", "phone") and company.booking_noshow_limit:
            no_shows = sum(group[4] for group in counted if group[3] == "no_show")
            if no_shows >= company.booking_noshow_limit:
                raise UserError(
                    _(
                        "%(patient)s missed %(count)d appointments in the last %(days)d days: online booking is "
                        "suspended; please book at the hospital's window.",
                        patient=name,
                        count=no_shows,
                        days=company.booking_noshow_days,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("name", _("New")) == _("New"):
                # the appointment's hospital's sequence (not the current
                # user's company, which would also read the user's record)
                sequence = self.env["ir.sequence"].sudo().with_company(vals.get("company_id"))
                vals["name"] = sequence.next_by_code("ihospital.appointment") or _("New")
        return super().create(vals_list)

    def init(self):
        # A patient holds at most one live appointment per schedule, even
        # under concurrent bookings (partial unique index: not expressible
        # as an _sql_constraints entry).
        self.env.cr.execute("""
            CREATE UNIQUE INDEX IF NOT EXISTS ihospital_appointment_patient_schedule_active_uniq
                ON ihospital_appointment (patient_id, schedule_id)
             WHERE state IN ('held', 'booked', 'checked_in', 'in_consultation', 'done')
        """)

    # ------------------------------------------------------------------ payment
    def _create_payment_transaction(self, provider, payment_method, partner):
        """A payment transaction for this held appointment's fee."""
        self.ensure_one()
        if self.state != "held" or self.payment_state != "pending":
            raise UserError(_("%s is not waiting for payment.", self.name))
        return (
            self.env["payment.transaction"]
            .sudo()
            .create(
                {
                    "provider_id": provider.id,
                    "payment_method_id": payment_method.id,
                    "reference": self.env["payment.transaction"]._compute_reference(provider.code, prefix=self.name),
                    "amount": self.fee,
                    "currency_id": self.currency_id.id,
                    "partner_id": partner.id,
                    "operation": "online_direct",
                    "ihospital_appointment_ids": [fields.Command.set(self.ids)],
                }
            )
        )

    def _on_payment_done(self):
        """A payment went through: a held appointment becomes booked; one
        that expired meanwhile gets its slot back if any is left, else the
        payment is refunded."""
        for appointment in self:
            if appointment.state == "held":
                appointment.write({"state": "booked", "payment_state": "paid", "hold_expires_at": False})
                appointment._notify("booked")
            elif appointment.state == "expired":
                if appointment._rebook_after_late_payment():
                    appointment._notify("booked")
                else:
                    appointment.payment_state = "paid"
                    appointment.message_post(body=_("Paid after the hold expired and no slot was left: refunding."))
                    appointment._refund()

    def _rebook_after_late_payment(self):
        """Give an expired appointment a slot again, if the clinic is still
        open, one is left and the patient did not book the clinic again
        meanwhile. Returns whether it worked."""
        self.ensure_one()
        schedule = self.schedule_id
        if schedule.state != "published" or schedule.session_end <= fields.Datetime.now():
            return False
        try:
            with self.env.cr.savepoint(), mute_logger("odoo.sql_db"):
                slot_id = schedule._reserve_slot(False)
                if not slot_id:
                    return False
                self.write({"state": "booked", "payment_state": "paid", "slot_id": slot_id})
                self.flush_recordset()
        except UniqueViolation:
            return False
        return True

    def _refund(self):
        for appointment in self.filtered(lambda a: a.payment_state == "paid"):
            paid = appointment.transaction_ids.filtered(lambda t: t.state == "done" and t.operation != "refund")
            provider = paid.provider_id[:1]
            if paid and provider.support_refund in ("full_only", "partial"):
                paid.sudo().action_refund()
                appointment.payment_state = "refunded"
                appointment.message_post(body=_("Refunded through %s.", provider.name))
            else:
                appointment.payment_state = "refund_manual"
                appointment.activity_schedule(
                    "mail.mail_activity_data_todo",
                    summary=_("Refund %s by hand", appointment.name),
                    note=_("The payment provider cannot refund automatically."),
                    user_id=(self.env.user if self.env.user._is_internal() else self.env.ref("base.user_admin")).id,
                )

    # ------------------------------------------------------------------ transitions
    def action_cancel(self):
        """Cancellation asked on the patient's behalf (back office, or the
        portal through its own access check)."""
        self._check_action("action_cancel")
        return self.sudo()._cancel(by="patient")

    def action_cancel_by_hospital(self):
        self._check_action("action_cancel_by_hospital")
        return self.sudo()._cancel(by="hospital", reason=_("Cancelled by the hospital."))

    def _cancel(self, by="patient", reason=None, notify_template="cancelled"):
        now = fields.Datetime.now()
        for appointment in self:
            if by == "patient":
                if appointment.state not in ("held", "booked"):
                    raise UserError(
                        _(
                            "%(name)s cannot be cancelled: it is %(state)s.",
                            name=appointment.name,
                            state=appointment._state_label(),
                        )
                    )
                cutoff = appointment.start - timedelta(hours=appointment.company_id.booking_cancel_cutoff_hours)
                if now > cutoff:
                    raise UserError(
                        _(
                            "Appointments can be cancelled up to %d hours before their time; "
                            "please contact the hospital.",
                            appointment.company_id.booking_cancel_cutoff_hours,
                        )
                    )
            elif appointment.state not in ("held", "booked", "checked_in"):
                raise UserError(
                    _(
                        "%(name)s cannot be cancelled: it is %(state)s.",
                        name=appointment.name,
                        state=appointment._state_label(),
                    )
                )
            appointment.slot_id.sudo()._release()
            appointment.write(
                {
                    "state": "cancelled",
                    "cancelled_by": by,
                    "cancel_reason": reason or False,
                    "queue_state": False,
                    "hold_expires_at": False,
                }
            )
            if appointment.payment_state == "pending":
                appointment.payment_state = "free"
            appointment._refund()
            appointment._notify(notify_template)
        self.schedule_id._notify_queue()
        return True

    def _expire(self):
        for appointment in self:
            if appointment.state != "held":
                continue
            appointment.slot_id.sudo()._release()
            appointment.write({"state": "expired", "hold_expires_at": False})
            appointment.message_post(body=_("Not paid in time: the slot was given back."))

    def _mark_no_show(self):
        if self.filtered(lambda a: a.state != "booked"):
            raise UserError(_("Only booked appointments can become no-shows."))
        self.state = "no_show"

    def action_check_in(self):
        """Check in on the visit day (签到取号): take the next number in the
        doctor-session's queue."""
        self._check_action("action_check_in")
        return self.sudo()._check_in()

    def _check_in(self):
        now = fields.Datetime.now()
        for appointment in self:
            if appointment.state != "booked":
                raise UserError(
                    _(
                        "%(name)s cannot be checked in: it is %(state)s.",
                        name=appointment.name,
                        state=appointment._state_label(),
                    )
                )
            company = appointment.company_id
            opens = appointment.start - timedelta(minutes=company.booking_checkin_before)
            closes = appointment.start + timedelta(minutes=company.booking_checkin_after)
            if now < opens:
                raise UserError(
                    _("Check-in opens %d minutes before the appointment time.", company.booking_checkin_before)
                )
            if now > closes:
                raise UserError(
                    _(
                        "Check-in closed %d minutes after the appointment time; please see the registration desk.",
                        company.booking_checkin_after,
                    )
                )
            # Atomic counter: two check-ins never get the same number.
            self.env.cr.execute(
                SQL(
                    "UPDATE ihospital_schedule SET queue_last_number = COALESCE(queue_last_number, 0) + 1 "
                    "WHERE id = %s RETURNING queue_last_number",
                    appointment.schedule_id.id,
                )
            )
            number = self.env.cr.fetchone()[0]
            appointment.schedule_id.invalidate_recordset(["queue_last_number"])
            appointment.write(
                {"state": "checked_in", "queue_state": "waiting", "queue_number": number, "checked_in_at": now}
            )
            appointment.message_post(body=_("Checked in: queue number %d.", number))
        self.schedule_id._notify_queue()
        return True

    def action_skip(self):
        self._check_action("action_skip")
        for appointment in self.sudo():
            if appointment.queue_state != "called":
                raise UserError(_("Only the patient being called can be skipped."))
            appointment.queue_state = "skipped"
            if appointment.schedule_id.current_appointment_id == appointment:
                appointment.schedule_id.current_appointment_id = False
        self.schedule_id._notify_queue()
        return True

    def action_requeue(self):
        """A skipped patient came back: waits again, ahead of the others."""
        self._check_action("action_requeue")
        for appointment in self.sudo():
            if appointment.queue_state != "skipped":
                raise UserError(_("Only skipped patients can be put back in the queue."))
            appointment.write({"queue_state": "waiting", "queue_priority": 1})
        self.schedule_id._notify_queue()
        return True

    def action_start_consultation(self):
        self._check_action("action_start_consultation")
        for appointment in self.sudo():
            if appointment.state != "checked_in" or appointment.queue_state not in ("called", "waiting"):
                raise UserError(_("%s has not been called in yet.", appointment.patient_id.name))
            appointment.write(
                {"state": "in_consultation", "queue_state": "in_consultation", "started_at": fields.Datetime.now()}
            )
            appointment.schedule_id.current_appointment_id = appointment
        self.schedule_id._notify_queue()
        return True

    def action_finish_consultation(self):
        """End the consultation and record the visit it was: the HIS's
        visit record of this appointment, when it came first, is that
        visit (one visit per encounter)."""
        self._check_action("action_finish_consultation")
        for appointment in self.sudo():
            if appointment.state != "in_consultation":
                raise UserError(_("%s is not in consultation.", appointment.patient_id.name))
            now = fields.Datetime.now()
            Visit = self.env["ihospital.visit"].sudo()
            visit = appointment.visit_id or Visit.search([("appointment_id", "=", appointment.id)], limit=1)
            if not visit:
                visit = Visit.create(
                    {
                        "company_id": appointment.company_id.id,
                        "patient_id": appointment.patient_id.id,
                        "department_id": appointment.department_id.id,
                        "doctor_id": appointment.doctor_id.id,
                        "visit_type": "outpatient",
                        "start": appointment.started_at,
                        "end": now,
                        "total_charges": appointment.fee if appointment.payment_state in ("paid", "at_window") else 0,
                        "source": "appointment",
                        "external_ref": appointment.name,
                        "appointment_id": appointment.id,
                    }
                )
            appointment.write({"state": "done", "queue_state": "done", "finished_at": now, "visit_id": visit.id})
            if appointment.schedule_id.current_appointment_id == appointment:
                appointment.schedule_id.current_appointment_id = False
        self.schedule_id._notify_queue()
        return True

    def _state_label(self):
        return dict(self._fields["state"]._description_selection(self.env))[self.state]

    # ------------------------------------------------------------------ notifications
    def _notify(self, kind):
        """Queue a notice of `kind` (NOTICE_KINDS) for these appointments'
        patients; the notices cron sends it right after commit, in batches
        (_cron_send_notices). Rendering mail templates and posting them
        would weigh on the request that caused them (a booking, a
        cancellation), or fail it."""
        for appointment in self.sudo():
            appointment.notice_pending = ",".join(filter(None, [appointment.notice_pending, kind]))
        if self:
            self._wake_notices_cron()

    @api.model
    def _wake_notices_cron(self):
        self.env["ir.cron"]._ihospital_trigger("ihospital_base.ir_cron_appointment_notices")

    @api.model
    def _cron_send_notices(self):
        """Send the queued notices, oldest appointments first, in batches:
        a batch that leaves more tells the cron to run again at once. A
        notice that cannot be sent is logged and dropped, so that it never
        holds back the others."""
        pending = [("notice_pending", "!=", False)]
        batch = self.sudo().search(pending, order="id", limit=NOTICE_BATCH)
        kinds = {appointment: appointment.notice_pending.split(",") for appointment in batch}
        batch.write({"notice_pending": False})
        for kind in NOTICE_KINDS:
            appointments = batch.filtered(lambda a, k=kind: k in kinds[a])
            if not appointments:
                continue
            try:
                with self.env.cr.savepoint():
                    appointments._send_notice(kind)
            except Exception:  # noqa: BLE001 - one bad notice must not stop the batch: sent one by one below
                for appointment in appointments:
                    try:
                        with self.env.cr.savepoint():
                            appointment._send_notice(kind)
                    except Exception:  # noqa: BLE001 - logged and dropped
                        _logger.exception("The %s notice of appointment %s could not be sent", kind, appointment.name)
        self.env["ir.cron"]._notify_progress(done=len(batch), remaining=self.sudo().search_count(pending))

    def _send_notice(self, kind):
        """Mail the portal accounts that manage the patient and text the
        patient (confirmation, reminder, stop-clinic, cancellation, turn
        near). A clerk who booked at the window is not a recipient."""
        templates = {
            "booked": "ihospital_base.mail_template_appointment_booked",
            "reminder": "ihospital_base.mail_template_appointment_reminder",
            "stop": "ihospital_base.mail_template_appointment_stopped",
            "cancelled": "ihospital_base.mail_template_appointment_cancelled",
            "turn_near": "ihospital_base.mail_template_appointment_turn_near",
        }
        sms_templates = {
            "booked": "booking_booked",
            "reminder": "booking_reminder",
            "stop": "booking_stopped",
            "turn_near": "booking_turn_near",
        }
        template = self.env.ref(templates[kind])
        # Queued, not sent inline: a slow mail server or SMS provider must not
        # slow down (or fail) this batch; the mail and SMS crons deliver them.
        texts = {}
        appointments = self.sudo().with_context(mail_notify_force_send=False)
        for appointment in appointments:
            # the account that booked, and the accounts confirmed for the patient
            accounts = appointment.patient_id._confirmed_accounts() | appointment.user_id.filtered("share")
            appointment.message_post_with_source(
                template, partner_ids=accounts.partner_id.ids, subtype_xmlid="mail.mt_comment"
            )
            phone = appointment.patient_id.phone
            if kind in sms_templates and phone:
                # Through the hospital's SMS provider, not the chatter
                # (_message_sms): the full number would be kept on a
                # mail.notification that any employee can read.
                texts.setdefault(appointment.company_id, []).append((phone, appointment._sms_variables(), appointment))
        for company, recipients in texts.items():
            self.env["ihospital.sms"]._send(company, sms_templates[kind], recipients)

    def _sms_variables(self):
        """The variables of the booking texts (templates booking_*)."""
        self.ensure_one()
        return {
            "appointment": self.name,
            "doctor": self.doctor_id.name or "",
            "date": fields.Date.to_string(self.date) if self.date else "",
            "number": self.queue_number or self.number or "",
            "place": self.schedule_id.room or self.department_id.name or "",
        }

    def _notify_turn_near(self, within=3):
        """Tell the next few waiting patients that their turn is near."""
        for schedule in self.schedule_id:
            waiting = schedule._waiting_appointments()[:within]
            for appointment in waiting.filtered(lambda a: not a.turn_near_sent):
                appointment.turn_near_sent = True
                appointment._notify("turn_near")

    @api.model
    def _cron_expire_holds(self):
        self.search([("state", "=", "held"), ("hold_expires_at", "<", fields.Datetime.now())], limit=1000)._expire()

    @api.model
    def _cron_send_reminders(self):
        """Day-before reminders (提醒) for tomorrow's booked appointments,
        from the hour each hospital set (its own time zone and "tomorrow"),
        in batches: a batch that leaves more tells the cron to run again at
        once (_notify_progress), so a busy day is never cut short."""
        done = remaining = 0
        for company in self.env["res.company"].search([("is_hospital", "=", True)]):
            if not company._ihospital_reminders_due():
                continue
            domain = [
                ("company_id", "=", company.id),
                ("state", "=", "booked"),
                ("date", "=", company._ihospital_today() + timedelta(days=1)),
                ("reminder_sent", "=", False),
            ]
            batch = self.search(domain, order="id", limit=REMINDER_BATCH - done) if done < REMINDER_BATCH else self
            if batch:
                batch.write({"reminder_sent": True})
                batch._notify("reminder")
                done += len(batch)
            remaining += self.search_count(domain)
        self.env["ir.cron"]._notify_progress(done=done, remaining=remaining)
