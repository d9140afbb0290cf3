"""What the follow-up (回访) reads from the HIS: the patient's death
(PID-30/PID-29, `deceased`), the visit's diagnosis code (ICD-10) and the
stay's operations (PR1, `procedures`). All three are the HIS's: users read
them, only the HIS's messages change them."""

from datetime import timedelta

from odoo import fields
from odoo.addons.ihospital_base.tests.common import RpcMixin
from odoo.exceptions import ValidationError
from odoo.tests import HttpCase, tagged

from .common import HisCase
from .test_his_analysis_data import VISIT
from .test_his_clinical import ADMIT

ACCESS = "odoo.exceptions.AccessError"
DIED = "2026-01-15T03:40:00+08:00"
DIED_UTC = fields.Datetime.to_datetime("2026-01-14 19:40:00")
DISCHARGE = {
    "admission_no": "ZY-001",
    "patient": {"his_patient_id": "P0001"},
    "discharged_at": "2026-01-20T10:00:00+08:00",
}
PCI = {"code": "36.07", "name": "经皮冠状动脉药物洗脱支架置入术", "at": "2026-01-11T09:30:00+08:00"}


def utc(text):
    return fields.Datetime.to_datetime(text)


@tagged("post_install", "-at_install")
class TestHisDeath(HisCase):
    def update(self, **patient):
        return self.submit("patient.update", {"patient": {"his_patient_id": "P0001", **patient}})

    def test_a_death_is_recorded_and_never_undone_by_omission(self):
        result = self.update(deceased=True, deceased_at=DIED)
        self.assertEqual(result["state"], "processed", result["error"])
        patient = self.patient_cardio
        self.assertEqual((patient.deceased, patient.deceased_at), (True, utc("2026-01-14 19:40:00")))
        # a later update that says nothing of the death (a new address) keeps it
        self.assertEqual(self.update(address="广州市越秀区中山二路1号")["state"], "processed")
        self.assertEqual((patient.deceased, patient.deceased_at), (True, utc("2026-01-14 19:40:00")))
        self.assertEqual(patient.address, "广州市越秀区中山二路1号")
        # PID-30 Y without PID-29: the time known is kept
        self.assertEqual(self.update(deceased=True)["state"], "processed")
        self.assertEqual(patient.deceased_at, utc("2026-01-14 19:40:00"))
        # an explicit "not deceased" (PID-30 N) from the HIS withdraws a death reported by mistake
        self.assertEqual(self.update(deceased=False)["state"], "processed")
        self.assertEqual((patient.deceased, patient.deceased_at), (False, False))

    def test_a_time_of_death_alone_is_a_death(self):
        self.assertEqual(self.update(deceased_at="2026-01-15 03:40")["state"], "processed")
        self.assertEqual(
            (self.patient_cardio.deceased, self.patient_cardio.deceased_at), (True, utc("2026-01-14 19:40:00"))
        )

    def test_a_registration_and_a_discharge_bring_the_death(self):
        new = {"his_patient_id": "P-DEAD", "name": "黄志强", "birth_date": "1940-03-02", "deceased": True}
        self.assertEqual(self.submit("patient.register", {"patient": new})["state"], "processed")
        registered = self.env["ihospital.patient"].search([("his_patient_id", "=", "P-DEAD")])
        self.assertTrue(registered.deceased)
        self.assertFalse(registered.deceased_at)
        self.submit("admission.admit", ADMIT)
        died = dict(DISCHARGE, patient={"his_patient_id": "P0001", "deceased": True, "deceased_at": DIED})
        result = self.submit("admission.discharge", died)
        self.assertEqual(result["state"], "processed", result["error"])
        self.assertTrue(self.patient_cardio.deceased)
        admission = self.env["ihospital.admission"].search([("name", "=", "ZY-001")])
        self.assertEqual(admission.state, "discharged")
        # the set-based path of new stays leaves a patient whose death is news to the one-by-one path
        self.update(deceased=False)
        later = dict(ADMIT, admission_no="ZY-BATCH", allergies=[], patient=died["patient"])
        Endpoint = self.env["ihospital.his.endpoint"].with_user(self.user_gateway)
        Endpoint.gateway_submit(
            "t-his",
            [{"control_id": "B-DEAD", "type": "admission.admit", "protocol": "json", "raw": "{}", "data": later}],
        )
        self.process()
        self.assertEqual(self.message("B-DEAD").state, "processed", self.message("B-DEAD").error)
        self.assertEqual((self.patient_cardio.deceased, self.patient_cardio.deceased_at), (True, DIED_UTC))

    def test_a_bad_death_is_parked_with_its_reason_and_nothing_is_lost(self):
        self.update(deceased=True, deceased_at=DIED)
        phone = self.patient_cardio.phone
        cases = [
            ({"deceased_at": "2026-02-30T08:00:00"}, "deceased_at is not a valid date-time"),
            ({"deceased": True, "deceased_at": "2099-01-01T08:00:00+08:00"}, "is in the future"),
            ({"deceased": True, "deceased_at": "1950-01-01T08:00:00+08:00"}, "before the birth date"),
            ({"deceased": False, "deceased_at": DIED}, "deceased is false but deceased_at"),
            ({"deceased": "Y"}, "deceased must be true or false"),
        ]
        for patient, error in cases:
            with self.subTest(patient=patient):
                result = self.update(phone="13900139000", **patient)
                self.assertEqual(result["state"], "dead")
                self.assertIn(error, result["error"])
                # the message is kept as it came (to fix and reprocess), the patient as it was
                self.assertEqual(self.message(result["control_id"]).data["patient"]["phone"], "13900139000")
                self.assertEqual(
                    (self.patient_cardio.deceased, self.patient_cardio.deceased_at, self.patient_cardio.phone),
                    (True, DIED_UTC, phone),
                )
        # a bad time of death in an admission holds that message back, not the stays already known
        self.submit("admission.admit", ADMIT)
        bad = dict(DISCHARGE, patient={"his_patient_id": "P0001", "deceased_at": "2099-01-01T08:00:00"})
        self.assertEqual(self.submit("admission.discharge", bad)["state"], "dead")
        admission = self.env["ihospital.admission"].search([("name", "=", "ZY-001")])
        self.assertEqual(admission.state, "admitted")


