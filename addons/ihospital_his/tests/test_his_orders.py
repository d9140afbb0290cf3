"""Medical orders (医嘱) and their executions (执行记录) from the HIS:
good, duplicate, out of order, bad input, unknown patient, and a run
applied set-based with a fixed number of queries."""

from unittest.mock import patch

from odoo import fields
from odoo.tests import tagged

from ..handlers import REGISTRY
from .common import HisCase
from .test_his_clinical import ADMIT

ORDER = {
    "order_no": "YZ-001",
    "patient": {"his_patient_id": "P0001"},
    "admission_no": "ZY-001",
    "doctor_code": "T-D1",
    "kind": "drug",
    "term": "long_term",
    "item_code": "X-B01AC06",
    "item_name": "阿司匹林肠溶片 100mg",
    "dose": 100,
    "dose_unit": "mg",
    "route": "口服",
    "frequency": "qd",
    "ordered_at": "2026-01-10T08:30:00+08:00",
    "start_at": "2026-01-10T09:00:00+08:00",
}
EXECUTION = {
    "execution_no": "ZX-001",
    "order_no": "YZ-001",
    "patient": {"his_patient_id": "P0001"},
    "status": "given",
    "executed_at": "2026-01-11T08:05:00+08:00",
    "executor_code": "T-N1",
    "dose": "100",
    "dose_unit": "mg",
}


def utc(text):
    return fields.Datetime.to_datetime(text)


