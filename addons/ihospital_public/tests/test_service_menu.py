import json

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import HttpCase, tagged


@tagged("post_install", "-at_install")
class TestServiceMenu(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.hospital = cls.env.ref("base.main_company")
        cls.Menu = cls.env["ihospital.service.menu"]

    def test_default_menu_and_json(self):
        tops = self.Menu.search([("company_id", "=", self.hospital.id), ("parent_id", "=", False)])
        self.assertEqual(len(tops), 3, "hospital guide, quick care, personal center")
        data = self.Menu._menu_dict(self.hospital)
        self.assertEqual([len(button["sub_button"]) for button in data["button"]], [5, 4, 3])
        urls = [sub["url"] for button in data["button"] for sub in button["sub_button"]]
        base = self.env["website"].search([("company_id", "=", self.hospital.id)], limit=1).get_base_url()
        self.assertTrue(all(url.startswith(base) for url in urls))
        for path in ("/hospital", "/departments", "/guide", "/encyclopedia", "/phones", "/booking"):
            self.assertIn(base.rstrip("/") + path, urls)
        for path in ("/my/consultations", "/my/appointments", "/my/reports", "/my/messages", "/my/patients"):
            self.assertIn(base.rstrip("/") + path, urls)
        self.assertTrue(all(sub["type"] == "view" for button in data["button"] for sub in button["sub_button"]))
        self.assertFalse(self.Menu._load_default_menu(self.hospital), "loading twice adds nothing")

    def test_limits(self):
        top = self.Menu.search([("company_id", "=", self.hospital.id), ("parent_id", "=", False)], limit=1)
        self.Menu.create({"company_id": self.hospital.id, "name": "Extra"})
        with self.assertRaises(UserError):
            self.Menu._menu_dict(self.hospital)
        with self.assertRaises(ValidationError):
            self.Menu.create({"company_id": self.hospital.id, "name": "No path", "parent_id": top.id})

    def test_json_route_for_admins_only(self):
        self.authenticate("hospadmin", "hospadmin")
        response = self.url_open(f"/ihospital/service-menu/json?company_id={self.hospital.id}")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(len(json.loads(response.content)["button"]), 3)
        self.assertIn("attachment", response.headers["Content-Disposition"])
        for login in ("doctor", "patient"):
            self.authenticate(login, login)
            response = self.url_open(f"/ihospital/service-menu/json?company_id={self.hospital.id}")
            self.assertEqual(response.status_code, 403, login)
        with self.assertRaises(AccessError):
            self.Menu.with_user(self.env.ref("ihospital_base.user_doctor_demo")).search([])
