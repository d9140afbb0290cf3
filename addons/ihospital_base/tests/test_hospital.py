from psycopg2.errors import UniqueViolation

from odoo.exceptions import ValidationError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import IhospitalCase


@tagged("post_install", "-at_install")
class TestHospital(IhospitalCase):
    def test_department_his_code_unique_per_hospital(self):
        with self.assertRaises(UniqueViolation), mute_logger("odoo.sql_db"), self.env.cr.savepoint():
            self.env["hr.department"].create(
                {"name": "Cardiology 2", "company_id": self.hospital.id, "his_code": "T-XNK"}
            )
        other = self.env["hr.department"].create(
            {"name": "Cardiology", "company_id": self.hospital_2.id, "his_code": "T-XNK"}
        )
        self.assertEqual(other.his_code, "T-XNK")

    def test_find_department_and_staff_by_his_code(self):
        self.emp_doctor.his_code = "D-77"
        self.assertIn(self.cardiology.id, [r[0] for r in self.env["hr.department"].name_search("T-XNK")])
        self.assertIn(self.emp_doctor.id, [r[0] for r in self.env["hr.employee"].name_search("D-77")])

    def test_title_must_fit_role(self):
        with self.assertRaisesMsg(ValidationError, "is a doctor"):
            self.emp_doctor.professional_title = "senior_nurse"
        with self.assertRaisesMsg(ValidationError, "is a nurse"):
            self.emp_nurse.professional_title = "chief_physician"

    def test_phone_consultation_needs_a_number(self):
        with self.assertRaisesMsg(ValidationError, "Give the number"):
            self.emp_doctor.phone_consultation = True
        self.emp_doctor.write({"phone_consultation": True, "consultation_phone": "020-83821101"})
        self.assertTrue(self.emp_doctor.phone_consultation)

    def test_directory_fields_are_public(self):
        self.emp_doctor.write({"specialty": "Hypertension", "is_expert": True})
        public = self.env["hr.employee.public"].with_user(self.user_nurse).browse(self.emp_doctor.id)
        self.assertEqual(public.professional_title, "attending_physician")
        self.assertEqual(public.specialty, "Hypertension")
        self.assertTrue(public.is_expert)

    def test_floor_must_be_in_building(self):
        building = self.env["ihospital.building"].create({"name": "Outpatient", "company_id": self.hospital.id})
        other = self.env["ihospital.building"].create({"name": "Ward", "company_id": self.hospital.id})
        floor = self.env["ihospital.floor"].create({"building_id": other.id, "level": 3, "name": "3F"})
        with self.assertRaisesMsg(ValidationError, "is not in building"):
            self.cardiology.write({"building_id": building.id, "floor_id": floor.id})
        self.cardiology.write({"building_id": other.id, "floor_id": floor.id, "room": "301"})
        self.assertEqual(self.cardiology.location_display, "Ward 3F 301")
        self.assertEqual(floor.display_name, "Ward 3F")

    def test_hospital_profile_checks(self):
        with self.assertRaisesMsg(ValidationError, "latitude"):
            self.hospital.hospital_latitude = 95
        with self.assertRaisesMsg(ValidationError, "at least one patient"):
            self.hospital.hospital_max_patients_per_account = 0
        with self.assertRaisesMsg(ValidationError, "cannot be negative"):
            self.env["ihospital.merchant"].create({"name": "Pharmacy", "company_id": self.hospital.id, "distance": -3})
