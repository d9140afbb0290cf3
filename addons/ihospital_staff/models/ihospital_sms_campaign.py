from odoo import Command, _, api, fields, models
from odoo.addons.ihospital_base.models.ihospital_guard_mixin import ADMIN, DOCTOR, HEAD, HOSPITAL_WIDE, NURSE
from odoo.addons.ihospital_base.models.ihospital_sms import mask_number, sms_number
from odoo.exceptions import AccessError, UserError, ValidationError

# Who the guard lets reach the actions: every staff role. Each hospital
# then narrows it to the roles it allows (res.company
# ihospital_sms_sender_group_ids), checked in the same methods.
SENDER_ROLES = (NURSE, DOCTOR, HEAD, *HOSPITAL_WIDE)
# Who texts anyone of the hospital (院办, 医务部, 信息科); the other senders
# text the staff of their departments only (_reach_departments).
CAMPAIGN_STATES = [
    ("draft", "Draft"),
    ("queued", "Queued"),
    ("sending", "Sending"),
    ("done", "Done"),
    ("cancelled", "Cancelled"),
]
RECIPIENT_STATES = [
    ("queued", "Queued"),
    ("sent", "Sent"),
    ("delivered", "Delivered"),
    ("failed", "Failed"),
    ("opted_out", "Opted Out"),
    ("no_phone", "No Mobile"),
    ("cancelled", "Cancelled"),
]
# Filled for each recipient from the staff record; the others are the
# campaign's values.
RECIPIENT_VARIABLES = ("name", "department")


