import contextvars
import json
import logging
import re
from datetime import datetime, timedelta
from html import escape

import pytz
from psycopg2 import IntegrityError

from odoo import Command, _, api, fields, models
from odoo.addons.ihospital_base.models.ihospital_guard_mixin import ADMIN
from odoo.addons.ihospital_base.models.ihospital_patient import IDENTITY_GROUP, mask_identity_text
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL
from odoo.tools.misc import hmac as misc_hmac

_logger = logging.getLogger(__name__)

STATES = [
    ("received", "Received"),
    ("queued", "Queued"),
    ("sent", "Sent"),
    ("processed", "Processed"),
    ("failed", "Failed"),
    ("dead", "Parked"),
]
# canonical inbound type -> handler method
HANDLERS = {
    "master.hospital": "_process_master_hospital",
    "master.departments": "_process_master_departments",
    "master.doctors": "_process_master_doctors",
    "schedule.upsert": "_process_schedule_upsert",
    "schedule.stop": "_process_schedule_stop",
    "patient.register": "_process_patient",
    "patient.update": "_process_patient",
    "appointment.status": "_process_appointment_status",
    "lab.result": "_process_lab_result",
    "imaging.report": "_process_imaging_report",
    "visit.record": "_process_visit_record",
    "queue.call": "_process_queue_call",
    "complaint": "_process_complaint",
}
ID_TYPES_IN = {
    "resident_id": "resident_id",
    "passport": "passport",
    "hk_macau_permit": "hk_macau_permit",
    "taiwan_permit": "taiwan_permit",
    "foreigner_permit": "other",
}
GENDERS_IN = {"male": "male", "female": "female", "other": False}
GRADES_IN = {
    "三级甲等": "3a",
    "三级乙等": "3b",
    "三级丙等": "3c",
    "二级甲等": "2a",
    "二级乙等": "2b",
    "二级丙等": "2c",
    "一级": "1",
    "未定级": "none",
}
DEPARTMENT_CATEGORIES_IN = {
    "internal": "internal",
    "surgical": "surgery",
    "surgery": "surgery",
    "obstetrics": "obstetrics",
    "gynecology": "obstetrics",
    "pediatrics": "pediatrics",
    "emergency": "emergency",
    "five_senses": "five_senses",
    "ent": "five_senses",
    "stomatology": "five_senses",
    "ophthalmology": "five_senses",
    "tcm": "tcm",
    "medical_tech": "medical_tech",
    "medical_technology": "medical_tech",
    "nursing": "nursing",
    "administration": "administration",
}
TITLES_IN = {
    "主任医师": "chief_physician",
    "副主任医师": "associate_chief_physician",
    "主治医师": "attending_physician",
    "住院医师": "resident_physician",
    "医师": "resident_physician",
}


# Set while the platform applies a message from the HIS, so that the changes
# it makes are not sent back to the HIS. A Python context variable, not a
# context key: an RPC caller sets any context key it likes.
# waiting-key prefix -> where the awaited record is found
KEY_LOOKUPS = {
    "patient:his:": ("ihospital.patient", "his_patient_id"),
    "patient:card:": ("ihospital.patient", "medical_card_number"),
    "department:": ("hr.department", "his_code"),
    "doctor:": ("hr.employee", "his_code"),
    "schedule:": ("ihospital.schedule", "his_ref"),
}
PURGE_BATCH = 5000
PURGE_BATCHES_PER_RUN = 20
HIS_INBOUND = contextvars.ContextVar("ihospital_his_inbound", default=False)


class HisRetryError(Exception):
    """A record the message refers to is not known yet: it may arrive in a
    later message, so the message is retried with backoff, and at once when
    a message brings what it waits for (`keys`, see waiting_key())."""

    def __init__(self, message, keys=()):
        super().__init__(message)
        self.keys = tuple(keys)


def waiting_key(kind, value):
    """What a waiting message waits for, as a short key: 'patient:his:P0100',
    'department:XNK', 'schedule:S-12'."""
    return f"{kind}:{str(value).strip()}"


def patient_keys(env, patient_data):
    """The keys a patient object matches (its HIS id, card and ID number).
    An ID number is kept as a keyed hash: the key shows no identity."""
    keys = []
    if patient_data.get("his_patient_id"):
        keys.append(waiting_key("patient:his", patient_data["his_patient_id"]))
    if patient_data.get("medical_card_number"):
        keys.append(waiting_key("patient:card", patient_data["medical_card_number"]))
    if patient_data.get("id_number"):
        number = re.sub(r"[\s-]", "", str(patient_data["id_number"])).upper()
        keys.append(waiting_key("patient:id", misc_hmac(env(su=True), "ihospital-his-waiting-id", number)[:24]))
    return keys


