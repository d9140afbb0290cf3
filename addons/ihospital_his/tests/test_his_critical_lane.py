"""The critical lane: results their source flags critical (危急值) are marked
when stored and applied ahead of the ordinary messages, a small batch per
call of the processing cron, with the earlier messages they depend on."""

import contextlib
from unittest.mock import patch

from psycopg2.errors import SerializationFailure

from odoo.addons.ihospital_base.tests.common import RpcMixin
from odoo.sql_db import db_connect
from odoo.tests import HttpCase, tagged

from ..handlers import REGISTRY
from ..models.ihospital_his_message import (
    CRITICAL_BATCH,
    CRITICAL_LANES,
    LANE_LOCK,
    ORDINARY_QUEUE,
    PROCESS_BATCH,
    PROCESS_CRONS,
)
from .common import HisCase
from .test_his_clinical import VITALS
from .test_his_inbound import LAB

NORMAL_LINES = LAB["results"][:1]  # white cells, no flag
CRITICAL_LINES = LAB["results"]  # with potassium HH


@tagged("post_install", "-at_install")
class TestHisCriticalLane(HisCase):
    def payload(self, control_id, message_type, data):
        return {"control_id": control_id, "type": message_type, "protocol": "json", "raw": "{}", "data": data}

    def results(self, count, first, lines=None, **extra):
        lines = NORMAL_LINES if lines is None else lines
        return [
            self.payload(
                f"CL{n:05d}",
                "lab.result",
                dict(LAB, patient={"medical_card_number": "T0002"}, results=lines, report_no=f"LC-{n:05d}", **extra),
            )
            for n in range(first, first + count)
        ]

    def send(self, payloads):
        return self.env["ihospital.his.endpoint"].with_user(self.user_gateway).gateway_submit("t-his", payloads)

    def cron(self):
        """One call of the processing cron: {control id: state} of what it applied."""
        received = self.Message.search([("direction", "=", "in"), ("state", "=", "received")])
        self.Message.sudo()._cron_process()
        return {m.control_id: m.state for m in received if m.state != "received"}

    def state(self, control_id):
        return self.message(control_id).state

    def test_the_source_flags_mark_a_message_critical_when_stored(self):
        imaging = {
            "report_no": "IC-1", "patient": {"his_patient_id": "P0001"}, "modality": "ecg", "exam_name": "心电图",
            "findings": "心率38次/分", "impression": "二度Ⅱ型房室传导阻滞", "reported_at": "2026-01-10T10:00:00+08:00",
        }  # fmt: skip
        normal_vitals = dict(VITALS, ref="VS-N", observations=VITALS["observations"][1:])
        high = [dict(CRITICAL_LINES[1], flag="H")]
        self.send(
            [
                *self.results(1, 1, lines=CRITICAL_LINES),
                *self.results(1, 2, lines=high),  # abnormal, not critical by its source
                *self.results(1, 3, lines="not a list"),  # bad data: parked when applied, never in the lane
                self.payload("CI1", "imaging.report", dict(imaging, critical=True, critical_finding="RR 3.2s")),
                self.payload("CI2", "imaging.report", dict(imaging, report_no="IC-2")),
                self.payload("CV1", "vital.signs", VITALS),
                self.payload("CV2", "vital.signs", normal_vitals),
                self.payload("CP1", "patient.register", {"patient": {"his_patient_id": "P-CL", "name": "林危急"}}),
                self.payload("CX1", "no.such.type", {"results": CRITICAL_LINES}),  # dead at once
            ]
        )
        sent = ["CL00001", "CL00002", "CL00003", "CI1", "CI2", "CV1", "CV2", "CP1", "CX1"]
        flagged = self.Message.search([("control_id", "in", sent)]).filtered("is_critical")
        self.assertEqual(sorted(flagged.mapped("control_id")), ["CI1", "CL00001", "CV1"])

    def test_a_critical_result_after_600_ordinary_ones_goes_in_the_first_call(self):
        self.send(self.results(600, 10000))
        self.send(self.results(1, 20000, lines=CRITICAL_LINES))
        applied = self.cron()
        self.assertEqual(applied, {"CL20000": "processed"})
        self.assertTrue(self.env["ihospital.lab.report"].search([("name", "=", "LC-20000")]).is_critical)
        # then the ordinary ones, oldest first, in their big batches
        applied = self.cron()
        self.assertEqual(len(applied), PROCESS_BATCH)
        self.assertEqual(min(applied), "CL10000")
        self.cron()
        # nothing lost: every message applied once, each report created once
        messages = self.Message.search([("control_id", "like", "CL")])
        self.assertEqual(len(messages), 601)
        self.assertEqual(set(messages.mapped("state")), {"processed"})
        self.assertEqual(self.env["ihospital.lab.report"].search_count([("name", "like", "LC-")]), 601)
        self.assertEqual(len(messages.link_ids), 601)

    def test_the_lane_takes_a_small_batch_per_call_then_the_ordinary_ones(self):
        self.send(self.results(3, 30000))
        self.send(self.results(CRITICAL_BATCH + 10, 31000, lines=CRITICAL_LINES))
        self.send(self.results(3, 32000))
        with patch.object(type(self.env["ir.cron"]), "_notify_progress") as progress:
            first = self.cron()
        # the oldest CRITICAL_BATCH critical ones alone, and more to come at once
        self.assertEqual(sorted(first), [f"CL{n:05d}" for n in range(31000, 31000 + CRITICAL_BATCH)])
        progress.assert_called_once_with(done=CRITICAL_BATCH, remaining=16)
        self.assertEqual(sorted(self.cron()), [f"CL{n:05d}" for n in range(31000 + CRITICAL_BATCH, 31060)])
        self.assertEqual(sorted(self.cron()), ["CL30000", "CL30001", "CL30002", "CL32000", "CL32001", "CL32002"])
        self.assertEqual(set(self.Message.search([("control_id", "like", "CL3")]).mapped("state")), {"processed"})

    def test_an_earlier_version_of_the_same_report_goes_with_the_critical_one(self):
        """A preliminary normal result applied after its critical final
        version would overwrite it (and withdraw its alert): the lane
        applies the earlier version first."""
        preliminary = self.results(1, 40000, status="preliminary")
        preliminary[0]["control_id"] = "CL-PRE"
        self.send(preliminary + self.results(5, 41000))
        self.send(self.results(1, 40000, lines=CRITICAL_LINES, status="final"))
        applied = self.cron()
        self.assertEqual(applied, {"CL-PRE": "processed", "CL40000": "processed"})
        report = self.env["ihospital.lab.report"].search([("name", "=", "LC-40000")])
        self.assertEqual((report.state, report.is_critical), ("final", True))
        self.assertEqual(report.result_ids.mapped("code"), ["WBC", "K"])

    def test_a_registration_stored_before_its_critical_result_goes_with_it(self):
        """The patient's registration (and admission) before the result in
        the queue is applied with it: the result names the patient at once.
        Other patients' registrations keep their place."""
        patient = {"his_patient_id": "P-LANE", "name": "林危急", "gender": "female", "birth_date": "1950-03-04"}
        other = {"his_patient_id": "P-OTHER", "name": "林普通", "gender": "male", "birth_date": "1960-03-04"}
        self.send(
            [
                self.payload("CR1", "patient.register", {"patient": other}),
                self.payload("CR2", "patient.register", {"patient": patient}),
                *self.results(3, 50000),
                self.payload("CR3", "lab.result", dict(LAB, report_no="LC-R3", patient={"his_patient_id": "P-LANE"})),
            ]
        )
        self.assertEqual(self.cron(), {"CR2": "processed", "CR3": "processed"})
        registered = self.env["ihospital.patient"].search([("his_patient_id", "=", "P-LANE")])
        self.assertEqual(self.env["ihospital.lab.report"].search([("name", "=", "LC-R3")]).patient_id, registered)
        self.assertEqual(self.state("CR1"), "received")
        self.cron()
        self.assertEqual(self.state("CR1"), "processed")

    def test_a_critical_result_before_its_registration_is_attached_when_it_arrives(self):
        """A registration stored after the critical result stays in the
        ordinary queue: the result is stored unmatched at once (its alert
        goes out meanwhile) and attached when the registration is applied,
        as a result that overtook its registration always was."""
        self.send(
            [
                self.payload("CA1", "lab.result", dict(LAB, report_no="LC-A1", patient={"his_patient_id": "P-LATE"})),
                self.payload("CA2", "patient.register", {"patient": {"his_patient_id": "P-LATE", "name": "林迟到"}}),
            ]
        )
        self.assertEqual(self.cron(), {"CA1": "processed"})
        report = self.env["ihospital.lab.report"].search([("name", "=", "LC-A1")])
        self.assertFalse(report.patient_id)
        self.cron()
        self.assertEqual(report.patient_id.his_patient_id, "P-LATE")

    def test_a_lane_batch_costs_a_fixed_number_of_queries(self):
        """The lane's search, its companions' search, then the batch as
        the ordinary path applies it."""
        self.send(self.results(2, 60000, lines=CRITICAL_LINES))  # caches warm, as on a running server
        self.process()
        for first, count in ((61000, 5), (62000, 10)):
            self.send(self.results(3, first + 500) + self.results(count, first, lines=CRITICAL_LINES))
            self.env.flush_all()
            self.env.invalidate_all()
            with self.assertQueryCount(__system__=QUERIES_PER_LANE_BATCH):
                self.Message.sudo()._cron_process()
                self.env.flush_all()
            lane = [("name", "like", f"LC-{first // 1000}"), ("is_critical", "=", True)]
            self.assertEqual(self.env["ihospital.lab.report"].search_count(lane), count)

    # -------------------------------------------------------------- two workers
    @contextlib.contextmanager
    def other_worker(self, *queues):
        """Another worker (its own connection) applying `queues` meanwhile."""
        with db_connect(self.env.cr.dbname).cursor() as cr:
            for queue in queues:
                cr.execute("SELECT pg_advisory_xact_lock(%s, %s)", (LANE_LOCK, queue))
            yield
            cr.rollback()

    def critical_of(self, control_id, card):
        lab = dict(LAB, patient={"medical_card_number": card}, results=CRITICAL_LINES, report_no=f"LC-{control_id}")
        return self.payload(control_id, "lab.result", lab)

    def test_critical_results_are_split_into_lanes_by_patient(self):
        Message = self.Message.sudo()
        lane_of = {card: Message._critical_lane_of("lab.result", {"patient": {"medical_card_number": card}})
                   for card in ("T0002", "T0003", "T0004", "T0005")}  # fmt: skip
        self.assertEqual(lane_of, {"T0002": 1, "T0003": 0, "T0004": 1, "T0005": 0})
        # a patient's first identifier decides, whatever else the message says
        self.assertEqual(
            Message._critical_lane_of("lab.result", {"patient": {"medical_card_number": "T0002"}, "report_no": "X"}),
            Message._critical_lane_of("vital.signs", {"patient": {"medical_card_number": "T0002"}, "ref": "Y"}),
        )
        # without a patient, the report: its versions go through one lane
        by_report = {Message._critical_lane_of("lab.result", {"report_no": f"R{n}"}) for n in range(20)}
        self.assertEqual(by_report, set(range(CRITICAL_LANES)))
        self.send([self.critical_of("CW1", "T0002"), self.critical_of("CW2", "T0003"), *self.results(1, 70000)])
        stored = self.Message.search([("control_id", "in", ["CW1", "CW2", "CL70000"])])
        self.assertEqual(
            {m.control_id: (m.is_critical, m.critical_lane) for m in stored},
            {"CW1": (True, 1), "CW2": (True, 0), "CL70000": (False, 0)},
        )

    def test_a_worker_takes_the_lane_no_other_worker_applies(self):
        self.send([self.critical_of("CW3", "T0003"), self.critical_of("CW4", "T0004"), *self.results(2, 71000)])
        with self.other_worker(0):
            # lane 0 (CW3) is another worker's; this one applies lane 1, and
            # not the ordinary queue while a critical result still waits
            self.assertEqual(self.cron(), {"CW4": "processed"})
            self.assertEqual(self.cron(), {})
        self.assertEqual(self.cron(), {"CW3": "processed"})
        self.assertEqual(self.cron(), {"CL71000": "processed", "CL71001": "processed"})

    def test_the_lane_cron_starts_with_its_own_lane(self):
        self.send([self.critical_of("CW5", "T0005"), self.critical_of("CW6", "T0006")])
        received = self.Message.search([("control_id", "in", ["CW5", "CW6"])])
        self.Message.sudo()._cron_process(lane=1)
        self.assertEqual({m.control_id: m.state for m in received}, {"CW5": "received", "CW6": "processed"})

    def test_the_ordinary_queue_is_applied_by_one_worker_at_a_time(self):
        self.send(self.results(2, 72000))
        with self.other_worker(ORDINARY_QUEUE):
            self.assertEqual(self.cron(), {})
        self.assertEqual(self.cron(), {"CL72000": "processed", "CL72001": "processed"})

    def test_a_batch_another_worker_got_first_is_rolled_back_and_retried_at_once(self):
        """The worker's snapshot was older than the other's commit:
        PostgreSQL refuses the lock or the write; nothing of the call stays
        and both crons are woken to go on."""
        self.send(self.results(1, 73000, lines=CRITICAL_LINES))
        Message = type(self.Message)
        Trigger = self.env["ir.cron.trigger"].sudo()
        crons = [self.env.ref(xmlid).id for xmlid in PROCESS_CRONS]
        before = Trigger.search_count([("cron_id", "in", crons)])
        with (
            patch.object(Message, "_process_received", side_effect=SerializationFailure("concurrent update")),
            patch.object(self.env.cr, "rollback") as rollback,
        ):
            self.Message.sudo()._cron_process()
        rollback.assert_called_once()
        self.assertEqual(Trigger.search_count([("cron_id", "in", crons)]) - before, 2)

    def test_a_serialization_failure_is_never_taken_for_the_message_s_error(self):
        """A message is not failed (and set back minutes) for another
        worker's concurrent update: the failure goes up to the call."""
        self.send(self.results(1, 74000, lines=CRITICAL_LINES))
        message = self.message("CL74000")
        handler = type(REGISTRY["lab.result"])
        with (
            patch.object(handler, "process", side_effect=SerializationFailure("concurrent update")),
            self.assertRaises(SerializationFailure),
        ):
            message.sudo()._process()