class IhospitalSmsCampaign(models.Model):
    """A group SMS (短信群发) to chosen staff and whole departments: an
    approved template, a preview of how many people and billed messages
    it makes, the hospital's daily cap, sending in the background, and
    the delivery report. Only the roles the hospital allows send it, each
    within their reach: the hospital's management to anyone of the
    hospital, a department head to the staff of the departments they
    head."""

    _name = "ihospital.sms.campaign"
    _inherit = ["ihospital.guard.mixin", "ihospital.hospital.mixin"]
    _description = "Group SMS"
    _order = "id desc"

    _action_groups = {
        "action_send": SENDER_ROLES,
        "action_cancel": SENDER_ROLES,
        "action_view_messages": (ADMIN,),
    }
    _engine_fields = ("state", "user_id", "queued_at", "done_at", "recipient_ids")

    name = fields.Char(string="Subject", required=True)
    user_id = fields.Many2one(
        "res.users", string="Sent By", required=True, readonly=True, index=True, default=lambda self: self.env.user
    )
    template_id = fields.Many2one(
        "ihospital.sms.template",
        required=True,
        domain="[('purpose', '=', 'group'), ('company_id', 'in', [company_id, False])]",
        help="The approved text; ${name} and ${department} are filled for each recipient.",
    )
    employee_ids = fields.Many2many(
        "hr.employee",
        string="Staff",
        domain="[('company_id', '=', company_id)]",
        help="Staff members who get the text.",
    )
    department_ids = fields.Many2many(
        "hr.department",
        string="Whole Departments",
        domain="[('company_id', '=', company_id)]",
        help="Everyone in these departments (and their sub-departments) gets the text.",
    )
    value_ids = fields.One2many("ihospital.sms.campaign.value", "campaign_id", string="Values")
    state = fields.Selection(
        CAMPAIGN_STATES, string="Status", default="draft", required=True, readonly=True, index=True
    )
    queued_at = fields.Datetime(string="Sent On", readonly=True)
    done_at = fields.Datetime(string="Finished On", readonly=True)
    recipient_ids = fields.One2many("ihospital.sms.campaign.recipient", "campaign_id", string="Delivery Report")

    # the preview (before sending: what would go out)
    preview_body = fields.Text(string="Preview", compute="_compute_preview")
    preview_chars = fields.Integer(string="Characters", compute="_compute_preview")
    recipient_count = fields.Integer(string="Recipients", compute="_compute_preview")
    no_phone_count = fields.Integer(string="Without a Mobile", compute="_compute_preview")
    opted_out_preview_count = fields.Integer(string="Opted Out", compute="_compute_preview")
    message_count = fields.Integer(
        string="Messages", compute="_compute_preview", help="Billed messages: 70 characters each, 67 when longer."
    )
    missing_variables = fields.Char(compute="_compute_preview")

    # the delivery report (after sending)
    report_queued = fields.Integer(string="Waiting", compute="_compute_report")
    report_sent = fields.Integer(string="Sent", compute="_compute_report")
    report_delivered = fields.Integer(string="Delivered", compute="_compute_report")
    report_failed = fields.Integer(string="Failed", compute="_compute_report")
    report_other = fields.Integer(string="Not Sent", compute="_compute_report")

    @api.depends(
        "template_id", "employee_ids", "department_ids", "value_ids.name", "value_ids.value", "company_id", "state"
    )
    def _compute_preview(self):
        Sms = self.env["ihospital.sms"]
        for campaign in self:
            rows = campaign._recipient_rows() if campaign.template_id else []
            sendable = [row for row in rows if row["number"] and not row["opted_out"]]
            campaign.recipient_count = len([row for row in rows if row["number"]])
            campaign.no_phone_count = len([row for row in rows if not row["number"]])
            campaign.opted_out_preview_count = len([row for row in rows if row["number"] and row["opted_out"]])
            campaign.missing_variables = ", ".join("${%s}" % name for name in campaign._missing_variables())
            if not campaign.template_id:
                campaign.preview_body, campaign.preview_chars, campaign.message_count = False, 0, 0
                continue
            bodies = [Sms._preview(campaign.company_id, campaign.template_id, row["variables"]) for row in sendable]
            sample = bodies[0][0] if bodies else Sms._preview(campaign.company_id, campaign.template_id, {})[0]
            campaign.preview_body = sample
            campaign.preview_chars = len(sample)
            campaign.message_count = sum(segments for _body, segments in bodies)

    @api.depends("recipient_ids.state")
    def _compute_report(self):
        counts = {
            (campaign.id, state): count
            for campaign, state, count in self.env["ihospital.sms.campaign.recipient"]._read_group(
                [("campaign_id", "in", self.ids)], ["campaign_id", "state"], ["__count"]
            )
        }
        for campaign in self:
            count = {state: counts.get((campaign.id, state), 0) for state, _label in RECIPIENT_STATES}
            campaign.report_queued = count["queued"]
            campaign.report_sent = count["sent"]
            campaign.report_delivered = count["delivered"]
            campaign.report_failed = count["failed"]
            campaign.report_other = count["opted_out"] + count["no_phone"] + count["cancelled"]

    @api.constrains("company_id", "template_id", "employee_ids", "department_ids")
    def _check_same_hospital(self):
        for campaign in self:
            company = campaign.company_id
            strays = campaign.employee_ids.sudo().filtered(lambda e, c=company: e.company_id != c).mapped("name")
            strays += campaign.department_ids.sudo().filtered(lambda d, c=company: d.company_id != c).mapped("name")
            if strays:
                raise ValidationError(
                    _("%(names)s do not belong to %(hospital)s.", names=", ".join(strays), hospital=company.name)
                )
            template = campaign.template_id.sudo()
            if template and (template.purpose != "group" or (template.company_id and template.company_id != company)):
                raise ValidationError(_("Choose a group SMS template of %s.", company.name))

    @api.onchange("template_id")
    def _onchange_template_id(self):
        """One value line per variable of the template that is not filled
        from the recipient's staff record (values already typed are kept)."""
        names = [name for name in self._template_variables() if name not in RECIPIENT_VARIABLES]
        kept = {line.name: line.value for line in self.value_ids}
        self.value_ids = [Command.clear()] + [
            Command.create({"name": name, "value": kept.get(name, False)}) for name in names
        ]

    # ------------------------------------------------------------------ CRUD
    @api.model_create_multi
    def create(self, vals_list):
        company_ids = {vals.get("company_id") or self.env.company.id for vals in vals_list}
        self._check_sender_at(self.env["res.company"].browse(company_ids))
        campaigns = super().create(vals_list)
        campaigns._check_sender()
        campaigns._check_reach()
        return campaigns

    def write(self, vals):
        if not self.env.su:
            self._check_sender()
            if any(campaign.state != "draft" for campaign in self):
                raise UserError(_("A group SMS can be changed only while it is a draft."))
        result = super().write(vals)
        if {"company_id", "employee_ids", "department_ids"} & set(vals):
            self._check_sender()
            self._check_reach()
        return result

    @api.ondelete(at_uninstall=False)
    def _unlink_only_drafts(self):
        if any(campaign.state != "draft" for campaign in self):
            raise UserError(_("A group SMS that was sent is kept with its delivery report; cancel it instead."))

    # ------------------------------------------------------------------ actions
    def action_send(self):
        """Queue the texts: the SMS cron sends them in batches after commit,
        and the delivery report fills in as the provider answers."""
        self._check_action("action_send")
        self._check_sender()
        self._check_reach()
        Recipient = self.env["ihospital.sms.campaign.recipient"].sudo()
        for campaign in self:
            if campaign.state != "draft":
                raise UserError(_("Only a draft group SMS can be sent."))
            missing = campaign._missing_variables()
            if missing:
                raise UserError(_("Fill in %s before sending.", ", ".join("${%s}" % name for name in missing)))
            rows = campaign._recipient_rows()
            sendable = [row for row in rows if row["number"] and not row["opted_out"]]
            if not sendable:
                raise UserError(_("None of the recipients can get a text: choose staff with a mobile number."))
            campaign._check_daily_cap(
                sum(
                    self.env["ihospital.sms"]._preview(campaign.company_id, campaign.template_id, row["variables"])[1]
                    for row in sendable
                )
            )
            lines = Recipient.create(
                [
                    {
                        "campaign_id": campaign.id,
                        "employee_id": row["employee"].id,
                        "number_masked": row["masked"],
                        "state": "queued" if row["number"] else "no_phone",
                    }
                    for row in rows
                ]
            )
            campaign.sudo().write({"state": "queued", "queued_at": fields.Datetime.now()})
            with_number = [(line, row) for line, row in zip(lines, rows, strict=True) if row["number"]]
            self.env["ihospital.sms"]._send(
                campaign.company_id,
                campaign.template_id,
                [(row["number"], row["variables"], line) for line, row in with_number],
            )
            lines._ihospital_update_campaigns()
        return True

    def action_cancel(self):
        """Stop a group SMS: the texts not sent yet are cancelled; a draft
        is cancelled as is."""
        self._check_action("action_cancel")
        self._check_sender()
        for campaign in self:
            if campaign.state not in ("draft", "queued", "sending"):
                raise UserError(_("Only a group SMS that is still a draft or being sent can be cancelled."))
        Message = self.env["ihospital.sms.message"].sudo()
        queued = Message.search(
            [
                ("res_model", "=", "ihospital.sms.campaign.recipient"),
                ("res_id", "in", self.sudo().recipient_ids.ids),
                ("state", "=", "queued"),
            ]
        )
        Message._ihospital_apply_results([(message, "cancelled", False, False) for message in queued])
        self.sudo().write({"state": "cancelled", "done_at": fields.Datetime.now()})
        return True

    def action_view_messages(self):
        """The log lines of this group SMS (administrators)."""
        self._check_action("action_view_messages")
        action = self.env["ir.actions.act_window"]._for_xml_id("ihospital_base.ihospital_sms_message_action")
        action["domain"] = [
            ("res_model", "=", "ihospital.sms.campaign.recipient"),
            ("res_id", "in", self.sudo().recipient_ids.ids),
        ]
        return action

    # ------------------------------------------------------------------ business
    def _check_sender(self):
        """The caller works at the campaign's hospital and has a role the
        hospital allows to send group SMS. The platform (sudo) passes."""
        self._check_sender_at(self.sudo().company_id)

    @api.model
    def _check_sender_at(self, companies):
        if self.env.su:
            return
        user = self.env.user
        for company in companies.sudo():
            if company not in user.company_ids:
                raise AccessError(_("You do not work at %s.", company.name))
            allowed = company.ihospital_sms_sender_group_ids
            if not allowed & user.groups_id:
                raise AccessError(
                    _(
                        "At %(hospital)s, group SMS are sent by these roles only: %(roles)s.",
                        hospital=company.name,
                        roles=", ".join(allowed.mapped("name")) or _("nobody"),
                    )
                )

    def _check_reach(self):
        """Every recipient of these group SMS is within the caller's reach
        (see `_reach_departments`); refused in words that name those who
        are not. Checked from the records as saved, whatever the request
        says. The platform (sudo) passes."""
        if self.env.su:
            return
        for campaign in self.sudo():
            company = campaign.company_id
            reach = self._reach_departments(company)
            if reach is None:
                continue
            paths = reach.mapped("parent_path")
            away = campaign.department_ids.filtered(
                lambda department, paths=paths: not any(department.parent_path.startswith(path) for path in paths)
            ).mapped("name")
            away += (campaign.employee_ids - reach._ihospital_staff(company)).mapped("name")
            if not away:
                continue
            if reach:
                raise AccessError(
                    _(
                        "Out of your reach: %(names)s. You text the staff of %(departments)s only, their "
                        "sub-departments included; ask the hospital's management to text the others.",
                        names=", ".join(away),
                        departments=", ".join(reach.mapped("name")),
                    )
                )
            raise AccessError(
                _(
                    "Out of your reach: %(names)s. You have no department at %(hospital)s; ask the hospital's "
                    "management to text them.",
                    names=", ".join(away),
                    hospital=company.name,
                )
            )

    @api.model
    def _reach_departments(self, company):
        """Whose staff the caller texts at `company`: None for everyone of
        the hospital (its management: directors, medical affairs,
        administrators), else the departments (sudo; their sub-departments
        are reached too) that a department head heads, or that a nurse or
        doctor the hospital lets send works in."""
        user = self.env.user
        if any(user.has_group(group) for group in HOSPITAL_WIDE):
            return None
        headed = (
            self.env["hr.department"]
            .sudo()
            .search([("company_id", "=", company.id), ("manager_id.user_id", "=", user.id)])
        )
        if headed or user.has_group(HEAD):
            return headed
        # searched, not user.employee_ids: that field only holds the employees
        # of the user's current hospitals
        return (
            self.env["hr.employee"]
            .sudo()
            .search([("user_id", "=", user.id), ("company_id", "=", company.id)])
            .department_id
        )

    def _check_draft_values(self):
        """The values of a group SMS change with it: while it is a draft,
        by someone who may send it."""
        if self.env.su:
            return
        self._check_sender()
        if any(campaign.state != "draft" for campaign in self):
            raise UserError(_("A group SMS can be changed only while it is a draft."))

    def _template_variables(self):
        return self.template_id._variable_names() if self.template_id else []

    def _missing_variables(self):
        values = {line.name: line.value for line in self.value_ids}
        return [name for name in self._template_variables() if name not in RECIPIENT_VARIABLES and not values.get(name)]

    def _recipient_rows(self):
        """The recipients, once each: a dict per staff member with the
        mobile number (E.164, False without one), its masked form, whether
        it opted out of the hospital's texts, and the template variables.
        Sudo: the staff's work mobiles are the directory's, and the caller
        was checked to work at the hospital."""
        self.ensure_one()
        company = self.company_id
        employees = self.employee_ids.sudo().filtered(lambda employee: employee.company_id == company)
        employees |= self.department_ids.sudo()._ihospital_staff(company)
        values = {line.name: line.value or "" for line in self.value_ids}
        rows, seen = [], set()
        for employee in employees.sorted(lambda employee: (employee.department_id.name or "", employee.name)):
            number = sms_number(employee.mobile_phone)
            if number in seen:
                continue
            if number:
                seen.add(number)
            rows.append(
                {
                    "employee": employee,
                    "number": number,
                    "masked": mask_number(number),
                    "opted_out": False,
                    "variables": {**values, "name": employee.name, "department": employee.department_id.name or ""},
                }
            )
        opted_out = self.env["ihospital.sms.optout"]._ihospital_opted_out(
            company, {row["number"] for row in rows if row["number"]}
        )
        for row in rows:
            row["opted_out"] = row["number"] in opted_out
        return rows

    def _check_daily_cap(self, needed):
        """Refuse when this group SMS would pass the hospital's daily cap of
        texts to staff (see res.company `_ihospital_staff_sms_left`)."""
        self.ensure_one()
        company = self.company_id.sudo()
        left = company._ihospital_staff_sms_left()
        if needed > left:
            cap = company.ihospital_sms_daily_cap
            raise UserError(
                _(
                    "This group SMS needs %(needed)d messages, but only %(left)d of the %(cap)d a day allowed at "
                    "%(hospital)s are left today. Send it to fewer people, or tomorrow.",
                    needed=needed,
                    left=left,
                    cap=cap,
                    hospital=company.name,
                )
            )


