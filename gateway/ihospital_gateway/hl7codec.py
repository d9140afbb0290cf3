"""HL7 v2.5 side of the HIS interface: canonical <-> HL7 mapping for every message type.

Parsing uses python-hl7 (``hl7.parse``; escape sequences such as ``\\F\\``, ``\\T\\``, ``\\.br\\`` and
``\\X..\\`` are undone with ``hl7.util.unescape``). Building is done here with :func:`escape`, because
python-hl7's own ``escape`` writes every non-ASCII character as a ``\\X..\\`` hex escape, which would
turn Chinese names into unreadable (and, for HIS that do not implement ``\\X\\``, wrong) text.

The mapping is symmetrical: :func:`encode` writes any canonical message (hospital -> platform as a
hospital system would, and platform -> hospital) and :func:`parse` reads it back, so the simulator,
the documentation examples and the tests all share one definition. The field-by-field table is in
docs/his-protocol.md.
"""

import datetime
import re

import hl7
from hl7.util import generate_message_control_id, unescape

from .schema import (
    CRITICAL_FLAGS,
    DAILY_FIGURES,
    INBOUND_TYPES,
    OUTBOUND_TYPES,
    REPLY_STATUSES,
    Canonical,
    CodecError,
    check_control_id,
    patient_key,
    validate_data,
)

__all__ = [
    "CRITICAL_FLAGS",
    "ack",
    "charset_to_msh18",
    "declared_charset",
    "encode",
    "encode_inbound",
    "encode_outbound",
    "escape",
    "from_hl7_datetime",
    "parse",
    "parse_reply",
    "sniff_control_id",
    "to_hl7_datetime",
]

HL7_VERSION = "2.5"
GATEWAY_APPLICATION = "IHOSPITAL"
GATEWAY_FACILITY = "GATEWAY"
PLACER_NAMESPACE = "IHOSPITAL"
FILLER_NAMESPACE = "HIS"

#: CX-5 identifier type code -> (patient field, id_type). NNCHN and PPN are HL7 table 0203 codes; HMP,
#: TWP and FRP are local codes of this interface for the mainland travel permits and the foreigner
#: permanent residence card (HL7 has no codes for them).
ID_TYPE_CODES = {
    "PI": ("his_patient_id", None),
    "MC": ("medical_card_number", None),
    "NNCHN": ("id_number", "resident_id"),
    "PPN": ("id_number", "passport"),
    "HMP": ("id_number", "hk_macau_permit"),
    "TWP": ("id_number", "taiwan_permit"),
    "FRP": ("id_number", "foreigner_permit"),
}
ID_TYPE_TO_CODE = {id_type: code for code, (_field, id_type) in ID_TYPE_CODES.items() if id_type}
SEX_CODES = {"M": "male", "F": "female", "O": "other", "A": "other"}
GENDER_TO_SEX = {"male": "M", "female": "F", "other": "O"}
SIU_STATUS = {"S12": "booked", "S14": "attended", "S15": "cancelled", "S26": "no_show"}
STATUS_TO_SIU = {status: trigger for trigger, status in SIU_STATUS.items()}
REPORT_STATUS_CODES = {"F": "final", "P": "preliminary", "C": "corrected"}
REPORT_STATUS_TO_CODE = {status: code for code, status in REPORT_STATUS_CODES.items()}
IMAGING_SECTIONS = {
    "RAD": "radiology",
    "CT": "ct",
    "MR": "mr",
    "US": "ultrasound",
    "EC": "ecg",
    "ES": "endoscopy",
    "PAT": "pathology",
}
MODALITY_TO_SECTION = {modality: section for section, modality in IMAGING_SECTIONS.items()}
LAB_SECTION = "LAB"
SESSION_CODES = {"AM": "morning", "PM": "afternoon", "EV": "evening"}
SESSION_TO_CODE = {session: code for code, session in SESSION_CODES.items()}
CLINIC_TYPE_CODES = {"G": "general", "E": "expert", "S": "special"}
CLINIC_TYPE_TO_CODE = {clinic_type: code for code, clinic_type in CLINIC_TYPE_CODES.items()}
VISIT_CLASSES = {"O": "outpatient", "I": "inpatient", "E": "emergency"}
VISIT_TYPE_TO_CLASS = {visit_type: code for code, visit_type in VISIT_CLASSES.items()}
#: PV1-13 re-admission indicator, a documented local use: R a return visit (复诊), N a first visit (初诊)
VISIT_KIND_CODES = {"R": "return", "N": "first"}
VISIT_KIND_TO_CODE = {kind: code for code, kind in VISIT_KIND_CODES.items()}
#: PID-30 patient death indicator (HL7 table 0136): Y the patient died, N alive (a correction)
DEATH_INDICATORS = {"Y": True, "N": False}
CANCELLED_BY_CODES = {"PATIENT": "patient", "HOSPITAL": "hospital"}
#: MFE-1 record-level event codes (HL7 table 0180) that make a master record inactive.
INACTIVE_EVENTS = {"MDL", "MDC"}
FINDINGS_IDS = {"FINDINGS", "GDT", "&GDT", "18782-3"}
IMPRESSION_IDS = {"IMPRESSION", "IMP", "&IMP", "19005-8"}
BODY_PART_IDS = {"BODYPART", "BODY_PART"}
VIEWER_IDS = {"VIEWER"}
CRITICAL_IDS = {"CRITICAL", "CRITICAL_FINDING"}
#: OBR-4 identifiers (CE-1) that make an ORU^R01 a set of vital signs: the LOINC vital-signs panels
#: (8716-3 as IHE PCD-01 devices send it, 85353-1) and a local code.
VITAL_SIGNS_PANELS = {"8716-3", "85353-1", "VITALS"}
VITAL_SIGNS_PANEL = ("8716-3", "生命体征", "LN")
#: OBR-4 coding system (CE-3) of the health check centre's package catalogue, and the OBR-24 diagnostic
#: service section (local), that make an ORU^R01 a physical-exam report; either one is enough.
EXAM_CODING_SYSTEM = "PEXAM"
EXAM_SECTION = "PE"
#: OBX-3 identifiers (CE-1) of a physical-exam report's overall conclusions and summary advice.
EXAM_CONCLUSION_IDS = {"CONCLUSION", "SUMMARY"}
EXAM_ADVICE_IDS = {"ADVICE"}
#: IAM-6 allergy action codes (HL7 table 0323): X (no change) restates the entry.
ALLERGY_ACTION_CODES = {"A": "add", "U": "update", "X": "update", "D": "remove"}
ALLERGY_ACTION_TO_CODE = {"add": "A", "update": "U", "remove": "D"}
#: IAM-2 code (local; HL7 table 0127 is user-defined) of an entry that is an alert, not an allergy.
ALERT_TYPE_CODE = "ALERT"
#: AL1-2 allergen type codes (HL7 table 0127) -> canonical type; the first code of each type is written.
ALLERGY_TYPE_CODES = {
    "DA": "drug",
    "FA": "food",
    "EA": "environmental",
    "PA": "environmental",
    "LA": "environmental",
    "AA": "other",
    "MA": "other",
    "MC": "other",
}
ALLERGY_TYPE_TO_CODE = {"drug": "DA", "food": "FA", "environmental": "EA", "other": "MA"}
#: AL1-4 severity codes (HL7 table 0128); U (unknown) is "not sent".
SEVERITY_CODES = {"SV": "severe", "MO": "moderate", "MI": "mild"}
SEVERITY_TO_CODE = {severity: code for code, severity in SEVERITY_CODES.items()}
ADMISSION_TRIGGERS = {
    "admission.admit": ("A01", "ADT_A01"),
    "admission.transfer": ("A02", "ADT_A02"),
    "admission.discharge": ("A03", "ADT_A03"),
    "admission.cancel": ("A11", "ADT_A09"),
}
#: when the event took place (EVN-6, else EVN-2), per admission type
ADMISSION_EVENT_TIMES = {
    "admission.transfer": "transferred_at",
    "admission.discharge": "discharged_at",
    "admission.cancel": "cancelled_at",
}
#: ORC-1 order control codes (HL7 table 0119) -> order type; the first code of each type is written.
ORDER_CONTROLS = {
    "NW": "order.new",
    "XO": "order.change",
    "XX": "order.change",
    "RP": "order.change",
    "DC": "order.stop",
    "OD": "order.stop",
    "CA": "order.cancel",
    "OC": "order.cancel",
}
ORDER_TYPE_TO_CONTROL = {"order.new": "NW", "order.change": "XO", "order.stop": "DC", "order.cancel": "CA"}
#: when the event took place (ORC-9), per order type; a stop's time is TQ1-8 (else ORC-9)
ORDER_EVENT_TIMES = {"order.new": "ordered_at", "order.change": "changed_at", "order.cancel": "cancelled_at"}
#: OBR-24 (diagnostic service section) of a non-drug order -> kind: LAB, the imaging sections and the
#: local codes EXM (examination), NUR (nursing), DIET (diet), OTH (other); RXO means a drug order.
ORDER_SECTIONS = {"LAB": "lab", "EXM": "exam", "NUR": "nursing", "DIET": "diet", "OTH": "other"}
KIND_TO_SECTION = {kind: section for section, kind in ORDER_SECTIONS.items()}
#: ORC-29 order type: local codes of this interface for long-term (长期) and temporary (临时) orders
TERM_CODES = {"L": "long_term", "T": "temporary"}
TERM_TO_CODE = {term: code for code, term in TERM_CODES.items()}
#: RXA-20 completion status (HL7 table 0322) -> execution status; PA (partially) counts as given
COMPLETION_STATUSES = {"CP": "given", "PA": "given", "RE": "skipped", "NA": "skipped"}
STATUS_TO_COMPLETION = {"given": "CP", "skipped": "NA"}
#: LCH-4 characteristic ids of MFN^M05 (local to this interface).
#: Chinese grade names an HL7 sender may put in LCH GRADE -> canonical grade codes.
GRADE_NAMES = {
    "三级甲等": "3a",
    "三级乙等": "3b",
    "三级丙等": "3c",
    "二级甲等": "2a",
    "二级乙等": "2b",
    "二级丙等": "2c",
    "一级": "1",
    "未定级": "none",
}
LCH_GRADE, LCH_WEBSITE, LCH_INTRO, LCH_CATEGORY = "GRADE", "WEBSITE", "INTRO", "CATEGORY"
LCH_BEDS = "BEDS"
#: (LCH-4 id, its text, data key) of the characteristics written for a hospital and for a department.
HOSPITAL_CHARACTERISTICS = (
    (LCH_GRADE, "医院等级", "grade"),
    (LCH_WEBSITE, "网站", "website"),
    (LCH_INTRO, "简介", "introduction"),
)
DEPARTMENT_CHARACTERISTICS = (
    (LCH_CATEGORY, "科室类别", "category"),
    (LCH_INTRO, "简介", "description"),
    (LCH_BEDS, "开放床位", "bed_count"),
)

