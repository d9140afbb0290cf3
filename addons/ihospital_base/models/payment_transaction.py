from odoo import fields, models


class PaymentTransaction(models.Model):
    _inherit = "payment.transaction"

    ihospital_appointment_ids = fields.Many2many(
        "ihospital.appointment",
        "ihospital_appointment_transaction_rel",
        "transaction_id",
        "appointment_id",
        string="Appointments",
        readonly=True,
        copy=False,
    )

    def _set_done(self, state_message=None, extra_allowed_states=()):
        txs = super()._set_done(state_message=state_message, extra_allowed_states=extra_allowed_states)
        txs.filtered(lambda t: t.operation != "refund").ihospital_appointment_ids._on_payment_done()
        return txs
