from datetime import timedelta

from stdnum.cn import ric

from odoo import fields
from odoo.tests import tagged
from odoo.tests.common import TransactionCase


@tagged("post_install", "-at_install")
class TestDemoData(TransactionCase):
    """The demo database is what a newcomer sees first: check its promises."""

    def test_two_hospitals(self):
        hospitals = self.env["res.company"].search([("is_hospital", "=", True)])
        self.assertEqual(len(hospitals), 2)
        main = self.env.ref("base.main_company")
        self.assertEqual(main.name, "广州市越秀中心医院")
        self.assertEqual(main.hospital_grade, "3a")
        self.assertEqual(main.currency_id, self.env.ref("base.CNY"))

    def test_departments_and_staff(self):
        main = self.env.ref("base.main_company")
        clinical = self.env["hr.department"].search([("company_id", "=", main.id), ("is_clinical", "=", True)])
        self.assertGreaterEqual(len(clinical), 12)
        self.assertTrue(clinical.filtered("is_featured"))
        self.assertTrue(all(d.manager_id for d in clinical))
        staff = self.env["hr.employee"].search([("ihospital_role", "in", ("doctor", "nurse"))])
        self.assertGreaterEqual(len(staff), 40)
        self.assertTrue(all(e.professional_title for e in staff))

    def test_patients_have_valid_resident_ids(self):
        patients = self.env["ihospital.patient"].search([("company_id", "=", self.env.ref("base.main_company").id)])
        self.assertGreaterEqual(len(patients), 200)
        self.assertTrue(all(ric.is_valid(p.id_number) for p in patients))
        self.assertTrue(patients.filtered("is_minor"))

    def test_visits_cover_last_90_days(self):
        Visit = self.env["ihospital.visit"]
        oldest = Visit.search([], order="start asc", limit=1).start
        self.assertLessEqual(oldest, fields.Datetime.now() - timedelta(days=80))
        self.assertGreater(Visit.search_count([("insurance_amount", ">", 0)]), 100)
        self.assertTrue(Visit.search_count([("visit_type", "=", "inpatient")]))

    def test_demo_logins_have_their_roles(self):
        expected = {
            "director": "ihospital_base.group_director",
            "head": "ihospital_base.group_department_head",
            "doctor": "ihospital_base.group_doctor",
            "nurse": "ihospital_base.group_nurse",
            "quality": "ihospital_base.group_quality_officer",
            "hospadmin": "ihospital_base.group_admin",
            "doctor2": "ihospital_base.group_doctor",
            "patient": "base.group_portal",
        }
        for login, group in expected.items():
            user = self.env["res.users"].search([("login", "=", login)])
            self.assertTrue(user, login)
            self.assertTrue(user.has_group(group), login)
        patient_user = self.env.ref("ihospital_base.user_patient_demo")
        links = self.env["ihospital.patient.account"].search([("user_id", "=", patient_user.id)])
        self.assertEqual(set(links.mapped("relation")), {"self", "child", "parent"})

    def test_booking_demo(self):
        Schedule = self.env["ihospital.schedule"]
        for hospital in self.env["res.company"].search([("is_hospital", "=", True)]):
            self.assertTrue(Schedule.search_count([("company_id", "=", hospital.id), ("state", "=", "published")]))
        released = Schedule.search(
            [
                ("release_at", "<=", fields.Datetime.now()),
                ("state", "=", "published"),
                ("session_end", ">", fields.Datetime.now()),
            ]
        )
        self.assertTrue(released, "some clinics are open for booking right away")
        self.assertGreater(self.env["ihospital.appointment"].search_count([("state", "=", "booked")]), 10)

    def test_inpatients_with_wards_doctors_and_vital_signs(self):
        main = self.env.ref("base.main_company")
        Admission = self.env["ihospital.admission"]
        current = Admission.search([("company_id", "=", main.id), ("state", "=", "admitted")])
        self.assertGreaterEqual(len(current), 5)
        self.assertTrue(Admission.search_count([("company_id", "=", main.id), ("state", "=", "discharged")]))
        self.assertTrue(all(a.ward and a.bed and a.bed_doctor_id and a.admission_diagnosis_code for a in current))
        # the demo doctor holds beds: "my patients" is not empty
        doctor = self.env.ref("ihospital_base.user_doctor_demo")
        self.assertTrue(current.filtered(lambda a: a.bed_doctor_id.user_id == doctor))
        self.assertTrue(current.transfer_ids)
        self.assertTrue(current.patient_id.allergy_ids)
        self.assertEqual(len(Admission._current_for_patients(current.patient_id)), len(current.patient_id))
        signs = self.env["ihospital.vital.sign"].search([("admission_id", "in", current.ids)])
        self.assertTrue(signs.filtered("is_critical"))
        self.assertTrue(self.env["ihospital.imaging.report"].search_count([("is_critical", "=", True)]))

    def test_physical_exam_reports_and_outpatients_allergies(self):
        main = self.env.ref("base.main_company")
        reports = self.env["ihospital.exam.report"].search([("company_id", "=", main.id)])
        self.assertGreaterEqual(len(reports), 5)
        self.assertEqual(set(reports.mapped("package_name")), {"入职体检套餐", "年度体检套餐（标准版）"})
        self.assertEqual(reports.performing_department_id.name, "体检中心")
        self.assertTrue(all(r.item_ids and r.conclusion and r.advice for r in reports))
        self.assertTrue(reports.filtered("abnormal_count"))
        # the demo doctor is the chief examiner of some, the demo patient has one in the portal
        doctor = self.env.ref("ihospital_base.user_doctor_demo")
        self.assertTrue(reports.filtered(lambda r: r.doctor_id.user_id == doctor))
        patient_user = self.env.ref("ihospital_base.user_patient_demo")
        self.assertTrue(reports.filtered(lambda r: patient_user in r.patient_id.account_ids.user_id))
        inpatients = self.env["ihospital.admission"].search([("company_id", "=", main.id)]).patient_id
        outpatient_entries = self.env["ihospital.patient.allergy"].search(
            [("company_id", "=", main.id), ("patient_id", "not in", inpatients.ids)]
        )
        self.assertEqual(set(outpatient_entries.mapped("kind")), {"allergy", "alert"})
        self.assertTrue(all(outpatient_entries.mapped("his_recorded_at")))
