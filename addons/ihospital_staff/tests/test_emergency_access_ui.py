"""Break the glass from the staff app, on a phone (375 px)."""

from odoo.tests import HttpCase, tagged

from .test_workbench import WorkbenchCase


@tagged("post_install", "-at_install")
class TestEmergencyAccessUi(HttpCase, WorkbenchCase):
    browser_size = "375x667"

    def test_a_nurse_breaks_the_glass_on_a_phone(self):
        self.start_tour(
            "/odoo/action-ihospital_staff.ihospital_staff_workbench_action",
            "ihospital_emergency_access",
            login=self.user_nurse.login,
        )
        access = self.env["ihospital.emergency.access"].search([("user_id", "=", self.user_nurse.id)])
        self.assertEqual((access.patient_id, access.reason_kind), (self.patient_surgery, "consultation"))
        self.assertEqual(access.state, "active")

    def test_the_offer_is_for_clinicians(self):
        Workbench = self.env["ihospital.staff.workbench"]
        self.assertTrue(Workbench.with_user(self.user_nurse).get_data()["can_break_glass"])
        self.assertFalse(Workbench.with_user(self.user_quality).get_data()["can_break_glass"])
        self.assertFalse(Workbench.with_user(self.user_director).get_data()["can_break_glass"])
