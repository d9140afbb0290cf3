"""Review of the critical-value receipt (危急值回执) to the LIS/RIS: attacked
over JSON-RPC as each role (the engine's methods, the engine-owned fields,
the raw payloads), and its routing and idempotency checked against what the
laboratory's system must get: the receipt of the value a clinician read
back, once, from the endpoint that reported it, with identifiers only."""

import json

from ihospital_gateway import codec

from odoo import Command
from odoo.addons.ihospital_base.tests.common import ID_WOMAN_1990, RpcMixin
from odoo.addons.ihospital_his.tests.common import HisCase
from odoo.addons.ihospital_staff.tests.common import CriticalCase
from odoo.tests import HttpCase, tagged

ALERT = "ihospital.critical.alert"
MESSAGE = "ihospital.his.message"
ENDPOINT = "ihospital.his.endpoint"
# a critical potassium as the LIS sends it (the patient, department and
# doctor codes of HisCase)
LAB = {
    "report_no": "L-RCPT-1",
    "patient": {"his_patient_id": "P0001"},
    "title": "电解质",
    "department_code": "T-XNK",
    "doctor_code": "T-D1",
    "reported_at": "2026-01-10T09:30:00+08:00",
    "results": [{"code": "K", "name": "Potassium", "value": "6.9", "unit": "mmol/L", "flag": "HH"}],
}


class ReceiptCase(CriticalCase, HisCase):
    """The LIS and the RIS of the first hospital each take receipts; the
    HIS endpoint does not (as in test_critical_receipt)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Type = cls.env["ihospital.his.message.type"]
        receipt = cls.Type.search([("code", "=", "critical.receipt")])
        cls.endpoint.message_type_ids = [Command.unlink(receipt.id)]
        cls.lis = cls._endpoint("t-lis", 20, "lab.result", "critical.receipt")
        cls.ris = cls._endpoint("t-ris", 30, "imaging.report", "critical.receipt")
        cls.patient_cardio.medical_card_number = "YX0001"

    @classmethod
    def _endpoint(cls, code, sequence, *types, company=None, user=None, **vals):
        return cls.env[ENDPOINT].create(
            {
                "name": code,
                "code": code,
                "sequence": sequence,
                "company_id": (company or cls.hospital).id,
                "user_id": (user or cls.user_gateway).id,
                "message_type_ids": [Command.set(cls.Type.search([("code", "in", types)]).ids)],
                **vals,
            }
        )

    def _acknowledged(self, report=None, user=None, value="6.8"):
        alert = self._alerts(report or self._report())
        self.assertIs(alert.with_user(user or self.user_doctor).action_acknowledge(value), True)
        return alert

    def _receipts(self, alert):
        return self.Message.sudo().search([("critical_alert_id", "=", alert.id)], order="id")

    def _deliver(self, code, statuses):
        """The gateway pulls `code`'s messages and reports {control id: (status, error)}."""
        Endpoint = self.env[ENDPOINT].with_user(self.user_gateway)
        Endpoint.gateway_pull(code)
        Endpoint.gateway_report(
            code,
            [
                {"control_id": control_id, "status": status, "error": error}
                for control_id, (status, error) in statuses.items()
            ],
        )

    def _events(self, alert, kind):
        return alert.event_ids.filtered(lambda e: e.kind == kind)


