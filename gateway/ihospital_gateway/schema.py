"""The canonical message model of docs/his-protocol.md: message types, data schemas, validation.

Both wire protocols end up here: a JSON message is validated as sent, an HL7 message is first mapped to
the same ``data`` dict and then validated with the same schema. One schema therefore decides for both
protocols which fields are required, which types and enumerations are accepted, and the published
``docs/his-protocol-v1.schema.json`` is generated from this module (``python -m
ihospital_gateway.schema > docs/his-protocol-v1.schema.json``), so the document cannot drift from the
code (a unit test compares them).
"""

import json
import re
from dataclasses import dataclass

import jsonschema

PROTOCOL_VERSION = "1"
SCHEMA_ID = "https://ihospital.example.com/schemas/his-protocol-v1.schema.json"

CONTROL_ID_MAX = 64
DATE_PATTERN = r"^\d{4}-\d{2}-\d{2}$"
DATETIME_PATTERN = r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:?\d{2})?$"

GENDERS = ["male", "female", "other"]
#: hospital grades (医院等级): 三级甲等 = 3a ... 一级 = 1, none = not graded.
HOSPITAL_GRADES = ["3a", "3b", "3c", "2a", "2b", "2c", "1", "none"]
ID_TYPES = ["resident_id", "passport", "hk_macau_permit", "taiwan_permit", "foreigner_permit"]
SESSIONS = ["morning", "afternoon", "evening"]
CLINIC_TYPES = ["general", "expert", "special"]
APPOINTMENT_STATUSES = ["booked", "attended", "cancelled", "no_show"]
REPORT_STATUSES = ["preliminary", "final", "corrected"]
RESULT_FLAGS = ["", "N", "H", "L", "HH", "LL", "A", "AA"]
CRITICAL_FLAGS = frozenset({"HH", "LL", "AA"})
VALUE_TYPES = ["NM", "ST"]
MODALITIES = ["radiology", "ct", "mr", "ultrasound", "ecg", "endoscopy", "pathology"]
VISIT_TYPES = ["outpatient", "inpatient", "emergency"]
VISIT_KINDS = ["first", "return"]
#: the figures of a daily summary (stats.daily), in their HL7 order (ZDS-3 onwards): (name, whole number?)
DAILY_FIGURES = [
    ("outpatient_visits", True),
    ("emergency_visits", True),
    ("first_visits", True),
    ("return_visits", True),
    ("admissions", True),
    ("discharges", True),
    ("census", True),
    ("open_beds", True),
    ("bed_days", True),
    ("prescriptions", True),
    ("amount_drug", False),
    ("amount_lab", False),
    ("amount_exam", False),
    ("amount_treatment", False),
    ("amount_material", False),
    ("amount_bed", False),
    ("amount_other", False),
    ("insurance_amount", False),
    ("self_paid_amount", False),
]
CANCELLED_BY = ["patient", "hospital"]
REPLY_STATUSES = ["AA", "AE", "AR"]
ALLERGY_TYPES = ["drug", "food", "environmental", "other"]
ALLERGY_SEVERITIES = ["mild", "moderate", "severe"]
ALLERGY_ACTIONS = ["add", "update", "remove"]
ALLERGY_KINDS = ["allergy", "alert"]
#: kinds of medical order (医嘱): drug, lab test, examination, nursing, diet, other (treatments...)
ORDER_KINDS = ["drug", "lab", "exam", "nursing", "diet", "other"]
#: long-term orders (长期医嘱) run until stopped; temporary orders (临时医嘱) are given once
ORDER_TERMS = ["long_term", "temporary"]
EXECUTION_STATUSES = ["given", "skipped"]
#: where a critical value came from, and the part a clinician had in it (the platform's routing roles)
CRITICAL_SOURCES = ["lab", "imaging", "vital"]
CRITICAL_ROLES = [
    "attending",
    "bed_doctor",
    "duty_doctor",
    "duty_nurse",
    "department_head",
    "medical_affairs",
    "administrator",
    "quality_officer",
]


class CodecError(Exception):
    """A message that cannot be accepted, with the acknowledgement code to answer it with.

    ``status`` is ``"AE"`` when the content is wrong and the sender should fix and resend it (missing
    field, bad date) and ``"AR"`` when the message is refused as such (unknown type, wrong protocol
    version, bytes that are not text in the agreed character set). ``control_id`` is the sender's
    control id when it could be read, so the acknowledgement can name it. ``hl7_code`` is the HL7
    table 0357 error code used in the ``ERR`` segment of an HL7 acknowledgement.
    """

    def __init__(self, status: str, message: str, control_id: str | None = None, hl7_code: str = ""):
        super().__init__(message)
        if status not in ("AE", "AR"):
            raise ValueError("CodecError status must be AE or AR, not %r" % status)
        self.status = status
        self.control_id = control_id
        self.hl7_code = hl7_code or ("101" if status == "AE" else "200")


