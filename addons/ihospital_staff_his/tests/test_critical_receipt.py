"""Issue 11: the receipt of an acknowledged critical value goes back to the
system that reported it (LIS, RIS), through the gateway, and its answer is
in the alert's trail."""

import json

from ihospital_gateway import codec

from odoo import Command
from odoo.addons.ihospital_his.tests.common import HisCase
from odoo.addons.ihospital_staff.tests.common import CriticalCase
from odoo.exceptions import AccessError
from odoo.tests import tagged

# Receipts of a batch of acknowledged alerts queued: their recipients, the
# endpoints, the links to the reporting messages and the acknowledgers read
# once, the messages created at once.
QUERIES_PER_RECEIPT_BATCH = 20


@tagged("post_install", "-at_install")
class TestCriticalReceipt(CriticalCase, HisCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Type = cls.env["ihospital.his.message.type"]
        receipt = Type.search([("code", "=", "critical.receipt")])
        # the HIS endpoint takes no receipts; the LIS and the RIS each take theirs
        cls.endpoint.message_type_ids = [Command.unlink(receipt.id)]
        Endpoint = cls.env["ihospital.his.endpoint"]

        def endpoint(code, sequence, *types):
            return Endpoint.create(
                {
                    "name": code,
                    "code": code,
                    "sequence": sequence,
                    "company_id": cls.hospital.id,
                    "user_id": cls.user_gateway.id,
                    "message_type_ids": [Command.set(Type.search([("code", "in", types)]).ids)],
                }
            )

        cls.lis = endpoint("t-lis", 20, "lab.result", "critical.receipt")
        cls.ris = endpoint("t-ris", 30, "imaging.report", "critical.receipt")
        cls.patient_cardio.medical_card_number = "YX0001"

    def _acknowledged(self, report=None, user=None, value="6.8"):
        alert = self._alerts(report or self._report())
        self.assertIs(alert.with_user(user or self.user_doctor).action_acknowledge(value), True)
        return alert

    def _receipt(self, alert):
        return self.Message.sudo().search([("critical_alert_id", "=", alert.id)])

    def test_an_acknowledged_alert_sends_its_receipt_to_the_lis(self):
        alert = self._acknowledged()
        self.assertTrue(alert.receipt_due)
        self.assertFalse(self._receipt(alert), "queued by the cron, after the acknowledgement's commit")
        self.Alert._cron_queue_receipts()
        receipt = self._receipt(alert)
        self.assertRecordValues(
            receipt,
            [
                {
                    "endpoint_id": self.lis.id,
                    "direction": "out",
                    "message_type": "critical.receipt",
                    "state": "queued",
                    "patient_id": self.patient_cardio.id,
                }
            ],
        )
        self.assertRecordValues(alert, [{"receipt_due": False, "receipt_state": "queued"}])
        data = receipt.data
        self.assertEqual(
            {key: value for key, value in data.items() if key not in ("acknowledged_at", "detected_at")},
            {
                "alert_ref": alert.name,
                "report_no": "LAB-CV-1",
                "source": "lab",
                "item_code": "K",
                "item": "Potassium",
                "value": "6.8",
                "unit": "mmol/L",
                "flag": "HH",
                "patient": {"his_patient_id": "P0001", "medical_card_number": "YX0001"},
                "acknowledged_by": self.user_doctor.name,
                "acknowledged_by_code": "T-D1",
                "acknowledged_role": "attending",
                "read_back": "6.8",
                "department_code": "T-XNK",
            },
        )
        self.assertTrue(data["acknowledged_at"].endswith("+08:00"), "in the hospital's time")
        # the patient is named by identifiers only
        text = json.dumps(data, ensure_ascii=False)
        for identity in (self.patient_cardio.name, self.patient_cardio.id_number, self.patient_cardio.phone):
            if identity:
                self.assertNotIn(identity, text)
        # what the gateway will send is valid in both protocols
        for protocol in ("hl7", "json"):
            codec.encode_outbound(protocol, "critical.receipt", receipt.control_id, data)
        # nothing is queued twice
        self.Alert._cron_queue_receipts()
        self.assertEqual(len(self._receipt(alert)), 1)

    def test_the_answer_of_the_laboratory_is_in_the_trail(self):
        recorded = self._acknowledged()
        refused = self._acknowledged(self._report(name="LAB-CV-2"))
        retried = self._acknowledged(self._report(name="LAB-CV-3"))
        self.Alert._cron_queue_receipts()
        Endpoint = self.env["ihospital.his.endpoint"].with_user(self.user_gateway)
        pulled = {m["control_id"] for m in Endpoint.gateway_pull("t-lis")}
        receipts = {alert: self._receipt(alert) for alert in (recorded, refused, retried)}
        self.assertEqual(pulled, {receipt.control_id for receipt in receipts.values()})
        Endpoint.gateway_report(
            "t-lis",
            [
                {"control_id": receipts[recorded].control_id, "status": "AA"},
                {"control_id": receipts[refused].control_id, "status": "AR", "error": "报告单号不存在"},
                {"control_id": receipts[retried].control_id, "status": "AE", "error": "LIS 忙"},
            ],
        )
        self.assertEqual(
            [recorded.receipt_state, refused.receipt_state, retried.receipt_state], ["recorded", "refused", "queued"]
        )
        self.assertEqual(
            recorded.event_ids.filtered(lambda e: e.kind == "receipt_sent").mapped("user_id"), self.env["res.users"]
        )
        step = refused.event_ids.filtered(lambda e: e.kind == "receipt_refused")
        self.assertEqual(step.note, "报告单号不存在")
        self.assertFalse(retried.event_ids.filtered(lambda e: e.kind.startswith("receipt_")))
        self.assertEqual(receipts[retried].state, "failed")
        # a report repeated by the gateway adds nothing to the trail
        Endpoint.gateway_report("t-lis", [{"control_id": receipts[recorded].control_id, "status": "AA"}])
        self.assertEqual(len(recorded.event_ids.filtered(lambda e: e.kind == "receipt_sent")), 1)

    def test_each_receipt_goes_to_the_system_that_reported_it(self):
        ecg = self._ecg("ECG-R1", source="his")
        finding = self.Alert.sudo().search([("imaging_report_id", "=", ecg.id)])
        finding.with_user(self.user_doctor).action_acknowledge("ventricular fibrillation")
        sign = self._vital_sign(source="his", his_ref="VS-R1/SPO2")
        vital = self.Alert.sudo().search([("vital_sign_id", "=", sign.id)])
        vital.with_user(self.user_doctor).action_acknowledge("78")
        lab = self._acknowledged()
        # the message log links other records too (a patient registered, ...)
        registration = self.submit(
            "patient.register", {"patient": {"his_patient_id": "P-R1", "name": "Wang Fang", "gender": "female"}}
        )
        self.assertEqual(registration["state"], "processed")
        self.Alert._cron_queue_receipts()
        self.assertEqual(self._receipt(finding).endpoint_id, self.ris)
        self.assertEqual(self._receipt(lab).endpoint_id, self.lis)
        # nobody receives vital signs and receipts: the first endpoint taking receipts
        self.assertEqual(self._receipt(vital).endpoint_id, self.lis)
        self.assertEqual(self._receipt(vital).data["report_no"], "VS-R1/SPO2")
        self.assertEqual(self._receipt(finding).data["item"], finding.item)

    def test_no_receipt_without_a_connection_or_for_a_result_typed_in_by_hand(self):
        manual = self._acknowledged(self._report(name="LAB-CV-M", source="manual"))
        self.lis.message_type_ids = [
            Command.unlink(self.lis.message_type_ids.filtered(lambda t: t.code == "critical.receipt").id)
        ]
        self.ris.active = False
        unconnected = self._acknowledged(self._report(name="LAB-CV-U"))
        self.Alert._cron_queue_receipts()
        self.assertFalse(self._receipt(manual) | self._receipt(unconnected))
        self.assertEqual([manual.receipt_state, unconnected.receipt_state], ["not_sent", "not_sent"])
        self.assertFalse((manual | unconnected).filtered("receipt_due"))

    def test_a_colleague_who_was_not_told_has_no_role_in_the_receipt(self):
        alert = self._acknowledged(user=self.user_nurse)
        self.Alert._cron_queue_receipts()
        data = self._receipt(alert).data
        self.assertEqual(data["acknowledged_by"], self.user_nurse.name)
        self.assertNotIn("acknowledged_role", data)

    def test_receipts_of_a_batch_cost_the_same_queries_for_3_or_6(self):
        def batch(first, count):
            return self.Alert.browse(
                [self._acknowledged(self._report(name=f"LAB-Q-{first + n}")).id for n in range(count)]
            )

        counts = []
        batch(0, 1)._queue_receipts()  # warm-up: the sequences and endpoints read once per process
        for count, first in ((3, 100), (6, 200)):
            alerts = batch(first, count)
            alerts.invalidate_recordset()
            self.env.invalidate_all()
            with self.assertQueryCount(QUERIES_PER_RECEIPT_BATCH):
                alerts.sudo()._queue_receipts()
            counts.append(len(self.Message.sudo().search([("critical_alert_id", "in", alerts.ids)])))
        self.assertEqual(counts, [3, 6])

    def test_users_cannot_mark_a_receipt(self):
        alert = self._acknowledged()
        for user in (self.user_doctor, self.user_head, self.user_admin):
            with self.assertRaises(AccessError):
                alert.with_user(user).write({"receipt_state": "recorded"})
        with self.assertRaises(AccessError):
            self.Message.with_user(self.user_doctor).search([("critical_alert_id", "=", alert.id)])
