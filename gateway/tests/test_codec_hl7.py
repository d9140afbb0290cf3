"""HL7 v2 side of the codec: mapping of every message type, errors, acknowledgements, character sets."""

import re
from pathlib import Path

import hl7
import pytest
from ihospital_gateway import codec, hl7codec
from ihospital_gateway.codec import CodecError
from ihospital_gateway.simulator import EXAMPLE_SENT_AT, EXAMPLES

DOC = Path(__file__).resolve().parents[2] / "docs" / "his-protocol.md"


def hl7_text(*segments: str) -> str:
    return "\r".join(segments)


MSH = "MSH|^~\\&|LIS|YXZX|IHOSPITAL|GATEWAY|20261126093000+0800||{type}|{cid}|P|2.5|||||CHN|{charset}"


def msh(message_type: str, control_id: str = "C1", charset: str = "") -> str:
    return MSH.format(type=message_type, cid=control_id, charset=charset)


@pytest.mark.parametrize("type_name", sorted(EXAMPLES))
def test_every_example_survives_hl7(type_name):
    control_id, data = EXAMPLES[type_name]
    text = hl7codec.encode(type_name, control_id, data, sent_at=EXAMPLE_SENT_AT)
    message = codec.parse("hl7", text, outbound=type_name in codec.OUTBOUND_TYPES)
    assert (message.type, message.control_id, message.data) == (type_name, control_id, data)
    assert message.protocol == "hl7"
    assert message.sent_at == EXAMPLE_SENT_AT
    assert message.raw == text


def test_vendor_lab_message_with_escapes_and_variants():
    """What a real LIS sends: \\n line ends, escapes, CE/SN values, repeated flags, SPM specimen."""
    text = "\n".join(
        [
            msh("ORU^R01", "LIS-77", "GBK"),
            "PID|1||E12345678^^^MOH^PPN~P01100005^^^HIS^PI~YX010000006^^^HIS^MC||Smith^John||19700203|M|||"
            "中山二路88号^^广州市^广东省^510080||^PRN^PH^^^^^^^^^020-1234567",
            "PV1|1|O|XNK^3楼A区",
            "OBR|1|ORD1|LR-9|CHEM^生化全套|||202611260812|||||||||D1003^李^晓明||||||202611260930||CH|P",
            "SPM|1|||SER^血清",
            "OBX|1|NM|K^钾||2.41|mmol/L|3.5-5.3|LL~L|||F",
            "OBX|2|CE|HBSAG^乙肝表面抗原||POS^阳性||阴性|A|||F",
            "OBX|3|SN|CRP^C反应蛋白||<^5|mg/L|0-10|N|||F",
            "OBX|4|ST|NOTE^备注||溶血\\T\\脂血 \\F\\ 复查\\.br\\第二行|||||F",
        ]
    )
    message = codec.parse("hl7", text)
    data = message.data
    assert message.type == "lab.result"
    assert message.patient_key == "his:P01100005"
    assert data["patient"] == {
        "id_number": "E12345678",
        "id_type": "passport",
        "his_patient_id": "P01100005",
        "medical_card_number": "YX010000006",
        "name": "Smith John",
        "birth_date": "1970-02-03",
        "gender": "male",
        "address": "广东省广州市中山二路88号",
        "phone": "020-1234567",
    }
    assert data["report_no"] == "LR-9"
    assert data["title"] == "生化全套"
    assert data["status"] == "preliminary"
    assert data["collected_at"] == "2026-11-26T08:12:00"  # naive: hospital local time
    assert data["department_code"] == "XNK"
    assert data["doctor_code"] == "D1003"
    assert data["specimen"] == "血清"
    values = [(r["code"], r["value"], r["value_type"], r.get("flag")) for r in data["results"]]
    assert values == [
        ("K", "2.41", "NM", "LL"),
        ("HBSAG", "阳性", "ST", "A"),
        ("CRP", "<5", "ST", "N"),
        ("NOTE", "溶血&脂血 | 复查\n第二行", "ST", None),
    ]


def test_imaging_report_by_section_with_alias_ids_and_raw_ampersand_url():
    text = hl7_text(
        msh("ORU^R01", "RIS-1"),
        "PID|1||P01100007^^^HIS^PI",
        "OBR|1||CT-5|CT001^头颅CT平扫|||||||||||^^^头颅|||||||202611261005+0800||CT|F",
        "OBX|1|TX|&GDT^所见||脑实质内未见异常密度影。~中线结构居中。||||||F",
        "OBX|2|TX|&GDT^所见||脑室系统未见扩大。||||||F",
        "OBX|3|FT|&IMP^印象||颅脑CT平扫未见明显异常。||||||F",
        "OBX|4|RP|LINK||https://pacs/v?a=1&b=2^PACS^IMAGE||||||F",
    )
    message = codec.parse("hl7", text)
    assert message.type == "imaging.report"
    assert message.data == {
        "patient": {"his_patient_id": "P01100007"},
        "report_no": "CT-5",
        "status": "final",
        "reported_at": "2026-11-26T10:05:00+08:00",
        "modality": "ct",
        "exam_name": "头颅CT平扫",
        "body_part": "头颅",
        "findings": "脑实质内未见异常密度影。\n中线结构居中。\n脑室系统未见扩大。",
        "impression": "颅脑CT平扫未见明显异常。",
        "viewer_url": "https://pacs/v?a=1&b=2",
    }


@pytest.mark.parametrize(
    ("section", "modality"),
    [("RAD", "radiology"), ("CT", "ct"), ("MR", "mr"), ("US", "ultrasound"), ("ES", "endoscopy"), ("PAT", "pathology")],
)
def test_imaging_sections(section, modality):
    _control_id, data = EXAMPLES["imaging.report"]
    data = dict(data, modality=modality)
    text = hl7codec.encode("imaging.report", "R-%s" % section, data)
    assert "||%s|F" % section in text
    assert codec.parse("hl7", text).data["modality"] == modality


