"""Issue 11: an outpatient's contact path. The doctor decides whether the
patient is called: the alert's clinicians see the patient's phone on
demand, each showing is in the trail and the access log; nobody else sees
it, and an inpatient is told on the ward."""

from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, tagged

from .common import CriticalCase


@tagged("post_install", "-at_install")
class TestCriticalContact(CriticalCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.patient_cardio.phone = "13912345678"

    def _alert(self, name="LAB-CT-1"):
        return self._alerts(self._report(name=name))

    def test_the_alerts_doctor_sees_the_phone_and_it_is_recorded(self):
        alert = self._alert()
        Log = self.env["ihospital.access.log"]
        before = Log.search_count([("user_id", "=", self.user_doctor.id), ("res_model", "=", "ihospital.patient")])
        action = alert.with_user(self.user_doctor).action_contact_patient()
        wizard = self.env[action["res_model"]].with_user(self.user_doctor).browse(action["res_id"])
        self.assertEqual(wizard.phone, "+8613912345678")
        self.assertFalse(wizard.guardian_phone)
        shown = alert.event_ids.filtered(lambda e: e.kind == "contact_shown")
        self.assertEqual(shown.user_id, self.user_doctor)
        logs = Log.search([("user_id", "=", self.user_doctor.id), ("res_model", "=", "ihospital.patient")])
        self.assertEqual(len(logs), before + 1)
        self.assertEqual(logs[0].res_ids, str(self.patient_cardio.id))
        self.assertIn(alert.name, logs[0].detail)
        # the numbers stay with the one who asked
        with self.assertRaises(AccessError):
            wizard.with_user(self.user_head).read(["phone"])

    def test_a_minors_guardian_is_shown_too(self):
        self.patient_cardio.write({"guardian_name": "Chen Li", "guardian_phone": "13800138000", "phone": False})
        action = self._alert().with_user(self.user_nurse).action_contact_patient()
        wizard = self.env[action["res_model"]].browse(action["res_id"])
        self.assertEqual(
            (wizard.phone, wizard.guardian_name, wizard.guardian_phone), (False, "Chen Li", "+8613800138000")
        )

    def test_patient_notified_opens_the_handling_prefilled(self):
        alert = self._alert()
        alert.with_user(self.user_doctor).action_acknowledge("6.8")
        action = alert.with_user(self.user_doctor).action_contact_patient()
        contact = self.env[action["res_model"]].with_user(self.user_doctor).browse(action["res_id"])
        handling = contact.action_patient_notified()
        self.assertEqual(handling["res_model"], "ihospital.critical.handle.wizard")
        form = Form(self.env[handling["res_model"]].with_user(self.user_doctor).with_context(**handling["context"]))
        self.assertEqual(form.kind, "patient_notified")
        form.note = "已电话通知患者立即返院复查"
        form.save().action_confirm()
        self.assertEqual(alert.state, "handled")

    def test_who_must_not_see_the_phone(self):
        alert = self._alert()
        for user in (
            self.user_surgery_nurse,
            self.user_doctor_2,
            self.user_quality,
            self.user_director,
            self.user_admin,
        ):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                alert.with_user(user).action_contact_patient()
        self.assertFalse(alert.event_ids.filtered(lambda e: e.kind == "contact_shown"))

    def test_an_inpatient_or_unknown_patient_or_closed_alert_is_refused_clearly(self):
        self.env["ihospital.admission"].create(
            {
                "name": "ZY-CT-1",
                "company_id": self.hospital.id,
                "patient_id": self.patient_cardio.id,
                "department_id": self.cardiology.id,
                "ward": "心内科一病区",
                "bed": "12",
            }
        )
        inpatient = self._alert()
        self.assertTrue(inpatient.is_inpatient)
        with self.assertRaisesRegex(UserError, "心内科一病区"):
            inpatient.with_user(self.user_doctor).action_contact_patient()
        unknown = self._alerts(self._report(name="LAB-CT-2", patient_id=False, his_patient_ref="P-UNKNOWN"))
        with self.assertRaisesRegex(UserError, "not identified"):
            unknown.with_user(self.user_head).action_contact_patient()
