import hashlib
import hmac
import secrets
from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import UserError

MAX_ATTEMPTS = 5
LOCK_MINUTES = 30
CODE_MINUTES = 10
VALID_MINUTES = 30
RESEND_SECONDS = 60


class IhospitalReportVerification(models.Model):
    """Identity check an account passes before reading one patient's
    reports (取报告单): the last four characters of the patient's ID number
    plus a one-time code texted to the patient's phone. Kept in the database
    (not the session) so that tries, lock-outs and validity survive new
    sessions and are shared by every device of the account."""

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
    def _send_code(self):
        """Text a new one-time code to the patient's phone. Raises UserError
        with a sentence for the patient when it cannot be sent now."""
        self.ensure_one()
        now = fields.Datetime.now()
        if self._is_locked():
            raise UserError(_("Too many wrong tries. Try again after %s.", self._locked_until_label()))
        if self.code_sent_at and self.code_sent_at > now - timedelta(seconds=RESEND_SECONDS):
            raise UserError(_("A code was just sent. Wait a minute before asking for a new one."))
        patient_sudo = self.patient_id.sudo()
        phone = patient_sudo.phone or patient_sudo.guardian_phone
        if not phone:
            raise UserError(_("This patient has no phone number on file. Ask the hospital's service desk to add one."))
        code = self._generate_code()
        self.write(
            {
                "code_hash": self._hash_code(code),
                "code_sent_at": now,
                "code_expires_at": now + timedelta(minutes=CODE_MINUTES),
            }
        )
        body = _(
            "%(hospital)s: your verification code for reading reports is %(code)s. It is valid for %(minutes)d "
            "minutes. Do not share it.",
            hospital=patient_sudo.company_id.name,
            code=code,
            minutes=CODE_MINUTES,
        )
        # Sent at once and not through the patient's chatter: the code must
        # not be stored on the patient's record.
        self.env["sms.sms"].sudo().create({"number": phone, "body": body}).send()
        return True

    def _check_code(self, id_last4, code):
        """Check the ID number's last four characters and the code. Every
        wrong try counts; after MAX_ATTEMPTS the pair is locked for
        LOCK_MINUTES, even for the right code. Returns (True, None) or
        (False, a sentence for the patient): it does not raise, so that the
        counted try is kept when the request ends."""
        self.ensure_one()
        now = fields.Datetime.now()
        if self._is_locked():
            return False, _("Too many wrong tries. Try again after %s.", self._locked_until_label())
        id_number = (self.patient_id.sudo().id_number or "").strip().upper()
        given_id = (id_last4 or "").strip().upper()
        id_ok = bool(id_number) and len(given_id) == 4 and hmac.compare_digest(id_number[-4:], given_id)
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
            return True, None
        attempts = self.attempts + 1
        if attempts >= MAX_ATTEMPTS:
            self.write({"attempts": 0, "code_hash": False, "locked_until": now + timedelta(minutes=LOCK_MINUTES)})
            return False, _("Too many wrong tries. Try again after %s.", self._locked_until_label())
        self.attempts = attempts
        if not code_live:
            return False, _(
                "The code has expired or was not requested: ask for a new code. %(left)d tries left.",
                left=MAX_ATTEMPTS - attempts,
            )
        return False, _(
            "The ID number's last four characters or the code are wrong. %(left)d tries left.",
            left=MAX_ATTEMPTS - attempts,
        )

    def _locked_until_label(self):
        record = self.with_context(tz=self.env.user.tz or self.company_id.hospital_tz or "Asia/Shanghai")
        return fields.Datetime.context_timestamp(record, self.locked_until).strftime("%H:%M")
