import logging
from collections import namedtuple
from datetime import datetime, time, timedelta

import pytz
from dateutil.relativedelta import relativedelta

from odoo import _, api, fields, models
from odoo.addons.ihospital_base.models.ihospital_patient import ADULT_AGE
from odoo.addons.ihospital_base.models.ihospital_sms import sms_number
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL

_logger = logging.getLogger(__name__)

# messages sent per run of the cron (a full batch wakes it again)
BATCH = 200
# the texts of the steps without their own template
DEFAULT_TEMPLATES = {"message": "followup_care", "survey": "followup_survey"}

MESSAGE_STATES = [
    ("planned", "Planned"),
    ("sent", "Sent"),
    ("answered", "Answered"),
    ("declined", "Declined"),
    ("expired", "Expired"),
    ("skipped", "Skipped"),
    ("cancelled", "Cancelled"),
    ("failed", "Failed"),
]
RECIPIENTS = [("patient", "Patient"), ("guardian", "Guardian")]


class IhospitalFollowupMessage(models.Model):
    """One step of a follow-up for one patient: when it is due, whether and
    to whom it went, and for a survey step the answer (survey.user_input)
    its personal link opens. Written by the engine only."""

    _name = "ihospital.followup.message"
    _description = "Follow-up Message"
    _order = "due_at, id"

    followup_id = fields.Many2one(
        "ihospital.followup", string="Follow-up", required=True, index=True, readonly=True, ondelete="cascade"
    )
    step_id = fields.Many2one("ihospital.followup.plan.step", required=True, readonly=True, ondelete="restrict")
    name = fields.Char(related="step_id.name")
    action = fields.Selection(related="step_id.action")
    company_id = fields.Many2one(related="followup_id.company_id", store=True, index=True)
    patient_id = fields.Many2one(related="followup_id.patient_id", store=True, index=True)
    doctor_id = fields.Many2one(related="followup_id.doctor_id", store=True, index=True)
    department_id = fields.Many2one(related="followup_id.department_id", store=True, index=True)
    due_at = fields.Datetime(string="Due", required=True, readonly=True)
    state = fields.Selection(MESSAGE_STATES, required=True, default="planned", readonly=True)
    sent_at = fields.Datetime(readonly=True, index=True)
    recipient = fields.Selection(RECIPIENTS, readonly=True)
    sms_message_id = fields.Many2one("ihospital.sms.message", string="Text Message", readonly=True)
    user_input_id = fields.Many2one("survey.user_input", string="Survey Answer", readonly=True, index=True)
    expires_at = fields.Datetime(string="Link Expires", readonly=True)
    skip_reason = fields.Char(readonly=True)
    portal_text = fields.Text(readonly=True, help="The message as shown in the patient's portal.")

    def init(self):
        # the sending cron reads the planned messages due, oldest first
        self.env.cr.execute(
            """
            CREATE INDEX IF NOT EXISTS ihospital_followup_message_planned_due_idx
                ON ihospital_followup_message (due_at) WHERE state = 'planned'
            """
        )

    @api.model_create_multi
    def create(self, vals_list):
        self._ihospital_check_engine()
        return super().create(vals_list)

    def write(self, vals):
        self._ihospital_check_engine()
        return super().write(vals)

    def _ihospital_check_engine(self):
        """The messages are the engine's: nobody writes them (the ACLs give
        read only; this refuses a sudo-less path that would slip through)."""
        if not self.env.su:
            raise AccessError(_("Follow-up messages are changed by the system only."))

    # ------------------------------------------------------------------ sending
    @api.model
    def _cron_send_due(self):
        """Send the follow-up messages due, oldest first, in batches (a full
        batch wakes the cron again), and close the links that expired."""
        now = fields.Datetime.now()
        self._ihospital_expire(now)
        messages = self.sudo().search(
            [("state", "=", "planned"), ("due_at", "<=", now)], order="due_at, id", limit=BATCH
        )
        messages._ihospital_send(now)
        if len(messages) == BATCH:
            self.env["ir.cron"]._ihospital_trigger("ihospital_survey.ir_cron_followup_send")

    @api.model
    def _ihospital_expire(self, now):
        expired = self.sudo().search(
            [("state", "=", "sent"), ("expires_at", "<=", now), ("user_input_id.state", "!=", "done")]
        )
        expired.write({"state": "expired"})
        expired.followup_id._ihospital_close_done()

    def _ihospital_send(self, now):
        """Send these due messages (sudo): never in the hospital's quiet
        hours (they wait until its end), at most the weekly cap to a patient
        in any 7 days (the next waits until the window allows it), none to
        a deceased or opted-out patient (the follow-up stops), a minor's to
        the guardian; a survey step gets its answer (the personal link)."""
        self = self.sudo()
        if not self:
            return
        # read what the batch needs in a few queries
        self.fetch(["followup_id", "step_id", "due_at"])
        self.followup_id.fetch(["company_id", "patient_id", "doctor_id", "department_id", "event_at", "state"])
        patients = self.followup_id.patient_id
        patients.fetch(["name", "birth_date", "phone", "guardian_phone", "deceased", "followup_opt_out"])
        self.step_id.fetch(["action", "sms_template_id", "body", "survey_id"])
        postponed = {}  # new due time -> messages
        stops = {}  # reason -> messages
        cancelled = self.filtered(lambda message: message.followup_id.state != "active")
        to_send = []
        for company, messages in (self - cancelled).grouped("company_id").items():
            tz = pytz.timezone(company.hospital_tz or "Asia/Shanghai")
            quiet_end = quiet_until(company, tz, now)
            if quiet_end:
                postponed.setdefault(quiet_end, self.browse())
                postponed[quiet_end] |= messages
                continue
            today = pytz.utc.localize(now).astimezone(tz).date()
            numbers = {}
            for message in messages:
                patient = message.followup_id.patient_id
                if patient.deceased or patient.followup_opt_out:
                    reason = "deceased" if patient.deceased else "opt_out"
                    stops.setdefault(reason, self.browse())
                    stops[reason] |= message
                    continue
                minor = patient.birth_date and relativedelta(today, patient.birth_date).years < ADULT_AGE
                recipient = "guardian" if minor else "patient"
                numbers[message] = (recipient, sms_number(patient.guardian_phone if minor else patient.phone))
            opted_out = self.env["ihospital.sms.optout"]._ihospital_opted_out(
                company, {number for _recipient, number in numbers.values() if number}
            )
            for message, (recipient, number) in numbers.items():
                if number in opted_out:
                    stops.setdefault("opt_out", self.browse())
                    stops["opt_out"] |= message
                    continue
                to_send.append((message, recipient, number))
        to_send = self._ihospital_apply_cap(to_send, now, postponed)
        for due, messages in postponed.items():
            messages.write({"due_at": due})
        reasons = {"deceased": _("The patient died."), "opt_out": _("The patient opted out of follow-up messages.")}
        for reason, messages in stops.items():
            # the message due is skipped; the follow-up's others are cancelled
            messages.write({"state": "skipped", "skip_reason": reasons[reason]})
            messages.followup_id._ihospital_stop(reason)
        cancelled.filtered(lambda message: message.state == "planned").write(
            {"state": "cancelled", "skip_reason": _("The follow-up was stopped.")}
        )
        if to_send:
            self._ihospital_deliver(to_send, now)

    @api.model
    def _ihospital_apply_cap(self, to_send, now, postponed):
        """The part of `to_send` within the weekly cap of each patient; the
        others are postponed (into `postponed`) until the 7 days after the
        cap-th latest message sent allow one more."""
        if not to_send:
            return to_send
        patients = self.env["ihospital.patient"].union(*(message.patient_id for message, _r, _n in to_send))
        window = now - timedelta(days=7)
        recent = self.sudo().search_fetch(
            [("patient_id", "in", patients.ids), ("sent_at", ">", window)], ["patient_id", "sent_at"]
        )
        sent = {}
        for message in recent:
            sent.setdefault(message.patient_id.id, []).append(message.sent_at)
        kept = []
        for message, recipient, number in to_send:
            cap = message.company_id.ihospital_followup_weekly_cap
            times = sorted(sent.setdefault(message.patient_id.id, []))
            if len(times) >= cap:
                due = times[-cap] + timedelta(days=7, seconds=1)
                postponed.setdefault(due, self.browse())
                postponed[due] |= message
                continue
            times.append(now)
            sent[message.patient_id.id] = times
            kept.append((message, recipient, number))
        return kept

    @api.model
    def _ihospital_deliver(self, to_send, now):
        """Create the survey answers of the survey steps, text the messages
        (one `_send` per hospital and template) and record the outcome."""
        UserInput = self.env["survey.user_input"].sudo()
        answers = {}
        answer_vals = []
        surveyed = [entry for entry in to_send if entry[0].step_id.action == "survey"]
        for message, _recipient, _number in surveyed:
            followup = message.followup_id
            expires = now + timedelta(days=followup.company_id.ihospital_followup_link_days)
            answer_vals.append(
                {
                    "survey_id": message.step_id.survey_id.id,
                    "deadline": expires,
                    "ihospital_followup_message_id": message.id,
                    "ihospital_doctor_id": followup.doctor_id.id,
                    "ihospital_department_id": followup.department_id.id,
                    "ihospital_patient_id": followup.patient_id.id,
                    "ihospital_event_at": followup.event_at,
                    "ihospital_expires_at": expires,
                }
            )
        if answer_vals:
            created = UserInput.create(answer_vals)
            answers = {entry[0]: answer for entry, answer in zip(surveyed, created, strict=True)}
        groups = {}
        for entry in to_send:
            message = entry[0]
            template = (
                message.step_id.sms_template_id
                or (DEFAULT_TEMPLATES["survey" if message.step_id.action == "survey" else "message"])
            )
            key = (message.company_id, template if isinstance(template, str) else template.id)
            groups.setdefault(key, []).append(entry)
        Sms = self.env["ihospital.sms"]
        Template = self.env["ihospital.sms.template"]
        results = {}
        for (company, template), entries in groups.items():
            template = template if isinstance(template, str) else Template.browse(template)
            base_url = company.get_base_url()
            recipients = []
            for message, _recipient, number in entries:
                variables = message._ihospital_variables(answers.get(message), base_url)
                results[message] = [variables]
                recipients.append((number or "", variables, message))
            try:
                sms_messages = Sms._send(company, template, recipients)
            except UserError as error:
                # a template needing variables the engine does not have, or
                # none of that key: the messages fail, the others go
                _logger.warning("Follow-up texts of hospital %s not sent: %s", company.id, error)
                sms_messages = [FailedText(str(error))] * len(entries)
            for (message, _recipient, _number), sms in zip(entries, sms_messages, strict=True):
                results[message].append(sms)
        rows = []
        for message, recipient, _number in to_send:
            variables, sms = results[message]
            answer = answers.get(message) if sms.id else None
            state = {"failed": "failed", "opted_out": "skipped"}.get(sms.state, "sent")
            text = Sms._render(message.step_id.body, variables) if message.step_id.body else sms.body
            rows.append(
                (
                    message.id,
                    state,
                    recipient,
                    sms.id,
                    answer.id if answer else None,
                    answer.ihospital_expires_at if answer else None,
                    text,
                    sms.failure_reason or None,
                )
            )
        # one UPDATE for the batch: each row has values of its own, which
        # the ORM would write with a query per message
        self.env.cr.execute(
            SQL(
                """
                UPDATE ihospital_followup_message AS message
                   SET state = row.state, sent_at = %(now)s, recipient = row.recipient,
                       sms_message_id = row.sms_id, user_input_id = row.answer_id,
                       expires_at = row.expires_at, portal_text = row.text, skip_reason = row.reason,
                       write_uid = %(uid)s, write_date = %(now)s
                  FROM (VALUES %(rows)s) AS row(id, state, recipient, sms_id, answer_id, expires_at, text, reason)
                 WHERE message.id = row.id
                """,
                now=now,
                uid=self.env.uid,
                rows=SQL(", ").join(
                    SQL(
                        "(%s, %s, %s, %s::int, %s::int, %s::timestamp, %s, %s)",
                        *row,
                    )
                    for row in rows
                ),
            )
        )
        self.invalidate_model(
            [
                "state",
                "sent_at",
                "recipient",
                "sms_message_id",
                "user_input_id",
                "expires_at",
                "portal_text",
                "skip_reason",
            ]
        )
        stopped = self.browse([row[0] for row in rows if row[1] == "skipped"]).followup_id
        stopped._ihospital_stop("opt_out")
        self.browse([row[0] for row in rows]).followup_id._ihospital_close_done()

    def _ihospital_variables(self, answer, base_url):
        """The variables of the follow-up texts: patient, hospital, doctor,
        department, link (the personal survey link) and days (its validity)."""
        followup = self.followup_id
        company = followup.company_id
        return {
            "patient": followup.patient_id.name or "",
            "hospital": company.name or "",
            "doctor": followup.doctor_id.name or "",
            "department": followup.department_id.name or "",
            "link": f"{base_url}{answer.get_start_url()}" if answer else "",
            "days": str(company.ihospital_followup_link_days),
        }

    def _ihospital_decline(self):
        """The patient declined the survey of these messages (the decline
        route, on the answer's token)."""
        self = self.sudo()
        self.user_input_id.write({"ihospital_declined": True})
        self.write({"state": "declined"})
        self.followup_id._ihospital_close_done()

    def _ihospital_answered(self):
        """The patients finished the surveys of these messages."""
        self = self.sudo().filtered(lambda message: message.state in ("sent", "expired"))
        self.write({"state": "answered"})
        self.followup_id._ihospital_close_done()

    def _ihospital_sms_status(self, sms_messages):
        """The provider's outcome of texts already sent: a text that failed
        after leaving fails its message."""
        failed = sms_messages.filtered(lambda sms: sms.state in ("failed", "opted_out"))
        mine = self.filtered(lambda message: message.state == "sent" and message.sms_message_id in failed)
        for message in mine:
            message.write({"state": "failed", "skip_reason": message.sms_message_id.failure_reason})


class FailedText(namedtuple("FailedText", ["failure_reason"])):
    """What stands for the text of a message that could not be queued."""

    id = None
    state = "failed"
    body = ""


def quiet_until(company, tz, now):
    """The end of `company`'s quiet hours (UTC, naive) when `now` falls in
    them, else False. Quiet hours may span midnight (21:00-08:00)."""
    start, end = company.ihospital_followup_quiet_start, company.ihospital_followup_quiet_end
    if start == end:
        return False
    local = pytz.utc.localize(now).astimezone(tz)
    hour = local.hour + local.minute / 60 + local.second / 3600
    spans_midnight = start > end
    quiet = (hour >= start or hour < end) if spans_midnight else (start <= hour < end)
    if not quiet:
        return False
    day = local.date()
    if spans_midnight and hour >= start:
        day += timedelta(days=1)
    naive = datetime.combine(day, time()) + timedelta(hours=end)
    return tz.localize(naive).astimezone(pytz.utc).replace(tzinfo=None)
