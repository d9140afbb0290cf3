from datetime import timedelta

from odoo import fields
from odoo.tests import tagged
from odoo.tests.common import HttpCase, TransactionCase

from ..models.ihospital_critical_alert import OPEN_STATES


@tagged("post_install", "-at_install")
class TestCriticalDemo(TransactionCase):
    """The demo hospital's month of critical values: enough, and
    realistic enough, for the supervision dashboard to show something real,
    with trails that hold together."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.main = cls.env.ref("base.main_company")
        cls.alerts = cls.env["ihospital.critical.alert"].search([("company_id", "=", cls.main.id)])
        cls.now = fields.Datetime.now()

    def test_a_month_of_every_source_and_several_departments(self):
        self.assertGreater(len(self.alerts), 100)
        self.assertLess(len(self.alerts), 400, "a few hundred at most")
        self.assertEqual(set(self.alerts.mapped("source")), {"lab", "vital", "imaging"})
        self.assertGreaterEqual(len(self.alerts.department_id), 8)
        oldest = min(self.alerts.mapped("detected_at"))
        self.assertLess(oldest, self.now - timedelta(days=27))
        self.assertGreater(oldest, self.now - timedelta(days=31))
        self.assertTrue(all(alert.detected_at <= self.now for alert in self.alerts))

    def test_a_realistic_mix(self):
        closed = self.alerts.filtered(lambda a: a.state == "closed")
        acknowledged = self.alerts.filtered("acknowledged_at")
        in_target = acknowledged.filtered(lambda a: a.minutes_to_acknowledge <= self.main.critical_ack_target_minutes)
        self.assertGreater(len(closed), 0.8 * len(self.alerts) - 10)
        self.assertTrue(0.7 < len(in_target) / len(acknowledged) < 0.97, len(in_target) / len(acknowledged))
        self.assertTrue(self.alerts.filtered("escalation_count"))
        self.assertTrue(self.alerts.filtered(lambda a: a.level == 2), "some were handled late")
        withdrawn = self.alerts.filtered(lambda a: a.state == "withdrawn")
        self.assertTrue(2 <= len(withdrawn) <= 20)
        self.assertTrue(all(alert.withdrawn_reason for alert in withdrawn))
        self.assertTrue(withdrawn.filtered("acknowledged_at"), "one withdrawn after its acknowledgement")
        opened = self.alerts.filtered(lambda a: a.state in OPEN_STATES)
        self.assertEqual(set(opened.mapped("state")), {"to_acknowledge", "acknowledged", "handled"})
        self.assertTrue(3 <= len(opened) <= 10)
        overdue = opened.filtered(
            lambda a: a.state in ("to_acknowledge", "acknowledged") and (a.level or a.next_escalation_at <= self.now)
        )
        self.assertTrue(overdue and overdue != opened, "some open alerts are overdue, not all")
        kinds = set(self.alerts.event_ids.mapped("handling_kind"))
        self.assertTrue({"retest", "treatment", "consult", "patient_notified"} <= kinds, kinds)
        self.assertTrue(self.alerts.event_ids.filtered(lambda e: e.kind == "readback_mismatch"))

    def test_trails_hold_together(self):
        Recipient = self.env["ihospital.critical.recipient"]
        for alert in self.alerts:
            events = alert.event_ids.sorted(lambda e: (e.at, e.id))
            kinds = events.mapped("kind")
            self.assertEqual(kinds[0], "detected", alert.name)
            self.assertEqual(events[0].at.replace(microsecond=0), alert.detected_at.replace(microsecond=0))
            self.assertEqual(events, alert.event_ids.sorted("id"), f"{alert.name}: steps in the order they happened")
            self.assertTrue(all(event.at <= self.now for event in events), alert.name)
            self.assertEqual(kinds.count("escalated"), alert.escalation_count, alert.name)
            if alert.acknowledged_at:
                self.assertAlmostEqual(
                    (alert.acknowledged_at - alert.detected_at).total_seconds() / 60,
                    alert.minutes_to_acknowledge,
                    delta=0.05,
                )
                step = events.filtered(lambda e: e.kind == "acknowledged")
                self.assertEqual(step.at.replace(microsecond=0), alert.acknowledged_at.replace(microsecond=0))
                if alert.state != "withdrawn":  # a withdrawn alert shows the corrected value
                    self.assertEqual(step.value, alert.value, "read back as reported")
                self.assertTrue(
                    alert.acknowledged_by_id in alert.recipient_ids.user_id
                    or alert.acknowledged_by_id in alert.department_id.member_ids.user_id,
                    alert.name,
                )
            if alert.state == "closed":
                self.assertEqual(kinds[-1], "closed")
                self.assertLessEqual(alert.acknowledged_at, alert.handled_at)
                self.assertLessEqual(alert.handled_at, alert.closed_at)
                self.assertTrue(alert.closed_by_id.has_group("ihospital_base.group_doctor"))
        late = self.alerts.filtered(lambda a: a.minutes_to_acknowledge > 10)
        self.assertTrue(all(alert.escalation_count for alert in late), "late alerts were escalated on the timers")
        # nothing left for the notices cron or the receipts: they went out back then
        self.assertFalse(Recipient.search_count([("alert_id", "in", self.alerts.ids), ("notice_due", "=", True)]))
        self.assertFalse(self.alerts.filtered("receipt_due"))
        # those waiting for acknowledgement are on their recipients' to-do lists
        waiting = self.alerts.filtered(lambda a: a.state == "to_acknowledge")
        for alert in waiting:
            self.assertEqual(alert.activity_ids.user_id, alert.recipient_ids.user_id, alert.name)

    def test_the_dashboard_shows_something_real(self):
        quality = self.env.ref("ihospital_base.user_quality_demo")
        data = self.env["ihospital.critical.dashboard"].with_user(quality).get_data(False, False)
        totals = data["totals"]
        self.assertGreater(totals["count"], 100)
        self.assertTrue(totals["ack_in_target_rate"] and totals["ack_median"] and totals["handle_p90"])
        self.assertTrue(totals["escalated"] and totals["open"] and totals["overdue"])
        self.assertEqual({row["key"] for row in data["by_source"]}, {"lab", "vital", "imaging"})
        self.assertGreaterEqual(len(data["by_department"]), 8)
        self.assertGreater(sum(1 for day in data["by_day"] if day["count"]), 27)
        # the demo head sees his department's only
        head = self.env.ref("ihospital_base.user_head_demo")
        head_data = self.env["ihospital.critical.dashboard"].with_user(head).get_data(False, False)
        self.assertEqual([row["name"] for row in head_data["by_department"]], ["心血管内科"])
        self.assertGreater(head_data["totals"]["count"], 5)


@tagged("post_install", "-at_install")
class TestCriticalDashboardTour(HttpCase):
    """The demo quality officer on a phone: the figures, then an escalated
    alert's trail."""

    browser_size = "375x812"
    touch_enabled = True

    def test_quality_officer_drills_down_to_a_trail_on_a_phone(self):
        self.start_tour(
            "/odoo/action-ihospital_staff.ihospital_critical_dashboard_action",
            "ihospital_staff_critical_dashboard",
            login="quality",
        )