def provided_keys(env, message_type, data):
    """The keys the data of a processed message of `message_type` provides:
    what waiting messages it may unblock."""
    data = data if isinstance(data, dict) else {}
    items = [item for item in data.get("items") or [] if isinstance(item, dict)]
    if message_type in ("patient.register", "patient.update") and isinstance(data.get("patient"), dict):
        return patient_keys(env, data["patient"])
    if message_type == "master.departments":
        return [waiting_key("department", item["code"]) for item in items if item.get("code")]
    if message_type == "master.doctors":
        return [waiting_key("doctor", item["code"]) for item in items if item.get("code")]
    if message_type == "schedule.upsert":
        refs = [item.get("ref") for item in items] if items else [data.get("ref")]
        return [waiting_key("schedule", ref) for ref in refs if ref]
    return []


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
        "processed_at", "his_ref", "reply_raw", "patient_id", "appointment_id", "link_ids",
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

    _sql_constraints = [
        (
            "control_id_uniq",
            "unique(endpoint_id, direction, control_id)",
            "A control id is stored once per endpoint and direction.",
        ),
    ]

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
    def _check_receivable(self, payload, control_id, data):
        """Why a submitted message cannot be processed at all, or None."""
        self.ensure_one()
        if payload.get("dead"):
            return str(payload.get("error") or _("Parked by the gateway."))
        if not control_id:
            return _("The message has no control id.")
        if self.message_type not in HANDLERS:
            return _("%s is not a message type the platform receives.", self.message_type)
        if self.message_type not in self.endpoint_id.message_type_ids.mapped("code"):
            return _(
                "message type %(type)s is not enabled for endpoint %(endpoint)s",
                type=self.message_type,
                endpoint=self.endpoint_id.code,
            )
        if not isinstance(data, dict):
            return _("The message's data must be an object.")
        return None

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
                    getattr(worker, HANDLERS[message.message_type])(message.sudo().data or {})
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

    def _link(self, record, operation):
        self.ensure_one()
        self.env["ihospital.his.message.link"].sudo().create(
            {"message_id": self.id, "res_model": record._name, "res_id": record.id, "operation": operation}
        )

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
        Patient = self.env["ihospital.patient"].sudo().with_context(active_test=False)
        hospital = [("company_id", "=", self._hospital.id)]
        keys = ("his_patient_id", "medical_card_number", "id_number")
        if not any(patient_data.get(key) for key in keys):
            raise ValidationError(
                _("A patient needs at least one identifier: his_patient_id, medical_card_number or id_number.")
            )
        for key in keys[:2]:
            if patient_data.get(key):
                patient = Patient.search(hospital + [(key, "=", str(patient_data[key]))], limit=1)
                if patient:
                    return patient
        if patient_data.get("id_number"):
            id_type = ID_TYPES_IN.get(patient_data.get("id_type") or "resident_id", "resident_id")
            number = str(patient_data["id_number"]).strip().upper()
            if id_type == "resident_id":
                number = re.sub(r"[\s-]", "", number)
            patient = Patient.search(hospital + [("id_type", "=", id_type), ("id_number", "=", number)], limit=1)
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
        return vals

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

    # ------------------------------------------------------------------ handlers
    def _process_master_hospital(self, data):
        self._require(data, "code", "name")
        hospital = self._hospital.sudo()
        if hospital.his_code and hospital.his_code != data["code"]:
            raise ValidationError(
                _(
                    "Hospital code %(code)s does not match this endpoint's hospital %(hospital)s (%(own)s).",
                    code=data["code"],
                    hospital=hospital.name,
                    own=hospital.his_code,
                )
            )
        vals = {"his_code": data["code"], "name": data["name"]}
        if data.get("grade"):
            grade = GRADES_IN.get(data["grade"], data["grade"])
            allowed = [key for key, _label in hospital._fields["hospital_grade"].selection]
            vals["hospital_grade"] = self._enum(grade, allowed + list(GRADES_IN), "grade")
        for key, field_name in (("address", "street"), ("phone", "phone"), ("website", "website")):
            if data.get(key):
                vals[field_name] = data[key]
        if data.get("introduction"):
            vals["hospital_introduction"] = f"<p>{escape(data['introduction'])}</p>"
        hospital.write(vals)
        self._link(hospital, "updated")

    def _process_master_departments(self, data):
        self._require(data, "items")
        Department = self.env["hr.department"].sudo().with_context(active_test=False)
        for item in data["items"]:
            if not isinstance(item, dict):
                raise ValidationError(_("Each department must be an object."))
            self._require(item, "code", "name")
            vals = {"name": item["name"], "is_clinical": True, "active": item.get("active", True) is not False}
            if item.get("category"):
                vals["ihospital_category"] = DEPARTMENT_CATEGORIES_IN.get(item["category"], "other")
            building = self.env["ihospital.building"]
            if item.get("building"):
                building = building.sudo().search(
                    [("company_id", "=", self._hospital.id), ("name", "=", item["building"])], limit=1
                )
            floor_name = item.get("floor")
            floor = building.floor_ids.filtered_domain([("name", "=", floor_name)])[:1] if building else False
            rooms = [] if building else [item.get("building")]
            rooms += [] if floor else [item.get("floor")]
            rooms.append(item.get("room"))
            vals.update(
                {
                    "building_id": building.id or False,
                    "floor_id": floor.id if floor else False,
                    "room": " ".join(str(r) for r in rooms if r) or False,
                }
            )
            if item.get("phone"):
                vals["phone"] = item["phone"]
            if item.get("description"):
                vals["public_description"] = f"<p>{escape(item['description'])}</p>"
            department = Department.search(
                [("company_id", "=", self._hospital.id), ("his_code", "=", item["code"])], limit=1
            )
            if department:
                department.write(vals)
                self._link(department, "updated")
            else:
                department = Department.create(dict(vals, his_code=item["code"], company_id=self._hospital.id))
                self._link(department, "created")

    def _process_master_doctors(self, data):
        self._require(data, "items")
        Employee = self.env["hr.employee"].sudo().with_context(active_test=False)
        known_titles = [key for key, _label in Employee._fields["professional_title"].selection]
        for item in data["items"]:
            if not isinstance(item, dict):
                raise ValidationError(_("Each doctor must be an object."))
            self._require(item, "code", "name", "department_code")
            department = self._department(item["department_code"])
            vals = {
                "name": item["name"],
                "department_id": department.id,
                "ihospital_role": "doctor",
                "active": item.get("active", True) is not False,
            }
            if item.get("title"):
                title = TITLES_IN.get(item["title"], item["title"])
                vals["professional_title"] = self._enum(title, known_titles + list(TITLES_IN), "title")
            if item.get("specialty"):
                vals["specialty"] = item["specialty"]
            if item.get("introduction"):
                vals["public_profile"] = f"<p>{escape(item['introduction'])}</p>"
            if item.get("gender"):
                vals["gender"] = self._enum(item["gender"], ["male", "female", "other"], "gender")
            if item.get("phone"):
                vals["work_phone"] = item["phone"]
            employee = Employee.search(
                [("company_id", "=", self._hospital.id), ("his_code", "=", item["code"])], limit=1
            )
            if employee:
                employee.write(vals)
                self._link(employee, "updated")
            else:
                employee = Employee.create(dict(vals, his_code=item["code"], company_id=self._hospital.id))
                self._link(employee, "created")

    def _process_schedule_upsert(self, data):
        self._require(data, "ref", "department_code", "doctor_code", "date", "session", "capacity")
        department = self._department(data["department_code"])
        doctor = self._doctor(data["doctor_code"])
        schedule_model = self.env["ihospital.schedule"]
        sessions = [key for key, _label in schedule_model._fields["session"].selection]
        clinic_types = [key for key, _label in schedule_model._fields["clinic_type"].selection]
        vals = {
            "department_id": department.id,
            "doctor_id": doctor.id,
            "date": self._date(data["date"], "date"),
            "session": self._enum(data["session"], sessions, "session"),
            "clinic_type": self._enum(data.get("clinic_type") or "general", clinic_types, "clinic_type"),
            "fee": self._number(data.get("fee") or 0, "fee", minimum=0),
            "room": data.get("room") or False,
        }
        if data.get("slot_minutes"):
            vals["slot_minutes"] = self._number(data["slot_minutes"], "slot_minutes", integer=True, minimum=1)
        capacity = self._number(data["capacity"], "capacity", integer=True, minimum=1)
        Schedule = schedule_model.sudo()
        schedule = Schedule.search([("company_id", "=", self._hospital.id), ("his_ref", "=", data["ref"])], limit=1)
        if not schedule:
            # a clinic entered in the back office before the HIS was connected: the HIS takes it over
            schedule = Schedule.search(
                [
                    ("company_id", "=", self._hospital.id),
                    ("doctor_id", "=", doctor.id),
                    ("date", "=", vals["date"]),
                    ("session", "=", vals["session"]),
                    ("his_ref", "=", False),
                    ("state", "in", ("draft", "published")),
                ],
                limit=1,
            )
            if schedule:
                schedule.write({"his_ref": data["ref"], "source": "his"})
        if not schedule:
            schedule = Schedule.create(
                dict(vals, capacity=capacity, company_id=self._hospital.id, source="his", his_ref=data["ref"])
            )
            if schedule.date >= self._today():
                schedule.action_publish()
            self._link(schedule, "created")
            return
        if schedule.state in ("stopped", "cancelled"):
            raise UserError(
                _(
                    "Schedule %(ref)s is %(state)s on the platform and cannot change; send a new reference.",
                    ref=data["ref"],
                    state=dict(schedule._fields["state"]._description_selection(self.env))[schedule.state],
                )
            )
        changes = {}
        for key, value in vals.items():
            current = schedule[key]
            current = current.id if isinstance(current, models.BaseModel) else current
            if current != value:
                changes[key] = value
        if schedule.state != "draft" and schedule.slot_ids:
            # numbers already given out keep their times: patients were told them
            changes.pop("slot_minutes", None)
        if changes:
            schedule.write(changes)
        schedule._his_set_capacity(capacity)
        self._link(schedule, "updated")

    def _process_schedule_stop(self, data):
        self._require(data, "ref", "reason")
        schedule = (
            self.env["ihospital.schedule"]
            .sudo()
            .search([("company_id", "=", self._hospital.id), ("his_ref", "=", data["ref"])], limit=1)
        )
        if not schedule:
            raise HisRetryError(
                _("Schedule %s is not known yet (its schedule.upsert may come later).", data["ref"]),
                keys=[waiting_key("schedule", data["ref"])],
            )
        if schedule.state == "draft":
            schedule.action_cancel()
        elif schedule.state == "published":
            schedule.action_stop_clinic(data["reason"])
        self._link(schedule, "updated")

    def _process_patient(self, data):
        self._require(data, "patient")
        self._upsert_patient(data["patient"])

    def _process_appointment_status(self, data):
        self._require(data, "appointment_ref", "status")
        status = self._enum(data["status"], ["booked", "attended", "cancelled", "no_show"], "status")
        appointment = (
            self.env["ihospital.appointment"]
            .sudo()
            .search([("company_id", "=", self._hospital.id), ("name", "=", data["appointment_ref"])], limit=1)
        )
        if not appointment:
            raise HisRetryError(_("Appointment %s is not known on the platform.", data["appointment_ref"]))
        self.write({"appointment_id": appointment.id, "patient_id": appointment.patient_id.id})
        if data.get("his_ref"):
            appointment.his_ref = data["his_ref"]
        if status == "booked":
            if appointment.his_ref:
                appointment.his_sync_state = "synced"
        elif status == "attended":
            if appointment.state == "booked":
                appointment.action_check_in()
            elif appointment.state not in ("checked_in", "in_consultation", "done"):
                raise UserError(
                    _(
                        "%(name)s cannot be marked attended: it is %(state)s.",
                        name=appointment.name,
                        state=appointment._state_label(),
                    )
                )
        elif status == "cancelled":
            if appointment.state != "cancelled":
                appointment._cancel(by="hospital", reason=data.get("reason") or _("Cancelled in the HIS."))
            appointment.his_sync_state = "cancelled"
        elif appointment.state != "no_show":
            appointment._mark_no_show()
        self._link(appointment, "updated")

    def _report_common(self, data):
        """A result never waits for master data: a department or doctor code
        the platform does not know yet is kept on the report (flagged for
        the administrator) and resolved when the master data arrives."""
        patient = self._patient(data["patient"])
        self.patient_id = patient
        states = ["preliminary", "final", "corrected"]
        department_code, doctor_code = data.get("department_code") or False, data.get("doctor_code") or False
        return {
            "patient_id": patient.id,
            "department_id": self._known(self._department, department_code).id,
            "doctor_id": self._known(self._doctor, doctor_code).id,
            "his_department_code": department_code,
            "his_doctor_code": doctor_code,
            "state": self._enum(data.get("status") or "final", states, "status"),
            "reported_at": self._datetime(data["reported_at"], "reported_at"),
            "source": "his",
        }

    def _upsert_report(self, model, report_no, vals, lines_field=None, lines=None):
        Report = self.env[model].sudo()
        report = Report.search([("company_id", "=", self._hospital.id), ("name", "=", report_no)], limit=1)
        if lines_field:
            vals[lines_field] = [Command.create(line) for line in lines]
        if report:
            if lines_field:
                report[lines_field].unlink()
            report.write(vals)
            self._link(report, "updated")
        else:
            report = Report.create(dict(vals, name=report_no, company_id=self._hospital.id))
            self._link(report, "created")
        return report

    def _process_lab_result(self, data):
        self._require(data, "report_no", "patient", "title", "reported_at", "results")
        flags = ["", "N", "H", "L", "HH", "LL", "A", "AA"]
        lines = []
        for index, result in enumerate(data["results"]):
            if not isinstance(result, dict):
                raise ValidationError(_("Each result must be an object."))
            self._require(result, "code", "name", "value")
            lines.append(
                {
                    "sequence": index + 1,
                    "code": result["code"],
                    "name": result["name"],
                    "value": str(result["value"]),
                    "value_type": self._enum(result.get("value_type") or "ST", ["NM", "ST"], "value_type"),
                    "unit": result.get("unit") or False,
                    "reference_range": result.get("reference_range") or False,
                    "flag": self._enum(result.get("flag") or "", flags, "flag") or False,
                }
            )
        vals = self._report_common(data)
        vals.update(
            {
                "title": data["title"],
                "specimen": data.get("specimen") or False,
                "collected_at": self._datetime(data.get("collected_at"), "collected_at"),
            }
        )
        self._upsert_report("ihospital.lab.report", data["report_no"], vals, "result_ids", lines)

    def _process_imaging_report(self, data):
        self._require(data, "report_no", "patient", "modality", "exam_name", "findings", "impression", "reported_at")
        modalities = [key for key, _label in self.env["ihospital.imaging.report"]._fields["modality"].selection]
        vals = self._report_common(data)
        vals.update(
            {
                "modality": self._enum(data["modality"], modalities, "modality"),
                "exam_name": data["exam_name"],
                "body_part": data.get("body_part") or False,
                "findings": data["findings"],
                "impression": data["impression"],
                "viewer_url": data.get("viewer_url") or False,
            }
        )
        self._upsert_report("ihospital.imaging.report", data["report_no"], vals)

    def _process_visit_record(self, data):
        self._require(data, "visit_ref", "patient", "start")
        patient = self._patient(data["patient"])
        self.patient_id = patient
        department = self._department(data.get("department_code"), required=True)
        charges = []
        for index, charge in enumerate(data.get("charges") or []):
            if not isinstance(charge, dict):
                raise ValidationError(_("Each charge must be an object."))
            self._require(charge, "name", "amount")
            charges.append(
                {
                    "sequence": index + 1,
                    "code": charge.get("code") or False,
                    "name": charge["name"],
                    "category": charge.get("category") or False,
                    "quantity": self._number(charge.get("quantity") or 1, "quantity"),
                    "unit_price": self._number(charge.get("unit_price") or 0, "unit_price"),
                    "amount": self._number(charge["amount"], "amount"),
                    "insurance_amount": self._number(charge.get("insurance_amount") or 0, "insurance_amount"),
                }
            )
        total = data.get("total_charges")
        vals = {
            "patient_id": patient.id,
            "department_id": department.id,
            "doctor_id": self._doctor(data.get("doctor_code")).id,
            "visit_type": self._enum(
                data.get("visit_type") or "outpatient", ["outpatient", "inpatient", "emergency"], "visit_type"
            ),
            "start": self._datetime(data["start"], "start"),
            "end": self._datetime(data.get("end"), "end"),
            "diagnosis": data.get("diagnosis") or False,
            "total_charges": (
                self._number(total, "total_charges") if total not in (None, "") else sum(c["amount"] for c in charges)
            ),
            "insurance_amount": self._number(data.get("insurance_amount") or 0, "insurance_amount"),
            "charge_ids": [Command.create(charge) for charge in charges],
        }
        Visit = self.env["ihospital.visit"].sudo()
        visit = Visit.search(
            [("company_id", "=", self._hospital.id), ("source", "=", "his"), ("external_ref", "=", data["visit_ref"])],
            limit=1,
        )
        if visit:
            visit.charge_ids.unlink()
            visit.write(vals)
            self._link(visit, "updated")
        else:
            visit = Visit.create(dict(vals, company_id=self._hospital.id, source="his", external_ref=data["visit_ref"]))
            self._link(visit, "created")

    def _process_queue_call(self, data):
        """A number called in a room by the hospital's queue system. The
        platform follows the call when the number belongs to one of its
        checked-in patients; walk-in patients registered at the window are
        not on the platform, so their numbers change nothing here."""
        self._require(data, "department_code", "number")
        department = self._department(data["department_code"])
        # queue systems print tickets such as "A019": the number is the trailing digits
        digits = re.search(r"(\d+)\s*$", str(data["number"]))
        number = self._number(digits.group(1) if digits else data["number"], "number", integer=True, minimum=1)
        domain = [
            ("company_id", "=", self._hospital.id),
            ("department_id", "=", department.id),
            ("date", "=", self._today()),
            ("state", "=", "published"),
        ]
        if data.get("schedule_ref"):
            domain.append(("his_ref", "=", data["schedule_ref"]))
        elif data.get("room"):
            domain.append(("room", "=", data["room"]))
        schedules = self.env["ihospital.schedule"].sudo().search(domain)
        if not schedules:
            if data.get("schedule_ref"):
                raise HisRetryError(
                    _(
                        "Schedule %(ref)s of %(department)s today is not known yet (its schedule.upsert may come "
                        "later).",
                        ref=data["schedule_ref"],
                        department=department.name,
                    ),
                    keys=[waiting_key("schedule", data["schedule_ref"])],
                )
            raise ValidationError(
                _("%(department)s has no published clinic today to call a number in.", department=department.name)
            )
        appointments = (
            self.env["ihospital.appointment"]
            .sudo()
            .search(
                [
                    ("schedule_id", "in", schedules.ids),
                    ("queue_number", "=", number),
                    ("state", "in", ("checked_in", "in_consultation")),
                ]
            )
        )
        if len(appointments) > 1:
            raise ValidationError(
                _(
                    "Number %(number)d is in several clinics of %(department)s today: give the room or schedule_ref.",
                    number=number,
                    department=department.name,
                )
            )
        if not appointments:
            return
        self.write({"appointment_id": appointments.id, "patient_id": appointments.patient_id.id})
        appointments._his_call()
        self._link(appointments, "updated")

    def _process_complaint(self, data):
        self._require(data, "ref", "content")
        patient = self.env["ihospital.patient"]
        if data.get("patient"):
            try:
                patient = self._patient(data["patient"])
            except HisRetryError:
                # complainants need not be registered patients
                patient = self.env["ihospital.patient"]
        vals = {
            "patient_id": patient.id,
            "department_id": self._department(data.get("department_code")).id,
            "employee_id": self._doctor(data.get("staff_code")).id,
            "category": data.get("category") or False,
            "content": data["content"],
            "contact_phone": data.get("contact_phone") or False,
            "source": "his",
        }
        if data.get("received_at"):
            vals["received_at"] = self._datetime(data["received_at"], "received_at")
        self.patient_id = patient
        Complaint = self.env["ihospital.complaint"].sudo()
        complaint = Complaint.search([("company_id", "=", self._hospital.id), ("ref", "=", data["ref"])], limit=1)
        if complaint:
            complaint.write(vals)
            self._link(complaint, "updated")
        else:
            complaint = Complaint.create(dict(vals, ref=data["ref"], company_id=self._hospital.id))
            self._link(complaint, "created")

    # ------------------------------------------------------------------ outbound
    @api.model
    def _queue_outbound(self, endpoint, message_type, data, appointment=None, patient=None):
        sequence = self.env["ir.sequence"].sudo().next_by_code("ihospital.his.message.out")
        if appointment and not patient:
            patient = appointment.patient_id
        return self.sudo().create(
            {
                "endpoint_id": endpoint.id,
                "direction": "out",
                "message_type": message_type,
                "control_id": sequence,
                "protocol": endpoint.protocol,
                "data": data,
                "state": "queued",
                "appointment_id": appointment.id if appointment else False,
                "patient_id": patient.id if patient else False,
            }
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
        self.search(
            [("direction", "=", "in"), ("state", "=", "failed"), ("next_attempt_at", "<=", fields.Datetime.now())],
            order="next_attempt_at, id",
            limit=200,
        )._process()

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
