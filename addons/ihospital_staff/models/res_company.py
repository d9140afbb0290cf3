from datetime import datetime, time, timedelta

import pytz

from odoo import Command, _, api, fields, models
from odoo.addons.ihospital_base.models.ihospital_schedule import local_to_utc
from odoo.exceptions import ValidationError
from odoo.tools import SQL

# How each kind of shift is timed from the hospital's two settings (hours in
# its time zone): (setting the shift starts at, setting it ends at, days after
# the duty date on which it ends). The day and night shifts tile the whole day,
# so that someone is on duty at every minute; "custom" shifts are typed in.
SHIFT_KIND_TIMES = {
    "day": ("duty_day_start", "duty_night_start", 0),
    "night": ("duty_night_start", "duty_day_start", 1),
    "24h": ("duty_day_start", "duty_day_start", 1),
}
# The texts to staff that the hospital's daily cap counts: group SMS, and the
# reminders about unread notices (a head publishing and reminding notice after
# notice would otherwise text the department beyond the cap).
CAPPED_SMS_PURPOSES = ("group", "notice")


class ResCompany(models.Model):
    _inherit = "res.company"

    critical_ack_minutes = fields.Integer(
        string="Critical Value: Acknowledge Within (min)",
        default=10,
        help="A critical value not acknowledged within this time goes to the department head and medical affairs "
        "on duty.",
    )
    critical_handle_minutes = fields.Integer(
        string="Critical Value: Handle Within (min)",
        default=30,
        help="A critical value whose handling is not recorded within this time (from its detection) goes to "
        "medical affairs and the administrator on duty.",
    )
    critical_repeat_minutes = fields.Integer(
        string="Critical Value: Remind Every (min)",
        default=10,
        help="An escalated alert is sent again at this interval until someone acts on it.",
    )
    critical_ack_target_minutes = fields.Integer(
        string="Critical Value: Acknowledgement Target (min)",
        default=10,
        help="The share of alerts acknowledged within this time is the quality indicator of the dashboard.",
    )

    @api.constrains(
        "critical_ack_minutes", "critical_handle_minutes", "critical_repeat_minutes", "critical_ack_target_minutes"
    )
    def _check_critical_timers(self):
        for company in self:
            timers = (
                company.critical_ack_minutes,
                company.critical_handle_minutes,
                company.critical_repeat_minutes,
                company.critical_ack_target_minutes,
            )
            if any(minutes < 1 for minutes in timers):
                raise ValidationError(_("Critical value timers are at least one minute."))
            if company.critical_handle_minutes < company.critical_ack_minutes:
                raise ValidationError(
                    _("Handling a critical value cannot be due before acknowledging it: check the timers.")
                )

    duty_day_start = fields.Float(
        string="Day Shift Starts",
        default=8.0,
        help="Time of day (hospital time) at which the day shift and the 24-hour shift start and the night "
        "shift ends.",
    )
    duty_night_start = fields.Float(
        string="Night Shift Starts",
        default=17.5,
        help="Time of day (hospital time) at which the day shift ends and the night shift starts; the night "
        "shift ends the next morning when the day shift starts.",
    )

    @api.constrains("duty_day_start", "duty_night_start")
    def _check_duty_times(self):
        for company in self:
            if not 0 <= company.duty_day_start < company.duty_night_start < 24:
                raise ValidationError(
                    _("The day shift must start before the night shift, both between 00:00 and 23:59.")
                )

    def _ihospital_duty_times(self, day, kind):
        """(start, stop) in naive UTC of a `kind` shift on duty date `day`,
        from this hospital's shift times and time zone."""
        self.ensure_one()
        start_setting, stop_setting, stop_days = SHIFT_KIND_TIMES[kind]
        tz = self.hospital_tz
        return (
            local_to_utc(day, self[start_setting], tz),
            local_to_utc(day + timedelta(days=stop_days), self[stop_setting], tz),
        )

    # Group SMS (短信群发): how many a day, and who may send them.
    ihospital_sms_daily_cap = fields.Integer(
        string="Group SMS per Day",
        default=1000,
        help="The most texts to staff (billed parts of group SMS and of reminders about unread notices) the hospital "
        "sends in a day; a group SMS that would pass it is refused, a reminder then goes to the inbox only.",
    )
    ihospital_sms_sender_group_ids = fields.Many2many(
        "res.groups",
        "res_company_ihospital_sms_sender_rel",
        "company_id",
        "group_id",
        string="May Send Group SMS",
        default=lambda self: self._default_ihospital_sms_senders(),
        domain=lambda self: [("category_id", "=", self.env.ref("ihospital_base.module_category_ihospital").id)],
        help="The roles of the hospital's staff who may send group SMS: directors, medical affairs and administrators "
        "to anyone of the hospital, department heads to the departments they head, nurses and doctors to their own "
        "department.",
    )

    # Notices (通知公告): the reminder to those who have not read one.
    ihospital_remind_unread_sms = fields.Boolean(
        string="Remind Unread Notices by Text",
        help="The reminder to those who have not read a notice also goes by text (SMS template notice_reminder) to "
        "those with a work mobile, except numbers that opted out of the hospital's texts; the reminder in the staff "
        "app's inbox goes in any case.",
    )

    @api.model
    def _default_ihospital_sms_senders(self):
        """Department heads and administrators."""
        return self.env.ref("ihospital_base.group_department_head") | self.env.ref("ihospital_base.group_admin")

    @api.model
    def _ihospital_sms_default_senders(self):
        """At install: the hospitals get the default senders."""
        hospitals = self.search([("ihospital_sms_sender_group_ids", "=", False)])
        hospitals.write({"ihospital_sms_sender_group_ids": [Command.set(self._default_ihospital_sms_senders().ids)]})

    def _ihospital_staff_sms_left(self):
        """How many texts to staff (billed parts, CAPPED_SMS_PURPOSES) the
        hospital may still send today (hospital time), counting those queued
        or sent today and those the provider took before failing. Call it in
        the transaction that queues the texts, right before queueing them:
        it serializes the sends of the hospital until that transaction ends."""
        self.ensure_one()
        # An UPDATE of the hospital's row, not SELECT ... FOR UPDATE: under
        # REPEATABLE READ a lock does not refresh the snapshot, so a send that
        # waited for another one counted without it (two group SMS of 17 with
        # 20 left both went out). Updating the row makes the second send fail
        # with a serialization error instead, and Odoo retries it with a fresh
        # snapshot that holds the first one's texts (as the booking engine
        # does with the patient's row). The texts are counted from the SMS
        # log, not kept in a counter: a cancelled text, one refused before the
        # provider took it or an opted-out number gives its share back by
        # itself.
        self.env.cr.execute(SQL("UPDATE res_company SET write_date = write_date WHERE id = %s", self.id))
        company = self.sudo()
        tz = pytz.timezone(company.hospital_tz or "Asia/Shanghai")
        midnight = tz.localize(datetime.combine(company._ihospital_today(), time.min))
        since = midnight.astimezone(pytz.utc).replace(tzinfo=None)
        domain = [
            ("company_id", "=", company.id),
            ("purpose", "in", CAPPED_SMS_PURPOSES),
            ("create_date", ">=", since),
            "|",
            ("state", "in", ("queued", "sent", "delivered")),
            "&",
            ("state", "=", "failed"),
            ("provider_message_id", "!=", False),
        ]
        [(used,)] = self.env["ihospital.sms.message"].sudo()._read_group(domain, [], ["segments:sum"])
        return max(company.ihospital_sms_daily_cap - (used or 0), 0)

    @api.constrains("ihospital_sms_daily_cap")
    def _check_ihospital_sms_daily_cap(self):
        if any(company.ihospital_sms_daily_cap < 0 for company in self):
            raise ValidationError(_("The daily number of group SMS cannot be negative."))

    @api.model_create_multi
    def create(self, vals_list):
        companies = super().create(vals_list)
        # a new hospital starts with its own copy of the default critical limits
        self.env["ihospital.critical.limit"]._ihospital_seed_defaults(companies)
        return companies

    def write(self, vals):
        result = super().write(vals)
        if vals.get("is_hospital"):
            self.env["ihospital.critical.limit"]._ihospital_seed_defaults(self)
        return result
