"""The daily cap of texts to staff under parallel sends: two group SMS sent
at the same moment on separate connections, committed for real, as two
Odoo workers would send them."""

import threading

from odoo import SUPERUSER_ID, Command, api
from odoo.addons.ihospital_base.tests.common import CommittedCase
from odoo.tests import tagged
from odoo.tools import mute_logger

STAFF = 17


@tagged("post_install", "-at_install")
class TestSmsCapConcurrency(CommittedCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        with cls.committed_env({"tracking_disable": True}) as env:
            company = env.ref("base.main_company")
            department = env["hr.department"].create({"name": "Cap Race", "company_id": company.id})
            employees = env["hr.employee"].create(
                [
                    {
                        "name": f"Racer {n}",
                        "company_id": company.id,
                        "department_id": department.id,
                        "mobile_phone": f"1397777{n:04d}",
                    }
                    for n in range(STAFF)
                ]
            )
            template = env["ihospital.sms.template"].create(
                {
                    "name": "Cap race",
                    "code": "t_cap_race",
                    "purpose": "group",
                    "company_id": company.id,
                    "body": "${name}: drill at 8.",
                }
            )
            cls.ids = {
                "company": company.id,
                "department": department.id,
                "employees": employees.ids,
                "template": template.id,
                "campaigns": [],
                "cap": company.ihospital_sms_daily_cap,
                "provider": company.ihospital_sms_provider,
            }
            company.ihospital_sms_provider = "demo"

    @classmethod
    def tearDownClass(cls):
        with cls.registry.cursor() as cr:
            ids = cls.ids
            cr.execute(
                """DELETE FROM ihospital_sms_message WHERE res_model = 'ihospital.sms.campaign.recipient'
                      AND res_id IN (SELECT id FROM ihospital_sms_campaign_recipient WHERE campaign_id = ANY(%s))""",
                (ids["campaigns"],),
            )
            cr.execute("DELETE FROM ihospital_sms_campaign WHERE id = ANY(%s)", (ids["campaigns"],))
            env = api.Environment(cr, SUPERUSER_ID, {})
            env["ihospital.sms.template"].browse(ids["template"]).unlink()
            env["hr.employee"].browse(ids["employees"]).unlink()
            env["hr.department"].browse(ids["department"]).unlink()
            env["res.company"].browse(ids["company"]).write(
                {"ihospital_sms_daily_cap": ids["cap"], "ihospital_sms_provider": ids["provider"]}
            )
        super().tearDownClass()

    def _prepare(self, left):
        """Two draft group SMS to the department's 17, and `left` texts to
        staff left today at the hospital."""
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            company = env["res.company"].browse(self.ids["company"])
            company.ihospital_sms_daily_cap = 10**6
            used = 10**6 - company._ihospital_staff_sms_left()
            company.ihospital_sms_daily_cap = used + left
            campaigns = env["ihospital.sms.campaign"].create(
                [
                    {
                        "name": f"Drill {n}",
                        "company_id": company.id,
                        "template_id": self.ids["template"],
                        "department_ids": [Command.set([self.ids["department"]])],
                    }
                    for n in range(2)
                ]
            )
            self.ids["campaigns"] += campaigns.ids
            self.assertEqual(company._ihospital_staff_sms_left(), left)
            return campaigns.ids

    def _race(self, campaign_ids):
        """Send each group SMS in its own thread and transaction; both take
        their snapshot before either sends (the window of the hole), then
        send at once: {campaign: ("sent", attempts) or ("refused", message)
        or ("error", repr)}."""
        barrier = threading.Barrier(len(campaign_ids))

        def job(campaign_id):
            def send(env, tries):
                if tries == 1:
                    env.cr.execute("SELECT 1")  # the transaction's snapshot
                    barrier.wait(30)
                return env["ihospital.sms.campaign"].browse(campaign_id).action_send()

            return send

        with mute_logger("odoo.sql_db", "odoo.service.model"):
            results = self.in_parallel([job(campaign_id) for campaign_id in campaign_ids])
        return {
            campaign_id: ("sent", tries) if state == "done" else (state, value)
            for campaign_id, (state, value, tries) in zip(campaign_ids, results, strict=True)
        }

    def _texts(self, campaign_ids):
        """{campaign: (state, recipients, texts, distinct numbers texted)}"""
        with self.registry.cursor() as cr:
            cr.execute(
                """SELECT c.id, c.state, count(DISTINCT r.id), count(m.id), count(DISTINCT m.number)
                     FROM ihospital_sms_campaign c
                     LEFT JOIN ihospital_sms_campaign_recipient r ON r.campaign_id = c.id
                     LEFT JOIN ihospital_sms_message m
                            ON m.res_model = 'ihospital.sms.campaign.recipient' AND m.res_id = r.id
                    WHERE c.id = ANY(%s) GROUP BY c.id""",
                (campaign_ids,),
            )
            return {row[0]: row[1:] for row in cr.fetchall()}

    def _left(self):
        with self.registry.cursor() as cr:
            return (
                api.Environment(cr, SUPERUSER_ID, {})["res.company"]
                .browse(self.ids["company"])
                ._ihospital_staff_sms_left()
            )

    def test_two_parallel_group_sms_do_not_pass_the_cap(self):
        """Found at review (hole): with 20 left, two group SMS of 17 sent at
        once both went out (the second counted from a snapshot taken before
        the first committed)."""
        first, second = campaign_ids = self._prepare(left=20)
        results = self._race(campaign_ids)
        outcomes = sorted(outcome[0] for outcome in results.values())
        self.assertEqual(outcomes, ["refused", "sent"], results)
        [refused] = [outcome for outcome in results.values() if outcome[0] == "refused"]
        self.assertIn("needs 17 messages, but only 3 of the", refused[1])
        texts = self._texts(campaign_ids)
        sent = first if results[first][0] == "sent" else second
        self.assertEqual(texts[sent], ("queued", STAFF, STAFF, STAFF), "each of the 17 texted once")
        self.assertEqual(texts[first + second - sent], ("draft", 0, 0, 0), "the refused one left nothing behind")
        self.assertEqual(self._left(), 3)

    def test_two_parallel_group_sms_within_the_cap_both_go_once(self):
        campaign_ids = self._prepare(left=40)
        results = self._race(campaign_ids)
        self.assertEqual(sorted(outcome[0] for outcome in results.values()), ["sent", "sent"], results)
        self.assertEqual(
            sorted(tries for _state, tries in results.values()), [1, 2], "the one that waited was sent again, afresh"
        )
        texts = self._texts(campaign_ids)
        self.assertEqual(set(texts.values()), {("queued", STAFF, STAFF, STAFF)}, "nothing lost, nothing twice")
        self.assertEqual(self._left(), 40 - 2 * STAFF)
