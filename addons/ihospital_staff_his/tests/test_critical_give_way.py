"""New critical values first (issue 11): while results their source flags
critical wait to be applied, an escalation pass and the activities and SMS
give way to them, for GIVE_WAY_SECONDS at most past their own due time; the
results' processing wakes them when it has applied its lane. The activities
and SMS also give way to an escalation pass that runs, which wakes them."""

from datetime import timedelta

from freezegun import freeze_time

from odoo import fields, sql_db
from odoo.addons.ihospital_his.tests.common import HisCase
from odoo.addons.ihospital_his.tests.test_his_inbound import LAB
from odoo.addons.ihospital_staff.models.ihospital_critical_alert import ESCALATION_LOCK, GIVE_WAY_SECONDS
from odoo.addons.ihospital_staff.tests.common import CriticalCase
from odoo.tests import tagged

ESCALATION = "ihospital_staff.ir_cron_critical_escalation"
NOTICES = "ihospital_staff.ir_cron_critical_notices"


@tagged("post_install", "-at_install")
class TestCriticalGiveWay(CriticalCase, HisCase):
    def _waiting_critical(self, control_id="GW1"):
        """A critical result received from the HIS, not applied yet."""
        payload = {
            "control_id": control_id,
            "type": "lab.result",
            "protocol": "json",
            "raw": "{}",
            "data": dict(LAB, report_no=f"L-{control_id}"),
        }
        result = self.env["ihospital.his.endpoint"].with_user(self.user_gateway).gateway_submit("t-his", [payload])
        self.assertEqual(result[0]["state"], "received")
        self.assertTrue(self.Alert._new_criticals_waiting())

    def _triggers(self, xmlid):
        return self.env["ir.cron.trigger"].sudo().search([("cron_id", "=", self.env.ref(xmlid).id)])

    def test_nothing_waiting_nothing_gives_way(self):
        self.assertFalse(self.Alert._new_criticals_waiting())
        start = fields.Datetime.now()
        with freeze_time(start):
            alert = self._alerts(self._report())
        with freeze_time(start + timedelta(minutes=10, seconds=1)):
            self.Alert._cron_escalate()
        self.assertEqual(alert.level, 1)

    def test_an_escalation_gives_way_to_waiting_critical_results_for_a_while(self):
        start = fields.Datetime.now()
        with freeze_time(start):
            alert = self._alerts(self._report())
        # the demo hospital's open alerts fall due on their own timers: not in this test
        self.env.cr.execute("UPDATE ihospital_critical_alert SET next_escalation_at = NULL WHERE id != %s", [alert.id])
        due = alert.next_escalation_at
        self._waiting_critical()
        with freeze_time(due + timedelta(seconds=GIVE_WAY_SECONDS - 5)):
            self.Alert._cron_escalate()
            self.assertEqual((alert.level, alert.escalation_count), (0, 0), "the new critical value first")
        with freeze_time(due + timedelta(seconds=GIVE_WAY_SECONDS + 1)):
            self.Alert._cron_escalate()
            self.assertEqual((alert.level, alert.escalation_count), (1, 1), "never held longer")

    def test_notices_give_way_to_waiting_critical_results_for_a_while(self):
        start = fields.Datetime.now()
        with freeze_time(start):
            alert = self._alerts(self._report())
            self._waiting_critical()
            with self.mockSmsProvider():
                self.env["ihospital.critical.recipient"]._cron_send_notices()
            self.assertFalse(self._sms)
            self.assertTrue(all(alert.recipient_ids.mapped("notice_due")))
        with freeze_time(start + timedelta(seconds=GIVE_WAY_SECONDS + 1)), self.mockSmsProvider():
            self.env["ihospital.critical.recipient"]._cron_send_notices()
            self.assertEqual(len(self._sms), 2, "never held longer")
        self.assertFalse(any(alert.recipient_ids.mapped("notice_due")))

    def test_applying_the_lane_wakes_the_escalation_and_the_notices(self):
        self._waiting_critical()
        (self._triggers(ESCALATION) | self._triggers(NOTICES)).unlink()
        self.Message.sudo()._cron_process()
        self.assertFalse(self.Alert._new_criticals_waiting())
        self.assertTrue(self._triggers(ESCALATION))
        self.assertTrue(self._triggers(NOTICES))
        # the notices of the new alert then go out at once
        alert = self.Alert.sudo().search([("report_number", "=", "L-GW1")])
        self.assertTrue(alert)
        with self.mockSmsProvider():
            self.env["ihospital.critical.recipient"]._cron_send_notices()
        self.assertFalse(any(alert.recipient_ids.mapped("notice_due")))

    def test_ordinary_messages_wake_nothing(self):
        (self._triggers(ESCALATION) | self._triggers(NOTICES)).unlink()
        payload = {
            "control_id": "GW-N",
            "type": "lab.result",
            "protocol": "json",
            "raw": "{}",
            "data": dict(LAB, report_no="L-GW-N", results=LAB["results"][:1]),
        }
        self.env["ihospital.his.endpoint"].with_user(self.user_gateway).gateway_submit("t-his", [payload])
        self.Message.sudo()._cron_process()
        self.assertFalse(self._triggers(ESCALATION) | self._triggers(NOTICES))

    def test_notices_give_way_to_an_escalation_pass_that_runs(self):
        start = fields.Datetime.now()
        with freeze_time(start):
            alert = self._alerts(self._report())
        self.env.flush_all()
        # another worker's escalation pass, in its own transaction
        with sql_db.db_connect(self.env.cr.dbname).cursor() as pass_cr:
            pass_cr.execute("SELECT pg_advisory_xact_lock(%s)", [ESCALATION_LOCK])
            with freeze_time(start + timedelta(seconds=2)), self.mockSmsProvider():
                self.env["ihospital.critical.recipient"]._cron_send_notices()
                self.assertFalse(self._sms, "after the pass")
            with freeze_time(start + timedelta(seconds=GIVE_WAY_SECONDS + 1)), self.mockSmsProvider():
                self.env["ihospital.critical.recipient"]._cron_send_notices()
                self.assertEqual(len(self._sms), 2, "never held longer")
            pass_cr.rollback()
        self.assertFalse(any(alert.recipient_ids.mapped("notice_due")))

    def test_an_escalation_pass_wakes_the_notices(self):
        start = fields.Datetime.now()
        with freeze_time(start):
            self._alerts(self._report())
        self._triggers(NOTICES).unlink()
        with freeze_time(start + timedelta(minutes=10, seconds=1)):
            self.Alert._cron_escalate()
        self.assertTrue(self._triggers(NOTICES))