@tagged("post_install", "-at_install")
class TestCriticalReceiptRpc(RpcMixin, HttpCase, ReceiptCase):
    def setUp(self):
        super().setUp()
        self.alert = self._acknowledged()
        self.Alert._cron_queue_receipts()
        self.receipt = self._receipts(self.alert)
        self.assertEqual(len(self.receipt), 1)

    def _as(self, user):
        self.authenticate(user.login, user.login)

    def test_the_engine_methods_of_the_receipt_are_not_reachable(self):
        sequence = self.env["ir.sequence"].sudo().search([("code", "=", "ihospital.his.message.out")])
        next_before = sequence.number_next_actual
        messages_before = self.Message.sudo().search_count([])
        for user in (self.user_doctor, self.user_admin, self.user_gateway):
            self._as(user)
            for model, method, args in (
                (ALERT, "_queue_receipts", [[self.alert.id]]),
                (ALERT, "_cron_queue_receipts", []),
                (ALERT, "_receipt_reported", [[self.alert.id], True]),
                (ALERT, "_receipt_data", [[self.alert.id]]),
                (ALERT, "_acknowledgers", [[self.alert.id]]),
                (ALERT, "_from_his", [[self.alert.id]]),
                (ALERT, "_wake_receipts", [[self.alert.id]]),
                (MESSAGE, "_apply_report", [[self.receipt.id], {"status": "AA"}]),
                (MESSAGE, "_queue_outbound_many", [self.lis.id, "critical.receipt", [{"data": {}}]]),
                (MESSAGE, "_queue_outbound", [self.lis.id, "critical.receipt", {}]),
                ("ir.sequence", "_ihospital_next_many", ["ihospital.his.message.out", self.hospital.id, 1000]),
            ):
                with self.subTest(user=user.login, method=method):
                    result, error = self._call(model, method, args)
                    self.assertTrue(error, f"{method} must not be callable over RPC")
                    self.assertFalse(result)
        self.assertEqual(self.alert.receipt_state, "queued")
        self.assertEqual(self.receipt.state, "queued")
        self.assertFalse(self._events(self.alert, "receipt_sent"))
        self.assertEqual(self.Message.sudo().search_count([]), messages_before)
        sequence.invalidate_recordset()
        self.assertEqual(sequence.number_next_actual, next_before, "no control ids drawn")

    def test_nobody_writes_the_receipt_state(self):
        for user in (self.user_doctor, self.user_nurse, self.user_director, self.user_admin, self.user_gateway):
            self._as(user)
            for method, args, kwargs in (
                ("write", [[self.alert.id], {"receipt_state": "recorded"}], {}),
                ("write", [[self.alert.id], {"receipt_due": True}], {"context": {"ihospital_engine": True}}),
                ("web_save", [[self.alert.id], {"receipt_state": "refused"}], {"specification": {}}),
                (
                    "web_save",
                    [[], {}],
                    {"specification": {}, "context": {"default_receipt_state": "recorded"}},
                ),
            ):
                with self.subTest(user=user.login, method=method, args=args):
                    _result, error = self._call(ALERT, method, args, kwargs)
                    self.assertEqual(error.get("name"), "odoo.exceptions.AccessError")
        self.assertRecordValues(self.alert, [{"receipt_state": "queued", "receipt_due": False}])

    def test_an_administrator_cannot_relink_a_receipt_to_another_alert(self):
        """Found at review (hole): ihospital_staff_his adds
        `critical_alert_id` to the message log without declaring it an
        engine field; the administrator (write access on the log) relinks a
        receipt, and the laboratory's AA then marks the other alert
        'recorded by the laboratory' in its trail, or the link points into
        another hospital."""
        other = self._acknowledged(self._report(name="LAB-RCPT-OTHER"))
        self._as(self.user_admin)
        _result, error = self._call(MESSAGE, "write", [[self.receipt.id], {"critical_alert_id": other.id}])
        self.assertEqual(error.get("name"), "odoo.exceptions.AccessError")
        self.assertEqual(self.receipt.critical_alert_id, self.alert)
        self._deliver("t-lis", {self.receipt.control_id: ("AA", "")})
        self.assertEqual(other.receipt_state, False, "the other alert's receipt was never sent")
        self.assertFalse(self._events(other, "receipt_sent"))

    def test_who_reads_the_receipts(self):
        # the director reads the log, not its payloads
        self._as(self.user_director)
        result, error = self._call(
            MESSAGE,
            "search_read",
            [[["critical_alert_id", "=", self.alert.id]]],
            {"fields": ["control_id", "message_type", "state", "critical_alert_id"]},
        )
        self.assertFalse(error, error)
        self.assertEqual(result[0]["control_id"], self.receipt.control_id)
        for method, args, kwargs in (
            ("read", [[self.receipt.id], ["data"]], {}),
            ("web_read", [[self.receipt.id]], {"specification": {"data_pretty": {}}}),
            ("search_read", [[["id", "=", self.receipt.id]], ["raw", "reply_raw"]], {}),
        ):
            with self.subTest(method=method):
                result, error = self._call(MESSAGE, method, args, kwargs)
                self.assertEqual(error.get("name"), "odoo.exceptions.AccessError")
                self.assertNotIn("YX0001", json.dumps(result))
        # clinicians, the quality officer, the portal and the gateway read no log
        for user in (self.user_doctor, self.user_nurse, self.user_quality, self.user_portal, self.user_gateway):
            with self.subTest(user=user.login):
                self._as(user)
                result, error = self._call(
                    MESSAGE, "search_read", [[["critical_alert_id", "=", self.alert.id]]], {"fields": ["state"]}
                )
                self.assertEqual(error.get("name"), "odoo.exceptions.AccessError")
                self.assertFalse(result)

    def test_the_gateway_gets_its_own_receipts_only(self):
        # the other hospital's gateway can neither pull nor answer them
        self._as(self.user_gateway_2)
        for method, args in (
            ("gateway_pull", ["t-lis"]),
            ("gateway_report", ["t-lis", [{"control_id": self.receipt.control_id, "status": "AR", "error": "x"}]]),
            ("gateway_report", ["t-his-2", [{"control_id": self.receipt.control_id, "status": "AR"}]]),
        ):
            with self.subTest(method=method, args=args):
                result, error = self._call(ENDPOINT, method, args)
                if method == "gateway_report" and args[0] == "t-his-2":
                    self.assertFalse(error, error)  # its own endpoint: an unknown control id there
                else:
                    self.assertEqual(error.get("name"), "odoo.exceptions.AccessError")
        self.assertRecordValues(self.receipt, [{"state": "queued"}])
        self.assertEqual(self.alert.receipt_state, "queued")
        # the gateway reads nothing of the platform beyond its API
        self._as(self.user_gateway)
        for model in (ALERT, "ihospital.critical.contact.wizard", "ihospital.patient"):
            with self.subTest(model=model):
                _result, error = self._call(model, "search_read", [[]], {"fields": ["display_name"]})
                self.assertEqual(error.get("name"), "odoo.exceptions.AccessError")
        # and the receipt it pulls names the patient by identifiers only
        pulled, error = self._call(ENDPOINT, "gateway_pull", ["t-lis"])
        self.assertFalse(error, error)
        (receipt,) = [m for m in pulled if m["control_id"] == self.receipt.control_id]
        self.assertEqual(receipt["data"]["patient"], {"his_patient_id": "P0001", "medical_card_number": "YX0001"})
        text = json.dumps(receipt, ensure_ascii=False)
        for identity in (self.patient_cardio.name, self.patient_cardio.id_number, "13800138000", "8613800138000"):
            self.assertNotIn(identity, text)


