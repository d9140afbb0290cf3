from odoo.addons.ihospital_base.tests.common import MockSmsProvider
from odoo.tests import HttpCase


class DemoPatientMixin:
    """The demo portal account (陈美玲, login `patient`) as `portal_user`,
    with `patient` her own patient record."""

    @classmethod
    def _set_up_demo_patient(cls):
        cls.portal_user = cls.env.ref("ihospital_base.user_patient_demo")
        cls.patient = (
            cls.env["ihospital.patient.account"]
            .search([("user_id", "=", cls.portal_user.id), ("relation", "=", "self")])
            .patient_id
        )


class DemoPatientCase(DemoPatientMixin, HttpCase):
    """Browser tests as the demo portal account."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._set_up_demo_patient()


class DemoPatientSmsCase(DemoPatientCase, MockSmsProvider):
    """The same, with the hospitals' SMS provider mocked (verification
    codes and booking notices are texted after commit: `flush_sms()` does
    what the SMS cron would)."""

    def setUp(self):
        super().setUp()
        self.enterContext(self.mockSmsProvider())
