"""Whose patient a patient is (`is_my_department_patient`), the field the record rules
of nurses, doctors and department heads search on patients and allergies:
per role, through visits, appointments and admissions, for a user of two
hospitals, the same in SQL (the search) and in Python (the compute Odoo's
access check reads), always for the real user; refused over RPC."""

from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, new_test_user, tagged

from .common import IhospitalCase, RpcMixin
from .test_booking import BookingCase


class CareCase(IhospitalCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Patient = cls.env["ihospital.patient"]
        cls.Allergy = cls.env["ihospital.patient.allergy"]
        cls.patient_admitted = cls.Patient.create({"name": "Luo Guoqiang", "company_id": cls.hospital.id})
        # admitted to surgery, cardiology's doctor holds the bed
        cls.admission = cls.env["ihospital.admission"].create(
            {
                "company_id": cls.hospital.id,
                "name": "ZY-CARE-1",
                "patient_id": cls.patient_admitted.id,
                "department_id": cls.surgery.id,
                "bed_doctor_id": cls.emp_doctor.id,
            }
        )
        cls.allergy_cardio = cls.Allergy.create({"patient_id": cls.patient_cardio.id, "allergen": "青霉素"})
        cls.allergy_surgery = cls.Allergy.create({"patient_id": cls.patient_surgery.id, "allergen": "海鲜"})
        cls.allergy_admitted = cls.Allergy.create({"patient_id": cls.patient_admitted.id, "allergen": "花粉"})
        # a doctor of both hospitals: cardiology at the first, general
        # practice at the second
        cls.user_both = new_test_user(
            cls.env,
            login="t_doctor_both",
            groups="ihospital_base.group_doctor",
            company_id=cls.hospital.id,
            company_ids=[cls.hospital.id, cls.hospital_2.id],
            name="t_doctor_both",
        )
        for department in (cls.cardiology, cls.general_2):
            cls.env["hr.employee"].create(
                {
                    "name": "Dr Both",
                    "user_id": cls.user_both.id,
                    "company_id": department.company_id.id,
                    "department_id": department.id,
                    "ihospital_role": "doctor",
                }
            )
        cls.everyone = cls.patient_cardio | cls.patient_surgery | cls.patient_admitted | cls.patient_2

    def _mine(self, user, model="ihospital.patient"):
        """What the field's search gives the user, rules aside (sudo keeps the user)."""
        return self.env[model].with_user(user).sudo().search([("is_my_department_patient", "=", True)])

    def _computed(self, user):
        """The patients whose computed is_my_department_patient is true for the user."""
        return self.everyone.with_user(user).sudo().filtered("is_my_department_patient")


@tagged("post_install", "-at_install")
class TestPatientCare(CareCase):
    def test_each_role_its_patients(self):
        expected = {
            # the departments she works in
            self.user_nurse: self.patient_cardio,
            # and the stays whose bed he holds, in another department
            self.user_doctor: self.patient_cardio | self.patient_admitted,
            self.user_surgeon: self.patient_surgery | self.patient_admitted,
            self.user_head: self.patient_cardio,
            self.user_doctor_2: self.patient_2,
            self.user_both: self.patient_cardio | self.patient_2,
            # the hospital-wide roles see through their own rules, not this
            self.user_director: self.Patient,
            self.user_quality: self.Patient,
            self.user_portal: self.Patient,
        }
        for user, patients in expected.items():
            with self.subTest(user=user.login):
                self.assertEqual(self._mine(user) & self.everyone, patients)
                self.assertEqual(self._computed(user), patients)
                self.assertEqual(
                    self._mine(user, "ihospital.patient.allergy").patient_id & self.everyone,
                    patients & self.Allergy.search([]).patient_id,
                )
                not_mine = self.Patient.with_user(user).sudo().search([("is_my_department_patient", "!=", True)])
                self.assertEqual(not_mine & self.everyone, self.everyone - patients)

    def test_the_rules_search_it(self):
        for user, patients in (
            (self.user_nurse, self.patient_cardio),
            (self.user_doctor, self.patient_cardio | self.patient_admitted),
            (self.user_head, self.patient_cardio),
        ):
            with self.subTest(user=user.login):
                self.assertEqual(self.Patient.with_user(user).search([]), patients)
                self.assertEqual(self.Allergy.with_user(user).search([]).patient_id, patients)
                for patient in self.everyone - patients:
                    with self.assertRaises(AccessError):
                        patient.with_user(user).read(["name"])
                for allergy in self.allergy_cardio | self.allergy_surgery | self.allergy_admitted:
                    if allergy.patient_id in patients:
                        continue
                    with self.assertRaises(AccessError):
                        allergy.with_user(user).read(["allergen"])

    def test_a_head_of_a_department_he_does_not_work_in(self):
        self.surgery.manager_id = self.emp_head
        self.assertEqual(
            self._mine(self.user_head) & self.everyone,
            self.patient_cardio | self.patient_surgery | self.patient_admitted,
        )
        self.assertEqual(self.patient_surgery.with_user(self.user_head).read(["name"])[0]["name"], "Liang Wanting")
        self.assertEqual(self.allergy_surgery.with_user(self.user_head).allergen, "海鲜")

    def test_a_change_shows_at_once(self):
        """In SQL and in the access check of loaded records, also within
        one transaction: a visit added, a nurse moved."""
        patient = self.patient_surgery.with_user(self.user_doctor)
        with self.assertRaises(AccessError):
            patient.read(["name"])
        self.env["ihospital.visit"].create(
            {
                "company_id": self.hospital.id,
                "patient_id": self.patient_surgery.id,
                "department_id": self.surgery.id,
                "doctor_id": self.emp_doctor.id,
            }
        )
        self.assertEqual(patient.read(["name"])[0]["name"], "Liang Wanting")
        self.patient_cardio.with_user(self.user_nurse).read(["name"])
        self.emp_nurse.department_id = self.surgery
        with self.assertRaises(AccessError):
            self.patient_cardio.with_user(self.user_nurse).read(["name"])
        self.assertEqual(
            self._mine(self.user_nurse) & self.everyone,
            self.patient_surgery | self.patient_admitted,
        )

    def test_a_user_of_two_hospitals(self):
        Patient = self.Patient.with_user(self.user_both)
        both = Patient.with_context(allowed_company_ids=[self.hospital.id, self.hospital_2.id])
        self.assertEqual(both.search([]), self.patient_cardio | self.patient_2)
        self.assertEqual(both.browse(self.patient_2.id).read(["name"])[0]["name"], "He Jiahao")
        # working in the first hospital only: its patients only
        first = Patient.with_context(allowed_company_ids=[self.hospital.id])
        self.assertEqual(first.search([]), self.patient_cardio)
        with self.assertRaises(AccessError):
            first.browse(self.patient_2.id).read(["name"])

    def test_only_true_or_false_is_searched(self):
        for domain in ([("is_my_department_patient", "in", [True])], [("is_my_department_patient", "=", "1")]):
            with self.subTest(domain=domain), self.assertRaises(UserError):
                self.Patient.with_user(self.user_nurse).search(domain)

    def test_the_context_names_no_other_user(self):
        Patient = self.Patient.with_user(self.user_nurse).with_context(uid=self.user_surgeon.id, active_test=False)
        self.assertEqual(Patient.search([]), self.patient_cardio)
        self.assertFalse(Patient.browse(self.patient_surgery.id).sudo().is_my_department_patient)

    def test_one_query_for_the_check_of_many_patients(self):
        patients = self.Patient.with_user(self.user_doctor).browse((self.patient_cardio | self.patient_admitted).ids)
        patients.check_access("read")  # the groups and the rules are cached
        self.env.invalidate_all()
        patients.sudo().fetch(["company_id"])
        with self.assertQueryCount(1):
            patients.check_access("read")


@tagged("post_install", "-at_install")
class TestPatientCareRpc(RpcMixin, HttpCase, CareCase):
    def test_refused_over_rpc_whatever_the_context(self):
        invented = {"uid": self.user_surgeon.id, "sudo": True, "active_test": False}
        self.authenticate(self.user_nurse.login, self.user_nurse.login)
        result, error = self._call(
            "ihospital.patient",
            "search_read",
            [[("is_my_department_patient", "=", True)]],
            {"fields": ["name", "is_my_department_patient"], "context": invented},
        )
        self.assertFalse(error)
        self.assertEqual(
            result, [{"id": self.patient_cardio.id, "name": "Chen Zhiqiang", "is_my_department_patient": True}]
        )
        for model, ids in (
            ("ihospital.patient", self.patient_surgery.ids),
            ("ihospital.patient.allergy", self.allergy_surgery.ids),
        ):
            _result, error = self._call(model, "read", [ids, ["is_my_department_patient"]], {"context": invented})
            self.assertEqual(error.get("name"), "odoo.exceptions.AccessError", model)
        result, error = self._call(
            "ihospital.patient.allergy", "search_read", [[]], {"fields": ["allergen"], "context": invented}
        )
        self.assertEqual([row["id"] for row in result or []], self.allergy_cardio.ids, error)
        # the surgeon, allowed
        self.authenticate(self.user_surgeon.login, self.user_surgeon.login)
        result, error = self._call(
            "ihospital.patient", "read", [self.patient_surgery.ids, ["name", "is_my_department_patient"]]
        )
        self.assertEqual(
            result, [{"id": self.patient_surgery.id, "name": "Liang Wanting", "is_my_department_patient": True}]
        )


@tagged("post_install", "-at_install")
class TestPatientCareAppointments(BookingCase):
    def test_an_appointment_makes_a_patient_the_doctors_and_the_departments(self):
        # the surgeon holds a clinic in cardiology
        schedule = self._schedule(department=self.cardiology, doctor=self.emp_surgeon)
        newcomer = self.env["ihospital.patient"].create(
            {
                "name": "Xie Ming",
                "company_id": self.hospital.id,
                "id_type": "passport",
                "id_number": "E66666666",
                "gender": "male",
                "birth_date": "1970-01-01",
            }
        )
        clinicians = (self.user_nurse, self.user_doctor, self.user_head, self.user_surgeon)
        for user in clinicians:
            with self.subTest(user=user.login):
                self.assertFalse(newcomer.with_user(user).sudo().is_my_department_patient)
                with self.assertRaises(AccessError):
                    newcomer.with_user(user).read(["name"])
        self.env["ihospital.appointment"]._book(schedule, newcomer, channel="window")
        for user in clinicians:
            with self.subTest(user=user.login):
                self.assertTrue(newcomer.with_user(user).sudo().is_my_department_patient)
                self.assertEqual(newcomer.with_user(user).read(["name"])[0]["name"], "Xie Ming")
        self.assertFalse(newcomer.with_user(self.user_doctor_2).sudo().is_my_department_patient)
