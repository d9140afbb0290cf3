"""The medical knowledge as a hostile client attacks it over JSON-RPC (the
review of issue 14): another hospital's formulary stays unknown."""

from odoo.addons.ihospital_base.tests.common import RpcMixin
from odoo.tests import HttpCase, tagged

from .common import KnowledgeCase

ACCESS_ERROR = "odoo.exceptions.AccessError"


@tagged("post_install", "-at_install")
class TestKnowledgeAttacks(RpcMixin, HttpCase, KnowledgeCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Drug = cls.env["ihospital.drug"].with_company(cls.hospital_2)
        cls.secret = Drug.create({"code": "SECRET01", "name": "院内制剂甲", "company_id": cls.hospital_2.id})
        cls.secret_b = Drug.create({"code": "SECRET02", "name": "院内制剂乙", "company_id": cls.hospital_2.id})
        cls.env["ihospital.drug.incompatibility"].with_company(cls.hospital_2).create(
            {"drug_a_id": cls.secret.id, "drug_b_id": cls.secret_b.id, "company_id": cls.hospital_2.id}
        )

    def _assert_refused_unnamed(self, error):
        self.assertEqual(error.get("name"), ACCESS_ERROR, error)
        for secret in ("院内制剂", "SECRET0"):
            self.assertNotIn(secret, error.get("message", ""))

    def test_no_one_learns_another_hospitals_drugs_from_an_error(self):
        """The checks of a new drug or pair ran as superuser before the
        rights: any user, a patient's portal account too, read another
        hospital's drug names by id and tried its drug codes."""
        for user in (self.user_portal, self.user_nurse, self.user_pharmacist):
            with self.subTest(user=user.login):
                self.authenticate(user.login, user.login)
                _result, error = self._call(
                    "ihospital.drug.incompatibility",
                    "create",
                    [{"drug_a_id": self.secret.id, "drug_b_id": self.secret.id}],
                )
                self._assert_refused_unnamed(error)
                _result, error = self._call(
                    "ihospital.drug.incompatibility",
                    "create",
                    [{"drug_a_id": self.secret_b.id, "drug_b_id": self.secret.id}],
                )
                self._assert_refused_unnamed(error)
                _result, error = self._call(
                    "ihospital.drug",
                    "create",
                    [{"code": "SECRET01", "name": "试探", "company_id": self.hospital_2.id}],
                )
                self._assert_refused_unnamed(error)
                result, error = self._call(
                    "ihospital.drug",
                    "load",
                    [["code", "name", "company_id/.id"], [["SECRET01", "试探", str(self.hospital_2.id)]]],
                )
                messages = " ".join(message["message"] for message in (result or {}).get("messages", []))
                self.assertNotIn("SECRET01", messages, error)
        # nor does a pair with one of its own drugs name the other's
        self.authenticate(self.user_pharmacist.login, self.user_pharmacist.login)
        _result, error = self._call(
            "ihospital.drug.incompatibility",
            "create",
            [{"drug_a_id": self.calcium.id, "drug_b_id": self.secret.id}],
        )
        self._assert_refused_unnamed(error)
        self.assertEqual(self.env["ihospital.drug"].search_count([("name", "=", "试探")]), 0)
        # the pharmacy is still told about its own hospital's duplicates
        self.authenticate(self.user_pharmacist.login, self.user_pharmacist.login)
        _result, error = self._call("ihospital.drug", "create", [{"code": "CRO001", "name": "重复"}])
        self.assertEqual(error.get("name"), "odoo.exceptions.ValidationError")
        _result, error = self._call(
            "ihospital.drug.incompatibility",
            "create",
            [{"drug_a_id": self.calcium.id, "drug_b_id": self.ceftriaxone.id}],
        )
        self.assertEqual(error.get("name"), "odoo.exceptions.ValidationError")
        self.assertIn(self.calcium.name, error.get("message"))

    def test_no_hospital_changes_the_shared_who_codes(self):
        self.authenticate(self.user_admin.login, self.user_admin.login)
        for method, args in (
            ("write", [[self.pneumonia.id], {"name": "改名"}]),
            ("action_archive", [[self.pneumonia.id]]),
            ("unlink", [[self.pneumonia.id]]),
            ("create", [{"code": "Z99.9", "name": "伪造", "company_id": False}]),
        ):
            _result, error = self._call("ihospital.disease", method, args)
            self.assertEqual(error.get("name"), ACCESS_ERROR, (method, error))
        self.pneumonia.invalidate_recordset()
        self.assertEqual(self.pneumonia.name, "肺炎")
        self.assertTrue(self.pneumonia.active)

    def test_no_link_to_another_hospitals_own_disease(self):
        """A hospital's own disease codes are its own: a pharmacist linked
        one of another hospital to his diagnosis code or drug by id, and
        read its name on his record from then on."""
        own_2 = self.env["ihospital.disease"].create(
            {"code": "T-OWN-2", "name": "他院自定义病种", "company_id": self.hospital_2.id}
        )
        self.authenticate(self.user_pharmacist.login, self.user_pharmacist.login)
        _result, error = self._call(
            "ihospital.diagnosis.code", "create", [{"code": "T1", "name": "试探", "disease_id": own_2.id}]
        )
        self.assertEqual(error.get("name"), "odoo.exceptions.UserError")
        _result, error = self._call("ihospital.drug", "write", [self.aspirin.ids, {"indication_ids": [(4, own_2.id)]}])
        self.assertEqual(error.get("name"), "odoo.exceptions.UserError")
        self.assertFalse(self.aspirin.indication_ids & own_2)
        # the WHO's shared codes are linked by every hospital
        _result, error = self._call(
            "ihospital.diagnosis.code", "create", [{"code": "T1", "name": "肺炎", "disease_id": self.pneumonia.id}]
        )
        self.assertFalse(error)