@dataclass
class Canonical:
    """One decoded hospital message in the protocol-neutral form the platform stores.

    ``raw`` is the decoded text as received (kept by the platform for audit and re-processing);
    ``patient_key`` is a stable key of the patient the message is about (``his:<id>``, ``card:<no>``
    or ``idn:<no>``), used by the gateway to keep one patient's messages in order, or None.
    """

    protocol: str
    type: str
    control_id: str
    sent_at: str | None
    data: dict
    raw: str
    patient_key: str | None = None

    def envelope(self) -> dict:
        """The JSON-protocol envelope of this message (what a JSON sender would have sent)."""
        return {
            "version": PROTOCOL_VERSION,
            "type": self.type,
            "control_id": self.control_id,
            "sent_at": self.sent_at,
            "data": self.data,
        }


# --- schema building blocks -------------------------------------------------------------------------


def _string(enum=None, pattern=None, max_length=None, description=None):
    node = {"type": "string"}
    if enum is not None:
        node["enum"] = list(enum)
    if pattern:
        node["pattern"] = pattern
    if max_length:
        node["maxLength"] = max_length
    if description:
        node["description"] = description
    return node


def _required_string(**kwargs):
    """A required text field must also be non-empty: an empty string is as good as missing."""
    node = _string(**kwargs)
    if "enum" not in node and "pattern" not in node:
        node["minLength"] = 1
    return node


def _date(description=None):
    return _string(pattern=DATE_PATTERN, description=description or "YYYY-MM-DD")


def _datetime(description=None):
    return _string(pattern=DATETIME_PATTERN, description=description or "ISO 8601 date-time")


def _scalar(type_name, minimum=None, description=None):
    node = {"type": type_name}
    if minimum is not None:
        node["minimum"] = minimum
    if description:
        node["description"] = description
    return node


def _number(minimum=None, description=None):
    return _scalar("number", minimum, description)


def _integer(minimum=None, description=None):
    return _scalar("integer", minimum, description)


def _boolean(description=None):
    return _scalar("boolean", description=description)


def _nullable(node):
    """Optional fields may be sent as ``null`` (many HIS serialisers do): the codec then drops them."""
    if "$ref" in node:
        return {"anyOf": [node, {"type": "null"}]}
    node = dict(node)
    node["type"] = [*node["type"], "null"] if isinstance(node["type"], list) else [node["type"], "null"]
    if "enum" in node:
        node["enum"] = [*node["enum"], None]
    return node


def _object(properties: dict, required=(), description=None, any_of_required=None):
    """An object whose optional properties are nullable; unknown properties are allowed (forward
    compatibility: a newer sender may add fields an older platform ignores)."""
    props = {}
    for name, node in properties.items():
        props[name] = node if name in required else _nullable(node)
    schema = {"type": "object", "properties": props}
    if required:
        schema["required"] = list(required)
    if any_of_required:
        schema["anyOf"] = [
            {"required": [name], "properties": {name: {"type": "string", "minLength": 1}}} for name in any_of_required
        ]
    if description:
        schema["description"] = description
    return schema


def _array(items, min_items=0, description=None):
    node = {"type": "array", "items": items}
    if min_items:
        node["minItems"] = min_items
    if description:
        node["description"] = description
    return node


PATIENT_REF = {"$ref": "#/$defs/patient"}

PATIENT_SCHEMA = _object(
    {
        "his_patient_id": _string(description="the HIS patient id (HL7 PID-3 type PI)"),
        "medical_card_number": _string(description="medical card number, 就诊卡号 (HL7 PID-3 type MC)"),
        "id_type": _string(enum=ID_TYPES),
        "id_number": _string(description="identity document number (HL7 PID-3 type NNCHN, PPN, ...)"),
        "name": _string(),
        "gender": _string(enum=GENDERS),
        "birth_date": _date(),
        "phone": _string(),
        "address": _string(),
        "deceased": _boolean(
            description="the patient died (HL7 PID-30 Y); false (PID-30 N) corrects a death reported by mistake; "
            "left out: unchanged"
        ),
        "deceased_at": _datetime(description="the time of death (HL7 PID-29); implies deceased"),
    },
    any_of_required=["his_patient_id", "medical_card_number", "id_number"],
    description="Identifies a patient; matched by his_patient_id, then medical_card_number, then id_number.",
)

DEPARTMENT_ITEM = _object(
    {
        "code": _required_string(),
        "name": _required_string(),
        "category": _string(description='"internal", "surgical", ... (free text)'),
        "building": _string(),
        "floor": _string(),
        "room": _string(),
        "phone": _string(),
        "description": _string(),
        "bed_count": _integer(minimum=0, description="staffed beds (开放床位) of an inpatient department"),
        "active": _boolean(description="default true"),
    },
    required=["code", "name"],
)

