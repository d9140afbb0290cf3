from odoo.tests import HttpCase, tagged


@tagged("post_install", "-at_install")
class TestSmsCampaignUi(HttpCase):
    browser_size = "375x812"
    touch_enabled = True

    def test_administrator_reads_a_delivery_report_on_a_phone(self):
        campaign = self.env.ref("ihospital_staff.sms_campaign_power_cut_demo")
        self.assertEqual((campaign.state, campaign.report_failed), ("done", 2), "the demo's report")
        self.start_tour(
            "/odoo/action-ihospital_staff.ihospital_sms_campaign_action",
            "ihospital_sms_campaign_report",
            login="hospadmin",
        )
