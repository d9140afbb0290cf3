from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError

# A reader is texted about a document at most once in this time, however
# often its managers remind (the inbox reminder goes each time): a loop of
# reminders must not text colleagues over and over on the hospital's bill.
REMIND_SMS_INTERVAL = timedelta(hours=12)


class IhospitalReadReceipt(models.Model):
    """Who has read a document sent to them (已读回执): one row per reader
    and document, opened when the document is published to its audience.
    Written by the platform only; readers see their own rows, the
    document's author and the hospital's managers see who has read it."""

    _name = "ihospital.read.receipt"
    _description = "Read Receipt"
    _order = "read_at desc, id"

    res_model = fields.Char(string="Document Model", required=True, readonly=True, index=True)
    res_id = fields.Many2oneReference(string="Document", model_field="res_model", required=True, readonly=True)
    document_name = fields.Char(string="Document Title", readonly=True)
    user_id = fields.Many2one(
        "res.users", string="Reader", required=True, readonly=True, index=True, ondelete="cascade"
    )
    department_id = fields.Many2one("hr.department", readonly=True, index=True)
    author_id = fields.Many2one("res.users", string="Sent by", readonly=True, index=True)
    company_id = fields.Many2one("res.company", string="Hospital", required=True, readonly=True, index=True)
    read_at = fields.Datetime(string="Read", readonly=True)
    confirmed_at = fields.Datetime(string="Confirmed", readonly=True, help="Read-and-confirm documents only.")
    reminded_at = fields.Datetime(string="Last Reminder", readonly=True)
    reminder_count = fields.Integer(string="Reminders", readonly=True)
    is_read = fields.Boolean(string="Has Read", compute="_compute_is_read", store=True)

    _sql_constraints = [
        ("document_user_uniq", "unique(res_model, res_id, user_id)", "A reader has one receipt per document."),
    ]

    @api.depends("read_at")
    def _compute_is_read(self):
        for receipt in self:
            receipt.is_read = bool(receipt.read_at)

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su:
            raise AccessError(_("Read receipts are kept by the platform."))
        return super().create(vals_list)

    def write(self, vals):
        if not self.env.su:
            raise AccessError(_("Read receipts are kept by the platform."))
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_never(self):
        if not self.env.su:
            raise UserError(_("Read receipts are kept for the hospital's records."))


