from odoo.tests import HttpCase, tagged


@tagged("post_install", "-at_install")
class TestDirectoryUi(HttpCase):
    browser_size = "375x812"
    touch_enabled = True

    def test_find_a_colleague_by_initials_on_a_phone(self):
        """The demo nurse finds Dr 李晓明 by typing lxm, sees his numbers to
        tap and opens a chat with him (voice message button included)."""
        doctor = self.env.ref("ihospital_base.hr_employee_cardiology_3_demo")
        self.assertEqual((doctor.name, doctor.directory_show_mobile), ("李晓明", True))
        url = "/odoo/action-ihospital_staff.hr_employee_public_action_directory"
        self.start_tour(url, "ihospital_staff_directory", login="nurse")
        nurse = self.env.ref("ihospital_base.user_nurse_demo")
        chat = self.env["discuss.channel"].search(
            [("channel_type", "=", "chat"), ("channel_member_ids.partner_id", "=", nurse.partner_id.id)]
        )
        self.assertIn(doctor.user_id.partner_id, chat.channel_member_ids.partner_id)
