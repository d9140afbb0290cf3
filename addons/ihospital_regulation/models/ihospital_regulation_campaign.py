from datetime import timedelta

from odoo import Command, _, api, fields, models
from odoo.addons.ihospital_base.access_matrix import ROLES
from odoo.addons.ihospital_base.models.ihospital_guard_mixin import HEAD, HOSPITAL_WIDE, VIEW_ONLY, ViewBy
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.osv import expression

from ..access_matrix import MATRIX

CAMPAIGN_STATES = [("draft", "Draft"), ("running", "Running"), ("closed", "Closed")]
CAMPAIGN_SCOPES = [("hospital", "The Whole Hospital"), ("departments", "Departments")]
# the daily cron reminds the running campaigns whose deadline is this close
REMIND_DAYS_BEFORE_DEADLINE = 2


class IhospitalRegulationCampaign(models.Model):
    """A read-and-confirm campaign (学习确认): one version of a regulation
    (a document.page and one of its document.page.history versions) sent to
    the whole hospital or to departments, optionally to some roles only;
    each reader confirms having read it. Built on the notices' read
    receipts: a receipt is read only when its reader confirms (opening the
    campaign does not read it), so "has not read" is "has not confirmed"
    throughout the receipts, their figures and their reminders."""

    _name = "ihospital.regulation.campaign"
    _description = "Read-and-Confirm Campaign"
    _inherit = ["ihospital.read.receipt.mixin", "ihospital.guard.mixin", "mail.thread"]
    _order = "state_sequence, deadline, id desc"
    _check_company_auto = True
    _receipt_confirm = True
    _receipt_sms_template = "regulation_campaign_reminder"

    _action_groups = {
        "action_launch": (HEAD, *HOSPITAL_WIDE),
        "action_remind_unread": (HEAD, *HOSPITAL_WIDE),
        "action_close": (HEAD, *HOSPITAL_WIDE),
        # a head sees which of his staff confirmed any campaign sent to them
        # (the receipts' and the report's rules show him his departments only)
        "action_view_receipts": ViewBy((HEAD, *HOSPITAL_WIDE)),
        "action_view_completion": ViewBy((HEAD, *HOSPITAL_WIDE)),
        "action_confirm": VIEW_ONLY,
    }
    _engine_fields = (
        "state",
        "launched_by_id",
        "launched_at",
        "closed_at",
        "audience_user_ids",
        "auto_reminded_on",
    )

    name = fields.Char(string="Title", required=True, tracking=True)
    company_id = fields.Many2one(
        "res.company", string="Hospital", required=True, index=True, default=lambda self: self.env.company
    )
    page_id = fields.Many2one(
        "document.page",
        string="Regulation",
        required=True,
        index=True,
        check_company=True,
        ondelete="restrict",
        domain="[('type', '=', 'content'), '|', ('company_id', '=', False), ('company_id', '=', company_id)]",
        tracking=True,
    )
    version_id = fields.Many2one(
        "document.page.history",
        string="Version to Confirm",
        required=True,
        index=True,
        ondelete="restrict",
        compute="_compute_version_id",
        store=True,
        readonly=False,
        precompute=True,
        domain="[('page_id', '=', page_id), ('state', '=', 'approved')]",
        help="The approved version of the regulation the readers confirm; by default its current version.",
        tracking=True,
    )
    version_name = fields.Char(string="Version", compute="_compute_version_text")
    version_content = fields.Html(string="Text", compute="_compute_version_text", sanitize=False)
    is_version_superseded = fields.Boolean(
        string="A Newer Version Exists",
        compute="_compute_version_text",
        help="The regulation has a newer current version than the one this campaign asks to confirm.",
    )
    scope = fields.Selection(CAMPAIGN_SCOPES, string="Send to", required=True, default="hospital", tracking=True)
    department_ids = fields.Many2many(
        "hr.department",
        "ihospital_regulation_campaign_department_rel",
        "campaign_id",
        "department_id",
        string="Departments",
        check_company=True,
        domain="[('company_id', '=', company_id)]",
    )
    role_group_ids = fields.Many2many(
        "res.groups",
        "ihospital_regulation_campaign_group_rel",
        "campaign_id",
        "group_id",
        string="Roles",
        domain=lambda self: [("category_id", "=", self.env.ref("ihospital_base.module_category_ihospital").id)],
        help="Only these roles of the hospital or departments; empty: everyone.",
    )
    deadline = fields.Date(help="Everyone confirms by this day; the unconfirmed are reminded in the two days before.")
    state = fields.Selection(
        CAMPAIGN_STATES, string="Status", required=True, default="draft", readonly=True, index=True, tracking=True
    )
    state_sequence = fields.Integer(compute="_compute_state_sequence", store=True)
    launched_by_id = fields.Many2one("res.users", string="Launched by", readonly=True, copy=False, index=True)
    launched_at = fields.Datetime(string="Launched", readonly=True, copy=False)
    closed_at = fields.Datetime(string="Closed", readonly=True, copy=False)
    auto_reminded_on = fields.Date(
        string="Last Automatic Reminder", readonly=True, copy=False, help="The day the deadline reminder last went."
    )
    audience_user_ids = fields.Many2many(
        "res.users",
        "ihospital_regulation_campaign_audience_rel",
        "campaign_id",
        "user_id",
        string="Audience",
        readonly=True,
        copy=False,
    )
    confirmed_rate = fields.Float(string="Confirmed (%)", compute="_compute_confirmed_rate", digits=(16, 1))

    # ------------------------------------------------------------------ computes
    @api.depends("page_id")
    def _compute_version_id(self):
        for campaign in self:
            page = campaign.page_id.sudo()
            if campaign.version_id.sudo().page_id != page:
                campaign.version_id = page.history_head

    @api.depends("version_id", "page_id")
    def _compute_version_text(self):
        # the readers of a campaign read the version they are asked to
        # confirm, whatever their rights on the regulations library
        for campaign, campaign_sudo in zip(self, self.sudo(), strict=True):
            version = campaign_sudo.version_id
            campaign.version_name = version.name or version.display_name
            campaign.version_content = version.content
            campaign.is_version_superseded = bool(version) and campaign_sudo.page_id.history_head != version

    @api.depends("state")
    def _compute_state_sequence(self):
        order = {"running": 1, "draft": 2, "closed": 3}
        for campaign in self:
            campaign.state_sequence = order.get(campaign.state, 9)

    def _compute_confirmed_rate(self):
        for campaign in self:
            campaign.confirmed_rate = (
                100.0 * campaign.read_count / campaign.receipt_count if campaign.receipt_count else 0.0
            )

    # ------------------------------------------------------------------ constraints
    @api.constrains("page_id", "version_id", "company_id")
    def _check_version(self):
        for campaign in self.sudo():
            if campaign.page_id.type != "content":
                raise ValidationError(_("A campaign is about a regulation, not a category: %s.", campaign.page_id.name))
            if campaign.version_id.page_id != campaign.page_id:
                raise ValidationError(
                    _("The version to confirm of %s must be a version of its regulation.", campaign.name)
                )

    # ------------------------------------------------------------------ rights
    def _check_launcher(self):
        """A campaign to the whole hospital comes from medical affairs
        (quality), the directors or the administrators; a campaign to
        departments also from the head of every department it goes to."""
        if self.env.su:
            return
        user = self.env.user
        if any(user.has_group(group) for group in HOSPITAL_WIDE):
            return
        for campaign in self.sudo():
            if campaign.scope == "hospital":
                raise AccessError(
                    _(
                        "Only medical affairs, the directors or the administrators launch a campaign to the whole "
                        "hospital."
                    )
                )
            foreign = campaign.department_ids.filtered(lambda department: department.manager_id.user_id != user)
            if foreign:
                raise AccessError(
                    _(
                        "You head none of these departments: %s. A department's campaign comes from its head or "
                        "from medical affairs.",
                        ", ".join(foreign.mapped("name")),
                    )
                )

    def _check_editor(self):
        """A campaign is changed, launched, reminded and closed by who wrote
        it or by the hospital's management, not by a head it is sent to."""
        if self.env.su or any(self.env.user.has_group(group) for group in HOSPITAL_WIDE):
            return
        foreign = self.sudo().filtered(lambda campaign: campaign.create_uid != self.env.user)
        if foreign:
            raise AccessError(
                _(
                    "%s is changed by who wrote it or by the hospital's management only.",
                    ", ".join(foreign.mapped("name")),
                )
            )

    def _receipt_check_attachment_change(self):
        """The files of a campaign change while it is a draft, by its editors."""
        if self.env.su:
            return
        if any(campaign.state != "draft" for campaign in self.sudo()):
            raise AccessError(_("The files of a launched campaign are not changed."))
        self._check_editor()

    # ------------------------------------------------------------------ CRUD
    @api.model_create_multi
    def create(self, vals_list):
        campaigns = super().create(vals_list)
        campaigns._check_launcher()
        campaigns._check_version_in_effect()
        return campaigns

    def write(self, vals):
        if not self.env.su:
            # who may not write at all, or writes the engine's fields, is
            # refused as such before being told what a launched campaign keeps
            self.check_access("write")
            self._check_guarded_vals([vals])
            launched = self.filtered(lambda campaign: campaign.state != "draft")
            if launched and set(vals) - {"deadline"}:
                raise UserError(_("A launched campaign is not changed, except its deadline."))
            if self.filtered(lambda campaign: campaign.state == "closed") and vals:
                raise UserError(_("A closed campaign is not changed."))
        self._check_editor()
        result = super().write(vals)
        self._check_launcher()
        if {"page_id", "version_id"} & set(vals):
            self._check_version_in_effect()
        return result

    def _check_version_in_effect(self):
        """A user asks to confirm a version in effect: the campaign shows
        its text to its writer (as superuser, see _compute_version_text),
        which must not open a draft or a withdrawn version he cannot read."""
        if self.env.su:
            return
        for campaign in self.sudo():
            if campaign.version_id.state != "approved":
                raise AccessError(
                    _("Only an approved version of a regulation is sent for confirmation: %s.", campaign.name)
                )

    @api.ondelete(at_uninstall=False)
    def _unlink_if_draft(self):
        if not self.env.su and any(campaign.state != "draft" for campaign in self):
            raise UserError(_("A launched campaign is kept with its confirmations: close it instead."))

    # ------------------------------------------------------------------ audience
    def _receipt_author(self):
        self.ensure_one()
        return self.launched_by_id or self.create_uid

    def _receipt_sms_variables(self):
        self.ensure_one()
        return {
            "title": self.sudo().page_id.name or self.name,
            "hospital": self.company_id.name,
            "deadline": fields.Date.to_string(self.deadline) if self.deadline else "-",
        }

    def _receipt_audience(self):
        """The staff users of the hospital (or of the departments, their
        sub-departments included) in the chosen roles: one search of
        employees per campaign."""
        Employee = self.env["hr.employee"].sudo()
        readers = self._campaign_readers()
        audience = {}
        for campaign in self.sudo():
            if campaign.scope == "departments":
                employees = campaign.department_ids._ihospital_staff(campaign.company_id)
            else:
                employees = Employee.search([("company_id", "=", campaign.company_id.id), ("user_id", "!=", False)])
            users = employees.user_id.filtered(lambda user: user.active and user._is_internal())
            if campaign.role_group_ids:
                users &= campaign.role_group_ids.users
            audience[campaign] = users & readers
        return audience

    def _campaign_readers(self):
        """The users who may read a campaign and confirm it: those holding
        one of the roles the access matrix gives the campaigns to (a
        colleague without such a role, a pharmacist say, could never
        confirm, and would stay 'not confirmed' for ever)."""
        groups = self.env["res.groups"].union(
            *(self.env.ref(ROLES[role]) for role in MATRIX["ihospital.regulation.campaign"])
        )
        return groups.sudo().users

    # ------------------------------------------------------------------ actions
    def action_launch(self):
        """Send the campaign to its audience: a receipt for each reader."""
        self._check_action("action_launch")
        self._check_editor()
        self._check_launcher()
        for campaign in self.sudo():
            if campaign.state != "draft":
                raise UserError(_("%s is already launched.", campaign.name))
            if campaign.scope == "departments" and not campaign.department_ids:
                raise UserError(_("Choose the departments %s goes to.", campaign.name))
            if campaign.version_id.state != "approved":
                raise UserError(
                    _("Only an approved version of a regulation is sent for confirmation: %s.", campaign.name)
                )
        campaigns = self.sudo()
        audience = campaigns._receipt_audience()
        if not all(audience.values()):
            raise UserError(_("Nobody is in the audience: check the departments and roles."))
        now = fields.Datetime.now()
        for campaign, users in audience.items():
            campaign.write(
                {
                    "state": "running",
                    "launched_at": now,
                    # the platform (demo data, imports) launches in the writer's name
                    "launched_by_id": campaign.create_uid.id if self.env.su else self.env.uid,
                    "audience_user_ids": [Command.set(users.ids)],
                }
            )
        campaigns._open_receipts()
        for campaign, users in audience.items():
            campaign.message_notify(
                partner_ids=users.partner_id.ids,
                subject=_("To read and confirm: %s", campaign.page_id.name),
                body=_("Please read %s and confirm that you have read it.", campaign.page_id.name),
                model=campaign._name,
                res_id=campaign.id,
                email_layout_xmlid="mail.mail_notification_light",
            )
        return True

    def action_confirm(self):
        """I have read this version of the regulation: my own receipt only,
        only while the campaign runs."""
        self._check_action("action_confirm")
        if any(campaign.state != "running" for campaign in self.sudo()):
            raise UserError(_("Only a running campaign is confirmed."))
        mine = (
            self.env["ihospital.read.receipt"]
            .sudo()
            .search_fetch(
                [("res_model", "=", self._name), ("res_id", "in", self.ids), ("user_id", "=", self.env.uid)],
                ["res_id"],
            )
        )
        if set(mine.mapped("res_id")) != set(self.ids):
            raise UserError(_("This regulation was not sent to you for confirmation."))
        self._mark_read(confirm=True)
        return True

    def action_remind_unread(self):
        """Remind those who have not confirmed (inbox, and text where the
        hospital reminds by text)."""
        self._check_action("action_remind_unread")
        if any(campaign.state != "running" for campaign in self.sudo()):
            raise UserError(_("Only the readers of a running campaign are reminded."))
        return super().action_remind_unread()

    def action_close(self):
        self._check_action("action_close")
        self._check_editor()
        self._check_launcher()
        if any(campaign.state != "running" for campaign in self.sudo()):
            raise UserError(_("Only a running campaign is closed."))
        self.sudo().write({"state": "closed", "closed_at": fields.Datetime.now()})
        return True

    def action_view_completion(self):
        """The completion report of this campaign, by department."""
        self.ensure_one()
        self._check_action("action_view_completion")
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "ihospital_regulation.ihospital_regulation_campaign_report_action"
        )
        action["name"] = _("Completion: %s", self.name)
        action["domain"] = [("campaign_id", "=", self.id)]
        action["context"] = {"create": False, "delete": False}
        return action

    # ------------------------------------------------------------------ cron
    @api.model
    def _cron_remind_deadline(self):
        """Remind the unconfirmed readers of the running campaigns due within
        two days at their hospital, once a day per campaign (re-running the
        cron the same day reminds nobody again): one search for every
        campaign due, one reminder batch for all of them."""
        Campaign = self.sudo()
        groups = Campaign._read_group(
            [("state", "=", "running"), ("deadline", "!=", False)], ["company_id"], ["__count"]
        )
        domains = []
        for company, _count in groups:
            today = company._ihospital_today()
            domains.append(
                [
                    ("company_id", "=", company.id),
                    ("deadline", ">=", today),
                    ("deadline", "<=", today + timedelta(days=REMIND_DAYS_BEFORE_DEADLINE)),
                    "|",
                    ("auto_reminded_on", "=", False),
                    ("auto_reminded_on", "<", today),
                ]
            )
        if not domains:
            return
        campaigns = Campaign.search(expression.AND([[("state", "=", "running")], expression.OR(domains)]), order="id")
        if not campaigns:
            return
        campaigns.action_remind_unread()
        for company, company_campaigns in campaigns.grouped("company_id").items():
            company_campaigns.write({"auto_reminded_on": company._ihospital_today()})

    # ------------------------------------------------------------------ demo
    @api.model
    def _demo_launch(self, campaign_id, launcher_id, confirmer_ids):
        """Demo data: launch a campaign as `launcher_id` would, and confirm
        it as each of `confirmer_ids` (through the actions and their rights)."""
        campaign = self.browse(campaign_id)
        campaign.with_user(launcher_id).action_launch()
        for user_id in confirmer_ids:
            campaign.with_user(user_id).action_confirm()
        return True
