"""The regulations library as a hostile client attacks it over JSON-RPC
(the review of issue 14): OCA's own methods and rules as well as ours."""

from odoo.addons.ihospital_base.tests.common import RpcMixin
from odoo.tests import HttpCase, tagged

from .common import RegulationCase

ACCESS_ERROR = "odoo.exceptions.AccessError"


@tagged("post_install", "-at_install")
class TestRegulationAttacks(RpcMixin, HttpCase, RegulationCase):
    def _as(self, user):
        self.authenticate(user.login, user.login)

    def test_only_the_system_administrators_add_menus(self):
        """OCA's create-menu wizard makes, as superuser, a menu anywhere for
        whoever may write the page: a head added one to every hospital's
        back office."""
        parent = self.env.ref("ihospital_base.ihospital_menu_root")
        Menu = self.env["ir.ui.menu"].with_context(active_test=False)
        for user in (self.user_head, self.user_quality, self.user_admin):
            with self.subTest(user=user.login):
                self._as(user)
                wizard_id, error = self._call(
                    "document.page.create.menu",
                    "create",
                    [{"menu_name": "Phishing", "menu_parent_id": parent.id}],
                    {"context": {"active_id": self.procedure.id}},
                )
                self.assertFalse(error)
                _result, error = self._call(
                    "document.page.create.menu",
                    "document_page_menu_create",
                    [[wizard_id]],
                    {"context": {"active_id": self.procedure.id}},
                )
                self.assertEqual(error.get("name"), ACCESS_ERROR)
                _result, error = self._call("document.page", "write", [[self.procedure.id], {"menu_id": parent.id}])
                self.assertEqual(error.get("name"), ACCESS_ERROR)
        self.assertFalse(Menu.search([("name", "=", "Phishing")]))
        self.assertFalse(self.procedure.menu_id)
