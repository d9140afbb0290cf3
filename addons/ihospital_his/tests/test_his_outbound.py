from datetime import timedelta
from unittest.mock import patch

from odoo import fields
from odoo.tests import tagged

from .common import HisCase


@tagged("post_install", "-at_install")
class TestHisOutbound(HisCase):
    def setUp(self):
        super().setUp()
        self.Endpoint = self.env["ihospital.his.endpoint"].with_user(self.user_gateway)
        self.build_cron = self.env.ref("ihospital_his.ir_cron_his_build_outbound")

    def outbound(self, appointment, message_type=None):
        domain = [("appointment_id", "=", appointment.id), ("direction", "=", "out")]
        if message_type:
            domain.append(("message_type", "=", message_type))
        return self.Message.search(domain, order="id")

    def test_booking_queues_one_booking_create_within_seconds(self):
        Trigger = self.env["ir.cron.trigger"].sudo()
        Trigger.search([("cron_id", "=", self.build_cron.id)]).unlink()
        appointment = self._book(patient=self.patient_surgery)
        self.assertEqual(appointment.his_sync_state, "to_send", "flagged in the booking's INSERT")
        # the outbound cron is woken up at once, once for a rush of bookings
        self.assertEqual(Trigger.search_count([("cron_id", "=", self.build_cron.id)]), 1)
        self._book(patient=self.patient_cardio)
        self.assertEqual(Trigger.search_count([("cron_id", "=", self.build_cron.id)]), 1)
        self.Message._cron_build_outbound()
        self.Message._cron_build_outbound()
        created = self.outbound(appointment, "booking.create")
        self.assertEqual(len(created), 1)
        self.assertEqual((created.state, created.endpoint_id), ("queued", self.endpoint))
        data = created.data
        self.assertEqual((data["appointment_ref"], data["number"], data["paid"]), (appointment.name, 1, False))
        self.assertEqual(data["department_code"], "T-XNK")
        self.assertEqual(data["patient"]["id_number"], "440104199007082621")
        self.assertEqual(appointment.his_sync_state, "queued")
        # the HIS does not know this patient yet: patient.sync goes first
        sync = self.Message.search(
            [("patient_id", "=", self.patient_surgery.id), ("message_type", "=", "patient.sync")]
        )
        self.assertEqual(len(sync), 1)
        self.assertLess(sync.id, created.id)

    def test_pull_report_aa_stores_his_ref(self):
        appointment = self._book()  # the HIS knows this patient: no patient.sync
        self.Message._cron_build_outbound()
        pulled = self.Endpoint.gateway_pull("t-his", 10)
        self.assertEqual([m["type"] for m in pulled], ["booking.create"])
        self.assertEqual(pulled[0]["attempt"], 1)
        message = self.outbound(appointment)
        self.assertEqual(message.state, "sent")
        self.assertFalse(self.Endpoint.gateway_pull("t-his", 10))
        self.assertTrue(
            self.Endpoint.gateway_report(
                "t-his",
                [{"control_id": message.control_id, "status": "AA", "error": "", "his_ref": "HIS-APPT-778",
                  "reply_raw": "MSA|AA"}],
            )
        )  # fmt: skip
        self.assertEqual(message.state, "processed")
        self.assertEqual((appointment.his_ref, appointment.his_sync_state), ("HIS-APPT-778", "synced"))
        # cancelling afterwards queues booking.cancel with the HIS number
        appointment.action_cancel()
        self.assertEqual(appointment.his_sync_state, "to_cancel")
        self.Message._cron_build_outbound()
        cancel = self.outbound(appointment, "booking.cancel")
        self.assertEqual(len(cancel), 1)
        self.assertEqual((cancel.data["his_ref"], cancel.data["cancelled_by"]), ("HIS-APPT-778", "patient"))
        self.Message._cron_build_outbound()
        self.assertEqual(len(self.outbound(appointment, "booking.cancel")), 1)

    def test_sent_without_report_is_pulled_again(self):
        appointment = self._book()
        self.Message._cron_build_outbound()
        self.Endpoint.gateway_pull("t-his", 10)
        message = self.outbound(appointment)
        message.sent_at = fields.Datetime.now() - timedelta(minutes=11)
        pulled = self.Endpoint.gateway_pull("t-his", 10)
        self.assertEqual((pulled[0]["control_id"], pulled[0]["attempt"]), (message.control_id, 2))

    def test_report_ae_requeues_with_backoff_then_dead(self):
        appointment = self._book()
        self.Message._cron_build_outbound()
        message = self.outbound(appointment)
        for attempt in (1, 2):
            pulled = self.Endpoint.gateway_pull("t-his", 10)
            self.assertEqual(pulled[0]["attempt"], attempt)
            self.Endpoint.gateway_report("t-his", [{"control_id": message.control_id, "status": "AE", "error": "busy"}])
            self.assertEqual((message.state, message.error), ("failed", "busy"))
            self.assertFalse(self.Endpoint.gateway_pull("t-his", 10))  # not before the backoff
            message.next_attempt_at = fields.Datetime.now() - timedelta(seconds=1)
        self.Endpoint.gateway_pull("t-his", 10)
        self.Endpoint.gateway_report("t-his", [{"control_id": message.control_id, "status": "AE", "error": "busy"}])
        self.assertEqual(message.state, "dead")  # max_attempts = 3
        self.assertEqual(appointment.his_sync_state, "rejected")

    def test_report_ar_is_dead_at_once(self):
        appointment = self._book()
        self.Message._cron_build_outbound()
        message = self.outbound(appointment)
        self.Endpoint.gateway_pull("t-his", 10)
        self.Endpoint.gateway_report("t-his", [{"control_id": message.control_id, "status": "AR", "error": "no slot"}])
        self.assertEqual((message.state, message.error, appointment.his_sync_state), ("dead", "no slot", "rejected"))
        # a repeated report changes nothing
        self.Endpoint.gateway_report("t-his", [{"control_id": message.control_id, "status": "AA"}])
        self.assertEqual(message.state, "dead")

    def test_cancel_before_delivery_still_tells_the_his(self):
        appointment = self._book()
        self.Message._cron_build_outbound()
        appointment.action_cancel()
        self.Message._cron_build_outbound()
        pulled = self.Endpoint.gateway_pull("t-his", 10)
        self.assertEqual([m["type"] for m in pulled], ["booking.create", "booking.cancel"])

    def test_cancel_before_queueing_sends_nothing(self):
        appointment = self._book()
        appointment.action_cancel()
        self.Message._cron_build_outbound()
        self.assertFalse(self.outbound(appointment))
        self.assertFalse(appointment.his_sync_state)

    def test_no_endpoint_no_outbound_and_booking_works(self):
        self.endpoint.active = False
        appointment = self._book()
        self.assertEqual(appointment.state, "booked")
        self.assertFalse(appointment.his_sync_state)
        self.Message._cron_build_outbound()
        self.assertFalse(self.outbound(appointment))
        appointment.action_cancel()
        self.assertEqual(appointment.state, "cancelled")

    def test_disabled_outbound_type_no_outbound(self):
        self.endpoint.message_type_ids -= self.env.ref("ihospital_his.message_type_booking_create")
        appointment = self._book()
        self.Message._cron_build_outbound()
        self.assertFalse(self.outbound(appointment))

    def test_changes_from_the_his_are_not_echoed(self):
        appointment = self._book()
        self.Message._cron_build_outbound()
        self.submit("appointment.status", {"appointment_ref": appointment.name, "status": "cancelled"})
        self.assertEqual(appointment.his_sync_state, "cancelled")
        self.Message._cron_build_outbound()
        self.assertFalse(self.outbound(appointment, "booking.cancel"))

    def test_pull_is_limited_to_own_endpoint(self):
        self._book()
        self.Message._cron_build_outbound()
        pulled = self.env["ihospital.his.endpoint"].with_user(self.user_gateway_2).gateway_pull("t-his-2", 10)
        self.assertEqual(pulled, [])

    def test_purge_keeps_dead_messages(self):
        old = fields.Datetime.now() - timedelta(days=100)
        processed = self.message(self.submit("complaint", {"ref": "P1", "content": "x"})["control_id"])
        dead = self.message(
            self.submit("complaint", {"ref": "P2", "content": "x", "gender": 1}, dead=True)["control_id"]
        )
        recent = self.message(self.submit("complaint", {"ref": "P3", "content": "x"})["control_id"])
        (processed | dead).received_at = old
        self.Message._cron_purge()
        self.assertFalse(processed.exists())
        self.assertTrue(dead.exists())
        self.assertTrue(recent.exists())

    def test_purge_keeps_up_with_any_volume(self):
        """More than a run's budget: the cron reports what is left, runs
        again, and every old processed message goes."""
        old = fields.Datetime.now() - timedelta(days=100)
        messages = self.Message
        for index in range(5):
            messages |= self.message(self.submit("complaint", {"ref": f"V{index}", "content": "x"})["control_id"])
        messages.received_at = old
        progress = []
        module = "odoo.addons.ihospital_his.models.ihospital_his_message"
        Cron = type(self.env["ir.cron"])
        with (
            patch(f"{module}.PURGE_BATCH", 2),
            patch(f"{module}.PURGE_BATCHES_PER_RUN", 1),
            patch.object(
                Cron, "_notify_progress", lambda cron, done, remaining, **kw: progress.append((done, remaining))
            ),
        ):
            self.Message._cron_purge()
            self.assertEqual(progress[-1][0], 2)
            self.assertGreaterEqual(progress[-1][1], 3)
            for _run in range(20):  # what Odoo does while remaining > 0
                if not progress[-1][1]:
                    break
                self.Message._cron_purge()
        self.assertEqual(progress[-1][1], 0)
        self.assertFalse(messages.exists())


@tagged("post_install", "-at_install")
class TestOutboundEndpointCache(HisCase):
    def test_the_cached_endpoint_follows_endpoint_changes(self):
        Endpoint = self.env["ihospital.his.endpoint"]
        self.assertEqual(Endpoint._outbound_endpoint(self.hospital, "booking.create"), self.endpoint)
        self.endpoint.message_type_ids -= self.env.ref("ihospital_his.message_type_booking_create")
        self.assertFalse(Endpoint._outbound_endpoint(self.hospital, "booking.create"))
        self.endpoint.message_type_ids += self.env.ref("ihospital_his.message_type_booking_create")
        self.endpoint.active = False
        self.assertFalse(Endpoint._outbound_endpoint(self.hospital, "booking.create"))
        other = self.endpoint.copy({"code": "t-his-b", "active": True})
        self.assertEqual(Endpoint._outbound_endpoint(self.hospital, "booking.create"), other)
        other.unlink()
        self.assertFalse(Endpoint._outbound_endpoint(self.hospital, "booking.create"))
