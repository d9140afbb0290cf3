from odoo.tests import HttpCase, tagged

from .common import KnowledgeCase


@tagged("post_install", "-at_install")
class TestDrugUi(HttpCase, KnowledgeCase):
    """A nurse on a phone: finds a drug by pinyin and runs the checker."""

    browser_size = "375x667"

    def test_search_a_drug_by_pinyin_on_a_phone(self):
        self.start_tour(
            "/odoo/action-ihospital_knowledge.ihospital_drug_action", "ihospital_drug_search", login="k_nurse"
        )

    def test_check_ceftriaxone_with_a_calcium_solution_on_a_phone(self):
        self.start_tour(
            "/odoo/action-ihospital_knowledge.ihospital_drug_check_action", "ihospital_drug_check", login="k_nurse"
        )
