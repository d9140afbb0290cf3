"""Issue 10: a result whose patient is not identified yet is stored at once
as an unmatched report (待匹配), seen by the laboratory and the
administrators, and attached when the patient's
registration arrives."""

from psycopg2 import IntegrityError

from odoo import Command
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import mute_logger

from .common import ID_WOMAN_1990, IhospitalCase, RpcMixin

KEYS_P0100 = " patient:his:P0100 patient:card:C100 "


class UnmatchedCase(IhospitalCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Department = cls.env["hr.department"]
        cls.laboratory = Department.create({"name": "Laboratory", "company_id": cls.hospital.id})
        cls.radiology = Department.create({"name": "Radiology", "company_id": cls.hospital.id})
        cls.hospital.write(
            {"ihospital_lab_department_id": cls.laboratory.id, "ihospital_imaging_department_id": cls.radiology.id}
        )
        cls.user_lab = new_test_user(
            cls.env,
            login="t_lab",
            groups="ihospital_base.group_nurse",
            company_id=cls.hospital.id,
            company_ids=[cls.hospital.id],
        )
        cls.env["hr.employee"].create(
            {
                "name": "Technician Wu",
                "user_id": cls.user_lab.id,
                "company_id": cls.hospital.id,
                "department_id": cls.laboratory.id,
                "ihospital_role": "technician",
            }
        )

    @classmethod
    def _unmatched(cls, name="LIS-001", company=None, keys=KEYS_P0100, ref="P0100", flags=("N",), **vals):
        """A lab result from the HIS whose patient is not registered yet, as
        the HIS processing stores it (superuser)."""
        return (
            cls.env["ihospital.lab.report"]
            .sudo()
            .create(
                {
                    "name": name,
                    "company_id": (company or cls.hospital).id,
                    "source": "his",
                    "his_patient_ref": ref,
                    "his_patient_keys": keys,
                    "title": "Electrolytes",
                    "result_ids": [
                        Command.create({"name": f"Test {index}", "value": "1", "flag": flag})
                        for index, flag in enumerate(flags)
                    ],
                    **vals,
                }
            )
            .sudo(False)
        )


@tagged("post_install", "-at_install")
class TestUnmatchedReports(UnmatchedCase):
    def test_his_report_without_patient_is_stored_at_once(self):
        report = self._unmatched()
        self.assertFalse(report.patient_id)
        self.assertFalse(report.patient_id)
        self.assertEqual(report.performing_department_id, self.laboratory, "the hospital's laboratory by default")
        self.assertEqual(report.his_patient_keys, KEYS_P0100)
        self.assertFalse(report.message_ids.partner_ids, "no account to tell yet")
        imaging = (
            self.env["ihospital.imaging.report"]
            .sudo()
            .create({"name": "RIS-9", "company_id": self.hospital.id, "source": "his", "exam_name": "Chest CT"})
        )
        self.assertFalse(imaging.patient_id)
        self.assertEqual(imaging.performing_department_id, self.radiology)
        # keys given as a list are stored delimited, so that whole keys match
        other = self._unmatched(name="LIS-002", keys=["patient:his:P0200"])
        self.assertEqual(other.his_patient_keys, " patient:his:P0200 ")

    def test_a_manual_report_needs_its_patient(self):
        Report = self.env["ihospital.lab.report"].with_user(self.user_admin)
        with self.assertRaisesMsg(ValidationError, "needs its patient"):
            Report.create({"name": "LAB-9", "company_id": self.hospital.id, "title": "Glucose"})
        report = Report.create(
            {"name": "LAB-9", "company_id": self.hospital.id, "title": "Glucose", "patient_id": self.patient_cardio.id}
        )
        with self.assertRaisesMsg(ValidationError, "needs its patient"):
            report.patient_id = False

    def test_patient_keys_and_reference_are_the_engines(self):
        Report = self.env["ihospital.lab.report"].with_user(self.user_admin)
        with self.assertRaises(AccessError):
            Report.create(
                {
                    "name": "LAB-9",
                    "company_id": self.hospital.id,
                    "title": "Glucose",
                    "patient_id": self.patient_cardio.id,
                    "his_patient_ref": "P0999",
                }
            )
        report = self._unmatched().with_user(self.user_admin)
        # nor can anyone silence or fake the patient's "report ready" notice
        for vals in (
            {"his_patient_keys": " patient:his:P0999 "},
            {"his_patient_ref": "P0999"},
            {"ready_notice_due": True},
        ):
            with self.assertRaises(AccessError):
                report.write(vals)
        with self.assertRaises(AccessError):
            report.read(["his_patient_keys"])

    def test_the_reference_is_never_an_id_number(self):
        with self.assertRaisesMsg(ValidationError, "never an ID number"):
            self._unmatched(ref=ID_WOMAN_1990)

    def test_patient_deletion_never_orphans_reports(self):
        """patient_id is no longer required: it keeps the restrict policy it
        had, so that deleting a patient never turns reports unmatched."""
        patient = self.env["ihospital.patient"].create({"name": "Wu Min", "company_id": self.hospital.id})
        report = self.env["ihospital.lab.report"].create(
            {"name": "LAB-9", "company_id": self.hospital.id, "title": "Glucose", "patient_id": patient.id}
        )
        with mute_logger("odoo.sql_db"), self.assertRaises(IntegrityError), self.cr.savepoint():
            patient.unlink()
        self.assertEqual(report.patient_id, patient)

    def test_attach_by_key_within_the_hospital(self):
        report = self._unmatched()
        by_card = self._unmatched(name="LIS-002", keys=" patient:card:C200 ", ref="C200")
        # keys naming two different patients: left for an administrator
        ambiguous = self._unmatched(name="LIS-003", keys=" patient:his:P0100 patient:card:C200 ")
        elsewhere = self._unmatched(name="LIS-004", company=self.hospital_2)
        unrelated = self._unmatched(name="LIS-005", keys=" patient:his:P01000 ")
        imaging = (
            self.env["ihospital.imaging.report"]
            .sudo()
            .create(
                {
                    "name": "RIS-9",
                    "company_id": self.hospital.id,
                    "source": "his",
                    "exam_name": "Chest CT",
                    "his_patient_keys": KEYS_P0100,
                }
            )
        )
        key_patients = {"patient:his:P0100": self.patient_cardio, "patient:card:C200": self.patient_surgery}
        attached = self.env["ihospital.lab.report"]._attach_unmatched(self.hospital, key_patients)
        self.assertEqual(attached, report | by_card)
        self.assertEqual(report.patient_id, self.patient_cardio)
        self.assertEqual(by_card.patient_id, self.patient_surgery)
        self.assertTrue(report.patient_id)
        self.assertFalse(report.sudo().his_patient_keys, "the keys are spent")
        self.assertEqual(report.his_patient_ref, "P0100", "the reference stays, for the record")
        for waiting in (ambiguous, elsewhere, unrelated):
            self.assertFalse(waiting.patient_id, waiting.name)
        # a patient of another hospital is never attached
        self.assertFalse(
            self.env["ihospital.lab.report"]._attach_unmatched(
                self.hospital_2, {"patient:his:P0100": self.patient_cardio}
            )
        )
        self.assertFalse(elsewhere.patient_id)
        # the same API for imaging reports
        self.assertEqual(self.env["ihospital.imaging.report"]._attach_unmatched(self.hospital, key_patients), imaging)
        self.assertEqual(imaging.patient_id, self.patient_cardio)

    def test_attach_is_set_based(self):
        """One search for all keys and one write per patient, whatever the
        number of reports."""
        Patient = self.env["ihospital.patient"]
        patients = Patient.create([{"name": f"Patient {i}", "company_id": self.hospital.id} for i in range(4)])
        Report = self.env["ihospital.lab.report"]

        def batch(prefix, patients, per_patient):
            key_patients = {}
            for index, patient in enumerate(patients):
                key = f"patient:his:{prefix}{index}"
                key_patients[key] = patient
                for number in range(per_patient):
                    self._unmatched(name=f"{prefix}-{index}-{number}", keys=f" {key} ", ref=f"{prefix}{index}")
            self.env.flush_all()
            self.env.invalidate_all()
            return key_patients

        small = batch("S", patients[:2], 1)
        # the same for 2 reports as for 20, less the notices cron's id, cached after the first call
        with self.assertQueryCount(12):
            attached = Report._attach_unmatched(self.hospital, small)
            self.env.flush_all()
        self.assertEqual(len(attached), 2)
        large = batch("L", patients[2:], 10)
        with self.assertQueryCount(10):
            attached = Report._attach_unmatched(self.hospital, large)
            self.env.flush_all()
        self.assertEqual(len(attached), 20)
        self.assertEqual(attached.patient_id, patients[2:])

    def test_attached_report_tells_the_patients_accounts(self):
        self.patient_cardio.account_ids.sudo().write({"state": "confirmed"})
        report = self._unmatched()
        self.assertFalse(report.message_ids.partner_ids)
        self.env["ihospital.lab.report"]._attach_unmatched(self.hospital, {"patient:card:C100": self.patient_cardio})
        self.env["ihospital.lab.report"]._cron_send_ready_notices()
        notice = report.message_ids.filtered(lambda m: m.partner_ids)
        self.assertEqual(notice.partner_ids, self.user_portal.partner_id)
        self.assertIn("A new report is ready", notice.subject)

    def test_administrator_attaches_by_hand(self):
        report = self._unmatched()
        with self.assertRaises(AccessError):
            report.with_user(self.user_lab).write({"patient_id": self.patient_cardio.id})
        with self.assertRaises(AccessError):  # another hospital's patient
            report.with_user(self.user_admin).write({"patient_id": self.patient_2.id})
        report.with_user(self.user_admin).write({"patient_id": self.patient_cardio.id})
        self.assertTrue(report.patient_id)
        self.assertFalse(report.sudo().his_patient_keys)
        self.assertFalse(
            self.env["ihospital.lab.report"]._attach_unmatched(
                self.hospital, {"patient:his:P0100": self.patient_surgery}
            ),
            "an attached report is not attached again",
        )

    def test_who_sees_unmatched_and_departmentless_reports(self):
        unmatched = self._unmatched(flags=("HH",))
        without_department = self.env["ihospital.lab.report"].create(
            {
                "name": "LAB-9",
                "company_id": self.hospital.id,
                "patient_id": self.patient_cardio.id,
                "doctor_id": self.emp_doctor.id,
                "title": "Glucose",
                "result_ids": [Command.create({"name": "Glucose", "value": "5.1", "flag": "N"})],
            }
        )
        both = unmatched | without_department
        Report, Result = self.env["ihospital.lab.report"], self.env["ihospital.lab.result"]
        expected = {
            self.user_lab: both,  # the laboratory performed both
            self.user_admin: both,
            self.user_director: both,
            self.user_quality: both,
            self.user_doctor: without_department,  # the ordering doctor
            self.user_nurse: Report,  # the ordering doctor's department, but the report has none
            self.user_surgeon: Report,
            self.user_head: Report,
            self.user_doctor_2: Report,  # another hospital
        }
        for user, visible in expected.items():
            self.assertEqual(Report.with_user(user).search([("id", "in", both.ids)]), visible, user.login)
            self.assertEqual(
                Result.with_user(user).search([("report_id", "in", both.ids)]).report_id, visible, user.login
            )
            for report in both - visible:
                with self.assertRaises(AccessError, msg=user.login):
                    report.with_user(user).read(["name", "his_patient_ref"])
                with self.assertRaises(AccessError, msg=user.login):
                    report.result_ids.with_user(user).read(["value"])
        # without a performing department, only the hospital-wide roles see an unmatched report
        orphan = self._unmatched(name="LIS-002", performing_department_id=False)
        self.assertFalse(Report.with_user(self.user_lab).search([("id", "=", orphan.id)]))
        self.assertEqual(Report.with_user(self.user_admin).search([("id", "=", orphan.id)]), orphan)

    def test_performing_department_stays_in_the_hospital(self):
        with self.assertRaises(ValidationError):
            self.hospital_2.ihospital_lab_department_id = self.laboratory
        with self.assertRaises(ValidationError):
            self._unmatched(company=self.hospital_2, performing_department_id=self.laboratory.id)


@tagged("post_install", "-at_install")
class TestUnmatchedReportsOverRpc(RpcMixin, HttpCase, UnmatchedCase):
    """The same visibility over JSON-RPC, as the roles themselves."""

    def _login(self, login):
        self.authenticate(login, login + "x" * (8 - len(login)))  # new_test_user's password

    def test_unmatched_report_over_rpc(self):
        report = self._unmatched(flags=("HH",))
        fields = ["name", "his_patient_ref", "patient_id"]
        for login in ("t_lab", "t_admin"):
            self._login(login)
            result, error = self._call(
                "ihospital.lab.report", "search_read", [[("patient_id", "=", False)]], {"fields": fields}
            )
            self.assertFalse(error, login)
            self.assertIn(report.id, [row["id"] for row in result], login)
            result, error = self._call(
                "ihospital.lab.result", "search_read", [[("report_id", "=", report.id)]], {"fields": ["value"]}
            )
            self.assertEqual(len(result), 1, login)
        for login in ("t_nurse", "t_doctor", "t_surgeon", "t_head"):
            self._login(login)
            result, error = self._call(
                "ihospital.lab.report", "search_read", [[("patient_id", "=", False)]], {"fields": fields}
            )
            self.assertEqual(result, [], login)
            _result, error = self._call("ihospital.lab.report", "read", [report.ids, fields])
            self.assertEqual(error.get("name"), "odoo.exceptions.AccessError", login)
            _result, error = self._call("ihospital.lab.result", "read", [report.result_ids.ids, ["value"]])
            self.assertEqual(error.get("name"), "odoo.exceptions.AccessError", login)
        # the lab reads it but cannot attach it, nor forge its keys
        self._login("t_lab")
        _result, error = self._call(
            "ihospital.lab.report", "write", [report.ids, {"patient_id": self.patient_cardio.id}]
        )
        self.assertEqual(error.get("name"), "odoo.exceptions.AccessError")
        self._login("t_admin")
        _result, error = self._call(
            "ihospital.lab.report", "write", [report.ids, {"his_patient_keys": " patient:his:X "}]
        )
        self.assertEqual(error.get("name"), "odoo.exceptions.AccessError")
        self.assertFalse(report.patient_id)

    def test_a_report_from_the_his_is_the_his_record(self):
        """Found at review: a hospital administrator could rewrite a final
        report from the HIS (its values, its conclusion), move it to another
        patient or delete it. An administrator may only attach a report
        that waits for its patient; the rest is the HIS's (a correction, a
        merge, a cancellation)."""
        report = self._unmatched(flags=("HH",))
        line = report.result_ids
        self._login("t_admin")
        refused = [
            ("ihospital.lab.report", "write", [report.ids, {"title": "Glucose"}]),
            ("ihospital.lab.report", "write", [report.ids, {"state": "corrected"}]),
            ("ihospital.lab.report", "write", [report.ids, {"patient_id": self.patient_cardio.id, "title": "X"}]),
            ("ihospital.lab.report", "write", [report.ids, {"source": "manual"}]),
            ("ihospital.lab.report", "write", [report.ids, {"result_ids": [[1, line.id, {"value": "4.0"}]]}]),
            ("ihospital.lab.report", "unlink", [report.ids]),
            ("ihospital.lab.result", "write", [line.ids, {"value": "4.0", "flag": "N"}]),
            ("ihospital.lab.result", "create", [{"report_id": report.id, "name": "K", "value": "9.9"}]),
            ("ihospital.lab.result", "unlink", [line.ids]),
            (
                "ihospital.lab.report",
                "create",
                [{"name": "LIS-FORGED", "company_id": self.hospital.id, "source": "his", "title": "K"}],
            ),
        ]
        for model, method, args in refused:
            with self.subTest(model=model, method=method, args=args):
                _result, error = self._call(model, method, args)
                self.assertEqual(error.get("name"), "odoo.exceptions.AccessError", error)
        self.assertEqual((report.title, report.state, line.value, line.flag), ("Electrolytes", "final", "1", "HH"))
        self.assertFalse(report.patient_id)

        # attaching it is the administrator's
        _result, error = self._call(
            "ihospital.lab.report", "write", [report.ids, {"patient_id": self.patient_cardio.id}]
        )
        self.assertFalse(error, error)
        self.assertEqual(report.patient_id, self.patient_cardio)
        # ... once: moving it to another patient is the HIS's
        _result, error = self._call(
            "ihospital.lab.report", "write", [report.ids, {"patient_id": self.patient_surgery.id}]
        )
        self.assertEqual(error.get("name"), "odoo.exceptions.AccessError")
        self.assertEqual(report.patient_id, self.patient_cardio)

        # a report entered on the platform stays the administrator's to edit
        manual = self.env["ihospital.lab.report"].create(
            {
                "name": "LAB-M1",
                "company_id": self.hospital.id,
                "patient_id": self.patient_cardio.id,
                "title": "Glucose",
                "result_ids": [Command.create({"name": "Glucose", "value": "5.1", "flag": "N"})],
            }
        )
        _result, error = self._call("ihospital.lab.result", "write", [manual.result_ids.ids, {"value": "5.2"}])
        self.assertFalse(error, error)
        self.assertEqual(manual.result_ids.value, "5.2")
