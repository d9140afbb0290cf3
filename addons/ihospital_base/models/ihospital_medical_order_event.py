from odoo import fields, models

ORDER_EVENTS = [("new", "Ordered"), ("changed", "Changed"), ("stopped", "Discontinued"), ("cancelled", "Cancelled")]


class IhospitalMedicalOrderEvent(models.Model):
    """One event of a medical order as the HIS reported it (the order's
    status log): written, changed, stopped, cancelled, with its time, the
    doctor and the reason. A record of what happened: written by the
    platform from the HIS's messages, never edited."""

    _name = "ihospital.medical.order.event"
    _description = "Medical Order Event"
    _inherit = ["ihospital.audited.mixin"]
    _order = "event_at desc, id desc"

    order_id = fields.Many2one("ihospital.medical.order", required=True, index=True, ondelete="cascade")
    company_id = fields.Many2one(related="order_id.company_id", store=True, index=True)
    patient_id = fields.Many2one(related="order_id.patient_id", store=True, index=True)
    event = fields.Selection(ORDER_EVENTS, required=True)
    event_at = fields.Datetime(string="Time", required=True, default=fields.Datetime.now)
    doctor_id = fields.Many2one("hr.employee")
    reason = fields.Char()
    changes = fields.Char(help="What the event changed, as the HIS sent it.")
    control_id = fields.Char(string="HIS Control ID", help="The HIS message that reported the event.")