DOCTOR_ITEM = _object(
    {
        "code": _required_string(),
        "name": _required_string(),
        "department_code": _required_string(),
        "title": _string(description="professional title, e.g. 主任医师"),
        "specialty": _string(),
        "introduction": _string(),
        "gender": _string(enum=GENDERS),
        "phone": _string(),
        "active": _boolean(description="default true"),
    },
    required=["code", "name", "department_code"],
)

LAB_RESULT_ITEM = _object(
    {
        "code": _required_string(),
        "name": _required_string(),
        "value": {
            "type": ["string", "number"],
            "minLength": 1,
            "description": 'the result; numbers are accepted and passed on as text ("6.85")',
        },
        "value_type": _string(enum=VALUE_TYPES, description="NM numeric or ST text; default ST"),
        "unit": _string(),
        "reference_range": _string(),
        "flag": _string(enum=RESULT_FLAGS, description="HH, LL and AA are critical values"),
    },
    required=["code", "name", "value"],
)

ALLERGY_ITEM = _object(
    {
        "allergen": _required_string(description="e.g. 青霉素"),
        "code": _string(description="the allergen's code in the HIS"),
        "type": _string(enum=ALLERGY_TYPES),
        "severity": _string(enum=ALLERGY_SEVERITIES),
        "reaction": _string(description="e.g. 皮疹、呼吸困难"),
        "identified_at": _date(),
    },
    required=["allergen"],
)

#: one change of a patient's allergies and alerts (patient.allergy, HL7 IAM)
ALLERGY_CHANGE_ITEM = _object(
    {
        "action": _string(enum=ALLERGY_ACTIONS, description="add, update or remove this entry"),
        "ref": _string(description="your id of the entry (HL7 IAM-7), its best key"),
        "kind": _string(enum=ALLERGY_KINDS, description="an allergy (default) or another alert, e.g. 跌倒高风险"),
        "allergen": _required_string(description="the allergen (e.g. 青霉素), or the alert's text"),
        "code": _string(description="the allergen's or alert's code in the HIS"),
        "type": _string(enum=ALLERGY_TYPES),
        "severity": _string(enum=ALLERGY_SEVERITIES),
        "reaction": _string(description="e.g. 皮疹、呼吸困难; for an alert, what to do"),
        "identified_at": _date(),
    },
    required=["action", "allergen"],
)

EXAM_ITEM = _object(
    {
        "section": _required_string(description="the section of the report, e.g. 一般检查, 内科, 眼科, 血常规"),
        "code": _string(description="the item's code (unique within its section)"),
        "name": _required_string(description="e.g. 血压, 视力（右）"),
        "value": {
            "type": ["string", "number"],
            "minLength": 1,
            "description": 'the result; numbers are accepted and passed on as text ("172")',
        },
        "unit": _string(),
        "reference_range": _string(),
        "flag": _string(enum=RESULT_FLAGS, description="anything but N marks the item abnormal"),
        "conclusion": _string(description="the examining doctor's conclusion on the item (小结)"),
    },
    required=["section", "name", "value"],
)

#: an operation (手术) of a stay (HL7 PR1), in admission.admit and admission.discharge
PROCEDURE_ITEM = _object(
    {
        "code": _string(description="the operation's code, e.g. ICD-9-CM-3 36.06 (HL7 PR1-3.1)"),
        "name": _string(description="e.g. 经皮冠状动脉支架植入术 (HL7 PR1-3.2)"),
        "at": _datetime(description="when it was done (HL7 PR1-5)"),
    },
    required=["at"],
    any_of_required=["code", "name"],
)

#: what every admission message may carry: the stay and where the patient lies now.
ADMISSION_FIELDS = {
    "admission_no": _required_string(description="the HIS admission number (住院号), unique in the hospital"),
    "patient": PATIENT_REF,
    "department_code": _string(description="the department the patient is in now"),
    "ward": _string(description="the nursing unit (病区), e.g. 心内科一病区"),
    "bed": _string(description="the bed number (床号)"),
    "attending_doctor_code": _string(description="the attending doctor (主治医生)"),
    "bed_doctor_code": _string(description="the bed doctor (床位医生)"),
    "admitted_at": _datetime(),
    "diagnosis": _string(description="the admission diagnosis"),
    "diagnosis_code": _string(description="its ICD-10 code, e.g. I21.0"),
}

