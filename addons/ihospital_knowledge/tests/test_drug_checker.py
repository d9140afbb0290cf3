from psycopg2.errors import UniqueViolation

from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import KnowledgeCase


def _pairs(result):
    return [(row["drug_a"]["code"], row["drug_b"]["code"]) for row in result]


@tagged("post_install", "-at_install")
class TestDrugChecker(KnowledgeCase):
    def _check(self, drugs, user=None):
        Drug = self.env["ihospital.drug"].with_user(user or self.user_nurse)
        return Drug.check_incompatibilities(drugs)

    def test_every_pair_found_most_severe_first(self):
        result = self._check(["CRO001", "CAG001", "WAR001", "ASP001", "AML001"])
        self.assertEqual(
            [row["severity"] for row in result],
            ["contraindicated", "major", "minor"],
        )
        self.assertEqual(_pairs(result)[0], ("CRO001", "CAG001"))
        first = result[0]
        self.assertEqual(first["drug_a"], {"id": self.ceftriaxone.id, "code": "CRO001", "name": "头孢曲松钠"})
        self.assertEqual(first["severity_label"], "Contraindicated")
        self.assertEqual(first["kind"], "incompatible")
        self.assertEqual(first["management"], "Give separately.")
        self.assertEqual(first["source"], "Test reference")
        self.assertEqual(first["source_version"], "2024")
        # the pair given in the other order is the same pair, found once
        interaction = result[1]
        self.assertEqual({interaction["drug_a"]["code"], interaction["drug_b"]["code"]}, {"WAR001", "ASP001"})
        self.assertEqual(interaction["kind"], "interaction")

    def test_input_order_and_repeats_do_not_matter(self):
        forward = self._check(["CRO001", "CAG001", "WAR001", "ASP001"])
        backward = self._check(["ASP001", "WAR001", "CAG001", "CRO001"])
        mixed = self._check([self.aspirin.id, "WAR001", self.calcium.id, "CRO001", "CRO001", self.ceftriaxone.id])
        self.assertEqual(forward, backward)
        self.assertEqual(forward, mixed)
        self.assertEqual(len(forward), 2)
        self.assertEqual(len({row["id"] for row in mixed}), len(mixed), "each pair once")

    def test_drug_and_solution(self):
        result = self._check(["CRO001", "RL001"])
        self.assertEqual(len(result), 1)
        self.assertEqual({result[0]["drug_a"]["code"], result[0]["drug_b"]["code"]}, {"CRO001", "RL001"})
        self.assertFalse(self._check(["CRO001", "NS001"]), "ceftriaxone in saline is fine")
        self.assertFalse(self._check(["CRO001"]), "one drug alone has no pair")
        self.assertFalse(self._check([]))

    def test_unknown_drugs_are_refused_by_name(self):
        with self.assertRaisesRegex(UserError, "NOPE1.*NOPE2|NOPE2.*NOPE1"):
            self._check(["CRO001", "NOPE1", "NOPE2"])
        with self.assertRaisesRegex(UserError, str(999999999)):
            self._check([self.ceftriaxone.id, 999999999])
        with self.assertRaisesRegex(UserError, "neither drug ids nor drug codes"):
            self._check(["CRO001", None, True])
        with self.assertRaisesRegex(UserError, "list"):
            self._check("CRO001")

    def test_other_hospitals_drugs_are_unknown(self):
        # its codes name the caller's own drugs; its ids are unknown
        result = self._check(["CRO001", "CAG001"], user=self.user_pharmacist_2)
        self.assertEqual(result[0]["drug_a"]["id"], self.ceftriaxone_2.id)
        with self.assertRaisesRegex(UserError, str(self.warfarin.id)):
            self._check([self.ceftriaxone_2.id, self.warfarin.id], user=self.user_pharmacist_2)
        with self.assertRaisesRegex(UserError, "WAR001"):
            self._check(["CRO001", "WAR001"], user=self.user_pharmacist_2)

    def test_query_count_does_not_grow_with_the_drugs(self):
        Drug = self.env["ihospital.drug"].with_user(self.user_nurse)
        codes = ["CRO001", "CAG001", "WAR001", "ASP001", "AML001", "RL001", "NS001"]
        Drug.check_incompatibilities(codes)  # warm the rules' and the labels' caches
        self.env.invalidate_all()
        # one query resolves the drugs, one reads every pair among them
        with self.assertQueryCount(2):
            self.assertEqual(len(Drug.check_incompatibilities(codes)), 4)
        self.env.invalidate_all()
        with self.assertQueryCount(2):
            self.assertEqual(len(Drug.check_incompatibilities(codes[:2])), 1)

    def test_a_pair_is_unique_in_either_order(self):
        Pair = self.env["ihospital.drug.incompatibility"].with_user(self.user_pharmacist)
        with self.assertRaisesRegex(ValidationError, "listed already"):
            Pair.create({"drug_a_id": self.calcium.id, "drug_b_id": self.ceftriaxone.id})
        with self.assertRaisesRegex(ValidationError, "listed already"):
            Pair.create(
                [
                    {"drug_a_id": self.saline.id, "drug_b_id": self.warfarin.id},
                    {"drug_a_id": self.warfarin.id, "drug_b_id": self.saline.id},
                ]
            )
        with self.assertRaisesRegex(ValidationError, "itself"):
            Pair.create({"drug_a_id": self.calcium.id, "drug_b_id": self.calcium.id})
        # the database holds it too (a concurrent import passing the check)
        with mute_logger("odoo.sql_db"), self.assertRaises(UniqueViolation):
            self.env.cr.execute(
                "INSERT INTO ihospital_drug_incompatibility (company_id, drug_a_id, drug_b_id, kind, severity)"
                " VALUES (%s, %s, %s, 'incompatible', 'major')",
                (self.hospital.id, self.calcium.id, self.ceftriaxone.id),
            )

    def test_the_checker_screen_shows_the_pairs(self):
        Check = self.env["ihospital.drug.check"].with_user(self.user_nurse)
        check = Check.create({"drug_ids": [self.ceftriaxone.id, self.warfarin.id], "solution_id": self.ringer.id})
        self.assertEqual(check.pair_count, 1)
        self.assertIn("头孢曲松钠", check.result_html)
        self.assertIn("乳酸钠林格注射液", check.result_html)
        self.assertIn("Contraindicated", check.result_html)
        check.drug_ids = self.warfarin | self.aspirin
        self.assertEqual(check.pair_count, 1)
        self.assertIn("Major", check.result_html)
        check.drug_ids = self.amlodipine | self.ceftriaxone
        check.solution_id = self.saline
        self.assertEqual(check.pair_count, 0)
        self.assertIn("No known incompatibility", check.result_html)
