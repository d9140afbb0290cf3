from datetime import timedelta

from odoo import _, api, fields, models
from odoo.addons.ihospital_base.models.ihospital_guard_mixin import DOCTOR, NURSE
from odoo.addons.ihospital_base.models.ihospital_lab_result import CRITICAL_FLAGS, RESULT_FLAGS
from odoo.addons.ihospital_base.models.ihospital_patient import mask_middle
from odoo.addons.ihospital_base.models.ihospital_sms import sms_number
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL

from ..lab_values import parse_value

ALERT_STATES = [
    ("to_acknowledge", "To Acknowledge"),
    ("acknowledged", "Acknowledged"),
    ("handled", "Handled"),
    ("closed", "Closed"),
    ("withdrawn", "Withdrawn"),
]
# alerts someone still has to act on
OPEN_STATES = ("to_acknowledge", "acknowledged", "handled")
SOURCES = [
    ("lab", "Laboratory"),
    ("imaging", "Imaging and Examinations"),
    ("vital", "Vital Signs"),
]
DETECTED_BY = [
    ("source", "Flagged by the Source"),
    ("rule", "Hospital Limit"),
    ("both", "Source and Hospital Limit"),
]
DIRECTIONS = [("low", "Critically Low"), ("high", "Critically High"), ("abnormal", "Critically Abnormal")]
HANDLING_KINDS = [
    ("retest", "Re-test Ordered"),
    ("treatment", "Treatment Given"),
    ("consult", "Consultation Requested"),
    ("patient_notified", "Patient Notified"),
    ("doctor_notified", "Doctor Informed"),
    ("other", "Other"),
]
# Who is told, level by level: at once (0), when nobody acknowledged in
# time (1), when nobody handled in time (2). Declared once: routing,
# escalation and the recipients' labels derive from it.
RECIPIENT_ROLES = [
    ("attending", "Attending Doctor"),
    ("bed_doctor", "Bed Doctor"),
    ("duty_doctor", "On-duty Doctor"),
    ("duty_nurse", "On-duty Nurse"),
    ("department_head", "Department Head"),
    ("medical_affairs", "Medical Affairs on Duty"),
    ("administrator", "Administrator on Duty"),
    ("quality_officer", "Quality Officer"),
]
LEVEL_ROLES = {
    0: ("attending", "bed_doctor", "duty_doctor", "duty_nurse", "department_head"),
    1: ("department_head", "medical_affairs"),
    2: ("medical_affairs", "administrator"),
}
# an alert without department (unknown code, unidentified patient) goes to
# the hospital's posts at once
HOSPITAL_ROLES = ("medical_affairs", "administrator")
# the roster's posts each duty role is filled from
DUTY_POSTS = {
    "duty_doctor": "doctor",
    "duty_nurse": "nurse",
    "medical_affairs": "medical_affairs",
    "administrator": "administrator",
}
ESCALATION_BATCH = 2000
# New critical values first: while results flagged critical wait to be
# applied (_new_criticals_waiting), an escalation pass and the activities
# and SMS give way to them (on two cores they would share the CPU with the
# burst), for at most this many seconds past their own due time; the
# results' processing wakes them when it has applied its lane.
GIVE_WAY_SECONDS = 30
# An escalation pass holds this PostgreSQL advisory lock until its commit;
# the batches of activities and SMS give way to a pass that runs (they take
# it shared, so a pass starting during a batch waits for that batch only).
ESCALATION_LOCK = 4_211_811_001


def readback_equal(reported, readback):
    """Whether a value read back is the value reported: numbers compare as
    numbers with their comparator ('6.80' is '6.8', '<0.5' is not '0.5'),
    text ignoring case and spaces."""
    reported, readback = (reported or "").strip(), (readback or "").strip()
    if not readback:
        return False
    reported_number, readback_number = parse_value(reported), parse_value(readback)
    if reported_number is not None and readback_number is not None:
        return reported_number == readback_number
    return "".join(reported.split()).casefold() == "".join(readback.split()).casefold()


def recipient_phone(employee, duty_phone=False):
    """The number a critical value is texted (and called) at: a duty number
    that takes texts (a department's duty handset), else the staff member's
    work mobile (the engine texts it even where its owner hides it from
    colleagues), else the duty number or work phone, to call."""
    if duty_phone and sms_number(duty_phone):
        return duty_phone
    return employee.mobile_phone or duty_phone or employee.work_phone or False