@tagged("post_install", "-at_install")
class TestHisSurgeryAndDiagnosis(HisCase):
    def admission(self, number="ZY-001"):
        return self.env["ihospital.admission"].search([("name", "=", number), ("company_id", "=", self.hospital.id)])

    def test_the_latest_operation_of_the_stay(self):
        result = self.submit("admission.admit", dict(ADMIT, procedures=[PCI]))
        self.assertEqual(result["state"], "processed", result["error"])
        admission = self.admission()
        self.assertEqual(
            (admission.surgery_at, admission.surgery_name),
            (utc("2026-01-11 01:30:00"), "经皮冠状动脉药物洗脱支架置入术"),
        )
        # the discharge lists every operation: the latest one is the stay's
        later = {"code": "37.34", "name": "心脏射频消融术", "at": "2026-01-16T14:00:00+08:00"}
        result = self.submit("admission.discharge", dict(DISCHARGE, procedures=[later, PCI]))
        self.assertEqual(result["state"], "processed", result["error"])
        self.assertEqual((admission.surgery_at, admission.surgery_name), (utc("2026-01-16 06:00:00"), "心脏射频消融术"))
        # an admission resent late with only the first operation, or a message without any, keeps it
        self.submit("admission.admit", dict(ADMIT, procedures=[PCI]))
        self.submit("admission.discharge", DISCHARGE)
        self.assertEqual((admission.surgery_at, admission.surgery_name), (utc("2026-01-16 06:00:00"), "心脏射频消融术"))
        # a discharge that overtakes its admission: the new stay has its operation (a code alone names it)
        coded = dict(DISCHARGE, admission_no="ZY-002", procedures=[{"code": "47.01", "at": "2026-01-18 09:00"}])
        self.assertEqual(self.submit("admission.discharge", coded)["state"], "processed")
        self.assertEqual(
            (self.admission("ZY-002").surgery_name, self.admission("ZY-002").state), ("47.01", "discharged")
        )
        # transfers carry no operations (ADT^A02 has no PR1)
        transfer = {
            "admission_no": "ZY-001",
            "patient": {"his_patient_id": "P0001"},
            "bed": "9",
            "transferred_at": "2026-01-17T10:00:00+08:00",
            "procedures": [dict(PCI, at="2026-01-17T09:00:00+08:00", name="x")],
        }
        self.submit("admission.transfer", transfer)
        self.assertEqual(admission.surgery_name, "心脏射频消融术")

    def test_bad_operations_are_parked(self):
        self.submit("admission.admit", ADMIT)
        for procedures, error in (
            ([{"name": "阑尾切除术"}], "The field at is required"),
            ([{"at": "2026-01-11T09:30:00"}], "needs its name or its code"),
            ([{"name": "阑尾切除术", "at": "yesterday"}], "procedures.at is not a valid date-time"),
            ("阑尾切除术", "must be a list"),
        ):
            with self.subTest(procedures=procedures):
                result = self.submit("admission.discharge", dict(DISCHARGE, procedures=procedures))
                self.assertEqual(result["state"], "dead")
                self.assertIn(error, result["error"])
        self.assertEqual((self.admission().state, self.admission().surgery_at), ("admitted", False))

    def test_the_visits_diagnosis_code(self):
        result = self.submit("visit.record", dict(VISIT, diagnosis="高血压病2级", diagnosis_code=" i10 "))
        self.assertEqual(result["state"], "processed", result["error"])
        visit = self.env["ihospital.visit"].search([("external_ref", "=", "V-A1")])
        self.assertEqual((visit.diagnosis, visit.diagnosis_code), ("高血压病2级", "I10"))
        # a code that is not ICD-10 (the HIS's own) is kept readable in the diagnosis, never holds the visit back
        self.submit("visit.record", dict(VISIT, diagnosis="高血压病2级", diagnosis_code="GXY-02"))
        self.assertEqual((visit.diagnosis, visit.diagnosis_code), ("高血压病2级 (GXY-02)", False))
        self.submit("visit.record", dict(VISIT, diagnosis="高血压", diagnosis_code="高血压"))
        self.assertEqual((visit.diagnosis, visit.diagnosis_code), ("高血压", False))
        self.submit("visit.record", dict(VISIT, diagnosis_code="E11.9"))
        self.assertEqual((visit.diagnosis, visit.diagnosis_code), (False, "E11.9"))


