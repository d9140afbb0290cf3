"""Physical-exam reports and a patient's allergies and alerts outside
admissions, from the HIS: good, duplicate, out of order, bad input, and a
run applied with a fixed number of queries."""

from odoo import fields
from odoo.tests import tagged

from .common import HisCase

EXAM = {
    "report_no": "TJ-001",
    "patient": {"his_patient_id": "P0001"},
    "package_code": "TJ-RZ01",
    "package_name": "入职体检套餐",
    "exam_date": "2026-01-08",
    "chief_examiner_code": "T-D1",
    "chief_examiner": "李医生",
    "reported_at": "2026-01-10T16:30:00+08:00",
    "items": [
        {"section": "一般检查", "code": "SBP", "name": "收缩压", "value": 146, "unit": "mmHg",
         "reference_range": "90-139", "flag": "H", "conclusion": "血压偏高"},
        {"section": "内科", "code": "HEART", "name": "心脏听诊", "value": "心率齐，未闻及杂音", "flag": "N"},
        {"section": "眼科", "code": "VAR", "name": "视力（右）", "value": "4.6", "flag": "A",
         "conclusion": "右眼视力下降"},
    ],
    "conclusion": "1. 血压偏高\n2. 右眼视力下降",
    "advice": "低盐饮食，每周测量血压。",
}  # fmt: skip
ALLERGY = {
    "patient": {"his_patient_id": "P0001"},
    "recorded_at": "2026-01-10T10:00:00+08:00",
    "allergies": [
        {"action": "add", "ref": "GM-1", "allergen": "青霉素", "code": "DRUG-PCN", "type": "drug",
         "severity": "severe", "reaction": "过敏性休克", "identified_at": "2015-06-03"},
        {"action": "add", "ref": "JS-1", "kind": "alert", "allergen": "跌倒高风险", "code": "ALERT-FALL",
         "severity": "moderate", "reaction": "床栏保护"},
    ],
}  # fmt: skip


def at(text):
    return fields.Datetime.to_datetime(text)


