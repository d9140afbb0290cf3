"""Critical values over JSON-RPC, as an attacker's browser console sends
them: the refusals hold there too, and bad input gets a sentence."""

from odoo.addons.ihospital_base.tests.common import RpcMixin
from odoo.tests import HttpCase, tagged

from .common import CriticalCase

MODEL = "ihospital.critical.alert"


@tagged("post_install", "-at_install")
class TestCriticalRpc(RpcMixin, HttpCase, CriticalCase):
    def setUp(self):
        super().setUp()
        self.alert = self._alerts(self._report())

    def test_another_departments_nurse_cannot_acknowledge_or_write(self):
        self.authenticate(self.user_surgery_nurse.login, self.user_surgery_nurse.login)
        _result, error = self._call(MODEL, "action_acknowledge", [[self.alert.id], "6.8"])
        self.assertEqual(error.get("name"), "odoo.exceptions.AccessError")
        _result, error = self._call(MODEL, "write", [[self.alert.id], {"state": "closed"}])
        self.assertEqual(error.get("name"), "odoo.exceptions.AccessError")
        _result, error = self._call(
            MODEL, "action_acknowledge", [[self.alert.id], "6.8"], {"context": {"ihospital_engine": True}}
        )
        self.assertEqual(error.get("name"), "odoo.exceptions.AccessError")
        self.assertEqual(self.alert.state, "to_acknowledge")

    def test_engine_methods_are_not_reachable(self):
        self.authenticate(self.user_doctor.login, self.user_doctor.login)
        for method, args in (
            ("_raise_from_lab_results", [[]]),
            ("_cron_escalate", []),
            ("_escalate", [[self.alert.id], "2030-01-01 00:00:00"]),
        ):
            with self.subTest(method=method):
                _result, error = self._call(MODEL, method, args)
                self.assertTrue(error, f"{method} must not be callable over RPC")
        self.assertEqual(self.alert.level, 0)

    def test_the_doctor_acknowledges_and_bad_input_gets_a_sentence(self):
        self.authenticate(self.user_doctor.login, self.user_doctor.login)
        result, error = self._call(MODEL, "action_acknowledge", [[self.alert.id], "9.9"])
        self.assertFalse(error)
        self.assertIn("not the reported value", result)
        _result, error = self._call(MODEL, "action_handle", [[self.alert.id], "treatment", "x"])
        self.assertIn("Acknowledge alert", error.get("message", ""))
        result, error = self._call(MODEL, "action_acknowledge", [[self.alert.id], "6.8"])
        self.assertIs(result, True)
        _result, error = self._call(MODEL, "action_handle", [[self.alert.id], "nonsense", "x"])
        self.assertIn("Choose what was done", error.get("message", ""))
        self.assertEqual(self.alert.state, "acknowledged")
        self.assertEqual(self.alert.event_ids.filtered(lambda e: e.kind == "readback_mismatch").value, "9.9")