#: HL7 message (code, trigger) -> canonical type, hospital -> platform. ORU^R01 and MFN^M05 are refined
#: from their content (imaging section or vital-signs panel, hospital location).
INBOUND_ROUTES = {
    ("ADT", "A04"): "patient.register",
    ("ADT", "A28"): "patient.register",
    ("ADT", "A08"): "patient.update",
    ("ADT", "A31"): "patient.update",
    ("ADT", "A01"): "admission.admit",
    ("ADT", "A02"): "admission.transfer",
    ("ADT", "A03"): "admission.discharge",
    ("ADT", "A11"): "admission.cancel",
    ("ADT", "A60"): "patient.allergy",
    ("SIU", "S12"): "appointment.status",
    ("SIU", "S14"): "appointment.status",
    ("SIU", "S15"): "appointment.status",
    ("SIU", "S26"): "appointment.status",
    ("ORU", "R01"): "lab.result",
    ("MFN", "M05"): "master.departments",
    ("MFN", "M02"): "master.doctors",
    ("DFT", "P03"): "visit.record",
    ("ZSC", "Z01"): "schedule.upsert",
    ("ZSC", "Z02"): "schedule.stop",
    ("ZQC", "Z01"): "queue.call",
    ("ZCP", "Z01"): "complaint",
    ("ZDS", "Z01"): "stats.daily",
    ("ORM", "O01"): "order.new",  # refined by ORC-1
    ("OMP", "O09"): "order.new",  # refined by ORC-1
    ("RAS", "O17"): "order.execution",
}
OUTBOUND_ROUTES = {
    ("SRM", "S01"): "booking.create",
    ("SRM", "S04"): "booking.cancel",
    ("ADT", "A31"): "patient.sync",
    ("ZCR", "Z01"): "critical.receipt",
}
#: Segments without which a message cannot be mapped at all (a clearer error than its missing fields).
REQUIRED_SEGMENTS = {
    "patient.register": ["PID"],
    "patient.update": ["PID"],
    "patient.sync": ["PID"],
    "appointment.status": ["SCH"],
    "lab.result": ["PID", "OBR", "OBX"],
    "imaging.report": ["PID", "OBR", "OBX"],
    "vital.signs": ["PID", "OBR", "OBX"],
    "exam.report": ["PID", "OBR", "OBX"],
    "patient.allergy": ["PID", "IAM"],
    "admission.admit": ["PID", "PV1"],
    "admission.transfer": ["PID", "PV1"],
    "admission.discharge": ["PID", "PV1"],
    "admission.cancel": ["PID", "PV1"],
    "master.hospital": ["LOC"],
    "master.departments": ["MFE", "LOC"],
    "master.doctors": ["MFE", "STF"],
    "visit.record": ["PID", "PV1"],
    "schedule.upsert": ["ZSC"],
    "schedule.stop": ["ZSC"],
    "queue.call": ["ZQC"],
    "complaint": ["ZCP"],
    "stats.daily": ["ZDS"],
    "order.new": ["PID", "ORC"],
    "order.change": ["PID", "ORC"],
    "order.stop": ["PID", "ORC"],
    "order.cancel": ["PID", "ORC"],
    "order.execution": ["PID", "ORC", "RXA"],
    "booking.create": ["ARQ", "PID"],
    "booking.cancel": ["ARQ"],
    "critical.receipt": ["ZCR"],
}
_PATIENT_FIELDS = {
    "patient": "PID-3",
    "patient.his_patient_id": "PID-3 type PI",
    "patient.medical_card_number": "PID-3 type MC",
    "patient.id_number": "PID-3",
    "patient.name": "PID-5",
    "patient.gender": "PID-8",
    "patient.birth_date": "PID-7",
    "patient.deceased": "PID-30",
    "patient.deceased_at": "PID-29",
}
_ADMISSION_LOCATIONS = {
    "admission_no": "PV1-19",
    "department_code": "PV1-3.1",
    "ward": "PV1-3.2",
    "bed": "PV1-3.3",
    "attending_doctor_code": "PV1-7",
    "bed_doctor_code": "PV1-17",
    "admitted_at": "PV1-44",
    "diagnosis": "DG1-3.2",
    "diagnosis_code": "DG1-3.1",
    **_PATIENT_FIELDS,
}
#: the operations (手术) of a stay, in admission and discharge messages
_PROCEDURE_LOCATIONS = {
    "procedures": "PR1",
    "procedures.code": "PR1-3.1",
    "procedures.name": "PR1-3.2",
    "procedures.at": "PR1-5",
}
_ORDER_LOCATIONS = {
    "order_no": "ORC-2",
    "admission_no": "PV1-19",
    "visit_ref": "PV1-19",
    "department_code": "PV1-3.1",
    "doctor_code": "ORC-12",
    "kind": "OBR-24",
    "term": "ORC-29",
    "item_code": "RXO-1.1 or OBR-4.1",
    "item_name": "RXO-1.2 or OBR-4.2",
    "dose": "RXO-2 or TQ1-2.1",
    "dose_unit": "RXO-4 or TQ1-2.2",
    "route": "RXR-1",
    "frequency": "TQ1-3",
    "note": "NTE-3",
    "ordered_at": "ORC-9",
    "start_at": "TQ1-7",
    "stop_at": "TQ1-8",
    "changed_at": "ORC-9",
    "cancelled_at": "ORC-9",
    "reason": "ORC-16",
    **_PATIENT_FIELDS,
}
#: data path (list indexes removed) -> HL7 location, appended to validation errors so that an HL7
#: sender is told which field to fix, not only the canonical name.
HL7_LOCATIONS = {
    "master.hospital": {"code": "LOC-1", "name": "LOC-2"},
    "master.departments": {"items.code": "LOC-1", "items.name": "LOC-2"},
    "master.doctors": {
        "items.code": "STF-1",
        "items.name": "STF-3",
        "items.department_code": "STF-8",
        "items.gender": "STF-5",
    },
    "schedule.upsert": {
        "ref": "ZSC-1",
        "department_code": "ZSC-2",
        "doctor_code": "ZSC-3",
        "date": "ZSC-4",
        "session": "ZSC-5",
        "clinic_type": "ZSC-6",
        "capacity": "ZSC-7",
        "fee": "ZSC-8",
        "slot_minutes": "ZSC-10",
    },
    "schedule.stop": {"ref": "ZSC-1", "reason": "ZSC-11"},
    "patient.register": _PATIENT_FIELDS,
    "patient.update": _PATIENT_FIELDS,
    "patient.sync": _PATIENT_FIELDS,
    "appointment.status": {"appointment_ref": "SCH-1", "his_ref": "SCH-2", "status": "MSH-9.2", **_PATIENT_FIELDS},
    "lab.result": {
        "report_no": "OBR-3",
        "title": "OBR-4",
        "collected_at": "OBR-7",
        "reported_at": "OBR-22",
        "status": "OBR-25",
        "results": "OBX",
        "results.code": "OBX-3.1",
        "results.name": "OBX-3.2",
        "results.value": "OBX-5",
        "results.value_type": "OBX-2",
        "results.flag": "OBX-8",
        **_PATIENT_FIELDS,
    },
    "imaging.report": {
        "report_no": "OBR-3",
        "exam_name": "OBR-4",
        "modality": "OBR-24",
        "reported_at": "OBR-22",
        "status": "OBR-25",
        "findings": "OBX-3 FINDINGS",
        "impression": "OBX-3 IMPRESSION",
        "critical_finding": "OBX-3 CRITICAL",
        **_PATIENT_FIELDS,
    },
    "admission.admit": {
        **_ADMISSION_LOCATIONS,
        "allergies": "AL1",
        "allergies.allergen": "AL1-3.2",
        "allergies.type": "AL1-2",
        "allergies.severity": "AL1-4",
        "allergies.identified_at": "AL1-6",
        **_PROCEDURE_LOCATIONS,
    },
    "admission.transfer": {
        **_ADMISSION_LOCATIONS,
        "transferred_at": "EVN-6",
        "from_department_code": "PV1-6.1",
        "from_ward": "PV1-6.2",
        "from_bed": "PV1-6.3",
    },
    "admission.discharge": {**_ADMISSION_LOCATIONS, **_PROCEDURE_LOCATIONS, "discharged_at": "PV1-45"},
    "admission.cancel": {"admission_no": "PV1-19", "cancelled_at": "EVN-6", "reason": "EVN-4", **_PATIENT_FIELDS},
    "vital.signs": {
        "ref": "OBR-3",
        "observed_at": "OBR-7",
        "source_system": "MSH-3",
        "admission_no": "PV1-19",
        "department_code": "PV1-3.1",
        "observations": "OBX",
        "observations.code": "OBX-3.1",
        "observations.name": "OBX-3.2",
        "observations.value": "OBX-5",
        "observations.flag": "OBX-8",
        "observations.observed_at": "OBX-14",
        **_PATIENT_FIELDS,
    },
    "exam.report": {
        "report_no": "OBR-3",
        "package_code": "OBR-4.1",
        "package_name": "OBR-4.2",
        "exam_date": "OBR-7",
        "reported_at": "OBR-22",
        "status": "OBR-25",
        "chief_examiner_code": "OBR-32.1.1",
        "chief_examiner": "OBR-32.1.2",
        "conclusion": "OBX-3 CONCLUSION",
        "advice": "OBX-3 ADVICE",
        "items": "OBX",
        "items.section": "OBX-4",
        "items.code": "OBX-3.1",
        "items.name": "OBX-3.2",
        "items.value": "OBX-5",
        "items.flag": "OBX-8",
        "items.conclusion": "NTE-3",
        **_PATIENT_FIELDS,
    },
    "patient.allergy": {
        "recorded_at": "EVN-6",
        "allergies": "IAM",
        "allergies.kind": "IAM-2",
        "allergies.type": "IAM-2",
        "allergies.allergen": "IAM-3.2",
        "allergies.severity": "IAM-4",
        "allergies.action": "IAM-6",
        "allergies.ref": "IAM-7",
        "allergies.identified_at": "IAM-11",
        **_PATIENT_FIELDS,
    },
    "visit.record": {
        "visit_ref": "PV1-19",
        "visit_type": "PV1-2",
        "appointment_ref": "PV1-5",
        "visit_kind": "PV1-13",
        "diagnosis": "DG1-3.2",
        "diagnosis_code": "DG1-3.1",
        "start": "PV1-44",
        "end": "PV1-45",
        "charges.name": "FT1-7.2",
        "charges.amount": "FT1-11",
        **_PATIENT_FIELDS,
    },
    "order.new": _ORDER_LOCATIONS,
    "order.change": _ORDER_LOCATIONS,
    "order.stop": {**_ORDER_LOCATIONS, "stop_at": "TQ1-8 (else ORC-9)"},
    "order.cancel": _ORDER_LOCATIONS,
    "order.execution": {
        "execution_no": "ORC-3",
        "order_no": "ORC-2",
        "status": "RXA-20",
        "executed_at": "RXA-3",
        "executor_code": "RXA-10.1",
        "executor_name": "RXA-10.2",
        "item_code": "RXA-5.1",
        "item_name": "RXA-5.2",
        "dose": "RXA-6",
        "dose_unit": "RXA-7",
        "reason": "RXA-18",
        "note": "RXA-9",
        **_PATIENT_FIELDS,
    },
    "queue.call": {"department_code": "ZQC-1", "number": "ZQC-3", "called_at": "ZQC-5"},
    "stats.daily": {
        "date": "ZDS-1",
        "department_code": "ZDS-2",
        **{name: "ZDS-%d" % index for index, (name, _whole) in enumerate(DAILY_FIGURES, start=3)},
    },
    "complaint": {"ref": "ZCP-1", "content": "ZCP-5", "received_at": "ZCP-7", **_PATIENT_FIELDS},
    "booking.create": {
        "appointment_ref": "ARQ-1",
        "start": "ARQ-11",
        "number": "ZBK-1",
        "date": "ZBK-2",
        "session": "ZBK-3",
        **_PATIENT_FIELDS,
    },
    "booking.cancel": {"appointment_ref": "ARQ-1", "cancelled_by": "ARQ-6.1"},
    "critical.receipt": {
        "alert_ref": "ZCR-1",
        "report_no": "ZCR-2",
        "source": "ZCR-3",
        "item_code": "ZCR-4.1",
        "item": "ZCR-4.2",
        "value": "ZCR-5",
        "unit": "ZCR-6",
        "flag": "ZCR-7",
        "acknowledged_by_code": "ZCR-8.1",
        "acknowledged_by": "ZCR-8.2",
        "acknowledged_role": "ZCR-9",
        "acknowledged_at": "ZCR-10",
        "read_back": "ZCR-11",
        "department_code": "ZCR-12",
        "detected_at": "ZCR-13",
        **_PATIENT_FIELDS,
    },
}

_SEGMENT_SPLIT = re.compile(r"\r\n|\n|\r")
_DTM = re.compile(r"^(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\.\d{1,4})?([+-]\d{4})?$")


# --- text helpers -----------------------------------------------------------------------------------


def escape(value) -> str:
    """Escape a value for an HL7 field with the default delimiters ``|^~\\&``; line breaks -> ``\\.br\\``.

    Non-ASCII text (Chinese) is written as is: the message's character set (MSH-18) carries it.
    """
    if value is None:
        return ""
    text = str(value)
    if not any(c in text for c in "\\|^~&\r\n"):
        return text
    text = text.replace("\\", "\\E\\").replace("|", "\\F\\").replace("^", "\\S\\")
    text = text.replace("~", "\\R\\").replace("&", "\\T\\")
    return text.replace("\r\n", "\\.br\\").replace("\n", "\\.br\\").replace("\r", "\\.br\\")


def _normalize(text: str) -> str:
    """Segments separated by ``\\r`` (senders that use ``\\n`` or ``\\r\\n`` are tolerated)."""
    return "\r".join(line for line in _SEGMENT_SPLIT.split(text.strip("\x0b\x1c\r\n ")) if line.strip())


def _first_line_fields(text: str) -> list[str] | None:
    """The raw fields of the MSH segment (index = HL7 field number), without parsing the message."""
    line = _SEGMENT_SPLIT.split(text.lstrip("\x0b\r\n "), 1)[0]
    if not line.startswith("MSH") or len(line) < 8:
        return None
    separator = line[3]
    # MSH-1 is the separator itself: insert it so that index n is MSH-n.
    return ["MSH", separator, *line[4:].split(separator)]


