import xmlrpc.client

from odoo.tests import HttpCase, get_db_name, tagged
from odoo.tools import mute_logger

from .common import KnowledgeCase


@tagged("post_install", "-at_install")
class TestDrugCheckerRpc(HttpCase, KnowledgeCase):
    """A HIS or pharmacy system asks the checker over XML-RPC with its own
    user's rights: the HIS's gateway user may, a patient's portal user may not."""

    def _rpc(self, user, drugs):
        uid = self.xmlrpc_common.authenticate(get_db_name(), user.login, user.login, {})
        self.assertEqual(uid, user.id)
        return self.xmlrpc_object.execute_kw(
            get_db_name(), uid, user.login, "ihospital.drug", "check_incompatibilities", [drugs]
        )

    def test_the_gateway_user_checks_by_code(self):
        result = self._rpc(self.user_gateway, ["RL001", "CRO001", "ASP001", "WAR001"])
        self.assertEqual(
            [(row["drug_a"]["code"], row["drug_b"]["code"], row["severity"]) for row in result],
            [("RL001", "CRO001", "contraindicated"), ("WAR001", "ASP001", "major")],
        )
        self.assertEqual(result[0]["severity_label"], "Contraindicated")
        self.assertEqual(
            self._rpc(self.user_pharmacist, [self.ceftriaxone.id, "CAG001"])[0]["id"], self.pair_cro_cal.id
        )

    @mute_logger("odoo.http")
    def test_unknown_codes_and_portal_users_are_refused(self):
        with self.assertRaisesRegex(xmlrpc.client.Fault, "NOPE1"):
            self._rpc(self.user_gateway, ["CRO001", "NOPE1"])
        with self.assertRaisesRegex(xmlrpc.client.Fault, "AccessError|not allowed"):
            self._rpc(self.user_portal, ["CRO001", "CAG001"])
