import logging
from datetime import datetime, time, timedelta

import psycopg2
import pytz

from odoo import _, api, fields, models
from odoo.addons.ihospital_base.models.ihospital_guard_mixin import ADMIN, QUALITY
from odoo.exceptions import UserError

from .ihospital_followup_plan import ADMISSION_KINDS, FOLLOWUP_KINDS, VISIT_KINDS

_logger = logging.getLogger(__name__)

FOLLOWUP_STATES = [("active", "Active"), ("done", "Done"), ("stopped", "Stopped")]
# The engine's writes log nothing in the chatter (thousands a day); a stop
# by the hospital is tracked.
ENGINE_CONTEXT = {"tracking_disable": True, "mail_create_nolog": True, "mail_create_nosubscribe": True}
# An encounter reported later than this (an HIS catching up on its history)
# starts no follow-up: its care messages would come weeks late.
MAX_EVENT_AGE_DAYS = 7
STOP_REASONS = [
    ("opt_out", "Opted Out"),
    ("deceased", "Patient Deceased"),
    ("manual", "Stopped by the Hospital"),
]


class IhospitalFollowup(models.Model):
    """The follow-up (随访) of one encounter: the plan it follows and the
    messages scheduled from its event. One per visit, one per admission:
    the same encounter never starts twice. Created and run by the engine
    only; the doctor and department of the encounter go with the answers."""

    _name = "ihospital.followup"
    _description = "Follow-up"
    _inherit = ["ihospital.guard.mixin", "ihospital.hospital.mixin", "mail.thread", "mail.activity.mixin"]
    _order = "event_at desc, id desc"
    _engine_create_only = True
    _engine_fields = (
        "plan_id",
        "kind",
        "patient_id",
        "visit_id",
        "admission_id",
        "doctor_id",
        "department_id",
        "event_at",
        "state",
        "stop_reason",
        "followup_message_ids",
    )
    _action_groups = {"action_stop": (ADMIN, QUALITY)}

    name = fields.Char(compute="_compute_name")
    plan_id = fields.Many2one("ihospital.followup.plan", required=True, index=True, readonly=True, ondelete="restrict")
    kind = fields.Selection(FOLLOWUP_KINDS, required=True, readonly=True)
    patient_id = fields.Many2one("ihospital.patient", required=True, index=True, readonly=True, ondelete="cascade")
    visit_id = fields.Many2one("ihospital.visit", readonly=True, ondelete="cascade")
    admission_id = fields.Many2one("ihospital.admission", readonly=True, ondelete="cascade")
    doctor_id = fields.Many2one("hr.employee", index=True, readonly=True)
    department_id = fields.Many2one("hr.department", index=True, readonly=True)
    event_at = fields.Datetime(string="Event", required=True, readonly=True, index=True)
    state = fields.Selection(FOLLOWUP_STATES, required=True, default="active", readonly=True, index=True, tracking=True)
    stop_reason = fields.Selection(STOP_REASONS, readonly=True, tracking=True)
    followup_message_ids = fields.One2many(
        "ihospital.followup.message", "followup_id", string="Scheduled Messages", readonly=True
    )

    _sql_constraints = [
        ("visit_uniq", "unique(visit_id)", "A visit starts one follow-up."),
        ("admission_uniq", "unique(admission_id)", "An admission starts one follow-up."),
        (
            "one_encounter",
            "CHECK((visit_id IS NULL) <> (admission_id IS NULL))",
            "A follow-up is about a visit or an admission.",
        ),
    ]

    @api.depends("plan_id", "patient_id")
    def _compute_name(self):
        for followup in self:
            followup.name = " · ".join(filter(None, [followup.plan_id.name, followup.patient_id.name]))

    def _check_action_access(self):
        # follow-ups are the engine's: the roles allowed act on those they read
        self.check_access("read")

    def action_stop(self):
        """Stop the follow-up: its planned messages are cancelled."""
        self._check_action("action_stop")
        for followup in self:
            if followup.state != "active":
                raise UserError(_("The follow-up of %s is over already.", followup.patient_id.name))
        self.sudo()._ihospital_stop("manual")
        self.sudo().message_post(body=_("Follow-up stopped by %s.", self.env.user.name))
        return True

    # ------------------------------------------------------------------ engine
    @api.model
    def _ihospital_start_visits(self, visits):
        """Start the follow-ups of finished visits (outpatient and
        emergency; a stay is followed from its discharge): the visit is the
        encounter, so the consultation's end and the HIS's visit record of
        it start one follow-up. Engine, in sudo; set-based."""
        visits = visits.sudo().filtered(lambda visit: visit.end and visit.visit_type != "inpatient")
        encounters = [
            {
                "record": visit,
                "company": visit.company_id,
                "patient": visit.patient_id,
                "kinds": VISIT_KINDS,
                "department": visit.department_id,
                "doctor": visit.doctor_id,
                "code": visit.diagnosis_code,
                "event_at": visit.end,
                "vals": {"visit_id": visit.id},
            }
            for visit in visits
        ]
        return self._ihospital_start(encounters, "visit_id")

    @api.model
    def _ihospital_start_admissions(self, admissions):
        """Start the follow-ups of discharged admissions: a surgery plan
        when the stay had an operation, else a discharge plan."""
        admissions = admissions.sudo().filtered(lambda stay: stay.state == "discharged" and stay.discharged_at)
        encounters = [
            {
                "record": admission,
                "company": admission.company_id,
                "patient": admission.patient_id,
                "kinds": ADMISSION_KINDS if admission.surgery_at else ("discharge",),
                "department": admission.department_id,
                "doctor": admission.attending_doctor_id,
                "code": admission.admission_diagnosis_code,
                "event_at": admission.discharged_at,
                "vals": {"admission_id": admission.id},
            }
            for admission in admissions
        ]
        return self._ihospital_start(encounters, "admission_id")

    @api.model
    def _ihospital_start(self, encounters, link):
        """Create the follow-ups of `encounters` (dicts, see the callers)
        that have none yet and whose hospital has a plan for them, with
        their messages scheduled; returns the follow-ups created."""
        self = self.sudo()
        oldest = fields.Datetime.now() - timedelta(days=MAX_EVENT_AGE_DAYS)
        encounters = [
            encounter
            for encounter in encounters
            if encounter["event_at"] >= oldest
            and not encounter["patient"].deceased
            and not encounter["patient"].followup_opt_out
        ]
        if not encounters:
            return self.browse()
        companies = self.env["res.company"].union(*(encounter["company"] for encounter in encounters))
        kinds = {kind for encounter in encounters for kind in encounter["kinds"]}
        plans = self.env["ihospital.followup.plan"].search(
            [("company_id", "in", companies.ids), ("kind", "in", list(kinds)), ("step_ids", "!=", False)]
        )
        if not plans:
            return self.browse()
        started = self.search_fetch([(link, "in", [e["record"].id for e in encounters])], [link])
        started_ids = set(started.mapped(f"{link}.id"))
        encounters = [encounter for encounter in encounters if encounter["record"].id not in started_ids]
        by_company = plans.grouped("company_id")
        Plan = self.env["ihospital.followup.plan"]
        vals_list = []
        for encounter in encounters:
            plan = Plan._ihospital_choose(
                by_company.get(encounter["company"], Plan),
                encounter["kinds"],
                encounter["department"],
                encounter["code"],
            )
            if not plan:
                continue
            vals_list.append(
                {
                    **encounter["vals"],
                    "company_id": encounter["company"].id,
                    "plan_id": plan.id,
                    "kind": plan.kind,
                    "patient_id": encounter["patient"].id,
                    "doctor_id": encounter["doctor"].id,
                    "department_id": encounter["department"].id,
                    "event_at": encounter["event_at"],
                }
            )
        if not vals_list:
            return self.browse()
        try:
            # a concurrent transaction may start the same encounter (the
            # console and the HIS at once): the unique index decides
            with self.env.cr.savepoint():
                followups = self.with_context(**ENGINE_CONTEXT).create(vals_list)
        except psycopg2.IntegrityError:
            _logger.info("Follow-ups of %s already started by a concurrent transaction", link)
            return self.browse()
        followups._ihospital_schedule()
        return followups.with_env(self.env)

    def _ihospital_schedule(self):
        """Create the messages of these new follow-ups: each step due on the
        event's day (hospital time) plus its day offset, at its hour."""
        vals_list = []
        for followup in self:
            company = followup.company_id
            tz = pytz.timezone(company.hospital_tz or "Asia/Shanghai")
            event_day = pytz.utc.localize(followup.event_at).astimezone(tz).date()
            for step in followup.plan_id.step_ids:
                vals_list.append(
                    {
                        "followup_id": followup.id,
                        "step_id": step.id,
                        "due_at": max(due_at(tz, event_day, step.day_offset, step.hour), followup.event_at),
                    }
                )
        messages = self.env["ihospital.followup.message"].sudo().create(vals_list)
        # a step due at once (day 0, its hour passed) wakes the cron; the
        # others are found by its regular run
        if any(vals["due_at"] <= fields.Datetime.now() for vals in vals_list):
            self.env["ir.cron"]._ihospital_trigger("ihospital_survey.ir_cron_followup_send")
        return messages

    def _ihospital_stop(self, reason):
        """Stop these follow-ups and cancel their planned messages."""
        active = self.sudo().filtered(lambda followup: followup.state == "active")
        if not active:
            return
        active.with_context(**ENGINE_CONTEXT).write({"state": "stopped", "stop_reason": reason})
        planned = (
            self.env["ihospital.followup.message"]
            .sudo()
            .search([("followup_id", "in", active.ids), ("state", "=", "planned")])
        )
        labels = dict(self._fields["stop_reason"]._description_selection(self.env))
        planned.write({"state": "cancelled", "skip_reason": labels[reason]})

    @api.model
    def _ihospital_stop_for_patients(self, patients, reason):
        self.sudo().search([("patient_id", "in", patients.ids), ("state", "=", "active")])._ihospital_stop(reason)

    def _ihospital_close_done(self):
        """Follow-ups with nothing planned any more are done."""
        done = self.filtered(
            lambda followup: followup.state == "active"
            and not any(message.state == "planned" for message in followup.followup_message_ids)
        )
        done.sudo().with_context(**ENGINE_CONTEXT).write({"state": "done"})


def due_at(tz, day, day_offset, hour):
    """The UTC time (naive) of `hour` on `day` + `day_offset` days in `tz`."""
    local = datetime.combine(day + timedelta(days=day_offset), time()) + timedelta(hours=hour)
    return tz.localize(local).astimezone(pytz.utc).replace(tzinfo=None)
