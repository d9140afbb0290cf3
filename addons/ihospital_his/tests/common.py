import itertools
from datetime import timedelta

from odoo import fields
from odoo.addons.ihospital_base.tests.test_booking import BookingCase
from odoo.tests import new_test_user

_control_ids = itertools.count(1)


class HisCase(BookingCase):
    """Two hospitals, each with an endpoint and its own integration user."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()

        def gateway_user(login, company):
            return new_test_user(
                cls.env,
                login=login,
                groups="ihospital_his.group_his_gateway",
                company_id=company.id,
                company_ids=[company.id],
            )

        cls.user_gateway = gateway_user("t_gateway", cls.hospital)
        cls.user_gateway_2 = gateway_user("t_gateway_2", cls.hospital_2)
        Endpoint = cls.env["ihospital.his.endpoint"]
        cls.endpoint = Endpoint.create(
            {
                "name": "Test HIS",
                "code": "t-his",
                "company_id": cls.hospital.id,
                "user_id": cls.user_gateway.id,
                "max_attempts": 3,
            }
        )
        cls.endpoint_2 = Endpoint.create(
            {"name": "Test HIS 2", "code": "t-his-2", "company_id": cls.hospital_2.id, "user_id": cls.user_gateway_2.id}
        )
        cls.emp_doctor.his_code = "T-D1"
        cls.emp_doctor_2.his_code = "T-D9"
        cls.patient_cardio.his_patient_id = "P0001"
        cls.Message = cls.env["ihospital.his.message"]

    def submit(self, message_type, data, control_id=None, code="t-his", user=None, **extra):
        control_id = control_id or f"CTL{next(_control_ids):06d}"
        payload = {
            "control_id": control_id,
            "type": message_type,
            "protocol": "json",
            "raw": "{}",
            "data": data,
            "sent_at": False,
            "received_at": fields.Datetime.to_string(fields.Datetime.now() - timedelta(seconds=3)),
            **extra,
        }
        result = self.env["ihospital.his.endpoint"].with_user(user or self.user_gateway).gateway_submit(code, [payload])
        self.assertEqual(result[0]["control_id"], control_id)
        if result[0]["state"] != "received":
            return result[0]
        self.process()
        endpoint = self.env["ihospital.his.endpoint"].search([("code", "=", code)])
        message = self.message(control_id).filtered(lambda m: m.endpoint_id == endpoint)
        return {"control_id": control_id, "state": message.state, "error": message.error or ""}

    def process(self):
        """What the processing cron does right after the gateway's commit:
        Odoo's cron worker calls it again at once while it reports messages
        left (up to 10 calls; the critical lane takes one call of its own)."""
        received = [("direction", "=", "in"), ("state", "=", "received")]
        for _call in range(10):
            self.Message.sudo()._cron_process()
            if not self.Message.sudo().search_count(received):
                break

    def message(self, control_id):
        return self.Message.search([("control_id", "=", control_id)])

    def retry_later(self, messages):
        messages.next_attempt_at = fields.Datetime.now() - timedelta(seconds=1)
        self.Message._cron_retry()