def declared_charset(payload: bytes, fallback_codec: str) -> str | None:
    """MSH-18 of raw HL7 bytes, read by decoding the MSH line with the endpoint's codec (lenient)."""
    end = len(payload)
    for terminator in (b"\r", b"\n"):
        position = payload.find(terminator)
        if 0 <= position < end:
            end = position
    fields = _first_line_fields(payload[:end].decode(fallback_codec, errors="replace"))
    if not fields or len(fields) <= 18:
        return None
    repetition_separator = fields[2][1] if len(fields[2]) > 1 else "~"
    return fields[18].split(repetition_separator)[0].strip() or None


def sniff_control_id(text: str | None) -> str | None:
    """MSH-10 of a message that could not be parsed, if its MSH line is readable."""
    fields = _first_line_fields(text or "")
    if fields and len(fields) > 10:
        control_id = fields[10].strip()
        return control_id[:64] or None
    return None


def to_hl7_datetime(value: str | None) -> str:
    """ISO 8601 date or date-time -> HL7 DTM ``YYYYMMDDHHMMSS[+ZZZZ]`` (a date -> ``YYYYMMDD``)."""
    if not value:
        return ""
    if len(value) == 10:
        return value.replace("-", "")
    moment = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    text = moment.strftime("%Y%m%d%H%M%S")
    return text + moment.strftime("%z") if moment.tzinfo else text


def from_hl7_datetime(value: str, label: str, control_id: str | None = None) -> str:
    """HL7 DTM -> ISO 8601 (offset kept when sent, else naive = hospital local time)."""
    match = _DTM.match(value.strip())
    if not match or not match.group(3):
        raise CodecError(
            "AE", "%s is not an HL7 date/time (YYYYMMDDHHMMSS[+ZZZZ]): %r." % (label, value), control_id, "102"
        )
    year, month, day, hour, minute, second, _fraction, offset = match.groups()
    try:
        moment = datetime.datetime(int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0))
    except ValueError:
        raise CodecError("AE", "%s is not a valid date/time: %r." % (label, value), control_id, "102") from None
    text = moment.isoformat()
    if offset:
        text += "%s:%s" % (offset[:3], offset[3:])
    return text


def from_hl7_date(value: str, label: str, control_id: str | None = None) -> str:
    """HL7 DT (or the date part of a DTM) -> ``YYYY-MM-DD``."""
    return from_hl7_datetime(value[:8], label, control_id)[:10]


def _number(value: str, label: str, control_id: str | None, integer: bool = False):
    text = value.strip()
    try:
        number = float(text)
    except ValueError:
        raise CodecError("AE", "%s must be a number, got %r." % (label, value), control_id, "102") from None
    if integer:
        if not number.is_integer():
            raise CodecError("AE", "%s must be a whole number, got %r." % (label, value), control_id, "102")
        return int(number)
    return int(number) if number.is_integer() and "." not in text else number


def _format_number(value) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, float) and value.is_integer():
        return "%d" % value
    return str(value)


# --- reading segments -------------------------------------------------------------------------------


class _Reader:
    """Field access by HL7 numbers on a python-hl7 segment; missing parts read as ``""``."""

    __slots__ = ("segment",)

    def __init__(self, segment):
        self.segment = segment

    @property
    def name(self) -> str:
        return str(self.segment[0])

    def repetitions(self, field: int) -> list:
        if field >= len(self.segment):
            return []
        node = self.segment[field]
        if node and not isinstance(node[0], str):
            return list(node)
        return [node[0]] if node and node[0] != "" else []

    @staticmethod
    def _child(node, index: int):
        if isinstance(node, str):
            return node if index == 1 else ""
        return node[index - 1] if index <= len(node) else ""

    def raw(self, field: int, component: int | None = 1, repetition: int = 1, sub: int | None = None) -> str:
        reps = self.repetitions(field)
        if repetition > len(reps):
            return ""
        node = reps[repetition - 1]
        if component is None:
            return str(node)
        node = self._child(node, component)
        if sub is not None:
            node = self._child(node, sub)
        return str(node)

    def get(self, field: int, component: int | None = 1, repetition: int = 1, sub: int | None = None) -> str:
        """The unescaped value; ``component=None`` is the whole repetition (text fields with a stray
        ``^``), ``sub=None`` the whole component (a URL with an unescaped ``&``)."""
        raw = self.raw(field, component, repetition, sub)
        return unescape(self.segment, raw).replace("\r", "\n").strip() if raw else ""

    def text_or_code(self, field: int, repetition: int = 1) -> str:
        """A CE/CWE value: its text (component 2), else its code (component 1)."""
        return self.get(field, 2, repetition) or self.get(field, 1, repetition)


def _segments(message, name: str) -> list[_Reader]:
    return [_Reader(segment) for segment in message if str(segment[0]) == name]


def _first(message, name: str) -> _Reader | None:
    for segment in message:
        if str(segment[0]) == name:
            return _Reader(segment)
    return None


def _put(data: dict, key: str, value) -> None:
    """Only fields that carry a value go into the canonical data (absent = not sent)."""
    if value not in (None, ""):
        data[key] = value


def _code_or_word(codes: dict, value: str) -> str:
    """A coded field that senders may also fill with the canonical word (``AM`` or ``morning``)."""
    return codes.get(value.upper(), value.lower())


def _put_converted(data: dict, key: str, value: str, convert, label: str, control_id, **options) -> None:
    """Put ``convert(value, label, control_id)`` (a date, date-time or number) when the field was sent."""
    if value:
        data[key] = convert(value, label, control_id, **options)


# --- HL7 -> canonical ---------------------------------------------------------------------------------


def _patient(pid: _Reader, control_id: str | None) -> dict:
    patient = {}
    for index in range(1, len(pid.repetitions(3)) + 1):
        value = pid.get(3, 1, index)
        code = pid.get(3, 5, index).upper()
        if not value:
            continue
        if not code and "his_patient_id" not in patient:
            code = "PI"  # an untyped identifier is the HIS's own patient id
        field, id_type = ID_TYPE_CODES.get(code, (None, None))
        if field and field not in patient:
            patient[field] = value
            if id_type:
                patient["id_type"] = id_type
    if "his_patient_id" not in patient:
        _put(patient, "his_patient_id", pid.get(2))
    _put(patient, "name", _person_name(pid.get(5, 1), pid.get(5, 2)))
    _put_converted(patient, "birth_date", pid.get(7), from_hl7_date, "PID-7 (birth date)", control_id)
    _put(patient, "gender", SEX_CODES.get(pid.get(8).upper()))
    address_parts = [pid.get(11, 4), pid.get(11, 3), pid.get(11, 1), pid.get(11, 2)]  # province city street other
    _put(patient, "address", "".join(part for part in address_parts if part))
    for index in range(1, len(pid.repetitions(13)) + 1):
        phone = pid.get(13, 1, index) or pid.get(13, 12, index)
        if phone:
            patient["phone"] = phone
            break
    _put_converted(
        patient, "deceased_at", pid.get(29), from_hl7_datetime, "PID-29 (patient death date and time)", control_id
    )
    indicator = pid.get(30).upper()
    if indicator:
        if indicator not in DEATH_INDICATORS:
            raise CodecError(
                "AE", "PID-30 (patient death indicator) must be Y or N, got %r." % indicator, control_id, "103"
            )
        patient["deceased"] = DEATH_INDICATORS[indicator]
    elif "deceased_at" in patient:
        patient["deceased"] = True  # a death date and time is a death
    return patient


def _is_cjk(text: str) -> bool:
    return any("\u3400" <= char <= "\u9fff" or "\uf900" <= char <= "\ufaff" for char in text)


def _person_name(family: str, given: str) -> str:
    """An XPN family + given name: Chinese names are written together, others with a space."""
    joiner = "" if _is_cjk(family + given) else " "
    return joiner.join(part for part in (family, given) if part)


def _patient_data(message, control_id) -> dict:
    pid = _first(message, "PID")
    return {"patient": _patient(pid, control_id)} if pid else {}


def _put_optional_patient(data: dict, message, control_id) -> None:
    """The patient of a message where it is optional: only a PID that identifies somebody counts."""
    pid = _first(message, "PID")
    patient = _patient(pid, control_id) if pid else {}
    if patient:
        data["patient"] = patient


def _map_appointment_status(message, trigger, control_id) -> dict:
    sch = _first(message, "SCH")
    data = {}
    _put(data, "appointment_ref", sch.get(1))
    _put(data, "his_ref", sch.get(2))
    data["status"] = SIU_STATUS[trigger]
    _put(data, "reason", sch.text_or_code(6) or sch.text_or_code(7))
    _put_optional_patient(data, message, control_id)
    return data


def _report_header(message, control_id) -> tuple[dict, _Reader]:
    obr = _first(message, "OBR")
    data = _patient_data(message, control_id)
    _put(data, "report_no", obr.get(3) or obr.get(2))
    pv1 = _first(message, "PV1")
    if pv1:
        _put(data, "department_code", pv1.get(3))
    _put(data, "doctor_code", obr.get(16))
    status_code = obr.get(25).upper()
    if status_code:
        if status_code not in REPORT_STATUS_CODES:
            raise CodecError("AE", "OBR-25 (result status) must be F, P or C, got %r." % status_code, control_id, "103")
        data["status"] = REPORT_STATUS_CODES[status_code]
    _put_converted(data, "reported_at", obr.get(22), from_hl7_datetime, "OBR-22 (reported at)", control_id)
    return data, obr


def _obx_value(obx: _Reader) -> str:
    """OBX-5 as text: repetitions are lines; coded values give their text; SN joins its parts."""
    value_type = obx.get(2).upper()
    lines = []
    for index in range(1, len(obx.repetitions(5)) + 1):
        if value_type in ("CE", "CWE"):
            line = obx.text_or_code(5, index)
        elif value_type == "SN":
            line = "".join(obx.get(5, component, index) for component in (1, 2, 3, 4))
        else:
            line = obx.get(5, None, index)
        lines.append(line)
    return "\n".join(lines).strip()


def _map_lab_result(message, control_id) -> dict:
    data, obr = _report_header(message, control_id)
    _put(data, "title", obr.text_or_code(4))
    _put_converted(data, "collected_at", obr.get(7), from_hl7_datetime, "OBR-7 (collected at)", control_id)
    specimen = obr.get(15, 1, 1, 2) or obr.get(15, 1, 1, 1)
    if not specimen:
        spm = _first(message, "SPM")
        specimen = spm.text_or_code(4) if spm else ""
    _put(data, "specimen", specimen)
    results = []
    for obx in _segments(message, "OBX"):
        result = {}
        _put(result, "code", obx.get(3, 1))
        _put(result, "name", obx.get(3, 2) or obx.get(3, 1))
        _put(result, "value", _obx_value(obx))
        result["value_type"] = "NM" if obx.get(2).upper() == "NM" else "ST"
        _put(result, "unit", obx.get(6, 1) or obx.get(6, 2))
        _put(result, "reference_range", obx.get(7, None))
        flags = [obx.get(8, 1, index).upper() for index in range(1, len(obx.repetitions(8)) + 1)]
        _put(result, "flag", next((flag for flag in flags if flag), ""))
        results.append(result)
    data["results"] = results
    return data


def _map_imaging_report(message, modality, control_id) -> dict:
    data, obr = _report_header(message, control_id)
    data["modality"] = modality
    _put(data, "exam_name", obr.text_or_code(4))
    _put(data, "body_part", obr.get(15, 4, 1, 2) or obr.get(15, 4, 1, 1))
    findings, impression, critical_finding = [], [], []
    for obx in _segments(message, "OBX"):
        identifier = obx.get(3, 1).upper()
        if obx.get(2).upper() == "RP" or identifier in VIEWER_IDS:
            _put(data, "viewer_url", obx.get(5, 1, 1, None))
        elif identifier in FINDINGS_IDS:
            findings.append(_obx_value(obx))
        elif identifier in IMPRESSION_IDS:
            impression.append(_obx_value(obx))
        elif identifier in BODY_PART_IDS:
            _put(data, "body_part", _obx_value(obx))
        elif identifier in CRITICAL_IDS:
            critical_finding.append(_obx_value(obx))
        if "AA" in _obx_flags(obx):
            data["critical"] = True
    _put(data, "findings", "\n".join(findings).strip())
    _put(data, "impression", "\n".join(impression).strip())
    _put(data, "critical_finding", "\n".join(critical_finding).strip())
    if data.get("critical_finding"):
        data["critical"] = True
    return data


def _obx_flags(obx: _Reader) -> list[str]:
    """The OBX-8 abnormal flags (upper case), every repetition."""
    return [obx.get(8, 1, index).upper() for index in range(1, len(obx.repetitions(8)) + 1)]


def _location(data: dict, pv1: _Reader, field: int, prefix: str = "") -> None:
    """A PV1 patient location (PV1-3 assigned, PV1-6 prior): PL-1 the department code (as in every
    message of this protocol), PL-2 the ward (病区, in the "room" component), PL-3 the bed."""
    _put(data, prefix + "department_code", pv1.get(field, 1))
    _put(data, prefix + "ward", pv1.get(field, 2))
    _put(data, prefix + "bed", pv1.get(field, 3))


