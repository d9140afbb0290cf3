"""The gateway, the HIS simulator and Odoo working together, each in its own
process over real sockets, on a copy of the test database.

What a hospital depends on: a message the gateway acknowledged reaches Odoo
exactly once, whatever stops in between (Odoo, or the gateway itself with
kill -9); a booking made on the platform reaches the HIS and the HIS's answer
is recorded; bad input gets a NAK and the gateway keeps serving.
"""

import contextlib
import datetime
import json
import random
import signal
import socket
import sqlite3
import subprocess
import threading
import time

import pytest
from his_harness import (
    VENV_BIN,
    OdooServer,
    Process,
    copy_database,
    drop_database,
    free_port,
    gateway_key,
    need_env,
    wait_for,
    wait_port,
)
from ihospital_gateway import simulator

DB = "ihospital_t_his_int"
GATEWAY = str(VENV_BIN / "ihospital-gateway")


class Stack:
    """Odoo plus the gateway, with the addresses the hospital systems use."""

    def __init__(self, tmp, odoo):
        self.tmp = tmp
        self.odoo = odoo
        self.rpc = odoo.rpc()
        self.key_file = tmp / "api-key"
        gateway_key(DB, odoo.pgsock, self.key_file)
        self.hl7_port, self.json_port = free_port(), free_port()
        self.his_hl7_port, self.his_json_port = free_port(), free_port()
        self.spool = tmp / "spool.sqlite3"
        self.config = tmp / "gateway.toml"
        self.config.write_text(
            f"""
[odoo]
url = "{odoo.url}"
db = "{DB}"
login = "his-gateway"
api_key_file = "{self.key_file}"
timeout = 10
heartbeat_interval = 2
config_interval = 5
[spool]
path = "{self.spool}"
[forward]
backoff_initial = 0.2
backoff_max = 2
[outbound]
pull_interval = 0.5
his_timeout = 5
[limits]
max_message_bytes = 65536
read_timeout = 3
[[endpoint]]
code = "gz-his"
protocol = "hl7"
listen = "127.0.0.1:{self.hl7_port}"
charset = "utf-8"
his = "127.0.0.1:{self.his_hl7_port}"
[[endpoint]]
code = "gz-json"
protocol = "json"
listen = "127.0.0.1:{self.json_port}"
charset = "gbk"
his = "127.0.0.1:{self.his_json_port}"
"""
        )
        self.gateway = None
        self.start_gateway()

    def start_gateway(self):
        self.gateway = Process([GATEWAY, "run", "--config", str(self.config)], self.tmp / "gateway.log").start()
        wait_port(self.hl7_port)
        wait_port(self.json_port)

    def simulator_args(self, *args):
        return [
            GATEWAY,
            "simulate-his",
            f"--hl7=127.0.0.1:{self.hl7_port}",
            f"--json=127.0.0.1:{self.json_port}",
            f"--listen-hl7=127.0.0.1:{self.his_hl7_port}",
            f"--listen-json=127.0.0.1:{self.his_json_port}",
            *args,
        ]

    def send_hl7(self, text):
        return simulator.send_mllp("127.0.0.1", self.hl7_port, text, "utf-8", timeout=10)

    def send_json(self, message):
        return simulator.send_json("127.0.0.1", self.json_port, message, "gbk", timeout=10)

    def spool_pending(self):
        """Messages the gateway holds that Odoo has not stored yet."""
        with sqlite3.connect(f"file:{self.spool}?mode=ro", uri=True, timeout=10) as conn:
            return conn.execute("SELECT count(*) FROM inbound WHERE state = 'pending'").fetchone()[0]

    def wait_drained(self, timeout=120):
        """The gateway's spool reached Odoo, and Odoo applied what it stored
        (its processing cron runs right after each gateway call)."""
        wait_for(lambda: self.spool_pending() == 0, timeout, "the gateway's spool to reach Odoo")
        received = [("direction", "=", "in"), ("state", "=", "received")]
        wait_for(lambda: self.rpc.count("ihospital.his.message", received) == 0, 60, "Odoo to apply what it received")

    def messages(self, control_ids):
        return self.rpc(
            "ihospital.his.message",
            "search_read",
            [("direction", "=", "in"), ("control_id", "in", list(control_ids))],
            fields=["control_id", "state", "error", "message_type"],
        )


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("his")
    copy_database(need_env("IHOSPITAL_TEST_DB") + "_template", DB)
    odoo = OdooServer(DB, need_env("IHOSPITAL_PGSOCK"), tmp / "odoo.log").start()
    stack = None
    try:
        stack = Stack(tmp, odoo)
        yield stack
    finally:
        if stack and stack.gateway:
            stack.gateway.stop()
        odoo.stop()
        drop_database(DB)


def lab_results(stack, first_serial, count, prefix):
    """Register one new patient, then build `count` ORU^R01 for them; returns (control ids, texts)."""
    rng = random.Random(first_serial)
    patient = simulator.new_patient(rng, first_serial)
    reply = stack.send_hl7(simulator.build_patient_register(f"{prefix}-REG", patient))
    assert "|AA|" in reply, reply
    ids = [f"{prefix}-{n:05d}" for n in range(count)]
    return ids, [simulator.build_lab_result(cid, patient, rng) for cid in ids]


