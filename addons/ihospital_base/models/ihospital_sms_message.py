import logging
from datetime import timedelta

from odoo import _, api, fields, models
from odoo.tools import SQL

from .ihospital_patient import IDENTITY_GROUP, mask_identity_text
from .ihospital_sms import mask_number, redacted, sms_number, sms_segments

_logger = logging.getLogger(__name__)

MESSAGE_STATES = [
    ("queued", "Queued"),
    ("sent", "Sent"),
    ("delivered", "Delivered"),
    ("failed", "Failed"),
    ("opted_out", "Opted Out"),
    ("cancelled", "Cancelled"),
]
FINAL_STATES = ("sent", "delivered", "failed", "opted_out", "cancelled")
SEND_BATCH = 500
# A provider that cannot be reached is tried again after these delays
# (minutes); after the last one the message is failed.
RETRY_MINUTES = (1, 5, 30)
# How Odoo's own SMS (sms.sms, sms.tracker) read our states and reasons.
ODOO_SMS_STATES = {"sent": "pending", "delivered": "sent", "failed": "error", "opted_out": "canceled"}


class IhospitalSmsMessage(models.Model):
    """One text message to one number: the log every hospital keeps of its
    texts, and the queue the SMS cron sends from. Written by the platform
    only (sudo); hospital administrators read their hospital's log, with
    the full number shown to the roles that see identity only.

    Provider adapters are methods of this model, one set per provider kind
    (the selection ``res.company.ihospital_sms_provider``):

    - ``_provider_send_<kind>(self)``: hand these messages (one hospital's)
      to the provider; return ``{message id: (state, provider message id,
      reason)}`` with state ``sent``, ``delivered`` or ``failed``. Raise for
      a temporary failure (provider unreachable): the batch is retried.
    - ``_provider_callback_<kind>(company, headers, payload)``: authenticate
      a request the provider sent to the hospital's callback address and
      return ``(receipts, replies)`` for ``ihospital.sms``
      ``_apply_receipts`` and ``_receive_reply``."""

    _name = "ihospital.sms.message"
    _description = "Text Message"
    _order = "id desc"
    _rec_name = "number_masked"

    company_id = fields.Many2one("res.company", string="Hospital", required=True, readonly=True, index=True)
    purpose = fields.Selection(selection="_selection_purpose", required=True, readonly=True, index=True)
    template_id = fields.Many2one("ihospital.sms.template", readonly=True, ondelete="restrict")
    provider = fields.Selection(selection="_selection_provider", readonly=True)
    number = fields.Char(required=True, readonly=True, groups=IDENTITY_GROUP)
    number_masked = fields.Char(string="Number (masked)", readonly=True)
    body = fields.Text(string="Text", readonly=True)
    variables = fields.Json(readonly=True, groups="base.group_system")
    segments = fields.Integer(string="Messages Billed", readonly=True)
    state = fields.Selection(
        MESSAGE_STATES, string="Status", default="queued", required=True, readonly=True, index=True
    )
    failure_reason = fields.Char(readonly=True)
    provider_message_id = fields.Char(string="Provider Message ID", readonly=True, index="btree_not_null")
    attempts = fields.Integer(readonly=True)
    next_try_at = fields.Datetime(readonly=True, index=True)
    sent_at = fields.Datetime(readonly=True)
    delivered_at = fields.Datetime(readonly=True)
    res_model = fields.Char(string="About Model", readonly=True, index=True)
    res_id = fields.Many2oneReference(string="About Record", model_field="res_model", readonly=True, index=True)
    sms_uuid = fields.Char(string="Odoo SMS", readonly=True, index="btree_not_null")

    @api.model
    def _selection_purpose(self):
        return self.env["ihospital.sms.template"]._fields["purpose"]._description_selection(self.env)

    @api.model
    def _selection_provider(self):
        return self.env["res.company"]._fields["ihospital_sms_provider"]._description_selection(self.env)

    @api.model_create_multi
    def create(self, vals_list):
        now = fields.Datetime.now()
        for vals in vals_list:
            vals.setdefault("number_masked", mask_number(vals.get("number")))
            vals.setdefault("segments", sms_segments(vals.get("body")))
            vals.setdefault("next_try_at", now)
        return super().create(vals_list)

    # ------------------------------------------------------------------ sending
    @api.model
    def _cron_send(self):
        """Send a batch of queued messages (thin cron): a full batch tells
        the cron to run again at once, each batch in its own transaction."""
        domain = [("state", "=", "queued"), ("next_try_at", "<=", fields.Datetime.now())]
        batch = self.sudo().search(domain, order="id", limit=SEND_BATCH)
        batch._send_now()
        remaining = self.sudo().search_count(domain) if len(batch) == SEND_BATCH else 0
        self.env["ir.cron"]._notify_progress(done=len(batch), remaining=remaining)

    def _send_now(self, urgent=False):
        """Hand these queued messages to their hospitals' providers, one
        call per hospital, and record the answers. A provider that cannot
        be reached leaves its messages queued for a later try (RETRY_MINUTES),
        or fails them at once when `urgent` (the caller acts on the outcome
        now)."""
        results, retry = [], []
        for company, messages in self.grouped("company_id").items():
            kind = company.ihospital_sms_provider
            adapter = getattr(messages, f"_provider_send_{kind}", None)
            if kind == "none" or adapter is None:
                reason = _("The hospital has no SMS provider set up.")
                results += [(message, "failed", False, reason) for message in messages]
                continue
            try:
                answers = adapter()
            except Exception as error:  # noqa: BLE001 - whatever the adapter hit, the provider is unreachable now
                reason = mask_identity_text(str(error))[:200]
                _logger.warning(
                    "SMS provider %s of hospital %s failed for %d messages: %s", kind, company.id, len(messages), reason
                )
                if urgent:
                    results += [(message, "failed", False, reason) for message in messages]
                else:
                    retry.append((messages, reason))
                continue
            missing = ("failed", False, _("The SMS provider gave no answer for this message."))
            results += [(message, *answers.get(message.id, missing)) for message in messages]
        for messages, reason in retry:
            messages._retry_later(reason)
        self._ihospital_apply_results(results)

    def _retry_later(self, reason):
        now = fields.Datetime.now()
        for attempts, messages in self.grouped("attempts").items():
            if attempts + 1 >= len(RETRY_MINUTES):
                self._ihospital_apply_results([(message, "failed", False, reason) for message in messages])
                continue
            messages.write(
                {
                    "attempts": attempts + 1,
                    "failure_reason": reason,
                    "next_try_at": now + timedelta(minutes=RETRY_MINUTES[attempts]),
                }
            )

    @api.model
    def _ihospital_apply_results(self, results):
        """Record outcomes: `results` is a list of ``(message, state,
        provider message id or False, reason or False)``. One UPDATE for
        the whole batch (each message has its own provider id: the ORM
        would write them one by one); the template variables are dropped
        and secret values hidden in the logged text, since nothing needs
        them any more; then the records the texts are about are told."""
        if not results:
            return
        now = fields.Datetime.now()
        rows = [
            SQL(
                "(%s, %s, %s, %s, %s)",
                message.id,
                state,
                provider_id or None,
                reason or None,
                redacted(message.body, message.variables),
            )
            for message, state, provider_id, reason in results
        ]
        self.env.cr.execute(
            SQL(
                """
                UPDATE ihospital_sms_message AS message
                   SET state = row.state,
                       provider_message_id = COALESCE(row.provider_id, message.provider_message_id),
                       failure_reason = row.reason,
                       body = row.body,
                       variables = NULL,
                       sent_at = CASE WHEN row.state IN ('sent', 'delivered')
                                      THEN COALESCE(message.sent_at, %(now)s) ELSE message.sent_at END,
                       delivered_at = CASE WHEN row.state = 'delivered' THEN %(now)s ELSE message.delivered_at END,
                       write_date = %(now)s,
                       write_uid = %(uid)s
                  FROM (VALUES %(rows)s) AS row(id, state, provider_id, reason, body)
                 WHERE message.id = row.id
                """,
                now=now,
                uid=self.env.uid,
                rows=SQL(", ").join(rows),
            )
        )
        messages = self.browse([message.id for message, *_rest in results]).sudo()
        fnames = [
            "state",
            "provider_message_id",
            "failure_reason",
            "body",
            "variables",
            "sent_at",
            "delivered_at",
            "write_date",
            "write_uid",
        ]
        messages.invalidate_recordset(fnames)
        messages.modified(fnames)
        messages._notify_sources()

    def _notify_sources(self):
        """Tell the records these texts are about how they went: their
        model's ``_ihospital_sms_status(messages)``, when it has one (self
        is then those records, as superuser). Odoo's own SMS follow too."""
        for res_model, messages in self.filtered("res_model").grouped("res_model").items():
            if res_model not in self.env or not hasattr(self.env[res_model], "_ihospital_sms_status"):
                continue
            records = self.env[res_model].sudo().browse(set(messages.mapped("res_id"))).exists()
            records._ihospital_sms_status(messages)
        self.filtered("sms_uuid")._update_odoo_sms()

    def _update_odoo_sms(self):
        """Odoo's own SMS sent through the hospital's provider (see
        sms.sms._send): their state and their trackers (the chatter's
        notification icons) follow ours."""
        uuids = self.mapped("sms_uuid")
        odoo_sms = self.env["sms.sms"].sudo().search([("uuid", "in", uuids)])
        trackers = self.env["sms.tracker"].sudo().search([("sms_uuid", "in", uuids)])
        for state, messages in self.grouped("state").items():
            odoo_state = ODOO_SMS_STATES.get(state)
            if not odoo_state:
                continue
            for failure, group in messages.grouped(lambda message: self._odoo_failure_type(message)).items():
                group_uuids = set(group.mapped("sms_uuid"))
                odoo_sms.filtered(lambda sms, u=group_uuids: sms.uuid in u).write(
                    {"state": odoo_state, "failure_type": failure}
                )
                trackers.filtered(lambda tracker, u=group_uuids: tracker.sms_uuid in u)._action_update_from_sms_state(
                    odoo_state, failure_type=failure
                )

    @api.model
    def _odoo_failure_type(self, message):
        if message.state == "opted_out":
            return "sms_optout"
        if message.state != "failed":
            return False
        return "sms_server" if sms_number(message.sudo().number) else "sms_number_format"

    # ------------------------------------------------------------------ the demo provider
    def _provider_send_demo(self):
        """The demo provider sends nothing: it writes each text to the
        server log (the number masked; the text in full, so that a demo
        user can read a verification code there) and answers "sent"."""
        for message in self:
            _logger.info(
                "Demo SMS to %s (%s): %s",
                message.number_masked,
                message.template_id.code or message.purpose,
                mask_identity_text(message.body),
            )
        return {message.id: ("sent", f"demo-{message.id}", False) for message in self}

    @api.model
    def _provider_callback_demo(self, company, headers, payload):
        """The demo provider's callbacks: the generic JSON format with the
        hospital's bearer token (see ihospital.sms)."""
        Sms = self.env["ihospital.sms"]
        Sms._check_bearer(company, headers)
        return Sms._read_json_events(payload)
