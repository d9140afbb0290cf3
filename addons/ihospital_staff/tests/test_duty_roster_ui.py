from odoo.tests import HttpCase, tagged


@tagged("post_install", "-at_install")
class TestDutyRosterUi(HttpCase):
    browser_size = "375x812"
    touch_enabled = True

    def test_nurse_sees_who_is_on_duty_on_a_phone(self):
        main = self.env.ref("base.main_company")
        self.assertTrue(self.env["ihospital.duty.shift"]._on_duty(main), "the demo roster covers now")
        self.start_tour(
            "/odoo/action-ihospital_staff.ihospital_duty_shift_action_on_duty", "ihospital_staff_on_duty", login="nurse"
        )
