from odoo.tests import HttpCase, tagged

from .common import CriticalCase


@tagged("post_install", "-at_install")
class TestCriticalUi(HttpCase, CriticalCase):
    """A doctor acknowledges a critical value on a phone-size screen, then
    calls the outpatient back and records it."""

    browser_size = "375x667"

    def test_acknowledge_on_a_phone(self):
        self.patient_cardio.phone = "13912345678"
        alert = self._alerts(self._report())
        self.start_tour(
            "/odoo/action-ihospital_staff.ihospital_critical_alert_action_mine",
            "ihospital_staff_acknowledge_critical",
            login=self.user_doctor.login,
        )
        self.assertEqual(alert.acknowledged_by_id, self.user_doctor)
        self.assertEqual(alert.event_ids.filtered(lambda e: e.kind == "readback_mismatch").value, "8.6")
        # then, as an outpatient's: the phone shown, the patient notified
        self.assertEqual(alert.event_ids.filtered(lambda e: e.kind == "contact_shown").user_id, self.user_doctor)
        self.assertEqual(alert.state, "handled")
        self.assertEqual(alert.event_ids.filtered(lambda e: e.kind == "handled").handling_kind, "patient_notified")
