"""The suite's one way to send text messages (短信), through each hospital's
own SMS provider: Chinese carriers accept only registered signatures (签名)
and pre-approved templates (模板), which Odoo's own SMS service (IAP) does
not offer.

Callers use `env["ihospital.sms"]._send(company, template, recipients)`;
the messages are logged (`ihospital.sms.message`) and go out after commit
through the hospital's provider adapter (`ihospital.sms.message`
`_provider_send_<kind>`)."""

import hmac
import json
import logging
import math
import re

import phonenumbers

from odoo import _, api, models
from odoo.exceptions import AccessError, UserError, ValidationError

from .ihospital_patient import mask_identity_text, mask_middle

_logger = logging.getLogger(__name__)

# Why a text is sent. Declared once: the templates' and the messages'
# selections are this list (addons add theirs with selection_add).
SMS_PURPOSES = [
    ("verification", "Verification Code"),
    ("critical_value", "Critical Value"),
    ("booking_notice", "Booking Notice"),
    ("notice", "Notice"),
    ("follow_up", "Follow-up"),
    ("group", "Group SMS"),
    ("other", "Other"),
]
# Texts an opt-out reply (退订) never blocks: a verification code the person
# just asked for, a critical value to a clinician on duty, and notices about
# the patient's own booking (confirmation, stopped clinic and refund). Every
# other purpose (group SMS, notices, follow-ups) honours the opt-out.
ESSENTIAL_PURPOSES = frozenset({"verification", "critical_value", "booking_notice"})
# Variables whose value is a secret of the recipient: once the text is sent,
# the logged text shows them hidden.
SECRET_VARIABLES = frozenset({"code"})
# Replies that opt a number out (退订), compared without spaces, punctuation and case.
OPT_OUT_REPLIES = frozenset({"TD", "T", "退订", "N", "UNSUBSCRIBE", "STOP"})

VARIABLE = re.compile(r"\$\{(\w+)\}")
# Chinese carriers bill one message up to 70 characters (signature
# included, any alphabet); a longer text is split in parts of 67.
SMS_SINGLE_CHARS = 70
SMS_PART_CHARS = 67


def sms_segments(text):
    """How many messages the carrier bills for `text`."""
    length = len(text or "")
    if not length:
        return 0
    return 1 if length <= SMS_SINGLE_CHARS else math.ceil(length / SMS_PART_CHARS)


def sms_number(number, region="CN"):
    """The E.164 form of a mobile number (one that can receive a text), or
    False: landlines and invalid numbers cannot."""
    try:
        parsed = phonenumbers.parse(number or "", region)
    except phonenumbers.NumberParseException:
        return False
    if not phonenumbers.is_valid_number(parsed):
        return False
    if phonenumbers.number_type(parsed) not in (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    ):
        return False
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def mask_number(number):
    """'+8613800138000' -> '+86138****8000': how a number shows in logs and
    to roles that do not need it."""
    if not number:
        return False
    return mask_middle(number, len(number) - 8, 4)


def redacted(body, values):
    """`body` with the values of the secret variables (codes) hidden."""
    for name in SECRET_VARIABLES:
        value = (values or {}).get(name)
        if value and body:
            body = body.replace(value, "*" * len(value))
    return body


