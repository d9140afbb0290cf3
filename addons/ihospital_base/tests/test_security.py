from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import IhospitalCase


@tagged("post_install", "-at_install")
class TestSecurity(IhospitalCase):
    """Each role logs in and is checked for what it may and must not see or change."""

    def _patients(self, user):
        return self.env["ihospital.patient"].with_user(user).search([])

    def _visits(self, user):
        return self.env["ihospital.visit"].with_user(user).search([])

    def test_nurse_sees_her_department_only(self):
        self.assertEqual(self._patients(self.user_nurse), self.patient_cardio)
        self.assertEqual(self._visits(self.user_nurse), self.visit_cardio)
        with self.assertRaises(AccessError):
            self.patient_surgery.with_user(self.user_nurse).read(["name"])

    def test_nurse_cannot_register_or_delete_patients(self):
        with self.assertRaises(AccessError):
            self.env["ihospital.patient"].with_user(self.user_nurse).create(
                {"name": "Walk-in", "company_id": self.hospital.id}
            )
        with self.assertRaises(AccessError):
            self.patient_cardio.with_user(self.user_nurse).unlink()

    def test_doctor_sees_own_and_department_patients(self):
        self.assertEqual(self._patients(self.user_doctor), self.patient_cardio)
        self.assertEqual(self._patients(self.user_surgeon), self.patient_surgery)
        # a patient the cardiologist treats in another department becomes visible
        self.env["ihospital.visit"].create(
            {
                "company_id": self.hospital.id,
                "patient_id": self.patient_surgery.id,
                "department_id": self.surgery.id,
                "doctor_id": self.emp_doctor.id,
            }
        )
        self.assertEqual(self._patients(self.user_doctor), self.patient_cardio | self.patient_surgery)

    def test_doctor_updates_own_patient_but_not_others(self):
        self.patient_cardio.with_user(self.user_doctor).write({"address": "Tianhe Road 1"})
        self.assertEqual(self.patient_cardio.address, "Tianhe Road 1")
        with self.assertRaises(AccessError):
            self.patient_surgery.with_user(self.user_doctor).write({"address": "Nowhere"})

    def test_department_head_sees_department(self):
        self.assertEqual(self._patients(self.user_head), self.patient_cardio)
        self.assertEqual(self._visits(self.user_head), self.visit_cardio)

    def test_department_head_of_a_department_he_does_not_work_in(self):
        self.surgery.manager_id = self.emp_head
        self.assertEqual(self._patients(self.user_head), self.patient_cardio | self.patient_surgery)

    def test_director_sees_whole_hospital_but_not_another(self):
        self.assertEqual(self._patients(self.user_director), self.patient_cardio | self.patient_surgery)
        self.assertEqual(self._visits(self.user_director), self.visit_cardio | self.visit_surgery)
        with self.assertRaises(AccessError):
            self.patient_2.with_user(self.user_director).read(["name"])

    def test_director_and_quality_officer_read_only(self):
        for user in (self.user_director, self.user_quality):
            with self.assertRaises(AccessError):
                self.patient_cardio.with_user(user).write({"address": "x"})
            with self.assertRaises(AccessError):
                self.visit_cardio.with_user(user).write({"diagnosis": "x"})

    def test_quality_officer_sees_hospital_masked(self):
        self.assertEqual(self._patients(self.user_quality), self.patient_cardio | self.patient_surgery)
        with self.assertRaises(AccessError):
            self.patient_cardio.with_user(self.user_quality).read(["id_number"])

    def test_hospital_isolation_for_second_hospital_doctor(self):
        self.assertEqual(self._patients(self.user_doctor_2), self.patient_2)
        self.assertEqual(self._visits(self.user_doctor_2), self.visit_2)
        self.assertFalse(
            self.env["hr.department"].with_user(self.user_doctor_2).search([("id", "=", self.cardiology.id)])
        )

    def test_administrator_manages_patients(self):
        Patient = self.env["ihospital.patient"].with_user(self.user_admin)
        patient = Patient.create(
            {"name": "New Patient", "company_id": self.hospital.id, "id_type": "passport", "id_number": "P7654321"}
        )
        self.assertEqual(Patient.search([("id", "=", patient.id)]), patient)
        patient.unlink()
        with self.assertRaises(AccessError):
            self.patient_2.with_user(self.user_admin).read(["name"])

    def test_portal_sees_only_managed_patients(self):
        self.assertEqual(self._patients(self.user_portal), self.patient_cardio)
        # no ORM access to clinical data: the portal pages show what they should
        with self.assertRaises(AccessError):
            self._visits(self.user_portal)
        self.assertFalse(self._patients(self.user_portal_other))
        with self.assertRaises(AccessError):
            self.patient_cardio.with_user(self.user_portal_other).read(["name"])
        with self.assertRaises(AccessError):
            self.patient_cardio.with_user(self.user_portal).write({"name": "x"})

    def test_portal_reads_no_account_links(self):
        """The portal pages read them for the account; over RPC a link would
        name the patient it points to."""
        with self.assertRaises(AccessError):
            self.env["ihospital.patient.account"].with_user(self.user_portal).search_read([], ["patient_id"])

    def test_only_administrators_edit_hospital_configuration(self):
        for user in (self.user_doctor, self.user_director):
            with self.assertRaises(AccessError):
                self.env["ihospital.merchant"].with_user(user).create({"name": "Shop", "company_id": self.hospital.id})
        merchant = (
            self.env["ihospital.merchant"]
            .with_user(self.user_admin)
            .create({"name": "Shop", "company_id": self.hospital.id})
        )
        self.assertTrue(merchant.with_user(self.user_portal).read(["name"]))