VITAL_SIGN_ITEM = _object(
    {
        "code": _required_string(description="the hospital's code of the observation, e.g. HR"),
        "name": _required_string(description="e.g. 心率"),
        "loinc": _string(description="the LOINC code, e.g. 8867-4"),
        "value": {
            "type": ["string", "number"],
            "minLength": 1,
            "description": 'the value; numbers are accepted and passed on as text ("38")',
        },
        "unit": _string(),
        "reference_range": _string(),
        "flag": _string(enum=RESULT_FLAGS, description="HH, LL and AA are critical values"),
        "observed_at": _datetime(description="when this observation was made, if not the set's observed_at"),
        "ref": _string(description="the observation's own id in the sending system"),
    },
    required=["code", "name", "value"],
)

#: a text field that senders may also fill with a number (a dose): passed on as text
_TEXT_OR_NUMBER = {"type": ["string", "number"], "minLength": 1}

#: what every order message may carry: the order as the HIS has it now.
ORDER_FIELDS = {
    "order_no": _required_string(description="the HIS order number (医嘱号), unique in the hospital"),
    "patient": PATIENT_REF,
    "admission_no": _string(description="the stay (住院号) of an inpatient's order"),
    "visit_ref": _string(description="the visit of an outpatient's order"),
    "department_code": _string(description="the ordering department"),
    "doctor_code": _string(description="the ordering doctor (开嘱医生)"),
    "kind": _string(enum=ORDER_KINDS),
    "term": _string(enum=ORDER_TERMS, description="long_term 长期医嘱, temporary 临时医嘱"),
    "item_code": _string(description="the HIS code of the drug, test, examination or care item"),
    "item_name": _string(description="e.g. 阿司匹林肠溶片 100mg, 一级护理, 低盐低脂饮食"),
    "dose": {**_TEXT_OR_NUMBER, "description": 'the dose of one administration; numbers are passed on as text ("100")'},
    "dose_unit": _string(description="e.g. mg, ml, 片"),
    "route": _string(description="how it is given (给药途径), e.g. 口服, 静脉滴注"),
    "frequency": _string(description="how often (频次), e.g. qd, bid, q8h, st"),
    "note": _string(description="the doctor's instructions (嘱托)"),
    "ordered_at": _datetime(description="when the doctor wrote the order"),
    "start_at": _datetime(description="when the order starts"),
    "stop_at": _datetime(description="when the order stops (a planned stop, or the stop itself)"),
}

CHARGE_ITEM = _object(
    {
        "code": _string(),
        "name": _required_string(),
        "category": _string(description="charge category, e.g. 西药费, 检查费"),
        "quantity": _number(),
        "unit_price": _number(),
        "amount": _number(),
        "insurance_amount": _number(description="part of amount paid by medical insurance"),
    },
    required=["name", "amount"],
)

