import json
from datetime import timedelta

from odoo import fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged

from .common import HisCase

LAB = {
    "report_no": "L-001",
    "patient": {"his_patient_id": "P0001"},
    "title": "血常规",
    "department_code": "T-XNK",
    "doctor_code": "T-D1",
    "specimen": "Venous blood",
    "reported_at": "2026-01-10T09:30:00+08:00",
    "results": [
        {"code": "WBC", "name": "White cells", "value": "6.1", "unit": "10^9/L", "reference_range": "3.5-9.5"},
        {"code": "K", "name": "Potassium", "value": "6.9", "unit": "mmol/L", "flag": "HH"},
    ],
}
# a visit waits for its patient (a lab result never does: it is stored unmatched)
VISIT = {"visit_ref": "V-1", "department_code": "T-XNK", "start": "2026-01-10T09:00:00+08:00"}


@tagged("post_install", "-at_install")
class TestHisInbound(HisCase):
    def test_master_hospital_only_touches_the_endpoints_hospital(self):
        result = self.submit("master.hospital", {"code": "TGH", "name": "Test General", "grade": "三级甲等"})
        self.assertEqual(result["state"], "processed", result["error"])
        self.assertEqual(self.hospital.his_code, "TGH")
        self.assertEqual(self.hospital.hospital_grade, "3a")
        self.assertEqual(self.hospital_2.name, "Test Community Hospital")
        # a code that is not the endpoint's hospital's is refused
        result = self.submit("master.hospital", {"code": "OTHER", "name": "Someone else"})
        self.assertEqual(result["state"], "dead")
        self.assertEqual(self.hospital.name, "Test General")

    def test_master_departments_and_doctors(self):
        result = self.submit(
            "master.departments",
            {
                "items": [
                    {"code": "T-XNK", "name": "Cardiology (HIS)", "room": "301"},
                    {"code": "T-NEW", "name": "Neurology", "category": "internal"},
                ]
            },
        )
        self.assertEqual(result["state"], "processed", result["error"])
        self.assertEqual(self.cardiology.name, "Cardiology (HIS)")
        neurology = self.env["hr.department"].search([("his_code", "=", "T-NEW")])
        self.assertEqual(neurology.company_id, self.hospital)
        message = self.message(result["control_id"])
        self.assertEqual(sorted(message.link_ids.mapped("operation")), ["created", "updated"])
        result = self.submit(
            "master.doctors",
            {"items": [{"code": "T-D7", "name": "Dr Wu", "department_code": "T-NEW", "title": "主任医师"}]},
        )
        self.assertEqual(result["state"], "processed", result["error"])
        doctor = self.env["hr.employee"].search([("his_code", "=", "T-D7")])
        self.assertEqual((doctor.department_id, doctor.professional_title), (neurology, "chief_physician"))
        # the department of the other hospital is not found from this endpoint
        result = self.submit(
            "master.doctors", {"items": [{"code": "T-D8", "name": "Dr Ma", "department_code": "T-QK"}]}
        )
        self.assertEqual(result["state"], "failed")
        self.assertIn("T-QK", result["error"])

    def _schedule_data(self, **vals):
        return {
            "ref": "S-1",
            "department_code": "T-XNK",
            "doctor_code": "T-D1",
            "date": fields.Date.to_string(fields.Date.today() + timedelta(days=3)),
            "session": "afternoon",
            "clinic_type": "expert",
            "capacity": 4,
            "fee": 30,
            "room": "302",
            **vals,
        }

    def test_schedule_upsert_and_capacity(self):
        result = self.submit("schedule.upsert", self._schedule_data())
        self.assertEqual(result["state"], "processed", result["error"])
        schedule = self.env["ihospital.schedule"].search([("his_ref", "=", "S-1")])
        self.assertEqual((schedule.state, schedule.source, len(schedule.slot_ids)), ("published", "his", 4))
        result = self.submit("schedule.upsert", self._schedule_data(capacity=6, fee=40))
        self.assertEqual(result["state"], "processed", result["error"])
        self.assertEqual((schedule.capacity, len(schedule.slot_ids), schedule.fee), (6, 6, 40))
        schedule.release_override = True
        schedule.release_at_manual = fields.Datetime.now() - timedelta(hours=1)
        self._book(schedule, self.patient_cardio, channel="window")
        self._book(schedule, self.patient_surgery, channel="window")
        result = self.submit("schedule.upsert", self._schedule_data(capacity=1))
        self.assertEqual(result["state"], "dead")
        self.assertIn("2 bookings", result["error"])
        self.assertEqual(schedule.capacity, 6)
        result = self.submit("schedule.upsert", self._schedule_data(capacity=2))
        self.assertEqual(result["state"], "processed", result["error"])
        self.assertEqual((schedule.capacity, len(schedule.slot_ids), schedule.available_count), (2, 2, 0))

    def test_schedule_upsert_takes_over_a_clinic_entered_by_hand(self):
        data = self._schedule_data()
        manual = self.env["ihospital.schedule"].create(
            {
                "company_id": self.hospital.id,
                "department_id": self.cardiology.id,
                "doctor_id": self.emp_doctor.id,
                "date": data["date"],
                "session": data["session"],
                "capacity": 4,
            }
        )
        result = self.submit("schedule.upsert", data)
        self.assertEqual(result["state"], "processed", result["error"])
        self.assertEqual((manual.his_ref, manual.source), ("S-1", "his"))
        self.assertEqual(self.env["ihospital.schedule"].search_count([("his_ref", "=", "S-1")]), 1)

    def test_schedule_stop_cancels_bookings(self):
        self.submit("schedule.upsert", self._schedule_data())
        schedule = self.env["ihospital.schedule"].search([("his_ref", "=", "S-1")])
        appointment = self._book(schedule, self.patient_cardio, channel="window")
        result = self.submit("schedule.stop", {"ref": "S-1", "reason": "Doctor ill"})
        self.assertEqual(result["state"], "processed", result["error"])
        self.assertEqual(schedule.state, "stopped")
        self.assertEqual((appointment.state, appointment.cancelled_by), ("cancelled", "hospital"))

    def test_patient_register_update_and_invalid_id(self):
        patient_data = {
            "his_patient_id": "P0100",
            "medical_card_number": "MC100",
            "id_type": "passport",
            "id_number": "E12345678",
            "name": "Wang Fang",
            "gender": "female",
            "birth_date": "1970-02-03",
            "phone": "13700137000",
        }
        result = self.submit("patient.register", {"patient": patient_data})
        self.assertEqual(result["state"], "processed", result["error"])
        patient = self.env["ihospital.patient"].search([("his_patient_id", "=", "P0100")])
        self.assertEqual((patient.company_id, patient.phone), (self.hospital, "+8613700137000"))
        result = self.submit("patient.update", {"patient": {"medical_card_number": "MC100", "address": "Yuexiu"}})
        self.assertEqual(result["state"], "processed", result["error"])
        self.assertEqual(patient.address, "Yuexiu")
        result = self.submit(
            "patient.register",
            {"patient": {"his_patient_id": "P0101", "name": "Bad", "id_number": "440106198503127611"}},
        )
        self.assertEqual(result["state"], "dead")
        self.assertIn("check digit", result["error"])
        self.assertFalse(self.env["ihospital.patient"].search([("his_patient_id", "=", "P0101")]))
        result = self.submit("patient.register", {"patient": {"his_patient_id": "P0102", "name": "X", "gender": "m"}})
        self.assertEqual(result["state"], "dead")
        self.assertIn("gender", result["error"])

    def test_appointment_status(self):
        booked = self._book()
        result = self.submit(
            "appointment.status", {"appointment_ref": booked.name, "his_ref": "H-77", "status": "booked"}
        )
        self.assertEqual(result["state"], "processed", result["error"])
        self.assertEqual(booked.his_ref, "H-77")
        self.submit("appointment.status", {"appointment_ref": booked.name, "status": "attended"})
        self.assertEqual(booked.state, "checked_in")
        other = self._book(patient=self.patient_surgery)
        self.submit("appointment.status", {"appointment_ref": other.name, "status": "cancelled", "reason": "HIS"})
        self.assertEqual((other.state, other.cancelled_by, other.cancel_reason), ("cancelled", "hospital", "HIS"))
        result = self.submit("appointment.status", {"appointment_ref": "A-NOPE", "status": "no_show"})
        self.assertEqual(result["state"], "failed")
        third = self._book(patient=self.patient_3)
        self.submit("appointment.status", {"appointment_ref": third.name, "status": "no_show"})
        self.assertEqual(third.state, "no_show")

    def test_lab_result_critical_and_resend_replaces_lines(self):
        result = self.submit("lab.result", LAB)
        self.assertEqual(result["state"], "processed", result["error"])
        report = self.env["ihospital.lab.report"].search([("name", "=", "L-001")])
        self.assertEqual((report.patient_id, report.source, len(report.result_ids)), (self.patient_cardio, "his", 2))
        self.assertTrue(report.is_critical)
        corrected = dict(LAB, status="corrected", results=[dict(LAB["results"][1], value="7.0")])
        result = self.submit("lab.result", corrected)
        self.assertEqual(result["state"], "processed", result["error"])
        self.assertEqual(report.result_ids.mapped("value"), ["7.0"])
        self.assertEqual(report.state, "corrected")
        self.assertEqual(self.message(result["control_id"]).link_ids.operation, "updated")
        bad = dict(LAB, report_no="L-002", results=[dict(LAB["results"][0], flag="X")])
        self.assertEqual(self.submit("lab.result", bad)["state"], "dead")

    def test_a_result_never_waits_for_master_data(self):
        """Unknown department and doctor codes: the (critical) result is
        stored for its patient at once, the codes kept and flagged; the
        master data fills them in when it arrives."""
        data = dict(LAB, report_no="L-077", department_code="T-ICU", doctor_code="T-D77")
        result = self.submit("lab.result", data)
        self.assertEqual(result["state"], "processed", result["error"])
        report = self.env["ihospital.lab.report"].search([("name", "=", "L-077")])
        self.assertEqual((report.patient_id, report.is_critical), (self.patient_cardio, True))
        self.assertFalse(report.department_id or report.doctor_id)
        self.assertEqual((report.his_department_code, report.his_doctor_code), ("T-ICU", "T-D77"))
        self.assertTrue(report.codes_to_resolve)
        self.assertIn(report, self.env["ihospital.lab.report"].search([("codes_to_resolve", "=", True)]))
        self.submit("master.departments", {"items": [{"code": "T-ICU", "name": "ICU"}]})
        self.submit("master.doctors", {"items": [{"code": "T-D77", "name": "Dr Liu", "department_code": "T-ICU"}]})
        self.assertEqual(report.department_id.his_code, "T-ICU")
        self.assertEqual(report.doctor_id.his_code, "T-D77")
        self.assertFalse(report.codes_to_resolve)

    def test_imaging_report(self):
        data = {
            "report_no": "R-1",
            "patient": {"medical_card_number": "T0001"},
            "modality": "ct",
            "exam_name": "Chest CT",
            "findings": "No nodule.",
            "impression": "Normal chest.",
            "reported_at": "2026-01-10 10:00:00",
        }
        result = self.submit("imaging.report", data)
        self.assertEqual(result["state"], "processed", result["error"])
        report = self.env["ihospital.imaging.report"].search([("name", "=", "R-1")])
        self.assertEqual((report.patient_id, report.modality), (self.patient_cardio, "ct"))
        # naive times are the hospital's (Shanghai, UTC+8)
        self.assertEqual(fields.Datetime.to_string(report.reported_at), "2026-01-10 02:00:00")

    def test_visit_record_with_charges(self):
        data = {
            "visit_ref": "V-9",
            "patient": {"his_patient_id": "P0001"},
            "department_code": "T-XNK",
            "doctor_code": "T-D1",
            "start": "2026-01-10T09:00:00+08:00",
            "insurance_amount": 50,
            "charges": [{"name": "Registration", "amount": 20}, {"name": "ECG", "amount": 80, "category": "exam"}],
        }
        result = self.submit("visit.record", data)
        self.assertEqual(result["state"], "processed", result["error"])
        visit = self.env["ihospital.visit"].search([("external_ref", "=", "V-9"), ("source", "=", "his")])
        self.assertEqual((visit.total_charges, visit.self_paid_amount, len(visit.charge_ids)), (100, 50, 2))
        self.submit("visit.record", dict(data, charges=[{"name": "Registration", "amount": 20}], insurance_amount=0))
        self.assertEqual((visit.total_charges, len(visit.charge_ids)), (20, 1))

    def test_queue_call_calls_the_number(self):
        appointment = self._book()
        appointment.action_check_in()
        # the clinic is today (moved in SQL: a published schedule's day is frozen)
        self.env.cr.execute(
            "UPDATE ihospital_schedule SET date = %s WHERE id = %s",
            (fields.Date.context_today(self.env.user.with_context(tz="Asia/Shanghai")), self.schedule.id),
        )
        self.schedule.invalidate_recordset(["date"])
        self.env.cr.precommit.run()
        self.env["bus.bus"].sudo().search([]).unlink()
        # queue systems print tickets such as "A007"
        ticket = "A%03d" % appointment.queue_number
        result = self.submit("queue.call", {"department_code": "T-XNK", "room": "301", "number": ticket})
        self.assertEqual(result["state"], "processed", result["error"])
        self.env.cr.precommit.run()  # the bus writes its notifications at commit time
        channel = f'["{self.env.cr.dbname}","ihospital_queue_department_{self.cardiology.id}"]'
        notes = self.env["bus.bus"].sudo().search([("channel", "=", channel)])
        self.assertEqual(json.loads(notes[-1].message)["payload"]["current_number"], appointment.queue_number)
        self.assertEqual(result["state"], "processed", result["error"])
        self.assertEqual((appointment.queue_state, self.schedule.current_appointment_id), ("called", appointment))
        # a walk-in patient's number: not on the platform, nothing changes
        result = self.submit("queue.call", {"department_code": "T-XNK", "number": 99})
        self.assertEqual(result["state"], "processed", result["error"])
        self.assertEqual(self.schedule.current_appointment_id, appointment)
        # a department without a clinic today cannot be called in
        result = self.submit("queue.call", {"department_code": "T-WK", "number": 3})
        self.assertEqual(result["state"], "dead")
        self.assertIn("no published clinic today", result["error"])

    def test_complaint(self):
        data = {"ref": "CP-1", "department_code": "T-XNK", "staff_code": "T-D1", "content": "Rude", "category": "staff"}
        result = self.submit("complaint", data)
        self.assertEqual(result["state"], "processed", result["error"])
        complaint = self.env["ihospital.complaint"].search([("ref", "=", "CP-1")])
        self.assertEqual((complaint.employee_id, complaint.source, complaint.state), (self.emp_doctor, "his", "new"))
        self.submit("complaint", dict(data, content="Rude, twice"))
        self.assertEqual(complaint.content, "Rude, twice")
        self.assertEqual(self.env["ihospital.complaint"].search_count([("ref", "=", "CP-1")]), 1)

    def test_same_control_id_twice_is_a_duplicate(self):
        first = self.submit("complaint", {"ref": "CP-2", "content": "First"}, control_id="DUP-1")
        self.assertEqual(first["state"], "processed")
        second = self.submit("complaint", {"ref": "CP-2", "content": "Changed"}, control_id="DUP-1")
        self.assertEqual(second, {"control_id": "DUP-1", "state": "duplicate", "error": ""})
        self.assertEqual(self.env["ihospital.complaint"].search([("ref", "=", "CP-2")]).content, "First")
        self.assertEqual(len(self.message("DUP-1")), 1)
        # the same control id on another endpoint is another message
        other = self.submit("complaint", {"ref": "CP-2", "content": "B"}, control_id="DUP-1", code="t-his-2",
                            user=self.user_gateway_2)  # fmt: skip
        self.assertEqual(other["state"], "processed")

    def test_unknown_patient_fails_then_retries_then_dies(self):
        data = dict(VISIT, visit_ref="V-L9", patient={"his_patient_id": "P-LATE"})
        result = self.submit("visit.record", data)
        self.assertEqual(result["state"], "failed")
        message = self.message(result["control_id"])
        self.assertEqual(message.attempts, 1)
        self.assertAlmostEqual(
            (message.next_attempt_at - fields.Datetime.now()).total_seconds(), 120, delta=10
        )  # 2^1 minutes
        self.Message._cron_retry()  # not due yet
        self.assertEqual(message.attempts, 1)
        self.retry_later(message)
        self.assertEqual((message.state, message.attempts), ("failed", 2))
        self.retry_later(message)
        self.assertEqual((message.state, message.attempts), ("dead", 3))
        self.assertIn("gave up after 3 attempts", message.error)
        # the patient arrives; an administrator reprocesses the parked message
        late = {"his_patient_id": "P-LATE", "name": "Late", "id_type": "passport", "id_number": "E99999999"}
        self.submit("patient.register", {"patient": dict(late, birth_date="1960-01-01")})
        message.with_user(self.user_admin).action_reprocess()
        self.assertEqual(message.state, "processed")
        self.assertTrue(self.env["ihospital.visit"].search([("external_ref", "=", "V-L9")]))

    def test_only_what_new_data_unblocks_is_retried_at_once(self):
        """A visit waiting for its patient is not retried (nor spends an
        attempt) on unrelated registrations; its own patient's registration
        retries it at once, whether it named the patient by HIS id or by ID
        number."""
        by_id = self.message(
            self.submit("visit.record", dict(VISIT, visit_ref="V-W1", patient={"his_patient_id": "P-WAIT"}))[
                "control_id"
            ]
        )
        by_number = self.message(
            self.submit(
                "visit.record", dict(VISIT, visit_ref="V-W2", patient={"id_type": "passport", "id_number": "E20000002"})
            )["control_id"]
        )
        self.assertEqual((by_id.state, by_id.attempts, by_number.state), ("failed", 1, "failed"))
        self.assertNotIn("E20000002", by_number.waiting_keys, "the key shows no identity")
        for index in range(5):
            other = {"his_patient_id": f"P-OTHER{index}", "name": "Other", "id_type": "passport",
                     "id_number": f"E3000000{index}", "birth_date": "1970-01-01"}  # fmt: skip
            self.submit("patient.register", {"patient": other})
        self.assertEqual((by_id.state, by_id.attempts), ("failed", 1))
        self.assertEqual((by_number.state, by_number.attempts), ("failed", 1))
        waited = {"his_patient_id": "P-WAIT", "name": "Waited", "id_type": "passport", "id_number": "E20000001",
                  "birth_date": "1960-01-01"}  # fmt: skip
        self.submit("patient.register", {"patient": waited})
        self.assertEqual(by_id.state, "processed")
        self.assertEqual(by_number.state, "failed")
        self.submit(
            "patient.register",
            {"patient": {"his_patient_id": "P-NUM", "name": "By Number", "id_type": "passport",
                         "id_number": "E20000002", "birth_date": "1961-01-01"}},
        )  # fmt: skip
        self.assertEqual(by_number.state, "processed")

    def test_a_registration_committed_meanwhile_is_caught_by_the_retry_cron(self):
        """Another worker registered the patient while this visit was
        failing: the retry cron (woken after every registration) processes
        it at once, before its backoff."""
        data = dict(VISIT, visit_ref="V-R", patient={"his_patient_id": "P-RACE"})
        waiting = self.message(self.submit("visit.record", data)["control_id"])
        self.assertEqual(waiting.state, "failed")
        self.env["ihospital.patient"].create(
            {"name": "Race", "company_id": self.hospital.id, "his_patient_id": "P-RACE", "id_type": "passport",
             "id_number": "E40000001", "birth_date": "1970-01-01"}
        )  # fmt: skip
        self.Message._cron_retry()
        self.assertEqual(waiting.state, "processed")

    def test_late_reference_is_processed_by_the_retry(self):
        result = self.submit("complaint", {"ref": "CP-3", "content": "x", "department_code": "T-LATER"})
        self.assertEqual(result["state"], "failed")
        self.cardiology.copy({"name": "Later", "his_code": "T-LATER"})
        self.retry_later(self.message(result["control_id"]))
        self.assertEqual(self.message(result["control_id"]).state, "processed")

    def test_disabled_type_and_gateway_parked_messages_are_dead(self):
        self.endpoint.message_type_ids -= self.env.ref("ihospital_his.message_type_complaint")
        result = self.submit("complaint", {"ref": "CP-4", "content": "x"})
        self.assertEqual(result["state"], "dead")
        self.assertEqual(result["error"], "message type complaint is not enabled for endpoint t-his")
        self.assertFalse(self.env["ihospital.complaint"].search([("ref", "=", "CP-4")]))
        result = self.submit("lab.result", {}, dead=True, error="Cannot parse OBX-5")
        self.assertEqual((result["state"], result["error"]), ("dead", "Cannot parse OBX-5"))
        self.assertEqual(self.submit("no.such.type", {})["state"], "dead")


