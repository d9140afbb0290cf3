from odoo.tests import tagged

from .common import KnowledgeCase

CSV_OPTIONS = {"quoting": '"', "separator": ",", "has_headers": True}


@tagged("post_install", "-at_install")
class TestDrugImport(KnowledgeCase):
    """The pharmacy loads its formulary and incompatibility table from a
    spreadsheet through Odoo's import: drugs are named by their codes, a
    bad row is reported by its line, and nothing is loaded unless all is."""

    def _import(self, model, rows, user=None):
        header, *_lines = rows
        data = "\n".join(",".join(f'"{cell}"' for cell in row) for row in rows).encode()
        wizard = (
            self.env["base_import.import"]
            .with_user(user or self.user_pharmacist)
            .create({"res_model": model, "file": data, "file_name": "table.csv", "file_type": "text/csv"})
        )
        return wizard.execute_import(header, header, dict(CSV_OPTIONS))

    def _errors(self, result):
        return [(message["record"], message["message"]) for message in result["messages"] if message["type"] == "error"]

    def test_formulary_and_table_import(self):
        result = self._import(
            "ihospital.drug",
            [
                ["code", "name", "brand_names", "atc_code", "kind", "is_high_alert", "high_alert_level"],
                ["VAN001", "注射用盐酸万古霉素", "稳可信, Vancocin", "J01XA01", "Drug", "0", ""],
                ["KCL001", "氯化钾注射液", "", "B05XA01", "Drug", "1", "A"],
                ["GS001", "5%葡萄糖注射液", "", "", "Infusion Solution", "0", ""],
            ],
        )
        self.assertFalse(self._errors(result), result["messages"])
        drugs = self.env["ihospital.drug"].browse(result["ids"])
        self.assertEqual(drugs.mapped("code"), ["VAN001", "KCL001", "GS001"])
        self.assertEqual(drugs.company_id, self.hospital)
        self.assertEqual(drugs[1].high_alert_level, "A")
        self.assertEqual(drugs[2].kind, "solution")
        self.assertEqual(drugs[0].atc_group, "J")
        self.assertIn(drugs[0], self.env["ihospital.drug"].search([("display_name", "ilike", "wangumeisu")]))

        # the table names the drugs by code (or by name)
        result = self._import(
            "ihospital.drug.incompatibility",
            [
                ["drug_a_id", "drug_b_id", "kind", "severity", "mechanism", "source", "source_version"],
                ["VAN001", "CRO001", "incompatible", "major", "沉淀", "Trissel's", "2023"],
                ["氯化钾注射液", "GS001", "interaction", "minor", "", "Test", "1"],
            ],
        )
        self.assertFalse(self._errors(result), result["messages"])
        pairs = self.env["ihospital.drug.incompatibility"].browse(result["ids"])
        self.assertEqual(pairs[0].drug_b_id, self.ceftriaxone)
        self.assertEqual(pairs[1].drug_a_id.code, "KCL001")

    def test_bad_rows_are_reported_and_nothing_is_loaded(self):
        Pair = self.env["ihospital.drug.incompatibility"]
        before = Pair.search_count([])
        result = self._import(
            "ihospital.drug.incompatibility",
            [
                ["drug_a_id", "drug_b_id", "severity"],
                ["WAR001", "CRO001", "major"],  # fine
                ["NOPE999", "CRO001", "major"],  # unknown code
                ["CAG001", "CRO001", "major"],  # the pair exists (other order)
                ["ASP001", "ASP001", "minor"],  # a drug with itself
                ["AML001", "WAR001", "terrible"],  # no such severity
            ],
        )
        errors = self._errors(result)
        self.assertFalse(result["ids"])
        self.assertEqual(Pair.search_count([]), before, "nothing half-loaded")
        rows = {record for record, _message in errors}
        self.assertEqual(rows, {1, 2, 3, 4}, errors)
        by_row = {}
        for record, message in errors:
            by_row.setdefault(record, message)
        self.assertIn("NOPE999", by_row[1])
        self.assertIn("listed already", by_row[2])
        self.assertIn("itself", by_row[3])
        self.assertIn("terrible", by_row[4])

    def test_duplicate_codes_and_other_hospitals_codes(self):
        result = self._import(
            "ihospital.drug",
            [["code", "name"], ["NEW001", "新药"], ["CRO001", "头孢曲松钠"]],
        )
        errors = self._errors(result)
        self.assertEqual([record for record, _message in errors], [1])
        self.assertIn("CRO001 is used already", errors[0][1])
        self.assertFalse(self.env["ihospital.drug"].search([("code", "=", "NEW001")]))
        # the other hospital's pharmacist cannot name this hospital's drugs
        result = self._import(
            "ihospital.drug.incompatibility",
            [["drug_a_id", "drug_b_id", "severity"], ["CRO001", "WAR001", "major"]],
            user=self.user_pharmacist_2,
        )
        self.assertIn("WAR001", self._errors(result)[0][1])

    def test_a_nurse_cannot_import_drugs(self):
        result = self._import("ihospital.drug", [["code", "name"], ["NEW002", "新药"]], user=self.user_nurse)
        self.assertTrue(self._errors(result))
        self.assertFalse(self.env["ihospital.drug"].search([("code", "=", "NEW002")]))
