"""Issue 13: the staff app's clinical screens. "My patients" (today's
clinic, my inpatients by bed, my department's census), the patient's page
(identity masked for the roles that see masked identity, allergies and
alerts, bed, one timeline newest first) and the lab trend, each searched
with the user's rights, refused to another department's nurse (also over
JSON-RPC) and logged in the access log; the page's cost does not grow with
the patient's reports; a phone-size tour from "my patients" to a trend."""

from datetime import timedelta

from odoo import fields
from odoo.addons.ihospital_base.tests.common import ID_MAN_1985, RpcMixin
from odoo.exceptions import AccessError
from odoo.tests import HttpCase, new_test_user, tagged

from .common import CriticalCase

# the patient's page of a doctor: the patient, the staff check, the current
# admission, seven timeline sources (a search each, the lab lines, names of
# departments and doctors), allergies, open critical values, the access log
# rows: fixed, whatever the number of reports
QUERIES_PER_PATIENT_PAGE = 32
# "my patients" of a doctor: the clinic, the inpatients, the census, the
# patients, names of wards and rooms, the access log: at most, whatever the
# number of patients
QUERIES_PER_MY_PATIENTS = 17


class PatientChartCase(CriticalCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Chart = cls.env["ihospital.patient.chart"]
        cls.now = fields.Datetime.now().replace(microsecond=0)
        cls.admission = cls.env["ihospital.admission"].create(
            {
                "company_id": cls.hospital.id,
                "name": "ZY-T-0001",
                "patient_id": cls.patient_cardio.id,
                "department_id": cls.cardiology.id,
                "ward": "Cardiology Ward 1",
                "bed": "12",
                "attending_doctor_id": cls.emp_head.id,
                "bed_doctor_id": cls.emp_doctor.id,
                "admission_diagnosis": "Heart failure",
                "admitted_at": cls.now - timedelta(days=4),
            }
        )
        cls.env["ihospital.patient.allergy"].create(
            {"patient_id": cls.patient_cardio.id, "allergen": "Penicillin", "severity": "severe"}
        )

    def _potassium(self, days_ago, value, flag="N", name=None, patient=None, unit="mmol/L"):
        at = self.now - timedelta(days=days_ago)
        return self.env["ihospital.lab.report"].create(
            {
                "name": name or f"LAB-K-{days_ago}-{value}",
                "company_id": self.hospital.id,
                "patient_id": (patient or self.patient_cardio).id,
                "department_id": self.cardiology.id,
                "doctor_id": self.emp_doctor.id,
                "title": "Electrolytes",
                "source": "his",
                "collected_at": at,
                "reported_at": at + timedelta(hours=1),
                "result_ids": [
                    fields.Command.create(
                        {
                            "code": "K",
                            "name": "Potassium",
                            "value": value,
                            "unit": unit,
                            "reference_range": "3.5-5.3",
                            "flag": flag,
                        }
                    ),
                    fields.Command.create(
                        {"code": "NA", "name": "Sodium", "value": "140", "unit": "mmol/L", "flag": "N"}
                    ),
                ],
            }
        )

    def _logs(self, user, model):
        return self.env["ihospital.access.log"].search([("user_id", "=", user.id), ("res_model", "=", model)])


@tagged("post_install", "-at_install")
class TestMyPatients(PatientChartCase):
    def test_a_doctor_sees_their_inpatients_by_bed_and_the_census(self):
        other = self.env["ihospital.admission"].create(
            {
                "company_id": self.hospital.id,
                "name": "ZY-T-0002",
                "patient_id": self.patient_surgery.id,
                "department_id": self.cardiology.id,
                "ward": "Cardiology Ward 1",
                "bed": "3",
                "attending_doctor_id": self.emp_head.id,
            }
        )
        data = self.Chart.with_user(self.user_doctor).get_my_patients()
        self.assertEqual([row["patient_id"] for row in data["inpatients"]], [self.patient_cardio.id])
        self.assertEqual(data["inpatients"][0]["bed"], "12")
        # the census by ward and bed: bed 3 before bed 12
        self.assertEqual([row["id"] for row in data["census"]], [other.id, self.admission.id])
        self.assertTrue(self._logs(self.user_doctor, "ihospital.patient"))
        # the head is the attending doctor of both
        data = self.Chart.with_user(self.user_head).get_my_patients()
        self.assertEqual(len(data["inpatients"]), 2)

    def test_todays_clinic(self):
        today = self.hospital._ihospital_today()
        schedule = self.env["ihospital.schedule"].create(
            {
                "company_id": self.hospital.id,
                "department_id": self.cardiology.id,
                "doctor_id": self.emp_doctor.id,
                "date": today,
                "session": "evening",
                "capacity": 3,
                "room": "3A-1",
            }
        )
        schedule.action_publish()
        for number, (patient, state) in enumerate(
            [(self.patient_cardio, "checked_in"), (self.patient_surgery, "cancelled")], start=1
        ):
            self.env["ihospital.appointment"].create(
                {
                    "company_id": self.hospital.id,
                    "patient_id": patient.id,
                    "schedule_id": schedule.id,
                    "slot_id": schedule.slot_ids[number - 1].id,
                    "state": state,
                    "queue_number": number,
                    "channel": "window",
                }
            )
        clinic = self.Chart.with_user(self.user_doctor).get_my_patients()["clinic"]
        self.assertEqual(
            [(row["patient_id"], row["room"], row["number"]) for row in clinic], [(self.patient_cardio.id, "3A-1", 1)]
        )
        # the department's nurse sees her department's clinic
        self.assertEqual(len(self.Chart.with_user(self.user_nurse).get_my_patients()["clinic"]), 1)
        # another department's nurse: nothing
        data = self.Chart.with_user(self.user_surgery_nurse).get_my_patients()
        self.assertEqual((data["clinic"], data["inpatients"], data["census"]), ([], [], []))

    def test_its_cost_does_not_grow_with_the_patients(self):
        Chart = self.Chart.with_user(self.user_doctor)
        Chart.get_my_patients()  # warm-up: groups and rules cached
        self.env.invalidate_all()
        with self.assertQueryCount(QUERIES_PER_MY_PATIENTS):
            Chart.get_my_patients()
        for bed in range(20, 24):
            patient = self.env["ihospital.patient"].create({"name": f"Patient {bed}", "company_id": self.hospital.id})
            self.env["ihospital.admission"].create(
                {
                    "company_id": self.hospital.id,
                    "name": f"ZY-T-{bed}",
                    "patient_id": patient.id,
                    "department_id": self.cardiology.id,
                    "ward": "Cardiology Ward 2",
                    "bed": str(bed),
                    "bed_doctor_id": self.emp_doctor.id,
                }
            )
        self.env.invalidate_all()
        with self.assertQueryCount(QUERIES_PER_MY_PATIENTS):
            data = Chart.get_my_patients()
        self.assertEqual((len(data["inpatients"]), len(data["census"])), (5, 5))

    def test_portal_users_are_refused(self):
        with self.assertRaises(AccessError):
            self.Chart.with_user(self.user_portal).get_my_patients()
        with self.assertRaises(AccessError):
            self.Chart.with_user(self.user_portal).get_patient(self.patient_cardio.id)

    def test_the_workbench_tile(self):
        tiles = {
            tile["key"]: tile
            for tile in self.env["ihospital.staff.workbench"].with_user(self.user_doctor).get_data()["tiles"]
        }
        self.assertEqual(tiles["my_patients"]["count"], 1)
        action = self.env["ihospital.staff.workbench"].with_user(self.user_doctor).get_tile_action("my_patients")
        self.assertEqual(action["tag"], "ihospital_staff_my_patients")


@tagged("post_install", "-at_install")
class TestPatientPage(PatientChartCase):
    def test_the_timeline_newest_first_with_its_marks(self):
        old = self._potassium(20, "4.1")
        low = self._potassium(2, "3.1", "L")
        critical = self._report(name="LAB-CV-T")  # potassium 6.8 HH, reported now
        self._ecg(reported_at=self.now - timedelta(days=1))
        order = self.env["ihospital.medical.order"].create(
            {
                "company_id": self.hospital.id,
                "name": "YZ-T-1",
                "patient_id": self.patient_cardio.id,
                "admission_id": self.admission.id,
                "department_id": self.cardiology.id,
                "kind": "drug",
                "item_name": "Furosemide",
                "dose": "20",
                "dose_unit": "mg",
                "route": "iv",
                "frequency": "qd",
                "start_at": self.now - timedelta(days=3),
            }
        )
        exam = self.env["ihospital.exam.report"].create(
            {
                "company_id": self.hospital.id,
                "name": "PE-T-1",
                "patient_id": self.patient_cardio.id,
                "department_id": self.cardiology.id,
                "package_name": "Annual check-up",
                "reported_at": self.now - timedelta(days=30),
                "conclusion": "Blood pressure high",
                "item_ids": [(0, 0, {"section": "General", "name": "Blood pressure", "value": "150/95", "flag": "H"})],
            }
        )
        data = self.Chart.with_user(self.user_doctor).get_patient(self.patient_cardio.id)
        self.assertEqual(data["name"], self.patient_cardio.name)
        self.assertEqual(data["id_number"], ID_MAN_1985, "a doctor sees the identity in clear")
        self.assertFalse(data["identity_masked"])
        self.assertEqual([allergy["allergen"] for allergy in data["allergies"]], ["Penicillin"])
        self.assertEqual(data["admission"]["bed"], "12")
        self.assertTrue(any("Potassium" in alert["label"] for alert in data["alerts"]))
        timeline = data["timeline"]
        dates = [entry["date"] for entry in timeline]
        self.assertEqual(dates, sorted(dates, reverse=True))
        labs = {entry["res_id"]: entry for entry in timeline if entry["kind"] == "lab"}
        self.assertEqual(set(labs), {old.id, low.id, critical.id})
        self.assertTrue(labs[critical.id]["critical"])
        self.assertEqual(labs[low.id]["abnormal"], 1)
        self.assertFalse(labs[old.id]["abnormal"])
        self.assertEqual([line["name"] for line in labs[low.id]["lines"]], ["Potassium", "Sodium"])
        kinds = {entry["kind"] for entry in timeline}
        self.assertEqual(kinds, {"admission", "visit", "lab", "imaging", "exam", "order"})
        self.assertTrue(next(e for e in timeline if e["kind"] == "imaging")["critical"])
        self.assertEqual(
            [kind["key"] for kind in data["kinds"]], ["admission", "visit", "lab", "imaging", "exam", "order"]
        )
        orders = [entry for entry in timeline if entry["kind"] == "order"]
        self.assertEqual(
            [(e["res_id"], e["title"], e["detail"]) for e in orders], [(order.id, "Furosemide", "20 mg · iv · qd")]
        )
        exams = [entry for entry in timeline if entry["kind"] == "exam"]
        self.assertEqual([(e["res_id"], e["abnormal"]) for e in exams], [(exam.id, 1)])
        # what was shown is in the access log
        self.assertIn(str(self.patient_cardio.id), self._logs(self.user_doctor, "ihospital.patient").res_ids)
        self.assertEqual(
            set(self._logs(self.user_doctor, "ihospital.lab.report").res_ids.split(",")),
            {str(old.id), str(low.id), str(critical.id)},
        )

    def test_masked_identity_for_the_quality_officer(self):
        data = self.Chart.with_user(self.user_quality).get_patient(self.patient_cardio.id)
        self.assertTrue(data["identity_masked"])
        self.assertEqual(data["id_number"], self.patient_cardio.id_number_masked)
        self.assertNotIn(ID_MAN_1985, str(data))
        self.assertNotIn("13800138000", str(data))
        self.assertIn("*", data["phone"])

    def test_another_departments_nurse_finds_nothing(self):
        report = self._potassium(1, "3.9")
        with self.assertRaises(AccessError):
            self.Chart.with_user(self.user_surgery_nurse).get_patient(self.patient_cardio.id)
        with self.assertRaises(AccessError):
            self.Chart.with_user(self.user_surgery_nurse).get_lab_trend(report.result_ids[0].id)
        # the other hospital's doctor neither
        with self.assertRaises(AccessError):
            self.Chart.with_user(self.user_doctor_2).get_patient(self.patient_cardio.id)
        # the department's nurse does, without the online consultations she may not read
        data = self.Chart.with_user(self.user_nurse).get_patient(self.patient_cardio.id)
        self.assertNotIn("consultation", {entry["kind"] for entry in data["timeline"]})

    def test_its_cost_does_not_grow_with_the_reports(self):
        self._potassium(10, "4.0")
        self._ecg(name="ECG-1")
        Chart = self.Chart.with_user(self.user_doctor)
        Chart.get_patient(self.patient_cardio.id)  # warm-up: groups and rules cached
        self.env.invalidate_all()
        with self.assertQueryCount(QUERIES_PER_PATIENT_PAGE):
            Chart.get_patient(self.patient_cardio.id)
        for days_ago in range(1, 9):
            self._potassium(days_ago, "4.2")
        self._ecg(name="ECG-2")
        self._report(name="LAB-CV-2")
        self.env.invalidate_all()
        with self.assertQueryCount(QUERIES_PER_PATIENT_PAGE):
            data = Chart.get_patient(self.patient_cardio.id)
        self.assertEqual(len([entry for entry in data["timeline"] if entry["kind"] == "lab"]), 10)


@tagged("post_install", "-at_install")
class TestLabTrend(PatientChartCase):
    def test_the_trend_of_potassium_with_its_range(self):
        old = self._potassium(60, "4.4")
        first = self._potassium(25, "4.5")
        low = self._potassium(10, "3.2", "L")
        self._potassium(5, "溶血")  # haemolysed: not a number
        self._potassium(4, "0.38", unit="g/L")  # another unit
        last = self._potassium(1, "4.0")
        self._potassium(3, "5.9", "H", patient=self.patient_surgery)  # another patient
        chosen = low.result_ids.filtered(lambda line: line.code == "K")
        trend = self.Chart.with_user(self.user_doctor).get_lab_trend(chosen.id)
        self.assertEqual((trend["test"], trend["low"], trend["high"], trend["days"]), ("Potassium", 3.5, 5.3, 30))
        self.assertEqual([point["value"] for point in trend["points"]], [4.5, 3.2, 4.0])
        self.assertEqual(trend["skipped"], 2)
        self.assertEqual([point["chosen"] for point in trend["points"]], [False, True, False])
        self.assertTrue(trend["points"][1]["abnormal"])
        self.assertEqual(trend["points"][0]["report"], first.name)
        self.assertEqual(trend["points"][-1]["report"], last.name)
        # a longer period reaches the older result
        trend = self.Chart.with_user(self.user_doctor).get_lab_trend(chosen.id, days=90)
        self.assertEqual(trend["points"][0]["report"], old.name)
        self.assertTrue(self._logs(self.user_doctor, "ihospital.lab.result"))

    def test_the_laboratory_sees_its_results_not_the_patient(self):
        laboratory = self.env["hr.department"].create({"name": "Laboratory", "company_id": self.hospital.id})
        technician = new_test_user(
            self.env,
            login="t_lab_tech",
            groups="ihospital_base.group_nurse",
            company_id=self.hospital.id,
            company_ids=[self.hospital.id],
        )
        self.env["hr.employee"].create(
            {
                "name": "Technician Liang",
                "user_id": technician.id,
                "company_id": self.hospital.id,
                "department_id": laboratory.id,
                "ihospital_role": "nurse",
            }
        )
        report = self._potassium(3, "3.4", "L")
        report.performing_department_id = laboratory
        trend = self.Chart.with_user(technician).get_lab_trend(report.result_ids[0].id, days="junk")
        self.assertEqual(([point["value"] for point in trend["points"]], trend["days"]), ([3.4], 30))
        self.assertEqual((trend["patient_id"], trend["patient"]), (False, ""))
        with self.assertRaises(AccessError):
            self.Chart.with_user(technician).get_patient(self.patient_cardio.id)


@tagged("post_install", "-at_install")
class TestPatientChartRpc(RpcMixin, HttpCase, PatientChartCase):
    """As a browser's JSON-RPC client calls them: another department's nurse
    and a portal user are refused by the server, whatever they send."""

    def test_refused_over_rpc(self):
        report = self._potassium(1, "3.9")
        result = report.result_ids[0]
        self.authenticate(self.user_surgery_nurse.login, self.user_surgery_nurse.login)
        for method, args in (("get_patient", [self.patient_cardio.id]), ("get_lab_trend", [result.id])):
            answer, error = self._call("ihospital.patient.chart", method, args)
            self.assertIsNone(answer)
            self.assertEqual(error.get("name"), "odoo.exceptions.AccessError", method)
        answer, error = self._call("ihospital.patient.chart", "get_my_patients", [])
        self.assertEqual((answer["inpatients"], answer["census"]), ([], []))
        # the ORM route to the same records is closed too
        _answer, error = self._call("ihospital.patient", "web_read", [[self.patient_cardio.id], {"name": {}}])
        self.assertEqual(error.get("name"), "odoo.exceptions.AccessError")
        self.authenticate(self.user_portal.login, self.user_portal.login)
        _answer, error = self._call("ihospital.patient.chart", "get_patient", [self.patient_cardio.id])
        self.assertEqual(error.get("name"), "odoo.exceptions.AccessError")

    def test_allowed_over_rpc(self):
        report = self._potassium(1, "3.9")
        self.authenticate(self.user_doctor.login, self.user_doctor.login)
        answer, error = self._call("ihospital.patient.chart", "get_lab_trend", [report.result_ids[0].id])
        self.assertFalse(error)
        self.assertEqual(answer["points"][0]["value"], 3.9)
        self.assertTrue(self._logs(self.user_doctor, "ihospital.lab.result"))


@tagged("post_install", "-at_install")
class TestPatientChartUi(HttpCase, PatientChartCase):
    browser_size = "375x812"

    def test_from_my_patients_to_a_trend_on_a_phone(self):
        for days_ago, value, flag in ((20, "4.6", "N"), (9, "3.3", "L"), (2, "3.9", "N")):
            self._potassium(days_ago, value, flag)
        self.start_tour(
            "/odoo/action-ihospital_staff.ihospital_staff_my_patients_action",
            "ihospital_staff_patient_chart",
            login=self.user_doctor.login,
        )
        self.assertTrue(self._logs(self.user_doctor, "ihospital.lab.result"))
