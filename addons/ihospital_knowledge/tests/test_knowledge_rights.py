from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import KnowledgeCase


@tagged("post_install", "-at_install")
class TestKnowledgeRights(KnowledgeCase):
    def test_a_nurse_reads_but_cannot_change_drugs(self):
        drug = self.ceftriaxone.with_user(self.user_nurse)
        self.assertEqual(drug.name, "头孢曲松钠")
        with self.assertRaises(AccessError):
            drug.write({"dosage": "anything"})
        with self.assertRaises(AccessError):
            self.env["ihospital.drug"].with_user(self.user_nurse).create({"code": "X1", "name": "X"})
        with self.assertRaises(AccessError):
            self.pair_cro_cal.with_user(self.user_doctor).write({"severity": "minor"})
        with self.assertRaises(AccessError):
            self.ceftriaxone.with_user(self.user_nurse).action_mark_reviewed()

    def test_a_pharmacist_keeps_the_formulary_and_reviews_it(self):
        drug = self.ceftriaxone.with_user(self.user_pharmacist)
        drug.write({"dosage": "1-2 g once daily", "is_demo_content": True})
        self.assertEqual(drug.dosage, "1-2 g once daily")
        pair = (
            self.env["ihospital.drug.incompatibility"]
            .with_user(self.user_pharmacist)
            .create({"drug_a_id": self.warfarin.id, "drug_b_id": self.amlodipine.id, "severity": "minor"})
        )
        self.assertEqual(pair.company_id, self.hospital)
        # the review is an action, not a field one types in
        with self.assertRaises(AccessError):
            drug.write({"reviewed_by_id": self.user_pharmacist.id})
        drug.action_mark_reviewed()
        self.assertEqual(drug.reviewed_by_id, self.user_pharmacist)
        self.assertTrue(drug.reviewed_on)
        self.assertFalse(drug.is_demo_content)
        # the WHO's codes are every hospital's: no hospital changes them for
        # the others, not even its administrator (the loader and the data do)
        for user in (self.user_pharmacist, self.user_admin):
            with self.assertRaises(AccessError):
                self.pneumonia.with_user(user).write({"name": "x"})
            with self.assertRaises(AccessError):
                self.pneumonia.with_user(user).action_archive()
            with self.assertRaises(AccessError):
                self.env["ihospital.disease"].with_user(user).create({"code": "Z99.9", "company_id": False})
        # a hospital's own code is its administrator's
        own = (
            self.env["ihospital.disease"]
            .with_user(self.user_admin)
            .create({"code": "I10.x00x002", "name": "高血压3级", "company_id": self.hospital.id})
        )
        own.write({"name": "高血压3级（极高危）"})

    def test_the_other_hospital_sees_nothing(self):
        Drug = self.env["ihospital.drug"].with_user(self.user_pharmacist_2)
        self.assertEqual(Drug.search([]), self.ceftriaxone_2 | self.calcium_2)
        self.assertEqual(
            self.env["ihospital.drug.incompatibility"].with_user(self.user_pharmacist_2).search_count([]), 1
        )
        with self.assertRaises(AccessError):
            self.warfarin.with_user(self.user_pharmacist_2).read(["name"])
        with self.assertRaises(AccessError):
            self.warfarin.with_user(self.user_pharmacist_2).write({"name": "x"})
        # the shared WHO codes are read by every hospital
        self.assertTrue(self.pneumonia.with_user(self.user_pharmacist_2).name)

    def test_literature_is_kept_by_quality_and_the_pharmacy(self):
        Literature = self.env["ihospital.literature"]
        article = Literature.with_user(self.user_quality).create(
            {"name": "头孢曲松与钙剂配伍的安全性", "authors": "张三", "journal": "中国医院药学杂志", "year": 2021}
        )
        Literature.with_user(self.user_pharmacist).create(
            {"name": "静脉用药调配培训", "kind": "video", "url": "https://example.org/lecture"}
        )
        self.assertEqual(Literature.with_user(self.user_nurse).search([("display_name", "ilike", "张三")]), article)
        with self.assertRaises(AccessError):
            article.with_user(self.user_nurse).write({"year": 2020})
        self.assertFalse(Literature.with_user(self.user_pharmacist_2).search([]))
