from datetime import timedelta

from freezegun import freeze_time

from odoo.exceptions import ValidationError
from odoo.tests import tagged

from ..models.ihospital_duty_shift import DEPARTMENT_POSTS, DUTY_POSTS, HOSPITAL_POSTS, ROUTING_FIELDS
from .common import MONDAY, DutyCase, utc


@tagged("post_install", "-at_install")
class TestDutyShift(DutyCase):
    def test_posts_are_declared_once(self):
        selection = dict(self.Shift._fields["post"].selection)
        self.assertEqual(list(selection), list(DUTY_POSTS))
        self.assertEqual(set(DEPARTMENT_POSTS), {"doctor", "nurse"})
        self.assertEqual(set(HOSPITAL_POSTS), {"medical_affairs", "administrator"})

    def test_kind_fills_the_hospital_times(self):
        day = self._shift(self.emp_doctor, "doctor", self.cardiology, kind="day")
        night = self._shift(self.emp_head, "doctor", self.cardiology, kind="night")
        whole = self._shift(self.emp_quality, "medical_affairs", kind="24h")
        # 08:00 and 17:30 in Guangzhou (UTC+8)
        self.assertEqual((day.start, day.stop), (utc(2030, 3, 4, 0, 0), utc(2030, 3, 4, 9, 30)))
        self.assertEqual((night.start, night.stop), (utc(2030, 3, 4, 9, 30), utc(2030, 3, 5, 0, 0)))
        self.assertEqual((whole.start, whole.stop), (utc(2030, 3, 4, 0, 0), utc(2030, 3, 5, 0, 0)))

        # changed shift times apply to new shifts, not to planned ones
        self.hospital.write({"duty_day_start": 7.5, "duty_night_start": 18.0})
        later = self._shift(self.emp_nurse, "nurse", self.cardiology, kind="night")
        self.assertEqual((later.start, later.stop), (utc(2030, 3, 4, 10, 0), utc(2030, 3, 4, 23, 30)))
        self.assertEqual(day.stop, utc(2030, 3, 4, 9, 30))

        # picking another date or kind moves the times
        day.write({"date": MONDAY + timedelta(days=1), "kind": "24h"})
        self.assertEqual((day.start, day.stop), (utc(2030, 3, 4, 23, 30), utc(2030, 3, 5, 23, 30)))

    def test_hospital_shift_times_are_checked(self):
        with self.assertRaisesMsg(ValidationError, "day shift must start before the night shift"):
            self.hospital.write({"duty_day_start": 18.0, "duty_night_start": 8.0})
        with self.assertRaisesMsg(ValidationError, "day shift must start before the night shift"):
            self.hospital.write({"duty_night_start": 24.5})

    def test_custom_hours_are_kept(self):
        shift = self._shift(
            self.emp_doctor,
            "doctor",
            self.cardiology,
            kind="custom",
            start=utc(2030, 3, 4, 4, 0),
            stop=utc(2030, 3, 4, 16, 0),
        )
        self.assertEqual((shift.start, shift.stop), (utc(2030, 3, 4, 4, 0), utc(2030, 3, 4, 16, 0)))
        shift.note = "Stands in for Dr Chen"
        self.assertEqual(shift.start, utc(2030, 3, 4, 4, 0))
        # a custom shift without hours starts from the day shift's
        blank = self._shift(self.emp_head, "doctor", self.cardiology, kind="custom")
        self.assertEqual((blank.start, blank.stop), (utc(2030, 3, 4, 0, 0), utc(2030, 3, 4, 9, 30)))

    def test_duty_phone_defaults_to_the_work_numbers(self):
        self.emp_nurse.directory_show_mobile = True
        nurse = self._shift(self.emp_nurse, "nurse", self.cardiology)
        self.assertEqual(nurse.duty_phone, "13800000001", "the work mobile its owner shows first")
        doctor = self._shift(self.emp_doctor, "doctor", self.cardiology)
        self.assertEqual(doctor.duty_phone, "020-83820002", "else the work phone")
        given = self._shift(self.emp_head, "doctor", self.cardiology, kind="night", duty_phone="020-83829999")
        self.assertEqual(given.duty_phone, "020-83829999")
        empty = self._shift(self.emp_nurse, "nurse", self.cardiology, kind="night", duty_phone="")
        self.assertEqual(empty.duty_phone, "13800000001", "an empty cell of an import takes the default")
        given.employee_id = self.emp_doctor
        self.assertEqual(given.duty_phone, "020-83820002", "another person brings his or her number")

    def test_duty_phone_does_not_publish_a_hidden_mobile(self):
        """Found at review (hole): every shift defaulted to the work mobile,
        and every staff role reads the roster: a lab technician read 61 of
        the 64 mobiles their owners hide in the directory."""
        self.emp_nurse.directory_show_mobile = False
        shift = self._shift(self.emp_nurse, "nurse", self.cardiology)
        self.assertEqual(shift.duty_phone, "020-83820001", "the work phone, not the hidden mobile")
        self.emp_nurse.work_phone = False
        night = self._shift(self.emp_nurse, "nurse", self.cardiology, kind="night")
        self.assertFalse(night.duty_phone, "no number rather than the hidden mobile")
        typed = self._shift(
            self.emp_nurse, "nurse", self.cardiology, day=MONDAY + timedelta(days=1), duty_phone="13800000001"
        )
        self.assertEqual(typed.duty_phone, "13800000001", "the planner may publish it on purpose")

    def test_user_follows_the_employee(self):
        shift = self._shift(self.emp_nurse, "nurse", self.cardiology)
        self.assertEqual(shift.user_id, self.user_nurse)
        self.assertIn("Nurse Huang", shift.display_name)
        self.assertIn("Cardiology", shift.display_name)

    # ------------------------------------------------------------ constraints
    def test_department_posts_need_a_department(self):
        with self.assertRaisesMsg(ValidationError, "On-duty Doctor works for a department: choose the department"):
            self._shift(self.emp_doctor, "doctor")
        with self.assertRaisesMsg(ValidationError, "serves the whole hospital: leave the department empty"):
            self._shift(self.emp_quality, "administrator", self.cardiology)

    def test_the_post_needs_the_right_role(self):
        with self.assertRaisesMsg(
            ValidationError, "Nurse Huang cannot be the On-duty Doctor: this post is for a Doctor"
        ):
            self._shift(self.emp_nurse, "doctor", self.cardiology)
        with self.assertRaisesMsg(ValidationError, "Dr Li cannot be the On-duty Nurse: this post is for a Nurse"):
            self._shift(self.emp_doctor, "nurse", self.cardiology)
        # the hospital posts take any staff member
        self._shift(self.emp_doctor, "administrator", kind="24h")
        self._shift(self.emp_quality, "medical_affairs", kind="24h")

    def test_staff_and_department_of_the_hospital(self):
        with self.assertRaisesMsg(ValidationError, "Dr He works at Test Community Hospital, not at Test General"):
            self.Shift.create(
                {
                    "company_id": self.hospital.id,
                    "date": MONDAY,
                    "post": "doctor",
                    "department_id": self.cardiology.id,
                    "employee_id": self.emp_doctor_2.id,
                }
            )
        with self.assertRaisesMsg(ValidationError, "General Practice belongs to Test Community Hospital"):
            self.Shift.create(
                {
                    "company_id": self.hospital.id,
                    "date": MONDAY,
                    "post": "doctor",
                    "department_id": self.general_2.id,
                    "employee_id": self.emp_doctor.id,
                }
            )

    def test_times_are_checked(self):
        with self.assertRaisesMsg(ValidationError, "A shift must end after it starts"):
            self._shift(
                self.emp_doctor,
                "doctor",
                self.cardiology,
                kind="custom",
                start=utc(2030, 3, 4, 4, 0),
                stop=utc(2030, 3, 4, 4, 0),
            )
        with self.assertRaisesMsg(ValidationError, "A shift lasts at most 48 hours"):
            self._shift(
                self.emp_doctor,
                "doctor",
                self.cardiology,
                kind="custom",
                start=utc(2030, 3, 4, 4, 0),
                stop=utc(2030, 4, 4, 4, 0),
            )
        with self.assertRaisesMsg(
            ValidationError, "A shift starts on its date: .* starts on 2030-03-05, not on 2030-03-04"
        ):
            self._shift(
                self.emp_doctor,
                "doctor",
                self.cardiology,
                kind="custom",
                start=utc(2030, 3, 4, 20, 0),  # 04:00 on the 5th in Guangzhou
                stop=utc(2030, 3, 5, 4, 0),
            )
        self.assertFalse(self.Shift.search([("employee_id", "=", self.emp_doctor.id)]), "nothing saved")

    def test_nobody_holds_a_post_twice_at_once(self):
        self._shift(self.emp_doctor, "doctor", self.cardiology, kind="24h")
        with self.assertRaisesMsg(
            ValidationError, r"Dr Li is already On-duty Doctor \(Cardiology\) from 2030-03-04 08:00 to 2030-03-05 08:00"
        ):
            self._shift(self.emp_doctor, "doctor", self.cardiology, kind="night")
        # the next shift starts when the last one ends; other posts and
        # departments may be covered by the same person (cross-cover)
        self._shift(self.emp_doctor, "doctor", self.cardiology, day=MONDAY + timedelta(days=1), kind="day")
        self._shift(self.emp_doctor, "doctor", self.surgery, kind="night")
        self._shift(self.emp_doctor, "administrator", kind="24h")
        # several people may share a post
        self._shift(self.emp_head, "doctor", self.cardiology, kind="night")
        # a batch is checked as a whole
        with self.assertRaisesMsg(ValidationError, "Nurse Huang is already On-duty Nurse"):
            self.Shift.create(
                [
                    {
                        "date": MONDAY,
                        "kind": kind,
                        "post": "nurse",
                        "department_id": self.cardiology.id,
                        "employee_id": self.emp_nurse.id,
                        "company_id": self.hospital.id,
                    }
                    for kind in ("day", "24h")
                ]
            )

    # -------------------------------------------------------------------- API
    def _roster(self):
        """Monday in both hospitals: day and night in cardiology and surgery,
        medical affairs around the clock."""
        return {
            "cardio_day_doctor": self._shift(self.emp_doctor, "doctor", self.cardiology, kind="day"),
            "cardio_night_doctor": self._shift(self.emp_head, "doctor", self.cardiology, kind="night"),
            "cardio_day_nurse": self._shift(self.emp_nurse, "nurse", self.cardiology, kind="day"),
            "surgery_day_doctor": self._shift(self.emp_surgeon, "doctor", self.surgery, kind="day"),
            "surgery_day_nurse": self._shift(self.emp_surgery_nurse, "nurse", self.surgery, kind="day"),
            "medical_affairs": self._shift(self.emp_quality, "medical_affairs", kind="24h"),
            "other_hospital": self._shift(self.emp_doctor_2, "doctor", self.general_2, kind="24h"),
        }

    def test_on_duty_at_a_moment(self):
        roster = self._roster()
        noon = utc(2030, 3, 4, 4, 0)  # 12:00 in Guangzhou
        on_duty = self.Shift._on_duty(self.hospital, at=noon, department_ids=[self.cardiology.id])
        self.assertEqual(
            on_duty,
            roster["cardio_day_doctor"] | roster["cardio_day_nurse"] | roster["medical_affairs"],
        )
        # every department when none is named; never another hospital's
        self.assertEqual(
            set(self.Shift._on_duty(self.hospital, at=noon)),
            {roster[k] for k in ("cardio_day_doctor", "cardio_day_nurse", "surgery_day_doctor")}
            | {roster["surgery_day_nurse"], roster["medical_affairs"]},
        )
        # a department recordset works too; an unknown one leaves the hospital posts
        self.assertEqual(
            self.Shift._on_duty(self.hospital, at=noon, department_ids=self.surgery),
            roster["surgery_day_doctor"] | roster["surgery_day_nurse"] | roster["medical_affairs"],
        )
        self.assertEqual(self.Shift._on_duty(self.hospital, at=noon, department_ids=[]), roster["medical_affairs"])
        # start <= at < end: the night shift takes over at 17:30
        handover = utc(2030, 3, 4, 9, 30)
        self.assertEqual(
            self.Shift._on_duty(self.hospital, at=handover, department_ids=[self.cardiology.id]),
            roster["cardio_night_doctor"] | roster["medical_affairs"],
        )
        before = handover - timedelta(seconds=1)
        self.assertIn(roster["cardio_day_doctor"], self.Shift._on_duty(self.hospital, at=before))
        self.assertNotIn(roster["cardio_night_doctor"], self.Shift._on_duty(self.hospital, at=before))
        # nobody before the roster starts
        self.assertFalse(self.Shift._on_duty(self.hospital, at=utc(2030, 3, 3, 12, 0)))

    def test_on_duty_map(self):
        roster = self._roster()
        night = utc(2030, 3, 4, 15, 0)  # 23:00 in Guangzhou
        extra = self._shift(self.emp_doctor, "doctor", self.cardiology, kind="night")
        duty = self.Shift._on_duty_map(self.hospital, at=night, department_ids=[self.cardiology.id, self.surgery.id])
        self.assertEqual(
            duty,
            {
                (self.cardiology.id, "doctor"): roster["cardio_night_doctor"] | extra,
                (False, "medical_affairs"): roster["medical_affairs"],
            },
        )
        self.assertNotIn((self.surgery.id, "doctor"), duty, "nobody on duty: no key")

    def test_on_duty_is_one_query(self):
        self._roster()
        for day in range(1, 7):
            self._shift(self.emp_doctor, "doctor", self.cardiology, day=MONDAY + timedelta(days=day))
            self._shift(self.emp_nurse, "nurse", self.cardiology, day=MONDAY + timedelta(days=day))
        Shift = self.Shift.sudo()
        noon = utc(2030, 3, 4, 4, 0)
        Shift._on_duty(self.hospital, at=noon)  # warm up the ORM's caches of the model
        self.env.flush_all()
        self.env.invalidate_all()
        with self.assertQueryCount(1):
            shifts = Shift._on_duty(self.hospital, at=noon, department_ids=[self.cardiology.id, self.surgery.id])
            values = [{name: shift[name] for name in ROUTING_FIELDS} for shift in shifts]
            self.assertEqual(len(values), 5)
            self.assertEqual(
                {(value["department_id"].id, value["post"]) for value in values},
                {(d.id, p) for d in (self.cardiology, self.surgery) for p in ("doctor", "nurse")}
                | {(False, "medical_affairs")},
            )
        self.env.invalidate_all()
        with self.assertQueryCount(1):
            duty = Shift._on_duty_map(self.hospital, at=noon, department_ids=[self.cardiology.id])
            self.assertEqual(duty[(self.cardiology.id, "nurse")].user_id, self.user_nurse)
            self.assertEqual(duty[(self.cardiology.id, "nurse")].duty_phone, "020-83820001")

    def test_my_shifts(self):
        roster = self._roster()
        tuesday = self._shift(self.emp_nurse, "nurse", self.cardiology, day=MONDAY + timedelta(days=1))
        self._shift(self.emp_nurse, "nurse", self.cardiology, day=MONDAY + timedelta(days=2))
        Shift = self.Shift.with_user(self.user_nurse)
        self.assertEqual(Shift._my_shifts(at=utc(2030, 3, 4, 4, 0)), roster["cardio_day_nurse"] | tuesday)
        self.assertEqual(Shift._my_shifts(at=utc(2030, 3, 4, 12, 0)), tuesday, "between two shifts: the next")
        self.assertFalse(Shift._my_shifts(at=utc(2030, 3, 9, 0, 0)))
        self.assertFalse(self.Shift.with_user(self.user_director)._my_shifts(at=utc(2030, 3, 4, 4, 0)))

    def test_on_duty_now_filter(self):
        roster = self._roster()
        with freeze_time("2030-03-04 04:00:00"):
            now = self.Shift.search([("is_on_duty_now", "=", True), ("company_id", "=", self.hospital.id)])
            self.assertEqual(len(now), 5)
            self.assertTrue(roster["cardio_day_doctor"].is_on_duty_now)
            self.assertFalse(roster["cardio_night_doctor"].is_on_duty_now)
            off = self.Shift.search([("is_on_duty_now", "!=", True), ("company_id", "=", self.hospital.id)])
            self.assertEqual(off, roster["cardio_night_doctor"])
            self.assertEqual(self.Shift.with_user(self.user_nurse)._my_shifts(), roster["cardio_day_nurse"])
