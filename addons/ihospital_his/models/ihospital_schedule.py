from odoo import _, models
from odoo.exceptions import UserError
from odoo.tools import SQL


class IhospitalSchedule(models.Model):
    _inherit = "ihospital.schedule"

    def _his_set_capacity(self, capacity):
        """Apply the HIS's capacity to a schedule the HIS owns: add numbers
        at the end, or remove free ones from the end; never below what is
        booked."""
        self.ensure_one()
        if capacity == self.capacity:
            return
        if not self.slot_ids:
            self.capacity = capacity
            return
        slots = self.slot_ids.sorted("sequence")
        booked = sum(slots.mapped("booked_count"))
        if capacity < booked:
            raise UserError(
                _(
                    "%(schedule)s has %(booked)d bookings: its capacity cannot go down to %(capacity)d.",
                    schedule=self.name,
                    booked=booked,
                    capacity=capacity,
                )
            )
        if capacity < len(slots):
            free = slots.filtered(lambda s: not s.booked_count).sorted("sequence", reverse=True)
            free[: len(slots) - capacity].unlink()
        else:
            last = slots[-1]
            self.env["ihospital.slot"].create(
                [
                    {
                        "schedule_id": self.id,
                        "sequence": last.sequence + index + 1,
                        "start": last.start,
                        "end": last.end,
                        "capacity": 1,
                    }
                    for index in range(capacity - len(slots))
                ]
            )
        old = self.capacity
        # The ORM write refuses capacity changes of published schedules, a
        # rule for hand edits in the back office; the HIS owns this
        # schedule and its slots were adjusted just above.
        self.env.cr.execute(SQL("UPDATE ihospital_schedule SET capacity = %s WHERE id = %s", capacity, self.id))
        self.invalidate_recordset(["capacity", "slot_ids"])
        self.message_post(body=_("Capacity changed by the HIS from %(old)d to %(new)d.", old=old, new=capacity))
