"""Issue 9 as the HIS sees it: identity in the message log, the integration
user's reach, and no context key that silences the HIS."""

from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import HisCase

FULL_ID = "440106198503127611"  # wrong check digit: the message is refused and quoted


@tagged("post_install", "-at_install")
class TestHisSecurity(HisCase):
    def _refused_registration(self):
        result = self.submit(
            "patient.register",
            {"patient": {"his_patient_id": "P0101", "name": "Bad", "id_number": FULL_ID, "phone": "13700137000"}},
            raw=f"PID|||P0101||Bad||||||||13700137000|||||{FULL_ID}",
        )
        self.assertEqual(result["state"], "dead")
        return self.message(result["control_id"])

    def test_director_reads_the_log_with_identity_masked(self):
        message = self._refused_registration()
        self.assertNotIn(FULL_ID, message.error)
        self.assertIn("440***********7611", message.error)
        as_director = message.with_user(self.user_director)
        self.assertIn("check digit", as_director.error)
        for field in ("raw", "data", "data_pretty", "reply_raw"):
            with self.assertRaises(AccessError, msg=field):
                as_director.read([field])
        self.assertFalse(any(FULL_ID in str(value) for value in as_director.read(["error", "control_id"])[0].values()))
        # the administrators (identity group) read the payload
        self.assertIn(FULL_ID, message.with_user(self.user_admin).raw)

    def test_nobody_edits_the_log(self):
        message = self._refused_registration()
        with self.assertRaises(AccessError):
            message.with_user(self.user_admin).write({"state": "processed", "error": False})
        self.assertEqual(message.state, "dead")

    def test_a_context_key_does_not_silence_the_his(self):
        """A nurse cancelling with the HIS processing's old context key still
        tells the HIS."""
        appointment = self._book()
        self.Message._cron_build_outbound()
        self.assertEqual(appointment.his_sync_state, "queued")
        appointment.with_user(self.user_nurse).with_context(ihospital_his_inbound=True).action_cancel()
        self.assertEqual(appointment.state, "cancelled")
        self.assertEqual(appointment.his_sync_state, "to_cancel")

    def test_integration_user_is_not_an_internal_user(self):
        self.assertTrue(self.user_gateway.share)
        self.assertFalse(self.user_gateway._is_internal())
        for model in ("res.partner", "hr.employee", "hr.department", "discuss.channel", "res.users", "mail.message"):
            Model = self.env[model].with_user(self.user_gateway)
            self.assertFalse(
                Model.has_access("read") and Model.search_count([("id", "!=", self.user_admin.partner_id.id)]) > 1,
                model,
            )
        # what it is for still works
        result = self.submit("complaint", {"ref": "C-1", "content": "Long wait"})
        self.assertEqual(result["state"], "processed", result["error"])
