from contextlib import contextmanager
from unittest.mock import patch

from psycopg2 import IntegrityError

from odoo import Command
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import ID_MAN_1985
from .test_admission import AdmissionCase


@contextmanager
def recorded_alerts(model):
    """The recordsets `model._alert_critical` is called with, in order."""
    calls = []
    original = type(model)._alert_critical

    def record(records):
        calls.append(records)
        return original(records)

    with patch.object(type(model), "_alert_critical", record):
        yield calls


@tagged("post_install", "-at_install")
class TestVitalSigns(AdmissionCase):
    def _sign(self, **vals):
        return self.env["ihospital.vital.sign"].create(
            {
                "company_id": self.hospital.id,
                "patient_id": self.patient_cardio.id,
                "department_id": self.cardiology.id,
                "code": "HR",
                "loinc": "8867-4",
                "name": "心率",
                "value": "38",
                "unit": "次/分",
                "flag": "LL",
                **vals,
            }
        )

    def test_critical_like_lab_results(self):
        sign = self._sign()
        self.assertTrue(sign.is_critical and sign.is_abnormal)
        self.assertEqual(sign.display_name, "心率 38 次/分")
        sign.flag = "L"
        self.assertFalse(sign.is_critical)
        self.assertTrue(sign.is_abnormal)
        sign.flag = "N"
        self.assertFalse(sign.is_abnormal)

    def test_the_alert_hook_is_called_set_based(self):
        Sign = self.env["ihospital.vital.sign"]
        with recorded_alerts(Sign) as calls:
            signs = Sign.create(
                [
                    {
                        "company_id": self.hospital.id,
                        "patient_id": self.patient_cardio.id,
                        "code": code,
                        "name": code,
                        "value": "1",
                        "flag": flag,
                    }
                    for code, flag in (("HR", "LL"), ("SBP", "N"), ("SPO2", "LL"))
                ]
            )
            self.assertEqual(calls, [signs], "once, for the whole batch")
            signs.write({"value": "2"})
            self.assertEqual(len(calls), 1, "no flag, no call")
            signs[1:].write({"flag": "HH"})
            self.assertEqual(calls[1], signs[1:])

    def test_a_sign_from_the_his_may_come_before_its_patient(self):
        sign = self._sign(patient_id=False, source="his", his_patient_ref="P0100", his_ref="VS1:HR")
        self.assertTrue(sign.is_critical)
        with self.assertRaisesMsg(ValidationError, "needs its patient"):
            self._sign(patient_id=False)
        with self.assertRaisesMsg(ValidationError, "never an ID number"):
            self._sign(patient_id=False, source="his", his_patient_ref=ID_MAN_1985)
        attached = self.env["ihospital.vital.sign"]._attach_by_reference(self.hospital, {"P0100": self.patient_cardio})
        self.assertEqual(attached, sign)
        self.assertEqual((sign.patient_id, sign.his_patient_ref), (self.patient_cardio, False))
        # a reference of another hospital attaches nothing
        other = self._sign(patient_id=False, source="his", his_patient_ref="P0200", his_ref="VS2:HR")
        self.env["ihospital.vital.sign"]._attach_by_reference(self.hospital_2, {"P0200": self.patient_2})
        self.assertFalse(other.patient_id)

    def test_his_reference_unique_per_hospital(self):
        self._sign(his_ref="VS1:HR", source="his")
        with mute_logger("odoo.sql_db"), self.assertRaises(IntegrityError), self.cr.savepoint():
            self._sign(his_ref="VS1:HR", source="his")
        self._sign(
            company_id=self.hospital_2.id,
            patient_id=self.patient_2.id,
            department_id=self.general_2.id,
            his_ref="VS1:HR",
            source="his",
        )

    def test_a_sign_stays_in_its_hospital_and_with_its_patients_stay(self):
        with self.assertRaisesMsg(ValidationError, "must stay within"):
            self._sign(department_id=self.general_2.id)
        admission = self._admission()
        with self.assertRaisesMsg(ValidationError, "must stay within"):
            self._sign(patient_id=self.patient_surgery.id, admission_id=admission.id)

    def test_who_sees_vital_signs(self):
        admission = self._admission(department_id=self.surgery.id, bed_doctor_id=self.emp_doctor.id)
        sign = self._sign(department_id=self.surgery.id, admission_id=admission.id)
        # the ward's nurse, the inpatient's bed doctor, the hospital's supervisors
        for user in (self.user_nurse_surgery, self.user_doctor, self.user_surgeon, self.user_quality):
            with self.subTest(user=user.login):
                self.assertEqual(sign.with_user(user).value, "38")
        # not another ward's nurse, the other hospital, the portal
        for user in (self.user_nurse, self.user_doctor_2, self.user_portal):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                sign.with_user(user).read(["value"])
        # read only, and the HIS's references are the engine's
        with self.assertRaises(AccessError):
            sign.with_user(self.user_nurse_surgery).write({"value": "60"})
        with self.assertRaises(AccessError):
            sign.with_user(self.user_admin).write({"his_ref": "X"})
        with self.assertRaises(AccessError):
            sign.with_user(self.user_admin).write({"his_patient_ref": "P1"})


@tagged("post_install", "-at_install")
class TestCriticalHooks(AdmissionCase):
    def _imaging(self, **vals):
        return self.env["ihospital.imaging.report"].create(
            {
                "name": "ECG-1",
                "company_id": self.hospital.id,
                "patient_id": self.patient_cardio.id,
                "modality": "ecg",
                "exam_name": "常规十二导联心电图",
                "findings": "窦性心律。",
                "impression": "正常心电图。",
                **vals,
            }
        )

    def test_imaging_report_alerts_when_created_or_become_critical(self):
        Imaging = self.env["ihospital.imaging.report"]
        with recorded_alerts(Imaging) as calls:
            normal = self._imaging()
            self.assertEqual(calls, [])
            critical = self._imaging(name="ECG-2", is_critical=True, critical_finding="室性心动过速")
            self.assertEqual(calls, [critical])
            (normal | critical).write({"is_critical": True, "critical_finding": "室颤"})
            self.assertEqual(calls[1], normal, "only the report that just became critical")
            normal.write({"is_critical": True})
            self.assertEqual(len(calls), 2)
            normal.write({"is_critical": False})
            self.assertEqual(len(calls), 2)
        self.assertEqual(critical.modality, "ecg")
        self.assertIn(critical, Imaging.search([("is_critical", "=", True)]))

    def test_lab_results_alert_through_their_own_hook(self):
        Result = self.env["ihospital.lab.result"]
        with recorded_alerts(Result) as calls:
            report = self.env["ihospital.lab.report"].create(
                {
                    "name": "LAB-H1",
                    "company_id": self.hospital.id,
                    "patient_id": self.patient_cardio.id,
                    "doctor_id": self.emp_doctor.id,
                    "title": "电解质",
                    "result_ids": [
                        Command.create({"code": "K", "name": "钾", "value": "6.9", "flag": "HH"}),
                        Command.create({"code": "NA", "name": "钠", "value": "139", "flag": "N"}),
                    ],
                }
            )
            self.assertEqual(calls, [report.result_ids])
            report.result_ids[1].flag = "LL"
            self.assertEqual(calls[1], report.result_ids[1])
