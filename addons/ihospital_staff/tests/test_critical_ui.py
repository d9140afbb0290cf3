from odoo.tests import HttpCase, tagged

from .common import CriticalCase


@tagged("post_install", "-at_install")
class TestCriticalUi(HttpCase, CriticalCase):
    """A doctor acknowledges a critical value on a phone-size screen."""

    browser_size = "375x667"

    def test_acknowledge_on_a_phone(self):
        alert = self._alerts(self._report())
        self.start_tour(
            "/odoo/action-ihospital_staff.ihospital_critical_alert_action_mine",
            "ihospital_staff_acknowledge_critical",
            login=self.user_doctor.login,
        )
        self.assertEqual((alert.state, alert.acknowledged_by_id), ("acknowledged", self.user_doctor))
        self.assertEqual(alert.event_ids.filtered(lambda e: e.kind == "readback_mismatch").value, "8.6")