def _map_admission(message, type_name, control_id) -> dict:
    data = _patient_data(message, control_id)
    pv1 = _first(message, "PV1")
    evn = _first(message, "EVN")
    _put(data, "admission_no", pv1.get(19) or pv1.get(50))
    event_time = (evn.get(6) or evn.get(2)) if evn else ""
    if type_name == "admission.cancel":
        _put_converted(data, "cancelled_at", event_time, from_hl7_datetime, "EVN-6 (event occurred)", control_id)
        _put(data, "reason", evn.get(4, None) if evn else "")
        return data
    _location(data, pv1, 3)
    _put(data, "attending_doctor_code", pv1.get(7, 1))
    _put(data, "bed_doctor_code", pv1.get(17, 1))
    _put_converted(data, "admitted_at", pv1.get(44), from_hl7_datetime, "PV1-44 (admit date/time)", control_id)
    dg1s = _segments(message, "DG1")
    dg1 = next((dg1 for dg1 in dg1s if dg1.get(6).upper() == "A"), dg1s[0] if dg1s else None)
    if dg1:
        _put(data, "diagnosis_code", dg1.get(3, 1))
        _put(data, "diagnosis", dg1.get(3, 2) or dg1.get(4))
    if type_name in ("admission.admit", "admission.discharge"):
        procedures = _procedures(message, control_id)
        if procedures:
            data["procedures"] = procedures
    if type_name == "admission.transfer":
        _location(data, pv1, 6, "from_")
        _put_converted(data, "transferred_at", event_time, from_hl7_datetime, "EVN-6 (event occurred)", control_id)
    elif type_name == "admission.discharge":
        discharged = pv1.get(45) or event_time
        _put_converted(data, "discharged_at", discharged, from_hl7_datetime, "PV1-45 (discharge date/time)", control_id)
    else:
        allergies = []
        for index, al1 in enumerate(_segments(message, "AL1"), start=1):
            allergy = {}
            _put(allergy, "allergen", al1.get(3, 2) or al1.get(3, 1))
            _put(allergy, "code", al1.get(3, 1) if al1.get(3, 2) else "")
            type_code = al1.get(2, 1).upper()
            # an allergy is never refused for a code we do not know: its type is "other", its severity not sent
            _put(allergy, "type", ALLERGY_TYPE_CODES.get(type_code, "other" if type_code else ""))
            _put(allergy, "severity", SEVERITY_CODES.get(al1.get(4, 1).upper(), ""))
            reactions = [al1.get(5, None, rep) for rep in range(1, len(al1.repetitions(5)) + 1)]
            _put(allergy, "reaction", "、".join(reaction for reaction in reactions if reaction))
            _put_converted(
                allergy, "identified_at", al1.get(6), from_hl7_date, "AL1 #%d AL1-6 (identified)" % index, control_id
            )
            allergies.append(allergy)
        if allergies:
            data["allergies"] = allergies
    return data


def _procedures(message, control_id) -> list[dict]:
    """The operations of a stay: PR1-3 the procedure (code ^ name), PR1-5 when it was done."""
    procedures = []
    for index, pr1 in enumerate(_segments(message, "PR1"), start=1):
        procedure = {}
        _put(procedure, "code", pr1.get(3, 1))
        _put(procedure, "name", pr1.get(3, 2) or pr1.get(4))
        _put_converted(
            procedure, "at", pr1.get(5), from_hl7_datetime, "PR1 #%d PR1-5 (procedure date/time)" % index, control_id
        )
        procedures.append(procedure)
    return procedures


def _main_diagnosis(message) -> _Reader | None:
    """The visit's main diagnosis: the DG1 of priority 1 (DG1-15), else the first one."""
    dg1s = _segments(message, "DG1")
    return next((dg1 for dg1 in dg1s if dg1.get(15) == "1"), dg1s[0] if dg1s else None)


def _map_vital_signs(message, msh: _Reader, control_id) -> dict:
    data = _patient_data(message, control_id)
    obr = _first(message, "OBR")
    _put(data, "ref", obr.get(3) or obr.get(2))
    _put(data, "source_system", msh.get(3))
    pv1 = _first(message, "PV1")
    if pv1:
        _put(data, "admission_no", pv1.get(19))
        _put(data, "department_code", pv1.get(3, 1))
    _put_converted(data, "observed_at", obr.get(7), from_hl7_datetime, "OBR-7 (observed at)", control_id)
    observations = []
    for index, obx in enumerate(_segments(message, "OBX"), start=1):
        observation = {}
        _put(observation, "code", obx.get(3, 1))
        _put(observation, "name", obx.get(3, 2) or obx.get(3, 1))
        if obx.get(3, 3).upper() == "LN":
            _put(observation, "loinc", obx.get(3, 1))
        elif obx.get(3, 6).upper() == "LN":
            _put(observation, "loinc", obx.get(3, 4))
        _put(observation, "value", _obx_value(obx))
        _put(observation, "unit", obx.get(6, 1) or obx.get(6, 2))
        _put(observation, "reference_range", obx.get(7, None))
        _put(observation, "flag", next((flag for flag in _obx_flags(obx) if flag), ""))
        _put_converted(
            observation, "observed_at", obx.get(14), from_hl7_datetime, "OBX #%d OBX-14 (observed at)" % index,
            control_id,
        )  # fmt: skip
        _put(observation, "ref", obx.get(21, 1))
        observations.append(observation)
    data["observations"] = observations
    return data


def _order_visit(data: dict, message) -> None:
    """The stay or visit of an order (PV1-19: an admission number when PV1-2 is I, else a visit) and the
    department (PV1-3 PL-1)."""
    pv1 = _first(message, "PV1")
    if not pv1:
        return
    key = "admission_no" if pv1.get(2).upper() == "I" else "visit_ref"
    _put(data, key, pv1.get(19) or pv1.get(50))
    _put(data, "department_code", pv1.get(3, 1))


def _map_order(message, type_name, control_id) -> dict:
    data = _patient_data(message, control_id)
    orc = _first(message, "ORC")
    _put(data, "order_no", orc.get(2) or orc.get(3))
    _order_visit(data, message)
    _put(data, "doctor_code", orc.get(12, 1))
    term = orc.get(29, 1).upper()
    _put(data, "term", TERM_CODES.get(term, ""))
    rxo, obr, tq1 = _first(message, "RXO"), _first(message, "OBR"), _first(message, "TQ1")
    if rxo:
        data["kind"] = "drug"
        _put(data, "item_code", rxo.get(1, 1))
        _put(data, "item_name", rxo.get(1, 2) or rxo.get(1, 1))
        _put(data, "dose", rxo.get(2))
        _put(data, "dose_unit", rxo.get(4, 1) or rxo.get(4, 2))
    elif obr:
        section = obr.get(24).upper()
        if section:
            # an examination may name its imaging section; a code we do not know is "other"
            data["kind"] = "exam" if section in IMAGING_SECTIONS else ORDER_SECTIONS.get(section, "other")
        _put(data, "item_code", obr.get(4, 1))
        _put(data, "item_name", obr.get(4, 2) or obr.get(4, 1))
    if tq1:
        if "dose" not in data:
            _put(data, "dose", tq1.get(2, 1))
            _put(data, "dose_unit", tq1.get(2, 2, 1, 1))
        _put(data, "frequency", tq1.get(3, 1))
        _put_converted(data, "start_at", tq1.get(7), from_hl7_datetime, "TQ1-7 (start date/time)", control_id)
        _put_converted(data, "stop_at", tq1.get(8), from_hl7_datetime, "TQ1-8 (end date/time)", control_id)
    rxr = _first(message, "RXR")
    if rxr:
        _put(data, "route", rxr.text_or_code(1))
    notes = [nte.get(3, None) for nte in _segments(message, "NTE")]
    _put(data, "note", "\n".join(note for note in notes if note))
    event_time = orc.get(9)
    if type_name == "order.stop" and "stop_at" not in data:
        _put_converted(data, "stop_at", event_time, from_hl7_datetime, "ORC-9 (transaction date/time)", control_id)
    elif type_name in ORDER_EVENT_TIMES:
        key = ORDER_EVENT_TIMES[type_name]
        _put_converted(data, key, event_time, from_hl7_datetime, "ORC-9 (transaction date/time)", control_id)
    if type_name != "order.new":
        _put(data, "reason", orc.text_or_code(16))
    return data


def _map_execution(message, control_id) -> dict:
    data = _patient_data(message, control_id)
    orc, rxa = _first(message, "ORC"), _first(message, "RXA")
    _put(data, "execution_no", orc.get(3))
    _put(data, "order_no", orc.get(2))
    completion = rxa.get(20).upper()
    if completion:
        if completion not in COMPLETION_STATUSES:
            raise CodecError(
                "AE", "RXA-20 (completion status) must be CP, PA, RE or NA, got %r." % completion, control_id, "103"
            )
        data["status"] = COMPLETION_STATUSES[completion]
    else:
        data["status"] = "given"  # an administration record without a status says it was given
    _put_converted(data, "executed_at", rxa.get(3), from_hl7_datetime, "RXA-3 (administered at)", control_id)
    _put(data, "executor_code", rxa.get(10, 1))
    _put(data, "executor_name", _person_name(rxa.get(10, 2), rxa.get(10, 3)))
    _put(data, "item_code", rxa.get(5, 1))
    _put(data, "item_name", rxa.get(5, 2))
    _put(data, "dose", rxa.get(6))
    _put(data, "dose_unit", rxa.get(7, 1) or rxa.get(7, 2))
    _put(data, "reason", rxa.text_or_code(18))
    _put(data, "note", rxa.text_or_code(9))
    return data


def _is_exam(obr: _Reader | None) -> bool:
    """Whether an ORU^R01's OBR is a physical-exam report's: the package's coding system or the section."""
    if obr is None:
        return False
    return EXAM_CODING_SYSTEM in (obr.get(4, 3).upper(), obr.get(4, 6).upper()) or obr.get(24).upper() == EXAM_SECTION


def _map_exam_report(message, control_id) -> dict:
    data, obr = _report_header(message, control_id)
    data.pop("doctor_code", None)  # OBR-16, the ordering provider: the report's doctor is its chief examiner
    _put(data, "package_code", obr.get(4, 1))
    _put(data, "package_name", obr.get(4, 2) or obr.get(4, 1))
    _put_converted(data, "exam_date", obr.get(7), from_hl7_date, "OBR-7 (exam date)", control_id)
    _put(data, "chief_examiner_code", obr.get(32, 1, 1, 1))
    _put(data, "chief_examiner", _person_name(obr.get(32, 1, 1, 2), obr.get(32, 1, 1, 3)))
    items, conclusion, advice = [], [], []
    item = None  # the item a following NTE comments on (its conclusion)
    for segment in message:
        reader = _Reader(segment)
        if reader.name == "NTE" and item is not None:
            lines = [reader.get(3, None, rep) for rep in range(1, len(reader.repetitions(3)) + 1)]
            text = "\n".join(line for line in lines if line)
            if text:
                item["conclusion"] = "\n".join(filter(None, (item.get("conclusion"), text)))
            continue
        if reader.name != "OBX":
            item = None  # a note (NTE) belongs to the OBX right before it
            continue
        identifier = reader.get(3, 1).upper()
        if identifier in EXAM_CONCLUSION_IDS:
            conclusion.append(_obx_value(reader))
            item = None
        elif identifier in EXAM_ADVICE_IDS:
            advice.append(_obx_value(reader))
            item = None
        else:
            item = {}
            _put(item, "section", reader.get(4, None))
            _put(item, "code", reader.get(3, 1))
            _put(item, "name", reader.get(3, 2) or reader.get(3, 1))
            _put(item, "value", _obx_value(reader))
            _put(item, "unit", reader.get(6, 1) or reader.get(6, 2))
            _put(item, "reference_range", reader.get(7, None))
            _put(item, "flag", next((flag for flag in _obx_flags(reader) if flag), ""))
            items.append(item)
    data["items"] = items
    _put(data, "conclusion", "\n".join(conclusion).strip())
    _put(data, "advice", "\n".join(advice).strip())
    return data