#: data schema of every canonical type; the keys are the canonical type names.
DATA_SCHEMAS: dict[str, dict] = {
    "master.hospital": _object(
        {
            "code": _required_string(),
            "name": _required_string(),
            "grade": _string(enum=HOSPITAL_GRADES, description="3a = 三级甲等, 3b = 三级乙等, ..., 1 = 一级, none"),
            "address": _string(),
            "phone": _string(),
            "website": _string(),
            "introduction": _string(),
        },
        required=["code", "name"],
    ),
    "master.departments": _object({"items": _array(DEPARTMENT_ITEM, min_items=1)}, required=["items"]),
    "master.doctors": _object({"items": _array(DOCTOR_ITEM, min_items=1)}, required=["items"]),
    "schedule.upsert": _object(
        {
            "ref": _required_string(description="the HIS schedule (排班) id"),
            "department_code": _required_string(),
            "doctor_code": _required_string(),
            "date": _date(),
            "session": _string(enum=SESSIONS),
            "clinic_type": _string(enum=CLINIC_TYPES),
            "capacity": _integer(minimum=0),
            "fee": _number(minimum=0),
            "room": _string(),
            "slot_minutes": _integer(minimum=1),
        },
        required=["ref", "department_code", "doctor_code", "date", "session", "capacity"],
    ),
    "schedule.stop": _object(
        {"ref": _required_string(), "reason": _required_string()},
        required=["ref", "reason"],
    ),
    "patient.register": _object({"patient": PATIENT_REF}, required=["patient"]),
    "patient.update": _object({"patient": PATIENT_REF}, required=["patient"]),
    "appointment.status": _object(
        {
            "appointment_ref": _required_string(description='the platform booking reference, e.g. "APT/2026/00042"'),
            "his_ref": _string(description="the HIS appointment number"),
            "status": _string(enum=APPOINTMENT_STATUSES),
            "reason": _string(),
            "patient": PATIENT_REF,
        },
        required=["appointment_ref", "status"],
    ),
    "lab.result": _object(
        {
            "report_no": _required_string(),
            "patient": PATIENT_REF,
            "title": _required_string(),
            "department_code": _string(),
            "doctor_code": _string(),
            "specimen": _string(),
            "status": _string(enum=REPORT_STATUSES, description="default final"),
            "collected_at": _datetime(),
            "reported_at": _datetime(),
            "results": _array(LAB_RESULT_ITEM, min_items=1),
        },
        required=["report_no", "patient", "title", "reported_at", "results"],
    ),
    "imaging.report": _object(
        {
            "report_no": _required_string(),
            "patient": PATIENT_REF,
            "modality": _string(enum=MODALITIES),
            "exam_name": _required_string(),
            "body_part": _string(),
            "department_code": _string(),
            "doctor_code": _string(),
            "findings": _required_string(),
            "impression": _required_string(),
            "viewer_url": _string(),
            "critical": _boolean(description="the reporting department flags a critical finding (危急值)"),
            "critical_finding": _string(description="the critical finding, in the reporting department's words"),
            "status": _string(enum=REPORT_STATUSES, description="default final"),
            "reported_at": _datetime(),
        },
        required=["report_no", "patient", "modality", "exam_name", "findings", "impression", "reported_at"],
    ),
    "admission.admit": _object(
        {
            **ADMISSION_FIELDS,
            "allergies": _array(ALLERGY_ITEM),
            "procedures": _array(PROCEDURE_ITEM, description="the stay's operations so far"),
        },
        required=["admission_no", "patient", "admitted_at"],
    ),
    "admission.transfer": _object(
        {
            **ADMISSION_FIELDS,
            "transferred_at": _datetime(),
            "from_department_code": _string(),
            "from_ward": _string(),
            "from_bed": _string(),
        },
        required=["admission_no", "patient", "transferred_at"],
        any_of_required=["department_code", "ward", "bed"],
    ),
    "admission.discharge": _object(
        {
            **ADMISSION_FIELDS,
            "discharged_at": _datetime(),
            "procedures": _array(PROCEDURE_ITEM, description="the stay's operations"),
        },
        required=["admission_no", "patient", "discharged_at"],
    ),
    "admission.cancel": _object(
        {
            "admission_no": ADMISSION_FIELDS["admission_no"],
            "patient": PATIENT_REF,
            "cancelled_at": _datetime(),
            "reason": _string(),
        },
        required=["admission_no", "patient"],
    ),
    "vital.signs": _object(
        {
            "ref": _required_string(description="the id of this set of observations in the sending system"),
            "patient": PATIENT_REF,
            "source_system": _string(description="the sending system, e.g. ICU-CIS (HL7: MSH-3)"),
            "admission_no": _string(),
            "department_code": _string(),
            "observed_at": _datetime(),
            "observations": _array(VITAL_SIGN_ITEM, min_items=1),
        },
        required=["ref", "patient", "observed_at", "observations"],
    ),
    "order.new": _object(ORDER_FIELDS, required=["order_no", "patient", "kind", "item_name", "start_at"]),
    "order.change": _object(
        {**ORDER_FIELDS, "changed_at": _datetime(), "reason": _string()},
        required=["order_no", "patient", "changed_at"],
    ),
    "order.stop": _object({**ORDER_FIELDS, "reason": _string()}, required=["order_no", "patient", "stop_at"]),
    "order.cancel": _object(
        {**ORDER_FIELDS, "cancelled_at": _datetime(), "reason": _string()}, required=["order_no", "patient"]
    ),
    "order.execution": _object(
        {
            "execution_no": _required_string(description="the id of the execution record (执行记录) in your system"),
            "order_no": ORDER_FIELDS["order_no"],
            "patient": PATIENT_REF,
            "status": _string(enum=EXECUTION_STATUSES, description="given, or skipped (with the reason)"),
            "executed_at": _datetime(description="when it was given (or skipped)"),
            "executor_code": _string(description="the staff code of who gave it"),
            "executor_name": _string(description="their name"),
            "item_code": _string(),
            "item_name": _string(description="what was given, when it is not the order's item as such"),
            "dose": {**_TEXT_OR_NUMBER, "description": "the dose given; numbers are passed on as text"},
            "dose_unit": _string(),
            "reason": _string(description="why it was skipped (required then): 患者拒绝, 外出检查, ..."),
            "note": _string(),
        },
        required=["execution_no", "order_no", "patient", "status", "executed_at"],
    ),
    "exam.report": _object(
        {
            "report_no": _required_string(),
            "patient": PATIENT_REF,
            "package_code": _string(description="the exam package's code (体检套餐)"),
            "package_name": _required_string(description="e.g. 入职体检套餐"),
            "exam_date": _date(description="the day the patient was examined"),
            "department_code": _string(description="the department that ordered the exam, if one did"),
            "chief_examiner_code": _string(description="the chief examiner (总检医生), a doctor code"),
            "chief_examiner": _string(description="the chief examiner's name"),
            "status": _string(enum=REPORT_STATUSES, description="default final"),
            "reported_at": _datetime(),
            "items": _array(EXAM_ITEM, min_items=1),
            "conclusion": _string(description="overall conclusions (总检结论), lines separated by \\n"),
            "advice": _string(description="summary advice (总检建议), lines separated by \\n"),
        },
        required=["report_no", "patient", "package_name", "exam_date", "reported_at", "items"],
    ),
    "patient.allergy": _object(
        {
            "patient": PATIENT_REF,
            "recorded_at": _datetime(description="when the HIS recorded these changes: an older change never wins"),
            "allergies": _array(ALLERGY_CHANGE_ITEM, min_items=1),
        },
        required=["patient", "recorded_at", "allergies"],
    ),
    "visit.record": _object(
        {
            "visit_ref": _required_string(),
            "patient": PATIENT_REF,
            "visit_type": _string(enum=VISIT_TYPES),
            "visit_kind": _string(enum=VISIT_KINDS, description="初诊 first or 复诊 return visit"),
            "appointment_ref": _string(
                description="the platform's appointment reference (e.g. APT/2026/00042) of a visit booked on it"
            ),
            "department_code": _string(),
            "doctor_code": _string(),
            "start": _datetime(),
            "end": _datetime(),
            "diagnosis": _string(),
            "diagnosis_code": _string(description="the main diagnosis's ICD-10 code, e.g. I10"),
            "total_charges": _number(),
            "insurance_amount": _number(),
            "charges": _array(CHARGE_ITEM),
        },
        required=["visit_ref", "patient", "start"],
    ),
    "stats.daily": _object(
        {
            "date": _date(description="the hospital's day the figures are of"),
            "department_code": _string(description="the department; left out: the whole hospital"),
            **{name: (_integer if whole else _number)(minimum=0) for name, whole in DAILY_FIGURES},
        },
        required=["date"],
        description="Figures of one day the HIS knows in aggregate; a figure left out is not reported.",
    ),
    "queue.call": _object(
        {
            "department_code": _required_string(),
            "room": _string(),
            "number": _required_string(description='the called number as displayed, e.g. "A012" or "12"'),
            "schedule_ref": _string(),
            "called_at": _datetime(),
            "patient_name": _string(description="optional, for the display (masked by the platform)"),
        },
        required=["department_code", "number"],
    ),
    "complaint": _object(
        {
            "ref": _required_string(),
            "patient": PATIENT_REF,
            "department_code": _string(),
            "staff_code": _string(),
            "category": _string(),
            "content": _required_string(),
            "contact_phone": _string(),
            "received_at": _datetime(),
        },
        required=["ref", "content"],
    ),
    # platform -> hospital
    "booking.create": _object(
        {
            "appointment_ref": _required_string(),
            "schedule_ref": _string(),
            "department_code": _string(),
            "doctor_code": _string(),
            "date": _date(),
            "session": _string(enum=SESSIONS),
            "number": _integer(minimum=1, description="the queue number (号序) of the booking"),
            "start": _datetime(),
            "fee": _number(minimum=0),
            "paid": _boolean(),
            "patient": PATIENT_REF,
        },
        required=["appointment_ref", "date", "session", "number", "start", "patient"],
    ),
    "booking.cancel": _object(
        {
            "appointment_ref": _required_string(),
            "his_ref": _string(),
            "reason": _string(),
            "cancelled_by": _string(enum=CANCELLED_BY),
        },
        required=["appointment_ref"],
    ),
    "patient.sync": _object({"patient": PATIENT_REF}, required=["patient"]),
    "critical.receipt": _object(
        {
            "alert_ref": _required_string(description="the platform's alert number, e.g. WJZ/2026/00042"),
            "report_no": _required_string(description="your report number (or vital-signs set ref)"),
            "source": _string(enum=CRITICAL_SOURCES),
            "item_code": _string(description="your test code (vital sign code, examination modality)"),
            "item": _required_string(description="the test, vital sign or critical finding"),
            "value": _string(description="the value as you reported it"),
            "unit": _string(),
            "flag": _string(enum=RESULT_FLAGS),
            "patient": PATIENT_REF,
            "acknowledged_by": _required_string(description="who acknowledged (签收人)"),
            "acknowledged_by_code": _string(description="their staff code in the HIS"),
            "acknowledged_role": _string(enum=CRITICAL_ROLES),
            "acknowledged_at": _datetime(),
            "read_back": _string(description="the value they read back (复读)"),
            "department_code": _string(description="the department the alert went to"),
            "detected_at": _datetime(description="when the platform raised the alert"),
        },
        required=["alert_ref", "report_no", "source", "item", "acknowledged_by", "acknowledged_at"],
    ),
}