@pytest.mark.parametrize(
    ("trigger", "status"), [("S12", "booked"), ("S14", "attended"), ("S15", "cancelled"), ("S26", "no_show")]
)
def test_siu_triggers(trigger, status):
    text = hl7_text(
        msh("SIU^%s^SIU_S12" % trigger),
        "SCH|APT/2026/00042^IHOSPITAL|778^HIS||||^医生停诊",
        "PID|1||P01100001^^^HIS^PI",
    )
    data = codec.parse("hl7", text).data
    assert data == {
        "appointment_ref": "APT/2026/00042",
        "his_ref": "778",
        "status": status,
        "reason": "医生停诊",
        "patient": {"his_patient_id": "P01100001"},
    }


def test_siu_reason_from_sch6_text_or_sch7():
    base = "SCH|APT/1^IHOSPITAL|H1^HIS|||"
    assert codec.parse("hl7", hl7_text(msh("SIU^S15"), base + "|NOSHOW^患者取消")).data["reason"] == "患者取消"
    assert codec.parse("hl7", hl7_text(msh("SIU^S15"), base + "||^临时停诊")).data["reason"] == "临时停诊"


def test_mfn_m05_hospital_departments_and_inactive_records():
    hospital = hl7_text(
        msh("MFN^M05^MFN_M05"),
        "MFI|LOC^^HL70175||UPD|||AL",
        "MFE|MUP|||YXZX|PL",
        "LOC|YXZX|广州市越秀中心医院|H||越秀区中山二路88号^^广州市^广东省|020-83821000",
        "LCH|YXZX|||GRADE^医院等级|三级甲等",
        "LCH|YXZX|||WEBSITE^网站|https://h.example.cn/?a=1\\T\\b=2",
    )
    message = codec.parse("hl7", hospital)
    assert message.type == "master.hospital"
    assert message.data == {
        "code": "YXZX",
        "name": "广州市越秀中心医院",
        "grade": "3a",
        "address": "广东省广州市越秀区中山二路88号",
        "phone": "020-83821000",
        "website": "https://h.example.cn/?a=1&b=2",
    }
    departments = hl7_text(
        msh("MFN^M05^MFN_M05"),
        "MFI|LOC^^HL70175||UPD|||AL",
        "MFE|MUP|||XNK|PL",
        "LOC|XNK^3楼A区^^^^^门诊楼^3F|心血管内科|C",
        "LDP|XNK|||||A",
        "MFE|MDC|||OLD|PL",
        "LOC|OLD|旧科室|C",
        "MFE|MUP|||GONE|PL",
        "LOC|GONE|停用科室|C",
        "LDP|GONE|||||I",
    )
    items = codec.parse("hl7", departments).data["items"]
    assert items[0] == {
        "code": "XNK",
        "name": "心血管内科",
        "building": "门诊楼",
        "floor": "3F",
        "room": "3楼A区",
        "active": True,
    }
    assert [item["active"] for item in items] == [True, False, False]
    mixed = hospital + "\rMFE|MUP|||XNK|PL\rLOC|XNK|心血管内科|C"
    with pytest.raises(CodecError, match="LOC-3 = H") as error:
        codec.parse("hl7", mixed)
    assert error.value.status == "AE"


def test_mfn_m02_doctors():
    text = hl7_text(
        msh("MFN^M02^MFN_M02"),
        "MFI|PRA^^HL70175||UPD|||AL",
        "MFE|MUP|||D1001|CE",
        "STF|D1001^陈志远|D1001^^^HIS|陈^志远|D|M||A|XNK^心血管内科||020-83821101||||||||主任医师",
        "PRA|D1001||||冠心病介入治疗^^Y",
        "NTE|1||从事心血管内科临床工作13年。",
        "MFE|MDL|||D0999|CE",
        "STF||D0999^^^HIS|王医生|D|F|||XNK",
    )
    items = codec.parse("hl7", text).data["items"]
    assert items[0] == {
        "code": "D1001",
        "name": "陈志远",
        "department_code": "XNK",
        "title": "主任医师",
        "specialty": "冠心病介入治疗",
        "introduction": "从事心血管内科临床工作13年。",
        "gender": "male",
        "phone": "020-83821101",
        "active": True,
    }
    assert items[1] == {
        "code": "D0999",
        "name": "王医生",
        "department_code": "XNK",
        "gender": "female",
        "active": False,
    }


def test_dft_totals_from_charges_when_pv1_has_none():
    text = hl7_text(
        msh("DFT^P03^DFT_P03"),
        "EVN|P03|20261126",
        "PID|1||P01100002^^^HIS^PI",
        "PV1|1|E|JZK||||D1039^潘^锦添||||||||||||V-1" + "|" * 25 + "202611260100",
        "DG1|1||R07.4^急性胸痛",
        "DG1|2||^急性胃肠炎",
        "FT1|1|||20261126||CG|C1^心电图||检查费|1|30|30|||18",
        "FT1|2|||20261126||CG|C2^肌钙蛋白I||化验费|1|85.5|85.5|||68.4",
    )
    data = codec.parse("hl7", text).data
    assert data["visit_type"] == "emergency"
    assert data["visit_ref"] == "V-1"
    assert data["start"] == "2026-11-26T01:00:00"
    assert data["doctor_code"] == "D1039"
    assert data["diagnosis"] == "急性胸痛；急性胃肠炎"
    assert data["total_charges"] == 115.5
    assert data["insurance_amount"] == 86.4
    assert data["charges"][1] == {
        "code": "C2",
        "name": "肌钙蛋白I",
        "category": "化验费",
        "quantity": 1,
        "amount": 85.5,
        "unit_price": 85.5,
        "insurance_amount": 68.4,
    }


