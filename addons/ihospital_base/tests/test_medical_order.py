"""Medical orders (医嘱) and their executions: only the HIS writes them;
staff read them under the department rules of their stay; the patient's
page gets the active orders and today's executions."""

from datetime import timedelta

from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import HttpCase, tagged

from .common import IhospitalCase, RpcMixin


@tagged("post_install", "-at_install")
class TestMedicalOrder(IhospitalCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        now = fields.Datetime.now()
        cls.admission = cls.env["ihospital.admission"].create(
            {
                "company_id": cls.hospital.id,
                "name": "ZY-T1",
                "patient_id": cls.patient_cardio.id,
                "department_id": cls.cardiology.id,
                "attending_doctor_id": cls.emp_doctor.id,
                "admitted_at": now - timedelta(days=2),
            }
        )
        Order = cls.env["ihospital.medical.order"]
        common = {"company_id": cls.hospital.id, "patient_id": cls.patient_cardio.id, "admission_id": cls.admission.id}
        cls.aspirin = Order.create(
            dict(
                common, name="YZ-1", kind="drug", term="long_term", item_name="阿司匹林肠溶片 100mg", dose="100",
                dose_unit="mg", route="口服", frequency="qd", department_id=cls.cardiology.id,
                doctor_id=cls.emp_doctor.id, start_at=now - timedelta(days=2),
            )
        )  # fmt: skip
        cls.stopped = Order.create(
            dict(
                common, name="YZ-2", kind="drug", item_name="硝酸甘油注射液", start_at=now - timedelta(days=2),
                stop_at=now - timedelta(days=1), state="stopped", department_id=cls.cardiology.id,
            )
        )  # fmt: skip
        cls.ended_by_time = Order.create(
            dict(
                common, name="YZ-3", kind="lab", item_name="血常规", start_at=now - timedelta(days=2),
                stop_at=now - timedelta(hours=1), department_id=cls.cardiology.id,
            )
        )  # fmt: skip
        cls.diet = Order.create(
            dict(common, name="YZ-4", kind="diet", item_name="低盐低脂饮食", start_at=now - timedelta(days=2))
        )
        Execution = cls.env["ihospital.order.execution"]
        cls.today = Execution.create(
            {"name": "ZX-1", "order_id": cls.aspirin.id, "executed_at": now, "executor_id": cls.emp_nurse.id}
        )
        cls.yesterday = Execution.create(
            {"name": "ZX-2", "order_id": cls.aspirin.id, "executed_at": now - timedelta(days=1, hours=1)}
        )

    def test_active_orders_and_todays_executions_for_the_patients_page(self):
        Order = self.env["ihospital.medical.order"]
        mine = [("patient_id", "=", self.patient_cardio.id)]
        self.assertEqual(Order.search([*mine, ("is_active", "=", True)]), self.aspirin | self.diet)
        self.assertEqual(Order.search([*mine, ("is_active", "!=", True)]), self.stopped | self.ended_by_time)
        data = self.patient_cardio.with_user(self.user_nurse).get_active_orders()
        self.assertEqual([order["name"] for order in data["orders"]], ["YZ-1", "YZ-4"])
        aspirin = data["orders"][0]
        self.assertEqual((aspirin["dose"], aspirin["route"], aspirin["frequency"]), ("100 mg", "口服", "qd"))
        self.assertEqual([e["executor"] for e in aspirin["executions"]], ["Nurse Huang"])
        self.assertEqual(data["execution_count"], 1, "yesterday's execution is not today's")
        log = self.env["ihospital.access.log"].search(
            [("user_id", "=", self.user_nurse.id), ("res_model", "=", "ihospital.medical.order")]
        )
        self.assertTrue(log, "the read is logged")

    def test_department_rules(self):
        Order = self.env["ihospital.medical.order"]
        for user in (self.user_nurse, self.user_doctor, self.user_head, self.user_quality, self.user_director):
            self.assertIn(self.aspirin, Order.with_user(user).search([]), user.login)
        # a doctor of another department, the other hospital, a patient: nothing
        self.assertFalse(Order.with_user(self.user_surgeon).search([]))
        self.assertFalse(Order.with_user(self.user_doctor_2).search([]))
        self.assertFalse(self.env["ihospital.order.execution"].with_user(self.user_surgeon).search([]))
        with self.assertRaises(AccessError):
            Order.with_user(self.user_portal).search([])
        with self.assertRaises(AccessError):
            self.patient_cardio.with_user(self.user_surgeon).get_active_orders()
        # the surgeon who writes an order for the patient sees it
        self.diet.sudo().doctor_id = self.emp_surgeon
        self.assertEqual(Order.with_user(self.user_surgeon).search([]), self.diet)
        self.assertEqual(self.diet.with_user(self.user_surgeon).event_ids, self.env["ihospital.medical.order.event"])

    def test_nobody_writes_orders_but_the_his(self):
        for user in (self.user_nurse, self.user_doctor, self.user_admin):
            with self.assertRaises(AccessError, msg=user.login):
                self.aspirin.with_user(user).write({"dose": "200"})
            with self.assertRaises(AccessError, msg=user.login):
                self.env["ihospital.medical.order"].with_user(user).create(
                    {"name": "YZ-X", "patient_id": self.patient_cardio.id, "item_name": "X", "start_at": "2026-01-01"}
                )
            with self.assertRaises(AccessError, msg=user.login):
                self.today.with_user(user).write({"state": "skipped", "reason": "x"})
            with self.assertRaises(AccessError, msg=user.login):
                self.aspirin.with_user(user).unlink()
        self.assertEqual(self.aspirin.dose, "100")


@tagged("post_install", "-at_install")
class TestMedicalOrderRpc(RpcMixin, HttpCase):
    """The demo's inpatients' orders over JSON-RPC, as the demo logins."""

    def test_staff_read_their_wards_orders_and_nobody_writes_them(self):
        orders = self.env["ihospital.medical.order"].search([("department_id.his_code", "=", "XNK")])
        self.assertTrue(orders.filtered("is_active").execution_ids, "the demo has executions of active orders")
        self.assertEqual(set(orders.mapped("kind")), {"drug", "lab", "nursing", "diet"})
        self.authenticate("nurse", "nurse")
        result, error = self._call("ihospital.medical.order", "search_read", [[]], {"fields": ["department_id"]})
        self.assertFalse(error)
        self.assertEqual({row["id"] for row in result}, set(orders.ids))
        _result, error = self._call("ihospital.medical.order", "write", [orders[:1].ids, {"state": "cancelled"}])
        self.assertEqual(error.get("name"), "odoo.exceptions.AccessError")
        executions = orders.execution_ids[:1]
        _result, error = self._call("ihospital.order.execution", "write", [executions.ids, {"state": "skipped"}])
        self.assertEqual(error.get("name"), "odoo.exceptions.AccessError")
        patient = orders.filtered("is_active")[:1].patient_id
        result, error = self._call("ihospital.patient", "get_active_orders", [patient.ids])
        self.assertFalse(error)
        self.assertTrue(result["orders"] and result["execution_count"])
        # the laboratory's nurse, of another department, finds nothing
        self.authenticate("lab", "lab")
        result, error = self._call("ihospital.medical.order", "search_read", [[]], {"fields": ["item_name"]})
        self.assertEqual((result, error), ([], {}))
        _result, error = self._call("ihospital.patient", "get_active_orders", [patient.ids])
        self.assertEqual(error.get("name"), "odoo.exceptions.AccessError")
        # the administrator reads, never writes
        self.authenticate("hospadmin", "hospadmin")
        _result, error = self._call("ihospital.medical.order", "unlink", [orders[:1].ids])
        self.assertEqual(error.get("name"), "odoo.exceptions.AccessError")
        # the patient's portal account: no access at all
        self.authenticate("patient", "patient")
        _result, error = self._call("ihospital.order.execution", "search_read", [[]], {"fields": ["state"]})
        self.assertEqual(error.get("name"), "odoo.exceptions.AccessError")
