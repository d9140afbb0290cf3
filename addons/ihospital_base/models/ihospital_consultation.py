from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import formataddr

from .ihospital_guard_mixin import ADMIN, DOCTOR

CONSULTATION_STATES = [("open", "Waiting for the Doctor"), ("answered", "Answered"), ("closed", "Closed")]


class IhospitalConsultation(models.Model):
    """A question a patient's account asks a real-name doctor online
    (医生咨询). The thread is the chatter; a doctor's reply marks it
    answered; the asker closes it by rating the answer."""

    _name = "ihospital.consultation"
    _description = "Online Consultation"
    _inherit = [
        "ihospital.audited.mixin",
        "ihospital.guard.mixin",
        "ihospital.hospital.mixin",
        "rating.mixin",
        "mail.activity.mixin",
    ]
    _order = "create_date desc, id desc"
    # Patients follow up from the portal with read access only.
    _mail_post_access = "read"
    _engine_fields = ("state", "answered_date", "closed_date", "user_id")
    _action_groups = {"action_close": (DOCTOR, ADMIN), "action_reopen": (DOCTOR, ADMIN)}

    name = fields.Char(string="Reference", required=True, readonly=True, copy=False, default="/")
    subject = fields.Char(required=True, tracking=True)
    question = fields.Text(required=True)
    patient_id = fields.Many2one(
        "ihospital.patient", required=True, index=True, domain="[('company_id', '=', company_id)]"
    )
    user_id = fields.Many2one(
        "res.users", string="Asked by", required=True, index=True, default=lambda self: self.env.user, readonly=True
    )
    doctor_id = fields.Many2one(
        "hr.employee",
        required=True,
        index=True,
        tracking=True,
        domain="[('company_id', '=', company_id), ('online_consultation', '=', True)]",
    )
    department_id = fields.Many2one(
        "hr.department", related="doctor_id.department_id", store=True, index=True, string="Department"
    )
    state = fields.Selection(CONSULTATION_STATES, required=True, default="open", tracking=True, index=True)
    answered_date = fields.Datetime(string="First Answered", readonly=True, copy=False)
    closed_date = fields.Datetime(string="Closed", readonly=True, copy=False)
    # Not portal.mixin: its access token would open the thread to Odoo's
    # /mail/thread routes; only the asking account reads a consultation.
    access_url = fields.Char(string="Portal Link", compute="_compute_access_url")
    doctor_phone = fields.Char(
        string="Doctor's Consultation Phone",
        compute="_compute_doctor_phone",
        help="Shown to the patient only when the doctor authorized phone consultation.",
    )

    @api.depends("doctor_id.phone_consultation")
    def _compute_doctor_phone(self):
        for consultation in self:
            # sudo: the number is restricted to HR, but the doctor agreed to
            # show it to patients when phone consultation is authorized.
            doctor_sudo = consultation.doctor_id.sudo()
            consultation.doctor_phone = doctor_sudo.phone_consultation and doctor_sudo.consultation_phone or False

    def _compute_access_url(self):
        for consultation in self:
            consultation.access_url = f"/my/consultations/{consultation.id}"

    @api.constrains("doctor_id", "patient_id", "company_id", "user_id")
    def _check_consultation(self):
        for consultation in self.sudo():
            if not consultation.doctor_id.online_consultation:
                raise ValidationError(_("%s does not take online consultations.", consultation.doctor_id.name))
            if consultation.company_id not in (
                consultation.doctor_id.company_id,
                consultation.patient_id.company_id,
            ) or (consultation.doctor_id.company_id != consultation.patient_id.company_id):
                raise ValidationError(_("The doctor and the patient must belong to the same hospital."))
            if consultation.user_id.share and consultation.user_id not in consultation.patient_id.account_ids.user_id:
                raise ValidationError(_("You can only ask questions for the patients your account manages."))

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("name", "/") == "/":
                vals["name"] = self.env["ir.sequence"].sudo().next_by_code("ihospital.consultation") or "/"
        consultations = super().create(vals_list)
        for consultation in consultations:
            partners = consultation.user_id.partner_id | consultation.doctor_id.sudo().user_id.partner_id
            consultation.sudo().message_subscribe(partner_ids=partners.ids)
        return consultations

    # ------------------------------------------------------------------ actions
    def action_close(self):
        """The hospital closes a question that needs no more answers."""
        self._check_action("action_close")
        for consultation in self.sudo():
            if consultation.state == "closed":
                raise UserError(_("This consultation is already closed."))
            consultation.write({"state": "closed", "closed_date": fields.Datetime.now()})
        return True

    def action_reopen(self):
        self._check_action("action_reopen")
        for consultation in self.sudo():
            if consultation.state != "closed":
                raise UserError(_("Only a closed consultation can be reopened."))
            consultation.write({"state": "answered" if consultation.answered_date else "open", "closed_date": False})
        return True

    def _close_and_rate(self, rate, feedback=None):
        """The asker closes the question by rating the answer (1-5 stars).
        Only the account that asked may do this, once the doctor answered."""
        self.ensure_one()
        if self.env.user != self.user_id:
            raise AccessError(_("Only the account that asked this question can rate the answer."))
        if self.state == "closed":
            raise UserError(_("This consultation is already closed."))
        if not self.answered_date:
            raise UserError(_("You can rate the answer once the doctor has replied."))
        try:
            rate = int(rate)
        except (TypeError, ValueError):
            rate = 0
        if rate < 1 or rate > 5:
            raise UserError(_("Choose from one to five stars."))
        # sudo: rating records are technical; the asker was checked above.
        consultation_sudo = self.sudo()
        token = consultation_sudo._rating_get_access_token(self.user_id.partner_id)
        consultation_sudo.rating_apply(rate, token=token, feedback=(feedback or "").strip()[:2000])
        return True

    def rating_apply(self, rate, token=None, rating=None, feedback=None, subtype_xmlid=None, notify_delay_send=False):
        """A consultation is rated once, after the doctor's answer, and the
        rating closes it. Odoo's public /rate/<token> pages call this too: a
        token already used cannot rewrite the rating."""
        self.ensure_one()
        if token:
            rating = self.env["rating.rating"].sudo().search([("access_token", "=", token)], limit=1)
        if self.state == "closed" or not self.answered_date or (rating and rating.consumed):
            raise UserError(_("This consultation is closed or not answered yet: it cannot be rated now."))
        result = super().rating_apply(
            rate, rating=rating, feedback=feedback, subtype_xmlid=subtype_xmlid, notify_delay_send=notify_delay_send
        )
        self.sudo().write({"state": "closed", "closed_date": fields.Datetime.now()})
        return result

    # ------------------------------------------------------------------ mail / rating
    def message_post(self, **kwargs):
        """Patients (often signed up with a phone number) and doctors may
        have no email address; the thread must work without one, so the
        hospital's address stands in as the sender address.

        A portal account posts as itself, a public comment, to the thread's
        followers only: it chooses no author, recipients or internal
        subtype (it could otherwise write as the doctor or leave notes
        hidden from the doctor's view)."""
        if self.env.user.share:
            # also under sudo: Odoo's /mail/message/post posts as superuser
            self._check_portal_post(kwargs)
            if not kwargs.get("rating_id"):
                # not Odoo's defaults (a notification, an internal note)
                kwargs.setdefault("message_type", "comment")
                if not kwargs.get("subtype_xmlid") and not kwargs.get("subtype_id"):
                    kwargs["subtype_xmlid"] = "mail.mt_comment"
        if not kwargs.get("email_from"):
            author = (
                self.env["res.partner"].browse(kwargs["author_id"])
                if kwargs.get("author_id")
                else self.env.user.partner_id
            )
            if not author.sudo().email:
                address = (
                    self.company_id.email
                    or self.env["ir.mail_server"].sudo()._get_default_from_address()
                    or "noreply@localhost"
                )
                kwargs["author_id"] = author.id
                kwargs["email_from"] = formataddr((author.sudo().name or "", address))
        return super().message_post(**kwargs)

    def _check_portal_post(self, kwargs):
        partner = self.env.user.partner_id
        if kwargs.get("author_id") not in (None, False, partner.id):
            raise AccessError(_("You can only post as yourself."))
        followers = self.sudo().message_partner_ids
        if set(kwargs.get("partner_ids") or []) - set(followers.ids):
            raise AccessError(_("You cannot choose who receives your message."))
        if kwargs.get("email_from"):
            raise AccessError(_("You can only post as yourself."))
        # the rating flow (rating_apply, as superuser) posts the rating itself
        rating_post = self.env.su and kwargs.get("rating_id")
        if not rating_post and (kwargs.get("message_type", "comment") != "comment" or kwargs.get("rating_id")):
            raise AccessError(_("You can only post comments."))
        subtype = (
            self.env["mail.message.subtype"].sudo().browse(kwargs["subtype_id"]).exists()
            if kwargs.get("subtype_id")
            else self.env.ref(kwargs["subtype_xmlid"], raise_if_not_found=False)
            if kwargs.get("subtype_xmlid")
            else None
        )
        if subtype is not None and (subtype._name != "mail.message.subtype" or subtype.internal or not subtype):
            raise AccessError(_("You can only post comments."))

    def _rating_get_partner(self):
        return self.user_id.partner_id

    def _rating_get_operator(self):
        return self.doctor_id.sudo().user_id.partner_id

    def _message_post_after_hook(self, message, msg_values):
        """A reply of hospital staff marks the question answered; a new
        question of the patient puts it back in the doctor's queue."""
        res = super()._message_post_after_hook(message, msg_values)
        if message.message_type == "comment" and not message.rating_ids:
            author_user = message.sudo().author_id.user_ids[:1]
            for consultation in self.sudo().filtered(lambda c: c.state != "closed"):
                if author_user and not author_user.share:
                    vals = {"state": "answered"}
                    if not consultation.answered_date:
                        vals["answered_date"] = fields.Datetime.now()
                    consultation.write(vals)
                elif consultation.state == "answered" and author_user == consultation.user_id:
                    consultation.state = "open"
        return res
