import hashlib
import hmac
import secrets
from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools.misc import hmac as misc_hmac

from .ihospital_patient import mask_middle, normalize_phone
from .ihospital_sms import sms_number

MAX_ATTEMPTS = 5
LOCK_MINUTES = 30
CODE_MINUTES = 10
VALID_MINUTES = 30
RESEND_SECONDS = 60
# Daily caps on texted codes: per account, and per phone number (whatever
# the account), so that nobody floods a phone or buys many tries.
MAX_CODES_PER_ACCOUNT_DAY = 10
MAX_CODES_PER_PHONE_DAY = 5


class IhospitalReportVerification(models.Model):
    """Identity check an account passes before reading one patient's
    reports (取报告单): the patient's full ID number (never shown anywhere in
    full) plus a one-time code texted to the patient's phone. Kept in the
    database (not the session) so that tries, lock-outs and validity survive
    new sessions and are shared by every device of the account.

    The code goes to the phone the hospital registered when the account's
    link is not confirmed yet; passing the check then confirms the link.
    A change of phone from the portal is proven by a code to the old phone."""

    _name = "ihospital.report.verification"
    _description = "Report Identity Verification"
    _order = "write_date desc, id desc"

    user_id = fields.Many2one("res.users", string="Account", required=True, index=True, ondelete="cascade")
    patient_id = fields.Many2one("ihospital.patient", required=True, index=True, ondelete="cascade")
    company_id = fields.Many2one(related="patient_id.company_id", store=True, index=True)
    code_hash = fields.Char(copy=False)
    code_sent_at = fields.Datetime(readonly=True)
    code_expires_at = fields.Datetime(readonly=True)
    attempts = fields.Integer(string="Failed Attempts", readonly=True)
    locked_until = fields.Datetime(readonly=True)
    verified_until = fields.Datetime(readonly=True)
    # a phone change asked from the portal, waiting for the code sent to the old phone
    pending_phone = fields.Char(readonly=True, groups="ihospital_base.group_patient_identity")
    phone_code_hash = fields.Char(copy=False)
    phone_code_expires_at = fields.Datetime(readonly=True)

    _sql_constraints = [
        ("user_patient_uniq", "unique(user_id, patient_id)", "One verification per account and patient."),
    ]

    # ------------------------------------------------------------------ helpers
    @api.model
    def _get_for(self, user, patient):
        """The verification record of this account and patient (created on
        first use). Sudo: the record is technical and portal accounts have
        no access to it; callers pass a patient the account manages."""
        Verification = self.sudo()
        verification = Verification.search([("user_id", "=", user.id), ("patient_id", "=", patient.id)], limit=1)
        return verification or Verification.create({"user_id": user.id, "patient_id": patient.id})

    @api.model
    def _generate_code(self):
        return f"{secrets.randbelow(10**6):06d}"

    def _hash_code(self, code):
        secret = self.env["ir.config_parameter"].sudo().get_param("database.secret", "")
        message = f"{self.id}:{self.user_id.id}:{self.patient_id.id}:{code}".encode()
        return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()

    def _is_locked(self):
        self.ensure_one()
        return bool(self.locked_until and self.locked_until > fields.Datetime.now())

    def _is_verified(self):
        self.ensure_one()
        return bool(self.verified_until and self.verified_until > fields.Datetime.now())

    # ------------------------------------------------------------------ actions
    def _link(self):
        return (
            self.env["ihospital.patient.account"]
            .sudo()
            .search([("user_id", "=", self.user_id.id), ("patient_id", "=", self.patient_id.id)], limit=1)
        )

    def _code_phone(self):
        """The phone the code goes to, or a UserError saying why none."""
        patient_sudo = self.patient_id.sudo()
        link = self._link()
        if link.state != "confirmed" and patient_sudo.phone_source != "hospital":
            raise UserError(
                _(
                    "The hospital has not confirmed yet that you manage %s. Show the patient's ID document at the "
                    "registration desk, or ask the desk to register the patient's phone.",
                    link.portal_name or "",
                )
            )
        phone = patient_sudo.phone or patient_sudo.guardian_phone
        if not phone:
            raise UserError(_("This patient has no phone number on file. Ask the hospital's service desk to add one."))
        return phone

    def _check_code_quota(self, phone):
        """Daily caps per account and per phone (ihospital.code.sent)."""
        Sent = self.env["ihospital.code.sent"].sudo()
        since = fields.Datetime.now() - timedelta(days=1)
        phone_hash = Sent._phone_hash(phone)
        by_account = Sent.search_count([("user_id", "=", self.user_id.id), ("create_date", ">", since)])
        by_phone = Sent.search_count([("phone_hash", "=", phone_hash), ("create_date", ">", since)])
        if by_account >= MAX_CODES_PER_ACCOUNT_DAY or by_phone >= MAX_CODES_PER_PHONE_DAY:
            raise UserError(_("Too many codes were sent today. Try again tomorrow or ask the hospital's service desk."))
        Sent.create({"user_id": self.user_id.id, "phone_hash": phone_hash})

    def _check_can_text(self, phone):
        """Before anything is counted or stored: the hospital can text this
        phone (an SMS provider is set up, the number takes texts)."""
        if self.patient_id.sudo().company_id.ihospital_sms_provider == "none" or not sms_number(phone):
            raise UserError(
                _("The hospital cannot text this phone now. Ask the hospital's service desk to check your identity.")
            )

    def _text(self, phone, template, variables):
        """Text a code through the hospital's SMS provider, right after
        commit (a code whose hash was rolled back is never sent). Not
        through the patient's chatter: the code must not be stored on the
        patient's record (the SMS log hides it once sent). The patient is
        told at once when the hospital cannot text."""
        message = self.env["ihospital.sms"]._send(
            self.patient_id.sudo().company_id, template, [(phone, variables, self)]
        )
        if message.state == "failed":
            raise UserError(
                _("The hospital cannot text this phone now. Ask the hospital's service desk to check your identity.")
            )

    def _send_code(self):
        """Text a new one-time code to the patient's phone. Raises UserError
        with a sentence for the patient when it cannot be sent now."""
        self.ensure_one()
        now = fields.Datetime.now()
        if self._is_locked():
            raise UserError(_("Too many wrong tries. Try again after %s.", self._locked_until_label()))
        if self.code_sent_at and self.code_sent_at > now - timedelta(seconds=RESEND_SECONDS):
            raise UserError(_("A code was just sent. Wait a minute before asking for a new one."))
        phone = self._code_phone()
        self._check_can_text(phone)
        self._check_code_quota(phone)
        code = self._generate_code()
        self.write(
            {
                "code_hash": self._hash_code(code),
                "code_sent_at": now,
                "code_expires_at": now + timedelta(minutes=CODE_MINUTES),
            }
        )
        self._text(phone, "verification_report", {"code": code, "minutes": CODE_MINUTES})
        return True

    def _check_code(self, id_number_given, code):
        """Check the full ID number and the code. Every wrong try counts;
        after MAX_ATTEMPTS the pair is locked for LOCK_MINUTES, even for the
        right code. Returns (True, None) or (False, a sentence for the
        patient): it does not raise, so that the counted try is kept when
        the request ends. Passing it confirms an unconfirmed link (the code
        went to the phone the hospital registered)."""
        self.ensure_one()
        now = fields.Datetime.now()
        if self._is_locked():
            return False, _("Too many wrong tries. Try again after %s.", self._locked_until_label())
        id_number = (self.patient_id.sudo().id_number or "").strip().upper()
        given_id = "".join((id_number_given or "").split()).upper()
        id_ok = bool(id_number) and hmac.compare_digest(id_number.encode(), given_id.encode())
        code_live = bool(self.code_hash and self.code_expires_at and self.code_expires_at > now)
        code_ok = code_live and hmac.compare_digest(self.code_hash, self._hash_code((code or "").strip()))
        if id_ok and code_ok:
            self.write(
                {
                    "attempts": 0,
                    "code_hash": False,
                    "code_expires_at": False,
                    "locked_until": False,
                    "verified_until": now + timedelta(minutes=VALID_MINUTES),
                }
            )
            link = self._link()
            if link.state != "confirmed":
                link._confirm("sms")
            return True, None
        if not code_live:
            return False, self._wrong_try(
                lambda left: _(
                    "The code has expired or was not requested: ask for a new code. %(left)d tries left.", left=left
                )
            )
        return False, self._wrong_try(
            lambda left: _("The ID number or the code is wrong. %(left)d tries left.", left=left)
        )

    def _wrong_try(self, sentence):
        """Count a wrong try (report check or phone change alike): after
        MAX_ATTEMPTS every pending code is dropped and the pair locked for
        LOCK_MINUTES. Returns the sentence for the patient; `sentence(left)`
        words the tries left."""
        attempts = self.attempts + 1
        if attempts >= MAX_ATTEMPTS:
            self.write(
                {
                    "attempts": 0,
                    "code_hash": False,
                    "phone_code_hash": False,
                    "locked_until": fields.Datetime.now() + timedelta(minutes=LOCK_MINUTES),
                }
            )
            return _("Too many wrong tries. Try again after %s.", self._locked_until_label())
        self.attempts = attempts
        return sentence(MAX_ATTEMPTS - attempts)

    def _locked_until_label(self):
        record = self.with_context(tz=self.env.user.tz or self.company_id.hospital_tz or "Asia/Shanghai")
        return fields.Datetime.context_timestamp(record, self.locked_until).strftime("%H:%M")

    # ------------------------------------------------------------------ phone change
    def _request_phone_change(self, new_phone):
        """Ask to change the patient's phone from the portal: a code goes to
        the phone on file (the old one), which alone proves the change. A
        patient without a phone gets it at once. Returns True when the phone
        changed now, False when a code was sent."""
        self.ensure_one()
        patient_sudo = self.patient_id.sudo()
        try:
            new_phone = normalize_phone(new_phone)
        except ValidationError as error:
            raise UserError(error.args[0]) from error
        if new_phone == patient_sudo.phone:
            return True
        if not patient_sudo.phone:
            patient_sudo.write({"phone": new_phone, "phone_source": "portal"})
            return True
        if self._is_locked():
            raise UserError(_("Too many wrong tries. Try again after %s.", self._locked_until_label()))
        self._check_can_text(patient_sudo.phone)
        self._check_code_quota(patient_sudo.phone)
        code = self._generate_code()
        self.write(
            {
                "pending_phone": new_phone,
                "phone_code_hash": self._hash_code("phone:" + code),
                "phone_code_expires_at": fields.Datetime.now() + timedelta(minutes=CODE_MINUTES),
            }
        )
        self._text(
            patient_sudo.phone,
            "verification_phone_change",
            {"code": code, "patient": patient_sudo.name, "phone": mask_middle(new_phone, 6, 4)},
        )
        return False

    def _confirm_phone_change(self, code):
        """Apply the pending phone change if `code` is the one sent to the
        old phone; wrong codes count toward the lock-out. Returns (ok,
        sentence)."""
        self.ensure_one()
        now = fields.Datetime.now()
        if self._is_locked():
            return False, _("Too many wrong tries. Try again after %s.", self._locked_until_label())
        live = bool(self.pending_phone and self.phone_code_expires_at and self.phone_code_expires_at > now)
        if live and hmac.compare_digest(self.phone_code_hash or "", self._hash_code("phone:" + (code or "").strip())):
            patient_sudo = self.patient_id.sudo()
            # the old phone's owner agreed: the new phone is as good as the old one
            patient_sudo.write({"phone": self.pending_phone, "phone_source": patient_sudo.phone_source})
            self.write({"pending_phone": False, "phone_code_hash": False, "phone_code_expires_at": False})
            return True, None
        return False, self._wrong_try(
            lambda left: _("The code is wrong or has expired. %(left)d tries left.", left=left)
        )


class IhospitalCodeSent(models.Model):
    """One texted code, for the daily caps per account and per phone. The
    phone is kept as a keyed hash only."""

    _name = "ihospital.code.sent"
    _description = "Texted Verification Code"
    _log_access = True

    user_id = fields.Many2one("res.users", required=True, index=True, ondelete="cascade")
    phone_hash = fields.Char(required=True, index=True)

    @api.model
    def _phone_hash(self, phone):
        return misc_hmac(self.env(su=True), "ihospital-code-sent-phone", phone)

    @api.autovacuum
    def _gc_old(self):
        self.sudo().search([("create_date", "<", fields.Datetime.now() - timedelta(days=2))]).unlink()
