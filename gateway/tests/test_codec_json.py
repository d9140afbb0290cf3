"""JSON side of the codec: envelope and schema validation, replies, and the published JSON Schema."""

import json
import re
from pathlib import Path

import jsonschema
import pytest
from ihospital_gateway import codec, schema
from ihospital_gateway.codec import CodecError
from ihospital_gateway.simulator import EXAMPLE_SENT_AT, EXAMPLES

DOCS = Path(__file__).resolve().parents[2] / "docs"


def envelope(type_name: str, data: dict, control_id: str = "J1", **extra) -> str:
    message = {"version": "1", "type": type_name, "control_id": control_id, "sent_at": EXAMPLE_SENT_AT, "data": data}
    message.update(extra)
    return json.dumps(message, ensure_ascii=False)


@pytest.mark.parametrize("type_name", sorted(EXAMPLES))
def test_every_example_survives_json(type_name):
    control_id, data = EXAMPLES[type_name]
    if type_name in codec.OUTBOUND_TYPES:
        text = codec.encode_outbound("json", type_name, control_id, data)
        assert "\n" not in text
        message = codec.parse("json", text, outbound=True)
    else:
        text = envelope(type_name, data, control_id)
        message = codec.parse("json", text)
        assert message.sent_at == EXAMPLE_SENT_AT
    assert (message.protocol, message.type, message.control_id, message.data) == ("json", type_name, control_id, data)
    assert message.raw == text


def test_patient_key_prefers_the_his_id():
    patient = {"medical_card_number": "YX010000024", "id_number": "440104198507150023"}
    assert codec.parse("json", envelope("patient.update", {"patient": patient})).patient_key == "card:YX010000024"
    assert codec.parse("json", envelope("patient.update", {"patient": {"id_number": "X"}})).patient_key == "idn:X"
    assert codec.parse("json", envelope("queue.call", {"department_code": "XNK", "number": "1"})).patient_key is None


@pytest.mark.parametrize(
    ("text", "status", "fragment", "control_id"),
    [
        ('{"control_id": "J7", "type": ', "AR", "not valid JSON", "J7"),
        ("[1, 2]", "AR", "JSON object", None),
        (envelope("queue.call", {}, version="2"), "AR", 'version must be "1"', "J1"),
        (envelope("queue.call", {}, version=1), "AR", 'version must be "1"', "J1"),
        (envelope("lab.results", {}), "AR", "Unknown message type", "J1"),
        (envelope("booking.create", {}), "AR", "Unknown message type", "J1"),
        (envelope("queue.call", {"department_code": "XNK", "number": "1"}, control_id=""), "AE", "control id", None),
        (envelope("queue.call", {"department_code": "XNK", "number": "1"}, control_id="x" * 65), "AE", "64", "x" * 64),
        (envelope("queue.call", {"department_code": "XNK", "number": "1"}, sent_at="yesterday"), "AE", "sent_at", "J1"),
        (envelope("queue.call", []), "AE", "must be of type object", "J1"),
    ],
)
def test_envelope_errors(text, status, fragment, control_id):
    with pytest.raises(CodecError) as error:
        codec.parse("json", text)
    assert error.value.status == status
    assert fragment in str(error.value)
    assert error.value.control_id == control_id


def test_data_errors_name_every_field():
    data = {
        "report_no": "",
        "patient": {"name": "张三"},
        "status": "done",
        "reported_at": "2026/11/26",
        "results": [{"code": "K", "name": "钾", "value": 6.8, "flag": "HHH"}, {"code": "NA", "name": "钠"}],
    }
    with pytest.raises(CodecError) as error:
        codec.parse("json", envelope("lab.result", data))
    message = str(error.value)
    assert error.value.status == "AE"
    assert message.startswith("Invalid lab.result message: ")
    for fragment in [
        "missing required field data.title",
        "data.report_no must not be empty",
        "data.patient needs at least one of his_patient_id, medical_card_number, id_number",
        'data.status must be one of "preliminary", "final", "corrected", got "done"',
        'data.reported_at must be an ISO 8601 date-time, got "2026/11/26"',
    ]:
        assert fragment in message
    assert "(and " in message  # more than five problems: the rest are counted, not listed


def test_types_enums_and_dates_of_a_schedule():
    base = dict(EXAMPLES["schedule.upsert"][1])
    cases = [
        ({"capacity": "20"}, "data.capacity must be of type integer"),
        ({"capacity": 20.5}, "data.capacity must be of type integer"),
        ({"session": "night"}, 'data.session must be one of "morning", "afternoon", "evening"'),
        ({"date": "2026-11-28T08:00:00"}, "data.date must be YYYY-MM-DD"),
        ({"fee": -1}, "data.fee must be at least 0"),
    ]
    for change, fragment in cases:
        with pytest.raises(CodecError, match=re.escape(fragment)):
            codec.parse("json", envelope("schedule.upsert", dict(base, **change)))


