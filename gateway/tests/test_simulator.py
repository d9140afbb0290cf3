"""The HIS simulator: its builders parse back through the codec, its listener answers real sockets."""

import datetime
import json
import random
import socketserver
import threading

import pytest
from ihospital_gateway import codec, simulator
from ihospital_gateway.simulator import EXAMPLES


class _FakeGatewayHandler(socketserver.BaseRequestHandler):
    """A minimal gateway listener: decode, parse with the codec, answer AA/AE/AR (no spool)."""

    def handle(self):
        server = self.server
        terminator = b"\x1c\r" if server.protocol == "hl7" else b"\n"
        buffer = b""
        while True:
            chunk = self.request.recv(65536)
            if not chunk:
                return
            buffer += chunk
            while terminator in buffer:
                payload, _, buffer = buffer.partition(terminator)
                text = None
                try:
                    text = codec.decode_bytes(payload, server.charset, server.protocol)
                    message = codec.parse(server.protocol, text)
                    with server.lock:
                        server.messages.append(message)
                    reply = codec.ack(server.protocol, text, message.control_id, "AA")
                except codec.CodecError as exc:
                    reply = codec.ack(server.protocol, text, exc.control_id, exc.status, exc)
                data = codec.encode_text(reply, server.charset)
                self.request.sendall(b"\x0b" + data + b"\x1c\r" if server.protocol == "hl7" else data + b"\n")


class FakeGateway(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, protocol, charset):
        self.protocol, self.charset = protocol, charset
        self.messages, self.lock = [], threading.Lock()
        super().__init__(("127.0.0.1", 0), _FakeGatewayHandler)
        threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    @property
    def address(self):
        return self.server_address


@pytest.fixture
def gateway():
    servers = {"hl7": FakeGateway("hl7", "utf-8"), "json": FakeGateway("json", "gbk")}
    yield servers
    for server in servers.values():
        server.shutdown()
        server.server_close()


@pytest.fixture
def his():
    state = simulator.HisState()
    listeners = {
        "hl7": simulator.HisListener(("127.0.0.1", 0), "hl7", state, "utf-8").start(),
        "json": simulator.HisListener(("127.0.0.1", 0), "json", state, "gbk").start(),
    }
    yield state, listeners
    for listener in listeners.values():
        listener.stop()


def test_one_round_reaches_the_gateway_and_is_accepted(gateway):
    sim = simulator.Simulator(gateway["hl7"].address, gateway["json"].address, "gbk", "utf-8", seed=7, count=3)
    stats = sim.send_round()
    assert stats.failed == []
    messages = gateway["hl7"].messages + gateway["json"].messages
    assert stats.sent == stats.accepted == len(messages)
    assert {m.type for m in messages} == codec.INBOUND_TYPES - {"appointment.status"}
    assert {m.protocol for m in messages} == {"hl7", "json"}
    flags = {r.get("flag") for m in messages if m.type == "lab.result" for r in m.data["results"]}
    assert flags & {"HH", "LL", "AA"}, "a round carries critical values"
    imaging = {m.data["modality"] for m in messages if m.type == "imaging.report"}
    assert imaging == set(simulator.IMAGING_EXAMS)
    assert any(m.data.get("critical") for m in messages if m.type == "imaging.report"), "a critical ECG finding"
    signs = [o for m in messages if m.type == "vital.signs" for o in m.data["observations"]]
    assert {o["flag"] for o in signs} & {"HH", "LL"}, "a round carries critical vital signs"
    admissions = {m.data["admission_no"] for m in messages if m.type == "admission.admit"}
    moved = {
        m.data["admission_no"] for m in messages if m.type != "admission.admit" and m.type.startswith("admission.")
    }
    assert moved <= admissions, "transfers, discharges and cancellations of stays the round admitted"
    orders = [m.data for m in messages if m.type == "order.new"]
    assert {o["admission_no"] for o in orders} <= admissions and "drug" in {o["kind"] for o in orders}
    later = {m.data["order_no"] for m in messages if m.type.startswith("order.") and m.type != "order.new"}
    assert later <= {o["order_no"] for o in orders}, "changes, stops and executions of orders the round wrote"
    executions = [m.data for m in messages if m.type == "order.execution"]
    assert any(e["status"] == "skipped" and e["reason"] for e in executions), "a skipped execution, with its reason"
    departments = next(m for m in messages if m.type == "master.departments").data["items"]
    assert {d["code"] for d in departments} >= {"XNK", "HXK", "JZK", "EK"}
    visit = next(m for m in messages if m.type == "visit.record").data
    assert visit["insurance_amount"] == round(sum(c.get("insurance_amount", 0) for c in visit["charges"]), 2)
    deaths = [m for m in messages if m.type == "patient.update" and m.data["patient"].get("deceased")]
    assert deaths and deaths[0].protocol == "hl7" and deaths[0].data["patient"]["deceased_at"], "a death (PID-30)"
    discharges = [m.data for m in messages if m.type == "admission.discharge"]
    assert any(d.get("procedures") for d in discharges), "a surgical discharge carries its operation (PR1)"
    assert all(m.data.get("diagnosis_code") for m in messages if m.type == "visit.record"), "visits' ICD-10 codes"
    assert len({m.control_id for m in messages}) == len(messages)