def test_z_segments_accept_codes_and_words():
    upsert = hl7_text(msh("ZSC^Z01"), "ZSC|S1|XNK^心血管内科|D1001^陈志远|20261128|afternoon|E|20|50|3楼A区|12")
    data = codec.parse("hl7", upsert).data
    assert (data["session"], data["clinic_type"], data["capacity"], data["fee"]) == ("afternoon", "expert", 20, 50)
    stop = hl7_text(msh("ZSC^Z02"), "ZSC|S1" + "|" * 10 + "停诊\\.br\\改期")
    assert codec.parse("hl7", stop).data == {"ref": "S1", "reason": "停诊\n改期"}
    queue = hl7_text(msh("ZQC^Z01"), "ZQC|XNK^心血管内科|2诊室|A012")
    assert codec.parse("hl7", queue).data == {"department_code": "XNK", "room": "2诊室", "number": "A012"}
    complaint = hl7_text(msh("ZCP^Z01"), "ZCP|TS1|||服务态度|内容^含有^脱字符")
    assert codec.parse("hl7", complaint).data["content"] == "内容^含有^脱字符"


def test_vendor_admission_with_diagnoses_and_allergies():
    """An ADT^A01 as a HIS writes it: the admitting DG1 among others, AL1 with codes, an unknown
    severity and several reactions, the stay's number in PV1-19."""
    text = "\n".join(
        [
            msh("ADT^A01^ADT_A01", "ADT-9", "UNICODE UTF-8"),
            "EVN|A01|202611261020",
            "PID|1||P01100005^^^HIS^PI||陈^志强||19580304|M",
            "PV1|1|I|XNK^心内科一病区^12^YXZX||||D1001^陈^志远||||||||||D1003^李^晓明||ZY-77"
            + "|" * 25
            + "202611261015",
            "DG1|1||E11.9^2型糖尿病^ICD10|||W",
            "DG1|2||I21.0^急性前壁心肌梗死^ICD10|||A",
            "AL1|1|DA|DRUG-PCN^青霉素|U|皮疹~呼吸困难|20150603",
            "AL1|2|FA|海鲜",
            "AL1|3|XX|^花粉|MO",
        ]
    )
    message = codec.parse("hl7", text)
    assert message.type == "admission.admit"
    assert message.data == {
        "patient": {"his_patient_id": "P01100005", "name": "陈志强", "birth_date": "1958-03-04", "gender": "male"},
        "admission_no": "ZY-77",
        "department_code": "XNK",
        "ward": "心内科一病区",
        "bed": "12",
        "attending_doctor_code": "D1001",
        "bed_doctor_code": "D1003",
        "admitted_at": "2026-11-26T10:15:00",
        "diagnosis_code": "I21.0",
        "diagnosis": "急性前壁心肌梗死",
        "allergies": [
            {
                "allergen": "青霉素",
                "code": "DRUG-PCN",
                "type": "drug",
                "reaction": "皮疹、呼吸困难",
                "identified_at": "2015-06-03",
            },
            {"allergen": "海鲜", "type": "food"},
            {"allergen": "花粉", "type": "other", "severity": "moderate"},
        ],
    }


def test_transfer_discharge_and_cancel_take_their_times_from_the_event():
    transfer = hl7_text(
        msh("ADT^A02^ADT_A02"),
        "EVN|A02|202611270230||||202611270215",
        "PID|1||P01100005^^^HIS^PI",
        "PV1|1|I|XNK^心内科CCU^3|||XNK^心内科一病区^12" + "|" * 13 + "ZY-77",
    )
    assert codec.parse("hl7", transfer).data == {
        "patient": {"his_patient_id": "P01100005"},
        "admission_no": "ZY-77",
        "department_code": "XNK",
        "ward": "心内科CCU",
        "bed": "3",
        "from_department_code": "XNK",
        "from_ward": "心内科一病区",
        "from_bed": "12",
        "transferred_at": "2026-11-27T02:15:00",
    }
    # no EVN-6: the recorded time; no PV1-45: the event's time
    discharge = hl7_text(
        msh("ADT^A03"), "EVN|A03|202612030930", "PID|1||P01100005^^^HIS^PI", "PV1|1|I" + "|" * 17 + "ZY-77"
    )
    assert codec.parse("hl7", discharge).data["discharged_at"] == "2026-12-03T09:30:00"
    cancel = hl7_text(
        msh("ADT^A11"), "EVN|A11|202611261105||误办入院", "PID|1||P1^^^HIS^PI", "PV1|1|I" + "|" * 17 + "ZY-78"
    )
    assert codec.parse("hl7", cancel).data == {
        "patient": {"his_patient_id": "P1"},
        "admission_no": "ZY-78",
        "cancelled_at": "2026-11-26T11:05:00",
        "reason": "误办入院",
    }