@tagged("post_install", "-at_install")
class TestHisCriticalLaneRpc(RpcMixin, HttpCase, HisCase):
    """Nobody puts a message in the critical lane by hand: the mark is the
    intake's, from what the message carries."""

    def test_neither_the_gateway_nor_an_administrator_marks_a_message_critical(self):
        payload = {"control_id": "CR-RPC", "type": "lab.result", "protocol": "json", "raw": "{}",
                   "data": dict(LAB, report_no="LC-RPC", results=NORMAL_LINES), "is_critical": True}  # fmt: skip
        self.authenticate(self.user_gateway.login, self.user_gateway.login)
        result, error = self._call("ihospital.his.endpoint", "gateway_submit", ["t-his", [payload]])
        self.assertFalse(error)
        self.assertEqual(result[0]["state"], "received")
        message = self.message("CR-RPC")
        self.assertFalse(message.is_critical, "what the message says, not a key of the gateway's call")
        self.authenticate(self.user_admin.login, self.user_admin.login)
        _result, error = self._call("ihospital.his.message", "write", [message.ids, {"is_critical": True}])
        self.assertEqual(error.get("name"), "odoo.exceptions.AccessError")
        self.assertFalse(message.is_critical)


# the lanes' locks and searches (the first lane tried is empty), the batch's
# fields, its companions' search, the ordinary batch's queries with its
# alerts (raised, routed, told), the escalation and notices crons woken
# (ihospital_staff_his), and the count of what is left
QUERIES_PER_LANE_BATCH = 45
