"""Issue 12: the workbench (工作台), the staff users' home: tiles by role
with what waits for the user, who is on duty now, quick search; counted
with the user's rights; refused to portal users; a phone-size tour."""

from datetime import timedelta

from odoo import Command, fields
from odoo.addons.ihospital_base.tests.common import RpcMixin
from odoo.exceptions import AccessError
from odoo.tests import HttpCase, new_test_user, tagged

from .common import CriticalCase

# the workbench of a doctor: its tiles counted (a query each), the staff record, who is on
# duty (at most: a run after new alerts is a few queries cheaper once its
# caches are warm)
QUERIES_PER_WORKBENCH = 16


class WorkbenchCase(CriticalCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Workbench = cls.env["ihospital.staff.workbench"]
        now = fields.Datetime.now()
        cls.env["ihospital.duty.shift"].create(
            {
                "company_id": cls.hospital.id,
                "date": fields.Date.context_today(cls.env.user),
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
        for name in ("LAB-W-0", "LAB-W-1"):  # warm-up: groups and rules cached
            self._alerts(self._report(name=name))
            self.Workbench.with_user(self.user_doctor).get_data()
        for name in ("LAB-W-2", "LAB-W-3"):
            self._alerts(self._report(name=name))
            self.Workbench.with_user(self.user_doctor).get_data()
            self.env.invalidate_all()
            with self.assertQueryCount(QUERIES_PER_WORKBENCH):
                self.Workbench.with_user(self.user_doctor).get_data()

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
