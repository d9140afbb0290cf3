"""Admissions, vital signs, critical imaging findings and lab corrections
from the HIS."""

from unittest.mock import patch

from odoo import fields
from odoo.tests import tagged

from ..handlers import REGISTRY
from .common import HisCase
from .test_his_inbound import LAB

ADMIT = {
    "admission_no": "ZY-001",
    "patient": {"his_patient_id": "P0001"},
    "department_code": "T-XNK",
    "ward": "心内科一病区",
    "bed": "12",
    "attending_doctor_code": "T-D1",
    "bed_doctor_code": "T-D1",
    "admitted_at": "2026-01-10T08:00:00+08:00",
    "diagnosis": "急性前壁心肌梗死",
    "diagnosis_code": "I21.0",
    "allergies": [
        {"allergen": "青霉素", "code": "DRUG-PCN", "type": "drug", "severity": "severe", "reaction": "过敏性休克"},
    ],
}
TRANSFER = {
    "admission_no": "ZY-001",
    "patient": {"his_patient_id": "P0001"},
    "department_code": "T-WK",
    "ward": "普外科一病区",
    "bed": "5",
    "from_department_code": "T-XNK",
    "from_ward": "心内科一病区",
    "from_bed": "12",
    "transferred_at": "2026-01-12T10:00:00+08:00",
}
VITALS = {
    "ref": "VS-001",
    "patient": {"his_patient_id": "P0001"},
    "source_system": "ICU-CIS",
    "department_code": "T-XNK",
    "observed_at": "2026-01-12T03:00:00+08:00",
    "observations": [
        {"code": "HR", "name": "心率", "loinc": "8867-4", "value": "38", "unit": "次/分", "flag": "LL"},
        {"code": "SPO2", "name": "血氧饱和度", "loinc": "59408-5", "value": 96, "unit": "%", "flag": "N"},
    ],
}


def utc(text):
    return fields.Datetime.to_datetime(text)