def test_vital_signs_are_told_from_lab_results_by_their_panel():
    text = hl7_text(
        msh("ORU^R01^ORU_R01", "ICU-1").replace("|LIS|", "|ICU-CIS|"),
        "PID|1||P01100005^^^HIS^PI",
        "PV1|1|I|XNK" + "|" * 16 + "ZY-77",
        "OBR|1||VS-9|8716-3^生命体征^LN|||202611270300",
        "OBX|1|NM|8867-4^心率^LN||38|/min|60-100|LL|||F",
        "OBX|2|NM|SBP^收缩压^L^8480-6^^LN||86|mmHg|90-139|L~A|||F|||202611270258|||||||SBP-1",
        "OBX|3|ST|CONSC^意识||嗜睡||||||F",
    )
    message = codec.parse("hl7", text)
    assert message.type == "vital.signs"
    assert message.data == {
        "patient": {"his_patient_id": "P01100005"},
        "ref": "VS-9",
        "source_system": "ICU-CIS",
        "admission_no": "ZY-77",
        "department_code": "XNK",
        "observed_at": "2026-11-27T03:00:00",
        "observations": [
            {"code": "8867-4", "name": "心率", "loinc": "8867-4", "value": "38", "unit": "/min",
             "reference_range": "60-100", "flag": "LL"},
            {"code": "SBP", "name": "收缩压", "loinc": "8480-6", "value": "86", "unit": "mmHg",
             "reference_range": "90-139", "flag": "L", "observed_at": "2026-11-27T02:58:00", "ref": "SBP-1"},
            {"code": "CONSC", "name": "意识", "value": "嗜睡"},
        ],
    }  # fmt: skip
    # the local panel code works too; any other panel is a lab report
    assert codec.parse("hl7", text.replace("8716-3^生命体征^LN", "VITALS")).type == "vital.signs"
    with pytest.raises(CodecError, match="Invalid lab.result message"):
        codec.parse("hl7", text.replace("8716-3^生命体征^LN", "^电解质"))


def test_a_critical_imaging_finding_and_the_ecg_section():
    _control_id, data = EXAMPLES["imaging.report"]
    critical = dict(data, modality="ecg", critical=True, critical_finding="二度Ⅱ型房室传导阻滞，RR间期3.2秒")
    text = hl7codec.encode("imaging.report", "ECG-1", critical)
    assert "||EC|F" in text
    assert "|IMPRESSION^诊断意见||1. 脂肪肝（轻度）~2. 胆囊结石|||AA|||F" in text
    assert "|CRITICAL^危急值||二度Ⅱ型房室传导阻滞，RR间期3.2秒|||AA|||F" in text
    assert codec.parse("hl7", text).data == critical
    # the flag alone (a RIS that has no critical-finding OBX) makes the report critical
    flagged = "\r".join(line for line in text.split("\r") if "CRITICAL" not in line)
    parsed = codec.parse("hl7", flagged).data
    assert (parsed["critical"], "critical_finding" in parsed) == (True, False)
    # not flagged: not critical
    assert "critical" not in codec.parse("hl7", hl7codec.encode("imaging.report", "R-2", data)).data


@pytest.mark.parametrize(
    ("text", "status", "fragment"),
    [
        ("not hl7 at all", "AR", "must start with an MSH segment"),
        (hl7_text(msh("ADT^A13"), "PID|1||P1^^^HIS^PI"), "AR", "ADT^A13"),
        (hl7_text(msh("ADT^A01"), "PID|1||P1^^^HIS^PI"), "AE", "no PV1 segment"),
        (hl7_text(msh("ADT^A01"), "PID|1||P1^^^HIS^PI", "PV1|1|I|XNK^一病区^3"), "AE", "data.admission_no (PV1-19)"),
        (hl7_text(msh("ADT^A02"), "PID|1||P1^^^HIS^PI", "PV1|1|I|" + "|" * 16 + "ZY1"), "AE", "transferred_at"),
        (hl7_text(msh("QRY^Q01"), "QRD|1"), "AR", "Unsupported HL7 message type QRY^Q01"),
        (hl7_text(msh("SRM^S01"), "ARQ|A1"), "AR", "SRM^S01"),  # platform -> hospital type sent inbound
        (hl7_text(msh("ADT^A04", ""), "PID|1||P1^^^HIS^PI"), "AE", "control id"),
        (hl7_text(msh("ORU^R01"), "PID|1||P1^^^HIS^PI", "OBX|1|NM|K^钾||5"), "AE", "no OBR segment"),
        (hl7_text(msh("ADT^A04"), "PID|1||||张三"), "AE", "his_patient_id"),
        (hl7_text(msh("ADT^A04"), "PID|1||P1^^^HIS^PI||张三||19901345"), "AE", "PID-7"),
        (hl7_text(msh("ZSC^Z01"), "ZSC|S1|XNK|D1001|20261128|AM||many"), "AE", "ZSC-7 (capacity)"),
        (hl7_text(msh("ZSC^Z01"), "ZSC|S1|XNK|D1001|20261128|NIGHT||5"), "AE", "data.session (ZSC-5)"),
    ],
)
def test_errors(text, status, fragment):
    with pytest.raises(CodecError) as error:
        codec.parse("hl7", text)
    assert error.value.status == status
    assert fragment in str(error.value)


def test_missing_lab_fields_are_named_with_their_hl7_location():
    text = hl7_text(
        msh("ORU^R01", "C9"),
        "PID|1||P1^^^HIS^PI",
        "OBR|1" + "|" * 23 + "LAB|F",
        "OBX|1|NM|K^钾||||||||F",
        "OBX|2|NM|NA^钠||140|||ZZ",
    )
    with pytest.raises(CodecError) as error:
        codec.parse("hl7", text)
    message = str(error.value)
    assert error.value.status == "AE" and error.value.control_id == "C9"
    for fragment in [
        "data.report_no (OBR-3)",
        "data.title (OBR-4)",
        "data.reported_at (OBR-22)",
        "data.results[0].value (OBX-5)",
    ]:
        assert fragment in message
    assert error.value.hl7_code == "101"


