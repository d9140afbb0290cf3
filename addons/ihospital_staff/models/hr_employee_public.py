from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError

from .hr_employee import check_group_by_mobile, mask_export_rows, mask_mobile, mask_read_rows


class HrEmployeePublic(models.Model):
    """The staff directory (院内通讯录): colleagues of the user's hospitals,
    found by name, pinyin, initials, title and specialty, with the office
    phone and (where its owner shows it) the work mobile to call, and a
    Discuss chat to write or leave a voice message."""

    _name = "hr.employee.public"
    _inherit = ["hr.employee.public", "ihospital.staff.mobile.mixin"]
    _ihospital_mobile_fields = ("mobile_phone",)

    directory_show_mobile = fields.Boolean(string="Show Mobile in the Directory", readonly=True)
    directory_mobile = fields.Char(
        string="Mobile",
        compute="_compute_directory_mobile",
        help="The work mobile, masked unless its owner shows it in the directory.",
    )
    directory_can_call_mobile = fields.Boolean(compute="_compute_directory_mobile")
    directory_is_me = fields.Boolean(string="Is Me", compute="_compute_directory_is_me")
    directory_can_chat = fields.Boolean(compute="_compute_directory_is_me")
    directory_title = fields.Char(
        string="Title",
        compute="_compute_directory_title",
        search="_search_directory_title",
        help="Job title (职务) or professional title (职称).",
    )

    @api.depends_context("uid")
    @api.depends("mobile_phone", "directory_show_mobile", "user_id")
    def _compute_directory_mobile(self):
        hidden = self.env["hr.employee"]._ihospital_hidden_mobile_ids(self.ids)
        for employee in self:
            number = employee.mobile_phone
            masked = employee.id in hidden
            employee.directory_mobile = mask_mobile(number) if number and masked else number
            employee.directory_can_call_mobile = bool(number) and not masked

    @api.depends_context("uid")
    @api.depends("user_id")
    def _compute_directory_is_me(self):
        for employee in self:
            employee.directory_is_me = employee.user_id == self.env.user
            employee.directory_can_chat = bool(employee.user_id) and not employee.directory_is_me

    @api.depends("job_title", "professional_title")
    def _compute_directory_title(self):
        titles = dict(self._fields["professional_title"]._description_selection(self.env))
        for employee in self:
            employee.directory_title = employee.job_title or titles.get(employee.professional_title) or False

    def _search_directory_title(self, operator, value):
        if operator != "ilike" or not isinstance(value, str):
            raise UserError(_("Search a title by a word it contains."))
        word = value.strip().lower()
        titles = [
            key
            for key, label in self._fields["professional_title"]._description_selection(self.env)
            if word in label.lower() or word in key
        ]
        roles = [
            key
            for key, label in self._fields["ihospital_role"]._description_selection(self.env)
            if word in label.lower() or word in key
        ]
        return [
            "|",
            "|",
            ("job_title", "ilike", value),
            ("professional_title", "in", titles),
            ("ihospital_role", "in", roles),
        ]

    def _ihospital_mobile_visible_sql(self, alias, query):
        return self._ihospital_employee_mobile_visible_sql(alias, query)

    def _read_format(self, fnames, load="_classic_read"):
        result = super()._read_format(fnames, load=load)
        if "mobile_phone" in fnames and result:
            hidden = self.env["hr.employee"]._ihospital_hidden_mobile_ids(row["id"] for row in result)
            mask_read_rows(result, "mobile_phone", hidden)
        return result

    def export_data(self, fields_to_export):
        result = super().export_data(fields_to_export)
        employees = self.env["hr.employee"].browse(self.ids)
        return mask_export_rows(result, fields_to_export, "mobile_phone", employees._ihospital_hidden_mobiles())

    @api.model
    def _read_group(self, domain, groupby=(), aggregates=(), having=(), offset=0, limit=None, order=None):
        check_group_by_mobile(self, ("mobile_phone", "directory_mobile"), groupby, aggregates, having)
        return super()._read_group(domain, groupby, aggregates, having, offset, limit, order)

    def action_open_chat(self):
        """Open the Discuss direct chat with this colleague (created when
        needed), where a text or a voice message is one tap away."""
        self.ensure_one()
        self.check_access("read")
        user = self.user_id
        if not user or user.share:
            raise UserError(_("%s has no staff account to chat with: call instead.", self.name))
        if user == self.env.user:
            raise UserError(_("This is your own card: choose a colleague to chat with."))
        channel = self.env["discuss.channel"].channel_get([user.partner_id.id])
        # the action's own context wins over the button's (whose active_id
        # is this colleague's card)
        thread = f"discuss.channel_{channel.id}"
        return {
            "type": "ir.actions.client",
            "tag": "mail.action_discuss",
            "context": {"active_id": thread},
            "params": {"active_id": thread},
        }

    def action_directory_show_mobile(self):
        return self._directory_set_show_mobile(True)

    def action_directory_hide_mobile(self):
        return self._directory_set_show_mobile(False)

    def _directory_set_show_mobile(self, show):
        """A staff member chooses whether colleagues see his or her work
        mobile: only on his or her own card (HR officers edit it on the
        staff record)."""
        self.check_access("read")
        if any(employee.user_id != self.env.user for employee in self):
            raise AccessError(_("Only the staff member decides whether colleagues see his or her mobile."))
        # sudo: a staff member may not write staff records, only this choice
        self.env["hr.employee"].sudo().browse(self.ids).directory_show_mobile = show
        self.invalidate_recordset(["directory_show_mobile"])
        return True
