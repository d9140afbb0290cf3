import logging
import threading
from contextlib import contextmanager
from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import SQL

_logger = logging.getLogger(__name__)

# A claim whose booking has not committed after this long is counted again
# (see _cron_recover_claims); far beyond any request's lifetime.
CLAIM_TIMEOUT = timedelta(minutes=10)
CLAIM_RECOVERY_BATCH = 1000
# Appointments in these states hold their slot (cancelling and expiring give it back).
SLOT_RELEASING_STATES = ("cancelled", "expired")


class IhospitalSlot(models.Model):
    """A bookable number (号源) of a schedule: a time window with a capacity."""

    _name = "ihospital.slot"
    _description = "Booking Slot"
    _order = "schedule_id, sequence"

    schedule_id = fields.Many2one("ihospital.schedule", required=True, index=True, ondelete="cascade")
    company_id = fields.Many2one(related="schedule_id.company_id", store=True, index=True)
    sequence = fields.Integer(string="Number", required=True, help="The number (号序) shown to the patient.")
    start = fields.Datetime(required=True)
    end = fields.Datetime(required=True)
    capacity = fields.Integer(required=True, default=1)
    booked_count = fields.Integer(readonly=True, default=0, copy=False)
    claimed_at = fields.Datetime(
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="When the slot was last taken for a booking; its count is checked again once the claim is old.",
    )
    onsite_only = fields.Boolean(string="On-site Only", help="Kept for booking at the hospital's windows.")
    available = fields.Boolean(compute="_compute_available")

    _sql_constraints = [
        (
            "booked_within_capacity",
            "CHECK(booked_count >= 0 AND booked_count <= capacity)",
            "A slot cannot be booked beyond its capacity.",
        ),
        ("sequence_uniq", "unique(schedule_id, sequence)", "Each number appears once in a schedule."),
    ]

    def _compute_available(self):
        for slot in self:
            slot.available = slot.booked_count < slot.capacity

    def _compute_display_name(self):
        for slot in self:
            start = fields.Datetime.context_timestamp(slot.with_context(tz=slot.company_id.hospital_tz), slot.start)
            slot.display_name = f"{slot.sequence:02d} · {start:%H:%M}"

    def _release(self):
        """Give a booked place back (cancellation, expiry). Raw SQL for the
        same reason as the reservation: an atomic decrement."""
        for slot in self:
            self.env.cr.execute(
                "UPDATE ihospital_slot SET booked_count = booked_count - 1 WHERE id = %s AND booked_count > 0",
                (slot.id,),
            )
        self.invalidate_recordset(["booked_count"])

    # ------------------------------------------------------------------ claims
    @api.model
    def _claims_apart(self):
        """Whether slots are claimed in transactions of their own (always,
        on a server). Tests run in one transaction that never commits
        (TransactionCase's cursor, HttpCase's test cursor): a claim
        committed on another connection could neither see their data nor
        be undone with them, so there the slot is taken in the booking's
        own transaction. Concurrency tests book from threads of their own on
        committed connections, and claim apart as a server does."""
        return not (getattr(threading.current_thread(), "testing", False) or self.env.registry.in_test_mode())

    @contextmanager
    def _short_transaction(self):
        """A cursor on a transaction of its own, in READ COMMITTED (each
        statement sees what is committed when it starts), committed on
        leaving the block; the current cursor when claims are not apart.

        Its commit does not wait for the disk (synchronous_commit off): what
        it commits is a slot count, not a booking. The booking's own commit,
        which waits, writes the log up to itself, so the claim before it is
        on disk by then; should the server die first, a lost claim was never
        a booking, and a claim or recount that survived is counted again by
        _cron_recover_claims."""
        if not self._claims_apart():
            yield self.env.cr
            return
        with self.env.registry.cursor() as cr:
            cr.execute("SET TRANSACTION ISOLATION LEVEL READ COMMITTED; SET LOCAL synchronous_commit TO OFF")
            yield cr

    def _claim_given_back_on_failure(self):
        """Register this just-claimed slot with the current transaction:
        the claim is given back if the transaction rolls back (an error, a
        refusal, Odoo's retry after a serialization failure). Returns a
        function giving it back at once, for a failure the caller catches;
        giving back happens once whatever calls it."""
        self.ensure_one()
        registry, slot_id, state = self.env.registry, self.id, {"open": True}

        def give_back():
            if not state["open"]:
                return
            state["open"] = False
            try:
                with registry.cursor() as cr:
                    cr.execute(
                        "UPDATE ihospital_slot SET booked_count = booked_count - 1 WHERE id = %s AND booked_count > 0",
                        (slot_id,),
                    )
            except Exception:  # noqa: BLE001 - a rollback must not fail; the recovery cron counts the slot again
                _logger.exception("Slot %s: the claim could not be given back; the recovery cron will", slot_id)

        self.env.cr.postrollback.add(give_back)
        return give_back

    @api.model
    def _cron_recover_claims(self):
        """Give back claims whose booking never committed (the process died
        between the claim's commit and the booking's, or a caller undid the
        booking by rolling back to a savepoint of its own): slots claimed more
        than CLAIM_TIMEOUT ago get their count again from their live
        appointments. In READ COMMITTED, the slots are locked first and
        counted after, so the count sees every booking committed before;
        a booking still running holds a lock on its slot (its appointment's
        foreign key) and its slot is skipped."""
        with self._short_transaction() as cr:
            cr.execute(
                SQL(
                    """SELECT id FROM ihospital_slot WHERE claimed_at < %s
                    ORDER BY id LIMIT %s FOR UPDATE SKIP LOCKED""",
                    fields.Datetime.now() - CLAIM_TIMEOUT,
                    CLAIM_RECOVERY_BATCH,
                )
            )
            slot_ids = [row[0] for row in cr.fetchall()]
            if slot_ids:
                cr.execute(
                    SQL(
                        """UPDATE ihospital_slot slot SET claimed_at = NULL, booked_count = (
                                SELECT count(*) FROM ihospital_appointment appointment
                                 WHERE appointment.slot_id = slot.id AND appointment.state NOT IN %s)
                            WHERE slot.id = ANY(%s)""",
                        SLOT_RELEASING_STATES,
                        slot_ids,
                    )
                )
        self.invalidate_model(["booked_count", "claimed_at"])
        # a full batch may leave more: the cron runs again at once
        self.env["ir.cron"]._notify_progress(done=len(slot_ids), remaining=int(len(slot_ids) == CLAIM_RECOVERY_BATCH))
