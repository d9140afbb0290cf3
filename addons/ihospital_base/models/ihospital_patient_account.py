from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError

from .ihospital_guard_mixin import CLINIC_STAFF
from .ihospital_patient_emergency import NO_EMERGENCY_ACCESS

LINK_STATES = [("unconfirmed", "Awaiting Confirmation"), ("confirmed", "Confirmed")]
CONFIRMATIONS = [
    ("desk", "At the Hospital's Desk"),
    ("sms", "Code to the Phone the Hospital Registered"),
]


class IhospitalPatientAccount(models.Model):
    """Link between a portal account and a patient it manages.

    A link made from the portal is unconfirmed: the account may book, queue
    and ask a doctor for the patient, but reads no report or other clinical
    result, and no result of the hospital reaches it, until the hospital
    confirms the link with evidence the account holder cannot fake: a desk
    check of the patient's ID document, or a code texted to the phone the
    hospital itself registered for the patient. An ID number alone never
    confirms a link. Links made by staff in the back office are the desk's
    own and confirmed at once."""

    _name = "ihospital.patient.account"
    _inherit = ["ihospital.audited.mixin", "ihospital.guard.mixin"]
    _description = "Patient Managing Account"
    _order = "user_id, sequence, id"
    _engine_fields = ("state", "confirmation", "confirmed_at", "confirmed_by_id", "created_patient")
    _action_groups = {"action_confirm_at_desk": CLINIC_STAFF}

    sequence = fields.Integer(default=10)
    patient_id = fields.Many2one("ihospital.patient", required=True, index=True, ondelete="cascade")
    user_id = fields.Many2one("res.users", string="Account", required=True, index=True, ondelete="cascade")
    company_id = fields.Many2one(related="patient_id.company_id", store=True, index=True)
    relation = fields.Selection(
        [
            ("self", "Self"),
            ("child", "Child"),
            ("parent", "Parent"),
            ("spouse", "Spouse"),
            ("relative", "Relative"),
            ("other", "Other"),
        ],
        required=True,
        default="self",
    )
    state = fields.Selection(LINK_STATES, required=True, default="unconfirmed", index=True, readonly=True)
    confirmation = fields.Selection(CONFIRMATIONS, string="Confirmed By", readonly=True)
    confirmed_at = fields.Datetime(readonly=True)
    confirmed_by_id = fields.Many2one("res.users", string="Confirmed by User", readonly=True)
    created_patient = fields.Boolean(
        readonly=True, help="The account registered this patient itself: what it shows is what the account entered."
    )
    requested_name = fields.Char(
        string="Name Given by the Account",
        readonly=True,
        help="The name the account typed when it linked a patient the hospital already knew.",
    )

    portal_name = fields.Char(string="Name Shown to the Account", compute="_compute_portal_name")

    _sql_constraints = [
        ("patient_user_uniq", "unique(patient_id, user_id)", "This account already manages this patient."),
    ]

    @api.depends("state", "requested_name", "patient_id.name")
    def _compute_portal_name(self):
        for link in self:
            # Unconfirmed links all look the same, whether the account entered
            # a new patient or one the hospital knew: the page tells nothing.
            link.portal_name = link.sudo().patient_id.name if link.state == "confirmed" else link.requested_name

    @api.constrains("user_id", "patient_id")
    def _check_account_limit(self):
        for link in self.sudo():
            limit = link.company_id.hospital_max_patients_per_account
            count = self.sudo().search_count(
                [
                    ("user_id", "=", link.user_id.id),
                    ("company_id", "=", link.company_id.id),
                    ("patient_id.active", "=", True),
                ]
            )
            if count > limit:
                raise ValidationError(
                    _(
                        "An account may manage at most %(limit)d patients in %(hospital)s.",
                        limit=limit,
                        hospital=link.company_id.name,
                    )
                )

    def write(self, vals):
        if not self.env.su and {"patient_id", "user_id"} & set(vals):
            raise UserError(_("A link joins one account to one patient: remove it and link again instead."))
        return super().write(vals)

    @api.model_create_multi
    def create(self, vals_list):
        # Staff linking an account in the back office are the desk: their
        # links are confirmed. Links made for a portal account (the portal
        # routes, as superuser) start unconfirmed. The user, not sudo,
        # decides: sudo keeps the caller's identity.
        records = super().create(vals_list)
        if self.env.user._is_internal():
            records.sudo()._confirm("desk")
        return records

    # ------------------------------------------------------------------ actions
    def action_confirm_at_desk(self):
        """The desk saw the patient's ID document (or the patient's own
        consent) and confirms that this account manages the patient."""
        self._check_action("action_confirm_at_desk")
        if self.filtered(lambda link: link.state == "confirmed"):
            raise UserError(_("This link is already confirmed."))
        self.sudo()._confirm("desk")
        return True

    def _check_action_access(self):
        # the desk confirms links of the patients it may see (nurses and
        # doctors read links, they do not edit them); an emergency access
        # lets a clinician read a patient, never link an account to it
        self.patient_id.with_context(**{NO_EMERGENCY_ACCESS: True}).check_access("read")

    def _confirm(self, how):
        self.write(
            {
                "state": "confirmed",
                "confirmation": how,
                "confirmed_at": fields.Datetime.now(),
                "confirmed_by_id": self.env.user.id,
            }
        )
