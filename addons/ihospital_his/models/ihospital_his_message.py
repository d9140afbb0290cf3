import json
import logging
import re
from collections import defaultdict
from datetime import datetime, timedelta

import pytz
from psycopg2 import IntegrityError

from odoo import Command, _, api, fields, models
from odoo.addons.ihospital_base.models.ihospital_guard_mixin import ADMIN
from odoo.addons.ihospital_base.models.ihospital_patient import IDENTITY_GROUP, mask_identity_text
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL, mute_logger

from ..handlers import HIS_INBOUND, KEY_LOOKUPS, REGISTRY, HisRetryError, patient_keys, waiting_key

_logger = logging.getLogger(__name__)

STATES = [
    ("received", "Received"),
    ("queued", "Queued"),
    ("sent", "Sent"),
    ("processed", "Processed"),
    ("failed", "Failed"),
    ("dead", "Parked"),
]
ID_TYPES_IN = {
    "resident_id": "resident_id",
    "passport": "passport",
    "hk_macau_permit": "hk_macau_permit",
    "taiwan_permit": "taiwan_permit",
    "foreigner_permit": "other",
}
GENDERS_IN = {"male": "male", "female": "female", "other": False}
PURGE_BATCH = 5000
PURGE_BATCHES_PER_RUN = 20
# received messages applied per run of the processing cron, in id order
PROCESS_BATCH = 500
# critical results (flagged by their source) applied per run, ahead of the
# others: a small batch, committed (and its clinicians told) at once
CRITICAL_BATCH = 50


def provided_keys(env, message_type, data):
    """The keys the data of a processed message of `message_type` provides:
    what waiting messages it may unblock."""
    handler = REGISTRY.get(message_type)
    return handler.provided_keys(env, data if isinstance(data, dict) else {}) if handler else []


