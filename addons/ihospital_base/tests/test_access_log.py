"""Audit of staff access to patient data (A3): every entry point that shows
identity or clinical records leaves a row in ihospital.access.log."""

import json
from datetime import timedelta

from odoo import fields
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import HttpCase, tagged

from .common import IhospitalCase, RpcMixin


@tagged("post_install", "-at_install")
class TestAccessLog(IhospitalCase):
    def setUp(self):
        super().setUp()
        self.Log = self.env["ihospital.access.log"]
        self.lab = self.env["ihospital.lab.report"].create(
            {
                "company_id": self.hospital.id,
                "name": "LAB-AUDIT-1",
                "patient_id": self.patient_cardio.id,
                "department_id": self.cardiology.id,
                "title": "Blood count",
            }
        )

    def _logs(self, user, operation=None):
        domain = [("user_id", "=", user.id)]
        if operation:
            domain.append(("operation", "=", operation))
        return self.Log.search(domain)

    def test_every_read_path_is_logged(self):
        Patient = self.env["ihospital.patient"].with_user(self.user_doctor)
        Patient.search_read([], ["name", "phone"])
        log = self._logs(self.user_doctor)
        self.assertEqual(len(log), 1)
        self.assertEqual(
            (log.res_model, log.res_ids, log.operation), ("ihospital.patient", str(self.patient_cardio.id), "read")
        )
        self.assertIn("phone", log.detail)
        self.assertEqual(log.company_id, self.hospital)
        Patient.web_search_read([], {"name": {}})
        self.patient_cardio.with_user(self.user_doctor).web_read({"name": {}, "id_number": {}})
        self.visit_cardio.with_user(self.user_doctor).read(["diagnosis"])
        self.assertEqual(len(self._logs(self.user_doctor)), 4)
        # groups and name searches show values without reading records
        Patient.read_group([], ["phone"], ["phone"])
        Patient.name_search("Chen")
        details = self._logs(self.user_doctor).mapped("detail")
        self.assertTrue(any(detail.startswith("group by phone") for detail in details))
        self.assertIn("name search", details)
        self.assertIn("ihospital.visit", self._logs(self.user_doctor).mapped("res_model"))

    def test_exports_prints_and_downloads_are_logged(self):
        self.user_doctor.groups_id |= self.env.ref("base.group_allow_export")
        self.visit_cardio.with_user(self.user_doctor).export_data(["name", "diagnosis"])
        self.assertEqual(self._logs(self.user_doctor, "export").res_ids, str(self.visit_cardio.id))
        self.env["ir.actions.report"].with_user(self.user_doctor)._render_qweb_html(
            "ihospital_base.action_report_lab", self.lab.ids
        )
        self.assertEqual(self._logs(self.user_doctor, "print").res_model, "ihospital.lab.report")
        # attachment downloads: through /web/content, in ihospital_public/tests/test_attachment_access.py

    def test_the_engine_and_the_portal_leave_no_staff_trace(self):
        self.patient_cardio.with_user(self.user_doctor).sudo().read(["name"])
        self.patient_cardio.with_user(self.user_portal).read(["name"])
        self.assertFalse(self.Log.search([("user_id", "in", (self.user_doctor | self.user_portal).ids)]))

    def test_audited_reads_are_not_read_only_calls(self):
        """JSON-RPC runs @api.readonly methods in read-only transactions,
        where the log row could not be written."""
        Patient = type(self.env["ihospital.patient"])
        for method in ("read", "search_read", "web_read", "web_search_read"):
            self.assertFalse(getattr(getattr(Patient, method), "_readonly", False), method)

    def test_who_reviews_the_log(self):
        self.patient_cardio.with_user(self.user_doctor).read(["name"])
        log = self._logs(self.user_doctor)
        self.assertEqual(self.Log.with_user(self.user_quality).search([("id", "=", log.id)]), log)
        self.assertEqual(self.Log.with_user(self.user_admin).search([("id", "=", log.id)]), log)
        for user in (self.user_doctor, self.user_director, self.user_nurse):
            with self.assertRaises(AccessError):
                self.Log.with_user(user).search([])
        admin_2 = self.env["res.users"].create(
            {
                "name": "Admin 2",
                "login": "t_admin_2",
                "company_id": self.hospital_2.id,
                "company_ids": [self.hospital_2.id],
                "groups_id": [(6, 0, [self.env.ref("ihospital_base.group_admin").id])],
            }
        )
        self.assertFalse(self.Log.with_user(admin_2).search([("id", "=", log.id)]))
        for user in (self.user_quality, self.user_admin):
            with self.assertRaises(AccessError):
                log.with_user(user).write({"user_id": self.user_admin.id})
            with self.assertRaises(AccessError):
                log.with_user(user).unlink()

    def test_retention_is_six_months_at_least_and_purged(self):
        with self.assertRaises(ValidationError):
            self.hospital.ihospital_audit_retention_days = 30
        self.hospital.ihospital_audit_retention_days = 200
        self.patient_cardio.with_user(self.user_doctor).read(["name"])
        self.patient_cardio.with_user(self.user_nurse).read(["name"])
        old, recent = self._logs(self.user_doctor), self._logs(self.user_nurse)
        self.env.cr.execute(
            "UPDATE ihospital_access_log SET create_date = %s WHERE id = %s",
            (fields.Datetime.now() - timedelta(days=201), old.id),
        )
        self.Log._cron_purge()
        self.assertFalse(old.exists())
        self.assertTrue(recent.exists())


@tagged("post_install", "-at_install")
class TestAuditedReadsOverRpc(RpcMixin, HttpCase, IhospitalCase):
    def test_a_list_read_writes_its_log_row_in_one_go(self):
        """JSON-RPC reads of audited data run read-write at once: no failed
        log INSERT in a read-only transaction, retried with a warning."""
        self.authenticate(self.user_director.login, self.user_director.login)
        before = self.env["ihospital.access.log"].sudo().search_count([("user_id", "=", self.user_director.id)])
        with self.assertNoLogs("odoo.http", "WARNING"):
            result, error = self._call(
                "ihospital.patient", "web_search_read", [[["id", "=", self.patient_cardio.id]], {"name": {}}]
            )
        self.assertFalse(error)
        self.assertEqual(result["records"][0]["name"], self.patient_cardio.name)
        after = self.env["ihospital.access.log"].sudo().search_count([("user_id", "=", self.user_director.id)])
        self.assertEqual(after, before + 1)

    def test_the_chatter_of_an_audited_record_is_read_and_logged_in_one_go(self):
        """The chatter's data (/mail/thread/data) of an audited record runs
        read-write at once; another thread's stays read-only."""
        self.authenticate(self.user_director.login, self.user_director.login)
        Log = self.env["ihospital.access.log"].sudo()
        before = Log.search_count([("user_id", "=", self.user_director.id), ("res_model", "=", "ihospital.patient")])

        def thread_data(model, record_id):
            return self.url_open(
                "/mail/thread/data",
                data=json.dumps(
                    {
                        "jsonrpc": "2.0",
                        "method": "call",
                        "params": {"thread_model": model, "thread_id": record_id, "request_list": ["followers"]},
                    }
                ),
                headers={"Content-Type": "application/json"},
            ).json()

        with self.assertNoLogs("odoo.http", "WARNING"):
            response = thread_data("ihospital.patient", self.patient_cardio.id)
        self.assertNotIn("error", response)
        after = Log.search_count([("user_id", "=", self.user_director.id), ("res_model", "=", "ihospital.patient")])
        self.assertEqual(after, before + 1)
        self.assertNotIn("error", thread_data("res.partner", self.user_director.partner_id.id))
