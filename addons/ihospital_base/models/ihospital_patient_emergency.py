from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.osv import expression

from .ihospital_emergency_access import CLINICIANS, MAX_GRANTS_PER_DAY, MIN_REASON_LENGTH, REASON_KINDS

# Set by the suite itself to leave emergency grants out of a check (linking
# a record to a patient). It can only narrow what a user sees, so a caller
# setting it gains nothing.
NO_EMERGENCY_ACCESS = "ihospital_no_emergency_access"


class IhospitalPatient(models.Model):
    """Emergency access (break the glass) on the patient: who holds one now
    (a field the record rules search at each query) and how a clinician
    asks for one. Kept apart from ihospital_patient.py: the grants are
    their own feature."""

    _inherit = "ihospital.patient"  # pylint: disable=consider-merging-classes-inherited

    # Searched by the `*_rule_emergency` record rules. Odoo caches each
    # user's rule domains (ir.rule._compute_domain is ormcached), so a
    # domain holding the time would keep the time of its first use; this
    # field's search runs when each query is built, with the time of that
    # query, so a grant stops widening the rules the second it expires,
    # with no cache to clear and no cron.
    has_emergency_access = fields.Boolean(
        compute="_compute_emergency_access",
        search="_search_has_emergency_access",
        help="You see this patient through an emergency access (break the glass).",
    )
    emergency_access_expires_at = fields.Datetime(string="Emergency Access Until", compute="_compute_emergency_access")

    # Odoo checks the access to records already loaded in Python
    # (BaseModel._check_access: filtered_domain), where this compute answers
    # instead of the search: both must say the same, per user and with the
    # time of the check
    @api.depends_context("uid", NO_EMERGENCY_ACCESS)
    def _compute_emergency_access(self):
        if self.env.context.get(NO_EMERGENCY_ACCESS):
            self.has_emergency_access = False
            self.emergency_access_expires_at = False
            return
        Access = self.env["ihospital.emergency.access"]
        grants = Access._active_grants()
        expiries = {access.id: access.expires_at for access in Access.sudo().browse(list(grants.values()))}
        for patient in self:
            grant_id = grants.get(patient.id)
            patient.has_emergency_access = bool(grant_id)
            patient.emergency_access_expires_at = expiries.get(grant_id, False)

    def _search_has_emergency_access(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise UserError(_("Unsupported search on emergency access."))
        positive = (operator == "=") == value
        if self.env.context.get(NO_EMERGENCY_ACCESS):
            return expression.FALSE_DOMAIN if positive else expression.TRUE_DOMAIN
        # the user's grants active at the time of this query (sudo: the
        # rules of the grants are not the question here)
        grants = (
            self.env["ihospital.emergency.access"]
            .sudo()
            ._search(
                [
                    ("user_id", "=", self.env.uid),
                    ("revoked_at", "=", False),
                    ("expires_at", ">", fields.Datetime.now()),
                ]
            )
        )
        return [("id", "in" if positive else "not in", grants.subselect("patient_id"))]

    def _break_glass(self, reason_kind, reason):
        """Emergency access to this patient for the caller, a nurse or a
        doctor of the patient's hospital, with a reason the quality office
        will review: check who asks and why, then grant (the engine). Not a
        public method: a grant starts from a number the clinician has in
        hand (the wizard's _find_for_emergency), never from a record id,
        and a clinician holds one grant per patient at a time, at most
        MAX_GRANTS_PER_DAY a day. The caller cannot read the patient yet:
        the checks are on the caller's role and hospitals, and the patient
        is read as superuser only here."""
        self.ensure_one()
        user = self.env.user
        if self.env.su:
            raise AccessError(_("Emergency access is for a clinician, not for the system."))
        if not user._is_internal() or not any(user.has_group(group) for group in CLINICIANS):
            raise AccessError(_("Only nurses and doctors may ask for emergency access to a patient."))
        patient_sudo = self.sudo().with_context(active_test=False)
        if not patient_sudo.exists() or patient_sudo.company_id not in user.company_ids:
            raise AccessError(_("This patient is not one of your hospital's."))
        if reason_kind not in dict(REASON_KINDS):
            raise UserError(_("Choose why you need emergency access."))
        reason = (reason or "").strip() if isinstance(reason, str) else ""
        if len(reason) < MIN_REASON_LENGTH:
            raise UserError(
                _(
                    "Say in at least %(count)s characters why you need this patient's records.",
                    count=MIN_REASON_LENGTH,
                )
            )
        if self.with_context(**{NO_EMERGENCY_ACCESS: True}).has_access("read"):
            raise UserError(_("You can already see this patient: no emergency access is needed."))
        Access = self.env["ihospital.emergency.access"]
        if self.id in Access._active_grants():
            raise UserError(_("You have emergency access to this patient already: it has not expired."))
        since = fields.Datetime.now() - timedelta(days=1)
        recent = Access.sudo().search_count([("user_id", "=", user.id), ("granted_at", ">", since)])
        if recent >= MAX_GRANTS_PER_DAY:
            raise UserError(
                _(
                    "You asked for emergency access %(count)s times in the last 24 hours: ask the quality office "
                    "for any further access.",
                    count=recent,
                )
            )
        access = self.env["ihospital.emergency.access"]._grant(patient_sudo, reason_kind, reason)
        self.env["ihospital.access.log"]._log(
            self, "emergency", f"{reason_kind}: {reason}", emergency_access=access.sudo()
        )
        return access

    @api.model
    def _find_for_emergency(self, identifier):
        """The patient of the current hospital whose medical card number,
        HIS number or ID number is exactly `identifier`: emergency access
        starts from a number the clinician has in hand, never from a name
        (no browsing of the hospital's patients)."""
        number = (identifier or "").strip()
        if len(number) < 4:
            raise UserError(_("Type the patient's full medical card number, HIS number or ID number."))
        patients = (
            self.sudo()
            .with_context(active_test=False)
            .search(
                [
                    ("company_id", "=", self.env.company.id),
                    "|",
                    "|",
                    ("medical_card_number", "=", number),
                    ("his_patient_id", "=", number),
                    ("id_number", "=", number.upper()),
                ],
                limit=2,
            )
        )
        if not patients:
            raise UserError(_("No patient of this hospital has this number."))
        if len(patients) > 1:
            raise UserError(_("Several patients have this number: use the medical card number."))
        return self.browse(patients.id)