def test_ack_swaps_sender_and_receiver_and_reports_errors():
    text = hl7_text(msh("ORU^R01", "LIS-1", "UNICODE UTF-8"), "PID|1||P1^^^HIS^PI")
    accepted = hl7.parse(codec.ack("hl7", text, "LIS-1", "AA"))
    assert str(accepted.segment("MSH")(3)) == "IHOSPITAL" and str(accepted.segment("MSH")(5)) == "LIS"
    assert str(accepted.segment("MSH")(4)) == "GATEWAY" and str(accepted.segment("MSH")(6)) == "YXZX"
    assert accepted.extract_field("MSH", 1, 9, 1, 1) == "ACK"
    assert accepted.extract_field("MSH", 1, 9, 1, 2) == "R01"
    assert accepted.extract_field("MSH", 1, 18) == "UNICODE UTF-8"
    assert (accepted["MSA.F1"], accepted["MSA.F2"]) == ("AA", "LIS-1")
    assert "ERR" not in [str(segment[0]) for segment in accepted]

    error = CodecError("AE", "missing required field data.report_no (OBR-3) | & ^", "LIS-1", "101")
    rejected = hl7.parse(codec.ack("hl7", text, "LIS-1", "AE", error))
    assert rejected["MSA.F1"] == "AE"
    assert rejected["MSA.F3"] == "missing required field data.report_no (OBR-3) | & ^"
    assert rejected.extract_field("ERR", 1, 3, 1, 1) == "101"
    assert rejected.extract_field("ERR", 1, 8) == str(error)


@pytest.mark.parametrize("garbage", [None, "", "garbage\x00\x01", "MSH|", "MSH|^~\\&|A|B|C|D|x||ORU^R01|ID7"])
def test_ack_works_on_garbage(garbage):
    reply = hl7.parse(codec.ack("hl7", garbage, None, "AR", "The message is not HL7 v2."))
    assert reply["MSA.F1"] == "AR"
    assert reply.extract_field("MSH", 1, 3) == ("C" if garbage and "ID7" in garbage else "IHOSPITAL")
    expected_id = "ID7" if garbage and "ID7" in garbage else ""
    assert reply["MSA.F2"] == expected_id


def test_decode_bytes_honours_msh18_over_the_endpoint_charset():
    _control_id, data = EXAMPLES["patient.register"]
    for declared, python_codec in [("UNICODE UTF-8", "utf-8"), ("GB 18030-2000", "gb18030"), ("GBK", "gbk")]:
        text = hl7codec.encode("patient.register", "C-" + python_codec, data, charset=declared)
        payload = b"\x0b" + text.encode(python_codec) + b"\x1c\r"
        endpoint_charset = "gbk" if python_codec == "utf-8" else "utf-8"
        decoded = codec.decode_bytes(payload, endpoint_charset, "hl7")
        assert decoded == text
        assert codec.encode_text(decoded, endpoint_charset) == text.encode(python_codec)
    undeclared = hl7codec.encode("patient.register", "C-none", data)
    assert codec.decode_bytes(undeclared.encode("gbk"), "gbk", "hl7") == undeclared


def test_decode_bytes_rejects_undecodable_bytes_naming_the_control_id():
    text = hl7_text(msh("ADT^A04", "BAD-1", "UNICODE UTF-8"), "PID|1||P1^^^HIS^PI||张三")
    with pytest.raises(CodecError) as error:
        codec.decode_bytes(text.encode("gbk"), "utf-8", "hl7")
    assert (error.value.status, error.value.control_id) == ("AR", "BAD-1")
    assert "utf-8" in str(error.value)


def test_rare_characters_outside_gbk_survive_a_gbk_endpoint():
    text = hl7_text(msh("ADT^A04", "R-1", "GBK"), "PID|1||P1^^^HIS^PI||王𬌗")
    assert codec.decode_bytes(codec.encode_text(text, "gbk"), "gbk", "hl7") == text


def test_encode_outbound_booking_structure():
    control_id, data = EXAMPLES["booking.create"]
    text = codec.encode_outbound("hl7", "booking.create", control_id, data, charset="utf-8")
    message = hl7.parse(text)
    assert message.extract_field("MSH", 1, 9, 1, 1) == "SRM" and message.extract_field("MSH", 1, 9, 1, 2) == "S01"
    assert message.extract_field("MSH", 1, 18) == "UNICODE UTF-8"
    assert message.extract_field("ARQ", 1, 1) == "APT/2026/00042"
    assert message.extract_field("ARQ", 1, 11) == "20261128091200+0800"
    assert message.extract_field("AIG", 1, 3) == "D1001"
    assert message.extract_field("AIL", 1, 3) == "XNK"
    assert [message.extract_field("ZBK", 1, n) for n in range(1, 6)] == ["7", "20261128", "AM", "50", "Y"]
    cancel = hl7.parse(codec.encode_outbound("hl7", "booking.cancel", *EXAMPLES["booking.cancel"]))
    assert cancel.extract_field("ARQ", 1, 2) == "HIS-APPT-778"
    assert cancel.extract_field("ARQ", 1, 6, 1, 1) == "PATIENT"
    sync = codec.encode_outbound("hl7", "patient.sync", *EXAMPLES["patient.sync"])
    assert "ADT^A31^ADT_A05" in sync
    with pytest.raises(CodecError) as error:
        codec.encode_outbound("hl7", "booking.create", "X1", {"appointment_ref": "A1"})
    assert error.value.status == "AE" and "data.patient" in str(error.value)
    with pytest.raises(CodecError):
        codec.encode_outbound("hl7", "lab.result", "X2", {})


