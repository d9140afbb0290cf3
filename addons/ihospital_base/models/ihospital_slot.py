from odoo import fields, models


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
