from datetime import timedelta

from psycopg2 import IntegrityError

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from ..models.ihospital_admission import is_icd10, normalize_icd10
from .common import IhospitalCase


class AdmissionCase(IhospitalCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user_nurse_surgery = new_test_user(
            cls.env,
            login="t_nurse_surgery",
            groups="ihospital_base.group_nurse",
            company_id=cls.hospital.id,
            company_ids=[cls.hospital.id],
        )
        cls.emp_nurse_surgery = cls.env["hr.employee"].create(
            {
                "name": "Nurse Wu",
                "user_id": cls.user_nurse_surgery.id,
                "company_id": cls.hospital.id,
                "department_id": cls.surgery.id,
                "ihospital_role": "nurse",
                "professional_title": "nurse",
            }
        )
        cls.Admission = cls.env["ihospital.admission"]

    def _admission(self, **vals):
        return self.Admission.create(
            {
                "company_id": self.hospital.id,
                "name": "ZY0001",
                "patient_id": self.patient_cardio.id,
                "department_id": self.cardiology.id,
                "ward": "心内科一病区",
                "bed": "12",
                "attending_doctor_id": self.emp_head.id,
                "bed_doctor_id": self.emp_doctor.id,
                "admission_diagnosis": "急性前壁心肌梗死",
                "admission_diagnosis_code": "I21.0",
                **vals,
            }
        )


@tagged("post_install", "-at_install")
class TestAdmission(AdmissionCase):
    def test_an_admission_and_where_the_patient_lies(self):
        admission = self._admission()
        self.assertEqual(admission.state, "admitted")
        self.assertEqual(admission.location, "心内科一病区 Bed 12")
        self.assertIn("ZY0001", admission.display_name)
        self.assertIn(self.patient_cardio.name, admission.display_name)
        self.assertEqual(self.patient_cardio.admission_count, 1)
        action = self.patient_cardio.action_view_admissions()
        self.assertEqual(self.Admission.search(action["domain"]), admission)

    def test_admission_number_unique_per_hospital(self):
        self._admission()
        with mute_logger("odoo.sql_db"), self.assertRaises(IntegrityError), self.cr.savepoint():
            self._admission(patient_id=self.patient_surgery.id)
        other = self._admission(
            company_id=self.hospital_2.id,
            patient_id=self.patient_2.id,
            department_id=self.general_2.id,
            attending_doctor_id=self.emp_doctor_2.id,
            bed_doctor_id=False,
        )
        self.assertEqual(other.name, "ZY0001")

    def test_an_admission_stays_in_its_hospital(self):
        for vals in (
            {"patient_id": self.patient_2.id},
            {"department_id": self.general_2.id},
            {"bed_doctor_id": self.emp_doctor_2.id},
            {"attending_doctor_id": self.emp_doctor_2.id},
            {"visit_id": self.visit_surgery.id},
        ):
            with self.subTest(vals=vals), self.assertRaisesMsg(ValidationError, "must stay within"):
                self._admission(**vals)

    def test_icd10_codes_are_checked_for_their_format(self):
        for code in ("I21.0", "I10", "i21.9", "I10.x00x002", "E11.900", "A18.3+", "K93.0*", "U07.1"):
            self.assertTrue(is_icd10(code), code)
        for code in ("I2", "121.0", "I21..0", "心梗", "I21.0 急性", "I21.012345678"):
            self.assertFalse(is_icd10(code), code)
        self.assertEqual(normalize_icd10(" i21.9 "), "I21.9")
        self.assertEqual(normalize_icd10("i10.x00x002"), "I10.x00x002")
        admission = self._admission(admission_diagnosis_code="i21.9")
        self.assertEqual(admission.admission_diagnosis_code, "I21.9")
        with self.assertRaisesMsg(ValidationError, "not an ICD-10 code"):
            admission.admission_diagnosis_code = "心肌梗死"
        self.assertEqual(admission.admission_diagnosis_code, "I21.9")

    def test_discharge_before_admission_is_refused(self):
        admission = self._admission()
        with self.assertRaisesMsg(ValidationError, "cannot be discharged before"):
            admission.write({"state": "discharged", "discharged_at": admission.admitted_at - timedelta(hours=1)})

    def test_current_admissions_of_patients_in_one_query(self):
        now = fields.Datetime.now()
        older = self._admission(name="ZY0001", admitted_at=now - timedelta(days=9))
        current = self._admission(name="ZY0002", admitted_at=now - timedelta(days=2))
        surgery = self._admission(name="ZY0003", patient_id=self.patient_surgery.id, department_id=self.surgery.id)
        surgery.action_discharge()
        patients = self.patient_cardio | self.patient_surgery | self.patient_2
        self.env.flush_all()
        self.env.invalidate_all()
        with self.assertQueryCount(1):
            found = self.Admission._current_for_patients(patients)
            self.assertEqual(found, {self.patient_cardio.id: current})
        self.assertNotEqual(found[self.patient_cardio.id], older)
        self.assertEqual(self.Admission._current_for_patients(self.env["ihospital.patient"]), {})
        # with the caller's rights: the surgery nurse does not see cardiology's stays
        nurse_found = self.Admission.with_user(self.user_nurse_surgery)._current_for_patients(patients)
        self.assertEqual(nurse_found, {})

    def test_discharge_and_cancel_are_the_administrators_and_checked(self):
        admission = self._admission()
        with self.assertRaises(AccessError):
            admission.with_user(self.user_nurse).action_discharge()
        with self.assertRaises(AccessError):
            admission.with_user(self.user_doctor).action_cancel()
        admission.with_user(self.user_admin).action_discharge()
        self.assertEqual(admission.state, "discharged")
        self.assertTrue(admission.discharged_at)
        with self.assertRaisesMsg(UserError, "Only a current admission can be discharged"):
            admission.with_user(self.user_admin).action_discharge()
        with self.assertRaisesMsg(UserError, "Only a current admission can be cancelled"):
            admission.with_user(self.user_admin).action_cancel()
        second = self._admission(name="ZY0002")
        second.with_user(self.user_admin).action_cancel()
        self.assertEqual(second.state, "cancelled")
        self.assertEqual(self.Admission._current_for_patients(self.patient_cardio), {})

    def test_the_stays_course_is_the_engines(self):
        admission = self._admission()
        Admission = self.Admission.with_user(self.user_admin)
        for vals in (
            {"state": "discharged"},
            {"discharged_at": fields.Datetime.now()},
            {"his_department_code": "X"},
            {"transfer_ids": [Command.create({"to_bed": "1"})]},
        ):
            with self.subTest(vals=vals), self.assertRaises(AccessError):
                admission.with_user(self.user_admin).write(vals)
        with self.assertRaises(AccessError):
            Admission.with_context(default_state="discharged").create(
                {"name": "ZY0009", "company_id": self.hospital.id, "patient_id": self.patient_cardio.id}
            )
        # what the administrator keeps: the bed, the doctors, the diagnosis
        admission.with_user(self.user_admin).write({"bed": "15", "admission_diagnosis": "急性下壁心肌梗死"})
        self.assertEqual(admission.bed, "15")

    def test_transfers_are_a_record_nobody_edits(self):
        admission = self._admission()
        transfer = self.env["ihospital.admission.transfer"].create(
            {"admission_id": admission.id, "from_bed": "12", "to_bed": "3", "to_ward": "CCU"}
        )
        self.assertEqual((transfer.company_id, transfer.patient_id), (self.hospital, self.patient_cardio))
        self.assertEqual(transfer.with_user(self.user_nurse).to_bed, "3")
        for user in (self.user_admin, self.user_nurse, self.user_doctor):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                transfer.with_user(user).write({"to_bed": "4"})
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                self.env["ihospital.admission.transfer"].with_user(user).create({"admission_id": admission.id})
        with self.assertRaises(AccessError):
            transfer.with_user(self.user_nurse_surgery).read(["to_bed"])

    def test_unknown_his_codes_are_kept_flagged_and_resolved(self):
        admission = self._admission(
            department_id=False,
            bed_doctor_id=False,
            his_department_code="T-ICU",
            his_bed_doctor_code="T-D55",
        )
        self.assertTrue(admission.codes_to_resolve)
        icu = self.env["hr.department"].create(
            {"name": "ICU", "company_id": self.hospital.id, "is_clinical": True, "his_code": "T-ICU"}
        )
        self.assertEqual(admission.department_id, icu)
        self.assertTrue(admission.codes_to_resolve)
        doctor = self.env["hr.employee"].create(
            {
                "name": "Dr Liu",
                "company_id": self.hospital.id,
                "department_id": icu.id,
                "ihospital_role": "doctor",
                "professional_title": "resident_physician",
                "his_code": "T-D55",
            }
        )
        self.assertEqual(admission.bed_doctor_id, doctor)
        self.assertFalse(admission.codes_to_resolve)


@tagged("post_install", "-at_install")
class TestAdmissionRights(AdmissionCase):
    def test_who_sees_an_admission(self):
        admission = self._admission()
        # the department's nurse and doctors, the head, the hospital's supervisors
        for user in (self.user_nurse, self.user_doctor, self.user_head, self.user_quality, self.user_director):
            with self.subTest(user=user.login):
                self.assertEqual(admission.with_user(user).bed, "12")
        # not another department's nurse or doctor, the other hospital, the portal
        for user in (self.user_nurse_surgery, self.user_surgeon, self.user_doctor_2, self.user_portal):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                admission.with_user(user).read(["bed"])
        # a surgeon who is the bed doctor sees the stay, and its patient
        patient = self.env["ihospital.patient"].create({"name": "Lin Xiuying", "company_id": self.hospital.id})
        with self.assertRaises(AccessError):
            patient.with_user(self.user_surgeon).read(["name"])
        surgical = self._admission(name="ZY0002", patient_id=patient.id, bed_doctor_id=self.emp_surgeon.id)
        self.assertEqual(surgical.with_user(self.user_surgeon).bed, "12")
        self.assertEqual(patient.with_user(self.user_surgeon).name, "Lin Xiuying")

    def test_the_ward_sees_its_inpatient(self):
        """A patient admitted to surgery without a surgical visit: the
        surgical ward's nurse reads the patient through the admission."""
        with self.assertRaises(AccessError):
            self.patient_cardio.with_user(self.user_nurse_surgery).read(["name"])
        self._admission(department_id=self.surgery.id, attending_doctor_id=self.emp_surgeon.id, bed_doctor_id=False)
        self.assertEqual(self.patient_cardio.with_user(self.user_nurse_surgery).name, self.patient_cardio.name)

    def test_staff_read_admissions_they_do_not_write_them(self):
        admission = self._admission()
        for user in (self.user_nurse, self.user_doctor, self.user_head, self.user_quality):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                admission.with_user(user).write({"bed": "1"})
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                self.Admission.with_user(user).create(
                    {"name": "ZY9", "company_id": self.hospital.id, "patient_id": self.patient_cardio.id}
                )

    def test_administrator_links_only_patients_of_the_hospital_he_reads(self):
        admin_2 = new_test_user(
            self.env,
            login="t_admin_2",
            groups="ihospital_base.group_admin",
            company_id=self.hospital_2.id,
            company_ids=[self.hospital_2.id],
        )
        with self.assertRaises(AccessError):
            self.Admission.with_user(admin_2).create(
                {"name": "ZY7", "company_id": self.hospital_2.id, "patient_id": self.patient_cardio.id}
            )

    def test_reads_are_audited(self):
        admission = self._admission()
        Log = self.env["ihospital.access.log"]
        before = Log.search_count([("res_model", "=", "ihospital.admission")])
        admission.with_user(self.user_nurse).read(["bed"])
        self.assertEqual(Log.search_count([("res_model", "=", "ihospital.admission")]), before + 1)


@tagged("post_install", "-at_install")
class TestAllergies(AdmissionCase):
    def _allergy(self, **vals):
        return self.env["ihospital.patient.allergy"].create(
            {
                "patient_id": self.patient_cardio.id,
                "allergen": "青霉素",
                "allergen_code": "DRUG-PCN",
                "allergy_type": "drug",
                "severity": "severe",
                "reaction": "过敏性休克",
                **vals,
            }
        )

    def test_allergies_on_the_patient(self):
        allergy = self._allergy()
        self.assertEqual(self.patient_cardio.allergy_ids, allergy)
        self.assertEqual(allergy.company_id, self.hospital)
        with mute_logger("odoo.sql_db"), self.assertRaises(IntegrityError), self.cr.savepoint():
            self._allergy(allergen="青霉素G")
        self._allergy(allergen="海鲜", allergen_code=False, allergy_type="food")

    def test_who_sees_and_keeps_allergies(self):
        allergy = self._allergy()
        for user in (self.user_nurse, self.user_doctor, self.user_head, self.user_quality, self.user_director):
            with self.subTest(user=user.login):
                self.assertEqual(allergy.with_user(user).allergen, "青霉素")
        for user in (self.user_nurse_surgery, self.user_surgeon, self.user_doctor_2, self.user_portal):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                allergy.with_user(user).read(["allergen"])
        for user in (self.user_nurse, self.user_doctor):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                allergy.with_user(user).write({"severity": "mild"})
        allergy.with_user(self.user_admin).write({"severity": "moderate"})
        self.assertEqual(allergy.severity, "moderate")
        # the administrator cannot reach a patient of another hospital this way
        with self.assertRaises(AccessError):
            self.env["ihospital.patient.allergy"].with_user(self.user_admin).create(
                {"patient_id": self.patient_2.id, "allergen": "花粉"}
            )
