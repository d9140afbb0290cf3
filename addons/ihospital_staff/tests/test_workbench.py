"""Issue 12: the workbench (工作台), the staff users' home: tiles by role
with what waits for the user, who is on duty now, quick search; counted
with the user's rights; refused to portal users; a phone-size tour."""

from datetime import timedelta

import pytz

from odoo import Command, fields
from odoo.addons.ihospital_base.tests.common import RpcMixin
from odoo.exceptions import AccessError
from odoo.tests import HttpCase, new_test_user, tagged

from .common import CriticalCase

# The workbench of a doctor and of a department head (a doctor too), warm
# caches, each request with an empty record cache: the staff record, the
# hospital (its day), one count per model (five: the head's two alert tiles
# in one), the department, who is on duty and their names. Exact: as many
# with 20 waiting alerts, questions and notices as with 2.
QUERIES_PER_WORKBENCH = {"t_doctor": 10, "t_head": 10}


class WorkbenchCase(CriticalCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Workbench = cls.env["ihospital.staff.workbench"]
        now = fields.Datetime.now()
        # the shift's date is the hospital's day when it starts, whatever the hour in UTC
        local_start = pytz.utc.localize(now - timedelta(hours=1)).astimezone(
            pytz.timezone(cls.hospital.hospital_tz or "Asia/Shanghai")
        )
        cls.env["ihospital.duty.shift"].create(
            {
                "company_id": cls.hospital.id,
                "date": local_start.date(),
                "kind": "day",
                "post": "nurse",
                "employee_id": cls.emp_nurse.id,
                "department_id": cls.cardiology.id,
                "start": now - timedelta(hours=1),
                "stop": now + timedelta(hours=7),
            }
        )

    def _tiles(self, user):
        return {tile["key"]: tile for tile in self.Workbench.with_user(user).get_data()["tiles"]}

    def _counted_workbench(self, user):
        """The tiles of `user`'s workbench, read in exactly the pinned number
        of queries, after a first call (groups, record rules cached)."""
        workbench = self.Workbench.with_user(user)
        self.env.invalidate_all()
        workbench.get_data()
        self.env.invalidate_all()  # as a new request: nothing read yet
        expected = QUERIES_PER_WORKBENCH[user.login]
        with self.assertQueryCount(expected):
            start = self.cr.sql_log_count
            data = workbench.get_data()
            # assertQueryCount only fails above the number: pin it exactly
            self.assertEqual(self.cr.sql_log_count - start, expected, f"queries of {user.login}'s workbench")
        return {tile["key"]: tile["count"] for tile in data["tiles"]}

    def _waiting(self, count, start=0):
        """`count` more of what waits: critical values for the cardiology
        doctor (one alert per result line), questions to the doctor and to
        the head, notices to cardiology."""
        lines = [(f"K{i}", f"Potassium {i}", "6.8", "HH") for i in range(start, start + count)]
        self._alerts(self._report(name=f"LAB-W-{start}", lines=lines))
        (self.emp_doctor | self.emp_head).online_consultation = True
        self.env["ihospital.consultation"].create(
            [
                {
                    "company_id": self.hospital.id,
                    "doctor_id": doctor.id,
                    "patient_id": self.patient_cardio.id,
                    "user_id": self.user_portal.id,
                    "subject": f"Question {i}",
                    "question": "Is this normal?",
                }
                for i in range(count)
                for doctor in (self.emp_doctor, self.emp_head)
            ]
        )
        self.env["ihospital.notice"].with_user(self.user_head).create(
            [
                {"name": f"业务学习 {start + i}", "department_ids": [Command.set([self.cardiology.id])]}
                for i in range(count)
            ]
        ).action_publish()


@tagged("post_install", "-at_install")
class TestWorkbench(WorkbenchCase):
    def test_a_doctor_sees_what_waits_for_them(self):
        self._alerts(self._report())
        notice = (
            self.env["ihospital.notice"]
            .with_user(self.user_head)
            .create({"name": "业务学习", "department_ids": [Command.set([self.cardiology.id])]})
        )
        notice.action_publish()
        data = self.Workbench.with_user(self.user_doctor).get_data()
        tiles = {tile["key"]: tile for tile in data["tiles"]}
        self.assertEqual(set(tiles), {"critical", "questions", "patients_today", "my_patients", "notices"})
        self.assertEqual(tiles["critical"]["count"], 1)
        self.assertTrue(tiles["critical"]["urgent"])
        self.assertEqual(tiles["notices"]["count"], 1)
        action = self.Workbench.with_user(self.user_doctor).get_tile_action("critical")
        self.assertEqual(action["res_model"], "ihospital.critical.alert")
        with self.assertRaises(AccessError):
            self.Workbench.with_user(self.user_nurse).get_tile_action("questions")  # a doctor's tile
        self.assertEqual((data["user"], data["department"]), (self.emp_doctor.name, self.cardiology.name))
        self.assertIn(self.emp_nurse.name, [shift["name"] for shift in data["on_duty"]])
        # acknowledged, read: nothing waits any more
        self.Alert.sudo().search([("company_id", "=", self.hospital.id)]).with_user(
            self.user_doctor
        ).action_acknowledge("6.8")
        notice.with_user(self.user_doctor).action_mark_read()
        tiles = self._tiles(self.user_doctor)
        self.assertEqual((tiles["critical"]["count"], tiles["notices"]["count"]), (0, 0))
        self.assertFalse(tiles["critical"]["urgent"])

    def test_tiles_follow_the_role_and_the_rights(self):
        self._alerts(self._report())
        self.assertEqual(set(self._tiles(self.user_quality)), {"critical_open", "notices"})
        self.assertEqual(self._tiles(self.user_quality)["critical_open"]["count"], 1)
        self.assertEqual(set(self._tiles(self.user_nurse)), {"critical", "my_patients", "notices"})
        # another department's nurse: the alert is not hers
        self.assertEqual(self._tiles(self.user_surgery_nurse)["critical"]["count"], 0)
        # the other hospital sees none of it
        self.assertEqual(self._tiles(self.user_doctor_2)["critical"]["count"], 0)
        with self.assertRaises(AccessError):
            self.Workbench.with_user(self.user_portal).get_data()

    def test_its_cost_does_not_grow_with_the_waiting(self):
        """The same exact number of queries with 2 and with 20 of each tile's
        records: one count per model, the head's two alert tiles in one."""
        self._waiting(2)
        doctor, head = self._counted_workbench(self.user_doctor), self._counted_workbench(self.user_head)
        self.assertEqual(
            (doctor["critical"], doctor["questions"], doctor["notices"], doctor["patients_today"]), (2, 2, 2, 0)
        )
        self.assertEqual((head["critical_open"], head["questions"], head["notices"]), (2, 2, 2))
        self._waiting(18, start=2)
        doctor, head = self._counted_workbench(self.user_doctor), self._counted_workbench(self.user_head)
        self.assertEqual((doctor["critical"], doctor["questions"], doctor["notices"]), (20, 20, 20))
        self.assertEqual(
            (head["critical"], head["critical_open"], head["questions"], head["notices"]), (20, 20, 20, 20)
        )

    def test_counts_are_those_of_each_tiles_search(self):
        """Each role's tiles count what their own search finds, with the
        user's rights: one grouped query changes no figure."""
        self._waiting(3)
        # one alert acknowledged: the head's two alert tiles (one query) differ
        self.Alert.sudo().search([("company_id", "=", self.hospital.id)], limit=1).with_user(
            self.user_doctor
        ).action_acknowledge("6.8")
        self.assertEqual(
            {key: tile["count"] for key, tile in self._tiles(self.user_head).items()},
            {"critical": 2, "critical_open": 3, "questions": 3, "patients_today": 0, "my_patients": 0, "notices": 3},
        )
        employees = self.env["hr.employee"].sudo()
        for user in (
            self.user_doctor,
            self.user_head,
            self.user_nurse,
            self.user_surgery_nurse,
            self.user_quality,
            self.user_director,
            self.user_admin,
            self.user_doctor_2,
        ):
            with self.subTest(user=user.login):
                employee = employees.search([("user_id", "=", user.id), ("company_id", "=", user.company_id.id)])
                Workbench = self.Workbench.with_user(user)
                specs = Workbench._tile_specs(user, user.company_id, employee)
                expected = {
                    spec["key"]: self.env[spec["model"]].with_user(user).search_count(spec["domain"]) for spec in specs
                }
                self.assertEqual({tile["key"]: tile["count"] for tile in Workbench.get_data()["tiles"]}, expected)

    def test_staff_users_land_on_the_workbench(self):
        action = self.env.ref("ihospital_staff.ihospital_staff_workbench_action")
        nurse = new_test_user(self.env, login="t_wb_nurse", groups="ihospital_base.group_nurse")
        self.assertEqual(nurse.action_id.id, action.id)
        chosen = self.env.ref("ihospital_staff.ihospital_notice_action")
        own = new_test_user(self.env, login="t_wb_own", groups="base.group_user")
        own.action_id = chosen.id
        own.write({"groups_id": [Command.link(self.env.ref("ihospital_base.group_doctor").id)]})
        self.assertEqual(own.action_id.id, chosen.id, "a home the user chose is kept")
        self.assertFalse(self.user_portal.action_id)


@tagged("post_install", "-at_install")
class TestWorkbenchUi(RpcMixin, HttpCase, WorkbenchCase):
    browser_size = "375x667"

    def test_the_workbench_on_a_phone(self):
        self._alerts(self._report())
        self.start_tour(
            "/odoo/action-ihospital_staff.ihospital_staff_workbench_action",
            "ihospital_staff_workbench",
            login=self.user_doctor.login,
        )

    def test_a_portal_user_is_refused_over_rpc(self):
        self.authenticate(self.user_portal.login, self.user_portal.login)
        _result, error = self._call("ihospital.staff.workbench", "get_data", [])
        self.assertEqual(error.get("name"), "odoo.exceptions.AccessError")