@tagged("post_install", "-at_install")
class TestHisExamReports(HisCase):
    def report(self, number="TJ-001"):
        return self.env["ihospital.exam.report"].search([("name", "=", number), ("company_id", "=", self.hospital.id)])

    def test_an_exam_report_with_its_sections_conclusions_and_advice(self):
        result = self.submit("exam.report", EXAM)
        self.assertEqual(result["state"], "processed", result["error"])
        report = self.report()
        self.assertEqual(
            (report.patient_id, report.package_code, report.package_name, report.exam_date),
            (self.patient_cardio, "TJ-RZ01", "入职体检套餐", fields.Date.to_date("2026-01-08")),
        )
        self.assertEqual((report.doctor_id, report.chief_examiner), (self.emp_doctor, "李医生"))
        self.assertEqual((report.state, report.source, report.reported_at), ("final", "his", at("2026-01-10 08:30:00")))
        self.assertEqual(report.item_ids.mapped("section"), ["一般检查", "内科", "眼科"])
        self.assertEqual(report.item_ids[0].value, "146")
        self.assertEqual(report.item_ids.filtered("is_abnormal").mapped("conclusion"), ["血压偏高", "右眼视力下降"])
        self.assertEqual((report.abnormal_count, report.section_count), (2, 3))
        self.assertEqual((report.conclusion, report.advice), (EXAM["conclusion"], EXAM["advice"]))
        self.assertEqual([section for section, _items in report._sections()], ["一般检查", "内科", "眼科"])
        self.assertFalse(report.department_id, "a physical exam belongs to no clinical department")
        self.assertIn("ihospital.exam.report", self.message(result["control_id"]).link_ids.mapped("res_model"))

    def test_a_duplicate_changes_nothing_and_a_correction_replaces_the_report(self):
        first = self.submit("exam.report", EXAM, control_id="PE-DUP")
        report = self.report()
        sbp, heart, eye = report.item_ids
        # the same control id again: stored once, not applied twice
        again = self.submit("exam.report", EXAM, control_id="PE-DUP")
        self.assertEqual((first["state"], again["state"]), ("processed", "duplicate"))
        self.assertEqual(len(self.message("PE-DUP")), 1)
        # the same report under another control id (a resend): one report, the same items
        self.assertEqual(self.submit("exam.report", EXAM)["state"], "processed")
        self.assertEqual((len(self.report()), report.item_ids), (1, sbp | heart | eye))
        corrected = dict(
            EXAM,
            status="corrected",
            items=[dict(EXAM["items"][0], value="128", flag="N", conclusion=None), EXAM["items"][1]],
            conclusion="1. 右眼视力下降",
        )
        self.assertEqual(self.submit("exam.report", corrected)["state"], "processed")
        self.assertEqual(report.state, "corrected")
        self.assertEqual(report.item_ids, sbp | heart, "the items given again keep their identity")
        self.assertEqual((sbp.value, sbp.flag, sbp.is_abnormal), ("128", "N", False))
        self.assertFalse(eye.exists(), "an item no longer sent is removed")
        self.assertEqual((report.abnormal_count, report.conclusion), (0, "1. 右眼视力下降"))

    def test_a_report_of_an_unknown_patient_is_stored_at_once_and_attached_on_registration(self):
        """Out of order: the report overtakes the patient's registration and
        its chief examiner's master data."""
        data = dict(EXAM, report_no="TJ-U", patient={"his_patient_id": "P-TJ"}, chief_examiner_code="T-NEW")
        result = self.submit("exam.report", data)
        self.assertEqual(result["state"], "processed", result["error"])
        report = self.report("TJ-U")
        self.assertFalse(report.patient_id)
        self.assertEqual((report.his_patient_ref, report.his_doctor_code), ("P-TJ", "T-NEW"))
        self.assertTrue(report.codes_to_resolve)
        self.submit(
            "patient.register", {"patient": {"his_patient_id": "P-TJ", "name": "体检者", "birth_date": "1990-01-01"}}
        )
        self.assertEqual(report.patient_id.his_patient_id, "P-TJ")

    def test_bad_reports_are_parked(self):
        for bad in (
            dict(EXAM, report_no="TJ-B1", items=[dict(EXAM["items"][0], flag="HIGH")]),
            dict(EXAM, report_no="TJ-B2", exam_date="08/01/2026"),
            dict(EXAM, report_no="TJ-B3", items=[{"name": "身高", "value": "170"}]),
            {key: value for key, value in EXAM.items() if key != "package_name"},
        ):
            result = self.submit("exam.report", bad)
            self.assertEqual(result["state"], "dead", bad)
            self.assertTrue(result["error"])
        self.assertFalse(self.env["ihospital.exam.report"].search([("name", "like", "TJ-B")]))

    def test_a_batch_of_exam_reports_with_a_fixed_number_of_queries(self):
        patients = self.env["ihospital.patient"].create(
            [
                {"name": f"体检{n}", "company_id": self.hospital.id, "medical_card_number": f"TE{n:03d}"}
                for n in range(40)
            ]
        )
        Endpoint = self.env["ihospital.his.endpoint"].with_user(self.user_gateway)
        for first, count in ((900, 2), (1000, 20), (2000, 40)):  # the first run fills the registry's caches
            payloads = [
                {
                    "control_id": f"E{n:05d}",
                    "type": "exam.report",
                    "protocol": "json",
                    "raw": "{}",
                    "data": dict(
                        EXAM,
                        report_no=f"TB-{n:05d}",
                        patient={"medical_card_number": f"TE{n - first:03d}"},
                        items=EXAM["items"][:2],
                    ),
                }
                for n in range(first, first + count)
            ]
            Endpoint.gateway_submit("t-his", payloads)
            self.env.flush_all()
            self.env.invalidate_all()
            # 23: the critical lanes' search (none waiting here), the ordinary queue's lock, its locked search
            # and fetch included, the links' hospital in their INSERT
            with self.assertQueryCount(__system__=23 if count > 2 else 200):
                self.Message.sudo()._cron_process()
                self.env.flush_all()
            reports = self.env["ihospital.exam.report"].search([("name", "like", f"TB-0{first // 1000}")])
            self.assertEqual(len(reports), count)
            self.assertEqual(len(reports.item_ids), 2 * count)
            self.assertEqual(reports.patient_id, patients[:count])
            self.assertEqual(reports.doctor_id, self.emp_doctor)
        self.assertEqual(set(self.Message.search([("control_id", "like", "E0")]).mapped("state")), {"processed"})


