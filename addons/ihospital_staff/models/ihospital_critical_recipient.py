from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL

from .ihospital_critical_alert import RECIPIENT_ROLES

SMS_STATES = [
    ("pending", "Pending"),
    ("sent", "Sent"),
    ("failed", "Failed"),
    ("no_phone", "No Phone"),
]
# Odoo's cron worker runs up to 10 batches of a job before the next job's
# turn: small batches keep a burst of notices from holding up the results
# and escalations waiting behind them (their crons come first in each turn).
NOTICE_BATCH = 100


class IhospitalCriticalRecipient(models.Model):
    """Someone a critical value alert was sent to, in which role and at
    which escalation level, and how the last notice to them went."""

    _name = "ihospital.critical.recipient"
    _description = "Critical Value Recipient"
    _order = "alert_id, level, id"

    alert_id = fields.Many2one("ihospital.critical.alert", required=True, readonly=True, index=True, ondelete="cascade")
    company_id = fields.Many2one(related="alert_id.company_id", store=True, index=True)
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

    def _queue_notices(self):
        """Tell these recipients now: a live notification (sent with the
        transaction's commit), and an activity and an SMS queued for the
        notices cron right after commit. Someone who holds several posts for
        an alert (the attending doctor who heads the department) gets one
        live notification of it, not one per post."""
        if not self:
            return
        now = fields.Datetime.now()
        recipients = self.sudo()
        for recipient in recipients._one_per_person(lambda r: r.user_id):
            recipient.user_id.partner_id._bus_send(
                "ihospital_critical/alert", dict(recipient.alert_id._bus_payload(), role=recipient.role)
            )
        # Raw SQL for bulk: an escalation pass tells thousands of recipients
        # at once, and the ORM would write them and create their trail steps
        # (append-only, nothing computed) record by record. One statement
        # marks them due for the notices cron and records the live notice.
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
                )
                INSERT INTO ihospital_critical_event
                       (alert_id, company_id, at, kind, channel, recipient_id, level,
                        create_uid, create_date, write_uid, write_date)
                SELECT alert_id, company_id, %(now)s, 'notified', 'bus', id, level, %(uid)s, %(now)s, %(uid)s, %(now)s
                  FROM told
                 ORDER BY id
                """,
                now=now,
                uid=self.env.uid,
                ids=recipients.ids,
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
        if batch:
            batch.write({"notice_due": False})
            batch._send_activities()
            batch._send_sms()
        remaining = int(len(batch) == NOTICE_BATCH)
        self.env["ir.cron"]._notify_progress(done=len(batch), remaining=remaining)

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
        """One SMS per alert and phone of these recipients, sent now (not
        through the SMS queue) so that the trail records whether it went out."""
        to_send = self.filtered(lambda r: r.alert_id.state in ("to_acknowledge", "acknowledged"))
        without_phone = to_send.filtered(lambda r: not r.phone)
        without_phone.write({"sms_state": "no_phone"})
        with_phone = to_send - without_phone
        if not with_phone:
            return
        # one SMS per alert and phone: a person on two posts of an alert is paged once
        senders = with_phone._one_per_person(lambda r: r.phone)
        Sms = self.env["sms.sms"].sudo()
        sms_records = Sms.create(
            [{"number": recipient.phone, "body": recipient.alert_id._sms_text()} for recipient in senders]
        )
        sms_records._send(unlink_failed=False, unlink_sent=False, raise_exception=False)
        by_phone = {
            (recipient.alert_id.id, recipient.phone): sms for recipient, sms in zip(senders, sms_records, strict=True)
        }
        events = []
        for recipient in with_phone:
            sms = by_phone[(recipient.alert_id.id, recipient.phone)]
            sent = sms.state in ("process", "pending", "sent")
            recipient.sms_state = "sent" if sent else "failed"
            events.append(
                {
                    "alert_id": recipient.alert_id.id,
                    "kind": "notified" if sent else "notice_failed",
                    "channel": "sms",
                    "recipient_id": recipient.id,
                    "level": recipient.level,
                    "user_id": False,
                    "note": False if sent else (sms.failure_type or "error"),
                }
            )
        self.env["ihospital.critical.event"].sudo().create(events)
        sms_records.filtered(lambda sms: sms.state != "error").unlink()