@tagged("post_install", "-at_install")
class TestHisAdmissions(HisCase):
    def admission(self, number="ZY-001"):
        return self.env["ihospital.admission"].search([("name", "=", number), ("company_id", "=", self.hospital.id)])

    def test_an_admission_with_ward_bed_doctors_diagnosis_and_allergies(self):
        result = self.submit("admission.admit", ADMIT)
        self.assertEqual(result["state"], "processed", result["error"])
        admission = self.admission()
        self.assertEqual(
            (admission.patient_id, admission.department_id, admission.ward, admission.bed),
            (self.patient_cardio, self.cardiology, "心内科一病区", "12"),
        )
        self.assertEqual((admission.attending_doctor_id, admission.bed_doctor_id), (self.emp_doctor, self.emp_doctor))
        self.assertEqual((admission.admission_diagnosis_code, admission.state), ("I21.0", "admitted"))
        self.assertEqual(admission.admitted_at, utc("2026-01-10 00:00:00"))
        allergy = self.patient_cardio.allergy_ids
        self.assertEqual(
            (allergy.allergen, allergy.allergy_type, allergy.severity, allergy.source),
            ("青霉素", "drug", "severe", "his"),
        )
        self.assertIn("ihospital.admission", self.message(result["control_id"]).link_ids.mapped("res_model"))
        self.assertEqual(self.env["ihospital.admission"]._current_for_patients(self.patient_cardio)[
            self.patient_cardio.id], admission)  # fmt: skip
        # the same admission again (the HIS resends it, with an allergy changed): no second stay or allergy
        again = dict(ADMIT, allergies=[dict(ADMIT["allergies"][0], severity="moderate")])
        self.assertEqual(self.submit("admission.admit", again)["state"], "processed")
        self.assertEqual(len(self.admission()), 1)
        self.assertEqual(self.patient_cardio.allergy_ids.severity, "moderate")

    def test_a_new_patient_is_registered_by_the_admission_or_waited_for(self):
        patient = {"his_patient_id": "P-ADM", "name": "黄志强", "gender": "male", "birth_date": "1960-03-02"}
        result = self.submit("admission.admit", dict(ADMIT, admission_no="ZY-NEW", patient=patient))
        self.assertEqual(result["state"], "processed", result["error"])
        registered = self.env["ihospital.patient"].search([("his_patient_id", "=", "P-ADM")])
        self.assertEqual((registered.name, self.admission("ZY-NEW").patient_id), ("黄志强", registered))
        # without a name it cannot register the patient: it waits for the registration
        waiting = self.submit("admission.admit", dict(ADMIT, admission_no="ZY-W", patient={"his_patient_id": "P-W"}))
        self.assertEqual(waiting["state"], "failed")
        self.submit(
            "patient.register", {"patient": {"his_patient_id": "P-W", "name": "等待", "birth_date": "1950-01-01"}}
        )
        self.assertEqual(self.message(waiting["control_id"]).state, "processed")
        self.assertEqual(self.admission("ZY-W").patient_id.his_patient_id, "P-W")

    def test_a_transfer_that_overtakes_its_admission(self):
        """Upsert, never wait: the transfer creates the stay where the
        patient lies now; the admission, arriving later, fills in the
        admission date and diagnosis without moving the patient back."""
        result = self.submit("admission.transfer", TRANSFER)
        self.assertEqual(result["state"], "processed", result["error"])
        admission = self.admission()
        self.assertEqual((admission.department_id, admission.ward, admission.bed), (self.surgery, "普外科一病区", "5"))
        self.assertEqual(admission.transfer_ids.from_department_id, self.cardiology)
        self.assertEqual(admission.transfer_ids.to_bed, "5")
        self.submit("admission.admit", ADMIT)
        self.assertEqual((admission.department_id, admission.bed), (self.surgery, "5"))
        self.assertEqual(admission.admitted_at, utc("2026-01-10 00:00:00"))
        self.assertEqual(admission.admission_diagnosis, "急性前壁心肌梗死")
        # an older transfer arriving late is recorded, and does not move the patient back
        older = dict(TRANSFER, ward="心内科CCU", bed="2", department_code="T-XNK", transferred_at="2026-01-11T01:00:00")
        self.submit("admission.transfer", older)
        self.assertEqual((admission.ward, admission.bed), ("普外科一病区", "5"))
        self.assertEqual(len(admission.transfer_ids), 2)
        # the same transfer resent: one line
        self.submit("admission.transfer", TRANSFER)
        self.assertEqual(len(admission.transfer_ids), 2)
        # a newer one moves the patient, from where they lay
        newer = dict(TRANSFER, bed="7", transferred_at="2026-01-13T09:00:00+08:00")
        del newer["from_bed"]
        self.submit("admission.transfer", newer)
        self.assertEqual(admission.bed, "7")
        self.assertEqual(admission.transfer_ids.sorted("transferred_at")[-1].from_bed, "5")

    def test_discharge_and_cancel(self):
        self.submit("admission.admit", ADMIT)
        result = self.submit(
            "admission.discharge",
            {"admission_no": "ZY-001", "patient": {"his_patient_id": "P0001"}, "discharged_at": "2026-01-20 10:00"},
        )
        self.assertEqual(result["state"], "processed", result["error"])
        admission = self.admission()
        self.assertEqual((admission.state, admission.discharged_at), ("discharged", utc("2026-01-20 02:00:00")))
        self.assertEqual(self.env["ihospital.admission"]._current_for_patients(self.patient_cardio), {})
        # an admission resent after the discharge does not bring the patient back
        self.submit("admission.admit", ADMIT)
        self.assertEqual(admission.state, "discharged")
        # a discharge that overtakes its admission creates the stay, discharged
        self.submit(
            "admission.discharge",
            {"admission_no": "ZY-002", "patient": {"his_patient_id": "P0001"}, "discharged_at": "2026-01-21 10:00"},
        )
        self.assertEqual(self.admission("ZY-002").state, "discharged")
        self.submit("admission.admit", dict(ADMIT, admission_no="ZY-003"))
        cancelled = self.submit("admission.cancel", {"admission_no": "ZY-003", "patient": {"his_patient_id": "P0001"}})
        self.assertEqual(cancelled["state"], "processed", cancelled["error"])
        self.assertEqual(self.admission("ZY-003").state, "cancelled")
        # a discharge before the admission is bad data: parked, nothing changed
        bad = {"admission_no": "ZY-001", "patient": {"his_patient_id": "P0001"}, "discharged_at": "2026-01-01 10:00"}
        self.assertEqual(self.submit("admission.discharge", bad)["state"], "dead")
        self.assertEqual(admission.discharged_at, utc("2026-01-20 02:00:00"))

    def test_never_held_back_by_master_data_or_a_diagnosis_code(self):
        data = dict(ADMIT, department_code="T-ICU", bed_doctor_code="T-D77", diagnosis_code="心梗", allergies=[])
        result = self.submit("admission.admit", data)
        self.assertEqual(result["state"], "processed", result["error"])
        admission = self.admission()
        self.assertTrue(admission.codes_to_resolve)
        self.assertFalse(admission.department_id or admission.bed_doctor_id)
        self.assertEqual(admission.attending_doctor_id, self.emp_doctor)
        self.assertEqual(
            (admission.admission_diagnosis, admission.admission_diagnosis_code), ("急性前壁心肌梗死 (心梗)", False)
        )
        self.submit("master.departments", {"items": [{"code": "T-ICU", "name": "ICU"}]})
        self.submit("master.doctors", {"items": [{"code": "T-D77", "name": "Dr Liu", "department_code": "T-ICU"}]})
        self.assertEqual((admission.department_id.his_code, admission.bed_doctor_id.his_code), ("T-ICU", "T-D77"))
        self.assertFalse(admission.codes_to_resolve)

    def test_an_admission_number_of_another_patient_is_refused(self):
        self.submit("admission.admit", ADMIT)
        other = dict(ADMIT, patient={"medical_card_number": "T0002"})
        result = self.submit("admission.admit", other)
        self.assertEqual(result["state"], "dead")
        self.assertIn("another patient", result["error"])
        self.assertEqual(self.admission().patient_id, self.patient_cardio)

    def test_the_other_hospitals_endpoint_cannot_reach_this_stay(self):
        self.submit("admission.admit", ADMIT)
        data = dict(ADMIT, department_code="T-QK", allergies=[], patient={"his_patient_id": "P0001", "name": "X"})
        result = self.submit("admission.admit", data, code="t-his-2", user=self.user_gateway_2)
        self.assertEqual(result["state"], "processed", result["error"])
        theirs = self.env["ihospital.admission"].search(
            [("name", "=", "ZY-001"), ("company_id", "=", self.hospital_2.id)]
        )
        self.assertEqual(theirs.patient_id.company_id, self.hospital_2)
        self.assertEqual(self.admission().department_id, self.cardiology)

    def payloads(self, count, first):
        return [
            {
                "control_id": f"A{n:05d}",
                "type": "admission.admit",
                "protocol": "json",
                "raw": "{}",
                "data": dict(
                    ADMIT,
                    admission_no=f"ZB-{n:05d}",
                    patient={"medical_card_number": f"TA{n - first:03d}"},
                    allergies=[{"allergen": "花粉", "code": f"ENV-{n}", "type": "environmental"}] if n % 2 else [],
                ),
            }
            for n in range(first, first + count)
        ]

    def test_a_run_of_transfers_that_overtook_their_admissions(self):
        """The set-based path upserts too: the stays are created where the
        patients lie now, with their transfer lines."""
        Endpoint = self.env["ihospital.his.endpoint"].with_user(self.user_gateway)
        payloads = [
            {"control_id": f"T{n}", "type": "admission.transfer", "protocol": "json", "raw": "{}",
             "data": dict(TRANSFER, admission_no=f"ZT-{n}", bed=str(n))}
            for n in (1, 2)
        ]  # fmt: skip
        Endpoint.gateway_submit("t-his", payloads)
        handler = type(REGISTRY["admission.transfer"])
        with patch.object(handler, "process", side_effect=AssertionError("applied one by one")):
            self.process()
        stays = self.env["ihospital.admission"].search([("name", "like", "ZT-")], order="name")
        self.assertEqual(stays.mapped("bed"), ["1", "2"])
        self.assertEqual(stays.department_id, self.surgery)
        self.assertEqual(stays.transfer_ids.from_department_id, self.cardiology)
        self.assertEqual(len(stays.transfer_ids), 2)

    def test_a_batch_of_admissions_with_a_fixed_number_of_queries(self):
        patients = self.env["ihospital.patient"].create(
            [
                {"name": f"住院{n}", "company_id": self.hospital.id, "medical_card_number": f"TA{n:03d}"}
                for n in range(40)
            ]
        )
        Endpoint = self.env["ihospital.his.endpoint"].with_user(self.user_gateway)
        # the first run fills the registry's caches (tracked fields, rules...)
        Endpoint.gateway_submit("t-his", self.payloads(2, 900))
        self.process()
        for first, count in ((1000, 20), (2000, 40)):
            Endpoint.gateway_submit("t-his", self.payloads(count, first))
            self.env.flush_all()
            self.env.invalidate_all()
            # 28: the critical lanes' search (none waiting here), the ordinary queue's lock, its locked search
            # and fetch included, the links' hospital in their INSERT
            with self.assertQueryCount(__system__=28):
                self.Message.sudo()._cron_process()
                self.env.flush_all()
            admissions = self.env["ihospital.admission"].search([("name", "like", f"ZB-0{first // 1000}")])
            self.assertEqual(len(admissions), count)
            self.assertEqual(admissions.patient_id, patients[:count])
            self.assertEqual(admissions.department_id, self.cardiology)
        messages = self.Message.search([("control_id", "like", "A0")])
        self.assertEqual(set(messages.mapped("state")), {"processed"})
        self.assertEqual(len(patients.allergy_ids), 31)
        self.assertFalse(admissions.message_ids, "machine-made records carry no chatter line")


