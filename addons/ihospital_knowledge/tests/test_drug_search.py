from odoo.tests import tagged

from .common import KnowledgeCase


@tagged("post_install", "-at_install")
class TestDrugSearch(KnowledgeCase):
    """What staff type on a phone to find a drug."""

    def _names(self, value, field="display_name"):
        Drug = self.env["ihospital.drug"].with_user(self.user_nurse)
        return set(Drug.search([(field, "ilike", value)]).mapped("code"))

    def test_generic_name_in_characters_pinyin_and_initials(self):
        for typed in ("头孢曲松", "曲松", "toubaoqusong", "tou bao qu song", "qusong", "tbqs", "TBQS"):
            self.assertIn("CRO001", self._names(typed), typed)
        self.assertNotIn("CRO001", self._names("huafalin"))
        self.assertIn("WAR001", self._names("hfl"))

    def test_brand_english_name_and_code(self):
        for typed in ("罗氏芬", "Rocephin", "luoshifen", "ceftriaxone", "CRO001"):
            self.assertIn("CRO001", self._names(typed), typed)

    def test_name_search_for_many2one_and_tags(self):
        Drug = self.env["ihospital.drug"].with_user(self.user_nurse)
        found = [drug_id for drug_id, _name in Drug.name_search("tbqs")]
        self.assertEqual(found, [self.ceftriaxone.id])
        # the other hospital's drug of the same name is not offered
        self.assertNotIn(self.ceftriaxone_2.id, [drug_id for drug_id, _name in Drug.name_search("头孢曲松")])

    def test_indication_and_category(self):
        Drug = self.env["ihospital.drug"].with_user(self.user_nurse)
        self.assertEqual(Drug.search([("indication_ids", "ilike", "肺炎")]), self.ceftriaxone)
        self.assertEqual(Drug.search([("indication_ids", "ilike", "J18")]), self.ceftriaxone)
        self.assertEqual(Drug.search([("indication_ids", "ilike", "hypertension")]), self.amlodipine)
        self.assertEqual(self.ceftriaxone.atc_group, "J")
        self.assertEqual(Drug.search([("atc_group", "=", "C")]), self.amlodipine)
        self.assertEqual(Drug.search([("is_high_alert", "=", True)]), self.warfarin)
        self.ceftriaxone.atc_code = "x"
        self.assertFalse(self.ceftriaxone.atc_group)

    def test_diseases_by_code_and_name(self):
        Disease = self.env["ihospital.disease"].with_user(self.user_nurse)
        self.assertIn(self.pneumonia, Disease.search([("display_name", "ilike", "J18.9")]))
        self.assertIn(self.pneumonia, Disease.search([("display_name", "ilike", "肺炎")]))
        self.assertIn(self.pneumonia, Disease.search([("display_name", "ilike", "feiyan")]))
        self.assertEqual(self.pneumonia.display_name, "J18.9 肺炎")