@tagged("post_install", "-at_install")
class TestFollowupFieldsOfTheEngine(HisCase):
    """What the engine itself may write: an ICD-10 code in form, a time of
    death that is neither to come nor before the birth."""

    def test_the_engines_values_are_checked_too(self):
        vals = {
            "company_id": self.hospital.id,
            "patient_id": self.patient_cardio.id,
            "department_id": self.cardiology.id,
        }
        Visit = self.env["ihospital.visit"].sudo()
        with self.assertRaisesRegex(ValidationError, "is not an ICD-10 code"):
            Visit.create(dict(vals, diagnosis_code="高血压"))
        visit = Visit.create(dict(vals, diagnosis_code=" e11.9 "))
        self.assertEqual(visit.diagnosis_code, "E11.9")
        visit.write({"diagnosis_code": "i10"})
        self.assertEqual(visit.diagnosis_code, "I10")
        patient = self.patient_cardio.sudo()
        with self.assertRaisesRegex(ValidationError, "is in the future"):
            patient.write({"deceased": True, "deceased_at": fields.Datetime.now() + timedelta(days=2)})
        with self.assertRaisesRegex(ValidationError, "before the birth date"):
            patient.write({"deceased": True, "deceased_at": fields.Datetime.to_datetime("1984-12-31 00:00:00")})
        # died at 00:30 on the day of birth in the hospital's time zone (16:30 UTC the day before): allowed
        baby = self.env["ihospital.patient"].create(
            {
                "name": "新生儿",
                "company_id": self.hospital.id,
                "birth_date": "2026-01-10",
                "guardian_name": "母亲",
                "guardian_phone": "13800138001",
            }
        )
        baby.sudo().write({"deceased": True, "deceased_at": fields.Datetime.to_datetime("2026-01-09 16:30:00")})
        self.assertTrue(baby.deceased)


