"""What the follow-up (回访) needs from the HIS, in both protocols: the patient's death (PID-29/PID-30,
``deceased``/``deceased_at``), the operations of a stay (PR1, ``procedures``) and the visit's diagnosis
code (DG1-3)."""

import json
import re
from pathlib import Path

import pytest
from ihospital_gateway import codec, simulator
from ihospital_gateway.schema import CodecError
from ihospital_gateway.simulator import DEATH_EXAMPLE, EXAMPLES

DOC = Path(__file__).resolve().parents[2] / "docs" / "his-protocol.md"
MSH = "MSH|^~\\&|HIS|HOSPITAL|IHOSPITAL|GATEWAY|20261220040500+0800||%s|%s|P|2.5|||||CHN|UNICODE UTF-8"
PV1_DISCHARGE = "PV1|1|I|XNK^心内科一病区^12||||||||||||||||ZY1|||||||||||||||||||||||||20261126102000+0800|" + (
    "20261203093000+0800"
)


def pid(death_time="", indicator=""):
    fields = ["PID", "1", "", "P01100024^^^HIS^PI"] + [""] * 25 + [death_time, indicator]
    return "|".join(fields).rstrip("|")


def hl7(message_type, *segments, control_id="C1"):
    return "\r".join([MSH % (message_type, control_id), *segments])


def envelope(type_name, data):
    return json.dumps({"version": "1", "type": type_name, "control_id": "J1", "data": data}, ensure_ascii=False)


def test_the_death_example_of_the_protocol_document_in_both_protocols():
    text = DOC.read_text(encoding="utf-8").split("#### A patient's death", 1)[1].split("\n### ", 1)[0]
    (hl7_text,) = re.findall(r"```hl7\n(.*?)```", text, re.S)
    (json_text,) = re.findall(r"```json\n(.*?)```", text, re.S)
    control_id, data = DEATH_EXAMPLE
    for protocol, body in (("hl7", hl7_text.strip().replace("\n", "\r")), ("json", json_text.strip())):
        message = codec.parse(protocol, body)
        assert (message.type, message.control_id, message.data) == ("patient.update", control_id, data), protocol
    # and the simulator's HL7 says the same
    encoded = simulator.build("hl7", "patient.update", control_id, data)
    assert "|20261220034000+0800|Y" in encoded
    assert codec.parse("hl7", encoded).data == data


@pytest.mark.parametrize(
    ("death_time", "indicator", "expected"),
    [
        ("20261220034000+0800", "Y", {"deceased": True, "deceased_at": "2026-12-20T03:40:00+08:00"}),
        ("", "Y", {"deceased": True}),
        ("", "y", {"deceased": True}),
        ("", "N", {"deceased": False}),
        ("202612200340", "", {"deceased": True, "deceased_at": "2026-12-20T03:40:00"}),
        ("", "", {}),
    ],
)
def test_pid_29_and_30(death_time, indicator, expected):
    for trigger in ("ADT^A08", "ADT^A31", "ADT^A04"):
        data = codec.parse("hl7", hl7(trigger, pid(death_time, indicator))).data["patient"]
        assert {key: value for key, value in data.items() if key.startswith("deceased")} == expected
    # every message with a PID reads it (here a discharge, 死亡出院)
    discharge = codec.parse("hl7", hl7("ADT^A03", pid(death_time, indicator), PV1_DISCHARGE)).data["patient"]
    assert {key: value for key, value in discharge.items() if key.startswith("deceased")} == expected


@pytest.mark.parametrize(
    ("death_time", "indicator", "fragment"),
    [
        ("", "X", "PID-30 (patient death indicator) must be Y or N, got 'X'"),
        ("2026-12-20", "Y", "PID-29 (patient death date and time) is not an HL7 date/time"),
        ("20261340", "Y", "PID-29 (patient death date and time) is not a valid date/time"),
    ],
)
def test_bad_pid_29_or_30_is_refused_naming_the_field(death_time, indicator, fragment):
    with pytest.raises(CodecError) as error:
        codec.parse("hl7", hl7("ADT^A08", pid(death_time, indicator), control_id="BAD1"))
    assert error.value.status == "AE" and error.value.control_id == "BAD1"
    assert fragment in str(error.value)


def test_json_death_fields_are_checked():
    patient = {"his_patient_id": "P01100024"}
    for value, fragment in (
        ({"deceased": "Y"}, "data.patient.deceased must be of type boolean"),
        ({"deceased_at": "20 December"}, "data.patient.deceased_at must be an ISO 8601 date-time"),
    ):
        with pytest.raises(CodecError) as error:
            codec.parse("json", envelope("patient.update", {"patient": dict(patient, **value)}))
        assert error.value.status == "AE" and fragment in str(error.value)
    # null is "not sent"
    parsed = codec.parse("json", envelope("patient.update", {"patient": dict(patient, deceased=None)}))
    assert parsed.data == {"patient": patient}


