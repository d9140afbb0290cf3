from datetime import date, datetime

from odoo import _, api, fields, models
from odoo.addons.ihospital_base.models.ihospital_guard_mixin import ADMIN, HEAD, QUALITY
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools.misc import clean_context

# Set by the approval engine only (a user's write or create is refused).
ENGINE_FIELDS = ("state", "approved_date", "approved_uid")
# The text of a version and when it applies: written while it is a draft or
# waits for approval, frozen once approved.
VERSION_FIELDS = ("content", "effective_date", "version", "name", "summary", "page_id")
EDITABLE_STATES = ("draft", "to approve")
# The versions that were approved: in effect, scheduled or superseded.
APPROVED_STATES = ("scheduled", "approved", "superseded")
# Who writes and submits versions (a head his departments', the others the
# hospital's: the page's record rules decide which pages).
WRITER_ROLES = (HEAD, QUALITY, ADMIN)


class DocumentPageHistory(models.Model):
    """A version of a regulation (a change request of OCA): drafted,
    submitted, approved by the category's approver roles, scheduled until
    its effective date, in effect (approved) until a later version takes
    effect, then superseded and kept readable."""

    _inherit = "document.page.history"

    state = fields.Selection(
        selection_add=[
            ("to approve",),
            ("scheduled", "Scheduled"),
            ("approved",),
            ("superseded", "Superseded"),
            ("cancelled",),
        ],
        ondelete={"scheduled": "set approved", "superseded": "set approved"},
        tracking=True,
        index=True,
    )
    # OCA keeps the HTML unsanitized: a regulation is read by every staff
    # member, so its text is sanitized like any other rich text.
    content = fields.Html(sanitize=True)
    version = fields.Char(tracking=True, help="The version number, e.g. 2.0.")
    effective_date = fields.Date(
        tracking=True,
        index=True,
        default=fields.Date.context_today,
        help="The day this version takes effect, once approved; until then the former version stays in effect.",
    )
    is_regulation = fields.Boolean(related="page_id.is_regulation")
    department_id = fields.Many2one(related="page_id.department_id")
    regulation_number = fields.Char(related="page_id.regulation_number")
    am_i_writer = fields.Boolean(compute="_compute_am_i_writer")

    @api.depends("page_id")
    @api.depends_context("uid")
    def _compute_am_i_writer(self):
        allowed = self.env.user.has_group(HEAD) or self.env.user.has_group(QUALITY)
        writable = self.page_id._filtered_access("write") if allowed else self.page_id.browse()
        for version in self:
            version.am_i_writer = version.page_id in writable

    @api.depends("page_id", "version")
    def _compute_display_name(self):
        result = super()._compute_display_name()
        for version in self.filtered(lambda v: v.version and v.page_id.is_regulation):
            version.display_name = _("%(page)s v%(version)s", page=version.page_id.name, version=version.version)
        return result

    @api.depends(
        "content",
        "effective_date",
        "page_id.version_ids.state",
        "page_id.version_ids.effective_date",
        "page_id.version_ids.content",
    )
    def _compute_diff(self):
        """A regulation's version against the approved version before it
        in effective order (not the last one created: a version may be
        written before another takes effect)."""
        regulations = self.filtered(lambda version: version.page_id.is_regulation)
        result = super(DocumentPageHistory, self - regulations)._compute_diff()
        for version in regulations:
            previous = version._ihospital_previous_version()
            version.diff = self._get_diff(previous.id, version.id)
        return result

    def _ihospital_effective_key(self):
        return (self.effective_date or date.max, self.approved_date or datetime.max, self.id or 0)

    def _ihospital_previous_version(self):
        self.ensure_one()
        key = self._ihospital_effective_key()
        earlier = self.page_id.version_ids.filtered(
            lambda version: version != self
            and version.state in APPROVED_STATES
            and version._ihospital_effective_key() < key
        )
        return earlier.sorted(lambda version: version._ihospital_effective_key())[-1:]

    @api.constrains("version", "page_id", "state")
    def _check_version_unique(self):
        versions = self.filtered(lambda version: version.version and version.state != "cancelled")
        if not versions:
            return
        # every version counts, also the drafts the writer cannot read
        others = self.sudo().search(
            [
                ("page_id", "in", versions.page_id.ids),
                ("version", "in", versions.mapped("version")),
                ("state", "!=", "cancelled"),
            ]
        )
        for version in versions:
            if others.filtered(
                lambda other, version=version: other != version
                and other.page_id == version.page_id
                and other.version == version.version
            ):
                raise ValidationError(
                    _("%(page)s already has a version %(version)s.", page=version.page_id.name, version=version.version)
                )

    # ------------------------------------------------------------ guards

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su:
            Page = self.env["document.page"]
            pages = Page.browse(
                {vals.get("page_id") or self.env.context.get("default_page_id") for vals in vals_list} - {None, False}
            )
            if pages.sudo().filtered("is_regulation"):
                defaults = {key[8:] for key in self.env.context if key.startswith("default_")}
                engine = (set().union(*vals_list) | defaults) & set(ENGINE_FIELDS)
                if engine:
                    raise AccessError(self._ihospital_engine_message(engine))
                self._ihospital_check_writer(pages.filtered("is_regulation"))
        return super().create(vals_list)

    def write(self, vals):
        if not self.env.su:
            regulations = self.filtered(lambda version: version.sudo().page_id.is_regulation)
            target = self.env["document.page"].browse(vals.get("page_id")).sudo()
            if "company_id" in vals:
                # stored from the page: a user's write would move the version
                # to another hospital's rules
                raise AccessError(_("A version belongs to the hospital of its document."))
            if regulations or target.is_regulation:
                engine = set(vals) & set(ENGINE_FIELDS)
                if engine:
                    raise AccessError(self._ihospital_engine_message(engine))
                if set(vals) & set(VERSION_FIELDS):
                    if "page_id" in vals and (regulations or target.is_regulation):
                        raise AccessError(_("A version cannot be moved to another document."))
                    frozen = regulations.filtered(lambda version: version.state not in EDITABLE_STATES)
                    if frozen:
                        raise AccessError(
                            _(
                                "Version %s was approved: its text and effective date cannot change. "
                                "Write a new version instead.",
                                frozen[0].display_name,
                            )
                        )
                    # what the approvers read is what they approve: its
                    # author does not change it under them
                    pending = regulations.filtered(lambda version: version._ihospital_pending_for_user())
                    if pending:
                        raise AccessError(
                            _(
                                "%s waits for approval: only its approvers change it now. Cancel it and reopen it "
                                "as a draft to change it yourself.",
                                pending[0].display_name,
                            )
                        )
                self._ihospital_check_writer(regulations.page_id)
        return super().write(vals)

    def _check_access(self, operation):
        """A version of a regulation that left the drafting (approved,
        scheduled, superseded or cancelled) is frozen with its files and
        its discussion: OCA's rules let any editor write an approved
        version, so without this its files (ir.attachment) and messages
        would change through the rules, past write(). The approval engine
        changes it as superuser."""
        result = super()._check_access(operation)
        if result or operation == "read" or self.env.su:
            return result
        frozen = self._ihospital_frozen()
        if frozen:
            return self.browse(frozen.ids), frozen._ihospital_frozen_error
        return None

    def _ihospital_frozen(self):
        """The regulation versions the caller may not change: those out of
        the drafting, and those waiting for approval unless he approves
        them."""
        return self.sudo().filtered(
            lambda version: version.page_id.is_regulation
            and (version.state not in EDITABLE_STATES or version._ihospital_pending_for_user())
        )

    def _ihospital_pending_for_user(self):
        self.ensure_one()
        return self.state == "to approve" and not self.sudo().page_id.can_user_approve_this_page(self.env.user)

    def _ihospital_frozen_error(self):
        return AccessError(
            _(
                "%s is no longer a draft: it is kept as it is, with its files. Write a new version instead.",
                self[:1].sudo().display_name,
            )
        )

    def message_post(self, **kwargs):
        """Odoo lets a document's followers post on it, with files that it
        attaches to the document as superuser: not to a frozen version."""
        if not self.env.su and (kwargs.get("attachments") or kwargs.get("attachment_ids")):
            frozen = self._ihospital_frozen()
            if frozen:
                raise frozen._ihospital_frozen_error()
        return super().message_post(**kwargs)

    def _ihospital_engine_message(self, names):
        labels = sorted(self._fields[name]._description_string(self.env) for name in names)
        return _(
            "%(fields)s of a version are set by the approval only; use the buttons instead.",
            fields=", ".join(labels),
        )

    @api.model
    def _ihospital_check_writer(self, pages):
        """The caller writes versions of these regulations: a head those of
        the departments he heads, quality officers and administrators the
        hospital's (the pages' record rules say which)."""
        if self.env.su:
            return
        if not any(self.env.user.has_group(group) for group in WRITER_ROLES):
            raise AccessError(_("Your role does not allow you to write or submit regulations."))
        try:
            pages.check_access("write")
        except AccessError as exc:
            raise AccessError(
                _("You may only write and submit the regulations of your department or hospital.")
            ) from exc

    def _ihospital_regulation_versions(self):
        return self.filtered(lambda version: version.sudo().page_id.is_regulation)

    # ------------------------------------------------------------ actions

    def action_to_approve(self):
        """Submit a regulation's version to the category's approvers."""
        regulations = self._ihospital_regulation_versions()
        if self - regulations:
            super(DocumentPageHistory, self - regulations).action_to_approve()
        if not regulations:
            return
        self._ihospital_check_writer(regulations.page_id)
        for version in regulations:
            if version.state != "draft":
                raise UserError(_("Only a draft version can be submitted for approval (%s).", version.display_name))
            version._ihospital_check_effective_date()
        template = self.env.ref("document_page_approval.email_template_new_draft_need_approval")
        for version in regulations.sudo():
            vals = {"state": "to approve"}
            if not version.version:
                vals["version"] = version._ihospital_next_version()
            version.write(vals)
            approvers = version._ihospital_approvers()
            version.message_subscribe(partner_ids=approvers.partner_id.ids)
            # without the caller's default_* keys (OCA does the same)
            version.with_env(version.env(context=clean_context(self.env.context))).message_post_with_source(template)

    def action_approve(self):
        """Approve a regulation's version: it takes effect on its effective
        date (now, if that day has come), superseding the former one."""
        regulations = self._ihospital_regulation_versions()
        if self - regulations:
            super(DocumentPageHistory, self - regulations).action_approve()
        if not regulations:
            return
        for version in regulations:
            if not version.page_id.can_user_approve_this_page(self.env.user):
                raise AccessError(
                    _(
                        "Only the approvers of %(category)s (%(roles)s) may approve %(version)s.",
                        category=version.page_id.parent_id.name or version.page_id.name,
                        roles=", ".join(version.page_id._regulation_approver_roles().mapped("name")),
                        version=version.display_name,
                    )
                )
            if version.state != "to approve":
                raise UserError(_("Only a version waiting for approval can be approved (%s).", version.display_name))
            version._ihospital_check_effective_date()
        regulations_sudo = regulations.sudo()
        regulations_sudo.write(
            {"state": "scheduled", "approved_date": fields.Datetime.now(), "approved_uid": self.env.uid}
        )
        regulations_sudo.page_id._ihospital_refresh_versions()
        for version in regulations_sudo:
            version.message_post(
                subtype_xmlid="mail.mt_comment",
                body=_(
                    "Version %(version)s approved by %(user)s, in effect from %(date)s.",
                    version=version.version,
                    user=self.env.user.name,
                    date=version.effective_date,
                ),
            )
        return True

    def action_cancel(self):
        """Withdraw a version not yet in effect: its author or a writer
        while it is a draft or waits for approval, an approver also once it
        is scheduled. A version that took effect stays in the history."""
        regulations = self._ihospital_regulation_versions()
        if self - regulations:
            super(DocumentPageHistory, self - regulations).action_cancel()
        for version in regulations:
            if version.state in ("approved", "superseded"):
                raise UserError(
                    _("%s took effect: it stays in the history. Write a new version instead.", version.display_name)
                )
            if version.state == "cancelled":
                raise UserError(_("%s is already cancelled.", version.display_name))
            approver = version.page_id.can_user_approve_this_page(self.env.user)
            if version.state == "scheduled" and not approver:
                raise AccessError(_("Only an approver may cancel an approved version before it takes effect."))
            if not approver:
                version._ihospital_check_writer(version.page_id)
        for version in regulations.sudo():
            version.write({"state": "cancelled"})
            version.message_post(
                subtype_xmlid="mail.mt_comment",
                body=_(
                    "Version %(version)s cancelled by %(user)s.", version=version.display_name, user=self.env.user.name
                ),
            )
        return True

    def action_draft(self):
        """Reopen a cancelled version as a draft (its writers)."""
        regulations = self._ihospital_regulation_versions()
        if self - regulations:
            super(DocumentPageHistory, self - regulations).action_draft()
        if not regulations:
            return
        self._ihospital_check_writer(regulations.page_id)
        for version in regulations:
            if version.state != "cancelled":
                raise UserError(_("Cancel %s before reopening it.", version.display_name))
        regulations.sudo().write({"state": "draft", "approved_date": False, "approved_uid": False})
        return True

    # ------------------------------------------------------------ helpers

    def _ihospital_check_effective_date(self):
        self.ensure_one()
        if not self.effective_date:
            raise UserError(_("Set the date %s takes effect.", self.display_name))
        current = self.page_id.sudo().history_head
        if current and current != self and current.effective_date and self.effective_date < current.effective_date:
            raise UserError(
                _(
                    "%(version)s would take effect before the version in effect (%(current)s, since %(date)s): "
                    "choose a later date.",
                    version=self.display_name,
                    current=current.version or current.display_name,
                    date=current.effective_date,
                )
            )

    def _ihospital_next_version(self):
        self.ensure_one()
        approved = self.page_id.sudo().version_ids.filtered(lambda v: v.state in APPROVED_STATES)
        return f"{len(approved) + 1}.0"

    def _ihospital_approvers(self):
        """The users of the page's hospital with a role that approves it."""
        self.ensure_one()
        page = self.page_id.sudo()
        roles = page._regulation_approver_roles()
        return (
            self.env["res.users"]
            .sudo()
            .search([("groups_id", "in", roles.ids), ("company_ids", "in", page.company_id.id), ("share", "=", False)])
        )