@tagged("post_install", "-at_install")
class TestHisOrders(HisCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.emp_nurse.his_code = "T-N1"

    def order(self, number="YZ-001"):
        return self.env["ihospital.medical.order"].search(
            [("name", "=", number), ("company_id", "=", self.hospital.id)]
        )

    def test_an_order_of_an_inpatient_and_its_executions(self):
        self.submit("admission.admit", ADMIT)
        result = self.submit("order.new", ORDER)
        self.assertEqual(result["state"], "processed", result["error"])
        order = self.order()
        admission = self.env["ihospital.admission"].search([("name", "=", "ZY-001")])
        self.assertEqual(
            (order.patient_id, order.admission_id, order.department_id, order.doctor_id),
            (self.patient_cardio, admission, self.cardiology, self.emp_doctor),
            "the stay's department when the order names none",
        )
        self.assertEqual((order.kind, order.term, order.dose, order.frequency), ("drug", "long_term", "100", "qd"))
        self.assertEqual((order.state, order.start_at), ("new", utc("2026-01-10 01:00:00")))
        self.assertEqual(order.event_ids.mapped("event"), ["new"])
        self.assertIn("ihospital.medical.order", self.message(result["control_id"]).link_ids.mapped("res_model"))
        given = self.submit("order.execution", EXECUTION)
        self.assertEqual(given["state"], "processed", given["error"])
        skipped = dict(EXECUTION, execution_no="ZX-002", status="skipped", reason="患者外出检查", executor_code="T-N77")
        self.assertEqual(self.submit("order.execution", skipped)["state"], "processed")
        first, second = order.execution_ids.sorted("name")
        self.assertEqual((first.state, first.executor_id, first.dose), ("given", self.emp_nurse, "100"))
        self.assertEqual((second.state, second.reason, second.codes_to_resolve), ("skipped", "患者外出检查", True))
        self.assertEqual(first.patient_id, self.patient_cardio)
        # the staff member arrives: the execution gets its executor
        self.submit("master.doctors", {"items": [{"code": "T-N77", "name": "Nurse Liu", "department_code": "T-XNK"}]})
        self.assertEqual(second.executor_id.his_code, "T-N77")

    def test_duplicates_change_nothing(self):
        result = self.submit("order.new", ORDER, control_id="ORD-DUP")
        self.assertEqual(result["state"], "processed", result["error"])
        again = self.submit("order.new", ORDER, control_id="ORD-DUP")
        self.assertEqual(again["state"], "duplicate")
        # the same order under another control id (a resend): one order, one history line
        self.assertEqual(self.submit("order.new", ORDER)["state"], "processed")
        self.submit("order.execution", EXECUTION)
        corrected = dict(EXECUTION, dose="50")
        self.assertEqual(self.submit("order.execution", corrected)["state"], "processed")
        order = self.order()
        self.assertEqual((len(order), len(order.event_ids), len(order.execution_ids)), (1, 1, 1))
        self.assertEqual(order.execution_ids.dose, "50", "a resent execution corrects the record")

    def test_events_applied_by_their_time_whatever_order_they_arrive_in(self):
        self.submit("order.new", ORDER)
        order = self.order()
        newer = {
            "order_no": "YZ-001",
            "patient": {"his_patient_id": "P0001"},
            "changed_at": "2026-01-12T08:00:00+08:00",
            "frequency": "bid",
            "reason": "加量",
        }
        self.assertEqual(self.submit("order.change", newer)["state"], "processed")
        older = dict(newer, changed_at="2026-01-11T08:00:00+08:00", frequency="tid", note="older", reason="补录")
        self.assertEqual(self.submit("order.change", older)["state"], "processed")
        self.assertEqual(
            (order.state, order.frequency), ("changed", "bid"), "an older change does not undo a newer one"
        )
        self.assertEqual(order.note, "older", "it fills in what the order lacked")
        self.assertEqual(len(order.event_ids), 3)
        self.assertIn("bid", order.event_ids.filtered(lambda e: e.reason == "加量").changes)
        stop = {"order_no": "YZ-001", "patient": {"his_patient_id": "P0001"}, "stop_at": "2026-01-13T09:00:00+08:00"}
        self.assertEqual(self.submit("order.stop", dict(stop, reason="病情好转"))["state"], "processed")
        self.assertEqual(
            (order.state, order.stop_at, order.reason), ("stopped", utc("2026-01-13 01:00:00"), "病情好转")
        )
        self.assertFalse(order.is_active)
        late = dict(newer, changed_at="2026-01-14T08:00:00+08:00", frequency="qid")
        self.submit("order.change", late)
        self.assertEqual((order.state, order.frequency), ("stopped", "bid"), "a stopped order stays stopped")
        self.submit("order.cancel", {"order_no": "YZ-001", "patient": {"his_patient_id": "P0001"}, "reason": "开错"})
        self.assertEqual(order.state, "cancelled")
        self.submit("order.stop", dict(stop, stop_at="2026-01-15T09:00:00+08:00"))
        self.assertEqual(order.state, "cancelled", "a cancelled order stays cancelled")

    def test_what_overtakes_its_order_waits_for_it_or_creates_it(self):
        # an execution and a bare change before their order: they wait for it
        execution = self.submit("order.execution", EXECUTION)
        change = {
            "order_no": "YZ-001",
            "patient": {"his_patient_id": "P0001"},
            "changed_at": "2026-01-12T08:00:00+08:00",
            "dose": "200",
        }
        waiting = self.submit("order.change", change)
        self.assertEqual((execution["state"], waiting["state"]), ("failed", "failed"))
        self.assertIn("order:YZ-001", self.message(execution["control_id"]).waiting_keys)
        self.assertFalse(self.order())
        self.submit("order.new", ORDER)
        order = self.order()
        self.assertEqual(self.message(execution["control_id"]).state, "processed")
        self.assertEqual(self.message(waiting["control_id"]).state, "processed")
        self.assertEqual((order.state, order.dose, len(order.execution_ids)), ("changed", "200", 1))
        # a stop carrying the whole order (an HL7 DC with its RXO) creates it, stopped; the order arriving
        # later fills in what the stop did not say and does not bring it back
        stop = dict(ORDER, order_no="YZ-002", stop_at="2026-01-12T09:00:00+08:00", reason="出院")
        del stop["ordered_at"], stop["route"]
        self.assertEqual(self.submit("order.stop", stop)["state"], "processed")
        self.submit("order.new", dict(ORDER, order_no="YZ-002"))
        stopped = self.order("YZ-002")
        self.assertEqual((stopped.state, stopped.route, len(stopped.event_ids)), ("stopped", "口服", 2))

    def test_an_order_of_a_patient_not_known_yet_waits_for_the_registration(self):
        data = dict(ORDER, order_no="YZ-U", patient={"his_patient_id": "P-LATER"}, admission_no=None)
        result = self.submit("order.new", data)
        self.assertEqual(result["state"], "failed")
        self.assertFalse(self.order("YZ-U"))
        self.submit(
            "patient.register", {"patient": {"his_patient_id": "P-LATER", "name": "晚到", "birth_date": "1960-01-01"}}
        )
        self.assertEqual(self.message(result["control_id"]).state, "processed")
        self.assertEqual(self.order("YZ-U").patient_id.his_patient_id, "P-LATER")

    def test_bad_input_is_parked(self):
        for bad in (
            dict(ORDER, kind="surgery"),
            dict(ORDER, start_at="tomorrow"),
            dict(ORDER, start_at="2026-01-10T09:00:00+08:00", stop_at="2026-01-09T09:00:00+08:00"),
            {key: value for key, value in ORDER.items() if key != "item_name"},
        ):
            self.assertEqual(self.submit("order.new", bad)["state"], "dead", bad)
        self.assertFalse(self.order())
        self.submit("order.new", ORDER)
        skipped = dict(EXECUTION, status="skipped")
        result = self.submit("order.execution", skipped)
        self.assertEqual(result["state"], "dead")
        self.assertIn("reason", result["error"])
        other = dict(EXECUTION, patient={"medical_card_number": "T0002"})
        self.assertIn("another patient", self.submit("order.execution", other)["error"])
        theirs = dict(ORDER, patient={"medical_card_number": "T0002"}, admission_no=None)
        self.assertEqual(self.submit("order.change", dict(theirs, changed_at="2026-01-12T08:00"))["state"], "dead")
        self.assertFalse(self.order().execution_ids)
        self.assertEqual(self.order().patient_id, self.patient_cardio)

    def test_a_run_of_orders_and_executions_with_a_fixed_number_of_queries(self):
        patients = self.env["ihospital.patient"].create(
            [
                {"name": f"医嘱{n}", "company_id": self.hospital.id, "medical_card_number": f"TO{n:03d}"}
                for n in range(40)
            ]
        )
        self.env["ihospital.admission"].create(
            [
                {"name": f"ZO-{n}", "company_id": self.hospital.id, "patient_id": patient.id,
                 "department_id": self.cardiology.id}
                for n, patient in enumerate(patients)
            ]
        )  # fmt: skip
        Endpoint = self.env["ihospital.his.endpoint"].with_user(self.user_gateway)

        def run(message_type, payloads, queries):
            Endpoint.gateway_submit("t-his", payloads)
            self.env.flush_all()
            self.env.invalidate_all()
            handler = type(REGISTRY[message_type])
            with (
                patch.object(handler, "process", side_effect=AssertionError("applied one by one")),
                self.assertQueryCount(__system__=queries),
            ):
                self.Message.sudo()._cron_process()
                self.env.flush_all()

        for first, count in ((900, 2), (1000, 20), (2000, 40)):  # the first run fills the registry's caches
            orders = [
                {"control_id": f"O{n:05d}", "type": "order.new", "protocol": "json", "raw": "{}",
                 "data": dict(ORDER, order_no=f"YB-{n}", patient={"medical_card_number": f"TO{n - first:03d}"},
                              admission_no=None)}
                for n in range(first, first + count)
            ]  # fmt: skip
            # 28 and 19: the critical lanes' search (none waiting here), the ordinary queue's lock, its locked
            # search and fetch included, the links' hospital in their INSERT
            run("order.new", orders, 100 if count == 2 else 28)
            created = self.env["ihospital.medical.order"].search([("name", "like", f"YB-{first // 100}")])
            self.assertEqual(len(created), count)
            self.assertEqual(created.patient_id, patients[:count])
            self.assertEqual(created.admission_id.patient_id, patients[:count], "each on the patient's stay")
            self.assertEqual((created.department_id, created.doctor_id), (self.cardiology, self.emp_doctor))
            self.assertEqual(len(created.event_ids), count)
            executions = [
                {"control_id": f"X{n:05d}", "type": "order.execution", "protocol": "json", "raw": "{}",
                 "data": dict(EXECUTION, execution_no=f"XB-{n}", order_no=f"YB-{n}",
                              patient={"medical_card_number": f"TO{n - first:03d}"})}
                for n in range(first, first + count)
            ]  # fmt: skip
            run("order.execution", executions, 100 if count == 2 else 19)
            self.assertEqual(len(created.execution_ids), count)
            self.assertEqual(created.execution_ids.executor_id, self.emp_nurse)
        messages = self.Message.search(["|", ("control_id", "like", "O0"), ("control_id", "like", "X0")])
        self.assertEqual(set(messages.mapped("state")), {"processed"})