class IhospitalSms(models.AbstractModel):
    """The SMS service of the suite (no table): send, take delivery
    receipts and replies. Every sender of the suite calls `_send`."""

    _name = "ihospital.sms"
    _description = "SMS Service"

    # ------------------------------------------------------------------ sending
    @api.model
    def _send(self, company, template, recipients, urgent=False):
        """Text each recipient the template of `company`, filled with that
        recipient's variables; returns the logged messages (sudo), one per
        recipient, in order.

        :param company: the hospital (res.company, one record)
        :param template: an ``ihospital.sms.template`` record, or its code
            (the hospital's own template of that code, else the platform's)
        :param recipients: iterable of ``(number, variables, record)``:
            the number as typed (normalised here), a dict of the template's
            variables, and the record the text is about (or False); that
            record's model is told of the outcome through its optional
            ``_ihospital_sms_status(messages)`` method
        :param urgent: send now, inside this transaction, and take a
            failure as final (for callers already running after commit,
            such as the critical-value notices cron); otherwise the texts
            are queued and the SMS cron, woken for right after commit,
            sends them in batches
        :raises UserError: unknown template or a variable missing for a
            recipient; nothing is then queued

        A number that cannot receive texts is logged as failed; a number
        that replied 退订 is logged as opted out, except for the essential
        purposes (verification codes, critical values, booking notices)."""
        company.ensure_one()
        template = self.env["ihospital.sms.template"]._ihospital_resolve(company, template)
        recipients = list(recipients)
        text = template.with_context(lang=company._ihospital_sms_lang()).sudo().body
        names = template._variable_names()
        for _number, variables, _record in recipients:
            missing = [name for name in names if (variables or {}).get(name) in (None, False)]
            if missing:
                raise UserError(
                    _(
                        "The text %(template)s needs a value for %(names)s: nothing was sent.",
                        template=template.name,
                        names=", ".join("${%s}" % name for name in missing),
                    )
                )
        rows = []
        for number, variables, record in recipients:
            values = {name: str(variables[name]) for name in names}
            rows.append((number, self._render(text, values), values, record, False))
        return self._queue(company, template.purpose, template, rows, urgent)

    @api.model
    def _send_text(self, company, texts, purpose="other", urgent=False):
        """Send free texts (no approved template) through the hospital's
        provider: for Odoo's own SMS (chatter, SMS composer), which must
        never go to Odoo's IAP service. Carriers' adapters may refuse texts
        without a template. `texts` is an iterable of ``(number, text,
        sms_uuid)``; returns the logged messages."""
        company.ensure_one()
        rows = [(number, text, {}, False, sms_uuid) for number, text, sms_uuid in texts]
        return self._queue(company, purpose, self.env["ihospital.sms.template"], rows, urgent)

    @api.model
    def _queue(self, company, purpose, template, rows, urgent):
        """Log one message per row ``(number, text, variables, record,
        sms_uuid)`` in one create, then send them (see `_send`)."""
        Message = self.env["ihospital.sms.message"].sudo()
        numbers = [sms_number(row[0]) for row in rows]
        opted_out = set()
        if purpose not in self._essential_purposes():
            opted_out = self.env["ihospital.sms.optout"]._ihospital_opted_out(company, {n for n in numbers if n})
        provider = company.ihospital_sms_provider
        signature = company._ihospital_sms_signature()
        vals_list = []
        for number, (raw, text, values, record, sms_uuid) in zip(numbers, rows, strict=True):
            body = signature + text
            state, reason = "queued", False
            if not number:
                state, reason = "failed", _("%s cannot receive text messages.", mask_identity_text(raw or "-"))
            elif number in opted_out:
                state, reason = "opted_out", _("The number replied to opt out of this hospital's texts.")
            elif provider == "none":
                state, reason = "failed", _("The hospital has no SMS provider set up.")
            vals_list.append(
                {
                    "company_id": company.id,
                    "purpose": purpose,
                    "template_id": template.id,
                    "provider": provider,
                    "number": number or (raw or "-"),
                    "body": body if state == "queued" else redacted(body, values),
                    "variables": values if state == "queued" and values else False,
                    "state": state,
                    "failure_reason": reason,
                    "res_model": record._name if record else False,
                    "res_id": record.id if record else False,
                    "sms_uuid": sms_uuid,
                }
            )
        messages = Message.create(vals_list)
        done = messages.filtered(lambda message: message.state != "queued")
        done._notify_sources()
        queued = messages - done
        if queued and urgent:
            queued._send_now(urgent=True)
        elif queued:
            self.env["ir.cron"]._ihospital_trigger("ihospital_base.ir_cron_sms_send")
        return messages

    @api.model
    def _essential_purposes(self):
        """Purposes an opt-out never blocks (an addon adding a purpose that
        must always reach its recipient extends this)."""
        return ESSENTIAL_PURPOSES

    @api.model
    def _render(self, text, values):
        return VARIABLE.sub(lambda match: values.get(match.group(1), match.group(0)), text or "")

    @api.model
    def _preview(self, company, template, variables):
        """(text with the signature, messages billed) of `template` filled
        with `variables` (missing ones stay as ${name}), for previews."""
        text = template.with_context(lang=company._ihospital_sms_lang()).sudo().body
        values = {name: str(value) for name, value in variables.items() if value not in (None, False, "")}
        body = company._ihospital_sms_signature() + self._render(text, values)
        return body, sms_segments(body)

    # ------------------------------------------------------------------ provider callbacks
    @api.model
    def _receive_reply(self, company, number, text):
        """A text the hospital's number received (an adapter calls this for
        each reply). 退订 / TD and the like opt the number out of this
        hospital's non-essential texts. Returns whether it opted out."""
        company.ensure_one()
        number = sms_number(number)
        reply = re.sub(r"[\s\W_]+", "", text or "").upper()
        if not number or reply not in OPT_OUT_REPLIES:
            return False
        self.env["ihospital.sms.optout"]._ihospital_opt_out(company, number, (text or "").strip()[:64])
        _logger.info("SMS opt-out of %s at hospital %s", mask_number(number), company.id)
        return True

    @api.model
    def _apply_receipts(self, company, receipts):
        """Delivery receipts (回执) of `company`'s provider: a list of dicts
        ``{"id": provider message id, "status": "delivered" | "failed",
        "number": optional E.164 number, "reason": optional text}``. A
        receipt for a message already final, or unknown, is ignored.
        Returns the number of messages updated."""
        company.ensure_one()
        by_id = {}
        for receipt in receipts:
            if receipt.get("status") not in ("delivered", "failed") or not receipt.get("id"):
                raise ValidationError(_("A delivery receipt needs the message id and a status (delivered or failed)."))
            by_id.setdefault(str(receipt["id"]), []).append(receipt)
        messages = (
            self.env["ihospital.sms.message"]
            .sudo()
            .search(
                [
                    ("company_id", "=", company.id),
                    ("provider_message_id", "in", list(by_id)),
                    ("state", "=", "sent"),
                ]
            )
        )
        updates = []
        for message in messages:
            for receipt in by_id[message.provider_message_id]:
                number = receipt.get("number") and sms_number(receipt["number"])
                if number and number != message.number:
                    continue
                updates.append((message, receipt["status"], mask_identity_text(receipt.get("reason") or "")))
                break
        self.env["ihospital.sms.message"].sudo()._ihospital_apply_results(
            [(message, status, False, reason) for message, status, reason in updates]
        )
        return len(updates)

    @api.model
    def _handle_callback(self, company_id, kind, headers, payload):
        """A request the provider `kind` sent to the hospital's callback
        address (delivery receipts, replies). The adapter
        (``ihospital.sms.message`` ``_provider_callback_<kind>``)
        authenticates it and reads it; only then is anything changed.
        Sudo here: the caller is the provider, not a user of the suite.
        Returns (receipts applied, replies read)."""
        company = self.env["res.company"].sudo().browse(company_id).exists()
        Message = self.env["ihospital.sms.message"].sudo()
        reader = getattr(Message, f"_provider_callback_{kind}", None)
        if not company or not company.is_hospital or company.ihospital_sms_provider != kind or not reader:
            raise AccessError(_("Unknown SMS callback."))
        receipts, replies = reader(company, headers, payload)
        applied = self.sudo()._apply_receipts(company, receipts)
        for reply in replies:
            self.sudo()._receive_reply(company, reply.get("number"), reply.get("text"))
        return applied, len(replies)

    @api.model
    def _check_bearer(self, company, headers):
        """The generic callback authentication: ``Authorization: Bearer
        <the hospital's SMS callback token>``, compared in constant time."""
        token = company.sudo().ihospital_sms_callback_token or ""
        given = (headers.get("Authorization") or "").removeprefix("Bearer ").strip()
        if not token or not hmac.compare_digest(token.encode(), given.encode()):
            raise AccessError(_("The SMS callback is not authenticated."))

    @api.model
    def _read_json_events(self, payload):
        """Receipts and replies of the generic JSON callback:
        ``{"receipts": [{"id", "status", "number", "reason"}], "replies":
        [{"number", "text"}]}``."""
        try:
            data = json.loads(payload or b"{}")
        except ValueError as error:
            raise ValidationError(_("The SMS callback is not valid JSON.")) from error
        receipts, replies = data.get("receipts", []), data.get("replies", [])
        if not isinstance(receipts, list) or not isinstance(replies, list):
            raise ValidationError(_("Receipts and replies are lists."))
        if not all(isinstance(item, dict) for item in receipts + replies):
            raise ValidationError(_("Each receipt and reply is an object."))
        return receipts, replies