@tagged("post_install", "-at_install")
class TestCriticalReceiptContent(ReceiptCase):
    def _identity(self, patient):
        return [value for value in (patient.name, patient.id_number, patient.phone, patient.guardian_phone) if value]

    def test_no_identity_without_identifiers_or_when_a_nurse_acknowledges(self):
        self.patient_cardio.write({"his_patient_id": False, "medical_card_number": False})
        alert = self._acknowledged(user=self.user_nurse)
        unknown = self._acknowledged(
            self._report(name="LAB-RCPT-U", patient_id=False, his_patient_ref="P-UNKNOWN"), user=self.user_nurse
        )
        self.Alert._cron_queue_receipts()
        for record, identity in ((alert, self._identity(self.patient_cardio)), (unknown, [])):
            with self.subTest(alert=record.name):
                data = self._receipts(record).data
                self.assertNotIn("patient", data)
                self.assertEqual(data["acknowledged_by"], self.user_nurse.name)
                text = json.dumps(data, ensure_ascii=False)
                for value in [*identity, "P-UNKNOWN", record.patient_label]:
                    self.assertNotIn(value, text)
                for protocol in ("hl7", "json"):
                    codec.encode_outbound(protocol, "critical.receipt", "C1", data)

    def test_a_card_number_that_is_an_identity_number_does_not_leave(self):
        """Found at review (low): the receipt promises 'never identity
        numbers', but sends medical_card_number as it is; where the hospital
        registers patients on their resident ID card (社保卡/身份证就诊), the
        card number is the ID number, and it leaves in the receipt."""
        self.patient_cardio.write({"medical_card_number": ID_WOMAN_1990})
        alert = self._acknowledged()
        self.Alert._cron_queue_receipts()
        data = self._receipts(alert).data
        self.assertEqual(data["patient"].get("his_patient_id"), "P0001")
        self.assertNotIn(ID_WOMAN_1990, json.dumps(data))

    # ------------------------------------------------------------------ the value that was read back
    def test_no_receipt_for_a_value_nobody_has_read_back_yet(self):
        """Found at review (medium): a correction after the acknowledgement
        sends the alert back to 'to acknowledge' but leaves receipt_due set;
        the cron then queues a receipt for the corrected value with no
        acknowledger and no time (the gateway's codec refuses it as AE, the
        platform retries, parks it, and the trail says 'refused by the
        laboratory'), and a second one after the new read-back."""
        alert = self._acknowledged()
        alert.lab_result_id.write({"value": "7.4"})
        self.assertEqual(alert.state, "to_acknowledge")
        self.Alert._cron_queue_receipts()
        self.assertFalse(self._receipts(alert), "nobody has read 7.4 back yet")
        self.assertIs(alert.with_user(self.user_nurse).action_acknowledge("7.4"), True)
        self.Alert._cron_queue_receipts()
        receipts = self._receipts(alert)
        self.assertEqual(len(receipts), 1)
        self.assertEqual(
            (receipts.data["value"], receipts.data["read_back"], receipts.data["acknowledged_by"]),
            ("7.4", "7.4", self.user_nurse.name),
        )
        for protocol in ("hl7", "json"):
            codec.encode_outbound(protocol, "critical.receipt", receipts.control_id, receipts.data)

    def test_the_receipt_names_the_value_that_was_read_back(self):
        """Found at review (low/medium): corrected to a normal value after
        the acknowledgement (the alert withdrawn), the receipt queued
        afterwards reports value 4.1 flag N, 'read back 6.8': the
        laboratory's register gets a receipt for a value that is neither
        critical nor what the clinician acknowledged."""
        alert = self._acknowledged()
        alert.lab_result_id.write({"value": "4.1", "flag": "N"})
        self.assertEqual(alert.state, "withdrawn")
        self.Alert._cron_queue_receipts()
        for receipt in self._receipts(alert):
            self.assertEqual(
                (receipt.data.get("value"), receipt.data.get("flag"), receipt.data.get("read_back")),
                ("6.8", "HH", "6.8"),
            )

    # ------------------------------------------------------------------ answers of the laboratory
    def test_a_stale_answer_to_an_older_receipt_changes_nothing(self):
        """Found at review (medium): the _apply_report override looks at the
        message's state after its parent returned, not at whether this call
        changed it, nor whether the message is the alert's latest receipt.
        A gateway repeating an old AR (after a lost reply) for the first
        receipt of a corrected alert turns the later 'recorded' into
        'refused' and writes a second 'refused' step in the trail."""
        alert = self._acknowledged()
        self.Alert._cron_queue_receipts()
        first = self._receipts(alert)
        self._deliver("t-lis", {first.control_id: ("AR", "报告单号不存在")})
        self.assertEqual(alert.receipt_state, "refused")
        # corrected to another critical value, read back again: a new receipt
        alert.lab_result_id.write({"value": "7.4"})
        self.assertIs(alert.with_user(self.user_doctor).action_acknowledge("7.4"), True)
        self.Alert._cron_queue_receipts()
        second = self._receipts(alert) - first
        self.assertEqual(len(second), 1)
        self._deliver("t-lis", {second.control_id: ("AA", "")})
        self.assertEqual(alert.receipt_state, "recorded")
        # the gateway repeats its old answer to the first one
        self.env[ENDPOINT].with_user(self.user_gateway).gateway_report(
            "t-lis", [{"control_id": first.control_id, "status": "AR", "error": "报告单号不存在"}]
        )
        self.assertEqual(alert.receipt_state, "recorded")
        self.assertEqual(len(self._events(alert, "receipt_refused")), 1)
        self.assertEqual(len(self._events(alert, "receipt_sent")), 1)

    def test_answers_repeated_or_contradicting_on_one_receipt_count_once(self):
        alert = self._acknowledged()
        retried = self._acknowledged(self._report(name="LAB-RCPT-AE"))
        self.Alert._cron_queue_receipts()
        receipt, retried_receipt = self._receipts(alert), self._receipts(retried)
        self._deliver("t-lis", {receipt.control_id: ("AA", ""), retried_receipt.control_id: ("AE", "LIS 忙")})
        Endpoint = self.env[ENDPOINT].with_user(self.user_gateway)
        Endpoint.gateway_report("t-lis", [{"control_id": receipt.control_id, "status": "AA"}])
        Endpoint.gateway_report("t-lis", [{"control_id": receipt.control_id, "status": "AR", "error": "late"}])
        self.assertEqual(alert.receipt_state, "recorded")
        self.assertEqual(len(self._events(alert, "receipt_sent")), 1)
        self.assertFalse(self._events(alert, "receipt_refused"))
        # AE until the endpoint's attempts are spent: refused once, in the trail
        self.assertEqual(retried.receipt_state, "queued")
        for _attempt in range(self.lis.max_attempts):
            if retried_receipt.state == "dead":
                break
            # its backoff has passed: pulled again, and the LIS is busy again
            retried_receipt.sudo().write({"next_attempt_at": "2000-01-01 00:00:00"})
            self._deliver("t-lis", {retried_receipt.control_id: ("AE", "LIS 忙")})
        self.assertEqual(retried_receipt.state, "dead")
        self.assertEqual(retried.receipt_state, "refused")
        self.assertEqual(len(self._events(retried, "receipt_refused")), 1)
        # the cron never queues an alert twice
        self.Alert._cron_queue_receipts()
        self.assertEqual(len(self._receipts(alert) | self._receipts(retried)), 2)

    # ------------------------------------------------------------------ routing
    def test_the_receipt_goes_back_to_the_endpoint_that_reported_the_result(self):
        """Found at review (medium): with two endpoints that both receive
        lab results and receipts (two laboratories, two campuses), the
        receipt goes to the first by sequence, not to the one the result
        came from; that LIS does not know the report number and refuses."""
        lis_b = self._endpoint("t-lis-b", 25, "lab.result", "critical.receipt")
        result = self.submit("lab.result", LAB, code="t-lis-b")
        self.assertEqual(result["state"], "processed", result["error"])
        report = self.env["ihospital.lab.report"].search([("name", "=", "L-RCPT-1")])
        alert = self._acknowledged(report, value="6.9")
        self.Alert._cron_queue_receipts()
        self.assertEqual(self._receipts(alert).endpoint_id, lis_b)

    def test_no_receipt_goes_to_another_hospital_or_an_archived_endpoint(self):
        # the other hospital's endpoint takes everything, first by sequence
        self.assertIn("critical.receipt", self.endpoint_2.message_type_ids.mapped("code"))
        self.endpoint_2.sequence = 1
        archived = self._endpoint("t-lis-old", 2, "lab.result", "critical.receipt", active=False)
        receipts_only = self._endpoint("t-receipts", 3, "critical.receipt")
        lab = self._acknowledged()
        ecg = self._ecg("ECG-RCPT", source="his")
        finding = self.Alert.sudo().search([("imaging_report_id", "=", ecg.id)])
        finding.with_user(self.user_doctor).action_acknowledge("Ventricular fibrillation")
        self.Alert._cron_queue_receipts()
        self.assertEqual(self._receipts(lab).endpoint_id, self.lis)
        self.assertEqual(self._receipts(finding).endpoint_id, self.ris)
        self.assertFalse(self.Message.sudo().search([("endpoint_id", "in", (self.endpoint_2 | archived).ids)]))
        # without the LIS, a lab receipt goes to the first endpoint taking receipts of its own hospital
        self.lis.active = False
        self.ris.active = False
        other = self._acknowledged(self._report(name="LAB-RCPT-2"))
        self.Alert._cron_queue_receipts()
        self.assertEqual(self._receipts(other).endpoint_id, receipts_only)
        # and with none, it is not sent
        receipts_only.active = False
        last = self._acknowledged(self._report(name="LAB-RCPT-3"))
        self.Alert._cron_queue_receipts()
        self.assertFalse(self._receipts(last))
        self.assertEqual(last.receipt_state, "not_sent")

    # ------------------------------------------------------------------ numbers
    def test_a_batch_draw_of_numbers_follows_the_sequence(self):
        Sequence = self.env["ir.sequence"].sudo()
        code = "ihospital.his.message.out"
        self.assertEqual(Sequence._ihospital_next_many(code, self.hospital.id, 0), [])
        first = Sequence.with_company(self.hospital).next_by_code(code)
        batch = Sequence._ihospital_next_many(code, self.hospital.id, 3)
        after = Sequence.with_company(self.hospital).next_by_code(code)
        numbers = [int(value[-8:]) for value in (first, *batch, after)]
        self.assertEqual(numbers, list(range(numbers[0], numbers[0] + 5)))
        # a hospital's own sequence wins over the shared one, and a gapless one is drawn the usual way
        own = Sequence.create(
            {"name": "Own", "code": code, "company_id": self.hospital_2.id, "prefix": "H2-", "padding": 3}
        )
        self.assertEqual(Sequence._ihospital_next_many(code, self.hospital_2.id, 2), ["H2-001", "H2-002"])
        # (Odoo keeps number_next when a sequence changes implementation: set it)
        own.write({"implementation": "no_gap", "number_next": 3})
        self.assertEqual(Sequence._ihospital_next_many(code, self.hospital_2.id, 2), ["H2-003", "H2-004"])