class IhospitalSmsCampaignValue(models.Model):
    """The value of one template variable for a whole group SMS (e.g. the
    meeting's time and place)."""

    _name = "ihospital.sms.campaign.value"
    _description = "Group SMS Value"
    _order = "id"

    campaign_id = fields.Many2one("ihospital.sms.campaign", required=True, index=True, ondelete="cascade")
    company_id = fields.Many2one(related="campaign_id.company_id", store=True, index=True)
    name = fields.Char(string="Variable", required=True)
    value = fields.Char()

    @api.model_create_multi
    def create(self, vals_list):
        values = super().create(vals_list)
        values.campaign_id._check_draft_values()
        return values

    def write(self, vals):
        self.campaign_id._check_draft_values()
        return super().write(vals)

    def unlink(self):
        self.campaign_id._check_draft_values()
        return super().unlink()


class IhospitalSmsCampaignRecipient(models.Model):
    """One person of a group SMS and how the text to them went (the
    delivery report). Written by the platform only."""

    _name = "ihospital.sms.campaign.recipient"
    _description = "Group SMS Recipient"
    _order = "campaign_id, id"
    _rec_name = "employee_id"

    campaign_id = fields.Many2one(
        "ihospital.sms.campaign", required=True, readonly=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one(related="campaign_id.company_id", store=True, index=True)
    employee_id = fields.Many2one("hr.employee", string="Staff", readonly=True)
    department_id = fields.Many2one(related="employee_id.department_id", string="Department")
    number_masked = fields.Char(string="Mobile", readonly=True)
    state = fields.Selection(
        RECIPIENT_STATES, string="Status", default="queued", required=True, readonly=True, index=True
    )
    failure_reason = fields.Char(readonly=True)
    updated_at = fields.Datetime(string="Status Since", readonly=True)

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su:
            raise AccessError(_("The delivery report of a group SMS is kept by the platform."))
        return super().create(vals_list)

    def write(self, vals):
        if not self.env.su:
            raise AccessError(_("The delivery report of a group SMS is kept by the platform."))
        return super().write(vals)

    def _ihospital_sms_status(self, messages):
        """How the texts to these recipients went (ihospital.sms): one write
        per outcome, then the campaigns' progress."""
        by_id = {message.res_id: message for message in messages}
        now = fields.Datetime.now()
        groups = {}
        for recipient in self:
            message = by_id.get(recipient.id)
            if message:
                groups.setdefault((message.state, message.failure_reason or False), []).append(recipient.id)
        for (state, reason), ids in groups.items():
            self.browse(ids).write({"state": state, "failure_reason": reason, "updated_at": now})
        self._ihospital_update_campaigns()

    def _ihospital_update_campaigns(self):
        """Queued until the provider answers for a first text, sending while
        some wait, done when none does (a cancelled campaign stays so)."""
        campaigns = self.campaign_id.filtered(lambda campaign: campaign.state in ("queued", "sending"))
        if not campaigns:
            return
        counts = {
            (campaign.id, state): count
            for campaign, state, count in self.sudo()._read_group(
                [("campaign_id", "in", campaigns.ids), ("state", "in", ("queued", "sent", "delivered", "failed"))],
                ["campaign_id", "state"],
                ["__count"],
            )
        }
        now = fields.Datetime.now()
        done = campaigns.filtered(lambda campaign: not counts.get((campaign.id, "queued")))
        sending = (campaigns - done).filtered(
            lambda campaign: campaign.state == "queued"
            and any(counts.get((campaign.id, state)) for state in ("sent", "delivered", "failed"))
        )
        done.sudo().write({"state": "done", "done_at": now})
        sending.sudo().write({"state": "sending"})
