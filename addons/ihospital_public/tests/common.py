from odoo.addons.sms.tests.common import MockSMS
from odoo.tests import HttpCase


class DemoPatientCase(HttpCase):
    """Browser tests as the demo portal account (陈美玲, login `patient`),
    with `patient` her own patient record."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.portal_user = cls.env.ref("ihospital_base.user_patient_demo")
        cls.patient = (
            cls.env["ihospital.patient.account"]
            .search([("user_id", "=", cls.portal_user.id), ("relation", "=", "self")])
            .patient_id
        )


class DemoPatientSmsCase(DemoPatientCase, MockSMS):
    """The same, with Odoo's SMS gateway mocked (verification codes and
    booking notices are sent by SMS)."""

    def setUp(self):
        super().setUp()
        self.enterContext(self.mockSMSGateway())