INBOUND_TYPES = frozenset(
    {
        "master.hospital",
        "master.departments",
        "master.doctors",
        "schedule.upsert",
        "schedule.stop",
        "patient.register",
        "patient.update",
        "appointment.status",
        "lab.result",
        "imaging.report",
        "visit.record",
        "stats.daily",
        "queue.call",
        "complaint",
        "admission.admit",
        "admission.transfer",
        "admission.discharge",
        "admission.cancel",
        "vital.signs",
        "exam.report",
        "patient.allergy",
        "order.new",
        "order.change",
        "order.stop",
        "order.cancel",
        "order.execution",
    }
)
OUTBOUND_TYPES = frozenset({"booking.create", "booking.cancel", "patient.sync", "critical.receipt"})
assert set(DATA_SCHEMAS) == INBOUND_TYPES | OUTBOUND_TYPES

ENVELOPE_SCHEMA = {
    "type": "object",
    "properties": {
        "version": {"const": PROTOCOL_VERSION},
        "type": _string(enum=sorted(INBOUND_TYPES | OUTBOUND_TYPES)),
        "control_id": {"type": "string", "minLength": 1, "maxLength": CONTROL_ID_MAX},
        "sent_at": _nullable(_datetime()),
        "data": {"type": "object"},
    },
    "required": ["version", "type", "control_id", "data"],
}

