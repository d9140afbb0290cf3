from odoo.tests import HttpCase, tagged


@tagged("post_install", "-at_install")
class TestRegulationUi(HttpCase):
    browser_size = "375x812"
    touch_enabled = True

    def test_a_nurse_reads_the_version_in_effect_on_a_phone(self):
        page = self.env.ref("ihospital_regulation.document_page_critical_value_demo")
        self.assertEqual(page.current_version, "2.0")
        self.start_tour(
            "/odoo/action-ihospital_regulation.document_page_action_read", "ihospital_regulation_read", login="nurse"
        )
