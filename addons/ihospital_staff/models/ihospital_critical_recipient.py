from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL

from .hr_employee import check_group_by_mobile, mask_export_rows, mask_read_rows
from .ihospital_critical_alert import ESCALATION_LOCK, GIVE_WAY_SECONDS, RECIPIENT_ROLES

SMS_STATES = [
    ("pending", "Pending"),
    ("sent", "Sent"),
    ("delivered", "Delivered"),
    ("failed", "Failed"),
    ("no_phone", "No Phone"),
]
# A batch per run, then the cron yields (ir.cron._ihospital_yield): small
# batches keep a burst of notices from holding up the results and the
# escalations waiting behind them (their crons come first in each turn).
NOTICE_BATCH = 100


class IhospitalCriticalRecipient(models.Model):
    """Someone a critical value alert was sent to, in which role and at
    which escalation level, and how the last notice to them went."""

    _name = "ihospital.critical.recipient"
    _inherit = ["ihospital.staff.mobile.mixin"]
    _description = "Critical Value Recipient"
    # the routing texts a clinician's work mobile even where its owner hides
    # it from colleagues: the readers of the alert see it masked
    _ihospital_mobile_fields = ("phone",)
    _order = "alert_id, level, id"

    alert_id = fields.Many2one("ihospital.critical.alert", required=True, readonly=True, index=True, ondelete="cascade")
    company_id = fields.Many2one(related="alert_id.company_id", store=True, index=True, precompute=True)
    role = fields.Selection(RECIPIENT_ROLES, required=True, readonly=True)
    level = fields.Integer(string="Escalation Level", readonly=True)
    user_id = fields.Many2one("res.users", required=True, readonly=True, index=True)
    employee_id = fields.Many2one("hr.employee", readonly=True)
    phone = fields.Char(string="Duty Phone", readonly=True)
    notified_at = fields.Datetime(string="Last Notified", readonly=True)
    notice_count = fields.Integer(string="Notices", readonly=True)
    sms_state = fields.Selection(SMS_STATES, string="Last SMS", readonly=True)
    # activity and SMS wait for the notices cron (after commit)
    notice_due = fields.Boolean(readonly=True, index=True)

    def _ihospital_mobile_visible_sql(self, alias, query):
        return self._ihospital_no_hidden_mobile_sql(
            SQL(
                "e.id = %s AND e.mobile_phone = %s",
                self._field_to_sql(alias, "employee_id", query),
                self._field_to_sql(alias, "phone", query),
            )
        )

    def _read_format(self, fnames, load="_classic_read"):
        result = super()._read_format(fnames, load=load)
        if "phone" in fnames and result and self._ihospital_hides_mobiles():
            recipients = self.sudo().browse(row["id"] for row in result)
            hidden = self.env["hr.employee"]._ihospital_hidden_mobile_ids(recipients.employee_id.ids)
            masked = {r.id for r in recipients if r.employee_id.id in hidden and r.phone == r.employee_id.mobile_phone}
            mask_read_rows(result, "phone", masked)
        return result

    def export_data(self, fields_to_export):
        result = super().export_data(fields_to_export)
        hidden = self.employee_id._ihospital_hidden_mobiles()
        return mask_export_rows(result, fields_to_export, "phone", hidden)

    @api.model
    def _read_group(self, domain, groupby=(), aggregates=(), having=(), offset=0, limit=None, order=None):
        check_group_by_mobile(self, ("phone",), groupby, aggregates, having)
        return super()._read_group(domain, groupby, aggregates, having, offset, limit, order)

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su:
            raise AccessError(_("Recipients of critical value alerts are chosen by the platform's routing."))
        return super().create(vals_list)

    def write(self, vals):
        if not self.env.su:
            raise AccessError(_("Recipients of critical value alerts are kept as routed."))
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_never(self):
        raise UserError(_("Who was told of a critical value is kept for the hospital's records."))

    @api.model
    def _create_told(self, vals_list):
        """Create recipients as told at once (due for the notices cron,
        notified now, one notice): what _queue_notices marks, written in
        their INSERT rather than by updating the rows just inserted. Their
        notices go with _queue_notices(marked=...)."""
        now = fields.Datetime.now()
        return self.sudo().create([dict(vals, notice_due=True, notified_at=now, notice_count=1) for vals in vals_list])

    def _queue_notices(self, marked=None):
        """Tell these recipients now: a live notification (sent with the
        transaction's commit), and an activity and an SMS queued for the
        notices cron right after commit. Someone who holds several posts for
        an alert (the attending doctor who heads the department) gets one
        live notification of it, not one per post. `marked`: those of them
        just created as told (_create_told), whose rows are not updated."""
        if not self:
            return
        now = fields.Datetime.now()
        recipients = self.sudo()
        marked = (marked or self.browse()).sudo() & recipients
        payloads = {}  # one payload per alert, whoever it goes to
        for recipient in recipients._one_per_person(lambda r: r.user_id):
            alert = recipient.alert_id
            if alert not in payloads:
                payloads[alert] = alert._bus_payload()
            recipient.user_id.partner_id._bus_send(
                "ihospital_critical/alert", dict(payloads[alert], role=recipient.role)
            )
        # Raw SQL for bulk: an escalation pass tells thousands of recipients
        # at once, and the ORM would write them and create their trail steps
        # (append-only, nothing computed) record by record. One statement
        # marks them due for the notices cron (those not marked when
        # created) and records the live notice of each.
        recipients.flush_recordset()
        self.env.cr.execute(
            SQL(
                """
                WITH told AS (
                    UPDATE ihospital_critical_recipient
                       SET notice_due = TRUE, notified_at = %(now)s, notice_count = COALESCE(notice_count, 0) + 1,
                           write_uid = %(uid)s, write_date = %(now)s
                     WHERE id = ANY(%(ids)s)
                 RETURNING id, alert_id, company_id, level
                ), fresh AS (
                    SELECT id, alert_id, company_id, level FROM ihospital_critical_recipient WHERE id = ANY(%(marked)s)
                )
                INSERT INTO ihospital_critical_event
                       (alert_id, company_id, at, kind, channel, recipient_id, level,
                        create_uid, create_date, write_uid, write_date)
                SELECT alert_id, company_id, %(now)s, 'notified', 'bus', id, level, %(uid)s, %(now)s, %(uid)s, %(now)s
                  FROM (SELECT * FROM told UNION ALL SELECT * FROM fresh) AS notified
                 ORDER BY id
                """,
                now=now,
                uid=self.env.uid,
                ids=(recipients - marked).ids,
                marked=marked.ids,
            )
        )
        recipients.invalidate_recordset(["notice_due", "notified_at", "notice_count", "write_uid", "write_date"])
        recipients.alert_id.invalidate_recordset(["event_ids"])
        self.env["ir.cron"]._ihospital_trigger("ihospital_staff.ir_cron_critical_notices")

    def _one_per_person(self, person):
        """The first of these recipients for each alert and `person(recipient)`
        (a user, a phone number): whom to tell once."""
        seen = set()
        firsts = []
        for recipient in self:
            key = (recipient.alert_id.id, person(recipient))
            if key not in seen:
                seen.add(key)
                firsts.append(recipient.id)
        return self.browse(firsts)

    @api.model
    def _cron_send_notices(self):
        """Send the queued activities and SMS, a batch per call (thin cron):
        one activity per recipient and alert (not one per reminder), one SMS
        per notice to the duty phone. A failed SMS is in the trail, and the
        escalation pass counts it."""
        Recipient = self.sudo()
        batch = Recipient.search([("notice_due", "=", True)], order="id", limit=NOTICE_BATCH)
        if batch and self._gives_way(batch):
            # the new critical values first: the results' processing wakes
            # this cron when it has applied them
            batch = Recipient.browse()
        if batch:
            batch.write({"notice_due": False})
            batch._send_activities()
            batch._send_sms()
        self.env["ir.cron"]._ihospital_yield(
            "ihospital_staff.ir_cron_critical_notices", done=len(batch), more=len(batch) == NOTICE_BATCH
        )

    @api.model
    def _gives_way(self, batch):
        """Whether this batch of activities and SMS waits for critical
        results to be applied, or for an escalation pass that runs, to end
        first (GIVE_WAY_SECONDS at most past the notices' queueing: their
        live notices are out already). Applying the results and the pass
        wake this cron."""
        now = fields.Datetime.now()
        queued = min(batch.mapped("notified_at"), default=now) or now
        Alert = self.env["ihospital.critical.alert"]
        if queued <= now - timedelta(seconds=GIVE_WAY_SECONDS):
            return False
        if Alert._gives_way(queued, now):
            return True
        self.env.cr.execute(SQL("SELECT pg_try_advisory_xact_lock_shared(%s)", ESCALATION_LOCK))
        return not self.env.cr.fetchone()[0]

    def _send_activities(self):
        alerts = self.alert_id.filtered(lambda alert: alert.state == "to_acknowledge")
        existing = {
            (activity.res_id, activity.user_id.id)
            for activity in self.env["mail.activity"]
            .sudo()
            .search([("res_model", "=", "ihospital.critical.alert"), ("res_id", "in", alerts.ids)])
        }
        todo = self.env.ref("mail.mail_activity_data_todo")
        model_id = self.env["ir.model"]._get_id("ihospital.critical.alert")
        vals_list, events = [], []
        for recipient in self.filtered(lambda r: r.alert_id in alerts):
            key = (recipient.alert_id.id, recipient.user_id.id)
            if key in existing:
                continue
            existing.add(key)
            alert = recipient.alert_id
            vals_list.append(
                {
                    "res_model_id": model_id,
                    "res_id": alert.id,
                    "activity_type_id": todo.id,
                    "user_id": recipient.user_id.id,
                    "summary": _("Critical value: %(item)s %(value)s", item=alert.item, value=alert.value or ""),
                    "note": alert.patient_label,
                    "date_deadline": fields.Date.context_today(self),
                }
            )
            events.append(
                {
                    "alert_id": alert.id,
                    "kind": "notified",
                    "channel": "activity",
                    "recipient_id": recipient.id,
                    "level": recipient.level,
                    "user_id": False,
                }
            )
        self.env["mail.activity"].sudo().with_context(mail_activity_quick_update=True).create(vals_list)
        self.env["ihospital.critical.event"].sudo().create(events)

    def _send_sms(self):
        """One SMS per alert and phone of these recipients (a person on two
        posts of an alert is paged once), through the hospital's SMS provider
        (ihospital.sms), sent now (urgent: this cron already runs after
        commit) so that the trail records at once whether it went out; a
        later delivery receipt updates it (_ihospital_sms_status)."""
        to_send = self.filtered(lambda r: r.alert_id.state in ("to_acknowledge", "acknowledged"))
        without_phone = to_send.filtered(lambda r: not r.phone)
        without_phone.write({"sms_state": "no_phone"})
        with_phone = to_send - without_phone
        with_phone.write({"sms_state": "pending"})
        senders = with_phone._one_per_person(lambda r: r.phone)
        Sms = self.env["ihospital.sms"]
        for company, recipients in senders.grouped("company_id").items():
            Sms._send(
                company,
                "critical_value",
                [(recipient.phone, recipient.alert_id._sms_variables(), recipient) for recipient in recipients],
                urgent=True,
            )

    def _ihospital_sms_status(self, messages):
        """How the SMS to these recipients went (ihospital.sms): the last
        SMS state, and the trail: notified, or notice failed (which the
        escalation pass counts). The recipient paged holds the text; the
        same person's other posts of the alert follow it. A delivery
        receipt of a text already recorded as sent only updates the state."""
        events = []
        latest = {}
        for message in messages.sorted("id"):
            latest[message.res_id] = message
        for sender in self:
            message = latest.get(sender.id)
            if not message:
                continue
            state = {"sent": "sent", "delivered": "delivered"}.get(message.state, "failed")
            previous = sender.sms_state
            same_person = sender.alert_id.recipient_ids.filtered(
                lambda r, sender=sender, previous=previous: r.phone == sender.phone
                and r.sms_state in ("pending", previous)
            )
            same_person.sms_state = state
            if state == "delivered" or (state == "sent" and previous == "delivered"):
                continue
            for recipient in same_person:
                events.append(
                    {
                        "alert_id": recipient.alert_id.id,
                        "kind": "notified" if state == "sent" else "notice_failed",
                        "channel": "sms",
                        "recipient_id": recipient.id,
                        "level": recipient.level,
                        "user_id": False,
                        "note": False if state == "sent" else (message.failure_reason or message.state),
                    }
                )
        self.env["ihospital.critical.event"].sudo().create(events)