class IhospitalCriticalAlert(models.Model):
    """A critical value (危急值): one result that crossed a critical limit,
    flagged by its source or by the hospital's own limits. It is routed at
    once to the clinicians responsible for the patient and to those on duty,
    who acknowledge it by reading the value back (签收, 复读), record what
    they did (处理), and close it; unacknowledged or unhandled alerts
    escalate on the hospital's timers. Every step is appended to the trail
    (ihospital.critical.event), which nobody edits.

    Users change an alert only through its actions, which check the caller's
    role and relation to the alert; the engine writes as superuser."""

    _name = "ihospital.critical.alert"
    _description = "Critical Value Alert"
    _inherit = ["ihospital.audited.mixin", "ihospital.guard.mixin", "mail.thread", "mail.activity.mixin"]
    _order = "detected_at desc, id desc"
    _check_company_auto = True
    # those who see an alert may mark their own to-do done and write in its
    # chatter; the alert itself changes only through its actions
    _mail_post_access = "read"

    _action_groups = {
        "action_acknowledge": (NURSE, DOCTOR),
        "action_handle": (NURSE, DOCTOR),
        "action_close": (DOCTOR,),
        "action_open_acknowledge": (NURSE, DOCTOR),
        "action_open_handle": (NURSE, DOCTOR),
        "action_contact_patient": (NURSE, DOCTOR),
    }
    _engine_create_only = True

    name = fields.Char(string="Alert Number", required=True, readonly=True, copy=False, default="/")
    company_id = fields.Many2one("res.company", string="Hospital", required=True, readonly=True, index=True)
    state = fields.Selection(ALERT_STATES, required=True, default="to_acknowledge", readonly=True, index=True)
    # the patient, and how staff who see the alert name them (the link to
    # the patient record follows the patient rules; the label does not)
    patient_id = fields.Many2one("ihospital.patient", readonly=True, index=True, ondelete="restrict")
    patient_label = fields.Char(string="Patient", readonly=True)
    his_patient_ref = fields.Char(string="HIS Patient Reference", readonly=True)
    is_inpatient = fields.Boolean(string="Inpatient", readonly=True)
    ward = fields.Char(readonly=True)
    bed = fields.Char(readonly=True)
    # what is critical
    source = fields.Selection(SOURCES, required=True, readonly=True, index=True)
    lab_report_id = fields.Many2one("ihospital.lab.report", readonly=True, index=True)
    lab_result_id = fields.Many2one(
        "ihospital.lab.result", string="Result Line", readonly=True, index="btree_not_null", ondelete="set null"
    )
    vital_sign_id = fields.Many2one("ihospital.vital.sign", readonly=True, index="btree_not_null", ondelete="set null")
    imaging_report_id = fields.Many2one(
        "ihospital.imaging.report", string="Examination Report", readonly=True, index="btree_not_null"
    )
    limit_id = fields.Many2one("ihospital.critical.limit", string="Hospital Limit", readonly=True)
    report_number = fields.Char(readonly=True)
    item = fields.Char(string="Test or Finding", required=True, readonly=True)
    item_code = fields.Char(string="Test Code", readonly=True)
    value = fields.Char(string="Reported Value", readonly=True)
    unit = fields.Char(readonly=True)
    reference_range = fields.Char(readonly=True)
    flag = fields.Selection(RESULT_FLAGS, readonly=True)
    direction = fields.Selection(DIRECTIONS, readonly=True)
    detected_by = fields.Selection(DETECTED_BY, required=True, readonly=True, default="source")
    review_reason = fields.Char(
        readonly=True, help="Why a person should check this result against the limits (unit, value not comparable)."
    )
    reported_at = fields.Datetime(string="Reported", readonly=True)
    detected_at = fields.Datetime(string="Detected", required=True, readonly=True, default=fields.Datetime.now)
    # where it goes
    department_id = fields.Many2one("hr.department", readonly=True, index=True)
    doctor_id = fields.Many2one("hr.employee", string="Attending Doctor", readonly=True, index=True)
    bed_doctor_id = fields.Many2one("hr.employee", readonly=True)
    admin_note = fields.Char(
        string="For the Administrator",
        readonly=True,
        help="What the platform could not resolve (unknown codes, unidentified patient): routed to the hospital's "
        "posts on duty meanwhile.",
    )
    needs_admin = fields.Boolean(string="Needs the Administrator", readonly=True, index=True)
    recipient_ids = fields.One2many("ihospital.critical.recipient", "alert_id", string="Recipients", readonly=True)
    event_ids = fields.One2many("ihospital.critical.event", "alert_id", string="Trail", readonly=True)
    # timers
    level = fields.Integer(string="Escalation Level", readonly=True, default=0)
    escalation_count = fields.Integer(readonly=True, default=0)
    next_escalation_at = fields.Datetime(readonly=True, index=True, copy=False)
    # acknowledgement and handling
    acknowledged_at = fields.Datetime(readonly=True)
    acknowledged_by_id = fields.Many2one("res.users", string="Acknowledged by", readonly=True)
    readback_value = fields.Char(string="Value Read Back", readonly=True)
    handled_at = fields.Datetime(readonly=True)
    handled_by_id = fields.Many2one("res.users", string="Handled by", readonly=True)
    handling_summary = fields.Text(string="Handling", readonly=True)
    closed_at = fields.Datetime(readonly=True)
    closed_by_id = fields.Many2one("res.users", string="Closed by", readonly=True)
    withdrawn_reason = fields.Char(readonly=True)
    minutes_to_acknowledge = fields.Float(readonly=True, aggregator="avg")
    minutes_to_handle = fields.Float(readonly=True, aggregator="avg")
    # the receipt the laboratory's system gets back (sent by the HIS addon)
    receipt_due = fields.Boolean(readonly=True, index=True, copy=False)
    is_my_alert = fields.Boolean(string="Sent to Me", compute="_compute_is_my_alert", search="_search_is_my_alert")

    _sql_constraints = [
        ("name_company_uniq", "unique(company_id, name)", "This alert number is already used in this hospital."),
    ]

    def init(self):
        # one alert per result line, vital sign or examination report,
        # whatever resends or corrections come
        for column in ("lab_result_id", "vital_sign_id", "imaging_report_id"):
            self.env.cr.execute(
                SQL(
                    "CREATE UNIQUE INDEX IF NOT EXISTS %s ON ihospital_critical_alert (%s) WHERE %s IS NOT NULL",
                    SQL.identifier(f"ihospital_critical_alert_{column}_uniq"),
                    SQL.identifier(column),
                    SQL.identifier(column),
                )
            )

    @api.depends_context("uid")
    @api.depends("recipient_ids.user_id")
    def _compute_is_my_alert(self):
        for alert in self:
            alert.is_my_alert = self.env.user in alert.recipient_ids.user_id

    def _search_is_my_alert(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise UserError(_("Unsupported search on my alerts."))
        positive = (operator == "=") == value
        return [("recipient_ids.user_id", "in" if positive else "not in", [self.env.uid])]

    # ------------------------------------------------------------------ CRUD
    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su:
            raise AccessError(_("Critical value alerts are raised by the platform from results, not by hand."))
        by_company = {}
        for vals in vals_list:
            if vals.get("name", "/") == "/":
                by_company.setdefault(vals["company_id"], []).append(vals)
        Sequence = self.env["ir.sequence"]
        for company_id, company_vals in by_company.items():
            names = Sequence._ihospital_next_many("ihospital.critical.alert", company_id, len(company_vals))
            for vals, name in zip(company_vals, names, strict=True):
                vals["name"] = name
        return super().create(vals_list)

    def write(self, vals):
        if not self.env.su:
            raise AccessError(
                _("A critical value alert changes only through its actions (acknowledge, handle, close).")
            )
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_never(self):
        raise UserError(_("Critical value alerts are kept for the hospital's records: they cannot be deleted."))

    # ------------------------------------------------------------------ rights
    def _check_action_access(self):
        """Who may act on an alert: a clinician it was sent to, or a doctor
        or nurse of its department (a colleague covering the bed). Quality
        officers, directors and administrators supervise; they do not sign
        for clinicians."""
        self.check_access("read")
        user = self.env.user
        for alert in self.sudo():
            if user in alert.recipient_ids.user_id:
                continue
            if alert.department_id and user in alert.department_id.member_ids.user_id:
                continue
            raise AccessError(
                _(
                    "Alert %(alert)s was not sent to you and is not of your department: only its recipients and "
                    "the department's clinicians act on it.",
                    alert=alert.name,
                )
            )

    # ------------------------------------------------------------------ actions
    def action_open_acknowledge(self):
        """The read-back form (phone keypad for numbers)."""
        self.ensure_one()
        self._check_action("action_open_acknowledge")
        if self.state != "to_acknowledge":
            raise UserError(_("Alert %s is already acknowledged.", self.name))
        wizard = self.env["ihospital.critical.ack.wizard"].create({"alert_id": self.id})
        return wizard._action_reopen()

    def action_open_handle(self, kind=False):
        """The handling form (a new record: what was done is the user's
        choice, `kind` only suggests it)."""
        self.ensure_one()
        self._check_action("action_open_handle")
        self._check_can_handle()
        return {
            "type": "ir.actions.act_window",
            "name": _("Handling of %s", self.name),
            "res_model": "ihospital.critical.handle.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_alert_id": self.id, "default_kind": kind if kind in dict(HANDLING_KINDS) else False},
        }

    def action_contact_patient(self):
        """The contact path of an outpatient (门诊患者): the patient's phone,
        and their guardian's for a minor, for the doctor who decides whether
        the patient is called back. Shown to the alert's clinicians only;
        each showing is in the trail and in the access log. An inpatient is
        told on the ward."""
        self.ensure_one()
        self._check_action("action_contact_patient")
        alert_sudo = self.sudo()
        patient = alert_sudo.patient_id
        if not patient:
            raise UserError(
                _(
                    "The patient of alert %s is not identified yet: the laboratory or the administrator attaches them.",
                    self.name,
                )
            )
        if alert_sudo.is_inpatient:
            raise UserError(
                _(
                    "%(patient)s is an inpatient (%(ward)s, bed %(bed)s): the ward tells the patient.",
                    patient=alert_sudo.patient_label,
                    ward=alert_sudo.ward or "-",
                    bed=alert_sudo.bed or "-",
                )
            )
        if alert_sudo.state not in OPEN_STATES:
            raise UserError(_("Alert %s is closed.", self.name))
        if not (patient.phone or patient.guardian_phone):
            raise UserError(
                _("No phone is registered for %s: ask the outpatient clinic's desk.", alert_sudo.patient_label)
            )
        # made as the platform (nobody fills a phone by hand), still the user's own (create_uid)
        wizard = (
            self.env["ihospital.critical.contact.wizard"]
            .sudo()
            .create(
                {
                    "alert_id": self.id,
                    "phone": patient.phone,
                    "guardian_name": patient.guardian_name if patient.guardian_phone else False,
                    "guardian_phone": patient.guardian_phone,
                }
            )
        )
        alert_sudo._log("contact_shown")
        self.env["ihospital.access.log"]._log(
            patient.with_env(self.env), "read", f"phone, guardian phone (critical value {self.name})"
        )
        return wizard.with_env(self.env)._action_reopen()

    def action_acknowledge(self, readback):
        """Acknowledge (签收) by reading the value back (复读). A value that
        does not match is refused and recorded in the trail (so the method
        returns, rather than raising, which would undo the record):
        returns True when acknowledged, else the sentence to show."""
        self.ensure_one()
        self._check_action("action_acknowledge")
        if self.state != "to_acknowledge":
            raise UserError(_("Alert %s is already acknowledged.", self.name))
        alert_sudo = self.sudo()
        if not readback_equal(alert_sudo.value, readback):
            alert_sudo._log("readback_mismatch", value=readback)
            return _(
                "The value you read back (%(readback)s) is not the reported value. Read the result again and type "
                "it as reported.",
                readback=readback or "-",
            )
        now = fields.Datetime.now()
        alert_sudo.write(
            {
                "state": "acknowledged",
                "acknowledged_at": now,
                "acknowledged_by_id": self.env.uid,
                "readback_value": readback,
                "minutes_to_acknowledge": (now - alert_sudo.detected_at).total_seconds() / 60,
                "next_escalation_at": alert_sudo._handle_deadline(),
                "receipt_due": True,
            }
        )
        alert_sudo._log("acknowledged", value=readback)
        alert_sudo._done_activities(self.env.user)
        alert_sudo._notify_state()
        self._wake_receipts()
        return True

    def _check_can_handle(self):
        for alert in self:
            if alert.state == "to_acknowledge":
                raise UserError(
                    _("Acknowledge alert %s first: read the value back, then record what was done.", alert.name)
                )
            if alert.state not in OPEN_STATES:
                raise UserError(_("Alert %s is closed.", alert.name))

    def action_handle(self, kind, note=None):
        """Record one handling step (处理): what was done, by whom, when."""
        self.ensure_one()
        self._check_action("action_handle")
        if kind not in dict(HANDLING_KINDS):
            raise UserError(_("Choose what was done."))
        if kind == "other" and not (note or "").strip():
            raise UserError(_("Describe what was done."))
        self._check_can_handle()
        alert_sudo = self.sudo()
        now = fields.Datetime.now()
        label = dict(self.env["ihospital.critical.event"]._fields["handling_kind"]._description_selection(self.env))
        line = f"{label[kind]}: {note.strip()}" if note and note.strip() else label[kind]
        vals = {"handling_summary": "\n".join(filter(None, [alert_sudo.handling_summary, line]))}
        if alert_sudo.state != "handled":
            vals.update(
                {
                    "state": "handled",
                    "handled_at": now,
                    "handled_by_id": self.env.uid,
                    "minutes_to_handle": (now - alert_sudo.detected_at).total_seconds() / 60,
                    "next_escalation_at": False,
                }
            )
        alert_sudo.write(vals)
        alert_sudo._log("handled", handling_kind=kind, note=note)
        return True

    def action_close(self):
        """Close a handled alert."""
        self._check_action("action_close")
        for alert in self:
            if alert.state != "handled":
                raise UserError(_("Alert %s can be closed only once its handling is recorded.", alert.name))
        now = fields.Datetime.now()
        self.sudo().write(
            {"state": "closed", "closed_at": now, "closed_by_id": self.env.uid, "next_escalation_at": False}
        )
        for alert in self.sudo():
            alert._log("closed")
        self.sudo()._notify_state()
        return True

    # ------------------------------------------------------------------ trail
    def _log(self, kind, **values):
        """Append one step to the trail of each alert (engine)."""
        self.env["ihospital.critical.event"].sudo().create(
            [dict(values, alert_id=alert.id, kind=kind, user_id=self.env.uid) for alert in self]
        )

    # ------------------------------------------------------------------ timers
    def _timers(self):
        """The hospital's timers, in minutes."""
        company = self.company_id
        return (
            company.critical_ack_minutes or 10,
            company.critical_handle_minutes or 30,
            company.critical_repeat_minutes or 10,
        )

    def _handle_deadline(self):
        self.ensure_one()
        _ack, handle, _repeat = self._timers()
        return max(self.detected_at + timedelta(minutes=handle), fields.Datetime.now())

    @api.model
    def _cron_escalate(self):
        """One escalation pass (thin cron): alerts not acknowledged in time
        go to level 1 (department head, medical affairs on duty), alerts not
        handled in time to level 2 (medical affairs and administrator on
        duty); every recipient is told again each time, until someone acts.
        Set-based: one search of the due alerts, their recipients routed
        per batch, the trail and recipients created with one create each;
        the notices go out after commit (_cron_send_notices)."""
        now = fields.Datetime.now()
        Alert = self.sudo()
        due = Alert.search(
            [("state", "in", ("to_acknowledge", "acknowledged")), ("next_escalation_at", "<=", now)],
            order="next_escalation_at, id",
            limit=ESCALATION_BATCH,
        )
        if due and self._gives_way(due[0].next_escalation_at, now):
            due = Alert.browse()
        if due:
            self.env.cr.execute(SQL("SELECT pg_advisory_xact_lock(%s)", ESCALATION_LOCK))
            # the notices that gave way to this pass go on after its commit
            # (a wake-up of their own: one pending in this transaction's
            # snapshot may have been taken since by the run that gave way)
            self.env["ir.cron"]._ihospital_wake("ihospital_staff.ir_cron_critical_notices")
        due._escalate(now)
        self.env["ir.cron"]._notify_progress(done=len(due), remaining=int(len(due) == ESCALATION_BATCH))

    @api.model
    def _new_criticals_waiting(self):
        """Whether critical results are received and waiting to be applied
        (turned into alerts). None here; the HIS's results say so
        (ihospital_staff_his)."""
        return False

    @api.model
    def _gives_way(self, due_since, now):
        """Whether an escalation pass or a batch of notices, due since
        `due_since`, waits for the new critical values to be applied first
        (GIVE_WAY_SECONDS at most past its due time)."""
        return due_since > now - timedelta(seconds=GIVE_WAY_SECONDS) and self._new_criticals_waiting()

    def _escalate(self, now):
        if not self:
            return
        by_level = {}
        for alert in self:
            level = max(alert.level, 1) if alert.state == "to_acknowledge" else 2
            by_level.setdefault(level, self.browse())
            by_level[level] |= alert
        Recipient = self.env["ihospital.critical.recipient"].sudo()
        new_recipients = []
        for level, alerts in by_level.items():
            new_recipients += alerts._route(LEVEL_ROLES[level], level)
        created = Recipient._create_told(new_recipients)
        events = []
        for level, alerts in by_level.items():
            events += [
                {"alert_id": alert.id, "kind": "escalated", "level": level, "user_id": False} for alert in alerts
            ]
        self.env["ihospital.critical.event"].sudo().create(events)
        for level, alerts in by_level.items():
            for (_ack, _handle, repeat), group in alerts.grouped(lambda a: a._timers()).items():
                group.write({"level": level, "next_escalation_at": now + timedelta(minutes=repeat)})
        self.env.cr.execute(
            SQL(
                "UPDATE ihospital_critical_alert SET escalation_count = escalation_count + 1 WHERE id = ANY(%s)",
                self.ids,
            )
        )
        self.invalidate_recordset(["escalation_count"])
        # everyone the alert was sent to is told again
        (self.recipient_ids | created)._queue_notices(marked=created)

    # ------------------------------------------------------------------ detection
    @api.model
    def _verdicts(self, observations):
        """Judge observations (lab result lines, vital signs) set-based: the
        source's flag and the hospital's limits (one evaluation per hospital).
        Returns {record: verdict}, a verdict being a dict with `critical`
        (bool: to alert), `detected_by`, `direction`, `limit_id`, `review`.
        A result the limits cannot judge for sure (a bound that may cross a
        limit, a unit without declared conversion) is alerted for a person
        to check: never passed silently."""
        verdicts = {}
        Limit = self.env["ihospital.critical.limit"].sudo()
        for company, records in observations.grouped("company_id").items():
            items = [record._critical_item() for record in records]
            for record, rule in zip(records, Limit._evaluate(company, items), strict=True):
                by_source = record.flag in CRITICAL_FLAGS
                by_rule = bool(rule["critical"]) or rule["undecided"]
                detected_by = "both" if by_source and by_rule else "rule" if by_rule else "source"
                direction = rule["critical"] or {"HH": "high", "LL": "low", "AA": "abnormal"}.get(record.flag)
                verdicts[record] = {
                    "critical": by_source or by_rule,
                    "detected_by": detected_by,
                    "direction": direction or False,
                    "limit_id": rule["limit_id"] or False,
                    "review": rule["review"] or False,
                }
        return verdicts

    @api.model
    def _raise_from_lab_results(self, results):
        """Raise (or update) the alerts of these lab result lines, set-based:
        critical lines without an alert get one, routed at once; lines that
        already have one (a resend, a correction) update it. Returns the
        new alerts."""
        return self._raise_from(results.sudo(), "lab_result_id")

    @api.model
    def _raise_from_vital_signs(self, signs):
        """The same for vital signs from the ICU and nursing systems."""
        return self._raise_from(signs.sudo(), "vital_sign_id")

    @api.model
    def _raise_from(self, observations, key):
        if not observations:
            return self.browse()
        Alert = self.sudo()
        existing = Alert.search([(key, "in", observations.ids)])
        alerted = set(existing.mapped(f"{key}.id"))
        verdicts = self._verdicts(observations)
        new_vals = [
            dict(record._critical_alert_values(), **self._verdict_values(verdicts[record]))
            for record in observations
            if verdicts[record]["critical"] and record.id not in alerted
        ]
        alerts = Alert._create_routed(new_vals)
        existing._apply_corrections(verdicts, key)
        return alerts

    @api.model
    def _verdict_values(self, verdict):
        return {
            "detected_by": verdict["detected_by"],
            "direction": verdict["direction"],
            "limit_id": verdict["limit_id"],
            "review_reason": verdict["review"],
        }

    @api.model
    def _raise_from_imaging(self, reports):
        """Imaging, ultrasound, ECG, endoscopy and pathology reports whose
        reporting department flagged a critical finding: one alert per
        report, its value the finding."""
        reports = reports.sudo().filtered("is_critical")
        if not reports:
            return self.browse()
        alerted = set(self.sudo().search([("imaging_report_id", "in", reports.ids)]).imaging_report_id.ids)
        new_vals = []
        for report in reports.filtered(lambda r: r.id not in alerted):
            new_vals.append(
                {
                    "company_id": report.company_id.id,
                    "patient_id": report.patient_id.id,
                    "his_patient_ref": report.his_patient_ref,
                    "source": "imaging",
                    "imaging_report_id": report.id,
                    "report_number": report.name,
                    "item": report.exam_name,
                    "value": (report.critical_finding or report.impression or "").strip()[:200],
                    "flag": "AA",
                    "direction": "abnormal",
                    "detected_by": "source",
                    "reported_at": report.reported_at,
                    "department_id": report.department_id.id,
                    "doctor_id": report.doctor_id.id,
                    "_codes": (report.his_department_code, report.his_doctor_code),
                }
            )
        return self._create_routed(new_vals)

    @api.model
    def _create_routed(self, vals_list):
        """Create alerts, fill what routing needs, route them (level 0) and
        queue their notices."""
        if not vals_list:
            return self.browse()
        now = fields.Datetime.now()
        companies = self.env["res.company"].sudo().browse({vals["company_id"] for vals in vals_list})
        ack_minutes = {company.id: company.critical_ack_minutes or 10 for company in companies}
        self._with_routing_facts(vals_list)
        for vals in vals_list:
            vals.update(
                {
                    "detected_at": now,
                    "next_escalation_at": now + timedelta(minutes=ack_minutes[vals["company_id"]]),
                }
            )
        alerts = (
            self.sudo()
            .with_context(mail_create_nolog=True, mail_create_nosubscribe=True, tracking_disable=True)
            .create(vals_list)
        )
        self.env["ihospital.critical.event"].sudo().create(
            [{"alert_id": alert.id, "kind": "detected", "user_id": False, "note": alert.admin_note} for alert in alerts]
        )
        recipients = self.env["ihospital.critical.recipient"]._create_told(alerts._route(LEVEL_ROLES[0], 0))
        recipients._queue_notices(marked=recipients)
        return alerts

    @api.model
    def _with_routing_facts(self, vals_list):
        """Complete alert values (in place) with what routing needs: the
        patient's current admission (ward, bed, attending and bed doctor),
        the patient's label, and what the administrator must resolve. Each
        value carries `_codes`: the HIS department and doctor codes the
        result came with."""
        patients = (
            self.env["ihospital.patient"].sudo().browse({v["patient_id"] for v in vals_list if v.get("patient_id")})
        )
        admissions = self._current_admissions(patients)
        for vals in vals_list:
            codes = vals.pop("_codes", (None, None))
            admission = admissions.get(vals.get("patient_id"))
            if admission:
                vals.update(
                    {
                        "is_inpatient": True,
                        "department_id": admission.department_id.id or vals.get("department_id"),
                        "doctor_id": admission.attending_doctor_id.id or vals.get("doctor_id"),
                        "bed_doctor_id": admission.bed_doctor_id.id,
                        "ward": admission.ward,
                        "bed": admission.bed,
                    }
                )
            notes = []
            if not vals.get("patient_id"):
                notes.append(_("patient not identified (HIS reference %s)", vals.get("his_patient_ref") or "-"))
            if codes[0] and not vals.get("department_id"):
                notes.append(_("unknown department code %s", codes[0]))
            if codes[1] and not vals.get("doctor_id"):
                notes.append(_("unknown doctor code %s", codes[1]))
            if not vals.get("department_id") and not notes:
                notes.append(_("no department"))
            vals.update(
                {
                    "admin_note": "; ".join(notes) or False,
                    "needs_admin": bool(notes),
                    "patient_label": self._patient_label(patients.browse(vals.get("patient_id")), vals),
                }
            )
        return vals_list

    def _source(self):
        """The record the alert is about: a lab report (for its line), a
        vital sign or an examination report."""
        self.ensure_one()
        return self.lab_report_id or self.vital_sign_id or self.imaging_report_id

    def _identify_patient(self):
        """The patient of these alerts was just identified (their report or
        observation was attached): the alert names them, routes to their
        clinicians now, and says so in its trail."""
        for alert in self.filtered(lambda a: not a.patient_id and a._source().patient_id):
            source = alert._source()
            vals = {
                "patient_id": source.patient_id.id,
                "department_id": alert.department_id.id or source.department_id.id,
                "doctor_id": alert.doctor_id.id or ("doctor_id" in source._fields and source.doctor_id.id),
                "his_patient_ref": alert.his_patient_ref,
                "_codes": (
                    source.his_department_code,
                    "his_doctor_code" in source._fields and source.his_doctor_code,
                ),
            }
            self._with_routing_facts([vals])
            vals.pop("his_patient_ref")
            alert.write(vals)
            alert._log("identified", note=alert.patient_label)
            if alert.state in OPEN_STATES:
                created = self.env["ihospital.critical.recipient"].sudo().create(alert._route(LEVEL_ROLES[0], 0))
                (alert.recipient_ids | created)._queue_notices()

    @api.model
    def _patient_label(self, patient, vals):
        """How the alert names its patient to the staff who see it: name,
        sex and age, bed; an unidentified patient by its HIS reference."""
        if not patient:
            return _("Unidentified patient (HIS %s)", vals.get("his_patient_ref") or "-")
        parts = [patient.name]
        if vals.get("bed"):
            parts.append(_("bed %s", vals["bed"]))
        return " ".join(parts)

    @api.model
    def _current_admissions(self, patients):
        """{patient id: current admission} (one query)."""
        return self.env["ihospital.admission"].sudo()._current_for_patients(patients)

    def _apply_corrections(self, verdicts, key):
        """The result of these alerts changed (a corrected or final report
        after a preliminary one, a resent observation): the alert follows
        it, and its trail says so. Corrected to a non-critical value, the
        alert is withdrawn with the reason; corrected to another critical
        value, everyone is told again and must read the new value back."""
        for alert in self:
            record = alert[key]
            if not record or record not in verdicts:
                continue
            if record.value == alert.value and record.flag == alert.flag and record.unit == alert.unit:
                continue
            verdict = verdicts[record]
            previous = f"{alert.value or ''} {alert.unit or ''} ({alert.flag or '-'})".strip()
            if not verdict["critical"]:
                if alert.state in OPEN_STATES:
                    alert.write(
                        {
                            "state": "withdrawn",
                            "value": record.value,
                            "flag": record.flag,
                            "withdrawn_reason": _(
                                "Corrected to %(value)s %(unit)s", value=record.value, unit=record.unit or ""
                            ),
                            "next_escalation_at": False,
                        }
                    )
                    alert._log("withdrawn", value=record.value, note=_("was %s", previous))
                    alert._notify_state()
                continue
            vals = dict(self._verdict_values(verdict), value=record.value, unit=record.unit, flag=record.flag)
            if alert.state in OPEN_STATES:
                ack, _handle, _repeat = alert._timers()
                vals.update(
                    {
                        "state": "to_acknowledge",
                        "acknowledged_at": False,
                        "acknowledged_by_id": False,
                        "readback_value": False,
                        # the new value is read back first; its receipt follows that
                        "receipt_due": False,
                        "next_escalation_at": fields.Datetime.now() + timedelta(minutes=ack),
                    }
                )
            alert.write(vals)
            alert._log("corrected", value=record.value, note=_("was %s", previous))
            if alert.state == "to_acknowledge":
                alert.recipient_ids._queue_notices()

    # ------------------------------------------------------------------ routing
    def _route(self, roles, level):
        """Recipient values for these alerts at `level`: who holds each of
        `roles` for each alert (an alert without department goes to the
        hospital's posts). Set-based: the roster is read once per hospital.
        An alert nobody could be found for goes to the hospital's quality
        officers, so that no critical value is left unrouted."""
        if not self:
            return []
        duty = self._duty_map()
        quality = {}  # the fallback recipients, searched once per hospital
        vals_list = []
        for alert in self:
            if alert.department_id:
                wanted = roles
            else:
                # no department to find the clinicians of: whoever ordered
                # it, and the hospital's posts on duty
                wanted = tuple(dict.fromkeys(tuple(role for role in roles if role == "attending") + HOSPITAL_ROLES))
            already = {(recipient.user_id.id, recipient.role) for recipient in alert.recipient_ids}
            for role in wanted:
                for employee, phone in alert._holders(role, duty):
                    if not employee.user_id or (employee.user_id.id, role) in already:
                        continue
                    already.add((employee.user_id.id, role))
                    vals_list.append(
                        {
                            "alert_id": alert.id,
                            "company_id": alert.company_id.id,
                            "role": role,
                            "level": level,
                            "employee_id": employee.id,
                            "user_id": employee.user_id.id,
                            "phone": recipient_phone(employee, phone),
                        }
                    )
            if not already:
                if alert.company_id not in quality:
                    quality[alert.company_id] = alert._quality_officers()
                for user in quality[alert.company_id]:
                    vals_list.append(
                        {
                            "alert_id": alert.id,
                            "company_id": alert.company_id.id,
                            "role": "quality_officer",
                            "level": level,
                            "user_id": user.id,
                            "employee_id": user.employee_id.id,
                            "phone": recipient_phone(user.employee_id),
                        }
                    )
        return vals_list

    def _holders(self, role, duty):
        """[(employee, duty phone)] holding `role` for this alert."""
        self.ensure_one()
        if role == "attending":
            return [(self.doctor_id, None)] if self.doctor_id else []
        if role == "bed_doctor":
            return [(self.bed_doctor_id, None)] if self.bed_doctor_id else []
        if role == "department_head":
            head = self.department_id.manager_id
            return [(head, None)] if head else []
        post = DUTY_POSTS.get(role)
        if not post:
            return []
        department = self.department_id.id if role in ("duty_doctor", "duty_nurse") else False
        shifts = duty.get(self.company_id.id, {}).get((department, post), [])
        return [(shift.employee_id, shift.duty_phone) for shift in shifts]

    def _duty_map(self):
        """{hospital id: {(department id or False, post): shifts}} now: one
        query per hospital (the roster's _on_duty_map)."""
        Shift = self.env["ihospital.duty.shift"].sudo()
        result = {}
        for company, alerts in self.grouped("company_id").items():
            result[company.id] = Shift._on_duty_map(company, department_ids=alerts.department_id.ids)
        return result

    def _quality_officers(self):
        self.ensure_one()
        quality = self.env.ref("ihospital_base.group_quality_officer")
        admin = self.env.ref("ihospital_base.group_admin")
        Users = self.env["res.users"].sudo()
        domain = [("groups_id", "in", quality.id), ("company_ids", "in", self.company_id.id), ("share", "=", False)]
        return Users.search(domain + [("groups_id", "not in", admin.id)], limit=3) or Users.search(domain, limit=3)

    # ------------------------------------------------------------------ notices
    def _done_activities(self, user):
        """The acknowledging user's to-do is done; the others' are kept (they
        disappear when the alert closes)."""
        self.activity_ids.filtered(lambda activity: activity.user_id == user).action_feedback(
            feedback=_("Acknowledged")
        )

    def _wake_receipts(self):
        """The laboratory's receipt goes out through the HIS addon when installed."""

    def _notify_state(self):
        """Tell the recipients' open apps that these alerts changed (their
        badges count what waits for them)."""
        for alert in self:
            for partner in alert.recipient_ids.user_id.partner_id:
                partner._bus_send("ihospital_critical/update", {"id": alert.id, "state": alert.state})

    def _bus_payload(self):
        self.ensure_one()
        return {
            "id": self.id,
            "name": self.name,
            "patient": self.patient_label,
            "item": self.item,
            "value": self.value,
            "unit": self.unit or "",
            "flag": self.flag or "",
            "level": self.level,
            "department": self.department_id.name or "",
            "state": self.state,
        }

    def _sms_variables(self):
        """The SMS to a duty phone (template critical_value): no full name
        (a phone screen is seen by others), enough to find the alert."""
        self.ensure_one()
        patient = self.patient_id.name and mask_middle(
            self.patient_id.name, 1, 0 if len(self.patient_id.name) < 3 else 1
        )
        return {
            "alert": self.name,
            "patient": patient or _("unidentified patient"),
            "bed": self.bed or "-",
            "item": self.item or "",
            "value": self.value or "",
            "unit": self.unit or "",
        }
