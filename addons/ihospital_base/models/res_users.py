import re

from odoo import _, models
from odoo.exceptions import UserError

# Staff passwords chosen in the apps (own preferences, or an administrator's
# "Change Password"): long, mixed, not the login.
PASSWORD_MIN_LENGTH = 10
PASSWORD_MIN_CLASSES = 3
_CLASSES = (r"[a-z]", r"[A-Z]", r"[0-9]", r"[^a-zA-Z0-9]")


class ResUsers(models.Model):
    """Users are found by the pinyin of their name and of their staff
    records' names (many2one fields on users, XML-RPC name_search)."""

    _name = "res.users"
    _inherit = ["res.users", "ihospital.pinyin.mixin"]
    _pinyin_source = ("name", "employee_ids.name")

    def _pinyin_texts(self):
        # the staff records of every hospital, in one query (employee_ids
        # keeps those of the current companies only)
        employees = (
            self.env["hr.employee"]
            .sudo()
            .with_context(active_test=False)
            .search_fetch([("user_id", "in", self._origin.ids)], ["user_id", "name"])
        )
        names = {}
        for employee in employees:
            names.setdefault(employee.user_id.id, []).append(employee.name)
        return {user: [user.name, *names.get(user._origin.id, ())] for user in self}

    def _mfa_type(self):
        """Staff of a hospital that requires two-factor login: without an
        authenticator app they get a code by mail at every login (Odoo's
        auth_totp_mail_enforce), which also asks them to set up the app."""
        mfa = super()._mfa_type()
        if mfa is None and self._is_internal() and self.company_id.ihospital_require_totp:
            return "totp_mail"
        return mfa

    def _change_password(self, new_passwd):
        self._ihospital_check_password(new_passwd)
        return super()._change_password(new_passwd)

    def _ihospital_check_password(self, password):
        """Odoo's own rule is length only; staff passwords guard patient
        records. Portal accounts keep Odoo's rules."""
        if not self._is_internal():
            return
        # Odoo strips the password before storing it: judge what is stored
        password = (password or "").strip()
        classes = sum(1 for pattern in _CLASSES if re.search(pattern, password))
        if (
            len(password) < PASSWORD_MIN_LENGTH
            or classes < PASSWORD_MIN_CLASSES
            or (self.login and self.login.lower() in password.lower())
        ):
            raise UserError(
                _(
                    "Choose a password of at least %(length)d characters mixing %(classes)d of: lower-case letters, "
                    "capitals, digits, other signs; it must not contain the login.",
                    length=PASSWORD_MIN_LENGTH,
                    classes=PASSWORD_MIN_CLASSES,
                )
            )
