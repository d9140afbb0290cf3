from odoo.tests import TransactionCase, tagged


@tagged("post_install", "-at_install")
class TestFollowupDemo(TransactionCase):
    """The demo's follow-ups make the results mean something."""

    def test_demo_answers(self):
        Result = self.env["ihospital.followup.result"]
        main = self.env.ref("base.main_company")
        nanshan = self.env.ref("ihospital_base.res_company_nanshan_demo")
        main_rows = Result.search([("company_id", "=", main.id)])
        self.assertGreater(len(main_rows), 200)
        self.assertGreater(sum(main_rows.mapped("answered")), 150)
        self.assertTrue(sum(main_rows.mapped("declined")))
        self.assertTrue(sum(main_rows.mapped("expired")))
        self.assertGreater(len(main_rows.doctor_id), 5)
        self.assertGreater(len(main_rows.department_id), 3)
        self.assertTrue(Result.search_count([("company_id", "=", nanshan.id)]))
        plans = self.env["ihospital.followup.plan"].search([("company_id", "=", main.id)])
        self.assertEqual(set(plans.mapped("kind")), {"outpatient", "discharge", "surgery", "chronic"})