REPLY_SCHEMA = {
    "type": "object",
    "properties": {
        "version": {"const": PROTOCOL_VERSION},
        "control_id": {"type": "string"},
        "status": _string(enum=REPLY_STATUSES),
        "error": {"type": "string"},
        "his_ref": {"type": "string", "description": "the HIS appointment number (replies to booking.create)"},
    },
    "required": ["version", "control_id", "status"],
}


def build_document() -> dict:
    """The published JSON Schema (draft 2020-12) of a version-1 message: envelope + data per type."""
    defs = {"patient": PATIENT_SCHEMA, "reply": REPLY_SCHEMA}
    branches = []
    for type_name in sorted(DATA_SCHEMAS):
        def_name = "data." + type_name
        defs[def_name] = DATA_SCHEMAS[type_name]
        branches.append(
            {
                "if": {"properties": {"type": {"const": type_name}}, "required": ["type"]},
                "then": {"properties": {"data": {"$ref": "#/$defs/" + def_name}}},
            }
        )
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "iHospital HIS interface message, protocol version 1",
        "description": "One message of docs/his-protocol.md (JSON protocol: one object per line). Replies "
        "follow #/$defs/reply. Generated by ihospital_gateway.schema; do not edit by hand.",
        **ENVELOPE_SCHEMA,
        "allOf": branches,
        "$defs": defs,
    }


def document_text() -> str:
    """The exact text of docs/his-protocol-v1.schema.json."""
    return json.dumps(build_document(), ensure_ascii=False, indent=2) + "\n"


# --- validation -------------------------------------------------------------------------------------

_DOCUMENT = build_document()
_Validator = jsonschema.Draft202012Validator
_ENVELOPE_VALIDATOR = _Validator(ENVELOPE_SCHEMA)
_DATA_VALIDATORS = {
    type_name: _Validator({**schema, "$defs": _DOCUMENT["$defs"]}) for type_name, schema in DATA_SCHEMAS.items()
}
_MAX_REPORTED_ERRORS = 5


def _path(prefix: str, error: jsonschema.ValidationError) -> str:
    path = prefix
    for part in error.absolute_path:
        path += "[%d]" % part if isinstance(part, int) else ".%s" % part
    return path


def _describe(prefix: str, error: jsonschema.ValidationError) -> str:
    """One English sentence naming the offending field, without jsonschema's repr noise."""
    where = _path(prefix, error)
    validator = error.validator
    if validator == "required":
        missing = [name for name in error.validator_value if name not in error.instance]
        return "missing required field %s" % ", ".join("%s.%s" % (where, name) for name in missing)
    if validator == "anyOf" and where.endswith("patient"):
        return "%s needs at least one of his_patient_id, medical_card_number, id_number" % where
    if validator == "anyOf" and all("required" in branch for branch in error.validator_value):
        names = ", ".join(branch["required"][0] for branch in error.validator_value)
        return "%s needs at least one of %s" % (where, names)
    if validator == "type" and error.instance is None:
        return "missing required field %s (null)" % where
    if validator == "type":
        expected = error.validator_value
        if isinstance(expected, list):
            expected = " or ".join(t for t in expected if t != "null")
        return "%s must be of type %s, got %s" % (where, expected, json.dumps(error.instance, ensure_ascii=False))
    if validator == "enum":
        allowed = ", ".join(json.dumps(v, ensure_ascii=False) for v in error.validator_value if v is not None)
        return "%s must be one of %s, got %s" % (where, allowed, json.dumps(error.instance, ensure_ascii=False))
    if validator == "pattern":
        expected = "YYYY-MM-DD" if error.validator_value == DATE_PATTERN else "an ISO 8601 date-time"
        return "%s must be %s, got %s" % (where, expected, json.dumps(error.instance, ensure_ascii=False))
    if validator == "minLength":
        return "%s must not be empty" % where
    if validator == "maxLength":
        return "%s is longer than %d characters" % (where, error.validator_value)
    if validator == "minItems":
        return "%s must have at least %d item(s)" % (where, error.validator_value)
    if validator == "minimum":
        return "%s must be at least %s" % (where, error.validator_value)
    if validator == "const":
        return "%s must be %s" % (where, json.dumps(error.validator_value))
    return "%s: %s" % (where, error.message)