def test_the_operations_of_a_stay():
    text = hl7(
        "ADT^A03",
        pid(),
        PV1_DISCHARGE,
        "PR1|1||36.07^经皮冠状动脉药物洗脱支架置入术^ICD9CM3||20261126114500+0800",
        "PR1|2||47.01||20261128090000",
        "PR1|3|||腹腔镜探查术|20261129090000",
    )
    data = codec.parse("hl7", text).data
    assert data["procedures"] == [
        {"code": "36.07", "name": "经皮冠状动脉药物洗脱支架置入术", "at": "2026-11-26T11:45:00+08:00"},
        {"code": "47.01", "at": "2026-11-28T09:00:00"},
        {"name": "腹腔镜探查术", "at": "2026-11-29T09:00:00"},
    ]
    # what the platform writes reads back the same, in both protocols
    _control_id, example = EXAMPLES["admission.discharge"]
    for protocol in ("hl7", "json"):
        encoded = simulator.build(protocol, "admission.discharge", "C2", example)
        assert codec.parse(protocol, encoded).data == example
    admit = simulator.build("hl7", "admission.admit", "C3", dict(EXAMPLES["admission.admit"][1], **example))
    assert "\rPR1|1||36.07^" in admit
    assert codec.parse("hl7", admit).data["procedures"] == example["procedures"]


@pytest.mark.parametrize(
    ("segment", "fragment"),
    [
        ("PR1|1||36.07^PCI", "missing required field data.procedures[0].at (PR1-5)"),
        ("PR1|1||36.07^PCI||2026-11-26", "PR1 #1 PR1-5 (procedure date/time) is not an HL7 date/time"),
        ("PR1|1||||20261126114500", "data.procedures[0] (PR1) needs at least one of code, name"),
    ],
)
def test_bad_operations_are_refused_naming_the_field(segment, fragment):
    with pytest.raises(CodecError) as error:
        codec.parse("hl7", hl7("ADT^A03", pid(), PV1_DISCHARGE, segment))
    assert error.value.status == "AE" and fragment in str(error.value)


def test_json_operations_need_a_time_and_a_name_or_code():
    _control_id, example = EXAMPLES["admission.discharge"]
    for procedure, fragment in (
        ({"name": "PCI"}, "missing required field data.procedures[0].at"),
        ({"at": "2026-11-26T11:45:00"}, "data.procedures[0] needs at least one of code, name"),
        ({"name": "PCI", "at": "yesterday"}, "data.procedures[0].at must be an ISO 8601 date-time"),
    ):
        with pytest.raises(CodecError) as error:
            codec.parse("json", envelope("admission.discharge", dict(example, procedures=[procedure])))
        assert fragment in str(error.value)


def test_the_visits_diagnosis_code():
    _control_id, example = EXAMPLES["visit.record"]
    encoded = simulator.build("hl7", "visit.record", "C4", example)
    assert "\rDG1|1||I10^高血压病2级^ICD10||||||||||||1" in encoded
    assert codec.parse("hl7", encoded).data == example
    pv1 = encoded.split("\r")[3]
    head = [MSH % ("DFT^P03", "C5"), "EVN|P03", "PID|1||P01100023^^^HIS^PI", pv1]
    cases = [
        # the main diagnosis is the one of priority 1, the others are only text
        (
            ["DG1|1||E11.9^2型糖尿病^ICD10", "DG1|2||I10^高血压病2级^ICD10||||||||||||1"],
            "I10",
            "2型糖尿病；高血压病2级",
        ),
        # the first one, without priorities
        (["DG1|1||e11.9^2型糖尿病", "DG1|2||I10^高血压病2级"], "e11.9", "2型糖尿病；高血压病2级"),
        # a lone code is the code and the text
        (["DG1|1||I10"], "I10", "I10"),
        # a lone text in CE-1 (a HIS that sends words only) is no code
        (["DG1|1||高血压病2级"], None, "高血压病2级"),
        ([], None, None),
    ]
    for dg1s, code, diagnosis in cases:
        data = codec.parse("hl7", "\r".join(head + dg1s)).data
        assert (data.get("diagnosis_code"), data.get("diagnosis")) == (code, diagnosis), dg1s
    json_data = codec.parse("json", envelope("visit.record", example)).data
    assert json_data["diagnosis_code"] == "I10"