@tagged("post_install", "-at_install")
class TestHisApiSecurity(HisCase):
    def test_config(self):
        config = self.env["ihospital.his.endpoint"].with_user(self.user_gateway).gateway_config("t-his")
        self.assertEqual((config["code"], config["protocol"], config["charset"], config["max_attempts"]),
                         ("t-his", "hl7", "utf-8", 3))  # fmt: skip
        self.assertIn("lab.result", config["message_types"])
        self.assertIn("booking.create", config["message_types"])

    def test_integration_user_reads_nothing_else(self):
        for model in ("ihospital.patient", "ihospital.his.message", "ihospital.appointment", "ihospital.lab.report"):
            with self.assertRaises(AccessError):
                self.env[model].with_user(self.user_gateway).search([])
        # it sees its own endpoints only
        endpoints = self.env["ihospital.his.endpoint"].with_user(self.user_gateway).search([])
        self.assertEqual(endpoints, self.endpoint)

    def test_gateway_of_another_hospital_is_refused(self):
        with self.assertRaisesMsg(AccessError, "not the integration user"):
            self.submit("complaint", {"ref": "X", "content": "x"}, user=self.user_gateway_2)
        self.assertFalse(self.Message.search([("endpoint_id", "=", self.endpoint.id)]))
        with self.assertRaises(AccessError):
            self.env["ihospital.his.endpoint"].with_user(self.user_gateway_2).gateway_pull("t-his", 10)

    def test_submit_refuses_what_is_not_a_list_of_messages(self):
        # a content error, not an access error: the gateway isolates it instead of waiting for the platform
        with self.assertRaisesMsg(ValidationError, "list of messages"):
            self.env["ihospital.his.endpoint"].with_user(self.user_gateway).gateway_submit("t-his", "garbage")
        # a message that is not an object is stored as dead, and the others of the batch still go through
        results = self.env["ihospital.his.endpoint"].with_user(self.user_gateway).gateway_submit("t-his", ["x"])
        self.assertEqual(results[0]["state"], "dead")

    def test_staff_cannot_call_the_gateway_api(self):
        for user in (self.user_admin, self.user_doctor):
            with self.assertRaisesMsg(AccessError, "not an HIS gateway user"):
                self.env["ihospital.his.endpoint"].with_user(user).gateway_config("t-his")
        self.endpoint.active = False
        with self.assertRaises(AccessError):
            self.env["ihospital.his.endpoint"].with_user(self.user_gateway).gateway_config("t-his")

    def test_reprocess_and_park_rights_and_states(self):
        failed = self.message(
            self.submit("complaint", {"ref": "C", "content": "x", "department_code": "NOPE"})["control_id"]
        )
        done = self.message(self.submit("complaint", {"ref": "D", "content": "x"})["control_id"])
        for user in (self.user_doctor, self.user_director, self.user_gateway):
            with self.assertRaises(AccessError):
                failed.with_user(user).action_reprocess()
            with self.assertRaises(AccessError):
                failed.with_user(user).action_park()
        with self.assertRaisesMsg(UserError, "Only failed or parked messages"):
            done.with_user(self.user_admin).action_reprocess()
        with self.assertRaisesMsg(UserError, "only messages waiting or failing"):
            done.with_user(self.user_admin).action_park()
        failed.with_user(self.user_admin).action_park()
        self.assertEqual(failed.state, "dead")
        self.assertEqual(failed.with_user(self.user_director).state, "dead")  # directors read the log

    def test_heartbeat_and_dashboard(self):
        Endpoint = self.env["ihospital.his.endpoint"].with_user(self.user_gateway)
        self.assertEqual(self.endpoint.status, "never")
        stats = {"version": "1.2.0", "spool_pending": 4, "last_error": "", "last_inbound_at": False}
        self.assertTrue(Endpoint.gateway_heartbeat("t-his", stats))
        self.endpoint.invalidate_recordset()
        self.assertEqual((self.endpoint.status, self.endpoint.gateway_version), ("online", "1.2.0"))
        self.assertEqual(self.endpoint.gateway_spool_pending, 4)
        self.submit("complaint", {"ref": "E1", "content": "x"})
        self.submit("complaint", {"ref": "E2", "content": "x"})
        self.submit("complaint", {"ref": "E3", "content": "x", "department_code": "NOPE"})
        self.submit("complaint", {"content": "no ref"})
        self.endpoint.invalidate_recordset()
        endpoint = self.endpoint.with_user(self.user_director)
        self.assertEqual((endpoint.processed_count, endpoint.failed_count, endpoint.dead_count), (2, 1, 1))
        self.assertEqual(endpoint.message_count_24h, 4)
        self.assertEqual(endpoint.error_rate, 50.0)
        self.assertTrue(endpoint.last_in_at)
        self.assertAlmostEqual(endpoint.lag_seconds, 3, delta=2)
        action = endpoint.action_view_failed()
        self.assertEqual(self.Message.search(action["domain"]).state, "failed")
        self.endpoint.gateway_last_seen = fields.Datetime.now() - timedelta(minutes=5)
        self.assertEqual(self.endpoint.status, "late")
        self.endpoint.gateway_last_seen = fields.Datetime.now() - timedelta(hours=1)
        self.assertEqual(self.endpoint.status, "offline")
