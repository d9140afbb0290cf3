from odoo.tests import HttpCase, tagged


@tagged("post_install", "-at_install")
class TestUi(HttpCase):
    def test_register_patient_in_back_office(self):
        self.start_tour(
            "/odoo/action-ihospital_base.ihospital_patient_action", "ihospital_base_register_patient", login="admin"
        )
        patient = self.env["ihospital.patient"].search([("id_number", "=", "440115199007082620")])
        self.assertEqual(patient.name, "梁婉婷")
        self.assertEqual(patient.gender, "female")
        self.assertEqual(patient.phone, "+8613912345678")


@tagged("post_install", "-at_install")
class TestUiPhone(HttpCase):
    """Staff screens work at 375 px width first."""

    browser_size = "375x667"
    touch_enabled = True

    def test_a_bed_doctor_sees_the_inpatients_on_a_phone(self):
        self.start_tour(
            "/odoo/action-ihospital_base.ihospital_admission_action",
            "ihospital_base_inpatients_on_a_phone",
            login="doctor",
        )
