from odoo.addons.ihospital_base.models.ihospital_sms import sms_number
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

    def test_department_head_texts_his_department_on_a_phone(self):
        """The demo head (陈志远, 心血管内科) writes a group SMS to his
        department, reads the preview (6 colleagues with a mobile, none opted
        out: 6 messages) and sends it."""
        head = self.env.ref("ihospital_base.user_head_demo")
        cardiology = self.env.ref("ihospital_base.hr_department_cardiology_demo")
        self.assertEqual(cardiology.manager_id.user_id, head)
        staff = cardiology._ihospital_staff(cardiology.company_id)
        numbers = {sms_number(employee.mobile_phone) for employee in staff}
        self.assertEqual(len(staff), 6)
        self.assertEqual(len(numbers - {False}), 6, "the tour expects 6 recipients")
        self.assertFalse(self.env["ihospital.sms.optout"]._ihospital_opted_out(cardiology.company_id, numbers))
        self.start_tour(
            "/odoo/action-ihospital_staff.ihospital_sms_campaign_action", "ihospital_sms_campaign_send", login="head"
        )
        campaign = self.env["ihospital.sms.campaign"].search([("name", "=", "心内科业务学习通知")])
        self.assertEqual((campaign.user_id, campaign.department_ids, campaign.state), (head, cardiology, "queued"))
        self.assertEqual(campaign.recipient_ids.employee_id, staff)
        messages = self.env["ihospital.sms.message"].search(
            [("res_model", "=", "ihospital.sms.campaign.recipient"), ("res_id", "in", campaign.recipient_ids.ids)]
        )
        self.assertEqual(set(messages.mapped("number")), numbers)
        self.assertEqual(set(messages.mapped("state")), {"queued"})
        self.assertTrue(all("周四17:30在心内科示教室召开" in body for body in messages.mapped("body")))