@tagged("post_install", "-at_install")
class TestHisVitalSigns(HisCase):
    def signs(self, ref="VS-001"):
        return self.env["ihospital.vital.sign"].search([("his_ref", "like", ref)], order="id")

    def test_vital_signs_with_their_stay_and_the_alert_hook(self):
        self.submit("admission.admit", ADMIT)
        calls = []
        Sign = type(self.env["ihospital.vital.sign"])
        original = Sign._alert_critical
        with patch.object(Sign, "_alert_critical", lambda signs: calls.append(signs) or original(signs)):
            result = self.submit("vital.signs", VITALS)
            self.assertEqual(result["state"], "processed", result["error"])
            signs = self.signs()
            self.assertEqual(calls, [signs])
            # a resend corrects, never doubles: the flag changes, the hook is told
            corrected = dict(VITALS, observations=[dict(VITALS["observations"][0], value="58", flag="L")])
            self.assertEqual(self.submit("vital.signs", corrected)["state"], "processed")
            self.assertEqual(len(self.signs()), 2)
            self.assertEqual(calls[-1], signs[0])
        self.assertEqual(signs.mapped("his_ref"), ["VS-001/HR", "VS-001/SPO2"])
        self.assertEqual((signs[0].value, signs[0].flag, signs[0].is_critical), ("58", "L", False))
        self.assertEqual(signs[1].value, "96")
        admission = self.env["ihospital.admission"].search([("name", "=", "ZY-001")])
        self.assertEqual(signs.admission_id, admission)
        self.assertEqual(signs.patient_id, self.patient_cardio)
        self.assertEqual(set(signs.mapped("source_system")), {"ICU-CIS"})
        self.assertEqual(signs[0].observed_at, utc("2026-01-11 19:00:00"))

    def test_a_sign_of_an_unknown_patient_is_stored_at_once_and_attached_later(self):
        data = dict(VITALS, ref="VS-U", patient={"his_patient_id": "P-LATER"}, department_code="T-NEW")
        result = self.submit("vital.signs", data)
        self.assertEqual(result["state"], "processed", result["error"])
        signs = self.signs("VS-U")
        self.assertEqual(len(signs), 2)
        self.assertFalse(signs.patient_id)
        self.assertEqual(set(signs.mapped("his_patient_ref")), {"P-LATER"})
        self.assertTrue(all(signs.mapped("codes_to_resolve")))
        self.assertTrue(signs[0].is_critical)
        patient = {"his_patient_id": "P-LATER", "name": "晚到", "birth_date": "1960-01-01"}
        self.submit("patient.register", {"patient": patient})
        self.assertEqual(signs.patient_id.his_patient_id, "P-LATER")
        self.assertFalse(any(signs.mapped("his_patient_ref")))
        # a card number that is an ID number is never kept as the reference
        card = "440106199202023419"
        self.submit("vital.signs", dict(VITALS, ref="VS-C", patient={"medical_card_number": card}))
        self.assertEqual(self.signs("VS-C").mapped("his_patient_ref"), [False, False])

    def test_bad_sets_are_parked(self):
        bad = dict(VITALS, ref="VS-B", observations=[dict(VITALS["observations"][0], flag="HHH")])
        self.assertEqual(self.submit("vital.signs", bad)["state"], "dead")
        self.assertFalse(self.signs("VS-B"))

    def test_a_batch_of_vital_signs_with_a_fixed_number_of_queries(self):
        patients = self.env["ihospital.patient"].create(
            [
                {"name": f"体征{n}", "company_id": self.hospital.id, "medical_card_number": f"TV{n:03d}"}
                for n in range(100)
            ]
        )
        # patients of one lane of the critical lane: a call applies one lane
        lane_of = self.Message.sudo()._critical_lane_of
        cards = [
            card
            for card in patients.mapped("medical_card_number")
            if not lane_of("vital.signs", {"patient": {"medical_card_number": card}})
        ]
        self.env["ihospital.admission"].create(
            [
                {
                    "name": f"ZV-{n}",
                    "company_id": self.hospital.id,
                    "patient_id": patient.id,
                    "department_id": self.cardiology.id,
                }
                for n, patient in enumerate(patients[::2])
            ]
        )
        Endpoint = self.env["ihospital.his.endpoint"].with_user(self.user_gateway)
        Sign = type(self.env["ihospital.vital.sign"])
        for first, count in ((900, 2), (1000, 20), (2000, 40)):  # the first run fills the registry's caches
            payloads = [
                {
                    "control_id": f"V{n:05d}",
                    "type": "vital.signs",
                    "protocol": "json",
                    "raw": "{}",
                    "data": dict(
                        VITALS, ref=f"VB-{n:05d}", patient={"medical_card_number": cards[n - first]},
                        department_code=None,
                    ),
                }
                for n in range(first, first + count)
            ]  # fmt: skip
            Endpoint.gateway_submit("t-his", payloads)
            self.env.flush_all()
            self.env.invalidate_all()
            with (
                patch.object(Sign, "_alert_critical", autospec=True) as alert,
                # 23: critical signs (LL), applied in the critical lane: the lanes' search instead of the
                # ordinary one, the lane's lock, its locked search and fetch, the search of the earlier
                # messages they depend on (locked), the count of what is
                # left; the links' hospital in their INSERT (no UPDATE after it); the escalation and
                # notices crons woken (ihospital_staff_his)
                self.assertQueryCount(__system__=23 if count > 2 else 100),
            ):
                self.Message.sudo()._cron_process()
                self.env.flush_all()
            self.assertEqual(alert.call_count, 1, "the hook is called once for the whole run")
            signs = self.env["ihospital.vital.sign"].search([("his_ref", "like", f"VB-0{first // 1000}")])
            self.assertEqual(len(signs), 2 * count)
            chosen = patients.filtered(lambda p, cards=cards[:count]: p.medical_card_number in cards)
            self.assertEqual(signs.patient_id, chosen)
            # the inpatients' signs are linked to their stay and its department
            inpatients = signs.filtered("admission_id")
            self.assertEqual(inpatients.patient_id, chosen & patients[::2])
            self.assertEqual(inpatients.department_id, self.cardiology)
        self.assertEqual(set(self.Message.search([("control_id", "like", "V0")]).mapped("state")), {"processed"})