@tagged("post_install", "-at_install")
class TestHisPatientAllergies(HisCase):
    def entries(self, patient=None):
        return (
            self.env["ihospital.patient.allergy"]
            .with_context(active_test=False)
            .search([("patient_id", "=", (patient or self.patient_cardio).id)], order="id")
        )

    def test_allergies_and_alerts_added_updated_and_removed(self):
        result = self.submit("patient.allergy", ALLERGY)
        self.assertEqual(result["state"], "processed", result["error"])
        alert, allergy = self.patient_cardio.allergy_ids  # alerts first
        self.assertEqual(
            (allergy.kind, allergy.allergen, allergy.allergen_code, allergy.allergy_type, allergy.severity),
            ("allergy", "青霉素", "DRUG-PCN", "drug", "severe"),
        )
        self.assertEqual(
            (allergy.his_ref, allergy.source, allergy.identified_date),
            ("GM-1", "his", fields.Date.to_date("2015-06-03")),
        )
        self.assertEqual((alert.kind, alert.allergen, alert.reaction), ("alert", "跌倒高风险", "床栏保护"))
        self.assertEqual(allergy.his_recorded_at, at("2026-01-10 02:00:00"))
        # an update names the entry by its reference; a removal archives it
        change = {
            "patient": {"his_patient_id": "P0001"},
            "recorded_at": "2026-01-11T09:00:00+08:00",
            "allergies": [
                {"action": "update", "ref": "GM-1", "allergen": "青霉素", "severity": "moderate"},
                {"action": "remove", "ref": "JS-1", "kind": "alert", "allergen": "跌倒高风险"},
            ],
        }
        self.assertEqual(self.submit("patient.allergy", change)["state"], "processed")
        self.assertEqual(self.patient_cardio.allergy_ids, allergy)
        self.assertEqual((allergy.severity, allergy.reaction), ("moderate", "过敏性休克"), "fields left out stay")
        self.assertFalse(alert.active)
        self.assertEqual(self.entries(), allergy | alert, "removed entries are kept, archived")
        # an admission listing the removed alert's code again brings it back (the admission's list is what is known)
        self.submit(
            "admission.admit",
            {
                "admission_no": "ZY-AL",
                "patient": {"his_patient_id": "P0001"},
                "admitted_at": "2026-01-12T08:00:00+08:00",
                "allergies": [{"allergen": "跌倒高风险", "code": "ALERT-FALL"}],
            },
        )
        self.assertTrue(alert.active)

    def test_a_duplicate_and_a_resend_change_nothing(self):
        self.submit("patient.allergy", ALLERGY, control_id="AL-DUP")
        entries = self.entries()
        self.assertEqual(self.submit("patient.allergy", ALLERGY, control_id="AL-DUP")["state"], "duplicate")
        self.assertEqual(len(self.message("AL-DUP")), 1)
        self.assertEqual(self.submit("patient.allergy", ALLERGY)["state"], "processed")
        self.assertEqual(self.entries(), entries, "matched by reference: no second entry")
        # without a reference an entry is matched by its code, else by its text
        plain = dict(ALLERGY, allergies=[{"action": "add", "allergen": "青霉素", "code": "DRUG-PCN"},
                                         {"action": "update", "kind": "alert", "allergen": "跌倒高风险"}])  # fmt: skip
        self.assertEqual(self.submit("patient.allergy", plain)["state"], "processed")
        self.assertEqual(self.entries(), entries)

    def test_changes_that_overtake_each_other(self):
        """The removal arrives before the addition it follows: the entry
        stays removed; an older update arriving late changes nothing."""
        removal = {
            "patient": {"his_patient_id": "P0001"},
            "recorded_at": "2026-01-12T09:00:00+08:00",
            "allergies": [{"action": "remove", "ref": "GM-9", "allergen": "磺胺类药物", "code": "DRUG-SUL"}],
        }
        self.assertEqual(self.submit("patient.allergy", removal)["state"], "processed")
        addition = dict(
            removal,
            recorded_at="2026-01-10T09:00:00+08:00",
            allergies=[dict(removal["allergies"][0], action="add", severity="moderate", type="drug")],
        )
        self.assertEqual(self.submit("patient.allergy", addition)["state"], "processed")
        entry = self.entries()
        self.assertEqual(len(entry), 1)
        self.assertFalse(entry.active, "the newer removal stands")
        self.assertFalse(self.patient_cardio.allergy_ids)
        # a newer addition brings it back; an older update arriving after it does not undo it
        self.submit("patient.allergy", dict(addition, recorded_at="2026-01-13T09:00:00+08:00"))
        self.assertTrue(entry.active)
        older = dict(addition, recorded_at="2026-01-11T09:00:00+08:00",
                     allergies=[dict(addition["allergies"][0], action="update", severity="severe")])  # fmt: skip
        self.submit("patient.allergy", older)
        self.assertEqual((entry.active, entry.severity), (True, "moderate"))

    def test_an_unknown_patient_waits_for_the_registration(self):
        data = dict(ALLERGY, patient={"his_patient_id": "P-AL"})
        waiting = self.submit("patient.allergy", data)
        self.assertEqual(waiting["state"], "failed")
        self.submit(
            "patient.register", {"patient": {"his_patient_id": "P-AL", "name": "过敏者", "birth_date": "1980-05-05"}}
        )
        self.assertEqual(self.message(waiting["control_id"]).state, "processed")
        patient = self.env["ihospital.patient"].search([("his_patient_id", "=", "P-AL")])
        self.assertEqual(set(patient.allergy_ids.mapped("allergen")), {"跌倒高风险", "青霉素"})

    def test_bad_changes_are_parked(self):
        for bad in (
            dict(ALLERGY, allergies=[dict(ALLERGY["allergies"][0], action="delete")]),
            dict(ALLERGY, allergies=[dict(ALLERGY["allergies"][0], kind="warning")]),
            dict(ALLERGY, recorded_at="yesterday"),
            {key: value for key, value in ALLERGY.items() if key != "recorded_at"},
            dict(ALLERGY, allergies=[{"action": "add"}]),
        ):
            result = self.submit("patient.allergy", bad)
            self.assertEqual(result["state"], "dead", bad)
        self.assertFalse(self.entries())

    def test_the_other_hospitals_endpoint_cannot_reach_this_patient(self):
        result = self.submit("patient.allergy", ALLERGY, code="t-his-2", user=self.user_gateway_2)
        self.assertEqual(result["state"], "failed", "P0001 is not a patient of the second hospital")
        self.assertFalse(self.entries())

    def test_a_batch_of_allergies_with_a_fixed_number_of_queries(self):
        patients = self.env["ihospital.patient"].create(
            [
                {"name": f"过敏{n}", "company_id": self.hospital.id, "medical_card_number": f"TL{n:03d}"}
                for n in range(40)
            ]
        )
        Endpoint = self.env["ihospital.his.endpoint"].with_user(self.user_gateway)
        for first, count in ((900, 2), (1000, 20), (2000, 40)):  # the first run fills the registry's caches
            payloads = [
                {
                    "control_id": f"L{n:05d}",
                    "type": "patient.allergy",
                    "protocol": "json",
                    "raw": "{}",
                    "data": dict(
                        ALLERGY,
                        patient={"medical_card_number": f"TL{n - first:03d}"},
                        allergies=[
                            dict(entry, ref=f"{entry['ref']}-{n}", code=f"{entry['code']}-{n}")
                            for entry in ALLERGY["allergies"]
                        ],
                    ),
                }
                for n in range(first, first + count)
            ]
            Endpoint.gateway_submit("t-his", payloads)
            self.env.flush_all()
            self.env.invalidate_all()
            # 17: the critical lanes' search (none waiting here), the ordinary queue's lock, its locked search
            # and fetch included, the links' hospital in their INSERT
            with self.assertQueryCount(__system__=17 if count > 2 else 200):
                self.Message.sudo()._cron_process()
                self.env.flush_all()
            refs = [f"{entry['ref']}-{n}" for n in range(first, first + count) for entry in ALLERGY["allergies"]]
            entries = self.env["ihospital.patient.allergy"].search([("his_ref", "in", refs)])
            self.assertEqual(len(entries), 2 * count)
            self.assertEqual(entries.patient_id, patients[:count])
        self.assertEqual(set(self.Message.search([("control_id", "like", "L0")]).mapped("state")), {"processed"})
