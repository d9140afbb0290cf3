from unittest.mock import patch

from odoo.tests import tagged

from ..handlers import REGISTRY
from .common import HisCase
from .test_his_inbound import LAB


@tagged("post_install", "-at_install")
class TestHisBatch(HisCase):
    """The gateway's call stores a batch and returns; the processing cron
    applies it set-based, in id order."""

    def payload(self, control_id, message_type, data):
        return {"control_id": control_id, "type": message_type, "protocol": "json", "raw": "{}", "data": data}

    def results(self, count, first=1, **extra):
        """`count` results of a patient who has no portal account (a report
        ready notice is mail, not part of this count), none critical."""
        vals = dict(LAB, patient={"medical_card_number": "T0002"}, results=LAB["results"][:1] * 2)
        vals.update(extra)
        return [
            self.payload(f"B{n:05d}", "lab.result", dict(vals, report_no=f"LB-{n:05d}"))
            for n in range(first, first + count)
        ]

    def send(self, payloads):
        return self.env["ihospital.his.endpoint"].with_user(self.user_gateway).gateway_submit("t-his", payloads)

    def test_submit_stores_a_batch_with_one_duplicate_search_and_one_create(self):
        self.send(self.results(1, first=1))
        self.env.flush_all()
        # the same number of queries for 20 messages as for 40: one duplicate search, one create, one trigger
        for first, count in ((100, 20), (200, 40)):
            with self.assertQueryCount(__system__=8):
                results = self.send(self.results(count, first=first) + self.results(1, first=1))
                self.env.flush_all()
            self.assertEqual([r["state"] for r in results], ["received"] * count + ["duplicate"])
        messages = self.Message.search([("control_id", "like", "B00")])
        self.assertEqual(set(messages.mapped("state")), {"received"})
        self.assertFalse(self.env["ihospital.lab.report"].search([("name", "like", "LB-")]))

    def test_a_batch_is_applied_with_a_fixed_number_of_queries(self):
        """One search per kind of lookup and one create, however many
        results and patients the batch holds; the patients' "report ready"
        notices are queued for their own cron, not sent in the batch."""
        patients = self.env["ihospital.patient"].create(
            [
                {"name": f"批量{n}", "company_id": self.hospital.id, "medical_card_number": f"TB{n:03d}"}
                for n in range(40)
            ]
        )
        for patient in patients[:8:2]:
            self.env["ihospital.patient.account"].create(
                {"patient_id": patient.id, "user_id": self.user_portal.id, "relation": "other", "state": "confirmed"}
            )
        # Odoo's and the alerts' caches (defaults, limits) warm, as on a running server
        self.send(self.results(2, first=90000))
        self.Message.sudo()._cron_process()
        for first, count in ((1000, 20), (2000, 40)):
            payloads = self.results(count, first=first)
            for n, payload in enumerate(payloads):
                payload["data"]["patient"] = {"medical_card_number": f"TB{n:03d}"}
            self.send(payloads)
            self.env.flush_all()
            self.env.invalidate_all()
            # 30: the critical lanes' search (none waiting here), the ordinary queue's lock, its locked
            # search and fetch included; the lines' hospital and flags and the
            # links' hospital are in their INSERT (no UPDATE after it); the first batch warms the caches
            # of the patients with a portal account (the second costs 27)
            with self.assertQueryCount(__system__=30):
                self.Message.sudo()._cron_process()
                self.env.flush_all()
            reports = self.env["ihospital.lab.report"].search([("name", "like", f"LB-0{first // 1000}")])
            self.assertEqual(len(reports), count)
            self.assertEqual(len(reports.result_ids), 2 * count)
            self.assertEqual(reports.patient_id, patients[:count])
            self.assertTrue(all(reports.mapped("ready_notice_due")))
        messages = self.Message.search([("control_id", "like", "B0")])
        self.assertEqual(set(messages.mapped("state")), {"processed"})
        self.assertEqual(messages.patient_id, patients)
        self.assertEqual(len(messages.link_ids), 60)
        # machine-made records carry no chatter line
        self.assertFalse(reports.message_ids)
        self.env["ihospital.lab.report"]._cron_send_ready_notices()
        told = reports.filtered(lambda r: r.message_ids.partner_ids)
        self.assertEqual(told.patient_id, patients[:8:2])

    def test_critical_results_of_a_batch_are_marked_at_once(self):
        self.send(self.results(3, first=5000) + self.results(2, first=5100, results=LAB["results"]))
        self.process()
        critical = self.env["ihospital.lab.report"].search([("name", "like", "LB-051"), ("is_critical", "=", True)])
        self.assertEqual(len(critical), 2)
        self.assertEqual(critical.result_ids.filtered("is_critical").mapped("flag"), ["HH", "HH"])
        self.assertFalse(
            self.env["ihospital.lab.report"].search([("name", "like", "LB-050"), ("is_critical", "=", True)])
        )

    def test_order_and_the_unusual_messages_of_a_batch(self):
        """A registration applies before the results after it; an update, a
        bad message and a result of an unknown patient go one by one,
        without stopping the others."""
        patient = {"his_patient_id": "P-NEW", "name": "黄小明", "gender": "male", "birth_date": "1990-02-03"}
        batch = [
            self.payload("O1", "lab.result", dict(LAB, report_no="LO-1", patient={"his_patient_id": "P-NEW"})),
            self.payload("O2", "patient.register", {"patient": patient}),
            self.payload("O3", "lab.result", dict(LAB, report_no="LO-2", patient={"his_patient_id": "P-NEW"})),
            self.payload("O4", "lab.result", dict(LAB, report_no="LO-2", status="corrected", results=LAB["results"][:1],
                                                  patient={"his_patient_id": "P-NEW"})),
            self.payload("O5", "lab.result", dict(LAB, report_no="LO-3", results=[{"code": "X"}])),
            self.payload("O6", "lab.result", dict(LAB, report_no="LO-4")),
        ]  # fmt: skip
        self.send(batch)
        self.process()
        state = {
            m.control_id: m.state
            for m in self.Message.search([("control_id", "in", ["O1", "O2", "O3", "O4", "O5", "O6"])])
        }
        new_patient = self.env["ihospital.patient"].search([("his_patient_id", "=", "P-NEW")])
        self.assertEqual(state["O2"], "processed")
        self.assertEqual(state["O5"], "dead")
        self.assertEqual((state["O3"], state["O4"], state["O6"]), ("processed",) * 3)
        corrected = self.env["ihospital.lab.report"].search([("name", "=", "LO-2")])
        self.assertEqual(
            (corrected.patient_id, corrected.state, len(corrected.result_ids)), (new_patient, "corrected", 1)
        )
        # the result that overtook the registration waited, and was applied once the patient arrived
        self.assertEqual(state["O1"], "processed")
        self.assertEqual(self.env["ihospital.lab.report"].search([("name", "=", "LO-1")]).patient_id, new_patient)

    def test_a_run_that_fails_as_a_whole_is_applied_one_by_one(self):
        self.send(self.results(5, first=3000))
        with (
            patch.object(type(REGISTRY["lab.result"]), "process_batch", side_effect=RuntimeError("bug")),
            self.assertLogs("odoo.addons.ihospital_his.models.ihospital_his_message", "ERROR"),
        ):
            self.process()
        messages = self.Message.search([("control_id", "like", "B030")])
        self.assertEqual(set(messages.mapped("state")), {"processed"})
        self.assertEqual(len(self.env["ihospital.lab.report"].search([("name", "like", "LB-030")])), 5)

    def test_a_busy_queue_is_applied_in_batches(self):
        with patch("odoo.addons.ihospital_his.models.ihospital_his_message.PROCESS_BATCH", 4):
            self.send(self.results(10, first=4000))
            with patch.object(type(self.env["ir.cron"]), "_notify_progress") as progress:
                self.Message.sudo()._cron_process()
            progress.assert_called_once_with(done=4, remaining=6)
            self.Message.sudo()._cron_process()
            self.Message.sudo()._cron_process()
        self.assertEqual(set(self.Message.search([("control_id", "like", "B040")]).mapped("state")), {"processed"})

    def test_a_result_of_an_unknown_patient_is_stored_at_once_and_attached_on_registration(self):
        """Never parked, never waiting: stored unmatched (the lab and the
        administrators see it; a critical value alerts at once), then
        attached when the registration arrives, by HIS id or ID number."""
        by_id = dict(LAB, report_no="LU-1", patient={"his_patient_id": "P-LATER"})
        by_number = dict(LAB, report_no="LU-2", patient={"id_type": "passport", "id_number": "E50000001"})
        imaging = {
            "report_no": "IU-1", "patient": {"his_patient_id": "P-LATER"}, "modality": "ct", "exam_name": "胸部CT",
            "findings": "双肺纹理清晰", "impression": "未见异常", "reported_at": "2026-01-10T10:00:00+08:00",
        }  # fmt: skip
        self.send(
            [
                self.payload("U1", "lab.result", by_id),
                self.payload("U2", "lab.result", by_number),
                self.payload("U3", "imaging.report", imaging),
            ]
        )
        self.process()
        messages = self.Message.search([("control_id", "in", ["U1", "U2", "U3"])])
        self.assertEqual(set(messages.mapped("state")), {"processed"})
        Lab, Imaging = self.env["ihospital.lab.report"], self.env["ihospital.imaging.report"]
        unmatched = Lab.search([("name", "in", ["LU-1", "LU-2"])])
        self.assertEqual(unmatched.mapped("patient_id"), self.env["ihospital.patient"])
        self.assertEqual(set(unmatched.mapped("his_patient_ref")), {"P-LATER", False})
        self.assertNotIn("E50000001", " ".join(unmatched.sudo().mapped("his_patient_keys")), "keys show no identity")
        self.assertTrue(all(unmatched.mapped("is_critical")), "critical values are stored at once")
        self.assertFalse(Imaging.search([("name", "=", "IU-1")]).patient_id)
        patient = {"his_patient_id": "P-LATER", "name": "晚到", "id_type": "passport", "id_number": "E50000001",
                   "birth_date": "1960-01-01"}  # fmt: skip
        self.assertEqual(self.submit("patient.register", {"patient": patient})["state"], "processed")
        registered = self.env["ihospital.patient"].search([("his_patient_id", "=", "P-LATER")])
        self.assertEqual(unmatched.patient_id, registered)
        self.assertEqual(Imaging.search([("name", "=", "IU-1")]).patient_id, registered)
        self.assertFalse(unmatched.filtered(lambda report: not report.patient_id))

    def test_a_card_that_is_an_id_number_is_never_shown_and_still_attaches(self):
        """Many hospitals use the identity card as the visit card: such a
        result is stored unmatched without showing the number (not even
        in its keys), and attached when the patient is known."""
        card = "440106199202023419"
        self.send(
            [
                self.payload("I1", "lab.result", dict(LAB, report_no="LI-1", patient={"medical_card_number": card})),
                self.payload("I2", "lab.result", dict(LAB, report_no="LI-2", patient={"name": "无标识"})),
                self.payload("I3", "lab.result", dict(LAB, report_no="LI-3", patient={"medical_card_number": card})),
            ]
        )
        self.process()
        state = {m.control_id: m.state for m in self.Message.search([("control_id", "in", ["I1", "I2", "I3"])])}
        self.assertEqual(state, {"I1": "processed", "I2": "dead", "I3": "processed"}, "no identifier: refused")
        reports = self.env["ihospital.lab.report"].search([("name", "in", ["LI-1", "LI-3"])])
        self.assertEqual(reports.mapped("his_patient_ref"), [False, False])
        self.assertNotIn(card, " ".join(reports.sudo().mapped("his_patient_keys")))
        self.assertFalse(self.env["ihospital.lab.report"].search([("name", "=", "LI-2")]))
        # the back office registers the patient with that card: the results are attached
        patient = self.env["ihospital.patient"].create(
            {"name": "卡号即身份证", "company_id": self.hospital.id, "medical_card_number": card}
        )
        self.assertEqual(reports.patient_id, patient)

    def test_a_his_patient_id_learnt_later_attaches_the_results(self):
        """The HIS's answer to patient.sync gives a platform patient its HIS
        id: the results the HIS sent for that id before are attached."""
        self.send([self.payload("S1", "lab.result", dict(LAB, report_no="LS-1", patient={"his_patient_id": "P-SYNC"}))])
        self.process()
        report = self.env["ihospital.lab.report"].search([("name", "=", "LS-1")])
        self.assertFalse(report.patient_id)
        self.patient_surgery.sudo().his_patient_id = "P-SYNC"
        self.assertEqual(report.patient_id, self.patient_surgery)