def schema_errors(validator: jsonschema.Draft202012Validator, instance, prefix: str) -> list[str]:
    """All errors of ``instance`` as sentences, de-duplicated; top-level fields first, so that a message
    truncated to a few sentences still names the envelope-level problems."""
    errors = sorted(
        validator.iter_errors(instance),
        key=lambda e: (len(e.absolute_path), list(map(str, e.absolute_path)), e.validator),
    )
    sentences = []
    for error in errors:
        sentence = _describe(prefix, error)
        if sentence not in sentences:
            sentences.append(sentence)
    return sentences


def _drop_nulls(value):
    """Optional fields sent as null are removed, so the platform sees only fields that carry a value."""
    if isinstance(value, dict):
        return {key: _drop_nulls(item) for key, item in value.items() if item is not None}
    if isinstance(value, list):
        return [_drop_nulls(item) for item in value]
    return value


def validate_data(type_name: str, data, control_id: str | None = None) -> dict:
    """Check ``data`` against the schema of ``type_name`` and return it without null fields.

    Raises CodecError AR for an unknown type and AE (naming the fields) for invalid data.
    """
    validator = _DATA_VALIDATORS.get(type_name)
    if validator is None:
        raise CodecError("AR", "Unknown message type %r." % type_name, control_id, hl7_code="200")
    if not isinstance(data, dict):
        raise CodecError("AE", "The data of a %s message must be an object." % type_name, control_id, "102")
    sentences = schema_errors(validator, data, "data")
    if sentences:
        shown = sentences[:_MAX_REPORTED_ERRORS]
        more = len(sentences) - len(shown)
        text = "Invalid %s message: %s%s." % (type_name, "; ".join(shown), " (and %d more)" % more if more else "")
        code = "101" if any(s.startswith("missing") or " needs " in s for s in shown) else "102"
        raise CodecError("AE", text, control_id, hl7_code=code)
    data = _drop_nulls(data)
    lines = {"lab.result": "results", "vital.signs": "observations", "exam.report": "items"}.get(type_name)
    for line in data[lines] if lines else ():
        if not isinstance(line["value"], str):
            line["value"] = str(line["value"])
    if type_name.startswith("order.") and "dose" in data and not isinstance(data["dose"], str):
        data["dose"] = str(data["dose"])
    return data


def validate_envelope(envelope) -> list[str]:
    """Errors of a JSON envelope (without its data) as sentences."""
    return schema_errors(_ENVELOPE_VALIDATOR, envelope, "message")


def patient_key(data: dict) -> str | None:
    """The per-patient ordering key of a message's data: its patient's strongest identifier."""
    patient = data.get("patient") if isinstance(data, dict) else None
    if not isinstance(patient, dict):
        return None
    for prefix, field in (("his", "his_patient_id"), ("card", "medical_card_number"), ("idn", "id_number")):
        value = patient.get(field)
        if value:
            return "%s:%s" % (prefix, value)
    return None


_CONTROL_ID_RE = re.compile(r"^[^\r\n]{1,%d}$" % CONTROL_ID_MAX)


def check_control_id(control_id) -> str:
    """The control id is the sender's idempotency key: required, one line, at most 64 characters."""
    if not isinstance(control_id, str) or not control_id.strip():
        raise CodecError("AE", "The control id (HL7 MSH-10, JSON control_id) is missing.", None, "101")
    if not _CONTROL_ID_RE.match(control_id):
        raise CodecError(
            "AE",
            "The control id is longer than %d characters or contains a line break." % CONTROL_ID_MAX,
            control_id[:CONTROL_ID_MAX],
            "102",
        )
    return control_id


if __name__ == "__main__":  # pragma: no cover - used to regenerate the published schema
    import sys

    sys.stdout.write(document_text())
