from odoo import Command, _, api, fields, models
from odoo.addons.ihospital_base.models.ihospital_guard_mixin import HEAD, HOSPITAL_WIDE, VIEW_ONLY, ViewBy
from odoo.exceptions import AccessError, UserError

NOTICE_STATES = [("draft", "Draft"), ("published", "Published"), ("archived", "Archived")]
NOTICE_SCOPES = [("hospital", "The Whole Hospital"), ("departments", "Departments")]
# who publishes to the whole hospital (院办, 医务部, 信息科)


class IhospitalNotice(models.Model):
    """A hospital or department notice (通知公告) with attachments,
    published to the whole hospital or to departments, optionally to some
    roles only, with read receipts: who has read it, who has not, and a
    reminder to those who have not."""

    _name = "ihospital.notice"
    _description = "Notice"
    _inherit = ["ihospital.read.receipt.mixin", "ihospital.guard.mixin", "mail.thread"]
    _order = "pinned desc, published_at desc, id desc"
    _check_company_auto = True

    _action_groups = {
        "action_publish": (HEAD, *HOSPITAL_WIDE),
        "action_archive_notice": (HEAD, *HOSPITAL_WIDE),
        "action_remind_unread": (HEAD, *HOSPITAL_WIDE),
        # a head sees which of his staff read any notice sent to them (the
        # receipts' rules show him his departments' readers only)
        "action_view_receipts": ViewBy((HEAD, *HOSPITAL_WIDE)),
        "action_mark_read": VIEW_ONLY,
    }
    _engine_fields = ("state", "published_at", "published_by_id", "audience_user_ids", "author_id")
    _receipt_sms_template = "notice_reminder"

    name = fields.Char(string="Title", required=True, tracking=True)
    body = fields.Html(string="Content", sanitize_style=True)
    attachment_ids = fields.Many2many("ir.attachment", string="Attachments")
    company_id = fields.Many2one(
        "res.company", string="Hospital", required=True, index=True, default=lambda self: self.env.company
    )
    author_id = fields.Many2one("res.users", readonly=True, default=lambda self: self.env.user, index=True)
    scope = fields.Selection(NOTICE_SCOPES, string="Sent to", required=True, default="departments", tracking=True)
    department_ids = fields.Many2many(
        "hr.department", string="Departments", check_company=True, domain="[('company_id', '=', company_id)]"
    )
    role_group_ids = fields.Many2many(
        "res.groups",
        string="Roles",
        domain=lambda self: [("category_id", "=", self.env.ref("ihospital_base.module_category_ihospital").id)],
        help="Only these roles of the hospital or departments; empty: everyone.",
    )
    state = fields.Selection(NOTICE_STATES, required=True, default="draft", readonly=True, index=True, tracking=True)
    published_at = fields.Datetime(string="Published", readonly=True, index=True)
    # who sent it out: its author, or one of the hospital's management who
    # published the author's draft (the author keeps following it up)
    published_by_id = fields.Many2one("res.users", string="Published by", readonly=True, copy=False)
    pinned = fields.Boolean(help="Shown first.")
    audience_user_ids = fields.Many2many(
        "res.users",
        "ihospital_notice_audience_rel",
        "notice_id",
        "user_id",
        string="Audience",
        readonly=True,
    )

    # ------------------------------------------------------------------ rights
    def _check_publisher(self):
        """A hospital notice comes from the directors, medical affairs or
        the administrators; a department notice also from the head of every
        department it goes to."""
        if self.env.su:
            return
        user = self.env.user
        hospital_publisher = any(user.has_group(group) for group in HOSPITAL_WIDE)
        for notice in self.sudo():
            if hospital_publisher:
                continue
            if notice.scope == "hospital":
                raise AccessError(_("Only the hospital's management publishes notices to the whole hospital."))
            foreign = notice.department_ids.filtered(lambda department: department.manager_id.user_id != user)
            if foreign:
                raise AccessError(
                    _(
                        "You head none of these departments: %s. A department notice comes from the department's "
                        "head or the hospital's management.",
                        ", ".join(foreign.mapped("name")),
                    )
                )

    def _check_editor(self):
        """A notice is changed, published or archived by its author or by the
        hospital's management, not by a department head it is sent to: what
        goes out under the author's name is what the author wrote."""
        if self.env.su or any(self.env.user.has_group(group) for group in HOSPITAL_WIDE):
            return
        foreign = self.sudo().filtered(lambda notice: notice.author_id != self.env.user)
        if foreign:
            raise AccessError(
                _(
                    "%s is changed and published by its author or the hospital's management only.",
                    ", ".join(foreign.mapped("name")),
                )
            )

    def _receipt_check_attachment_change(self):
        """The files of a notice change with it: while it is a draft, by whoever
        may edit it (ir.attachment has already checked the record rules)."""
        if self.env.su:
            return
        if any(notice.state != "draft" for notice in self.sudo()):
            raise AccessError(_("The files of a published notice are not changed: archive it and publish a new one."))
        self._check_editor()

    @api.model_create_multi
    def create(self, vals_list):
        notices = super().create(vals_list)
        notices._check_publisher()
        for notice, vals in zip(notices, vals_list, strict=True):
            notice._attach_uploaded_files(vals)
        return notices

    def write(self, vals):
        if not self.env.su and self.filtered(lambda notice: notice.state != "draft") and set(vals) - {"pinned"}:
            raise UserError(_("A published notice is not edited: archive it and publish a new one."))
        self._check_editor()
        result = super().write(vals)
        self._check_publisher()
        for notice in self:
            notice._attach_uploaded_files(vals)
        return result

    def _attach_uploaded_files(self, vals):
        """The files the caller uploaded for a notice not saved yet (the web
        client's file widget uploads them with res_id 0, which Odoo lets
        only the uploader read) are attached to this notice, so that its
        readers may open them; as mail does for a message's attachments.
        Only the caller's own unattached uploads: other files keep their
        own document's rights."""
        self.ensure_one()
        ids = set()
        for command in vals.get("attachment_ids") or ():
            if isinstance(command, int):
                ids.add(command)
            elif command[0] == Command.LINK:
                ids.add(command[1])
            elif command[0] == Command.SET:
                ids.update(command[2])
        if not ids:
            return
        uploads = (
            self.env["ir.attachment"]
            .sudo()
            .browse(ids)
            .filtered(
                lambda attachment: not attachment.res_id
                and attachment.res_model in (self._name, False)
                and attachment.create_uid == self.env.user
            )
        )
        # as the caller: ir.attachment checks the caller may change this notice's files
        uploads.sudo(False).write({"res_model": self._name, "res_id": self.id})

    # ------------------------------------------------------------------ audience
    def _receipt_author(self):
        self.ensure_one()
        return self.author_id

    def _receipt_audience(self):
        """The staff users of the hospital (or of the departments, their
        sub-departments included) in the chosen roles: one search of
        employees per notice."""
        Employee = self.env["hr.employee"].sudo()
        audience = {}
        for notice in self.sudo():
            if notice.scope == "departments":
                employees = notice.department_ids._ihospital_staff(notice.company_id)
            else:
                employees = Employee.search([("company_id", "=", notice.company_id.id), ("user_id", "!=", False)])
            users = employees.user_id.filtered(lambda user: user.active and user._is_internal())
            if notice.role_group_ids:
                users &= notice.role_group_ids.users
            audience[notice] = users
        return audience

    # ------------------------------------------------------------------ actions
    def action_publish(self):
        self._check_action("action_publish")
        self._check_editor()
        self._check_publisher()
        for notice in self:
            if notice.state != "draft":
                raise UserError(_("%s is already published.", notice.name))
            if notice.scope == "departments" and not notice.department_ids:
                raise UserError(_("Choose the departments %s goes to.", notice.name))
        notices = self.sudo()
        audience = notices._receipt_audience()
        if not any(audience.values()):
            raise UserError(_("Nobody is in the audience: check the departments and roles."))
        now = fields.Datetime.now()
        for notice, users in audience.items():
            notice.write(
                {
                    "state": "published",
                    "published_at": now,
                    # the platform (demo data, imports) publishes in the author's name
                    "published_by_id": notice.author_id.id if self.env.su else self.env.uid,
                    "audience_user_ids": [Command.set(users.ids)],
                }
            )
        notices._open_receipts()
        for notice, users in audience.items():
            for partner in users.partner_id:
                partner._bus_send("ihospital_notice/new", {"id": notice.id, "name": notice.name})
        return True

    def action_archive_notice(self):
        self._check_action("action_archive_notice")
        self._check_editor()
        self._check_publisher()
        self.sudo().write({"state": "archived"})
        return True

    def action_mark_read(self):
        """I have read it (opening the notice does the same)."""
        self._check_action("action_mark_read")
        self._mark_read()
        return True

    # opening a notice reads it: web_read runs read-write (no @api.readonly)
    # so that marking the receipt does not fail in a read-only transaction
    def web_read(self, specification):
        result = super().web_read(specification)
        if len(self) == 1 and "body" in specification and self.state == "published":
            self._mark_read()
        return result

    # what Odoo's JSON-RPC reads to choose its transaction (see ihospital.audited.mixin)
    web_read._readonly = False