def test_nulls_are_dropped_and_unknown_fields_kept():
    data = {"department_code": "XNK", "number": "A012", "room": None, "screen": "候诊区2号屏"}
    parsed = codec.parse("json", envelope("queue.call", data)).data
    assert parsed == {"department_code": "XNK", "number": "A012", "screen": "候诊区2号屏"}
    with pytest.raises(CodecError, match="missing required field data.number"):
        codec.parse("json", envelope("queue.call", {"department_code": "XNK", "number": None}))


def test_ack_line():
    assert codec.ack("json", None, "J1", "AA") == '{"version": "1", "control_id": "J1", "status": "AA", "error": ""}'
    rejected = json.loads(codec.ack("json", "garbage", None, "AR", CodecError("AR", "bad")))
    assert rejected == {"version": "1", "control_id": "", "status": "AR", "error": "bad"}
    booked = json.loads(codec.ack("json", "{}", "O1", "AA", his_ref="HIS-APPT-778"))
    assert booked["his_ref"] == "HIS-APPT-778"
    with pytest.raises(ValueError):
        codec.ack("json", None, "J1", "OK")


def test_parse_reply():
    reply = '{"version": "1", "control_id": "O1", "status": "AA", "error": "", "his_ref": 778}'
    assert codec.parse_reply("json", reply) == {"status": "AA", "error": "", "his_ref": "778"}
    assert codec.parse_reply("json", '{"status": "AE", "error": "号源已满"}') == {
        "status": "AE",
        "error": "号源已满",
        "his_ref": "",
    }
    assert codec.parse_reply("json", "OK")["status"] == "AE"
    assert codec.parse_reply("json", '{"status": "SUCCESS"}')["status"] == "AE"


def test_decode_bytes_json_charsets():
    text = envelope("queue.call", {"department_code": "XNK", "number": "A012", "patient_name": "李*英"})
    assert codec.decode_bytes(text.encode("gbk") + b"\r\n", "gbk", "json") == text
    assert codec.decode_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"), "gbk", "json") == text  # BOM wins
    with pytest.raises(CodecError) as error:
        codec.decode_bytes(text.encode("gbk"), "utf-8", "json")
    assert (error.value.status, error.value.control_id) == ("AR", "J1")
    with pytest.raises(CodecError, match="Unknown character set"):
        codec.decode_bytes(b"{}", "klingon", "json")
    assert codec.encode_text("李𬌗", "gbk").decode("gb18030") == "李𬌗"


def test_published_schema_file_is_generated_from_the_code():
    published = (DOCS / "his-protocol-v1.schema.json").read_text(encoding="utf-8")
    assert published == schema.document_text(), "regenerate: python -m ihospital_gateway.schema > docs/..."