class IhospitalReadReceiptMixin(models.AbstractModel):
    """A document sent to an audience with read receipts: notices today,
    the regulations library's read-and-confirm campaigns later. A model
    using it implements `_receipt_audience()` and calls `_open_receipts()`
    when the document goes out; readers mark it read by opening it (or
    confirm it, for read-and-confirm documents); its managers see the
    figures and remind those who have not read it."""

    _name = "ihospital.read.receipt.mixin"
    _description = "Document with Read Receipts"
    # a read-and-confirm document: the reader confirms it explicitly
    _receipt_confirm = False
    # the key of the SMS template (ihospital.sms.template) that also texts
    # the reminder to those who have not read, at the hospitals that remind
    # by text (res.company ihospital_remind_unread_sms); False: inbox only
    _receipt_sms_template = False

    receipt_count = fields.Integer(string="Sent to", compute="_compute_receipt_figures")
    read_count = fields.Integer(string="Have Read", compute="_compute_receipt_figures")
    unread_count = fields.Integer(string="Have Not Read", compute="_compute_receipt_figures")
    is_unread = fields.Boolean(string="Unread", compute="_compute_is_unread", search="_search_is_unread")

    # ------------------------------------------------------------------ to implement
    def _receipt_audience(self):
        """{document: res.users} the readers of each document."""
        raise NotImplementedError

    def _receipt_author(self):
        self.ensure_one()
        return self.create_uid

    def _receipt_check_attachment_change(self):
        """The files attached to these documents (ir.attachment res_model and
        res_id) are part of what the readers are sent: ir.attachment asks
        this before one is added, replaced or removed by a user (see
        ir_attachment.py), on top of its own check that the user may write
        the document. Raise AccessError unless the caller may change the
        documents' content now (typically: a draft, by its author)."""
        raise NotImplementedError

    def _receipt_sms_variables(self):
        """The variables of the reminder text about this document."""
        self.ensure_one()
        return {"title": self.display_name, "hospital": self.company_id.name}

    def _receipt_department_of(self, users):
        """{user id: department id} of the readers, for the figures by department."""
        employees = (
            self.env["hr.employee"]
            .sudo()
            .search_fetch(
                [("user_id", "in", users.ids), ("company_id", "in", self.company_id.ids)], ["user_id", "department_id"]
            )
        )
        return {employee.user_id.id: employee.department_id.id for employee in employees}

    # ------------------------------------------------------------------ engine
    def _receipts(self):
        return (
            self.env["ihospital.read.receipt"]
            .sudo()
            .search([("res_model", "=", self._name), ("res_id", "in", self.ids)])
        )

    def _open_receipts(self):
        """Open a receipt for every reader of these documents who has none
        yet (publishing again adds the newcomers, never twice): one search
        and one create for the batch."""
        audience = self._receipt_audience()
        existing = {(receipt.res_id, receipt.user_id.id) for receipt in self._receipts()}
        users = self.env["res.users"].union(*audience.values()) if audience else self.env["res.users"]
        departments = self._receipt_department_of(users)
        vals_list = [
            {
                "res_model": self._name,
                "res_id": document.id,
                "document_name": document.display_name,
                "user_id": user.id,
                "department_id": departments.get(user.id),
                "author_id": document._receipt_author().id,
                "company_id": document.company_id.id,
            }
            for document, readers in audience.items()
            for user in readers
            if (document.id, user.id) not in existing
        ]
        return self.env["ihospital.read.receipt"].sudo().create(vals_list)

    def _mark_read(self, confirm=False):
        """The current user has read (or confirmed) these documents: only
        their own receipts, only the first time."""
        now = fields.Datetime.now()
        mine = (
            self.env["ihospital.read.receipt"]
            .sudo()
            .search([("res_model", "=", self._name), ("res_id", "in", self.ids), ("user_id", "=", self.env.uid)])
        )
        mine.filtered(lambda receipt: not receipt.read_at).write({"read_at": now})
        if confirm:
            mine.filtered(lambda receipt: not receipt.confirmed_at).write({"confirmed_at": now})
        return mine

    # ------------------------------------------------------------------ figures
    def _compute_receipt_figures(self):
        counts = {}
        if self.ids:
            groups = (
                self.env["ihospital.read.receipt"]
                .sudo()
                ._read_group(
                    [("res_model", "=", self._name), ("res_id", "in", self.ids)],
                    ["res_id", "is_read"],
                    ["__count"],
                )
            )
            for res_id, is_read, count in groups:
                counts.setdefault(res_id, [0, 0])[1 if is_read else 0] += count
        for document in self:
            unread, read = counts.get(document.id, (0, 0))
            document.receipt_count = unread + read
            document.read_count = read
            document.unread_count = unread

    @api.depends_context("uid")
    def _compute_is_unread(self):
        unread = set(self.search([("id", "in", self.ids), ("is_unread", "=", True)]).ids) if self.ids else set()
        for document in self:
            document.is_unread = document.id in unread

    def _search_is_unread(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise UserError(_("Search unread documents with = or !=."))
        # a subquery, not the ids: a search (a workbench count) costs one
        # query, however many documents wait; sudo: the user's own receipts
        Receipt = self.env["ihospital.read.receipt"].sudo()
        query = Receipt._search(
            [("res_model", "=", self._name), ("user_id", "=", self.env.uid), ("read_at", "=", False)]
        )
        unread = query.subselect(Receipt._field_to_sql(Receipt._table, "res_id", query))
        positive = (operator == "=") == value
        return [("id", "in" if positive else "not in", unread)]

    # ------------------------------------------------------------------ actions
    def _check_receipt_manager(self):
        """Who sees the figures and reminds: the author, and the hospital's
        managers (those who may change the document)."""
        user = self.env.user
        for document in self:
            if document._receipt_author() != user:
                document.check_access("write")

    def action_remind_unread(self):
        """Remind those who have not read it yet, in their Odoo inbox (and
        by mail for users who get their notifications by mail, sent after
        commit): one message per document; and by text to those with a
        work mobile, where the hospital reminds by text."""
        self._check_action("action_remind_unread")
        self._check_receipt_manager()
        now = fields.Datetime.now()
        receipts = self._receipts().filtered(lambda receipt: not receipt.read_at)
        for document in self:
            waiting = receipts.filtered(lambda receipt, document=document: receipt.res_id == document.id)
            if not waiting:
                continue
            document.sudo().message_notify(
                partner_ids=waiting.user_id.partner_id.ids,
                subject=_("Reminder: %s", document.display_name),
                body=_("Please read %s: it is waiting for you.", document.display_name),
                model=document._name,
                res_id=document.id,
                email_layout_xmlid="mail.mail_notification_light",
            )
        held_back = self._remind_unread_by_sms(receipts)
        if receipts:
            self.env.cr.execute(
                "UPDATE ihospital_read_receipt SET reminded_at = %s, reminder_count = COALESCE(reminder_count, 0) + 1"
                " WHERE id = ANY(%s)",
                (now, receipts.ids),
            )
            receipts.invalidate_recordset(["reminded_at", "reminder_count"])
        if held_back:
            messages = []
            for company, needed, left in held_back:  # a loop, not a comprehension: _() reads its frame's env
                messages.append(
                    _(
                        "The reminder went to the inbox only: its texts need %(needed)d messages, but only %(left)d "
                        "of the %(cap)d a day allowed at %(hospital)s are left today.",
                        needed=needed,
                        left=left,
                        cap=company.ihospital_sms_daily_cap,
                        hospital=company.name,
                    )
                )
            return {
                "type": "ir.actions.client",
                "tag": "display_notification",
                "params": {"type": "warning", "sticky": True, "message": " ".join(messages)},
            }
        return True

    def _remind_unread_by_sms(self, receipts):
        """Text the reminder to the readers of `receipts` (unread receipts of
        these documents) who have a work mobile, at the hospitals that
        remind by text, through the hospital's SMS provider: one search of
        the readers' staff records and one queued `_send` per hospital,
        whatever the number of readers (the SMS cron sends them after
        commit). The caller who reminds is not texted; a number that opted
        out of the hospital's texts is logged as such, not texted. A reader
        reminded less than REMIND_SMS_INTERVAL ago is not texted again.
        The texts count against the hospital's daily cap of texts to staff,
        with group SMS: where they would pass it, none is sent. Returns
        [(hospital, messages needed, messages left)] of those held back."""
        if not self._receipt_sms_template:
            return []
        recently = fields.Datetime.now() - REMIND_SMS_INTERVAL
        receipts = receipts.filtered(
            lambda receipt: receipt.company_id.ihospital_remind_unread_sms
            and receipt.user_id != self.env.user
            and not (receipt.reminded_at and receipt.reminded_at > recently)
        )
        if not receipts:
            return []
        employees = (
            self.env["hr.employee"]
            .sudo()
            .search_fetch(
                [
                    ("user_id", "in", receipts.user_id.ids),
                    ("company_id", "in", receipts.company_id.ids),
                    ("mobile_phone", "!=", False),
                ],
                ["user_id", "company_id", "mobile_phone"],
            )
        )
        mobiles = {(employee.user_id.id, employee.company_id.id): employee.mobile_phone for employee in employees}
        variables = {document.id: document._receipt_sms_variables() for document in self}
        texts = {}
        for receipt in receipts:
            number = mobiles.get((receipt.user_id.id, receipt.company_id.id))
            if number:
                texts.setdefault(receipt.company_id, []).append((number, variables[receipt.res_id], receipt))
        Sms, held_back = self.env["ihospital.sms"], []
        for company, recipients in texts.items():
            template = self.env["ihospital.sms.template"]._ihospital_resolve(company, self._receipt_sms_template)
            segments = {
                document.id: Sms._preview(company, template, variables[document.id])[1]
                for document in self.filtered(lambda document, company=company: document.company_id == company)
            }
            # opted-out numbers are counted too: never more than the cap
            needed = sum(segments[receipt.res_id] for _number, _variables, receipt in recipients)
            left = company._ihospital_staff_sms_left()
            if needed > left:
                held_back.append((company, needed, left))
                continue
            Sms._send(company, template, recipients)
        return held_back

    def action_view_receipts(self):
        self.ensure_one()
        self._check_action("action_view_receipts")
        return {
            "type": "ir.actions.act_window",
            "name": _("Read Receipts: %s", self.display_name),
            "res_model": "ihospital.read.receipt",
            "view_mode": "list",
            "domain": [("res_model", "=", self._name), ("res_id", "=", self.id)],
            "context": {"search_default_group_read": 1, "create": False, "delete": False},
        }