def _map_allergy_changes(message, control_id) -> dict:
    data = _patient_data(message, control_id)
    evn = _first(message, "EVN")
    recorded = (evn.get(6) or evn.get(2)) if evn else ""
    _put_converted(data, "recorded_at", recorded, from_hl7_datetime, "EVN-6 (event occurred)", control_id)
    allergies = []
    for index, iam in enumerate(_segments(message, "IAM"), start=1):
        entry = {}
        action = iam.get(6, 1).upper()
        _put(entry, "action", ALLERGY_ACTION_CODES.get(action, action.lower()))
        _put(entry, "ref", iam.get(7, 1))
        type_code = iam.get(2, 1).upper()
        if type_code == ALERT_TYPE_CODE:
            entry["kind"] = "alert"
        else:
            # an allergy is never refused for a code we do not know: its type is "other"
            _put(entry, "type", ALLERGY_TYPE_CODES.get(type_code, "other" if type_code else ""))
        _put(entry, "allergen", iam.get(3, 2) or iam.get(3, 1))
        _put(entry, "code", iam.get(3, 1) if iam.get(3, 2) else "")
        _put(entry, "severity", SEVERITY_CODES.get(iam.get(4, 1).upper(), ""))
        reactions = [iam.get(5, None, rep) for rep in range(1, len(iam.repetitions(5)) + 1)]
        _put(entry, "reaction", "、".join(reaction for reaction in reactions if reaction))
        _put_converted(
            entry, "identified_at", iam.get(11), from_hl7_date, "IAM #%d IAM-11 (onset date)" % index, control_id
        )
        allergies.append(entry)
    data["allergies"] = allergies
    return data


def _lch_values(lch_segments: list[_Reader]) -> dict:
    return {lch.get(4, 1).upper(): lch.get(5, 1) or lch.get(5, 2) for lch in lch_segments}


def _master_records(message, record_segment: str) -> list[dict]:
    """MFN records in order: each MFE with the segments that follow it until the next MFE."""
    records = []
    for segment in message:
        name = str(segment[0])
        if name == "MFE":
            records.append({"MFE": _Reader(segment), "segments": {}})
        elif records and name not in ("MSH", "MFI"):
            records[-1]["segments"].setdefault(name, []).append(_Reader(segment))
    return [record for record in records if record_segment in record["segments"]]


def _map_locations(message, control_id) -> tuple[str, dict]:
    records = _master_records(message, "LOC")
    if not records:
        raise CodecError("AE", "The MFN^M05 message has no MFE record with a LOC segment.", control_id, "100")
    hospital = [record for record in records if record["segments"]["LOC"][0].get(3).upper() == "H"]
    if hospital:
        if len(records) > 1:
            raise CodecError(
                "AE",
                "An MFN^M05 with a hospital location (LOC-3 = H) must contain only that record; send the "
                "departments in another message.",
                control_id,
                "100",
            )
        loc = records[0]["segments"]["LOC"][0]
        extra = _lch_values(records[0]["segments"].get("LCH", []))
        data = {}
        _put(data, "code", loc.get(1, 1))
        _put(data, "name", loc.get(2))
        grade = extra.get(LCH_GRADE, "")
        _put(data, "grade", GRADE_NAMES.get(grade, grade.lower()))
        _put(data, "address", "".join(loc.get(5, c) for c in (4, 3, 1, 2)))
        _put(data, "phone", loc.get(6, 1) or loc.get(6, 12))
        _put(data, "website", extra.get(LCH_WEBSITE))
        _put(data, "introduction", extra.get(LCH_INTRO))
        return "master.hospital", data
    items = []
    for record in records:
        loc = record["segments"]["LOC"][0]
        extra = _lch_values(record["segments"].get("LCH", []))
        item = {}
        _put(item, "code", loc.get(1, 1))
        _put(item, "name", loc.get(2))
        _put(item, "category", extra.get(LCH_CATEGORY))
        _put(item, "building", loc.get(1, 7))
        _put(item, "floor", loc.get(1, 8))
        _put(item, "room", loc.get(1, 2))
        _put(item, "phone", loc.get(6, 1) or loc.get(6, 12))
        _put(item, "description", extra.get(LCH_INTRO))
        _put_converted(
            item, "bed_count", extra.get(LCH_BEDS, ""), _number, "LCH BEDS (staffed beds)", control_id, integer=True
        )
        ldp_inactive = any(ldp.get(6).upper() == "I" for ldp in record["segments"].get("LDP", []))
        item["active"] = not (record["MFE"].get(1).upper() in INACTIVE_EVENTS or ldp_inactive)
        items.append(item)
    return "master.departments", {"items": items}


def _map_doctors(message, control_id) -> dict:
    items = []
    for record in _master_records(message, "STF"):
        stf = record["segments"]["STF"][0]
        pra = record["segments"].get("PRA", [None])[0]
        item = {}
        _put(item, "code", stf.get(1, 1) or stf.get(2, 1) or record["MFE"].get(4, 1))
        _put(item, "name", _person_name(stf.get(3, 1), stf.get(3, 2)))
        _put(item, "department_code", stf.get(8, 1))
        _put(item, "title", stf.get(18))
        if pra:
            _put(item, "specialty", pra.get(5, 1))
        notes = [nte.get(3, None) for nte in record["segments"].get("NTE", [])]
        _put(item, "introduction", "\n".join(note for note in notes if note))
        _put(item, "gender", SEX_CODES.get(stf.get(5).upper()))
        _put(item, "phone", stf.get(10, 1) or stf.get(10, 12))
        item["active"] = not (record["MFE"].get(1).upper() in INACTIVE_EVENTS or stf.get(7).upper() == "I")
        items.append(item)
    return {"items": items}


def _map_visit(message, control_id) -> dict:
    data = _patient_data(message, control_id)
    pv1 = _first(message, "PV1")
    _put(data, "visit_ref", pv1.get(19) or pv1.get(50))
    patient_class = pv1.get(2).upper()
    if patient_class:
        if patient_class not in VISIT_CLASSES:
            raise CodecError(
                "AE", "PV1-2 (patient class) must be O, I or E, got %r." % patient_class, control_id, "103"
            )
        data["visit_type"] = VISIT_CLASSES[patient_class]
    _put(data, "appointment_ref", pv1.get(5, 1))
    kind = pv1.get(13)
    if kind:
        data["visit_kind"] = _code_or_word(VISIT_KIND_CODES, kind)
    _put(data, "department_code", pv1.get(3, 1))
    _put(data, "doctor_code", pv1.get(7, 1))
    _put_converted(data, "start", pv1.get(44), from_hl7_datetime, "PV1-44 (admit date/time)", control_id)
    _put_converted(data, "end", pv1.get(45), from_hl7_datetime, "PV1-45 (discharge date/time)", control_id)
    diagnoses = [dg1.text_or_code(3) or dg1.get(4) for dg1 in _segments(message, "DG1")]
    _put(data, "diagnosis", "；".join(d for d in diagnoses if d))
    main = _main_diagnosis(message)
    code = main.get(3, 1) if main else ""
    # DG1-3 is code ^ text; a lone component is a code unless it is words (a HIS that sends the text only)
    if code and (main.get(3, 2) or not _is_cjk(code)):
        data["diagnosis_code"] = code
    charges = []
    for index, ft1 in enumerate(_segments(message, "FT1"), start=1):
        label = "FT1 #%d" % index
        charge = {}
        _put(charge, "code", ft1.get(7, 1))
        _put(charge, "name", ft1.get(7, 2) or ft1.get(8))
        _put(charge, "category", ft1.get(9))
        _put_converted(charge, "quantity", ft1.get(10), _number, label + " FT1-10 (quantity)", control_id)
        _put_converted(charge, "amount", ft1.get(11), _number, label + " FT1-11 (amount)", control_id)
        _put_converted(charge, "unit_price", ft1.get(12), _number, label + " FT1-12 (unit price)", control_id)
        _put_converted(
            charge, "insurance_amount", ft1.get(15), _number, label + " FT1-15 (insurance amount)", control_id
        )
        charges.append(charge)
    if charges:
        data["charges"] = charges
    if pv1.get(47):
        data["total_charges"] = _number(pv1.get(47), "PV1-47 (total charges)", control_id)
    elif charges and all("amount" in charge for charge in charges):
        data["total_charges"] = round(sum(charge["amount"] for charge in charges), 2)
    if pv1.get(48):
        data["insurance_amount"] = _number(pv1.get(48), "PV1-48 (insurance amount)", control_id)
    elif any("insurance_amount" in charge for charge in charges):
        data["insurance_amount"] = round(sum(charge.get("insurance_amount", 0) for charge in charges), 2)
    return data


def _map_daily_summary(message, control_id) -> dict:
    zds = _first(message, "ZDS")
    data = {}
    _put_converted(data, "date", zds.get(1), from_hl7_date, "ZDS-1 (date)", control_id)
    _put(data, "department_code", zds.get(2, 1))
    for index, (name, whole) in enumerate(DAILY_FIGURES, start=3):
        value = zds.get(index)
        if value and value != '""':  # empty, or HL7's explicit null: not reported
            data[name] = _number(value, "ZDS-%d (%s)" % (index, name), control_id, integer=whole)
    return data


def _map_schedule(message, trigger, control_id) -> dict:
    zsc = _first(message, "ZSC")
    data = {}
    _put(data, "ref", zsc.get(1))
    if trigger == "Z02":
        _put(data, "reason", zsc.get(11, None))
        return data
    _put(data, "department_code", zsc.get(2, 1))
    _put(data, "doctor_code", zsc.get(3, 1))
    _put_converted(data, "date", zsc.get(4), from_hl7_date, "ZSC-4 (date)", control_id)
    _put(data, "session", _code_or_word(SESSION_CODES, zsc.get(5)))
    _put(data, "clinic_type", _code_or_word(CLINIC_TYPE_CODES, zsc.get(6)))
    _put_converted(data, "capacity", zsc.get(7), _number, "ZSC-7 (capacity)", control_id, integer=True)
    _put_converted(data, "fee", zsc.get(8), _number, "ZSC-8 (fee)", control_id)
    _put(data, "room", zsc.get(9))
    _put_converted(data, "slot_minutes", zsc.get(10), _number, "ZSC-10 (slot minutes)", control_id, integer=True)
    return data


def _map_queue_call(message, control_id) -> dict:
    zqc = _first(message, "ZQC")
    data = {}
    _put(data, "department_code", zqc.get(1, 1))
    _put(data, "room", zqc.get(2))
    _put(data, "number", zqc.get(3))
    _put(data, "schedule_ref", zqc.get(4))
    _put_converted(data, "called_at", zqc.get(5), from_hl7_datetime, "ZQC-5 (called at)", control_id)
    _put(data, "patient_name", zqc.get(6))
    return data


def _map_complaint(message, control_id) -> dict:
    zcp = _first(message, "ZCP")
    data = {}
    _put(data, "ref", zcp.get(1))
    _put_optional_patient(data, message, control_id)
    _put(data, "department_code", zcp.get(2, 1))
    _put(data, "staff_code", zcp.get(3, 1))
    _put(data, "category", zcp.get(4))
    _put(data, "content", zcp.get(5, None))
    _put(data, "contact_phone", zcp.get(6))
    _put_converted(data, "received_at", zcp.get(7), from_hl7_datetime, "ZCP-7 (received at)", control_id)
    return data


def _map_critical_receipt(message, control_id) -> dict:
    zcr = _first(message, "ZCR")
    data = {}
    _put(data, "alert_ref", zcr.get(1))
    _put(data, "report_no", zcr.get(2))
    _put(data, "source", zcr.get(3).lower())
    _put(data, "item_code", zcr.get(4, 1))
    _put(data, "item", zcr.get(4, 2))
    _put(data, "value", zcr.get(5))
    _put(data, "unit", zcr.get(6))
    _put(data, "flag", zcr.get(7).upper())
    _put_optional_patient(data, message, control_id)
    _put(data, "acknowledged_by_code", zcr.get(8, 1))
    _put(data, "acknowledged_by", zcr.get(8, 2))
    _put(data, "acknowledged_role", zcr.get(9).lower())
    _put_converted(data, "acknowledged_at", zcr.get(10), from_hl7_datetime, "ZCR-10 (acknowledged at)", control_id)
    _put(data, "read_back", zcr.get(11))
    _put(data, "department_code", zcr.get(12, 1))
    _put_converted(data, "detected_at", zcr.get(13), from_hl7_datetime, "ZCR-13 (detected at)", control_id)
    return data


def _map_booking(message, trigger, control_id) -> dict:
    arq = _first(message, "ARQ")
    data = {}
    _put(data, "appointment_ref", arq.get(1))
    if trigger == "S04":
        _put(data, "his_ref", arq.get(2))
        _put(data, "reason", arq.get(6, 2))
        _put(data, "cancelled_by", _code_or_word(CANCELLED_BY_CODES, arq.get(6, 1)))
        return data
    data.update(_patient_data(message, control_id))
    _put(data, "schedule_ref", arq.get(5, 1))
    ail, aig, zbk = _first(message, "AIL"), _first(message, "AIG"), _first(message, "ZBK")
    _put(data, "department_code", ail.get(3, 1) if ail else "")
    _put(data, "doctor_code", aig.get(3, 1) if aig else "")
    _put_converted(data, "start", arq.get(11), from_hl7_datetime, "ARQ-11 (start)", control_id)
    if zbk:
        _put_converted(data, "number", zbk.get(1), _number, "ZBK-1 (number)", control_id, integer=True)
        _put_converted(data, "date", zbk.get(2), from_hl7_date, "ZBK-2 (date)", control_id)
        _put(data, "session", _code_or_word(SESSION_CODES, zbk.get(3)))
        _put_converted(data, "fee", zbk.get(4), _number, "ZBK-4 (fee)", control_id)
        if zbk.get(5):
            data["paid"] = zbk.get(5).upper() == "Y"
    return data