@tagged("post_install", "-at_install")
class TestHisReportsForCriticalValues(HisCase):
    def test_a_critical_imaging_finding_flagged_by_the_department(self):
        data = {
            "report_no": "ECG-1",
            "patient": {"his_patient_id": "P0001"},
            "modality": "ecg",
            "exam_name": "常规十二导联心电图",
            "findings": "窦性心律，心率38次/分。",
            "impression": "二度Ⅱ型房室传导阻滞",
            "critical": True,
            "critical_finding": "二度Ⅱ型房室传导阻滞，RR间期3.2秒",
            "reported_at": "2026-01-10T10:00:00+08:00",
        }
        result = self.submit("imaging.report", data)
        self.assertEqual(result["state"], "processed", result["error"])
        report = self.env["ihospital.imaging.report"].search([("name", "=", "ECG-1")])
        self.assertEqual((report.modality, report.is_critical), ("ecg", True))
        self.assertEqual(report.critical_finding, "二度Ⅱ型房室传导阻滞，RR间期3.2秒")
        # corrected without the flag: no longer critical
        corrected = {key: value for key, value in data.items() if key not in ("critical", "critical_finding")}
        self.submit("imaging.report", dict(corrected, status="corrected"))
        self.assertFalse(report.is_critical)

    def test_a_correction_keeps_the_identity_of_the_result_lines(self):
        """Alerts point to result lines: a corrected report updates the
        lines it gives again (matched by code), adds the new ones and
        removes those it no longer gives."""
        preliminary = dict(
            LAB,
            status="preliminary",
            results=[*LAB["results"], {"code": "NA", "name": "Sodium", "value": "139", "flag": "N"}],
        )
        self.assertEqual(self.submit("lab.result", preliminary)["state"], "processed")
        report = self.env["ihospital.lab.report"].search([("name", "=", "L-001")])
        wbc, potassium, sodium = report.result_ids
        self.assertTrue(potassium.is_critical)
        corrected = dict(
            LAB,
            status="corrected",
            results=[
                dict(LAB["results"][1], value="4.1", flag="N"),
                dict(LAB["results"][0]),
                {"code": "CL", "name": "Chloride", "value": "101", "flag": "N"},
            ],
        )
        result = self.submit("lab.result", corrected)
        self.assertEqual(result["state"], "processed", result["error"])
        self.assertEqual(report.state, "corrected")
        self.assertEqual(report.result_ids.mapped("code"), ["K", "WBC", "CL"])
        self.assertEqual(report.result_ids[0], potassium, "the same line, corrected")
        self.assertEqual(report.result_ids[1], wbc)
        self.assertEqual((potassium.value, potassium.flag, potassium.is_critical), ("4.1", "N", False))
        self.assertFalse(sodium.exists(), "a line the report no longer gives is removed")
        self.assertFalse(report.is_critical)
