import threading
from datetime import timedelta
from unittest.mock import patch

from odoo import SUPERUSER_ID, api, fields
from odoo.addons.ihospital_base.models.ihospital_slot import CLAIM_TIMEOUT
from odoo.tests import tagged

from .common import CommittedCase


@tagged("post_install", "-at_install")
class TestBookingConcurrency(CommittedCase):
    """Concurrent bookings on separate database connections, committed for
    real, as several Odoo workers would make them."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        with cls.committed_env({"tracking_disable": True}) as env:
            company = env.ref("base.main_company")
            company.write({"booking_onsite_share": 0})
            department = env["hr.department"].create(
                {"name": "Concurrency Clinic", "company_id": company.id, "is_clinical": True}
            )
            doctor = env["hr.employee"].create(
                {
                    "name": "Dr Concurrency",
                    "company_id": company.id,
                    "department_id": department.id,
                    "ihospital_role": "doctor",
                }
            )
            patients = env["ihospital.patient"].create(
                [
                    {"name": f"Racer {i}", "company_id": company.id, "id_type": "passport", "id_number": f"RACE{i:05d}"}
                    for i in range(30)
                ]
            )
            cls.ids = {
                "company": company.id,
                "department": department.id,
                "doctor": doctor.id,
                "patients": patients.ids,
                "schedules": [],
            }

    @classmethod
    def tearDownClass(cls):
        with cls.registry.cursor() as cr:
            ids = cls.ids
            cr.execute("DELETE FROM ihospital_appointment WHERE patient_id = ANY(%s)", (ids["patients"],))
            cr.execute("DELETE FROM ihospital_schedule WHERE id = ANY(%s)", (ids["schedules"],))
            cr.execute("DELETE FROM ihospital_patient WHERE id = ANY(%s)", (ids["patients"],))
            cr.execute("DELETE FROM hr_employee WHERE id = %s", (ids["doctor"],))
            cr.execute("DELETE FROM hr_department WHERE id = %s", (ids["department"],))
            cr.execute("UPDATE res_company SET booking_onsite_share = 20 WHERE id = %s", (ids["company"],))
        super().tearDownClass()

    def _schedule(self, capacity, days, session="morning"):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True})
            schedule = env["ihospital.schedule"].create(
                {
                    "company_id": self.ids["company"],
                    "department_id": self.ids["department"],
                    "doctor_id": self.ids["doctor"],
                    "date": env["res.company"].browse(self.ids["company"])._ihospital_today() + timedelta(days=days),
                    "capacity": capacity,
                    "session": session,
                    "release_override": True,
                    "release_at_manual": fields.Datetime.now() - timedelta(minutes=5),
                }
            )
            schedule.action_publish()
            self.ids["schedules"].append(schedule.id)
            return schedule.id

    def _race(self, schedule_id, patient_ids, schedule_ids=None):
        """Book each patient (on `schedule_id`, or on the matching one of
        `schedule_ids`) in its own thread and transaction, all released at
        once: [(patient id, ("booked", appointment id) or ("refused",
        message) or ("error", repr))]."""
        barrier = threading.Barrier(len(patient_ids))

        def job(patient_id, schedule_id):
            def book(env, tries):
                if tries == 1:
                    barrier.wait()
                schedule = env["ihospital.schedule"].browse(schedule_id)
                patient = env["ihospital.patient"].browse(patient_id)
                return env["ihospital.appointment"]._book(schedule, patient, channel="portal").id

            return book

        schedule_ids = schedule_ids or [schedule_id] * len(patient_ids)
        jobs = [job(pid, sid) for pid, sid in zip(patient_ids, schedule_ids, strict=True)]
        labels = {"done": "booked"}
        return [
            (patient_id, (labels.get(state, state), value))
            for patient_id, (state, value, _tries) in zip(patient_ids, self.in_parallel(jobs), strict=True)
        ]

    def _in_thread(self, func):
        """Run `func(env)` on a committed connection in a thread of its own,
        as a server's worker would (slots are claimed in transactions of
        their own there), and return what it returned."""
        outcome = {}

        def run():
            try:
                with self.registry.cursor() as cr:
                    outcome["result"] = func(api.Environment(cr, SUPERUSER_ID, {}))
            except Exception as exc:  # noqa: BLE001 - raised again in the test's thread
                outcome["error"] = exc

        thread = threading.Thread(target=run)
        thread.start()
        thread.join(60)
        if "error" in outcome:
            raise outcome["error"]
        return outcome.get("result")

    def _slots(self, schedule_id):
        with self.registry.cursor() as cr:
            cr.execute(
                """SELECT id, booked_count, claimed_at IS NOT NULL
                     FROM ihospital_slot WHERE schedule_id = %s ORDER BY id""",
                (schedule_id,),
            )
            return cr.fetchall()

    def _age_claims(self, schedule_id):
        """Make the schedule's claims look older than the recovery's timeout."""
        with self.registry.cursor() as cr:
            cr.execute(
                """UPDATE ihospital_slot SET claimed_at = claimed_at - %s
                    WHERE schedule_id = %s AND claimed_at IS NOT NULL""",
                (CLAIM_TIMEOUT + timedelta(minutes=1), schedule_id),
            )

    def _check_database(self, schedule_id):
        with self.registry.cursor() as cr:
            cr.execute(
                "SELECT sum(booked_count), sum(capacity) FROM ihospital_slot WHERE schedule_id = %s", (schedule_id,)
            )
            booked_slots, capacity = cr.fetchone()
            cr.execute(
                """SELECT count(*), count(DISTINCT patient_id), count(DISTINCT slot_id)
                            FROM ihospital_appointment WHERE schedule_id = %s AND state = 'booked'""",
                (schedule_id,),
            )
            return booked_slots, capacity, cr.fetchone()

    def test_many_patients_race_for_few_slots(self):
        schedule_id = self._schedule(capacity=8, days=1)
        results = self._race(schedule_id, self.ids["patients"][:24])
        outcomes = [o for _p, o in results]
        self.assertEqual(len(outcomes), 24, "every request got a definite answer")
        booked = [o for o in outcomes if o[0] == "booked"]
        refused = [o for o in outcomes if o[0] == "refused"]
        errors = [o for o in outcomes if o[0] == "error"]
        self.assertFalse(errors)
        self.assertEqual(len(booked), 8)
        self.assertEqual(len(refused), 16)
        self.assertTrue(all("No slot left" in message for _k, message in refused))
        booked_slots, capacity, (appointments, patients, slots) = self._check_database(schedule_id)
        self.assertEqual((booked_slots, capacity), (8, 8))
        self.assertEqual((appointments, patients, slots), (8, 8, 8))

    def test_one_patient_racing_for_clinics_of_one_department_keeps_the_limit(self):
        """Three clinics of one department on one day, one patient booking
        them all at once: the per-department limit (one a day) holds, as a
        REPEATABLE READ snapshot taken before the patient's lock would not
        see the other bookings."""
        schedule_ids = [self._schedule(capacity=5, days=3, session=s) for s in ("morning", "afternoon", "evening")]
        patient = self.ids["patients"][-2]
        results = self._race(None, [patient] * 3, schedule_ids=schedule_ids)
        booked = [o for _p, o in results if o[0] == "booked"]
        refused = [o for _p, o in results if o[0] == "refused"]
        self.assertEqual(len(booked), 1, results)
        self.assertEqual(len(refused), 2, results)
        self.assertTrue(all("already has an appointment in" in message for _k, message in refused))
        with self.registry.cursor() as cr:
            cr.execute(
                "SELECT count(*) FROM ihospital_appointment WHERE patient_id = %s AND state = 'booked'", (patient,)
            )
            self.assertEqual(cr.fetchone()[0], 1)

    def test_one_patient_racing_himself_books_once(self):
        schedule_id = self._schedule(capacity=10, days=2)
        patient = self.ids["patients"][-1]
        results = self._race(schedule_id, [patient] * 6)
        booked = [o for _p, o in results if o[0] == "booked"]
        refused = [o for _p, o in results if o[0] == "refused"]
        self.assertEqual(len(booked), 1)
        self.assertEqual(len(refused), 5)
        self.assertTrue(all("already has an appointment" in message for _k, message in refused))
        booked_slots, _capacity, (appointments, _patients, _slots) = self._check_database(schedule_id)
        self.assertEqual((booked_slots, appointments), (1, 1))

    def test_a_booking_that_fails_after_its_claim_gives_the_slot_back(self):
        """The slot is claimed and committed apart; a booking that fails
        afterwards, inside the engine or later in its transaction, leaves
        the slot free."""
        schedule_id = self._schedule(capacity=2, days=4)
        patient = self.ids["patients"][0]
        Appointment = self.registry["ihospital.appointment"]

        def book(env):
            schedule = env["ihospital.schedule"].browse(schedule_id)
            return env["ihospital.appointment"]._book(schedule, env["ihospital.patient"].browse(patient))

        with (
            patch.object(Appointment, "create", side_effect=RuntimeError("the database went away")),
            self.assertRaises(RuntimeError),
        ):
            self._in_thread(book)
        self.assertEqual([count for _id, count, _claimed in self._slots(schedule_id)], [0, 0])

        def book_then_fail(env):
            book(env)
            raise ValueError("the request failed after the booking")

        with self.assertRaises(ValueError):
            self._in_thread(book_then_fail)
        self.assertEqual([count for _id, count, _claimed in self._slots(schedule_id)], [0, 0])
        self.assertEqual(self._check_database(schedule_id), (0, 2, (0, 0, 0)))

    def test_claims_whose_booking_never_committed_are_recovered(self):
        """A process killed between the claim's commit and the booking's
        leaves a claim without appointment: the recovery cron counts such
        slots again once their claim is old, and leaves alone the slots of
        bookings that committed or are still running."""
        schedule_id = self._schedule(capacity=3, days=5)
        patients = self.ids["patients"][1:3]

        def crash_after_claim(env):
            cr = env.cr
            env["ihospital.schedule"].browse(schedule_id)._claim_slot(False)
            cr.postrollback.clear()  # the process dies: nothing gives the claim back
            return True

        def book(patient_id):
            def run(env):
                schedule = env["ihospital.schedule"].browse(schedule_id)
                return env["ihospital.appointment"]._book(schedule, env["ihospital.patient"].browse(patient_id)).id

            return run

        self._in_thread(crash_after_claim)
        self._in_thread(book(patients[0]))
        # a third booking, still running while the cron passes
        inserted, finish = threading.Event(), threading.Event()

        def slow_booking(env):
            book(patients[1])(env)
            env.flush_all()
            inserted.set()
            finish.wait(30)

        slow = threading.Thread(target=lambda: self._in_thread(slow_booking))
        slow.start()
        self.assertTrue(inserted.wait(30))
        try:
            self.assertEqual(self._slots(schedule_id)[0][1:], (1, True), "the lost claim still counts")
            self._age_claims(schedule_id)
            self._in_thread(lambda env: env["ihospital.slot"]._cron_recover_claims())
            lost, committed, running = self._slots(schedule_id)
            self.assertEqual(lost[1:], (0, False), "the claim without booking is given back")
            self.assertEqual(committed[1:], (1, False), "a committed booking keeps its slot")
            self.assertEqual(running[1:], (1, True), "a running booking's slot is left for later")
        finally:
            finish.set()
            slow.join(30)
        self._age_claims(schedule_id)
        self._in_thread(lambda env: env["ihospital.slot"]._cron_recover_claims())
        self.assertEqual([slot[1:] for slot in self._slots(schedule_id)], [(0, False), (1, False), (1, False)])
        self.assertEqual(self._check_database(schedule_id), (2, 3, (2, 2, 2)))
