"""Emergency access (break the glass): a nurse or doctor states why and
reads one patient of another department for a few hours, in the record
rules; the grant and the views under it are logged; the quality office
reviews it. Refused to the other roles, hospitals and over RPC tricks."""

from datetime import timedelta

from freezegun import freeze_time

from odoo import fields
from odoo.addons.ihospital_base.models.ihospital_emergency_access import MAX_GRANTS_PER_DAY
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import HttpCase, new_test_user, tagged

from .common import IhospitalCase, RpcMixin

REASON = "急诊抢救，需查看既往检验结果和过敏史"


class EmergencyCase(IhospitalCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # cardiology's nurse (t_nurse) does not see surgery's patient
        cls.lab_surgery = cls.env["ihospital.lab.report"].create(
            {
                "company_id": cls.hospital.id,
                "name": "LAB-GLASS-1",
                "patient_id": cls.patient_surgery.id,
                "department_id": cls.surgery.id,
                "title": "Electrolytes",
                "result_ids": [(0, 0, {"name": "Potassium", "value": "3.1", "unit": "mmol/L", "flag": "L"})],
            }
        )
        cls.admission_surgery = cls.env["ihospital.admission"].create(
            {
                "company_id": cls.hospital.id,
                "patient_id": cls.patient_surgery.id,
                "department_id": cls.surgery.id,
                "name": "ZY-GLASS-1",
            }
        )
        cls.order_surgery = cls.env["ihospital.medical.order"].create(
            {
                "company_id": cls.hospital.id,
                "name": "YZ-GLASS-1",
                "patient_id": cls.patient_surgery.id,
                "admission_id": cls.admission_surgery.id,
                "department_id": cls.surgery.id,
                "kind": "drug",
                "item_name": "头孢呋辛钠注射液",
                "start_at": "2026-12-01 08:00:00",
            }
        )
        cls.execution_surgery = cls.env["ihospital.order.execution"].create(
            {"name": "ZX-GLASS-1", "order_id": cls.order_surgery.id, "executed_at": "2026-12-01 09:00:00"}
        )
        cls.patient_surgery_other = cls.env["ihospital.patient"].create(
            {"name": "Wu Meiling", "company_id": cls.hospital.id, "medical_card_number": "T0003"}
        )
        cls.env["ihospital.visit"].create(
            {
                "company_id": cls.hospital.id,
                "patient_id": cls.patient_surgery_other.id,
                "department_id": cls.surgery.id,
                "doctor_id": cls.emp_surgeon.id,
            }
        )
        cls.user_nurse_other = new_test_user(
            cls.env,
            login="t_nurse_other",
            groups="ihospital_base.group_nurse",
            company_id=cls.hospital.id,
            company_ids=[cls.hospital.id],
        )
        cls.env["hr.employee"].create(
            {
                "name": "Nurse Zhou",
                "user_id": cls.user_nurse_other.id,
                "company_id": cls.hospital.id,
                "department_id": cls.cardiology.id,
                "ihospital_role": "nurse",
            }
        )
        cls.Access = cls.env["ihospital.emergency.access"]

    def _break(self, user, patient=None, kind="emergency", reason=REASON):
        patient = patient or self.patient_surgery
        patient.with_user(user)._break_glass(kind, reason)
        return self.Access.search([("user_id", "=", user.id), ("patient_id", "=", patient.id)], limit=1)

    def _grants(self):
        """The grants of the test's hospitals (the demo has its own)."""
        return self.Access.search([("company_id", "in", (self.hospital | self.hospital_2).ids)])

    def _sees(self, user, records):
        self.env.invalidate_all()
        return records.with_user(user).has_access("read")


@tagged("post_install", "-at_install")
class TestEmergencyAccess(EmergencyCase):
    def test_grant_widens_exactly_that_patient_for_that_user(self):
        clinical = (
            self.patient_surgery,
            self.visit_surgery,
            self.lab_surgery,
            self.lab_surgery.result_ids,
            self.admission_surgery,
            self.order_surgery,
            self.execution_surgery,
        )
        self.assertFalse(any(self._sees(self.user_nurse, records) for records in clinical))
        access = self._break(self.user_nurse)
        self.assertEqual(access.state, "active")
        self.assertEqual(access.department_id, self.cardiology)
        for records in clinical:
            self.assertTrue(self._sees(self.user_nurse, records), records)
        # the nurse found it through the rules too (a search, not just a read)
        Patient = self.env["ihospital.patient"].with_user(self.user_nurse)
        self.assertIn(self.patient_surgery, Patient.search([("name", "=", "Liang Wanting")]))
        self.assertEqual(self.patient_surgery.with_user(self.user_nurse).visit_ids, self.visit_surgery)
        # no other patient of that department, no other nurse
        self.assertFalse(self._sees(self.user_nurse, self.patient_surgery_other))
        self.assertFalse(self._sees(self.user_nurse_other, self.patient_surgery))
        self.assertFalse(self._sees(self.user_nurse_other, self.visit_surgery))
        # reading, not changing
        with self.assertRaises(AccessError):
            self.visit_surgery.with_user(self.user_nurse).write({"diagnosis": "changed"})
        with self.assertRaises(AccessError):
            self.patient_surgery.with_user(self.user_nurse).write({"address": "changed"})

    def test_a_grant_links_nothing(self):
        """Registering a visit in one's own department would keep the
        patient in view after the grant: refused."""
        self._break(self.user_nurse)
        with self.assertRaises(AccessError):
            self.env["ihospital.visit"].with_user(self.user_nurse).create(
                {
                    "company_id": self.hospital.id,
                    "patient_id": self.patient_surgery.id,
                    "department_id": self.cardiology.id,
                }
            )

    def test_the_grant_expires_without_any_cache_to_clear(self):
        self.hospital.ihospital_emergency_access_hours = 2
        now = fields.Datetime.now()
        with freeze_time(now):
            access = self._break(self.user_doctor)
        self.assertEqual(access.expires_at - access.granted_at, timedelta(hours=2))
        with freeze_time(now + timedelta(hours=1, minutes=59)):
            self.assertTrue(self._sees(self.user_doctor, self.patient_surgery))
            self.assertTrue(self._sees(self.user_doctor, self.lab_surgery.result_ids))
        # the same user, the rule domains already cached: past expiry, nothing
        with freeze_time(now + timedelta(hours=2, minutes=1)):
            self.assertFalse(self._sees(self.user_doctor, self.patient_surgery))
            self.assertFalse(self._sees(self.user_doctor, self.lab_surgery.result_ids))
            self.assertEqual(access.state, "expired")
            self.assertFalse(self.patient_surgery.with_user(self.user_doctor).has_emergency_access)
        # an expiry moved by the engine counts at once too
        with freeze_time(now):
            self.assertTrue(self._sees(self.user_doctor, self.patient_surgery))
            access.sudo().expires_at = now - timedelta(seconds=1)
            self.assertFalse(self._sees(self.user_doctor, self.patient_surgery))

    def test_the_hospital_chooses_the_duration(self):
        with self.assertRaises(ValidationError):
            self.hospital.ihospital_emergency_access_hours = 0
        with self.assertRaises(ValidationError):
            self.hospital.ihospital_emergency_access_hours = 25
        self.assertEqual(self.hospital_2.ihospital_emergency_access_hours, 4)

    def test_ending_early(self):
        access = self._break(self.user_nurse)
        with self.assertRaises(AccessError):
            access.with_user(self.user_nurse_other).action_revoke()
        access.with_user(self.user_nurse).action_revoke()
        self.assertEqual(access.state, "revoked")
        self.assertFalse(self._sees(self.user_nurse, self.patient_surgery))
        with self.assertRaises(UserError):
            access.with_user(self.user_nurse).action_revoke()

    def test_one_grant_at_a_time_and_a_few_a_day(self):
        """Found at review: a second grant while the first still ran was
        granted (the check that the clinician sees the patient leaves the
        grants out), and nothing bounded how many patients one clinician
        opened this way."""
        self._break(self.user_nurse)
        with self.assertRaisesMsg(UserError, "it has not expired"):
            self.patient_surgery.with_user(self.user_nurse)._break_glass("emergency", REASON)
        self.assertEqual(len(self._grants()), 1)
        Patient = self.env["ihospital.patient"]
        others = Patient.create(
            [
                {"name": f"Patient {index}", "company_id": self.hospital.id, "medical_card_number": f"TX{index:03}"}
                for index in range(MAX_GRANTS_PER_DAY)
            ]
        )
        for patient in others[: MAX_GRANTS_PER_DAY - 1]:
            patient.with_user(self.user_nurse)._break_glass("emergency", REASON)
        with self.assertRaisesMsg(UserError, "ask the quality office"):
            others[-1].with_user(self.user_nurse)._break_glass("emergency", REASON)
        self.assertEqual(len(self._grants()), MAX_GRANTS_PER_DAY)

    def test_a_grant_links_no_account_to_the_patient(self):
        """Found at review (hole): a nurse who read a patient through a
        grant confirmed a portal account's claim on that patient at the
        desk: the account then saw the patient's appointments and reports
        for good."""
        # as the portal route makes it: the account's own claim, unconfirmed
        link = (
            self.env["ihospital.patient.account"]
            .with_user(self.user_portal)
            .sudo()
            .create({"patient_id": self.patient_surgery.id, "user_id": self.user_portal.id, "relation": "self"})
        )
        self.assertEqual(link.state, "unconfirmed")
        self._break(self.user_nurse)
        with self.assertRaises(AccessError):
            link.with_user(self.user_nurse).action_confirm_at_desk()
        self.assertEqual(link.state, "unconfirmed")

    def test_refused_roles_hospitals_and_reasons(self):
        for user in (self.user_quality, self.user_director, self.user_portal):
            with self.assertRaises(AccessError, msg=user.login):
                self.patient_surgery.with_user(user)._break_glass("emergency", REASON)
        # another hospital's doctor, even knowing the id
        with self.assertRaises(AccessError):
            self.patient_surgery.with_user(self.user_doctor_2)._break_glass("emergency", REASON)
        with self.assertRaises(UserError):
            self.patient_surgery.with_user(self.user_nurse)._break_glass("emergency", "急诊")
        with self.assertRaises(UserError):
            self.patient_surgery.with_user(self.user_nurse)._break_glass("curious", REASON)
        # a patient the clinician sees already needs no grant
        with self.assertRaises(UserError):
            self.patient_cardio.with_user(self.user_nurse)._break_glass("emergency", REASON)
        # context keys are no roles
        nurse_env = self.env(user=self.user_quality, context={"sudo": True, "ihospital_his_inbound": True})
        with self.assertRaises(AccessError):
            self.patient_surgery.with_env(nurse_env)._break_glass("emergency", REASON)
        self.assertFalse(self._grants())

    def test_grants_are_the_engines(self):
        access = self._break(self.user_nurse)
        Access = self.Access.with_user(self.user_nurse)
        with self.assertRaises(AccessError):
            Access.create(
                {
                    "user_id": self.user_nurse.id,
                    "patient_id": self.patient_surgery_other.id,
                    "company_id": self.hospital.id,
                    "reason_kind": "emergency",
                    "reason": REASON,
                    "granted_at": fields.Datetime.now(),
                    "expires_at": fields.Datetime.now() + timedelta(days=30),
                }
            )
        with self.assertRaises(AccessError):
            access.with_user(self.user_nurse).write({"expires_at": fields.Datetime.now() + timedelta(days=30)})
        with self.assertRaises(AccessError):
            access.with_user(self.user_quality).write({"expires_at": fields.Datetime.now() + timedelta(days=30)})
        with self.assertRaises(AccessError):
            access.with_user(self.user_quality).write({"user_id": self.user_nurse_other.id})
        # a clinician sees her or his own grants only
        self.assertFalse(self.Access.with_user(self.user_nurse_other).search([]))

    def test_grant_and_views_are_logged_as_emergency_access(self):
        Log = self.env["ihospital.access.log"]
        access = self._break(self.user_nurse)
        grant_log = Log.search([("user_id", "=", self.user_nurse.id), ("operation", "=", "emergency")])
        self.assertEqual(grant_log.emergency_access_id, access)
        self.assertEqual(grant_log.res_ids, str(self.patient_surgery.id))
        self.assertIn(REASON, grant_log.detail)
        self.patient_surgery.with_user(self.user_nurse).read(["name"])
        self.lab_surgery.result_ids.with_user(self.user_nurse).read(["value"])
        self.patient_cardio.with_user(self.user_nurse).read(["name"])
        reads = Log.search([("user_id", "=", self.user_nurse.id), ("operation", "=", "read")], order="id")
        self.assertEqual(reads.mapped("res_model"), ["ihospital.patient", "ihospital.lab.result", "ihospital.patient"])
        self.assertEqual(reads.emergency_access_id, access)
        self.assertFalse(reads[-1].emergency_access_id, "her own department's patient is no emergency access")
        self.assertEqual(access.access_log_count, 3)
        self.assertTrue(self.patient_surgery.with_user(self.user_nurse).has_emergency_access)
        self.assertEqual(self.patient_surgery.with_user(self.user_nurse).emergency_access_expires_at, access.expires_at)

    def test_review_by_the_quality_office_only(self):
        access = self._break(self.user_doctor)
        for user in (self.user_doctor, self.user_nurse, self.user_director, self.user_head):
            with self.assertRaises(AccessError, msg=user.login):
                access.with_user(user).action_review_appropriate()
        self.assertEqual(access.review_state, "to_review")
        quality_access = access.with_user(self.user_quality)
        with self.assertRaises(UserError):
            quality_access.action_review_inappropriate()  # says why
        quality_access.review_note = "与患者无诊疗关系，查询理由不成立"
        quality_access.action_review_inappropriate()
        self.assertEqual((access.review_state, access.reviewed_by_id), ("inappropriate", self.user_quality))
        with self.assertRaises(UserError):
            quality_access.action_review_appropriate()
        with self.assertRaises(UserError):
            quality_access.review_note = "rewritten"
        # the clinician cannot write the review either
        with self.assertRaises(AccessError):
            access.with_user(self.user_doctor).write({"review_note": "all fine"})

    def test_the_number_the_clinician_has_in_hand(self):
        Wizard = self.env["ihospital.emergency.access.wizard"].with_user(self.user_nurse)
        with self.assertRaises(UserError):
            Wizard.create(
                {"identifier": "Liang Wanting", "reason_kind": "emergency", "reason": REASON}
            ).action_confirm()
        with self.assertRaises(UserError):
            Wizard.create({"identifier": "T000", "reason_kind": "emergency", "reason": REASON}).action_confirm()
        action = Wizard.create(
            {"identifier": "T0002", "reason_kind": "consultation", "reason": REASON}
        ).action_confirm()
        self.assertEqual((action["res_model"], action["res_id"]), ("ihospital.patient", self.patient_surgery.id))
        self.assertEqual(self._grants().reason_kind, "consultation")
        # again while the grant runs: the patient opens, no second grant
        Wizard.create({"identifier": "T0002", "reason_kind": "emergency", "reason": REASON}).action_confirm()
        self.assertEqual(len(self._grants()), 1)
        with self.assertRaises(AccessError):
            self.env["ihospital.emergency.access.wizard"].with_user(self.user_quality).create(
                {"identifier": "T0002", "reason_kind": "emergency", "reason": REASON}
            ).action_confirm()


@tagged("post_install", "-at_install")
class TestEmergencyAccessRpc(RpcMixin, HttpCase, EmergencyCase):
    def _login(self, user):
        self.authenticate(user.login, user.login)

    def _wizard(self, identifier, context=None):
        """Break the glass as the staff app does: the wizard, with a number."""
        kwargs = {"context": context} if context else {}
        vals = {"identifier": identifier, "reason_kind": "emergency", "reason": REASON}
        wizard_id, error = self._call("ihospital.emergency.access.wizard", "create", [vals], kwargs)
        if error:
            return None, error
        return self._call("ihospital.emergency.access.wizard", "action_confirm", [[wizard_id]], kwargs)

    def test_break_the_glass_over_rpc(self):
        self._login(self.user_nurse)
        _result, error = self._call("ihospital.patient", "read", [self.patient_surgery.ids, ["name"]])
        self.assertEqual(error.get("name"), "odoo.exceptions.AccessError")
        # found at review (hole): the grant was a public method taking a
        # record id, so a nurse broke the glass on any patient by id
        for method in ("action_break_glass", "_break_glass"):
            _result, error = self._call("ihospital.patient", method, [self.patient_surgery.ids, "emergency", REASON])
            self.assertTrue(error, method)
        self.assertFalse(self._grants())
        result, error = self._wizard("T0002")
        self.assertFalse(error)
        self.assertEqual(result["res_id"], self.patient_surgery.id)
        result, error = self._call("ihospital.patient", "read", [self.patient_surgery.ids, ["name"]])
        self.assertEqual(result[0]["name"], "Liang Wanting")
        access = self.Access.search([("user_id", "=", self.user_nurse.id)])
        _result, error = self._call(
            "ihospital.emergency.access",
            "write",
            [access.ids, {"expires_at": "2099-01-01 00:00:00"}],
            {"context": {"sudo": True, "ihospital_his_inbound": True}},
        )
        self.assertEqual(error.get("name"), "odoo.exceptions.AccessError")
        _result, error = self._call(
            "ihospital.emergency.access",
            "create",
            [{"patient_id": self.patient_surgery_other.id, "reason_kind": "other", "reason": REASON}],
            {"context": {"default_user_id": self.user_nurse.id, "sudo": True}},
        )
        self.assertEqual(error.get("name"), "odoo.exceptions.AccessError")
        _result, error = self._call("ihospital.emergency.access", "action_review_appropriate", [access.ids])
        self.assertEqual(error.get("name"), "odoo.exceptions.AccessError")
        self.assertEqual(access.review_state, "to_review")

    def test_wrong_roles_are_refused_over_rpc_whatever_the_context(self):
        invented = {"sudo": True, "su": True, "ihospital_his_inbound": True, "ihospital_engine": True}
        for user in (self.user_quality, self.user_director, self.user_portal, self.user_doctor_2):
            self._login(user)
            _result, error = self._wizard("T0002", context=invented)
            # another hospital's doctor is told the number is unknown there
            expected = "odoo.exceptions.UserError" if user == self.user_doctor_2 else "odoo.exceptions.AccessError"
            self.assertEqual(error.get("name"), expected, user.login)
        self.assertFalse(self._grants())

    def test_review_over_rpc(self):
        access = self._break(self.user_doctor)
        self._login(self.user_doctor)
        _result, error = self._call(
            "ihospital.emergency.access", "write", [access.ids, {"review_state": "appropriate"}]
        )
        self.assertEqual(error.get("name"), "odoo.exceptions.AccessError")
        self._login(self.user_director)
        _result, error = self._call(
            "ihospital.emergency.access",
            "action_review_appropriate",
            [access.ids],
            {"context": {"sudo": True}},
        )
        self.assertEqual(error.get("name"), "odoo.exceptions.AccessError")
        self._login(self.user_quality)
        _result, error = self._call("ihospital.emergency.access", "action_review_appropriate", [access.ids])
        self.assertFalse(error)
        self.assertEqual(access.review_state, "appropriate")