class IhospitalHisMessage(models.Model):
    """The message log (消息日志) of the HIS interface, which is also its
    durable queue: every message in or out with its state, attempts and
    backoff, and the records it created or changed."""

    _name = "ihospital.his.message"
    _inherit = ["ihospital.guard.mixin"]
    _description = "HIS Message"
    _order = "id desc"
    _action_groups = {"action_reprocess": (ADMIN,), "action_park": (ADMIN,)}
    _engine_create_only = True
    # The log is the platform's record of what the HIS said: nobody edits it.
    _engine_fields = (
        "endpoint_id", "direction", "message_type", "control_id", "protocol", "raw", "data", "state", "error",
        "attempts", "next_attempt_at", "his_sent_at", "gateway_received_at", "received_at", "sent_at",
        "processed_at", "his_ref", "reply_raw", "patient_id", "appointment_id", "link_ids", "is_critical",
    )  # fmt: skip
    _rec_name = "control_id"

    endpoint_id = fields.Many2one("ihospital.his.endpoint", required=True, index=True, ondelete="restrict")
    company_id = fields.Many2one(related="endpoint_id.company_id", string="Hospital", store=True, index=True)
    direction = fields.Selection([("in", "Inbound"), ("out", "Outbound")], required=True, index=True)
    message_type = fields.Char(string="Type", required=True, index=True)
    control_id = fields.Char(string="Control ID", required=True, index=True)
    protocol = fields.Selection([("hl7", "HL7 v2"), ("json", "JSON")])
    # The payloads carry full ID numbers and phones: identity group only.
    raw = fields.Text(string="Raw Message", groups=IDENTITY_GROUP)
    data = fields.Json(string="Canonical Data", groups=IDENTITY_GROUP)
    data_pretty = fields.Text(string="Data (readable)", compute="_compute_data_pretty", groups=IDENTITY_GROUP)
    state = fields.Selection(STATES, required=True, default="received", index=True)
    error = fields.Text()
    attempts = fields.Integer(default=0)
    next_attempt_at = fields.Datetime(string="Next Attempt", index=True)
    waiting_keys = fields.Char(
        readonly=True,
        index="trigram",
        help="What a failed message waits for; a message bringing it retries it at once.",
    )
    his_sent_at = fields.Char(string="Sent by HIS At", help="As the hospital's system stamped it.")
    gateway_received_at = fields.Datetime(string="Gateway Received")
    received_at = fields.Datetime(string="Received", default=fields.Datetime.now, required=True, index=True)
    sent_at = fields.Datetime(string="Delivered to Gateway")
    processed_at = fields.Datetime(string="Processed")
    his_ref = fields.Char(string="HIS Reference")
    reply_raw = fields.Text(string="HIS Reply", groups=IDENTITY_GROUP)
    patient_id = fields.Many2one("ihospital.patient", index=True, ondelete="set null")
    appointment_id = fields.Many2one("ihospital.appointment", index=True, ondelete="set null")
    link_ids = fields.One2many("ihospital.his.message.link", "message_id", string="Records")
    # indexed by init(): the received ones only
    is_critical = fields.Boolean(
        string="Critical Result",
        readonly=True,
        help="The source flagged a critical value (HH, LL, AA, a critical finding) in this message: it was applied "
        "ahead of the other messages.",
    )

    _sql_constraints = [
        (
            "control_id_uniq",
            "unique(endpoint_id, direction, control_id)",
            "A control id is stored once per endpoint and direction.",
        ),
    ]

    def init(self):
        # the critical lane's queue (_cron_process): the few received
        # critical messages, in id order, without scanning the others
        self.env.cr.execute(
            """
            CREATE INDEX IF NOT EXISTS ihospital_his_message_critical_lane_idx ON ihospital_his_message (id)
             WHERE is_critical AND state = 'received' AND direction = 'in'
            """
        )

    @api.depends("data")
    def _compute_data_pretty(self):
        for message in self:
            message.data_pretty = json.dumps(message.data or {}, ensure_ascii=False, indent=2)

    def _compute_display_name(self):
        for message in self:
            message.display_name = f"{message.message_type} {message.control_id}"

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("error"):
                vals["error"] = mask_identity_text(vals["error"])
        return super().create(vals_list)

    def write(self, vals):
        # Errors quote what the HIS sent: whoever reads the log (directors
        # too) sees identity masked.
        if vals.get("error"):
            vals = dict(vals, error=mask_identity_text(vals["error"]))
        return super().write(vals)

    # ------------------------------------------------------------------ actions

    def action_reprocess(self):
        """Process a failed or parked message again (inbound), or queue it
        for delivery again (outbound)."""
        self._check_action("action_reprocess")
        for message in self:
            if message.state not in ("failed", "dead"):
                raise UserError(
                    _(
                        "Only failed or parked messages can be processed again; %(message)s is %(state)s.",
                        message=message.display_name,
                        state=message._state_label(),
                    )
                )
        for message in self.sudo():
            if message.direction == "out":
                message.write({"state": "queued", "attempts": 0, "error": False, "next_attempt_at": False})
            else:
                message.write({"attempts": 0, "next_attempt_at": False})
                message._process()
                message._retry_what_they_provide()
        return True

    def action_park(self):
        """Set a message aside (dead) so that nobody retries it."""
        self._check_action("action_park")
        for message in self:
            if message.state in ("processed", "dead"):
                raise UserError(
                    _(
                        "%(message)s is %(state)s: only messages waiting or failing can be parked.",
                        message=message.display_name,
                        state=message._state_label(),
                    )
                )
        self.sudo()._park(_("Parked by %s.", self.env.user.name))
        return True

    def _state_label(self):
        return dict(self._fields["state"]._description_selection(self.env))[self.state]

    # ------------------------------------------------------------------ inbound
    def _park(self, error):
        self.write({"state": "dead", "error": error, "next_attempt_at": False})

    def _process(self, count_attempt=True):
        """Process inbound messages, each in its own savepoint: a message
        that fails leaves no trace but its error. A missing reference is
        retried with backoff (2^attempts minutes) up to the endpoint's
        max_attempts; bad data is parked at once. A retry because what the
        message waited for just arrived (count_attempt=False) spends no
        attempt."""
        now = fields.Datetime.now()
        for message in self:
            endpoint = message.endpoint_id
            if message.message_type not in endpoint.message_type_ids.mapped("code"):
                message._park(
                    _(
                        "message type %(type)s is not enabled for endpoint %(endpoint)s",
                        type=message.message_type,
                        endpoint=endpoint.code,
                    )
                )
                continue
            attempts = message.attempts + 1
            worker = message.with_company(endpoint.company_id)
            inbound = HIS_INBOUND.set(True)
            try:
                with self.env.cr.savepoint():
                    REGISTRY[message.message_type].process(worker, message.sudo().data or {})
            except (UserError, IntegrityError) as exc:
                message.write(
                    {"state": "dead", "attempts": attempts, "error": _error_text(exc), "next_attempt_at": False}
                )
            except HisRetryError as exc:
                message._fail(attempts if count_attempt else message.attempts, str(exc), exc.keys)
            except Exception as exc:  # noqa: BLE001 - a bug or a transient error: retry, keep it visible
                _logger.exception("HIS message %s failed", message.control_id)
                message._fail(attempts, _error_text(exc))
            else:
                message.write(
                    {"state": "processed", "attempts": attempts, "processed_at": now, "error": False,
                     "next_attempt_at": False, "waiting_keys": False}
                )  # fmt: skip
            finally:
                HIS_INBOUND.reset(inbound)

    def _process_received(self):
        """Apply newly received inbound messages in id order. A run of
        consecutive messages of one type whose handler works set-based is
        applied as a whole; what it leaves (updates, bad data, unknown
        references) and every other message go one by one, each in its
        own savepoint. A run that fails as a whole is applied one by one,
        so that one bad message cannot stop the others."""
        runs = []  # [message type, ids] of consecutive messages of one type
        for message in self.sorted("id"):
            if runs and runs[-1][0] == message.message_type:
                runs[-1][1].append(message.id)
            else:
                runs.append((message.message_type, [message.id]))
        for message_type, ids in runs:
            run = self.browse(ids)
            handler = REGISTRY.get(message_type)
            if not (handler and handler.batched and len(run) > 1):
                run._process()
                continue
            enabled_types = {endpoint: set(endpoint.message_type_ids.mapped("code")) for endpoint in run.endpoint_id}
            enabled = run.filtered(lambda m, types=enabled_types: m.message_type in types[m.endpoint_id])
            inbound = HIS_INBOUND.set(True)
            try:
                # muted: a failing INSERT of a whole run would log its values (patients' data)
                with self.env.cr.savepoint(), mute_logger("odoo.sql_db"):
                    done, rest = handler.process_batch(enabled)
                    done.write(
                        {"state": "processed", "attempts": 1, "processed_at": fields.Datetime.now(), "error": False,
                         "next_attempt_at": False, "waiting_keys": False}
                    )  # fmt: skip
                    self.flush_model()
            except Exception:  # noqa: BLE001 - applied one by one below, each error on its message
                _logger.exception("%d %s messages failed as a run; applying them one by one", len(run), message_type)
                done, rest = self.browse(), enabled
            finally:
                HIS_INBOUND.reset(inbound)
            (run - done - rest).sorted("id")._process()  # not enabled: parked by _process
            rest.sorted("id")._process()

    @api.model
    def _cron_process(self):
        """Apply the received inbound messages, a batch per call; what is
        left makes the cron run again at once (Odoo's cron worker commits
        after each call). The critical lane comes first: received messages
        flagged critical by their source (is_critical, set when stored)
        are applied before any other, CRITICAL_BATCH at a time, so that a
        critical value never waits behind a burst of ordinary results and
        its clinicians are told at the batch's commit; the messages stored
        before them that they may depend on go with them (_lane_companions).
        Then the others, oldest first, PROCESS_BATCH at a time."""
        received = [("direction", "=", "in"), ("state", "=", "received")]
        # what processing reads, fetched at once (not the raw text)
        fetched = ["endpoint_id", "message_type", "state", "attempts", "data"]
        Message = self.sudo()
        critical = Message.search_fetch(
            received + [("is_critical", "=", True)], fetched, order="id", limit=CRITICAL_BATCH
        )
        if critical:
            batch = (critical | critical._lane_companions(fetched)).with_env(self.env)
        else:
            batch = Message.search_fetch(received, fetched, order="id", limit=PROCESS_BATCH).with_env(self.env)
        batch._process_received()
        batch._retry_what_they_provide()
        if critical:
            self._critical_lane_applied()
        remaining = self.search_count(received) if critical or len(batch) == PROCESS_BATCH else 0
        self.env["ir.cron"]._notify_progress(done=len(batch), remaining=remaining)

    @api.model
    def _critical_lane_applied(self):
        """Called after a batch of the critical lane is applied (before its
        commit): what waited for the new critical values may go on (the
        critical-value engine's escalations and notices, ihospital_staff_his)."""

    def _lane_companions(self, fetched):
        """The received messages stored before these critical ones that they
        may depend on, to be applied with them in id order: an earlier
        version of the same report or set of signs (a preliminary result
        applied after its critical final version would withdraw the alert),
        and the registrations and admissions of the same patients (so that
        the alert names the patient and routes to their clinicians at once
        rather than to the hospital's posts until the registration
        arrives). Anything else keeps its place in the queue: a report
        never waits for master data, and a message that does wait is
        retried by the usual path (waiting keys). Raw SQL: the ORM cannot
        search inside the messages' JSON data."""
        subjects = defaultdict(set)  # (message type, field of its data) -> values
        his_ids, cards, numbers = set(), set(), set()
        for message in self:
            data = message.sudo().data or {}
            handler = REGISTRY.get(message.message_type)
            if handler and handler.subject_field and data.get(handler.subject_field):
                subjects[message.message_type, handler.subject_field].add(str(data[handler.subject_field]))
            patient = data.get("patient")
            for kind, value in self._patient_identifiers(patient) if isinstance(patient, dict) else []:
                if kind == "his_patient_id":
                    his_ids.add(value)
                elif kind == "medical_card_number":
                    cards.add(value)
                else:
                    numbers.add(value[1])
        conditions = [
            SQL("(message_type = %s AND data ->> %s = ANY(%s))", message_type, field, sorted(values))
            for (message_type, field), values in subjects.items()
        ]
        # the types whose messages bring patients (registrations, admissions)
        patient_types = sorted(name for name, handler in REGISTRY.items() if handler.brings_patient)
        if his_ids or cards or numbers:
            conditions.append(
                SQL(
                    r"""(message_type = ANY(%s) AND (data -> 'patient' ->> 'his_patient_id' = ANY(%s)
                        OR data -> 'patient' ->> 'medical_card_number' = ANY(%s)
                        OR upper(regexp_replace(data -> 'patient' ->> 'id_number', '[\s-]', '', 'g')) = ANY(%s)))""",
                    patient_types,
                    sorted(his_ids),
                    sorted(cards),
                    sorted(numbers),
                )
            )
        if not conditions:
            return self.browse()
        self.flush_model(["direction", "state", "company_id", "message_type", "data"])
        self.env.cr.execute(
            SQL(
                """SELECT id FROM ihospital_his_message
                    WHERE direction = 'in' AND state = 'received' AND NOT COALESCE(is_critical, FALSE)
                      AND id < %s AND company_id = ANY(%s) AND (%s)""",
                max(self.ids),
                self.endpoint_id.company_id.ids,  # (cached: the message's own field would read its raw text)
                SQL(" OR ").join(conditions),
            )
        )
        ids = [row[0] for row in self.env.cr.fetchall()]
        return self.sudo().search_fetch([("id", "in", ids)], fetched) if ids else self.browse()

    def _retry_what_they_provide(self):
        """Retry at once the waiting messages that these processed messages
        unblock (a registration for the results that overtook it)."""
        keys = defaultdict(set)
        providers = {name for name, handler in REGISTRY.items() if handler.provides}
        for message in self.filtered(lambda m: m.state == "processed" and m.message_type in providers):
            keys[message.endpoint_id].update(provided_keys(self.env, message.message_type, message.sudo().data))
        for endpoint, endpoint_keys in keys.items():
            if endpoint_keys:
                endpoint._retry_waiting(endpoint_keys)
        if any(keys.values()):
            # a message failing meanwhile in another transaction is the
            # retry cron's (_retry_satisfied), woken for after this commit
            self.env.ref("ihospital_his.ir_cron_his_retry")._trigger()

    def _fail(self, attempts, error, keys=()):
        """Failed: retried later, or parked after the endpoint's max attempts."""
        self.ensure_one()
        if attempts >= self.endpoint_id.max_attempts:
            self.write(
                {
                    "state": "dead",
                    "attempts": attempts,
                    "next_attempt_at": False,
                    "error": _("%(error)s (gave up after %(count)d attempts)", error=error, count=attempts),
                }
            )
            return
        next_attempt = fields.Datetime.now() + timedelta(minutes=2 ** max(attempts, 1))
        self.write(
            {
                "state": "failed",
                "attempts": attempts,
                "error": error,
                "next_attempt_at": next_attempt,
                # space-delimited, to find a key with a LIKE on " key "
                "waiting_keys": f" {' '.join(keys)} " if keys else False,
            }
        )
        if self.direction == "in":
            self.env.ref("ihospital_his.ir_cron_his_retry")._trigger(next_attempt)

    def _upsert(self, Model, key, vals, replace=None, merge=None):
        """The record of `Model` (sudo) of this message's hospital found by
        `key` ({field: value}, its HIS reference): updated with `vals`, or
        created with `vals` and `key`; linked to the message either way.
        `replace` names a one2many whose lines `vals` gives anew. `merge`,
        (one2many, line key), keeps the identity of the lines: those `vals`
        gives again (same key) are updated, new ones created, those it no
        longer gives deleted (see _merged_lines)."""
        self.ensure_one()
        hospital = self._hospital
        domain = [("company_id", "=", hospital.id)] + [(field, "=", value) for field, value in key.items()]
        record = Model.search(domain, limit=1)
        if record:
            if replace:
                record[replace].unlink()
            if merge and merge[0] in vals:
                field, line_key = merge
                vals = dict(vals, **{field: self._merged_lines(record[field], vals[field], line_key)})
            record.write(vals)
            self._link(record, "updated")
        else:
            record = Model.create(dict(vals, **key, company_id=hospital.id))
            self._link(record, "created")
        return record

    @api.model
    def _merged_lines(self, lines, commands, line_key):
        """The commands that turn `lines` (the records of a one2many) into
        the lines `commands` (Command.create) give, keeping the records of
        the lines given again: matched by `line_key(values)` (a record or a
        dict of values) in order, updated with what changed only. A
        corrected report keeps its result lines, which alerts point to."""
        existing = defaultdict(list)
        for line in lines:
            existing[line_key(line)].append(line)
        merged = []
        for command in commands:
            vals = command[2]
            matches = existing.get(line_key(vals))
            if not matches:
                merged.append(Command.create(vals))
                continue
            line = matches.pop(0)
            changes = {field: value for field, value in vals.items() if line[field] != value}
            if changes:
                merged.append(Command.update(line.id, changes))
        merged += [Command.delete(line.id) for left in existing.values() for line in left]
        return merged

    def _link(self, record, operation):
        self.env["ihospital.his.message.link"].sudo().create(self._link_vals(record, operation))

    def _link_vals(self, record, operation="created"):
        """The values of the link from this message to the record it
        created or updated (a batch handler creates its links at once)."""
        self.ensure_one()
        return {
            "message_id": self.id,
            # the message's hospital (its related field) in the INSERT, not an UPDATE after it
            "company_id": self._hospital.id,
            "res_model": record._name,
            "res_id": record.id,
            "operation": operation,
        }

    # ------------------------------------------------------------------ data helpers
    @property
    def _hospital(self):
        return self.endpoint_id.company_id

    def _tz(self):
        return pytz.timezone(self._hospital.hospital_tz or "Asia/Shanghai")

    def _today(self):
        return self._hospital._ihospital_today()

    @api.model
    def _require(self, data, *keys):
        for key in keys:
            value = data.get(key)
            if value in (None, "", [], {}):
                raise ValidationError(_("The field %s is required.", key))

    @api.model
    def _enum(self, value, allowed, field_name):
        if value not in allowed:
            raise ValidationError(
                _(
                    "%(value)s is not a valid %(field)s (expected one of: %(allowed)s).",
                    value=value,
                    field=field_name,
                    allowed=", ".join(allowed),
                )
            )
        return value

    def _date(self, value, field_name):
        if not value:
            return False
        try:
            return fields.Date.to_date(str(value)[:10])
        except ValueError as exc:
            raise ValidationError(_("%(field)s is not a valid date: %(value)s", field=field_name, value=value)) from exc

    def _datetime(self, value, field_name):
        """An ISO 8601 date-time as naive UTC; a naive one is hospital time."""
        if not value:
            return False
        text = str(value).strip().replace("Z", "+00:00")
        try:
            moment = datetime.fromisoformat(text)
        except ValueError as exc:
            raise ValidationError(
                _("%(field)s is not a valid date-time: %(value)s", field=field_name, value=value)
            ) from exc
        if moment.tzinfo is None:
            moment = self._tz().localize(moment)
        return moment.astimezone(pytz.utc).replace(tzinfo=None)

    @api.model
    def _number(self, value, field_name, integer=False, minimum=None):
        try:
            number = int(value) if integer else float(value)
        except (TypeError, ValueError) as exc:
            raise ValidationError(_("%(field)s is not a number: %(value)s", field=field_name, value=value)) from exc
        if minimum is not None and number < minimum:
            raise ValidationError(_("%(field)s must be at least %(minimum)s.", field=field_name, minimum=minimum))
        return number

    def _department(self, code, required=False):
        if not code:
            if required:
                raise ValidationError(_("The field department_code is required."))
            return self.env["hr.department"]
        department = (
            self.env["hr.department"]
            .sudo()
            .with_context(active_test=False)
            .search([("company_id", "=", self._hospital.id), ("his_code", "=", code)], limit=1)
        )
        if not department:
            raise HisRetryError(
                _(
                    "Department %(code)s is not known in %(hospital)s yet (its master.departments message may "
                    "come later).",
                    code=code,
                    hospital=self._hospital.name,
                ),
                keys=[waiting_key("department", code)],
            )
        return department

    def _doctor(self, code, required=False):
        if not code:
            if required:
                raise ValidationError(_("The field doctor_code is required."))
            return self.env["hr.employee"]
        employee = (
            self.env["hr.employee"]
            .sudo()
            .with_context(active_test=False)
            .search([("company_id", "=", self._hospital.id), ("his_code", "=", code)], limit=1)
        )
        if not employee:
            raise HisRetryError(
                _(
                    "Staff member %(code)s is not known in %(hospital)s yet (the master.doctors message may "
                    "come later).",
                    code=code,
                    hospital=self._hospital.name,
                ),
                keys=[waiting_key("doctor", code)],
            )
        return employee

    @staticmethod
    def _known(lookup, code):
        """The record `lookup` finds for `code`, or an empty one when the
        code is not known yet."""
        try:
            return lookup(code)
        except HisRetryError:
            return lookup(False)

    def _patient(self, patient_data):
        """The patient a `patient` object identifies (HIS patient id, then
        medical card number, then ID number)."""
        if not isinstance(patient_data, dict):
            raise ValidationError(_("The field patient must be an object."))
        if not self._patient_identifiers(patient_data):
            raise ValidationError(
                _("A patient needs at least one identifier: his_patient_id, medical_card_number or id_number.")
            )
        patient = self._patients_of(self._hospital, [patient_data])[0]
        if patient:
            return patient
        raise HisRetryError(
            _(
                "Patient %(who)s is not known in %(hospital)s yet (a patient.register message may come later).",
                who=patient_data.get("his_patient_id")
                or patient_data.get("medical_card_number")
                or patient_data.get("name")
                or "",
                hospital=self._hospital.name,
            ),
            keys=patient_keys(self.env, patient_data),
        )

    def _patient_vals(self, patient_data):
        vals = {}
        for key in ("his_patient_id", "medical_card_number", "name", "address", "id_number", "phone"):
            if patient_data.get(key):
                vals[key] = str(patient_data[key]).strip()
        if patient_data.get("id_type"):
            vals["id_type"] = ID_TYPES_IN[self._enum(patient_data["id_type"], list(ID_TYPES_IN), "id_type")]
        if patient_data.get("gender"):
            gender = GENDERS_IN[self._enum(patient_data["gender"], list(GENDERS_IN), "gender")]
            if gender:
                vals["gender"] = gender
        if patient_data.get("birth_date"):
            vals["birth_date"] = self._date(patient_data["birth_date"], "birth_date")
        vals.update(self._death_vals(patient_data))
        return vals

    def _death_vals(self, patient_data):
        """The patient's death as the HIS reports it (PID-30 / PID-29,
        `deceased` / `deceased_at`): a death, with its time when given; an
        explicit `deceased: false` withdraws one reported by mistake; a
        message that says nothing of it changes nothing (a death is never
        undone by omission)."""
        deceased = patient_data.get("deceased")
        if deceased not in (None, "", True, False):
            raise ValidationError(_("deceased must be true or false, not %s.", deceased))
        died_at = self._datetime(patient_data.get("deceased_at"), "deceased_at")
        if deceased is False:
            if died_at:
                raise ValidationError(_("deceased is false but deceased_at gives a time of death."))
            return {"deceased": False, "deceased_at": False}
        if deceased or died_at:
            return {"deceased": True, **({"deceased_at": died_at} if died_at else {})}
        return {}

    @api.model
    def _patients_of(self, hospital, patient_datas):
        """The patients `patient_datas` identify in `hospital` (like
        _patient: HIS patient id, then card, then ID number), an empty
        record for those not known: one search per kind of identifier."""
        Patient = self.env["ihospital.patient"].sudo().with_context(active_test=False)
        wanted = defaultdict(set)
        for data in patient_datas:
            for key, value in self._patient_identifiers(data):
                wanted[key].add(value)
        found = {}
        for key, values in wanted.items():
            field = "id_number" if key == "id" else key
            fetched = ["id_type", "id_number"] if key == "id" else [key]
            for patient in Patient.search_fetch(
                [("company_id", "=", hospital.id), (field, "in", sorted({v[1] if key == "id" else v for v in values}))],
                fetched,
            ):
                value = (patient.id_type, patient.id_number) if key == "id" else patient[key]
                found.setdefault((key, value), patient)
        empty = Patient.browse()
        return [
            next((found[item] for item in self._patient_identifiers(data) if item in found), empty)
            for data in patient_datas
        ]

    @api.model
    def _patient_identifiers(self, patient_data):
        """(kind, value) of each identifier of a patient object, in the
        order they identify the patient."""
        items = []
        for key in ("his_patient_id", "medical_card_number"):
            if patient_data.get(key):
                items.append((key, str(patient_data[key])))
        if patient_data.get("id_number"):
            id_type = ID_TYPES_IN.get(patient_data.get("id_type") or "resident_id", "resident_id")
            number = str(patient_data["id_number"]).strip().upper()
            if id_type == "resident_id":
                number = re.sub(r"[\s-]", "", number)
            items.append(("id", (id_type, number)))
        return items

    @api.model
    def _codes_of(self, hospital, model, codes):
        """{HIS code: id} of the departments or staff (`model`) of
        `hospital` with these codes, in one search; unknown codes are left
        out."""
        codes = sorted({code for code in codes if code})
        if not codes:
            return {}
        records = (
            self.env[model]
            .sudo()
            .with_context(active_test=False)
            .search_fetch([("company_id", "=", hospital.id), ("his_code", "in", codes)], ["his_code"])
        )
        return {record.his_code: record.id for record in records}

    def _upsert_patient(self, patient_data):
        try:
            patient = self._patient(patient_data)
        except HisRetryError:
            patient = self.env["ihospital.patient"]
        vals = self._patient_vals(patient_data)
        if patient:
            his_id = vals.get("his_patient_id")
            if his_id and patient.his_patient_id and patient.his_patient_id != his_id:
                raise ValidationError(
                    _(
                        "The patient with this card or ID number has HIS patient id %(old)s, not %(new)s.",
                        old=patient.his_patient_id,
                        new=his_id,
                    )
                )
            changes = {key: value for key, value in vals.items() if patient[key] != value}
            if changes.get("id_number") and "id_type" not in changes:
                changes["id_type"] = patient.id_type
            if changes:
                patient.write(changes)
            self._link(patient, "updated")
        else:
            if not vals.get("name"):
                raise ValidationError(_("A new patient needs a name."))
            patient = self.env["ihospital.patient"].sudo().create(dict(vals, company_id=self._hospital.id))
            self._link(patient, "created")
        self.patient_id = patient
        return patient

    # ------------------------------------------------------------------ outbound
    @api.model
    def _queue_outbound(self, endpoint, message_type, data, appointment=None, patient=None):
        if appointment and not patient:
            patient = appointment.patient_id
        item = {
            "data": data,
            "appointment_id": appointment.id if appointment else False,
            "patient_id": patient.id if patient else False,
        }
        return self._queue_outbound_many(endpoint, message_type, [item])

    @api.model
    def _queue_outbound_many(self, endpoint, message_type, items):
        """Queue messages of one type for `endpoint`'s gateway to deliver:
        `items` are the messages' values (their `data` and links), created
        at once with their control ids drawn in one query."""
        control_ids = self.env["ir.sequence"]._ihospital_next_many(
            "ihospital.his.message.out", endpoint.company_id.id, len(items)
        )
        return self.sudo().create(
            [
                dict(
                    item,
                    endpoint_id=endpoint.id,
                    direction="out",
                    message_type=message_type,
                    control_id=control_id,
                    protocol=endpoint.protocol,
                    state="queued",
                )
                for item, control_id in zip(items, control_ids, strict=True)
            ]
        )

    def _apply_report(self, result):
        """The HIS's answer to a delivered message: AA processed, AE retried
        with backoff (then parked), AR parked."""
        self.ensure_one()
        if self.state not in ("queued", "sent", "failed"):
            return  # a repeated report changes nothing
        status = result.get("status")
        error = str(result.get("error") or "")
        his_ref = str(result.get("his_ref") or "")
        self.write({"reply_raw": result.get("reply_raw") or False, "his_ref": his_ref or self.his_ref})
        if status == "AA":
            self.write(
                {"state": "processed", "processed_at": fields.Datetime.now(), "error": False, "next_attempt_at": False}
            )
            self._on_accepted(his_ref)
        elif status == "AE":
            self._fail(max(self.attempts, 1), error or _("The HIS answered AE."))
        else:
            self._park(error or _("The HIS rejected the message (%s).", status or "AR"))
        if self.state == "dead" and self.appointment_id:
            self.appointment_id.his_sync_state = "rejected"
            self.appointment_id.message_post(
                body=_("The HIS refused %(type)s: %(error)s", type=self.message_type, error=self.error)
            )

    def _on_accepted(self, his_ref):
        appointment = self.appointment_id
        if self.message_type == "booking.create" and appointment:
            vals = {"his_sync_state": "synced"}
            if his_ref:
                vals["his_ref"] = his_ref
            if appointment.his_sync_state in ("to_cancel", "cancel_queued", "cancelled"):
                vals.pop("his_sync_state")
            appointment.write(vals)
        elif self.message_type == "booking.cancel" and appointment:
            appointment.his_sync_state = "cancelled"
        elif self.message_type == "patient.sync" and self.patient_id and his_ref and not self.patient_id.his_patient_id:
            try:
                with self.env.cr.savepoint():
                    self.patient_id.his_patient_id = his_ref
            except IntegrityError:
                _logger.warning("HIS patient id %s is already used in %s", his_ref, self.company_id.name)

    # ------------------------------------------------------------------ crons
    @api.model
    def _cron_retry(self):
        """Process again the inbound messages whose backoff has passed, and
        at once (without spending an attempt) those whose awaited record has
        arrived since they failed."""
        self._retry_satisfied()
        due = self.search(
            [("direction", "=", "in"), ("state", "=", "failed"), ("next_attempt_at", "<=", fields.Datetime.now())],
            order="next_attempt_at, id",
            limit=200,
        )
        due._process()
        due._retry_what_they_provide()

    @api.model
    def _retry_satisfied(self, limit=200):
        """A message can fail while the registration it waits for is being
        committed by another worker: that registration's own retry does not
        see it yet. The retry cron, woken right after, finds here the
        waiting messages whose record exists now (one search per kind of
        key) and processes them without spending an attempt. An ID-number
        key is only a hash: those wait for their registration's retry."""
        waiting = self.search(
            [("direction", "=", "in"), ("state", "=", "failed"), ("waiting_keys", "!=", False)], order="id", limit=limit
        )
        wanted = {prefix: set() for prefix in KEY_LOOKUPS}
        for message in waiting:
            for key in message.waiting_keys.split():
                for prefix, values in wanted.items():
                    if key.startswith(prefix):
                        values.add(key[len(prefix) :])
        found = set()
        for prefix, values in wanted.items():
            if values:
                model, field = KEY_LOOKUPS[prefix]
                records = (
                    self.env[model]
                    .sudo()
                    .with_context(active_test=False)
                    .search_fetch(
                        [(field, "in", list(values)), ("company_id", "in", waiting.company_id.ids)],
                        [field, "company_id"],
                    )
                )
                found |= {(record.company_id.id, prefix + record[field]) for record in records}
        waiting.filtered(
            lambda message: any((message.company_id.id, key) in found for key in message.waiting_keys.split())
        )._process(count_attempt=False)

    @api.model
    def _cron_purge(self):
        """Delete processed messages older than their endpoint's retention;
        parked ones stay until someone handles them. In batches, up to a
        budget per run; what is left makes the cron run again at once
        (_notify_progress), so the purge keeps up with any volume. Raw SQL:
        the ORM would load every row to delete it; the records they link
        (ihospital.his.message.link) go with them by their foreign key."""
        self.flush_model()
        now = fields.Datetime.now()
        done = 0
        remaining = 0
        for endpoint in self.env["ihospital.his.endpoint"].with_context(active_test=False).search([]):
            condition = SQL(
                "endpoint_id = %s AND state = 'processed' AND received_at < %s",
                endpoint.id,
                now - timedelta(days=endpoint.log_retention_days),
            )
            while done < PURGE_BATCH * PURGE_BATCHES_PER_RUN:
                self.env.cr.execute(
                    SQL(
                        "DELETE FROM ihospital_his_message WHERE id IN "
                        "(SELECT id FROM ihospital_his_message WHERE %s LIMIT %s)",
                        condition,
                        PURGE_BATCH,
                    )
                )
                done += self.env.cr.rowcount
                if self.env.cr.rowcount < PURGE_BATCH:
                    break
            self.env.cr.execute(
                SQL("SELECT count(*) FROM (SELECT 1 FROM ihospital_his_message WHERE %s LIMIT %s) s", condition, 1000)
            )
            remaining += self.env.cr.fetchone()[0]
        self.invalidate_model()
        self.env["ir.cron"]._notify_progress(done=done, remaining=remaining)

    @api.model
    def _cron_build_outbound(self):
        self.env["ihospital.appointment"]._his_build_outbound()


def _error_text(exc):
    if isinstance(exc, UserError):
        return exc.args[0] if exc.args else str(exc)
    if isinstance(exc, IntegrityError):
        return _("The data conflicts with an existing record: %s", (exc.pgerror or str(exc)).strip())
    return f"{type(exc).__name__}: {exc}"