def test_cli_once_exits_zero(gateway, capsys):
    hl7_address = "%s:%d" % gateway["hl7"].address
    json_address = "%s:%d" % gateway["json"].address
    assert simulator.main(["--scenario", "once", "--hl7", hl7_address, "--json", json_address, "--count", "1"]) == 0
    assert "0 refused" in capsys.readouterr().out


def test_listener_answers_a_booking_like_a_his(his):
    state, listeners = his
    control_id, data = EXAMPLES["booking.create"]
    text = codec.encode_outbound("hl7", "booking.create", control_id, data)
    reply = codec.parse_reply("hl7", simulator.send_mllp("127.0.0.1", listeners["hl7"].port, text))
    assert reply["status"] == "AA" and reply["his_ref"].startswith("HIS-APPT-20261128-")
    again = codec.parse_reply("hl7", simulator.send_mllp("127.0.0.1", listeners["hl7"].port, text))
    assert again["his_ref"] == reply["his_ref"], "a re-sent booking gets the same HIS number"
    assert state.bookings["APT/2026/00042"].his_ref == reply["his_ref"]

    json_booking = dict(data, appointment_ref="APT/2026/00043")
    line = codec.encode_outbound("json", "booking.create", "OUT2", json_booking)
    json_reply = simulator.send_json("127.0.0.1", listeners["json"].port, line, charset="gbk")
    assert json_reply["status"] == "AA" and json_reply["control_id"] == "OUT2" and json_reply["his_ref"]

    cancel = codec.encode_outbound("hl7", "booking.cancel", *EXAMPLES["booking.cancel"])
    assert codec.parse_reply("hl7", simulator.send_mllp("127.0.0.1", listeners["hl7"].port, cancel))["status"] == "AA"
    assert state.bookings["APT/2026/00042"].cancelled

    sync = codec.encode_outbound("json", "patient.sync", *EXAMPLES["patient.sync"])
    assert simulator.send_json("127.0.0.1", listeners["json"].port, sync, charset="gbk")["status"] == "AA"
    assert "P01100023" in state.patients

    bad = codec.parse_reply(
        "hl7", simulator.send_mllp("127.0.0.1", listeners["hl7"].port, "MSH|^~\\&|X|Y|||1||ORU^R01|Z9")
    )
    assert bad["status"] == "AR"


def test_persistent_connection_and_follow_up(his, gateway):
    state, listeners = his
    with simulator.MllpClient("127.0.0.1", listeners["hl7"].port) as client:
        for index in range(5):
            data = dict(EXAMPLES["booking.create"][1], appointment_ref="APT/2026/1%04d" % index)
            text = codec.encode_outbound("hl7", "booking.create", "O%d" % index, data)
            assert codec.parse_reply("hl7", client.send(text))["status"] == "AA"
    sim = simulator.Simulator(gateway["hl7"].address, gateway["json"].address, seed=3)
    sent = sim.follow_up(state)
    assert sent >= 1 and sim.stats.failed == []
    messages = gateway["hl7"].messages + gateway["json"].messages
    statuses = [m.data for m in messages if m.type == "appointment.status"]
    assert {s["status"] for s in statuses} <= {"attended", "no_show", "cancelled"}
    assert all(s["his_ref"] == state.bookings[s["appointment_ref"]].his_ref for s in statuses)
    # an attended booking's visit record names the booking, in the booking's department
    attended = {s["appointment_ref"] for s in statuses if s["status"] == "attended"}
    visits = [m.data for m in messages if m.type == "visit.record"]
    assert {v["appointment_ref"] for v in visits} == attended and len(visits) == len(attended)
    assert all(v["department_code"] == "XNK" and v["visit_kind"] in ("first", "return") for v in visits)
    assert sim.follow_up(state) == 0, "a booking is reported once"