def test_parse_reply_variants():
    booking = codec.encode_outbound("hl7", "booking.create", *EXAMPLES["booking.create"])
    srr = codec.ack("hl7", booking, "OUT20261126000042", "AA", his_ref="HIS-778")
    assert srr.split("\r")[0].split("|")[8] == "SRR^S01^SRR_S01"
    assert codec.parse_reply("hl7", srr) == {"status": "AA", "error": "", "his_ref": "HIS-778"}
    assert codec.parse_reply("hl7", codec.ack("hl7", booking, "X", "AE", "号源已满")) == {
        "status": "AE",
        "error": "号源已满",
        "his_ref": "",
    }
    err_only = hl7_text(msh("ACK"), "MSA|AR|X", "ERR|||207^Application internal error^HL70357|E||||患者不存在")
    assert codec.parse_reply("hl7", err_only) == {"status": "AR", "error": "患者不存在", "his_ref": ""}
    assert codec.parse_reply("hl7", hl7_text(msh("ACK"), "MSA|CA|X"))["status"] == "AA"
    assert codec.parse_reply("hl7", "garbage")["status"] == "AE"
    assert codec.parse_reply("hl7", hl7_text(msh("ACK")))["status"] == "AE"


def test_outbound_adt_a31_reads_as_patient_sync_only_when_asked():
    text = codec.encode_outbound("hl7", "patient.sync", *EXAMPLES["patient.sync"])
    assert codec.parse("hl7", text, outbound=True).type == "patient.sync"
    assert codec.parse("hl7", text).type == "patient.update"


def test_critical_receipt_zcr_structure_and_errors():
    control_id, data = EXAMPLES["critical.receipt"]
    message = hl7.parse(codec.encode_outbound("hl7", "critical.receipt", control_id, data))
    assert message.extract_field("MSH", 1, 9, 1, 1) == "ZCR" and message.extract_field("MSH", 1, 9, 1, 2) == "Z01"
    assert message.extract_field("ZCR", 1, 1) == "WJZ/2026/00042"
    assert message.extract_field("ZCR", 1, 8, 1, 2) == "陈志强"
    assert message.extract_field("ZCR", 1, 10) == "20261126093300+0800"
    # identifiers only: a receipt never carries the identity number, name or phone
    assert message.extract_field("PID", 1, 3, 1, 1) == "P01100023" and "PID|1||P01100023^^^HIS^PI~YX010000024" in str(
        message
    )
    # without a patient (one never identified) there is no PID; a value with the separators survives
    bare = dict(data, patient=None, value="<0.5^x|y", item="血培养 & 药敏")
    text = codec.encode_outbound("hl7", "critical.receipt", "X3", bare)
    assert "\rPID" not in text and not text.split("\r")[1].startswith("PID")
    parsed = codec.parse("hl7", text, outbound=True)
    assert (
        parsed.data["value"] == "<0.5^x|y" and parsed.data["item"] == "血培养 & 药敏" and "patient" not in parsed.data
    )
    # a hospital system never sends one
    with pytest.raises(CodecError) as error:
        codec.parse("hl7", text)
    assert error.value.status == "AR"
    # the fields a register needs are named with their HL7 location
    missing = hl7_text(msh("ZCR^Z01", "X4"), "ZCR|WJZ/1|LR1|lab|K^钾||||^||")
    with pytest.raises(CodecError) as error:
        codec.parse("hl7", missing, outbound=True)
    assert error.value.status == "AE"
    for fragment in ["data.acknowledged_by (ZCR-8.2)", "data.acknowledged_at (ZCR-10)"]:
        assert fragment in str(error.value)
    wrong_role = hl7_text(msh("ZCR^Z01", "X5"), "ZCR|WJZ/1|LR1|lab|K^钾||||^张三|chef|20261126093300")
    with pytest.raises(CodecError) as error:
        codec.parse("hl7", wrong_role, outbound=True)
    assert "data.acknowledged_role (ZCR-9)" in str(error.value)


def _doc_examples(language: str) -> list[str]:
    examples = DOC.read_text(encoding="utf-8").split("## Examples", 1)[1]
    return re.findall(r"```%s\n(.*?)```" % language, examples, re.S)


def test_every_hl7_example_in_the_protocol_document_parses():
    blocks = _doc_examples("hl7")
    assert len(blocks) >= 2 * len(EXAMPLES)
    seen = set()
    for block in blocks:
        text = block.strip().replace("\n", "\r")
        if "\rMSA|" in text:
            reply = codec.parse_reply("hl7", text)
            assert reply["status"] in ("AA", "AE", "AR"), block
            continue
        outbound = text.startswith("MSH|^~\\&|IHOSPITAL|")  # the platform's messages come from the gateway
        message = codec.parse("hl7", text, outbound=outbound)
        if message.type in EXAMPLES:
            assert message.data == EXAMPLES[message.type][1], message.type
        seen.add(message.type)
    assert seen >= set(EXAMPLES)