def test_simulated_hospital_traffic_lands_in_odoo(stack):
    rpc = stack.rpc
    before = rpc("ihospital.his.message", "search", [], order="id desc", limit=1)[0]
    run = subprocess.run(
        stack.simulator_args("--scenario=once", "--seed=7", "--count=3", "--json-charset=gbk"),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    stack.wait_drained()
    # The channels are processed by separate workers: a result may overtake
    # its patient's registration and wait for it; the retry cron, woken by
    # whichever commits last, processes it within moments.
    unprocessed = [("id", ">", before), ("direction", "=", "in"), ("state", "in", ["failed", "dead"])]
    with contextlib.suppress(AssertionError):  # the assertion below says which
        wait_for(lambda: rpc.count("ihospital.his.message", unprocessed) == 0, 30, "waiting messages to be retried")
    problems = rpc(
        "ihospital.his.message", "search_read", unprocessed, fields=["control_id", "message_type", "state", "error"]
    )
    assert not problems, f"messages the simulator sent that Odoo could not process: {problems}"
    run_domain = [("id", ">", before), ("direction", "=", "in")]
    groups = rpc("ihospital.his.message", "read_group", run_domain, ["message_type"], ["message_type"])
    by_type = {group["message_type"]: group["message_type_count"] for group in groups}
    for kind in (
        "master.hospital",
        "master.departments",
        "master.doctors",
        "schedule.upsert",
        "schedule.stop",
        "patient.register",
        "patient.update",
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
    ):
        assert by_type.get(kind), f"the simulator sent no {kind} that Odoo recorded ({by_type})"
    assert rpc.count("ihospital.lab.report", [("is_critical", "=", True)]), "no critical lab report"
    modalities = {r["modality"] for r in rpc("ihospital.imaging.report", "search_read", [], fields=["modality"])}
    assert {"radiology", "ct", "mr", "ultrasound", "ecg", "endoscopy", "pathology"} <= modalities, modalities
    assert rpc.count("ihospital.imaging.report", [("is_critical", "=", True), ("modality", "=", "ecg")])
    packages = {r["package_name"] for r in rpc("ihospital.exam.report", "search_read", [], fields=["package_name"])}
    assert {"入职体检套餐", "年度体检套餐（标准版）"} <= packages, packages
    assert rpc.count("ihospital.patient.allergy", [("kind", "=", "alert"), ("his_ref", "!=", False)])
    assert rpc.count("ihospital.patient.allergy", [("active", "=", False), ("his_ref", "!=", False)]), "one removed"
    assert rpc.count("ihospital.admission", [("state", "=", "admitted"), ("ward", "!=", False)])
    assert rpc.count("ihospital.admission", [("state", "=", "discharged")])
    assert rpc.count("ihospital.admission", [("state", "=", "cancelled")])
    assert rpc.count("ihospital.admission.transfer", [])
    assert rpc.count("ihospital.vital.sign", [("is_critical", "=", True), ("admission_id", "!=", False)])
    assert rpc.count("ihospital.medical.order", [("state", "=", "stopped"), ("admission_id", "!=", False)])
    assert rpc.count("ihospital.medical.order", [("state", "=", "cancelled")])
    assert rpc.count("ihospital.order.execution", [("state", "=", "skipped"), ("executor_id", "!=", False)])
    assert rpc.count("ihospital.visit", [("external_ref", "!=", False), ("total_charges", ">", 0)])
    assert rpc.count("ihospital.complaint", [("source", "=", "his")])
    assert rpc.count("ihospital.schedule", [("source", "=", "his")])
    # what the follow-up reads: a death (ADT^A08, PID-30), a surgical discharge (PR1), visits' ICD-10 codes
    assert rpc.count("ihospital.patient", [("deceased", "=", True), ("deceased_at", "!=", False)])
    assert rpc.count("ihospital.admission", [("state", "=", "discharged"), ("surgery_at", "!=", False)])
    assert rpc.count("ihospital.visit", [("external_ref", "!=", False), ("diagnosis_code", "!=", False)])


def test_an_inpatients_stay_and_critical_vital_sign_through_the_gateway(stack):
    """HL7 and JSON as a hospital sends them: the transfer overtakes the
    admission (another channel), a critical vital sign from the ICU and a
    critical ECG finding; Odoo ends with one stay where the patient lies now,
    its history, the allergy, and the critical values linked to the stay."""
    rpc = stack.rpc
    rng = random.Random(950001)
    patient = simulator.new_patient(rng, 950001)
    admit = dict(
        simulator.admission_data(rng, patient, "ZY-E2E-1", department_code="XNK"),
        bed="12",
        ward="心内科一病区",
        admitted_at="2026-11-26T10:20:00+08:00",
        allergies=[{"allergen": "青霉素", "code": "DRUG-PCN", "type": "drug", "severity": "severe"}],
    )
    transfer = {
        "admission_no": "ZY-E2E-1",
        "patient": {"his_patient_id": patient["his_patient_id"], "name": patient["name"]},
        "department_code": "XNK",
        "ward": "心内科CCU",
        "bed": "3",
        "bed_doctor_code": "D1002",
        "from_ward": "心内科一病区",
        "from_bed": "12",
        "transferred_at": "2026-11-27T02:15:00+08:00",
    }
    reply = stack.send_json(json.loads(simulator.build("json", "admission.transfer", "E2E-ADT-2", transfer)))
    assert reply["status"] == "AA", reply
    assert "|AA|" in stack.send_hl7(simulator.build("hl7", "admission.admit", "E2E-ADT-1", admit))
    signs = dict(
        simulator.vital_signs_data(rng, {"his_patient_id": patient["his_patient_id"]}, "VS-E2E-1"),
        observations=[{"code": "HR", "name": "心率", "loinc": "8867-4", "value": "36", "unit": "次/分", "flag": "LL"}],
    )
    signs.pop("department_code")
    assert "|AA|" in stack.send_hl7(simulator.build("hl7", "vital.signs", "E2E-VS-1", signs))
    ecg = simulator.imaging_report_data(rng, {"his_patient_id": patient["his_patient_id"]}, "ECG-E2E-1", "ecg", True)
    assert "|AA|" in stack.send_hl7(simulator.build("hl7", "imaging.report", "E2E-ECG-1", ecg))
    stack.wait_drained()
    ids = ["E2E-ADT-1", "E2E-ADT-2", "E2E-VS-1", "E2E-ECG-1"]
    wait_for(
        lambda: {m["state"] for m in stack.messages(ids)} == {"processed"},
        30,
        "the four messages processed",
    )
    stays = rpc(
        "ihospital.admission",
        "search_read",
        [("name", "=", "ZY-E2E-1")],
        fields=["patient_id", "ward", "bed", "bed_doctor_id", "state", "admission_diagnosis_code", "transfer_ids"],
    )
    assert len(stays) == 1, stays
    stay = stays[0]
    assert (stay["ward"], stay["bed"], stay["state"]) == ("心内科CCU", "3", "admitted"), stay
    assert stay["admission_diagnosis_code"] == admit["diagnosis_code"]
    assert len(stay["transfer_ids"]) == 1
    patient_id = stay["patient_id"][0]
    assert rpc("ihospital.patient", "read", [patient_id], ["name"])[0]["name"] == patient["name"]
    assert rpc.count("ihospital.patient.allergy", [("patient_id", "=", patient_id), ("allergen", "=", "青霉素")]) == 1
    vital = rpc(
        "ihospital.vital.sign",
        "search_read",
        [("his_ref", "=", "VS-E2E-1/HR")],
        fields=["is_critical", "admission_id", "patient_id", "department_id", "source_system"],
    )[0]
    assert vital["is_critical"] and vital["admission_id"][0] == stay["id"] and vital["patient_id"][0] == patient_id
    assert vital["department_id"], "the stay's department"
    report = rpc("ihospital.imaging.report", "search_read", [("name", "=", "ECG-E2E-1")], fields=["is_critical"])
    assert report[0]["is_critical"]


def test_an_inpatients_orders_and_their_executions_through_the_gateway(stack):
    """HL7 as a HIS and a nursing system send it: the nurse's execution
    (RAS^O17) overtakes its drug order (OMP^O09) and waits for it; a lab
    order (ORM^O01) and a change of the drug's frequency follow. Odoo ends
    with both orders on the stay, the change applied and in the history,
    and the execution by the nurse."""
    rpc = stack.rpc
    rng = random.Random(950002)
    patient = simulator.new_patient(rng, 950002)
    admission = simulator.admission_data(rng, patient, "ZY-E2E-ORD", department_code="XNK")
    assert "|AA|" in stack.send_hl7(simulator.build("hl7", "admission.admit", "E2E-ORD-ADT", admission))
    stack.wait_drained()
    drug = dict(simulator.order_data(rng, admission, "YZ-E2E-1", "drug"), frequency="qd", dose="100", dose_unit="mg")
    lab = simulator.order_data(rng, admission, "YZ-E2E-2", "lab")
    given = dict(simulator.execution_data(rng, drug, "ZX-E2E-1"), executor_code="N2004")
    reply = stack.send_hl7(simulator.build("hl7", "order.execution", "E2E-ORD-ZX", given))
    assert "|AA|" in reply, reply
    stack.wait_drained()
    waiting = stack.messages(["E2E-ORD-ZX"])[0]
    assert waiting["state"] == "failed", waiting
    assert "|AA|" in stack.send_hl7(simulator.build("hl7", "order.new", "E2E-ORD-1", drug))
    assert "|AA|" in stack.send_hl7(simulator.build("hl7", "order.new", "E2E-ORD-2", lab))
    change = {
        "order_no": "YZ-E2E-1",
        "patient": {"his_patient_id": patient["his_patient_id"]},
        "changed_at": simulator.now_iso(1),
        "frequency": "bid",
        "reason": "遵医嘱调整频次",
    }
    assert "|AA|" in stack.send_hl7(simulator.build("hl7", "order.change", "E2E-ORD-3", change))
    stack.wait_drained()
    ids = ["E2E-ORD-ZX", "E2E-ORD-1", "E2E-ORD-2", "E2E-ORD-3"]
    wait_for(lambda: {m["state"] for m in stack.messages(ids)} == {"processed"}, 30, "the order messages processed")
    orders = rpc(
        "ihospital.medical.order",
        "search_read",
        [("name", "in", ["YZ-E2E-1", "YZ-E2E-2"])],
        fields=["name", "kind", "state", "frequency", "admission_id", "department_id", "execution_ids", "event_ids"],
        order="name",
    )
    assert [(o["name"], o["kind"]) for o in orders] == [("YZ-E2E-1", "drug"), ("YZ-E2E-2", "lab")], orders
    drug_order = orders[0]
    assert (drug_order["state"], drug_order["frequency"]) == ("changed", "bid"), drug_order
    assert drug_order["admission_id"][1].startswith("ZY-E2E-ORD") and drug_order["department_id"]
    assert len(drug_order["event_ids"]) == 2 and len(drug_order["execution_ids"]) == 1
    execution = rpc("ihospital.order.execution", "read", drug_order["execution_ids"], ["state", "executor_id", "dose"])[
        0
    ]
    assert execution["state"] == "given" and execution["executor_id"] and execution["dose"] == "100", execution


def test_an_exam_report_and_allergy_changes_through_the_gateway(stack):
    """HL7 as a health check centre and a HIS send them, through the real
    gateway: a physical-exam report that overtakes its patient's
    registration (stored unmatched, attached when it arrives), its
    correction, and ADT^A60 allergy changes whose removal overtakes the
    addition it follows (the entry stays removed)."""
    rpc = stack.rpc
    rng = random.Random(960001)
    patient = simulator.new_patient(rng, 960001)
    exam = simulator.exam_report_data(rng, {"his_patient_id": patient["his_patient_id"]}, "TJ-E2E-1", "TJ-RZ01")
    assert "|AA|" in stack.send_hl7(simulator.build("hl7", "exam.report", "E2E-PE-1", exam))
    removal = {
        "patient": {"his_patient_id": patient["his_patient_id"]},
        "recorded_at": "2026-11-26T15:00:00+08:00",
        "allergies": [{"action": "remove", "ref": "GM-E2E-2", "kind": "alert", "allergen": "跌倒高风险"}],
    }
    addition = simulator.allergy_change_data(
        rng, {"his_patient_id": patient["his_patient_id"]}, "GM-E2E", "2026-11-26T14:00:00+08:00"
    )
    assert "|AA|" in stack.send_hl7(simulator.build_patient_register("E2E-REG-PE", patient))
    assert "|AA|" in stack.send_hl7(simulator.build("hl7", "patient.allergy", "E2E-A60-2", removal))
    assert "|AA|" in stack.send_hl7(simulator.build("hl7", "patient.allergy", "E2E-A60-1", addition))
    corrected = dict(exam, status="corrected", items=exam["items"][:3], conclusion="本次体检未见明显异常。")
    assert "|AA|" in stack.send_hl7(simulator.build("hl7", "exam.report", "E2E-PE-2", corrected))
    # a duplicate: acknowledged again, stored once
    assert "|AA|" in stack.send_hl7(simulator.build("hl7", "exam.report", "E2E-PE-2", corrected))
    stack.wait_drained()
    sent = ["E2E-PE-1", "E2E-REG-PE", "E2E-A60-2", "E2E-A60-1", "E2E-PE-2"]
    wait_for(lambda: {m["state"] for m in stack.messages(sent)} == {"processed"}, 30, "the messages processed")
    assert len(stack.messages(["E2E-PE-2"])) == 1
    reports = rpc(
        "ihospital.exam.report",
        "search_read",
        [("name", "=", "TJ-E2E-1")],
        fields=["patient_id", "package_name", "state", "conclusion", "item_ids", "doctor_id", "exam_date"],
    )
    assert len(reports) == 1, reports
    report = reports[0]
    assert report["patient_id"], "attached to the patient when the registration arrived"
    assert (report["package_name"], report["state"]) == ("入职体检套餐", "corrected")
    assert (report["conclusion"], len(report["item_ids"])) == ("本次体检未见明显异常。", 3)
    assert report["doctor_id"], "the chief examiner's code is a demo doctor's"
    assert report["exam_date"] == exam["exam_date"]
    entries = rpc(
        "ihospital.patient.allergy",
        "search_read",
        [("patient_id", "=", report["patient_id"][0]), ("active", "in", [True, False])],
        fields=["kind", "allergen", "active", "his_ref"],
    )
    by_ref = {entry["his_ref"]: entry for entry in entries}
    assert set(by_ref) == {"GM-E2E-1", "GM-E2E-2"}, entries
    assert by_ref["GM-E2E-1"]["active"] and by_ref["GM-E2E-1"]["kind"] == "allergy"
    assert not by_ref["GM-E2E-2"]["active"], "the newer removal stands"


def test_a_death_an_operation_and_a_diagnosis_code_through_the_gateway(stack):
    """What the follow-up (回访) reads from the HIS, through the real gateway
    in both protocols: a visit's ICD-10 code (DG1-3), a surgical stay whose
    discharge (ADT^A03) carries the operation (PR1) and the death in hospital
    (PID-30 Y, PID-29); another patient's death in a JSON update, kept by a
    later HL7 update that says nothing of it; a bad death indicator refused
    by the gateway (AE), nothing stored."""
    rpc = stack.rpc
    rng = random.Random(970001)
    patient = simulator.new_patient(rng, 970001)
    assert "|AA|" in stack.send_hl7(simulator.build_patient_register("E2E-FU-REG", patient))
    admit = simulator.admission_data(rng, patient, "ZY-E2E-FU", department_code="PWK")
    assert (
        stack.send_json(json.loads(simulator.build("json", "admission.admit", "E2E-FU-A01", admit)))["status"] == "AA"
    )
    visit = dict(
        simulator.visit_data(rng, {"his_patient_id": patient["his_patient_id"]}, "HIS01E2EFU1"),
        diagnosis="急性阑尾炎",
        diagnosis_code="k35.8",
    )
    assert "|AA|" in stack.send_hl7(simulator.build("hl7", "visit.record", "E2E-FU-P03", visit))
    stack.wait_drained()
    discharge = simulator.discharge_data(rng, admit, died=True)
    text = simulator.build("hl7", "admission.discharge", "E2E-FU-A03", discharge)
    assert "\rPR1|1||" in text and "|Y\r" in text, text
    assert "|AA|" in stack.send_hl7(text)
    other = simulator.new_patient(rng, 970002)
    register = json.loads(simulator.build_patient_register("E2E-FU-REG2", other, protocol="json", charset="gbk"))
    assert stack.send_json(register)["status"] == "AA"
    stack.wait_drained()
    died_at = simulator.now_iso(-60)
    death = {"patient": {"his_patient_id": other["his_patient_id"], "deceased": True, "deceased_at": died_at}}
    assert (
        stack.send_json(json.loads(simulator.build("json", "patient.update", "E2E-FU-DEATH", death)))["status"] == "AA"
    )
    stack.wait_drained()
    moved = {"patient": {"his_patient_id": other["his_patient_id"], "address": "广州市海珠区江南大道中8号"}}
    assert "|AA|" in stack.send_hl7(simulator.build("hl7", "patient.update", "E2E-FU-A08", moved))
    # a death indicator that is neither Y nor N: refused by the gateway, naming PID-30
    bad = "\r".join(
        [
            "MSH|^~\\&|HIS|HOSPITAL|IHOSPITAL|GATEWAY|20261220040500+0800||ADT^A08^ADT_A01|E2E-FU-BAD|P|2.5",
            "EVN|A08|20261220040500+0800",
            "PID|1||%s^^^HIS^PI%sD" % (other["his_patient_id"], "|" * 27),  # PID-30 = D
        ]
    )
    reply = stack.send_hl7(bad)
    assert "MSA|AE|E2E-FU-BAD" in reply and "PID-30" in reply, reply
    stack.wait_drained()
    sent = ["E2E-FU-REG", "E2E-FU-A01", "E2E-FU-P03", "E2E-FU-A03", "E2E-FU-REG2", "E2E-FU-DEATH", "E2E-FU-A08"]
    wait_for(lambda: {m["state"] for m in stack.messages(sent)} == {"processed"}, 30, "the messages processed")
    assert stack.messages(["E2E-FU-BAD"]) == []
    stay = rpc(
        "ihospital.admission",
        "search_read",
        [("name", "=", "ZY-E2E-FU")],
        fields=["state", "surgery_at", "surgery_name", "patient_id"],
    )[0]
    operation = discharge["procedures"][0]
    assert (stay["state"], stay["surgery_name"]) == ("discharged", operation["name"]), stay
    assert stay["surgery_at"] == utc_text(operation["at"]), stay
    dead = rpc("ihospital.patient", "read", [stay["patient_id"][0]], ["deceased", "deceased_at"])[0]
    assert dead["deceased"] and dead["deceased_at"] == utc_text(discharge["patient"]["deceased_at"]), dead
    visits = rpc("ihospital.visit", "search_read", [("external_ref", "=", "HIS01E2EFU1")], fields=["diagnosis_code"])
    assert [v["diagnosis_code"] for v in visits] == ["K35.8"], visits
    second = rpc(
        "ihospital.patient",
        "search_read",
        [("his_patient_id", "=", other["his_patient_id"])],
        fields=["deceased", "deceased_at", "address"],
    )[0]
    assert second["deceased"] and second["deceased_at"] == utc_text(died_at), second
    assert second["address"] == "广州市海珠区江南大道中8号", "the later update applied, the death kept"


def test_a_visit_and_a_discharge_through_the_gateway_start_one_follow_up_each(stack):
    """The follow-up (回访) starts from what the HIS says happened, once per
    encounter: an outpatient visit sent twice (its record, then a
    correction) starts one follow-up with the visit's doctor and
    department; a chronic disease's ICD-10 code takes the chronic plan; a
    discharge after an operation (PR1) the surgery plan. The demo hospital's
    plans apply."""
    rpc = stack.rpc
    rng = random.Random(970101)
    patient = simulator.new_patient(rng, 970101)
    assert "|AA|" in stack.send_hl7(simulator.build_patient_register("E2E-FW-REG", patient))
    stack.wait_drained()
    who = {"his_patient_id": patient["his_patient_id"]}
    visit = dict(simulator.visit_data(rng, who, "HIS01E2EFW1"), visit_type="outpatient", diagnosis_code="J06.9")
    chronic = dict(simulator.visit_data(rng, who, "HIS01E2EFW2"), visit_type="outpatient", diagnosis_code="I10")
    assert "|AA|" in stack.send_hl7(simulator.build("hl7", "visit.record", "E2E-FW-V1", visit))
    assert "|AA|" in stack.send_hl7(simulator.build("hl7", "visit.record", "E2E-FW-V1B", dict(visit, diagnosis="复诊")))
    message = json.loads(simulator.build("json", "visit.record", "E2E-FW-V2", chronic))
    assert stack.send_json(message)["status"] == "AA"
    admit = simulator.admission_data(rng, patient, "ZY-E2E-FW", department_code="PWK")
    assert (
        stack.send_json(json.loads(simulator.build("json", "admission.admit", "E2E-FW-A01", admit)))["status"] == "AA"
    )
    stack.wait_drained()
    discharge = simulator.discharge_data(rng, admit)
    assert discharge.get("procedures"), "an operated stay"
    assert "|AA|" in stack.send_hl7(simulator.build("hl7", "admission.discharge", "E2E-FW-A03", discharge))
    stack.wait_drained()
    sent = ["E2E-FW-REG", "E2E-FW-V1", "E2E-FW-V1B", "E2E-FW-V2", "E2E-FW-A01", "E2E-FW-A03"]
    wait_for(lambda: {m["state"] for m in stack.messages(sent)} == {"processed"}, 30, "the messages processed")
    visits = rpc(
        "ihospital.visit",
        "search_read",
        [("external_ref", "in", ["HIS01E2EFW1", "HIS01E2EFW2"])],
        fields=["external_ref", "doctor_id", "department_id"],
    )
    assert len(visits) == 2, visits
    stay = rpc("ihospital.admission", "search_read", [("name", "=", "ZY-E2E-FW")], fields=["id"])[0]
    followups = rpc(
        "ihospital.followup",
        "search_read",
        ["|", ("visit_id", "in", [v["id"] for v in visits]), ("admission_id", "=", stay["id"])],
        fields=["kind", "visit_id", "admission_id", "doctor_id", "department_id", "followup_message_ids"],
    )
    by_visit = {f["visit_id"][0]: f for f in followups if f["visit_id"]}
    first = next(v for v in visits if v["external_ref"] == "HIS01E2EFW1")
    second = next(v for v in visits if v["external_ref"] == "HIS01E2EFW2")
    assert len(followups) == 3, followups
    assert by_visit[first["id"]]["kind"] == "outpatient"
    assert (by_visit[first["id"]]["doctor_id"], by_visit[first["id"]]["department_id"]) == (
        first["doctor_id"],
        first["department_id"],
    )
    assert by_visit[second["id"]]["kind"] == "chronic"
    [operated] = [f for f in followups if f["admission_id"]]
    assert operated["kind"] == "surgery" and operated["followup_message_ids"], operated


def utc_text(iso):
    """An ISO 8601 time with its offset as Odoo stores it: UTC, to the second."""
    moment = datetime.datetime.fromisoformat(iso).astimezone(datetime.timezone.utc)
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def test_a_daily_summary_through_the_gateway(stack):
    """The HIS's daily summaries (ZDS^Z01 and stats.daily in JSON) through the
    real gateway: a department's and the whole hospital's, a figure left out
    is not reported, and a summary sent again replaces the first."""
    rpc = stack.rpc
    day = "2024-01-12"  # before the demo's summaries (ihospital_analysis: the last 13 months)
    department = {
        "date": day,
        "department_code": "XNK",
        "outpatient_visits": 186,
        "census": 54,
        "open_beds": 60,
        "amount_drug": 21350.6,
    }
    assert "|AA|" in stack.send_hl7(simulator.build("hl7", "stats.daily", "E2E-ZDS-1", department))
    hospital = {"date": day, "outpatient_visits": 1520, "admissions": 61, "insurance_amount": 350000.5}
    reply = stack.send_json(simulator.build("json", "stats.daily", "E2E-ZDS-2", hospital))
    assert reply["status"] == "AA", reply
    corrected = dict(department, outpatient_visits=190)
    del corrected["census"]
    assert "|AA|" in stack.send_hl7(simulator.build("hl7", "stats.daily", "E2E-ZDS-3", corrected))
    stack.wait_drained()
    sent = ["E2E-ZDS-1", "E2E-ZDS-2", "E2E-ZDS-3"]
    wait_for(lambda: {m["state"] for m in stack.messages(sent)} == {"processed"}, 30, "the summaries processed")
    rows = rpc(
        "ihospital.his.daily.summary",
        "search_read",
        [("date", "=", day)],
        fields=["department_id", "outpatient_visits", "admissions", "open_beds", "amount_drug", "not_reported"],
        context={"lang": "en_US"},
    )
    assert len(rows) == 2, rows
    by_department = {row["department_id"][1] if row["department_id"] else None: row for row in rows}
    xnk = by_department["心血管内科"]
    assert (xnk["outpatient_visits"], xnk["open_beds"], xnk["amount_drug"]) == (190, 60, 21350.6)
    assert "Census" in xnk["not_reported"], "left out of the resend: no longer reported"
    whole = by_department[None]
    assert (whole["outpatient_visits"], whole["admissions"]) == (1520, 61)
    assert "Outpatient Visits" not in whole["not_reported"] and "Census" in whole["not_reported"]


def test_booking_reaches_the_his_and_its_answer_is_recorded(stack):
    rpc = stack.rpc
    his = Process(stack.simulator_args("--scenario=listen"), stack.tmp / "his-listen.log").start()
    try:
        wait_port(stack.his_hl7_port)
        schedules = rpc(
            "ihospital.schedule",
            "search_read",
            [("state", "=", "published"), ("company_id", "=", 1), ("date", ">", time.strftime("%Y-%m-%d"))],
            fields=["available_count"],
            order="date desc",
        )
        schedule = next(s for s in schedules if s["available_count"] > 0)
        patient_id = rpc("ihospital.patient", "search", [("company_id", "=", 1)], limit=1)[0]
        wizard = rpc("ihospital.appointment.book", "create", {"schedule_id": schedule["id"], "patient_id": patient_id})
        rpc("ihospital.appointment.book", "action_book", [wizard])
        appointment = rpc(
            "ihospital.appointment",
            "search_read",
            [("schedule_id", "=", schedule["id"]), ("patient_id", "=", patient_id)],
            fields=["name", "state"],
        )[0]
        booked = wait_for(
            lambda: rpc("ihospital.appointment", "read", [appointment["id"]], ["his_ref"])[0]["his_ref"],
            60,
            "the HIS's appointment number on the booking",
        )
        assert booked.strip()
        sent = rpc(
            "ihospital.his.message",
            "search_read",
            [("direction", "=", "out"), ("appointment_id", "=", appointment["id"])],
            fields=["message_type", "state", "his_ref"],
        )
        assert [(m["message_type"], m["state"]) for m in sent] == [("booking.create", "processed")]
        assert sent[0]["his_ref"] == booked, sent
    finally:
        his.stop()


def test_a_critical_result_is_acknowledged_and_the_lis_gets_the_receipt(stack):
    """The loop of the critical-value rules through the real gateway, in
    HL7: the LIS sends a critical potassium (ORU^R01, OBX-8 HH), the
    platform raises the alert, the cardiologist acknowledges it by reading
    the value back, and the LIS's register gets the receipt (ZCR^Z01) and
    answers AA, which lands in the alert's trail."""
    rpc = stack.rpc
    lis = Process(stack.simulator_args("--scenario=listen"), stack.tmp / "lis-listen.log").start()
    try:
        wait_port(stack.his_hl7_port)
        rng = random.Random(960001)
        patient = simulator.new_patient(rng, 960001)
        assert "|AA|" in stack.send_hl7(simulator.build_patient_register("E2E-CV-REG", patient))
        result = dict(
            simulator.lab_result_data(rng, {"his_patient_id": patient["his_patient_id"]}, "LR-E2E-CV-1", "电解质"),
            department_code="XNK",
            doctor_code="D1001",
        )
        result["results"] = [
            {"code": "K", "name": "钾", "value": "6.92", "value_type": "NM", "unit": "mmol/L", "flag": "HH"},
            {"code": "NA", "name": "钠", "value": "138", "value_type": "NM", "unit": "mmol/L", "flag": "N"},
        ]
        assert "|AA|" in stack.send_hl7(simulator.build("hl7", "lab.result", "E2E-CV-1", result))
        alerts = wait_for(
            lambda: rpc(
                "ihospital.critical.alert",
                "search_read",
                [("report_number", "=", "LR-E2E-CV-1")],
                fields=["name", "value", "state", "department_id"],
            ),
            60,
            "the critical value's alert",
        )
        assert len(alerts) == 1, alerts
        alert = alerts[0]
        assert (alert["value"], alert["state"]) == ("6.92", "to_acknowledge"), alert
        doctor = stack.odoo.rpc("doctor", "doctor")
        # a wrong read-back is refused and recorded; the right one acknowledges
        assert doctor("ihospital.critical.alert", "action_acknowledge", [alert["id"]], "6.29") is not True
        assert doctor("ihospital.critical.alert", "action_acknowledge", [alert["id"]], "6.92") is True
        wait_for(
            lambda: rpc("ihospital.critical.alert", "read", [alert["id"]], ["receipt_state"])[0]["receipt_state"]
            == "recorded",
            60,
            "the LIS's answer to the receipt",
        )
        sent = rpc(
            "ihospital.his.message",
            "search_read",
            [("direction", "=", "out"), ("critical_alert_id", "=", alert["id"])],
            fields=["message_type", "state", "protocol", "data"],
        )
        assert [(m["message_type"], m["state"], m["protocol"]) for m in sent] == [
            ("critical.receipt", "processed", "hl7")
        ]
        assert sent[0]["data"]["acknowledged_by"] == "李晓明" and sent[0]["data"]["read_back"] == "6.92"
        trail = rpc(
            "ihospital.critical.event", "search_read", [("alert_id", "=", alert["id"])], fields=["kind"], order="id"
        )
        kinds = [step["kind"] for step in trail]
        assert kinds.index("readback_mismatch") < kinds.index("acknowledged") < kinds.index("receipt_sent"), kinds
        register = f"LIS: critical value {alert['name']} of LR-E2E-CV-1 acknowledged"
        wait_for(lambda: register in lis.log(), 10, "the receipt in the LIS's register")
    finally:
        lis.stop()


def test_odoo_stopped_mid_stream_loses_nothing(stack):
    ids, texts = lab_results(stack, 910001, 40, "ODOO-DOWN")
    for n, text in enumerate(texts):
        if n == 15:
            stack.odoo.stop()
        reply = stack.send_hl7(text)
        assert "|AA|" in reply, f"message {n} not acknowledged while Odoo is down: {reply}"
    assert stack.spool_pending() > 0, "the gateway should hold the messages Odoo could not take"
    stack.odoo.start()
    stack.rpc = stack.odoo.rpc()
    stack.wait_drained()
    stored = stack.messages(ids)
    assert sorted(m["control_id"] for m in stored) == ids
    assert {m["state"] for m in stored} == {"processed"}, stored
    reports = stack.rpc("ihospital.lab.report", "search_count", [("name", "like", "LRODOO-DOWN")])
    assert reports == 40


def test_gateway_killed_mid_stream_loses_nothing_acknowledged(stack):
    ids, texts = lab_results(stack, 920001, 150, "KILL9")
    acked, lock = [], threading.Lock()

    def hospital_system():
        for cid, text in zip(ids, texts, strict=True):
            try:
                reply = stack.send_hl7(text)
            except OSError:
                continue  # the gateway is gone: no acknowledgement, the HIS will resend
            if "|AA|" in reply:
                with lock:
                    acked.append(cid)

    sender = threading.Thread(target=hospital_system)
    sender.start()
    wait_for(lambda: len(acked) >= 40, 60, "40 acknowledgements before the kill")
    stack.gateway.stop(signal.SIGKILL)
    sender.join(120)
    acknowledged_before_kill = set(acked)
    assert 40 <= len(acknowledged_before_kill) < len(ids), "the kill should come mid-stream"

    stack.start_gateway()
    # a HIS resends what was not acknowledged, and a few it is unsure of: those are duplicates
    for cid, text in zip(ids, texts, strict=True):
        if cid not in acknowledged_before_kill or cid in ids[:5]:
            assert "|AA|" in stack.send_hl7(text)
    stack.wait_drained()
    stored = stack.messages(ids)
    assert sorted(m["control_id"] for m in stored) == ids, "every message stored exactly once"
    assert stack.rpc("ihospital.lab.report", "search_count", [("name", "like", "LRKILL9")]) == len(ids)


def test_duplicates_are_processed_once(stack):
    ids, texts = lab_results(stack, 930001, 1, "DUP")
    for _ in range(3):
        assert "|AA|" in stack.send_hl7(texts[0])
    stack.wait_drained()
    assert len(stack.messages(ids)) == 1
    assert stack.rpc("ihospital.lab.report", "search_count", [("name", "like", "LRDUP")]) == 1


def test_bad_input_gets_a_nak_and_the_gateway_keeps_serving(stack):
    # garbage with no MLLP frame at all, then silence: the gateway closes the connection
    with socket.create_connection(("127.0.0.1", stack.hl7_port), timeout=10) as sock:
        sock.sendall(b"\x00\xff GET / HTTP/1.0\r\n\r\n")
        sock.settimeout(10)
        try:
            while sock.recv(4096):
                pass
        except (ConnectionResetError, TimeoutError):
            pass
    # a frame that is not HL7
    reply = stack.send_hl7("this is not an HL7 message")
    assert "MSA|AE" in reply or "MSA|AR" in reply, reply
    # an unknown message type
    reply = stack.send_hl7("MSH|^~\\&|HIS|GZ|IHOSP|GZ|20261126093000||ZZZ^Z99|BAD-TYPE-1|P|2.5\rZZZ|1")
    assert "MSA|AR|BAD-TYPE-1" in reply, reply
    # too large for the configured limit
    reply = stack.send_hl7("MSH|^~\\&|HIS|GZ|IHOSP|GZ|20261126093000||ADT^A04|BIG-1|P|2.5\rNTE|1||" + "x" * 70000)
    assert "MSA|AR" in reply, reply
    # JSON: not JSON, then an unknown type
    assert stack.send_json("{not json")["status"] in ("AE", "AR")
    unknown = {"version": "1", "type": "no.such.type", "control_id": "BAD-TYPE-2", "data": {}}
    assert stack.send_json(unknown)["status"] == "AR"
    # a GBK JSON registration still goes through and keeps its Chinese name
    rng = random.Random(940001)
    patient = simulator.new_patient(rng, 940001)
    patient["name"] = "欧阳锦荣"
    message = json.loads(simulator.build_patient_register("GBK-1", patient, protocol="json", charset="gbk"))
    assert stack.send_json(message)["status"] == "AA"
    stack.wait_drained()
    wait_for(
        lambda: stack.rpc.count("ihospital.patient", [("his_patient_id", "=", patient["his_patient_id"])]),
        30,
        "the GBK registration in Odoo",
    )
    names = stack.rpc(
        "ihospital.patient", "search_read", [("his_patient_id", "=", patient["his_patient_id"])], fields=["name"]
    )
    assert names[0]["name"] == "欧阳锦荣"
    assert stack.gateway.alive()


def test_the_dashboard_shows_the_gateway(stack):
    wait_for(
        lambda: stack.rpc(
            "ihospital.his.endpoint", "search_read", [("code", "=", "gz-his")], fields=["gateway_last_seen"]
        )[0]["gateway_last_seen"],
        30,
        "a heartbeat from the gateway",
    )
