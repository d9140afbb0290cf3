"""Review of the directory's masked mobiles over JSON-RPC: a staff member
reads a colleague's hidden work mobile masked however the request is made
(a grouping, an aggregate, the user's or the contact's copy of it)."""

import json

from odoo.addons.ihospital_base.tests.common import RpcMixin
from odoo.tests import HttpCase, tagged

from .test_directory import DirectoryCase

HIDDEN = "13800000001"  # the nurse's mobile: she does not show it


@tagged("post_install", "-at_install")
class TestDirectoryMobileRpc(RpcMixin, HttpCase, DirectoryCase):
    def _leaks(self, model, method, args, kwargs=None):
        result, error = self._call(model, method, args, kwargs)
        return HIDDEN in json.dumps(result) or HIDDEN in json.dumps(error)

    def test_a_grouping_or_an_aggregate_gives_no_hidden_mobile(self):
        """Found at review (hole): read_group by mobile_phone, or with
        mobile_phone:max, returned the number unmasked (the masking is in
        _read_format, which read_group does not go through); the same for
        the contact's and the user's mobile."""
        self.authenticate("t_surgeon", "t_surgeon")
        nurse = self.emp_nurse
        partner = self.user_nurse.partner_id
        self.assertEqual(nurse.sudo().work_contact_id, partner)
        self.assertIn(HIDDEN, partner.sudo().mobile or "")
        for model, record_id, fname in (
            ("hr.employee.public", nurse.id, "mobile_phone"),
            ("hr.employee", nurse.id, "mobile_phone"),
            ("res.partner", partner.id, "mobile"),
            ("res.partner", partner.id, "phone_sanitized"),
            ("res.users", self.user_nurse.id, "mobile"),
            ("res.users", self.user_nurse.id, "phone_sanitized"),
            ("res.users", self.user_nurse.id, "mobile_phone"),
        ):
            domain = [["id", "=", record_id]]
            for method, args, kwargs in (
                ("read_group", [domain, [fname], [fname]], {}),
                ("read_group", [domain, [f"{fname}:max"], []], {}),
                ("read_group", [domain, [f"{fname}:array_agg"], ["id"]], {"lazy": False}),
                ("web_read_group", [domain, [f"{fname}:max"], ["name"]], {}),
                ("read_group", [domain, ["x:max(%s)" % fname], ["name"]], {"context": {"active_test": False}}),
            ):
                with self.subTest(model=model, method=method, args=args):
                    self.assertFalse(self._leaks(model, method, args, kwargs))

    def test_the_users_copy_of_a_hidden_mobile_is_masked(self):
        """Found at review (hole): res.users reads its partner's mobile and
        phone_sanitized (delegated fields) without the contact's masking."""
        self.authenticate("t_surgeon", "t_surgeon")
        for method, args, kwargs in (
            ("read", [[self.user_nurse.id], ["mobile", "phone_sanitized", "mobile_phone"]], {}),
            ("search_read", [[["id", "=", self.user_nurse.id]], ["mobile", "phone_sanitized"]], {}),
            ("web_read", [[self.user_nurse.id]], {"specification": {"mobile": {}, "phone_sanitized": {}}}),
        ):
            with self.subTest(method=method):
                result, error = self._call("res.users", method, args, kwargs)
                self.assertFalse(error, error)
                self.assertTrue(result)
                self.assertNotIn(HIDDEN, json.dumps(result))
        # shown numbers stay readable, and the nurse reads her own
        result, _error = self._call("res.users", "read", [[self.user_doctor.id], ["mobile"]])
        self.assertEqual(result[0]["mobile"], "13800000002")
        self.authenticate("t_nurse", "t_nurse")
        result, _error = self._call("res.users", "read", [[self.user_nurse.id], ["mobile", "mobile_phone"]])
        self.assertEqual((result[0]["mobile"], result[0]["mobile_phone"]), (HIDDEN, HIDDEN))

    def test_grouping_the_directory_by_other_fields_still_works(self):
        self.authenticate("t_surgeon", "t_surgeon")
        result, error = self._call(
            "hr.employee.public", "read_group", [[["id", "=", self.emp_nurse.id]], ["name"], ["department_id"]]
        )
        self.assertFalse(error, error)
        self.assertEqual(result[0]["department_id_count"], 1)
