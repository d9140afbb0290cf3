from datetime import date, timedelta

from psycopg2.errors import UniqueViolation

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import ID_CHILD_2018, ID_MAN_1985, ID_WOMAN_1990, IhospitalCase


@tagged("post_install", "-at_install")
class TestPatient(IhospitalCase):
    def _count(self):
        return self.env["ihospital.patient"].with_context(active_test=False).search_count([])

    def test_resident_id_derives_birth_date_and_gender(self):
        self.assertEqual(self.patient_cardio.birth_date, date(1985, 3, 12))
        self.assertEqual(self.patient_cardio.gender, "male")
        self.assertEqual(self.patient_surgery.birth_date, date(1990, 7, 8))
        self.assertEqual(self.patient_surgery.gender, "female")

    def test_resident_id_is_normalized(self):
        patient = self.env["ihospital.patient"].create(
            {
                "name": "Su Meiling",
                "company_id": self.hospital.id,
                "id_number": " 4401052018 05200043 ",
                "guardian_name": "Su Guohua",
                "guardian_phone": "+86 139 1234 0000",
            }
        )
        self.assertEqual(patient.id_number, ID_CHILD_2018)
        self.assertEqual(patient.guardian_phone, "+8613912340000")

    def test_wrong_checksum_is_refused_and_nothing_saved(self):
        before = self._count()
        with self.assertRaisesMsg(ValidationError, "check digit is wrong"):
            self.env["ihospital.patient"].create(
                {"name": "Bad Checksum", "company_id": self.hospital.id, "id_number": "440106198503127613"}
            )
        self.assertEqual(self._count(), before)

    def test_impossible_birth_date_in_id_is_refused(self):
        body = "44010619850230761"  # 30 February
        from stdnum.cn import ric

        number = body + ric.calc_check_digit(body + "0")
        with self.assertRaisesMsg(ValidationError, "region or birth date does not exist"):
            self.env["ihospital.patient"].create(
                {"name": "No Such Day", "company_id": self.hospital.id, "id_number": number}
            )

    def test_wrong_length_is_refused(self):
        with self.assertRaisesMsg(ValidationError, "18 characters"):
            self.env["ihospital.patient"].create(
                {"name": "Too Short", "company_id": self.hospital.id, "id_number": "4401061985"}
            )

    def test_duplicate_id_in_same_hospital_is_refused(self):
        before = self._count()
        with self.assertRaisesMsg(ValidationError, "already registered"):
            self.env["ihospital.patient"].create(
                {"name": "Impostor", "company_id": self.hospital.id, "id_number": ID_MAN_1985}
            )
        self.assertEqual(self._count(), before)
        # also against an archived patient
        self.patient_surgery.action_archive()
        with self.assertRaisesMsg(ValidationError, "already registered"):
            self.env["ihospital.patient"].create(
                {"name": "Impostor", "company_id": self.hospital.id, "id_number": ID_WOMAN_1990}
            )

    def test_same_id_in_another_hospital_is_allowed(self):
        self.assertEqual(self.patient_2.id_number, self.patient_cardio.id_number)
        self.assertNotEqual(self.patient_2.company_id, self.patient_cardio.company_id)

    def test_future_birth_date_is_refused(self):
        with self.assertRaisesMsg(ValidationError, "in the future"):
            self.env["ihospital.patient"].create(
                {
                    "name": "Not Born",
                    "company_id": self.hospital.id,
                    "id_type": "passport",
                    "id_number": "E12345678",
                    "birth_date": date.today() + timedelta(days=3),
                }
            )

    def test_too_old_birth_date_is_refused(self):
        with self.assertRaisesMsg(ValidationError, "more than 130 years"):
            self.env["ihospital.patient"].create(
                {
                    "name": "Methuselah",
                    "company_id": self.hospital.id,
                    "id_type": "passport",
                    "id_number": "E12345679",
                    "birth_date": date(1850, 1, 1),
                }
            )

    def test_birth_date_must_match_resident_id(self):
        with self.assertRaisesMsg(ValidationError, "does not match"):
            self.patient_cardio.birth_date = date(1986, 1, 1)

    def test_passport_keeps_entered_birth_date_and_gender(self):
        patient = self.env["ihospital.patient"].create(
            {
                "name": "John Smith",
                "company_id": self.hospital.id,
                "id_type": "passport",
                "id_number": "GB1234567",
                "birth_date": date(1970, 5, 1),
                "gender": "male",
            }
        )
        self.assertEqual(patient.birth_date, date(1970, 5, 1))
        self.assertEqual(patient.gender, "male")

    def test_bad_document_number_is_refused(self):
        with self.assertRaisesMsg(ValidationError, "not a valid document number"):
            self.env["ihospital.patient"].create(
                {"name": "X", "company_id": self.hospital.id, "id_type": "passport", "id_number": "<script>"}
            )

    def test_invalid_phone_is_refused(self):
        with self.assertRaisesMsg(ValidationError, "not a valid phone number"):
            self.patient_cardio.phone = "12345"
        self.assertEqual(self.patient_cardio.phone, "+8613800138000")

    def test_minor_needs_guardian(self):
        with self.assertRaisesMsg(ValidationError, "is a minor"):
            self.env["ihospital.patient"].create(
                {"name": "Little Su", "company_id": self.hospital.id, "id_number": ID_CHILD_2018}
            )

    def test_masking(self):
        self.assertEqual(self.patient_cardio.id_number_masked, "440***********7612")
        self.assertEqual(self.patient_cardio.phone_masked, "+86138****8000")

    def test_director_sees_masked_identity_only(self):
        patient = self.patient_cardio.with_user(self.user_director)
        self.assertEqual(patient.id_number_masked, "440***********7612")
        with self.assertRaises(AccessError):
            patient.read(["id_number"])
        with self.assertRaises(AccessError):
            patient.read(["phone"])

    def test_doctor_reads_full_identity(self):
        patient = self.patient_cardio.with_user(self.user_doctor)
        self.assertEqual(patient.read(["id_number"])[0]["id_number"], ID_MAN_1985)

    def test_patient_with_visits_is_archived_not_deleted(self):
        with self.assertRaisesMsg(UserError, "archive them instead"):
            self.patient_cardio.unlink()
        self.patient_cardio.action_archive()
        self.assertFalse(self.patient_cardio.active)

    def test_account_patient_limit(self):
        self.hospital.hospital_max_patients_per_account = 2
        Account = self.env["ihospital.patient.account"]
        Account.create({"patient_id": self.patient_surgery.id, "user_id": self.user_portal.id, "relation": "spouse"})
        child = self.env["ihospital.patient"].create(
            {
                "name": "Chen Xiaoxiao",
                "company_id": self.hospital.id,
                "id_number": ID_CHILD_2018,
                "guardian_name": "Chen Zhiqiang",
                "guardian_phone": "13800138000",
            }
        )
        with self.assertRaisesMsg(ValidationError, "at most 2 patients"):
            Account.create({"patient_id": child.id, "user_id": self.user_portal.id, "relation": "child"})

    def test_account_links_a_patient_once(self):
        with self.assertRaises(UniqueViolation), mute_logger("odoo.sql_db"), self.env.cr.savepoint():
            self.env["ihospital.patient.account"].create(
                {"patient_id": self.patient_cardio.id, "user_id": self.user_portal.id}
            )

    def test_find_patient_by_card_number_or_his_id(self):
        self.patient_cardio.his_patient_id = "HIS-778"
        Patient = self.env["ihospital.patient"]
        self.assertEqual(Patient.name_search("T0001")[0][0], self.patient_cardio.id)
        self.assertEqual(Patient.name_search("HIS-778")[0][0], self.patient_cardio.id)
