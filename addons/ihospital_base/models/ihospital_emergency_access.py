from datetime import timedelta

from odoo import _, api, fields, models, tools
from odoo.exceptions import UserError
from odoo.osv import expression

from .ihospital_guard_mixin import DOCTOR, NURSE, QUALITY

REASON_KINDS = [
    ("emergency", "Emergency"),
    ("consultation", "Inter-department Consultation"),
    ("other", "Other"),
]
REVIEW_STATES = [
    ("to_review", "To Review"),
    ("appropriate", "Appropriate"),
    ("inappropriate", "Inappropriate"),
]
# a reason the quality office can judge: "急诊" alone says nothing
MIN_REASON_LENGTH = 8
DEFAULT_HOURS = 4
MAX_HOURS = 24
# A clinician needs few; more is browsing, for the quality office to look at
MAX_GRANTS_PER_DAY = 10
CLINICIANS = (NURSE, DOCTOR)


class IhospitalEmergencyAccess(models.Model):
    """Emergency access to a patient (break the glass, 紧急授权): a nurse or
    doctor who must see a patient outside their departments (an emergency,
    an inter-department consultation 会诊) states why and reads that
    patient's clinical data for a few hours. The grant, and every view
    under it, is in the access log; the quality office reviews each grant.

    Created by `ihospital.patient._break_glass` only (the engine), never by
    a plain create; the clinician, the patient, the times and the review
    are the engine's. The record rules that the grant widens are in
    security/ihospital_base_security.xml (`*_rule_emergency`)."""

    _name = "ihospital.emergency.access"
    _description = "Emergency Access"
    _inherit = ["ihospital.audited.mixin", "ihospital.guard.mixin"]
    _order = "granted_at desc, id desc"
    _engine_create_only = True
    _patient_link_fields = ()
    _engine_fields = (
        "user_id",
        "patient_id",
        "company_id",
        "department_id",
        "reason_kind",
        "reason",
        "granted_at",
        "expires_at",
        "revoked_at",
        "revoked_by_id",
        "review_state",
        "reviewed_by_id",
        "reviewed_at",
    )
    _action_groups = {
        "action_revoke": (NURSE, DOCTOR, QUALITY),
        "action_review_appropriate": (QUALITY,),
        "action_review_inappropriate": (QUALITY,),
        "action_view_access_logs": (QUALITY,),
    }

    user_id = fields.Many2one("res.users", string="Clinician", required=True, readonly=True, index=True)
    department_id = fields.Many2one(
        "hr.department", string="Clinician's Department", readonly=True, help="Where the clinician works."
    )
    patient_id = fields.Many2one("ihospital.patient", required=True, readonly=True, index=True, ondelete="restrict")
    company_id = fields.Many2one("res.company", string="Hospital", required=True, readonly=True, index=True)
    reason_kind = fields.Selection(REASON_KINDS, string="Reason", required=True, readonly=True)
    reason = fields.Text(string="Why", required=True, readonly=True)
    granted_at = fields.Datetime(required=True, readonly=True)
    expires_at = fields.Datetime(required=True, readonly=True, index=True)
    revoked_at = fields.Datetime(string="Ended At", readonly=True)
    revoked_by_id = fields.Many2one("res.users", string="Ended By", readonly=True)
    state = fields.Selection(
        [("active", "Active"), ("expired", "Expired"), ("revoked", "Ended Early")],
        compute="_compute_state",
        search="_search_state",
    )
    review_state = fields.Selection(REVIEW_STATES, string="Review", default="to_review", required=True, index=True)
    review_note = fields.Text(help="What the quality office found: why the access was or was not appropriate.")
    reviewed_by_id = fields.Many2one("res.users", readonly=True)
    reviewed_at = fields.Datetime(readonly=True)
    access_log_ids = fields.One2many("ihospital.access.log", "emergency_access_id", string="Views Under This Access")
    access_log_count = fields.Integer(string="Views", compute="_compute_access_log_count")

    @api.depends("expires_at", "revoked_at")
    def _compute_state(self):
        now = fields.Datetime.now()
        for access in self:
            if access.revoked_at:
                access.state = "revoked"
            else:
                access.state = "active" if access.expires_at and access.expires_at > now else "expired"

    def _search_state(self, operator, value):
        if operator not in ("=", "!=", "in", "not in"):
            raise UserError(_("Unsupported search on the state of an emergency access."))
        values = {value} if isinstance(value, str) else set(value or ())
        # evaluated at each search: "active" is the time of the query
        now = fields.Datetime.now()
        domains = {
            "active": [("revoked_at", "=", False), ("expires_at", ">", now)],
            "expired": [("revoked_at", "=", False), ("expires_at", "<=", now)],
            "revoked": [("revoked_at", "!=", False)],
        }
        domain = expression.OR([domains[state] for state in values if state in domains] or [expression.FALSE_DOMAIN])
        return domain if operator in ("=", "in") else ["!", *domain]

    def _compute_access_log_count(self):
        counts = dict(
            self.env["ihospital.access.log"]
            .sudo()
            ._read_group([("emergency_access_id", "in", self.ids)], ["emergency_access_id"], ["__count"])
        )
        for access in self:
            access.access_log_count = counts.get(access, 0)

    def _compute_display_name(self):
        for access in self.sudo():
            access.display_name = f"{access.user_id.name} → {access.patient_id.name}"

    # the engine's changes of who and until when: the cached grants below
    # follow them
    @api.model_create_multi
    def create(self, vals_list):
        accesses = super().create(vals_list)
        self._clear_grant_cache()
        return accesses

    def write(self, vals):
        result = super().write(vals)
        if {"user_id", "patient_id", "expires_at", "revoked_at"} & set(vals):
            self._clear_grant_cache()
        return result

    def _check_action_access(self):
        # the changes are the engine's (sudo) after this check: the caller
        # must see the grants (a clinician its own, the quality office its
        # hospital's); nobody writes them directly
        self.check_access("read")

    def action_revoke(self):
        """End an access before it expires (the clinician is done, or the
        quality office stops it)."""
        self._check_action("action_revoke")
        if any(access.state != "active" for access in self):
            raise UserError(_("Only an active emergency access can be ended."))
        self.sudo().write({"revoked_at": fields.Datetime.now(), "revoked_by_id": self.env.uid})
        return True

    def action_review_appropriate(self):
        return self._review("appropriate")

    def action_review_inappropriate(self):
        return self._review("inappropriate")

    def action_view_access_logs(self):
        self.ensure_one()
        self._check_action("action_view_access_logs")
        action = self.env["ir.actions.act_window"]._for_xml_id("ihospital_base.ihospital_access_log_action")
        action["domain"] = [("emergency_access_id", "=", self.id)]
        action["context"] = {}
        return action

    def _review(self, outcome):
        """The quality office's judgement of a grant: appropriate, or not
        (then with a note saying why). Once, and never by the clinician who
        used the access."""
        self._check_action(f"action_review_{outcome}")
        for access in self:
            if access.review_state != "to_review":
                raise UserError(_("This emergency access has already been reviewed."))
            if access.user_id == self.env.user:
                raise UserError(_("You cannot review your own emergency access."))
            if outcome == "inappropriate" and not (access.review_note or "").strip():
                raise UserError(_("Write in the note why this emergency access was not appropriate."))
        self.sudo().write(
            {"review_state": outcome, "reviewed_by_id": self.env.uid, "reviewed_at": fields.Datetime.now()}
        )
        return True

    def _check_guarded_vals(self, vals_list, creating=False):
        result = super()._check_guarded_vals(vals_list, creating=creating)
        if not self.env.su and not creating and "review_note" in vals_list[0]:
            self.check_access("write")
            if any(access.review_state != "to_review" for access in self):
                raise UserError(_("The note of a reviewed emergency access cannot be changed."))
        return result

    @api.model
    def _grant(self, patient, reason_kind, reason):
        """The engine's grant of `patient` to the current user: the caller
        (ihospital.patient._break_glass) checked who may ask."""
        company = patient.company_id
        hours = company.ihospital_emergency_access_hours or DEFAULT_HOURS
        now = fields.Datetime.now()
        employee = (
            self.env["hr.employee"]
            .sudo()
            .search([("user_id", "=", self.env.uid), ("company_id", "=", company.id)], limit=1)
        )
        return self.sudo().create(
            {
                "user_id": self.env.uid,
                "department_id": employee.department_id.id,
                "patient_id": patient.id,
                "company_id": company.id,
                "reason_kind": reason_kind,
                "reason": reason,
                "granted_at": now,
                "expires_at": now + timedelta(hours=min(hours, MAX_HOURS)),
            }
        )

    # Which grants a user holds, for the access log, the patient's banner
    # and the access checks Odoo makes in Python on loaded records (the
    # compute of has_emergency_access; the rules' SQL asks the database at
    # each query). Cached per user so that every audited read of every
    # clinician costs no query; each grant is kept with its expiry and
    # filtered at each use, so expiry needs no invalidation; grants and
    # revocations clear the cache, now and again after their commit (a
    # request filling it from an older snapshot meanwhile; other worker
    # processes clear theirs at their next request, Odoo's signaling).
    @api.model
    @tools.ormcache("uid")
    def _active_grants_cached(self, uid):
        grants = self.sudo().search_fetch(
            [("user_id", "=", uid), ("revoked_at", "=", False), ("expires_at", ">", fields.Datetime.now())],
            ["patient_id", "expires_at"],
        )
        return tuple((grant.id, grant.patient_id.id, grant.expires_at) for grant in grants)

    @api.model
    def _active_grants(self, uid=None):
        """{patient id: grant id} of the user's grants active now."""
        now = fields.Datetime.now()
        return {
            patient_id: grant_id
            for grant_id, patient_id, expires_at in self._active_grants_cached(uid or self.env.uid)
            if expires_at > now
        }

    def _clear_grant_cache(self):
        self.env.registry.clear_cache()
        self.env.cr.postcommit.add(self.env.registry.clear_cache)
        # and the values computed from it in this transaction
        self.env["ihospital.patient"].invalidate_model(["has_emergency_access", "emergency_access_expires_at"])

    @api.model
    def _grant_for(self, records):
        """The current user's active grant covering `records` (patients or
        records of one patient), or an empty recordset: what marks a row
        of the access log as a view under emergency access."""
        grants = self._active_grants()
        if not grants or not records:
            return self.browse()
        records_sudo = records.sudo()
        if records._name == "ihospital.patient":
            patient_ids = records.ids
        elif "patient_id" in records._fields:
            patient_ids = records_sudo.patient_id.ids
        elif "report_id" in records._fields and "patient_id" in records_sudo.report_id._fields:
            patient_ids = records_sudo.report_id.patient_id.ids
        else:
            return self.browse()
        return self.browse(next((grants[pid] for pid in patient_ids if pid in grants), None) or ())