def _annotate(error: CodecError, type_name: str) -> CodecError:
    """Append the HL7 location to each ``data.<path>`` named in a validation error."""
    locations = HL7_LOCATIONS.get(type_name, {})

    def locate(match):
        path = re.sub(r"\[\d+\]", "", match.group(1))
        location = locations.get(path)
        return "%s (%s)" % (match.group(0), location) if location else match.group(0)

    text = re.sub(r"data\.((?:[a-z_]+)(?:\[\d+\])?(?:\.[a-z_]+(?:\[\d+\])?)*)", locate, str(error))
    return CodecError(error.status, text, error.control_id, error.hl7_code)


def _parse_message(text: str):
    normalized = _normalize(text or "")
    if not normalized.startswith("MSH") or len(normalized) < 8:
        raise CodecError("AR", "The message is not HL7 v2: it must start with an MSH segment.", None, "100")
    try:
        return normalized, hl7.parse(normalized)
    except Exception as exc:  # python-hl7 raises assorted errors on malformed input
        raise CodecError(
            "AR", "The message could not be parsed as HL7 v2: %s." % exc, sniff_control_id(normalized), "100"
        ) from None


def parse(text: str, outbound: bool = False) -> Canonical:
    """Map an HL7 message to its canonical form and validate it.

    ``outbound=True`` reads platform -> hospital messages (SRM^S01/S04, ADT^A31 as ``patient.sync``,
    ZCR^Z01),
    as the HIS simulator and tests do; the gateway itself parses hospital -> platform messages.
    """
    normalized, message = _parse_message(text)
    msh = _Reader(message.segment("MSH"))
    control_id = msh.get(10) or None
    code, trigger = msh.get(9, 1).upper(), msh.get(9, 2).upper()
    routes = OUTBOUND_ROUTES if outbound else INBOUND_ROUTES
    type_name = routes.get((code, trigger))
    if type_name is None:
        raise CodecError(
            "AR",
            "Unsupported HL7 message type %s^%s in MSH-9." % (code or "?", trigger or "?"),
            control_id,
            "201" if code in {known_code for known_code, _trigger in routes} else "200",
        )
    check_control_id(control_id)
    obr = _first(message, "OBR")
    if type_name == "lab.result" and obr and obr.get(24).upper() in IMAGING_SECTIONS:
        type_name = "imaging.report"
    elif type_name == "lab.result" and _is_exam(obr):
        type_name = "exam.report"
    elif type_name == "lab.result" and obr and obr.get(4, 1).upper() in VITAL_SIGNS_PANELS:
        type_name = "vital.signs"
    if type_name == "order.new":
        orc = _first(message, "ORC")
        control = orc.get(1).upper() if orc else ""
        if orc and control not in ORDER_CONTROLS:
            raise CodecError(
                "AE",
                "ORC-1 (order control) must be NW, XO, DC or CA (or XX, RP, OD, OC), got %r." % control,
                control_id,
                "103",
            )
        type_name = ORDER_CONTROLS.get(control, type_name)
    if type_name == "master.departments":
        loc = _first(message, "LOC")
        if loc and loc.get(3).upper() == "H":
            type_name = "master.hospital"
    for segment_name in REQUIRED_SEGMENTS.get(type_name, ()):
        if _first(message, segment_name) is None:
            raise CodecError(
                "AE", "The %s^%s message has no %s segment." % (code, trigger, segment_name), control_id, "100"
            )
    if type_name in ("patient.register", "patient.update", "patient.sync"):
        data = _patient_data(message, control_id)
    elif type_name == "appointment.status":
        data = _map_appointment_status(message, trigger, control_id)
    elif type_name == "lab.result":
        data = _map_lab_result(message, control_id)
    elif type_name == "imaging.report":
        data = _map_imaging_report(message, IMAGING_SECTIONS[obr.get(24).upper()], control_id)
    elif type_name == "vital.signs":
        data = _map_vital_signs(message, msh, control_id)
    elif type_name == "exam.report":
        data = _map_exam_report(message, control_id)
    elif type_name == "patient.allergy":
        data = _map_allergy_changes(message, control_id)
    elif type_name.startswith("admission."):
        data = _map_admission(message, type_name, control_id)
    elif type_name in ("master.hospital", "master.departments"):
        type_name, data = _map_locations(message, control_id)
    elif type_name == "master.doctors":
        data = _map_doctors(message, control_id)
    elif type_name == "visit.record":
        data = _map_visit(message, control_id)
    elif type_name in ("schedule.upsert", "schedule.stop"):
        data = _map_schedule(message, trigger, control_id)
    elif type_name == "queue.call":
        data = _map_queue_call(message, control_id)
    elif type_name == "stats.daily":
        data = _map_daily_summary(message, control_id)
    elif type_name == "complaint":
        data = _map_complaint(message, control_id)
    elif type_name == "critical.receipt":
        data = _map_critical_receipt(message, control_id)
    elif type_name == "order.execution":
        data = _map_execution(message, control_id)
    elif type_name.startswith("order."):
        data = _map_order(message, type_name, control_id)
    else:  # booking.create / booking.cancel
        data = _map_booking(message, trigger, control_id)
    try:
        data = validate_data(type_name, data, control_id)
    except CodecError as exc:
        raise _annotate(exc, type_name) from None
    sent_at = None
    if msh.get(7):
        try:
            sent_at = from_hl7_datetime(msh.get(7), "MSH-7 (message date/time)", control_id)
        except CodecError:
            sent_at = None  # a malformed send time is not worth refusing a clinical message for
    return Canonical(
        protocol="hl7",
        type=type_name,
        control_id=control_id,
        sent_at=sent_at,
        data=data,
        raw=normalized,
        patient_key=patient_key(data),
    )


# --- canonical -> HL7 ---------------------------------------------------------------------------------


def _local_now() -> str:
    """The current local time as ISO 8601 with its offset, to the second."""
    return datetime.datetime.now().astimezone().replace(microsecond=0).isoformat()


def _entity(value, namespace: str) -> str:
    """An EI field: the escaped id and the namespace that assigned it (``""`` without an id)."""
    return "%s^%s" % (escape(value), namespace) if value else ""


def _segment(name: str, *fields) -> str:
    """A segment from already-escaped fields (trailing empty fields dropped)."""
    values = ["" if value is None else str(value) for value in fields]
    while values and values[-1] == "":
        values.pop()
    return "|".join([name, *values])


def _msh(
    code: str,
    trigger: str,
    structure: str,
    control_id: str,
    sent_at: str | None,
    charset: str | None,
    sending: tuple[str, str],
    receiving: tuple[str, str],
) -> str:
    moment = sent_at or _local_now()
    message_type = "%s^%s^%s" % (code, trigger, structure) if structure else "%s^%s" % (code, trigger)
    return _segment(
        "MSH",
        "^~\\&",
        escape(sending[0]),
        escape(sending[1]),
        escape(receiving[0]),
        escape(receiving[1]),
        to_hl7_datetime(moment),
        "",
        message_type,
        escape(control_id),
        "P",
        HL7_VERSION,
        "",
        "",
        "",
        "",
        "CHN",
        escape(charset or ""),
    )


def _pid(patient: dict) -> str:
    identifiers = []
    if patient.get("his_patient_id"):
        identifiers.append("%s^^^%s^PI" % (escape(patient["his_patient_id"]), FILLER_NAMESPACE))
    if patient.get("medical_card_number"):
        identifiers.append("%s^^^%s^MC" % (escape(patient["medical_card_number"]), FILLER_NAMESPACE))
    if patient.get("id_number"):
        code = ID_TYPE_TO_CODE.get(patient.get("id_type") or "resident_id", "NNCHN")
        identifiers.append("%s^^^%s^%s" % (escape(patient["id_number"]), "CHN" if code == "NNCHN" else "", code))
    return _segment(
        "PID",
        "1",
        "",
        "~".join(identifiers),
        "",
        escape(patient.get("name")),
        "",
        to_hl7_datetime(patient.get("birth_date")),
        GENDER_TO_SEX.get(patient.get("gender") or "", "U" if patient.get("name") else ""),
        "",
        "",
        escape(patient.get("address")),
        "",
        escape(patient.get("phone")),
        *[""] * 15,  # PID-14 .. PID-28
        to_hl7_datetime(patient.get("deceased_at")),
        {True: "Y", False: "N"}.get(patient.get("deceased"), ""),
    )


def _obx(index: int, value_type: str, code: str, name: str, value: str, unit="", reference="", flag="") -> str:
    lines = str(value).split("\n") if value_type in ("TX", "FT") else [str(value)]
    return _segment(
        "OBX",
        str(index),
        value_type,
        "%s^%s" % (escape(code), escape(name)),
        "",
        "~".join(escape(line) for line in lines),
        escape(unit),
        escape(reference),
        escape(flag),
        "",
        "",
        "F",
    )


def _lch(code: str, record: dict, characteristics) -> list[str]:
    """LCH segments (LCH-4 = id^text) of the characteristics that ``record`` has a value for."""
    return [
        _segment("LCH", code, "", "", "%s^%s" % (characteristic, name), escape(record[key]))
        for characteristic, name, key in characteristics
        if record.get(key) not in (None, "")
    ]