def test_daily_summaries_per_department_and_for_the_hospital(gateway):
    sim = simulator.Simulator(gateway["hl7"].address, gateway["json"].address, seed=5)
    sim.send_daily_summaries(datetime.date(2026, 11, 26))
    assert sim.stats.failed == []
    summaries = [m.data for m in gateway["hl7"].messages + gateway["json"].messages if m.type == "stats.daily"]
    by_department = {s.get("department_code"): s for s in summaries}
    assert set(by_department) == {code for code, *_rest in simulator.DEPARTMENTS} | {None}
    assert all(s["date"] == "2026-11-26" for s in summaries)
    # a department without beds reports no inpatient figures (not reported, not 0)
    assert "census" not in by_department["YK"] and by_department["XNK"]["open_beds"] == 60
    hospital = by_department[None]
    assert hospital["outpatient_visits"] == sum(s["outpatient_visits"] for s in summaries if s.get("department_code"))


def test_builders_parse_back():
    rng = random.Random(1)
    patient = simulator.demo_patient(0)
    assert patient == {"his_patient_id": "P01100000", "medical_card_number": "YX010000001"}
    critical = codec.parse("hl7", simulator.build_lab_result("LIS000001", patient, rng, critical=True))
    assert critical.type == "lab.result" and critical.patient_key == "his:P01100000"
    assert {r.get("flag") for r in critical.data["results"]} & {"HH", "LL", "AA"}
    for modality in simulator.IMAGING_EXAMS:
        text = simulator.build_imaging_report("RIS-" + modality, patient, modality)
        assert codec.parse("hl7", text).data["modality"] == modality
    as_json = simulator.build_lab_result("LIS000002", patient, protocol="json")
    assert codec.parse("json", as_json).data["report_no"] == "LRLIS000002"
    registered = simulator.new_patient(rng, 42)
    assert codec.parse("hl7", simulator.build_patient_register("ADT1", registered)).data["patient"] == registered
    assert codec.parse("json", simulator.build_visit("FEE1", patient, protocol="json")).type == "visit.record"
    admission = codec.parse("hl7", simulator.build_admission("ADT2", registered))
    assert (admission.type, admission.data["admission_no"]) == ("admission.admit", "ZYADT2")
    signs = codec.parse("hl7", simulator.build_vital_signs("ICU1", patient, critical=True))
    assert signs.type == "vital.signs" and signs.data["source_system"] in simulator.VITAL_SOURCES
    assert {o["flag"] for o in signs.data["observations"]} & {"HH", "LL"}
    assert codec.parse("json", simulator.build_vital_signs("ICU2", patient, protocol="json")).type == "vital.signs"
    exam = codec.parse("hl7", simulator.build_exam_report("PE1", patient, package_code="TJ-ND01"))
    assert (exam.type, exam.data["package_name"]) == ("exam.report", "年度体检套餐（标准版）")
    assert {item["section"] for item in exam.data["items"]} >= {"一般检查", "血脂", "腹部彩超"}
    changes = codec.parse("json", simulator.build_patient_allergy("A60-1", patient, protocol="json"))
    assert [entry.get("kind", "allergy") for entry in changes.data["allergies"]] == ["allergy", "alert"]
    status = simulator.build_appointment_status("SIU1", "APT/2026/1", "attended", his_ref="H1")
    assert codec.parse("hl7", status).data == {"appointment_ref": "APT/2026/1", "his_ref": "H1", "status": "attended"}


def test_resident_ids_are_valid():
    rng = random.Random(5)
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    for serial in range(50):
        number = simulator.new_patient(rng, serial)["id_number"]
        total = sum(int(d) * w for d, w in zip(number[:17], weights, strict=True))
        assert number[17] == "10X98765432"[total % 11]


def test_send_json_accepts_a_dict(gateway):
    message = json.loads(simulator.build("json", "queue.call", "Q1", {"department_code": "XNK", "number": "A001"}))
    reply = simulator.send_json(*gateway["json"].address, message, charset="gbk")
    assert reply == {"version": "1", "control_id": "Q1", "status": "AA", "error": ""}
