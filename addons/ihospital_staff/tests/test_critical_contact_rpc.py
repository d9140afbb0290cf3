"""Review of the contact path and the critical-value forms over JSON-RPC, as
an attacker's browser console sends them: each role that must be refused is
refused, the patient's phone stays with the clinician who asked for it, a
form cannot be made to show another department's or hospital's patient, and
the chatter's data of an audited record errors cleanly on crafted input."""

import json
import logging

from odoo.addons.ihospital_base.tests.common import RpcMixin
from odoo.tests import HttpCase, tagged

from .common import CriticalCase

ALERT = "ihospital.critical.alert"
CONTACT = "ihospital.critical.contact.wizard"
HANDLE = "ihospital.critical.handle.wizard"
ACK = "ihospital.critical.ack.wizard"
PHONE = "13912345678"


@tagged("post_install", "-at_install")
class TestCriticalContactRpc(RpcMixin, HttpCase, CriticalCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.patient_cardio.phone = PHONE

    def setUp(self):
        super().setUp()
        self.alert = self._alerts(self._report(name="LAB-RPC-1"))

    def _as(self, user):
        self.authenticate(user.login, user.login)

    def _shown(self):
        return self.alert.event_ids.filtered(lambda e: e.kind == "contact_shown")

    def _patient_logs(self, user):
        return (
            self.env["ihospital.access.log"]
            .sudo()
            .search_count([("user_id", "=", user.id), ("res_model", "=", "ihospital.patient")])
        )

    def _doctors_contact_form(self):
        """The attending doctor opens the contact path over RPC: the id of
        the form that holds the phone."""
        self._as(self.user_doctor)
        action, error = self._call(ALERT, "action_contact_patient", [[self.alert.id]])
        self.assertFalse(error, error)
        self.assertEqual(action["res_model"], CONTACT)
        result, error = self._call(CONTACT, "read", [[action["res_id"]], ["phone"]])
        self.assertFalse(error, error)
        self.assertIn(PHONE, result[0]["phone"])
        return action["res_id"]

    # ------------------------------------------------------------------ the phone stays with who asked
    def test_nobody_else_reads_a_clinicians_contact_form(self):
        wizard_id = self._doctors_contact_form()
        # a colleague of the same department, the head, another department's
        # nurse, the other hospital's doctor, the supervisors, the portal
        for user in (
            self.user_nurse,
            self.user_head,
            self.user_surgery_nurse,
            self.user_doctor_2,
            self.user_quality,
            self.user_director,
            self.user_admin,
            self.user_portal,
        ):
            with self.subTest(user=user.login):
                self._as(user)
                for method, args, kwargs in (
                    ("read", [[wizard_id], ["phone", "guardian_phone", "alert_id"]], {}),
                    ("web_read", [[wizard_id]], {"specification": {"phone": {}, "alert_id": {"fields": {}}}}),
                    ("search_read", [[["id", "=", wizard_id]], ["phone"]], {}),
                    ("web_search_read", [[]], {"specification": {"phone": {}}}),
                    ("search_read", [[["phone", "like", "139"]], ["phone"]], {"context": {"active_test": False}}),
                    ("read_group", [[], ["phone"], ["phone"]], {}),
                    ("write", [[wizard_id], {"phone": "110"}], {}),
                ):
                    result, error = self._call(CONTACT, method, args, kwargs)
                    self.assertNotIn(PHONE, json.dumps(result), f"{method} as {user.login}")
                    self.assertNotIn(PHONE, json.dumps(error), f"{method} as {user.login}")
                    if method in ("read", "web_read", "write"):
                        self.assertEqual(error.get("name"), "odoo.exceptions.AccessError", f"{method} {user.login}")
        wizard = self.env[CONTACT].sudo().browse(wizard_id)
        self.assertIn(PHONE, wizard.phone, "nobody overwrote the doctor's form")

    def test_refused_roles_get_no_phone_and_leave_no_showing(self):
        before = {user: self._patient_logs(user) for user in (self.user_surgery_nurse, self.user_doctor_2)}
        for user, context in (
            (self.user_surgery_nurse, {}),
            (self.user_surgery_nurse, {"active_test": False, "default_alert_id": self.alert.id}),
            (self.user_doctor_2, {}),
            # a client names a hospital that is not the user's
            (self.user_doctor_2, {"allowed_company_ids": [self.hospital.id]}),
            (self.user_quality, {}),
            (self.user_director, {}),
            (self.user_admin, {}),
            (self.user_portal, {}),
        ):
            with self.subTest(user=user.login, context=context):
                self._as(user)
                result, error = self._call(ALERT, "action_contact_patient", [[self.alert.id]], {"context": context})
                self.assertEqual(error.get("name"), "odoo.exceptions.AccessError")
                self.assertFalse(result)
                self.assertNotIn(PHONE, json.dumps(error))
                self.assertNotIn(self.patient_cardio.name, error.get("message", ""))
        self.assertFalse(self._shown())
        self.assertFalse(self.env[CONTACT].sudo().search([("alert_id", "=", self.alert.id)]))
        for user, count in before.items():
            self.assertEqual(self._patient_logs(user), count)

    def test_the_engine_side_of_the_contact_path_is_not_reachable(self):
        self._as(self.user_doctor)
        for method, args in (
            ("_log", [[self.alert.id], "contact_shown"]),
            ("_check_action_access", [[self.alert.id]]),
            ("_check_can_handle", [[self.alert.id]]),
        ):
            with self.subTest(method=method):
                _result, error = self._call(ALERT, method, args)
                self.assertTrue(error, f"{method} must not be callable over RPC")
        self.assertFalse(self._shown())
        _result, error = self._call(ALERT, "write", [[self.alert.id], {"receipt_due": True}])
        self.assertEqual(error.get("name"), "odoo.exceptions.AccessError")

    def test_the_showing_is_recorded_and_the_trail_carries_no_phone(self):
        before = self._patient_logs(self.user_doctor)
        self._doctors_contact_form()
        self.assertEqual(len(self._shown()), 1)
        self.assertEqual(self._shown().user_id, self.user_doctor)
        self.assertEqual(self._patient_logs(self.user_doctor), before + 1)
        # the trail is read by supervisors with identity masked: no number in it
        self._as(self.user_quality)
        result, error = self._call(
            "ihospital.critical.event", "search_read", [[["alert_id", "=", self.alert.id]]], {"fields": []}
        )
        self.assertFalse(error, error)
        self.assertNotIn(PHONE, json.dumps(result))

    # ------------------------------------------------------------------ forms made by hand
    def test_a_contact_form_made_by_hand_shows_nothing_of_another_departments_patient(self):
        """Found at review (hole): the contact form's create is not checked
        against the alert, and its related fields (patient_label,
        alert_state) are computed as superuser: a nurse of another
        department, or a doctor of the other hospital, names any alert id and
        reads its patient's name and bed."""
        for user in (self.user_surgery_nurse, self.user_doctor_2):
            self._as(user)
            created, error = self._call(CONTACT, "create", [{"alert_id": self.alert.id, "phone": "110"}])
            if not error:
                result, error = self._call(
                    CONTACT, "web_read", [[created]], {"specification": {"patient_label": {}, "alert_state": {}}}
                )
                self.assertNotIn(
                    self.patient_cardio.name,
                    json.dumps(result, ensure_ascii=False),
                    f"{user.login} read the patient of an alert that is not theirs",
                )
            self.assertEqual(error.get("name"), "odoo.exceptions.AccessError", user.login)

    def test_a_handling_or_read_back_form_made_by_hand_shows_nothing_either(self):
        """FAILS at review (hole, older than the contact form but reachable
        the same way): action_open_handle now returns only a context
        (default_alert_id) and the client creates the form; the client can
        create it for any alert and read its related patient_label, item
        and alert number as superuser. action_confirm is refused, but the
        patient's name was read."""
        self._as(self.user_surgery_nurse)
        # the button itself is refused, whatever the context says
        _result, error = self._call(
            ALERT,
            "action_open_handle",
            [[self.alert.id], "patient_notified"],
            {"context": {"default_alert_id": self.alert.id, "allowed_company_ids": [self.hospital.id]}},
        )
        self.assertEqual(error.get("name"), "odoo.exceptions.AccessError")
        for model, spec in (
            (HANDLE, {"patient_label": {}, "alert_name": {}, "alert_id": {"fields": {"display_name": {}}}}),
            (ACK, {"patient_label": {}, "item": {}, "alert_name": {}}),
        ):
            vals = {"alert_id": self.alert.id}
            if model == HANDLE:
                vals["kind"] = "patient_notified"
            created, error = self._call(model, "create", [vals])
            if not error:
                result, error = self._call(model, "web_read", [[created]], {"specification": spec})
                self.assertNotIn(
                    self.patient_cardio.name,
                    json.dumps(result, ensure_ascii=False),
                    f"{model} made by hand showed another department's patient",
                )
            self.assertEqual(error.get("name"), "odoo.exceptions.AccessError", model)
        self.assertEqual(self.alert.state, "to_acknowledge")

    def test_a_form_made_by_hand_acts_on_nothing(self):
        """Whatever the form says, the alert's own action checks the caller:
        the forged contact form's 'patient notified' and a handling form
        created with another department's alert are refused."""
        self.alert.with_user(self.user_doctor).action_acknowledge("6.8")
        self._as(self.user_surgery_nurse)
        for model, vals, action in (
            (CONTACT, {"alert_id": self.alert.id}, "action_patient_notified"),
            (HANDLE, {"alert_id": self.alert.id, "kind": "patient_notified", "close": True}, "action_confirm"),
        ):
            with self.subTest(model=model):
                created, error = self._call(model, "create", [vals])
                if not error:  # (a create refused at once is as good)
                    _result, error = self._call(model, action, [[created]])
                self.assertEqual(error.get("name"), "odoo.exceptions.AccessError")
        self.assertEqual(self.alert.state, "acknowledged")
        # the department's nurse may not close (doctors close), even through the form
        self._as(self.user_nurse)
        action, error = self._call(ALERT, "action_open_handle", [[self.alert.id], "patient_notified"])
        self.assertFalse(error, error)
        self.assertEqual(action["context"], {"default_alert_id": self.alert.id, "default_kind": "patient_notified"})
        # a kind that is no handling kind is not suggested
        action, _error = self._call(ALERT, "action_open_handle", [[self.alert.id], "<b>x</b>"])
        self.assertFalse(action["context"]["default_kind"])
        nurse_form, error = self._call(
            HANDLE, "create", [{"kind": "treatment", "close": True}], {"context": action["context"]}
        )
        self.assertFalse(error, error)
        _result, error = self._call(HANDLE, "action_confirm", [[nurse_form]])
        self.assertEqual(error.get("name"), "odoo.exceptions.AccessError")
        self.assertEqual(self.alert.state, "acknowledged", "refused as a whole: the handling is not kept either")

    # ------------------------------------------------------------------ /mail/thread/data
    def _thread_data(self, body):
        return self.url_open(
            "/mail/thread/data",
            data=body if isinstance(body, str | bytes) else json.dumps(body),
            headers={"Content-Type": "application/json"},
        )

    def _params(self, model, record_id):
        return {
            "jsonrpc": "2.0",
            "method": "call",
            "params": {"thread_model": model, "thread_id": record_id, "request_list": ["followers", "activities"]},
        }

    def test_the_chatter_of_an_alert_not_theirs_shows_nothing(self):
        for user in (self.user_surgery_nurse, self.user_doctor_2, self.user_portal):
            with self.subTest(user=user.login):
                self._as(user)
                before = self._patient_logs(user)
                response = self._thread_data(self._params(ALERT, self.alert.id))
                self.assertEqual(response.status_code, 200)
                text = response.text
                self.assertNotIn(self.patient_cardio.name, text)
                self.assertNotIn(self.alert.name, text)
                body = response.json()
                if "result" in body:
                    threads = body["result"].get("mail.thread", [])
                    self.assertFalse(any(thread.get("hasReadAccess") for thread in threads), text)
                self.assertEqual(self._patient_logs(user), before)

    def test_crafted_chatter_requests_error_cleanly(self):
        self._as(self.user_doctor)
        for label, body in (
            ("unknown model", self._params("ihospital.no.such.model", self.alert.id)),
            ("abstract audited mixin", self._params("ihospital.audited.mixin", self.alert.id)),
            ("odd characters", self._params("ihospital.patient'); DROP TABLE x; --", self.alert.id)),
            ("model as a list", self._params(["ihospital.patient"], self.alert.id)),
            ("model as an object", self._params({"ihospital.patient": 1}, self.alert.id)),
            ("params as a list", {"jsonrpc": "2.0", "method": "call", "params": [ALERT, self.alert.id]}),
            ("not JSON", "thread_model=ihospital.patient&thread_id=1"),
            ("JSON array", "[1, 2, 3]"),
            ("bytes not UTF-8", b'{"params": {"thread_model": "\xff\xfe"}}'),
        ):
            with self.subTest(label=label):
                response = self._thread_data(body)
                self.assertLess(response.status_code, 500, f"{label}: {response.text[:300]}")
                self.assertNotIn(self.patient_cardio.name, response.text)
                if response.status_code == 200:
                    self.assertIn("error", response.json(), label)
        # the patient was never read through these
        self.assertEqual(self.patient_cardio.exists(), self.patient_cardio)

    def test_a_deeply_nested_chatter_request_errors_like_any_json_route(self):
        """The route's `readonly` callable parses the body before the
        dispatcher and catches ValueError and AttributeError only: a body
        nested past the JSON parser's recursion limit is still answered as
        on any other JSON route (the same JSON-RPC error, the same log)."""
        self._as(self.user_doctor)
        nested = '{"jsonrpc": "2.0", "params": {"thread_model": ' + "[" * 100000 + "]" * 100000 + "}}"
        answers = {}
        for route in ("/mail/thread/messages", "/mail/thread/data"):
            with self.assertLogs("odoo.http", "WARNING") as logs:
                response = self.url_open(route, data=nested, headers={"Content-Type": "application/json"})
                logging.getLogger("odoo.http").warning("end of %s", route)  # assertLogs needs one line
            answers[route] = (
                response.status_code,
                response.json().get("error", {}).get("data", {}).get("name"),
                [line.split(":")[0] for line in logs.output],
            )
        self.assertEqual(answers["/mail/thread/data"], answers["/mail/thread/messages"])
        self.assertLess(answers["/mail/thread/data"][0], 500)