def _encode_body(type_name: str, data: dict) -> tuple[str, str, str, list[str]]:
    """(message code, trigger, structure, segments after MSH) of a canonical message."""
    now = to_hl7_datetime(_local_now())
    if type_name in ("patient.register", "patient.update", "patient.sync"):
        trigger = "A28" if type_name == "patient.register" else "A31"
        return "ADT", trigger, "ADT_A05", [_segment("EVN", trigger, now), _pid(data["patient"]), "PV1|1|N"]
    if type_name == "appointment.status":
        trigger = STATUS_TO_SIU[data["status"]]
        segments = [
            _segment(
                "SCH",
                _entity(data["appointment_ref"], PLACER_NAMESPACE),
                _entity(data.get("his_ref"), FILLER_NAMESPACE),
                "",
                "",
                "",
                "^%s" % escape(data["reason"]) if data.get("reason") else "",
            )
        ]
        if data.get("patient"):
            segments.append(_pid(data["patient"]))
        return "SIU", trigger, "SIU_S12", segments
    if type_name in ("lab.result", "imaging.report"):
        imaging = type_name == "imaging.report"
        status = REPORT_STATUS_TO_CODE[data.get("status") or "final"]
        segments = [
            _pid(data["patient"]),
            _segment("PV1", "1", "O", escape(data.get("department_code"))),
            _segment("ORC", "RE", "", escape(data["report_no"])),
            _segment(
                "OBR",
                "1",
                "",
                escape(data["report_no"]),
                "^%s" % escape(data["exam_name"] if imaging else data["title"]),
                "",
                "",
                to_hl7_datetime(data.get("collected_at")),
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                escape(data.get("specimen")),
                escape(data.get("doctor_code")),
                "",
                "",
                "",
                "",
                "",
                to_hl7_datetime(data.get("reported_at")),
                "",
                MODALITY_TO_SECTION[data["modality"]] if imaging else LAB_SECTION,
                status,
            ),
        ]
        if imaging:
            index = 0
            critical = "AA" if data.get("critical") or data.get("critical_finding") else ""
            rows = [
                ("ST", "BODYPART", "检查部位", data.get("body_part"), ""),
                ("TX", "FINDINGS", "检查所见", data["findings"], ""),
                ("TX", "IMPRESSION", "诊断意见", data["impression"], critical),
                ("TX", "CRITICAL", "危急值", data.get("critical_finding"), critical),
            ]
            for value_type, code, name, value, flag in rows:
                if value:
                    index += 1
                    segments.append(_obx(index, value_type, code, name, value, flag=flag))
            if data.get("viewer_url"):
                index += 1
                segments.append(
                    _segment(
                        "OBX",
                        str(index),
                        "RP",
                        "VIEWER^影像浏览",
                        "",
                        "%s^PACS^IMAGE^HTML" % escape(data["viewer_url"]),
                        "",
                        "",
                        "",
                        "",
                        "",
                        "F",
                    )
                )
        else:
            for index, result in enumerate(data["results"], start=1):
                segments.append(
                    _obx(
                        index,
                        result.get("value_type") or "ST",
                        result["code"],
                        result["name"],
                        result["value"],
                        result.get("unit", ""),
                        result.get("reference_range", ""),
                        result.get("flag", ""),
                    )
                )
        return "ORU", "R01", "ORU_R01", segments
    if type_name == "exam.report":
        return _encode_exam_report(data)
    if type_name == "patient.allergy":
        return _encode_allergy_changes(data, now)
    if type_name in ADMISSION_TRIGGERS:
        return _encode_admission(type_name, data, now)
    if type_name == "vital.signs":
        return _encode_vital_signs(data)
    if type_name in ORDER_TYPE_TO_CONTROL:
        return _encode_order(type_name, data)
    if type_name == "order.execution":
        return _encode_execution(data)
    if type_name == "master.hospital":
        code = escape(data["code"])
        segments = [
            "MFI|LOC^^HL70175||UPD|||AL",
            _segment("MFE", "MUP", "", "", code, "PL"),
            _segment(
                "LOC", code, escape(data["name"]), "H", "", escape(data.get("address")), escape(data.get("phone"))
            ),
        ]
        segments += _lch(code, data, HOSPITAL_CHARACTERISTICS)
        return "MFN", "M05", "MFN_M05", segments
    if type_name == "master.departments":
        segments = ["MFI|LOC^^HL70175||UPD|||AL"]
        for item in data["items"]:
            location = _segment(
                "",
                escape(item["code"]),
                escape(item.get("room")),
                "",
                "",
                "",
                "",
                escape(item.get("building")),
                escape(item.get("floor")),
            )[1:].replace("|", "^")
            active = item.get("active", True)
            segments.append(_segment("MFE", "MUP" if active else "MDC", "", "", escape(item["code"]), "PL"))
            segments.append(_segment("LOC", location, escape(item["name"]), "C", "", "", escape(item.get("phone"))))
            segments += _lch(escape(item["code"]), item, DEPARTMENT_CHARACTERISTICS)
            segments.append(_segment("LDP", escape(item["code"]), "", "", "", "", "A" if active else "I"))
        return "MFN", "M05", "MFN_M05", segments
    if type_name == "master.doctors":
        segments = ["MFI|PRA^^HL70175||UPD|||AL"]
        for item in data["items"]:
            active = item.get("active", True)
            code = escape(item["code"])
            segments.append(_segment("MFE", "MUP" if active else "MDC", "", "", code, "CE"))
            segments.append(
                _segment(
                    "STF",
                    code,
                    "%s^^^%s" % (code, FILLER_NAMESPACE),
                    escape(item["name"]),
                    "D",
                    GENDER_TO_SEX.get(item.get("gender") or "", ""),
                    "",
                    "A" if active else "I",
                    escape(item["department_code"]),
                    "",
                    escape(item.get("phone")),
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                    escape(item.get("title")),
                )
            )
            if item.get("specialty"):
                segments.append(_segment("PRA", code, "", "", "", escape(item["specialty"])))
            if item.get("introduction"):
                segments.append(_segment("NTE", "1", "", escape(item["introduction"])))
        return "MFN", "M02", "MFN_M02", segments
    if type_name == "visit.record":
        pv1 = [
            "1",
            VISIT_TYPE_TO_CLASS.get(data.get("visit_type") or "outpatient"),
            escape(data.get("department_code")),
        ]
        pv1 += ["", escape(data.get("appointment_ref")), "", escape(data.get("doctor_code"))]  # PV1-4 .. PV1-7
        pv1 += [""] * 5 + [VISIT_KIND_TO_CODE.get(data.get("visit_kind") or "", "")]  # PV1-8 .. PV1-13
        pv1 += [""] * 5 + [escape(data["visit_ref"])]  # PV1-14 .. PV1-19
        pv1 += [""] * 24 + [to_hl7_datetime(data["start"]), to_hl7_datetime(data.get("end")), ""]
        pv1 += [_format_number(data.get("total_charges")), _format_number(data.get("insurance_amount"))]
        segments = [_segment("EVN", "P03", now), _pid(data["patient"]), _segment("PV1", *pv1)]
        if data.get("diagnosis") or data.get("diagnosis_code"):
            diagnosis = "%s^%s" % (escape(data.get("diagnosis_code")), escape(data.get("diagnosis")))
            if data.get("diagnosis_code"):
                diagnosis += "^ICD10"
            segments.append(_segment("DG1", "1", "", diagnosis.rstrip("^"), *[""] * 11, "1"))
        for index, charge in enumerate(data.get("charges") or [], start=1):
            segments.append(
                _segment(
                    "FT1",
                    str(index),
                    "",
                    "",
                    to_hl7_datetime(data["start"]),
                    "",
                    "CG",
                    "%s^%s" % (escape(charge.get("code")), escape(charge["name"])),
                    "",
                    escape(charge.get("category")),
                    _format_number(charge.get("quantity")),
                    _format_number(charge["amount"]),
                    _format_number(charge.get("unit_price")),
                    "",
                    "",
                    _format_number(charge.get("insurance_amount")),
                )
            )
        return "DFT", "P03", "DFT_P03", segments
    if type_name == "schedule.upsert":
        zsc = _segment(
            "ZSC",
            escape(data["ref"]),
            escape(data["department_code"]),
            escape(data["doctor_code"]),
            to_hl7_datetime(data["date"]),
            SESSION_TO_CODE[data["session"]],
            CLINIC_TYPE_TO_CODE.get(data.get("clinic_type") or "", ""),
            _format_number(data["capacity"]),
            _format_number(data.get("fee")),
            escape(data.get("room")),
            _format_number(data.get("slot_minutes")),
        )
        return "ZSC", "Z01", "", [zsc]
    if type_name == "schedule.stop":
        return "ZSC", "Z02", "", [_segment("ZSC", escape(data["ref"]), *[""] * 9, escape(data["reason"]))]
    if type_name == "stats.daily":
        figures = [_format_number(data.get(name)) for name, _whole in DAILY_FIGURES]
        zds = _segment("ZDS", to_hl7_datetime(data["date"]), escape(data.get("department_code")), *figures)
        return "ZDS", "Z01", "", [zds]
    if type_name == "queue.call":
        zqc = _segment(
            "ZQC",
            escape(data["department_code"]),
            escape(data.get("room")),
            escape(data["number"]),
            escape(data.get("schedule_ref")),
            to_hl7_datetime(data.get("called_at")),
            escape(data.get("patient_name")),
        )
        return "ZQC", "Z01", "", [zqc]
    if type_name == "complaint":
        segments = [_pid(data["patient"])] if data.get("patient") else []
        segments.append(
            _segment(
                "ZCP",
                escape(data["ref"]),
                escape(data.get("department_code")),
                escape(data.get("staff_code")),
                escape(data.get("category")),
                escape(data["content"]),
                escape(data.get("contact_phone")),
                to_hl7_datetime(data.get("received_at")),
            )
        )
        return "ZCP", "Z01", "", segments
    if type_name == "booking.create":
        segments = [
            _segment(
                "ARQ",
                _entity(data["appointment_ref"], PLACER_NAMESPACE),
                "",
                "",
                "",
                escape(data.get("schedule_ref")),
                "",
                "",
                "",
                "",
                "",
                to_hl7_datetime(data["start"]),
            ),
            _pid(data["patient"]),
            "RGS|1|A",
        ]
        if data.get("doctor_code"):
            segments.append(_segment("AIG", "1", "A", escape(data["doctor_code"])))
        if data.get("department_code"):
            segments.append(_segment("AIL", "1", "A", escape(data["department_code"])))
        paid = "" if data.get("paid") is None else ("Y" if data["paid"] else "N")
        segments.append(
            _segment(
                "ZBK",
                str(data["number"]),
                to_hl7_datetime(data["date"]),
                SESSION_TO_CODE[data["session"]],
                _format_number(data.get("fee")),
                paid,
            )
        )
        return "SRM", "S01", "SRM_S01", segments
    if type_name == "booking.cancel":
        reason = ""
        if data.get("reason") or data.get("cancelled_by"):
            reason = "%s^%s" % ((data.get("cancelled_by") or "").upper(), escape(data.get("reason")))
        arq = _segment(
            "ARQ",
            _entity(data["appointment_ref"], PLACER_NAMESPACE),
            _entity(data.get("his_ref"), FILLER_NAMESPACE),
            "",
            "",
            "",
            reason,
        )
        return "SRM", "S04", "SRM_S01", [arq]
    if type_name == "critical.receipt":
        segments = [_pid(data["patient"])] if data.get("patient") else []
        segments.append(
            _segment(
                "ZCR",
                escape(data["alert_ref"]),
                escape(data["report_no"]),
                data["source"],
                "%s^%s" % (escape(data.get("item_code")), escape(data["item"])),
                escape(data.get("value")),
                escape(data.get("unit")),
                data.get("flag") or "",
                "%s^%s" % (escape(data.get("acknowledged_by_code")), escape(data["acknowledged_by"])),
                data.get("acknowledged_role") or "",
                to_hl7_datetime(data["acknowledged_at"]),
                escape(data.get("read_back")),
                escape(data.get("department_code")),
                to_hl7_datetime(data.get("detected_at")),
            )
        )
        return "ZCR", "Z01", "", segments
    raise CodecError("AR", "Unknown message type %r." % type_name, None, "200")


def _pl(data: dict, prefix: str = "") -> str:
    """A PV1 patient location: department code ^ ward ^ bed (see _location)."""
    parts = [escape(data.get(prefix + key)) for key in ("department_code", "ward", "bed")]
    return "^".join(parts).rstrip("^")


def _encode_admission(type_name: str, data: dict, now: str) -> tuple[str, str, str, list[str]]:
    trigger, structure = ADMISSION_TRIGGERS[type_name]
    event_time = to_hl7_datetime(data.get(ADMISSION_EVENT_TIMES.get(type_name, "")))
    evn = _segment("EVN", trigger, now, "", escape(data.get("reason")), "", event_time)
    pv1 = ["1", "I", _pl(data), "", "", _pl(data, "from_"), escape(data.get("attending_doctor_code"))]
    pv1 += [""] * 9 + [escape(data.get("bed_doctor_code")), "", escape(data["admission_no"])]
    pv1 += [""] * 24 + [to_hl7_datetime(data.get("admitted_at")), to_hl7_datetime(data.get("discharged_at"))]
    segments = [evn, _pid(data["patient"]), _segment("PV1", *pv1)]
    if data.get("diagnosis") or data.get("diagnosis_code"):
        diagnosis = "%s^%s^ICD10" % (escape(data.get("diagnosis_code")), escape(data.get("diagnosis")))
        segments.append(_segment("DG1", "1", "", diagnosis, "", "", "A"))
    for index, allergy in enumerate(data.get("allergies") or [], start=1):
        segments.append(
            _segment(
                "AL1",
                str(index),
                ALLERGY_TYPE_TO_CODE.get(allergy.get("type") or "", ""),
                "%s^%s" % (escape(allergy.get("code")), escape(allergy["allergen"])),
                SEVERITY_TO_CODE.get(allergy.get("severity") or "", ""),
                escape(allergy.get("reaction")),
                to_hl7_datetime(allergy.get("identified_at")),
            )
        )
    for index, procedure in enumerate(data.get("procedures") or [], start=1):
        code_name = "%s^%s" % (escape(procedure.get("code")), escape(procedure.get("name")))
        segments.append(_segment("PR1", str(index), "", code_name.rstrip("^"), "", to_hl7_datetime(procedure["at"])))
    return "ADT", trigger, structure, segments


def _encode_vital_signs(data: dict) -> tuple[str, str, str, list[str]]:
    panel = "^".join(VITAL_SIGNS_PANEL)
    pv1 = ["1", "I", escape(data.get("department_code"))] + [""] * 15 + [escape(data.get("admission_no"))]
    segments = [
        _pid(data["patient"]),
        _segment("PV1", *pv1),
        _segment("OBR", "1", "", escape(data["ref"]), panel, "", "", to_hl7_datetime(data["observed_at"])),
    ]
    for index, observation in enumerate(data["observations"], start=1):
        value = observation["value"]
        try:
            float(value)
            value_type = "NM"
        except ValueError:
            value_type = "ST"
        identifier = "%s^%s^L" % (escape(observation["code"]), escape(observation["name"]))
        if observation.get("loinc"):
            identifier += "^%s^^LN" % escape(observation["loinc"])
        segments.append(
            _segment(
                "OBX",
                str(index),
                value_type,
                identifier,
                "",
                escape(value),
                escape(observation.get("unit")),
                escape(observation.get("reference_range")),
                escape(observation.get("flag")),
                "",
                "",
                "F",
                "",
                "",
                to_hl7_datetime(observation.get("observed_at")),
                "",
                "",
                "",
                "",
                "",
                "",
                escape(observation.get("ref")),
            )
        )
    return "ORU", "R01", "ORU_R01", segments


