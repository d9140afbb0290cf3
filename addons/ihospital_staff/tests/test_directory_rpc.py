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

    def test_a_search_or_a_sort_gives_no_hidden_mobile(self):
        """Found at review (hole): a search with `=like` '138%', '1380%' ...
        on a hidden mobile spelled it out digit by digit, on public staff,
        staff, contacts and users (and the contacts' phone search), and a
        sort by it ranked it among the others."""
        self.authenticate("t_surgeon", "t_surgeon")
        nurse, partner, user = self.emp_nurse, self.user_nurse.partner_id, self.user_nurse
        for model, record_id, fname in (
            ("hr.employee.public", nurse.id, "mobile_phone"),
            ("hr.employee", nurse.id, "mobile_phone"),
            ("res.partner", partner.id, "mobile"),
            ("res.partner", partner.id, "phone_sanitized"),
            ("res.partner", partner.id, "phone_mobile_search"),
            ("res.users", user.id, "mobile"),
            ("res.users", user.id, "phone_sanitized"),
            ("res.users", user.id, "mobile_phone"),
            ("res.users", user.id, "phone_mobile_search"),
        ):
            terms = [("=like", "1380%"), ("=", HIDDEN), ("ilike", "0000001")]
            if fname != "phone_mobile_search":
                terms.append(("in", [HIDDEN]))
            for operator, value in terms:
                with self.subTest(model=model, fname=fname, operator=operator):
                    domain = [["id", "=", record_id], [fname, operator, value]]
                    result, error = self._call(model, "search", [domain])
                    self.assertEqual(result, [], f"{model}.{fname} {operator} {value}: {error}")
            with self.subTest(model=model, fname=fname, test="is set"):
                # whether a number is set is no secret: the masked number shows it
                result, error = self._call(model, "search", [[["id", "=", record_id], [fname, "!=", False]]])
                self.assertEqual(result, [record_id], error)
                if fname == "phone_mobile_search":
                    result, error = self._call(model, "search", [[["id", "=", record_id], [fname, "=", True]]])
                    self.assertEqual(result, [record_id], error)
        # a shown number is still found, and HR officers find every number
        result, _error = self._call("hr.employee.public", "search", [[["mobile_phone", "=like", "1380000000_"]]])
        self.assertEqual(result, [self.emp_doctor.id])
        Public = self.env["hr.employee.public"]
        self.assertEqual(Public.with_user(self.user_admin).search([("mobile_phone", "=", HIDDEN)]).ids, [nurse.id])
        self.assertEqual(Public.with_user(self.user_nurse).search([("mobile_phone", "=", HIDDEN)]).ids, [nurse.id])

        # a sort puts a hidden number with the empty ones, whatever its value
        ids = [nurse.id, self.emp_doctor.id, self.emp_surgeon.id]
        for model, fname, record_ids in (
            ("hr.employee.public", "mobile_phone", ids),
            ("hr.employee", "mobile_phone", ids),
            ("res.partner", "mobile", nurse.browse(ids).sudo().work_contact_id.ids),
            ("res.users", "mobile", nurse.browse(ids).sudo().user_id.ids),
        ):
            for direction in ("asc", "desc"):
                with self.subTest(model=model, direction=direction):
                    order = f"{fname} {direction} nulls last, id"
                    result, error = self._call(model, "search", [[["id", "in", record_ids]]], {"order": order})
                    self.assertFalse(error, error)
                    self.assertEqual(result[-1], record_ids[0], f"{order}: the hidden number sorts as empty")

    def test_grouping_the_directory_by_other_fields_still_works(self):
        self.authenticate("t_surgeon", "t_surgeon")
        result, error = self._call(
            "hr.employee.public", "read_group", [[["id", "=", self.emp_nurse.id]], ["name"], ["department_id"]]
        )
        self.assertFalse(error, error)
        self.assertEqual(result[0]["department_id_count"], 1)
