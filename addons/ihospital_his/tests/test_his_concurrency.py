from odoo import api
from odoo.addons.ihospital_base.tests.common import CommittedCase
from odoo.tests import tagged


@tagged("post_install", "-at_install")
class TestPullConcurrency(CommittedCase):
    """Two overlapping gateway_pull calls on separate database connections,
    as two Odoo workers would run them: a message is handed out once."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        with cls.committed_env() as env:
            user = env["res.users"].create(
                {
                    "name": "Pull Race Gateway",
                    "login": "pull_race_gateway",
                    "groups_id": [(6, 0, [env.ref("ihospital_his.group_his_gateway").id])],
                }
            )
            endpoint = env["ihospital.his.endpoint"].create(
                {"name": "Race", "code": "pull-race", "company_id": env.company.id, "user_id": user.id}
            )
            Message = env["ihospital.his.message"]
            for index in range(6):
                Message._queue_outbound(endpoint, "patient.sync", {"patient": {"his_patient_id": f"R{index}"}})
            cls.ids = {"user": user.id, "endpoint": endpoint.id}

    @classmethod
    def tearDownClass(cls):
        with cls.registry.cursor() as cr:
            cr.execute("DELETE FROM ihospital_his_message WHERE endpoint_id = %s", (cls.ids["endpoint"],))
            cr.execute("DELETE FROM ihospital_his_endpoint WHERE id = %s", (cls.ids["endpoint"],))
            cr.execute("DELETE FROM res_users WHERE id = %s", (cls.ids["user"],))
        super().tearDownClass()

    def test_overlapping_pulls_never_hand_out_a_message_twice(self):
        with self.registry.cursor() as cr1, self.registry.cursor() as cr2:
            first = api.Environment(cr1, self.ids["user"], {})["ihospital.his.endpoint"].gateway_pull("pull-race", 4)
            # the first pull has not committed yet when the second one runs
            second = api.Environment(cr2, self.ids["user"], {})["ihospital.his.endpoint"].gateway_pull("pull-race", 10)
            first_ids = {message["control_id"] for message in first}
            second_ids = {message["control_id"] for message in second}
            self.assertEqual(len(first_ids), 4)
            self.assertEqual(len(second_ids), 2, "only the messages the first pull did not take")
            self.assertFalse(first_ids & second_ids)
            cr2.rollback()
            cr1.rollback()