def _order_pv1(data: dict) -> str:
    """PV1 of an order: PV1-2 I with the admission number, else O with the visit (PV1-19)."""
    inpatient = bool(data.get("admission_no"))
    number = data.get("admission_no") if inpatient else data.get("visit_ref")
    pv1 = ["1", "I" if inpatient else "O", escape(data.get("department_code"))] + [""] * 15 + [escape(number)]
    return _segment("PV1", *pv1)


def _encode_order(type_name: str, data: dict) -> tuple[str, str, str, list[str]]:
    drug = data.get("kind") == "drug"
    event_time = data.get(ORDER_EVENT_TIMES.get(type_name, ""))
    reason = "^%s" % escape(data["reason"]) if data.get("reason") else ""
    orc = [ORDER_TYPE_TO_CONTROL[type_name], _entity(data["order_no"], FILLER_NAMESPACE), "", "", "", "", ""]
    orc += ["", to_hl7_datetime(event_time), "", "", escape(data.get("doctor_code"))] + [""] * 3 + [reason]
    orc += [""] * 12 + [TERM_TO_CODE.get(data.get("term") or "", "")]
    segments = [_pid(data["patient"])]
    if any(data.get(key) for key in ("admission_no", "visit_ref", "department_code")):
        segments.append(_order_pv1(data))
    segments.append(_segment("ORC", *orc))
    quantity = ""
    if not drug and data.get("dose"):
        quantity = "%s^%s" % (escape(data["dose"]), escape(data.get("dose_unit")))
    tq1 = _segment(
        "TQ1",
        "1",
        quantity.rstrip("^"),
        escape(data.get("frequency")),
        "",
        "",
        "",
        to_hl7_datetime(data.get("start_at")),
        to_hl7_datetime(data.get("stop_at")),
    )
    if tq1 != "TQ1|1":
        segments.append(tq1)
    item = "%s^%s" % (escape(data.get("item_code")), escape(data.get("item_name")))
    if drug:
        rxo = [item, escape(data.get("dose")), "", escape(data.get("dose_unit"))]
        segments.append(_segment("RXO", *rxo))
    elif data.get("kind") or data.get("item_name") or data.get("item_code"):
        section = KIND_TO_SECTION.get(data.get("kind") or "", "")
        obr = ["1", _entity(data["order_no"], FILLER_NAMESPACE), "", item.strip("^") and item] + [""] * 19
        segments.append(_segment("OBR", *obr, section))
    if data.get("route"):
        segments.append(_segment("RXR", "^%s" % escape(data["route"])))
    if data.get("note"):
        segments.append(_segment("NTE", "1", "", escape(data["note"])))
    if drug:
        return "OMP", "O09", "OMP_O09", segments
    return "ORM", "O01", "ORM_O01", segments


def _encode_execution(data: dict) -> tuple[str, str, str, list[str]]:
    orc = _segment(
        "ORC", "RE", _entity(data["order_no"], FILLER_NAMESPACE), _entity(data["execution_no"], FILLER_NAMESPACE)
    )
    item = "%s^%s" % (escape(data.get("item_code")), escape(data.get("item_name")))
    executor = "%s^%s" % (escape(data.get("executor_code")), escape(data.get("executor_name")))
    reason = "^%s" % escape(data["reason"]) if data.get("reason") else ""
    rxa = [
        "0",
        "1",
        to_hl7_datetime(data["executed_at"]),
        to_hl7_datetime(data["executed_at"]),
        item.rstrip("^") if item != "^" else "",
        escape(data.get("dose")),
        escape(data.get("dose_unit")),
        "",
        "^%s" % escape(data["note"]) if data.get("note") else "",
        executor if executor != "^" else "",
    ]
    rxa += [""] * 7 + [reason, "", STATUS_TO_COMPLETION[data["status"]]]
    return "RAS", "O17", "RAS_O17", [_pid(data["patient"]), orc, _segment("RXA", *rxa)]


def _encode_exam_report(data: dict) -> tuple[str, str, str, list[str]]:
    package = "%s^%s^%s" % (escape(data.get("package_code")), escape(data["package_name"]), EXAM_CODING_SYSTEM)
    examiner = ""
    if data.get("chief_examiner_code") or data.get("chief_examiner"):
        examiner = "%s&%s" % (escape(data.get("chief_examiner_code")), escape(data.get("chief_examiner")))
    obr = ["1", "", escape(data["report_no"]), package, "", "", to_hl7_datetime(data["exam_date"])]
    obr += [""] * 14 + [to_hl7_datetime(data["reported_at"]), "", EXAM_SECTION]
    obr += [REPORT_STATUS_TO_CODE[data.get("status") or "final"]] + [""] * 6 + [examiner]
    segments = [
        _pid(data["patient"]),
        _segment("PV1", "1", "O", escape(data.get("department_code"))),
        _segment("ORC", "RE", "", escape(data["report_no"])),
        _segment("OBR", *obr),
    ]
    index = 0
    for item in data["items"]:
        index += 1
        value = item["value"]
        try:
            float(value)
            value_type = "NM"
        except ValueError:
            value_type = "ST"
        segments.append(
            _segment(
                "OBX",
                str(index),
                value_type,
                "%s^%s" % (escape(item.get("code")), escape(item["name"])),
                escape(item["section"]),
                escape(value),
                escape(item.get("unit")),
                escape(item.get("reference_range")),
                escape(item.get("flag")),
                "",
                "",
                "F",
            )
        )
        if item.get("conclusion"):
            segments.append(_segment("NTE", "1", "L", escape(item["conclusion"])))
    for code, name, key in (("CONCLUSION", "总检结论", "conclusion"), ("ADVICE", "总检建议", "advice")):
        if data.get(key):
            index += 1
            segments.append(_obx(index, "TX", code, name, data[key]))
    return "ORU", "R01", "ORU_R01", segments


def _encode_allergy_changes(data: dict, now: str) -> tuple[str, str, str, list[str]]:
    segments = [_segment("EVN", "A60", now, "", "", "", to_hl7_datetime(data["recorded_at"])), _pid(data["patient"])]
    for index, entry in enumerate(data["allergies"], start=1):
        if entry.get("kind") == "alert":
            type_code = ALERT_TYPE_CODE
        else:
            type_code = ALLERGY_TYPE_TO_CODE.get(entry.get("type") or "", "")
        segments.append(
            _segment(
                "IAM",
                str(index),
                type_code,
                "%s^%s" % (escape(entry.get("code")), escape(entry["allergen"])),
                SEVERITY_TO_CODE.get(entry.get("severity") or "", ""),
                escape(entry.get("reaction")),
                ALLERGY_ACTION_TO_CODE[entry["action"]],
                escape(entry.get("ref")),
                "",
                "",
                "",
                to_hl7_datetime(entry.get("identified_at")),
            )
        )
    return "ADT", "A60", "ADT_A60", segments


def encode(
    type_name: str,
    control_id: str,
    data: dict,
    sent_at: str | None = None,
    charset: str | None = None,
    sending: tuple[str, str] = ("HIS", "HOSPITAL"),
    receiving: tuple[str, str] = ("IHOSPITAL", "GATEWAY"),
) -> str:
    """Any canonical message as HL7 text (segments joined by ``\\r``, no MLLP framing).

    ``data`` is validated first (CodecError AE). ``charset`` is written to MSH-18 (e.g. ``UNICODE UTF-8``).
    """
    check_control_id(control_id)
    data = validate_data(type_name, data, control_id)
    if type_name == "vital.signs" and data.get("source_system"):
        sending = (data["source_system"], sending[1])  # MSH-3 names the sending system
    code, trigger, structure, segments = _encode_body(type_name, data)
    msh = _msh(code, trigger, structure, control_id, sent_at, charset, sending, receiving)
    return "\r".join([msh, *segments])


def encode_outbound(type_name: str, control_id: str, data: dict, charset: str | None = None) -> str:
    """A platform -> hospital message from the gateway (SRM^S01, SRM^S04, ADT^A31, ZCR^Z01)."""
    if type_name not in OUTBOUND_TYPES:
        raise CodecError("AR", "%r is not a platform-to-hospital message type." % type_name, control_id, "200")
    return encode(
        type_name,
        control_id,
        data,
        charset=charset_to_msh18(charset),
        sending=(GATEWAY_APPLICATION, GATEWAY_FACILITY),
        receiving=("HIS", "HOSPITAL"),
    )


def encode_inbound(type_name: str, control_id: str, data: dict, **kwargs) -> str:
    """A hospital -> platform message as a HIS would write it (used by the simulator and the docs)."""
    if type_name not in INBOUND_TYPES:
        raise CodecError("AR", "%r is not a hospital-to-platform message type." % type_name, control_id, "200")
    return encode(type_name, control_id, data, **kwargs)


def charset_to_msh18(charset: str | None) -> str:
    """HL7 table 0211 name of a Python codec name (``utf-8`` -> ``UNICODE UTF-8``)."""
    if not charset:
        return ""
    key = charset.strip().lower().replace("_", "-")
    return {"utf-8": "UNICODE UTF-8", "utf8": "UNICODE UTF-8", "gb18030": "GB 18030-2000", "gbk": "GBK"}.get(
        key, charset
    )


# --- acknowledgements ---------------------------------------------------------------------------------

_ERROR_TEXT = {
    "100": "Segment sequence error",
    "101": "Required field missing",
    "102": "Data type error",
    "103": "Table value not found",
    "200": "Unsupported message type",
    "201": "Unsupported event code",
    "203": "Unsupported version id",
    "204": "Unknown key identifier",
    "207": "Application internal error",
}


def ack(
    text: str | None, control_id: str | None, status: str, error: str = "", his_ref: str = "", hl7_code: str = ""
) -> str:
    """``ACK`` (or ``SRR`` for a booking with ``his_ref``) answering ``text``; works when text is garbage.

    The original MSH's sender and receiver are swapped and its MSH-18 is echoed (so the reply is encoded
    like the message). ``hl7_code`` (table 0357) goes into ERR-3; by default 207 for AE/AR.
    """
    fields = _first_line_fields(text or "") or []
    separator_ok = len(fields) > 2 and fields[1] == "|" and fields[2][:4] == "^~\\&"

    def original(index: int) -> str:
        return fields[index].strip() if separator_ok and len(fields) > index else ""

    code, _, trigger = original(9).partition("^")
    trigger = trigger.split("^")[0]
    control_id = control_id or sniff_control_id(text) or ""
    reply_code = "SRR" if code == "SRM" and status == "AA" and his_ref else "ACK"
    structure = "SRR_S01" if reply_code == "SRR" else "ACK"
    msh = _segment(
        "MSH",
        "^~\\&",
        original(5) or GATEWAY_APPLICATION,
        original(6) or GATEWAY_FACILITY,
        original(3),
        original(4),
        to_hl7_datetime(_local_now()),
        "",
        "%s^%s^%s" % (reply_code, trigger, structure) if trigger else reply_code,
        generate_message_control_id(),
        original(11) or "P",
        original(12) or HL7_VERSION,
        "",
        "",
        "",
        "",
        original(17),
        original(18),
    )
    segments = [msh, _segment("MSA", status, escape(control_id), escape(error))]
    if error or status != "AA":
        code_value = hl7_code or "207"
        segments.append(
            _segment(
                "ERR",
                "",
                "",
                "%s^%s^HL70357" % (code_value, _ERROR_TEXT.get(code_value, "")),
                "E",
                "",
                "",
                "",
                escape(error),
            )
        )
    if reply_code == "SRR":
        arq = None
        if text:
            try:
                arq = _first(_parse_message(text)[1], "ARQ")
            except CodecError:
                arq = None
        segments.append(
            _segment("SCH", _entity(arq.get(1) if arq else "", PLACER_NAMESPACE), _entity(his_ref, FILLER_NAMESPACE))
        )
    return "\r".join(segments)


def parse_reply(text: str) -> dict:
    """``ACK`` / ``SRR`` -> ``{"status", "error", "his_ref"}``; an unreadable reply is ``AE``."""
    try:
        _normalized, message = _parse_message(text)
        msa = _first(message, "MSA")
    except CodecError as exc:
        return {"status": "AE", "error": "Unreadable reply from the HIS: %s" % exc, "his_ref": ""}
    if msa is None:
        return {"status": "AE", "error": "Unreadable reply from the HIS: no MSA segment.", "his_ref": ""}
    status = {"CA": "AA", "CE": "AE", "CR": "AR"}.get(msa.get(1).upper(), msa.get(1).upper())
    if status not in REPLY_STATUSES:
        return {"status": "AE", "error": "Unreadable reply from the HIS: MSA-1 is %r." % msa.get(1), "his_ref": ""}
    error = msa.get(3)
    err = _first(message, "ERR")
    if not error and err:
        error = err.get(8) or err.get(3, 2) or err.get(1, None)
    sch = _first(message, "SCH")
    return {"status": status, "error": error, "his_ref": sch.get(2, 1) if sch else ""}