def test_exam_reports_are_told_apart_by_their_package_coding_or_section():
    """A vendor's physical-exam report: the package coded PEXAM in OBR-4 (or OBR-24 PE), items by section
    in OBX-4, an item's conclusion in the NTE after it, the chief examiner in OBR-32."""
    text = hl7_text(
        msh("ORU^R01", "PE-9"),
        "PID|1||P01100005^^^HIS^PI",
        "OBR|1||TJ-9|TJ-ND01^年度体检套餐^PEXAM|||202611200830|||||||||D9999||||||202611231630|||C"
        "|||||||D1001&陈&志远",
        "OBX|1|NM|BMI^体重指数|一般检查|25.1|kg/m²|18.5-23.9|H|||F",
        "NTE|1|L|超重",
        "NTE|2|L|建议控制体重",
        "OBX|2|ST|US-LIVER^肝胆胰脾|腹部彩超|肝实质回声增粗增强||||||F",
        "NTE|1|L|轻度脂肪肝",
        "OBX|3|CE|COLOR^色觉|眼科|N^正常||||||F",
        "OBX|4|TX|SUMMARY^总检结论||1. 超重~2. 轻度脂肪肝||||||F",
        "OBX|5|TX|ADVICE^总检建议||控制体重，半年后复查腹部彩超。||||||F",
    )
    message = codec.parse("hl7", text)
    assert message.type == "exam.report"
    assert message.data == {
        "patient": {"his_patient_id": "P01100005"},
        "report_no": "TJ-9",
        "status": "corrected",
        "reported_at": "2026-11-23T16:30:00",
        "package_code": "TJ-ND01",
        "package_name": "年度体检套餐",
        "exam_date": "2026-11-20",
        "chief_examiner_code": "D1001",
        "chief_examiner": "陈志远",
        "items": [
            {"section": "一般检查", "code": "BMI", "name": "体重指数", "value": "25.1", "unit": "kg/m²",
             "reference_range": "18.5-23.9", "flag": "H", "conclusion": "超重\n建议控制体重"},
            {"section": "腹部彩超", "code": "US-LIVER", "name": "肝胆胰脾", "value": "肝实质回声增粗增强",
             "conclusion": "轻度脂肪肝"},
            {"section": "眼科", "code": "COLOR", "name": "色觉", "value": "正常"},
        ],
        "conclusion": "1. 超重\n2. 轻度脂肪肝",
        "advice": "控制体重，半年后复查腹部彩超。",
    }  # fmt: skip
    # the section alone tells it too; without either it is a lab report (and one without a title)
    by_section = text.replace("^PEXAM|", "|").replace("|||C|", "||PE|C|")
    assert codec.parse("hl7", by_section).type == "exam.report"
    assert codec.parse("hl7", text.replace("^PEXAM|", "|")).type == "lab.result"


@pytest.mark.parametrize(
    ("segments", "fragment"),
    [
        (["OBR|1||TJ-1|TJ^体检^PEXAM|||20261120", "OBX|1|ST|H^身高|一般检查|170||||||F"], "data.reported_at (OBR-22)"),
        (["OBR|1||TJ-1|TJ^体检^PEXAM|||||||||||||||||20261123", "OBX|1|ST|H^身高|一般检查|170"], "exam_date (OBR-7)"),
        (["OBR|1||TJ-1|TJ^体检^PEXAM|||20261120|||||||||||||||20261123", "OBX|1|ST|H^身高||170"], "items[0].section"),
        (["OBR|1||TJ-1|TJ^体检^PEXAM|||20261120|||||||||||||||20261123", "OBX|1|ST|H^身高|内科|170|||Z"], "flag"),
        (["OBR|1||TJ-1|TJ^体检^PEXAM|||2026-11|||||||||||||||20261123", "OBX|1|ST|H^身高|内科|170"], "OBR-7"),
    ],
)
def test_exam_report_errors_name_the_hl7_field(segments, fragment):
    with pytest.raises(CodecError) as error:
        codec.parse("hl7", hl7_text(msh("ORU^R01", "PE-E"), "PID|1||P1^^^HIS^PI", *segments))
    assert error.value.status == "AE"
    assert fragment in str(error.value)


def test_adt_a60_adds_updates_and_removes_allergies_and_alerts():
    text = hl7_text(
        msh("ADT^A60^ADT_A60", "A60-1"),
        "EVN|A60|202611261405",
        "PID|1||P01100005^^^HIS^PI",
        "PV1|1|O",
        "IAM|1|DA|DRUG-PCN^青霉素|SV|过敏性休克~喉头水肿|A|GM-1||||20150603",
        "IAM|2|ALERT|ALERT-FALL^跌倒高风险|MO|床栏保护|U|JS-1",
        "IAM|3|ZZ|花粉|||X",
        "IAM|4|FA|FOOD-SEA^海鲜|U||D|GM-2",
    )
    message = codec.parse("hl7", text)
    assert message.type == "patient.allergy"
    assert message.data == {
        "patient": {"his_patient_id": "P01100005"},
        "recorded_at": "2026-11-26T14:05:00",
        "allergies": [
            {"action": "add", "ref": "GM-1", "type": "drug", "allergen": "青霉素", "code": "DRUG-PCN",
             "severity": "severe", "reaction": "过敏性休克、喉头水肿", "identified_at": "2015-06-03"},
            {"action": "update", "ref": "JS-1", "kind": "alert", "allergen": "跌倒高风险", "code": "ALERT-FALL",
             "severity": "moderate", "reaction": "床栏保护"},
            {"action": "update", "type": "other", "allergen": "花粉"},
            {"action": "remove", "ref": "GM-2", "type": "food", "allergen": "海鲜", "code": "FOOD-SEA"},
        ],
    }  # fmt: skip
    # EVN-6 (when it happened) wins over EVN-2 (when it was keyed in)
    later = text.replace("EVN|A60|202611261405", "EVN|A60|202611261405||||202611261350+0800")
    assert codec.parse("hl7", later).data["recorded_at"] == "2026-11-26T13:50:00+08:00"


@pytest.mark.parametrize(
    ("segments", "status", "fragment"),
    [
        (["EVN|A60|202611261405", "PID|1||P1^^^HIS^PI"], "AE", "no IAM segment"),
        (["EVN|A60", "PID|1||P1^^^HIS^PI", "IAM|1|DA|青霉素|||A"], "AE", "data.recorded_at (EVN-6)"),
        (["EVN|A60|202611261405", "PID|1||P1^^^HIS^PI", "IAM|1|DA|青霉素"], "AE", "allergies[0].action (IAM-6)"),
        (["EVN|A60|202611261405", "PID|1||P1^^^HIS^PI", "IAM|1|DA|青霉素|||Q"], "AE", "must be one of"),
        (["EVN|A60|202611261405", "PID|1||P1^^^HIS^PI", "IAM|1|DA||||A"], "AE", "allergies[0].allergen (IAM-3.2)"),
    ],
)
def test_adt_a60_errors(segments, status, fragment):
    with pytest.raises(CodecError) as error:
        codec.parse("hl7", hl7_text(msh("ADT^A60", "A60-E"), *segments))
    assert error.value.status == status
    assert fragment in str(error.value)