def test_published_schema_agrees_with_the_codec():
    document = json.loads((DOCS / "his-protocol-v1.schema.json").read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(document)
    jsonschema.Draft202012Validator.check_schema(document)
    for type_name, (control_id, data) in EXAMPLES.items():
        message = json.loads(envelope(type_name, data, control_id))
        assert list(validator.iter_errors(message)) == [], type_name
    broken = [
        envelope("lab.result", dict(EXAMPLES["lab.result"][1], results=[])),
        envelope("schedule.upsert", dict(EXAMPLES["schedule.upsert"][1], session="night")),
        envelope("patient.register", {"patient": {"name": "张三"}}),
        envelope("visit.record", dict(EXAMPLES["visit.record"][1], total_charges="100")),
    ]
    for text in broken:
        assert list(validator.iter_errors(json.loads(text))), text
        with pytest.raises(CodecError):
            codec.parse("json", text)
    reply = json.loads(codec.ack("json", None, "J1", "AE", "bad"))
    assert list(jsonschema.Draft202012Validator(document["$defs"]["reply"]).iter_errors(reply)) == []


def test_every_json_example_in_the_protocol_document_parses():
    examples = (DOCS / "his-protocol.md").read_text(encoding="utf-8").split("## Examples", 1)[1]
    blocks = re.findall(r"```json\n(.*?)```", examples, re.S)
    seen = set()
    for block in blocks:
        value = json.loads(block)
        if "status" in value:
            assert codec.parse_reply("json", block)["status"] in ("AA", "AE", "AR")
            continue
        message = codec.parse("json", block, outbound=value["type"] in codec.OUTBOUND_TYPES)
        assert message.data == EXAMPLES[message.type][1], message.type
        seen.add(message.type)
    assert seen == set(EXAMPLES)


def test_a_transfer_says_where_the_patient_is_now():
    _control_id, data = EXAMPLES["admission.transfer"]
    nowhere = {key: value for key, value in data.items() if key not in ("department_code", "ward", "bed")}
    with pytest.raises(CodecError) as error:
        codec.parse("json", envelope("admission.transfer", nowhere))
    assert error.value.status == "AE"
    assert "data needs at least one of department_code, ward, bed" in str(error.value)
    assert codec.parse("json", envelope("admission.transfer", dict(nowhere, bed="5"))).data["bed"] == "5"


def test_vital_sign_values_pass_as_text_and_flags_are_checked():
    _control_id, data = EXAMPLES["vital.signs"]
    numbers = dict(data, observations=[dict(data["observations"][0], value=38)])
    assert codec.parse("json", envelope("vital.signs", numbers)).data["observations"][0]["value"] == "38"
    wrong = dict(data, observations=[dict(data["observations"][0], flag="critical")])
    with pytest.raises(CodecError, match=r"data.observations\[0\].flag must be one of"):
        codec.parse("json", envelope("vital.signs", wrong))
    with pytest.raises(CodecError, match="missing required field data.observed_at"):
        codec.parse("json", envelope("vital.signs", {k: v for k, v in data.items() if k != "observed_at"}))


def test_critical_receipt_goes_one_way_and_names_what_is_missing():
    control_id, data = EXAMPLES["critical.receipt"]
    text = codec.encode_outbound("json", "critical.receipt", control_id, data)
    with pytest.raises(CodecError) as error:
        codec.parse("json", text)  # a hospital system never sends one
    assert error.value.status == "AR"
    incomplete = {key: value for key, value in data.items() if key not in ("acknowledged_by", "acknowledged_at")}
    with pytest.raises(CodecError) as error:
        codec.encode_outbound("json", "critical.receipt", "X1", dict(incomplete, source="ward"))
    assert error.value.status == "AE"
    for fragment in ("data.acknowledged_by", "data.acknowledged_at", "data.source"):
        assert fragment in str(error.value)


def test_exam_report_values_pass_as_text_and_items_are_checked():
    _control_id, data = EXAMPLES["exam.report"]
    numbers = dict(data, items=[dict(data["items"][0], value=162)])
    assert codec.parse("json", envelope("exam.report", numbers)).data["items"][0]["value"] == "162"
    for broken, fragment in (
        (dict(data, items=[]), "data.items must have at least 1 item"),
        (dict(data, items=[{k: v for k, v in data["items"][0].items() if k != "section"}]), "data.items[0].section"),
        (dict(data, exam_date="20/11/2026"), "data.exam_date must be YYYY-MM-DD"),
        ({k: v for k, v in data.items() if k != "package_name"}, "missing required field data.package_name"),
    ):
        with pytest.raises(CodecError, match=re.escape(fragment)):
            codec.parse("json", envelope("exam.report", broken))


def test_patient_allergy_needs_the_time_and_an_action_per_entry():
    _control_id, data = EXAMPLES["patient.allergy"]
    with pytest.raises(CodecError, match="missing required field data.recorded_at"):
        codec.parse("json", envelope("patient.allergy", {k: v for k, v in data.items() if k != "recorded_at"}))
    wrong = dict(data, allergies=[dict(data["allergies"][0], action="delete", kind="warning")])
    with pytest.raises(CodecError) as error:
        codec.parse("json", envelope("patient.allergy", wrong))
    assert "data.allergies[0].action must be one of" in str(error.value)
    assert "data.allergies[0].kind must be one of" in str(error.value)
    with pytest.raises(CodecError, match="data.allergies must have at least 1 item"):
        codec.parse("json", envelope("patient.allergy", dict(data, allergies=[])))


def test_orders_and_executions_in_json():
    _control_id, data = EXAMPLES["order.new"]
    message = codec.parse("json", envelope("order.new", dict(data, dose=100, stop_at=None)))
    assert message.data["dose"] == "100" and "stop_at" not in message.data
    for bad, fragment in [
        (dict(data, kind="surgery"), 'data.kind must be one of "drug", "lab", "exam", "nursing", "diet", "other"'),
        ({k: v for k, v in data.items() if k != "start_at"}, "missing required field data.start_at"),
        (dict(data, term="long"), "data.term must be one of"),
    ]:
        with pytest.raises(CodecError) as error:
            codec.parse("json", envelope("order.new", bad))
        assert error.value.status == "AE" and fragment in str(error.value), str(error.value)
    # a change needs its time; a stop its stop time
    with pytest.raises(CodecError) as error:
        codec.parse("json", envelope("order.change", {"order_no": "YZ1", "patient": {"his_patient_id": "P1"}}))
    assert "data.changed_at" in str(error.value)
    with pytest.raises(CodecError) as error:
        codec.parse("json", envelope("order.stop", {"order_no": "YZ1", "patient": {"his_patient_id": "P1"}}))
    assert "data.stop_at" in str(error.value)
    _control_id, execution = EXAMPLES["order.execution"]
    with pytest.raises(CodecError) as error:
        codec.parse("json", envelope("order.execution", dict(execution, status="done")))
    assert 'data.status must be one of "given", "skipped"' in str(error.value)
    with pytest.raises(CodecError) as error:
        codec.parse("json", envelope("order.execution", {k: v for k, v in execution.items() if k != "order_no"}))
    assert "missing required field data.order_no" in str(error.value)