@tagged("post_install", "-at_install")
class TestHisFollowupFieldsRefused(RpcMixin, HttpCase, HisCase):
    """The death, the visit's diagnosis code and the stay's operation are
    the HIS's: no role writes them over RPC, not even the administrator,
    who still edits the patient's other fields."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.visit = (
            cls.env["ihospital.visit"]
            .sudo()
            .create(
                {
                    "company_id": cls.hospital.id,
                    "patient_id": cls.patient_cardio.id,
                    "department_id": cls.cardiology.id,
                    "doctor_id": cls.emp_doctor.id,
                    "source": "his",
                    "external_ref": "V-FU",
                    "diagnosis_code": "i10",
                }
            )
        )
        cls.admission = (
            cls.env["ihospital.admission"]
            .sudo()
            .create(
                {
                    "company_id": cls.hospital.id,
                    "name": "ZY-FU",
                    "patient_id": cls.patient_cardio.id,
                    "department_id": cls.cardiology.id,
                    "attending_doctor_id": cls.emp_doctor.id,
                }
            )
        )

    def refused(self, model, method, args, kwargs=None):
        result, error = self._call(model, method, args, kwargs)
        self.assertFalse(result, f"{model}.{method} answered {result!r}")
        self.assertEqual(error.get("name"), ACCESS, error)
        self.assertIn("changed by the system only", error.get("message", ""))

    def test_no_role_writes_them(self):
        self.assertEqual(self.visit.diagnosis_code, "I10", "stored normalized")
        when = "2026-01-15 03:00:00"
        for user in (self.user_nurse, self.user_doctor, self.user_admin):
            with self.subTest(user=user.login):
                self.authenticate(user.login, user.login)
                patient = [self.patient_cardio.ids]
                self.refused("ihospital.patient", "write", [*patient, {"deceased": True}])
                self.refused("ihospital.patient", "write", [*patient, {"deceased_at": when}])
                self.refused("ihospital.visit", "write", [self.visit.ids, {"diagnosis_code": "E11.9"}])
                self.refused("ihospital.admission", "write", [self.admission.ids, {"surgery_at": when}])
                self.refused("ihospital.admission", "write", [self.admission.ids, {"surgery_name": "阑尾切除术"}])
                vals = {
                    "company_id": self.hospital.id,
                    "patient_id": self.patient_cardio.id,
                    "department_id": self.cardiology.id,
                }
                self.refused("ihospital.visit", "create", [{**vals, "diagnosis_code": "E11.9"}])
                self.refused("ihospital.visit", "create", [vals], {"context": {"default_diagnosis_code": "E11.9"}})
                self.refused(
                    "ihospital.patient",
                    "create",
                    [{"name": "x", "company_id": self.hospital.id}],
                    {"context": {"default_deceased": True}},
                )
        # the administrator edits the patient's other fields
        _result, error = self._call("ihospital.patient", "write", [self.patient_cardio.ids, {"address": "广州"}])
        self.assertFalse(error, error)
        self.assertEqual(self.patient_cardio.address, "广州")
        self.assertFalse(self.patient_cardio.deceased)
        self.assertEqual(self.visit.diagnosis_code, "I10")
        self.assertFalse(self.admission.surgery_at or self.admission.surgery_name)