def test_orders_as_a_his_writes_them():
    """ORM^O01 for a lab, nursing or diet order (OBR-24 says which), OMP^O09 for a drug (RXO), ORC-1 the
    event: a vendor's variants (XX, OD, OC, an imaging section, an unknown section) are understood."""
    pid = "PID|1||P01100023^^^HIS^PI"
    lab = hl7_text(
        msh("ORM^O01", "O1"),
        pid,
        "PV1|1|I|XNK^心内科一病区^12||||||||||||||||ZY1",
        "ORC|NW|YZ1||||||||||D1003^李晓明" + "|" * 17 + "T",
        "TQ1|1||st||||202611260700",
        "OBR|1|YZ1||250101001^血常规" + "|" * 20 + "LAB",
        "NTE|1||晨起空腹",
        "NTE|2||采血后送检",
    )
    message = codec.parse("hl7", lab)
    assert message.type == "order.new"
    assert message.data == {
        "patient": {"his_patient_id": "P01100023"},
        "order_no": "YZ1",
        "admission_no": "ZY1",
        "department_code": "XNK",
        "doctor_code": "D1003",
        "term": "temporary",
        "kind": "lab",
        "item_code": "250101001",
        "item_name": "血常规",
        "frequency": "st",
        "start_at": "2026-11-26T07:00:00",
        "note": "晨起空腹\n采血后送检",
    }
    assert message.patient_key == "his:P01100023"
    ct = lab.replace("|LAB", "|CT").replace("ORC|NW|YZ1|||||||", "ORC|XX|YZ1|||||||202611270310")
    ct = ct.replace("PV1|1|I", "PV1|1|O")
    message = codec.parse("hl7", ct)
    assert (message.type, message.data["kind"], message.data["visit_ref"]) == ("order.change", "exam", "ZY1")
    assert "admission_no" not in message.data
    # a stop without TQ1-8 stops at ORC-9; an unknown section is "other"
    stop = hl7_text(msh("ORM^O01", "O2"), pid, "ORC|OD|YZ1|||||||202611280900", "OBR|1|YZ1||X^理疗" + "|" * 20 + "ZZZ")
    message = codec.parse("hl7", stop)
    assert (message.type, message.data["stop_at"], message.data["kind"]) == (
        "order.stop",
        "2026-11-28T09:00:00",
        "other",
    )
    cancel = hl7_text(
        msh("OMP^O09", "O3"), pid, "ORC|OC|YZ1|||||||202611261102" + "|" * 7 + "^开错", "RXO|X-1^阿司匹林|100||mg"
    )
    message = codec.parse("hl7", cancel)
    assert (message.type, message.data["kind"], message.data["reason"], message.data["dose"]) == (
        "order.cancel",
        "drug",
        "开错",
        "100",
    )


def test_bad_orders_and_executions_are_refused_with_the_field_named():
    pid = "PID|1||P01100023^^^HIS^PI"
    unknown_control = hl7_text(msh("ORM^O01", "B1"), pid, "ORC|SC|YZ1")
    with pytest.raises(CodecError) as error:
        codec.parse("hl7", unknown_control)
    assert (error.value.status, error.value.hl7_code) == ("AE", "103")
    assert "ORC-1" in str(error.value)
    with pytest.raises(CodecError) as error:
        codec.parse("hl7", hl7_text(msh("ORM^O01", "B2"), pid))
    assert "no ORC segment" in str(error.value)
    # a new order without its item or start
    no_item = hl7_text(msh("ORM^O01", "B3"), pid, "ORC|NW|YZ1", "OBR|1|YZ1|||" + "|" * 20 + "NUR")
    with pytest.raises(CodecError) as error:
        codec.parse("hl7", no_item)
    for fragment in ["data.item_name (RXO-1.2 or OBR-4.2)", "data.start_at (TQ1-7)"]:
        assert fragment in str(error.value)
    bad_time = hl7_text(msh("OMP^O09", "B4"), pid, "ORC|NW|YZ1", "TQ1|1||qd||||tomorrow", "RXO|X^阿司匹林")
    with pytest.raises(CodecError) as error:
        codec.parse("hl7", bad_time)
    assert "TQ1-7" in str(error.value)
    # an execution: RXA-20 from table 0322, RXA-3 required
    orc = "ORC|RE|YZ1|ZX1"
    wrong_status = hl7_text(msh("RAS^O17", "B5"), pid, orc, "RXA|0|1|202611270805" + "|" * 17 + "XX")
    with pytest.raises(CodecError) as error:
        codec.parse("hl7", wrong_status)
    assert "RXA-20" in str(error.value)
    no_time = hl7_text(msh("RAS^O17", "B6"), pid, "ORC|RE|YZ1", "RXA|0|1" + "|" * 8 + "N2004^黄丽娟")
    with pytest.raises(CodecError) as error:
        codec.parse("hl7", no_time)
    assert "data.execution_no (ORC-3)" in str(error.value) and "data.executed_at (RXA-3)" in str(error.value)
    skipped = hl7_text(
        msh("RAS^O17", "B7"), pid, orc, "RXA|0|1|202611270805" + "|" * 7 + "N2004^黄^丽娟" + "|" * 8 + "^患者拒绝||RE"
    )
    message = codec.parse("hl7", skipped)
    assert (message.type, message.data["status"], message.data["reason"], message.data["executor_name"]) == (
        "order.execution",
        "skipped",
        "患者拒绝",
        "黄丽娟",
    )
    given = codec.parse("hl7", hl7_text(msh("RAS^O17", "B8"), pid, orc, "RXA|0|1|202611270805"))
    assert given.data["status"] == "given", "an administration record without RXA-20 was given"
