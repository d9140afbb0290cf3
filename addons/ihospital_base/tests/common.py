import json
import threading
from contextlib import contextmanager
from unittest.mock import patch

from odoo import SUPERUSER_ID, api, fields
from odoo.addons.sms.tools.sms_api import SmsApi
from odoo.exceptions import UserError
from odoo.modules.registry import Registry
from odoo.service.model import retrying
from odoo.tests.common import BaseCase, TransactionCase, get_db_name, new_test_user

# Valid resident ID numbers (check digit computed with python-stdnum).
ID_MAN_1985 = "440106198503127612"  # male, born 1985-03-12, Tianhe, Guangzhou
ID_WOMAN_1990 = "440104199007082621"  # female, born 1990-07-08, Yuexiu
ID_CHILD_2018 = "440105201805200043"  # female, born 2018-05-20, Haizhu


def queue_today(env, room, patients, capacity=5):
    """The live queue's fixture: a published evening clinic today in the demo
    hospital's cardiology (its third doctor), with `patients` checked in and
    waiting, numbered from 1 at the window."""
    department = env.ref("ihospital_base.hr_department_cardiology_demo")
    hospital = department.company_id
    today = fields.Date.context_today(env["res.company"].with_context(tz=hospital.hospital_tz))
    schedule = env["ihospital.schedule"].create(
        {
            "company_id": hospital.id,
            "department_id": department.id,
            "doctor_id": env.ref("ihospital_base.hr_employee_cardiology_3_demo").id,
            "date": today,
            "session": "evening",
            "capacity": capacity,
            "room": room,
        }
    )
    schedule.action_publish()
    env["ihospital.appointment"].create(
        [
            {
                "company_id": hospital.id,
                "patient_id": patient.id,
                "schedule_id": schedule.id,
                "slot_id": slot.id,
                "state": "checked_in",
                "queue_state": "waiting",
                "queue_number": number,
                "channel": "window",
            }
            for number, (patient, slot) in enumerate(zip(patients, schedule.slot_ids, strict=False), start=1)
        ]
    )
    return schedule


class IhospitalCase(TransactionCase):
    """Two hospitals with departments, staff of every role and patients,
    built in the test so that tests do not depend on demo data."""

    @contextmanager
    def assertRaisesMsg(self, exception, regex):
        """Like assertRaisesRegex, but through Odoo's assertRaises, which
        rolls back what the failed operation wrote (so tests can check that
        nothing was saved)."""
        with self.assertRaises(exception) as cm:
            yield cm
        self.assertRegex(str(cm.exception), regex)

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True, no_reset_password=True))
        Company = cls.env["res.company"]
        # both hospitals text through the demo provider (tests replace it
        # with MockSmsProvider), in English whatever the translations say
        sms = {"ihospital_sms_provider": "demo", "ihospital_sms_lang": "en_US"}
        cls.hospital = Company.create({"name": "Test General Hospital", "is_hospital": True, **sms})
        cls.hospital_2 = Company.create({"name": "Test Community Hospital", "is_hospital": True, **sms})
        Department = cls.env["hr.department"]
        cls.cardiology = Department.create(
            {"name": "Cardiology", "company_id": cls.hospital.id, "is_clinical": True, "his_code": "T-XNK"}
        )
        cls.surgery = Department.create(
            {"name": "Surgery", "company_id": cls.hospital.id, "is_clinical": True, "his_code": "T-WK"}
        )
        cls.general_2 = Department.create(
            {"name": "General Practice", "company_id": cls.hospital_2.id, "is_clinical": True, "his_code": "T-QK"}
        )

        def user(login, groups, company):
            return new_test_user(
                cls.env, login=login, groups=groups, company_id=company.id, company_ids=[company.id], name=login
            )

        cls.user_nurse = user("t_nurse", "ihospital_base.group_nurse", cls.hospital)
        cls.user_doctor = user("t_doctor", "ihospital_base.group_doctor", cls.hospital)
        cls.user_surgeon = user("t_surgeon", "ihospital_base.group_doctor", cls.hospital)
        cls.user_head = user("t_head", "ihospital_base.group_department_head", cls.hospital)
        cls.user_quality = user("t_quality", "ihospital_base.group_quality_officer", cls.hospital)
        cls.user_director = user("t_director", "ihospital_base.group_director", cls.hospital)
        cls.user_admin = user("t_admin", "ihospital_base.group_admin", cls.hospital)
        cls.user_doctor_2 = user("t_doctor_2", "ihospital_base.group_doctor", cls.hospital_2)
        cls.user_portal = user("t_portal", "base.group_portal", cls.hospital)
        cls.user_portal_other = user("t_portal_other", "base.group_portal", cls.hospital)

        Employee = cls.env["hr.employee"]

        def employee(name, user, department, role, title):
            return Employee.create(
                {
                    "name": name,
                    "user_id": user.id,
                    "company_id": department.company_id.id,
                    "department_id": department.id,
                    "ihospital_role": role,
                    "professional_title": title,
                }
            )

        cls.emp_nurse = employee("Nurse Huang", cls.user_nurse, cls.cardiology, "nurse", "senior_nurse")
        cls.emp_doctor = employee("Dr Li", cls.user_doctor, cls.cardiology, "doctor", "attending_physician")
        cls.emp_surgeon = employee("Dr Zhang", cls.user_surgeon, cls.surgery, "doctor", "chief_physician")
        cls.emp_head = employee("Dr Chen", cls.user_head, cls.cardiology, "doctor", "chief_physician")
        cls.emp_doctor_2 = employee("Dr He", cls.user_doctor_2, cls.general_2, "doctor", "attending_physician")
        cls.cardiology.manager_id = cls.emp_head

        Patient = cls.env["ihospital.patient"]
        cls.patient_cardio = Patient.create(
            {
                "name": "Chen Zhiqiang",
                "company_id": cls.hospital.id,
                "id_number": ID_MAN_1985,
                "phone": "13800138000",
                "medical_card_number": "T0001",
            }
        )
        cls.patient_surgery = Patient.create(
            {
                "name": "Liang Wanting",
                "company_id": cls.hospital.id,
                "id_number": ID_WOMAN_1990,
                "phone": "13912345678",
                "medical_card_number": "T0002",
            }
        )
        cls.patient_2 = Patient.create(
            {"name": "He Jiahao", "company_id": cls.hospital_2.id, "id_number": ID_MAN_1985, "phone": "13800138001"}
        )
        Visit = cls.env["ihospital.visit"]
        cls.visit_cardio = Visit.create(
            {
                "company_id": cls.hospital.id,
                "patient_id": cls.patient_cardio.id,
                "department_id": cls.cardiology.id,
                "doctor_id": cls.emp_doctor.id,
                "diagnosis": "Hypertension",
                "total_charges": 300,
                "insurance_amount": 120,
            }
        )
        cls.visit_surgery = Visit.create(
            {
                "company_id": cls.hospital.id,
                "patient_id": cls.patient_surgery.id,
                "department_id": cls.surgery.id,
                "doctor_id": cls.emp_surgeon.id,
                "diagnosis": "Appendicitis",
                "total_charges": 8000,
                "insurance_amount": 5000,
            }
        )
        cls.visit_2 = Visit.create(
            {
                "company_id": cls.hospital_2.id,
                "patient_id": cls.patient_2.id,
                "department_id": cls.general_2.id,
                "doctor_id": cls.emp_doctor_2.id,
                "total_charges": 80,
            }
        )
        cls.env["ihospital.patient.account"].create(
            {"patient_id": cls.patient_cardio.id, "user_id": cls.user_portal.id, "relation": "self"}
        )


class RpcMixin:
    """Calls as a browser's JSON-RPC client makes them (an HttpCase's
    authenticated session): what an attacker can send from the console."""

    def _call(self, model, method, args, kwargs=None):
        """The JSON-RPC answer: the result, or the error's data."""
        response = self.url_open(
            "/web/dataset/call_kw",
            data=json.dumps(
                {
                    "jsonrpc": "2.0",
                    "method": "call",
                    "params": {"model": model, "method": method, "args": args, "kwargs": kwargs or {}},
                }
            ),
            headers={"Content-Type": "application/json"},
        ).json()
        return response.get("result"), response.get("error", {}).get("data", {})


class MockSmsProvider:
    """Tests never text anybody: `mockSmsProvider()` replaces the SMS
    provider of every hospital set to the demo provider with a mock that
    records what it was asked to send in `self._sms` (number, text,
    template key, variables, hospital) and fails on demand: `fail` maps a
    number to the provider's refusal (a final failure), `down` makes the
    provider unreachable (a temporary failure: the message is retried).
    Odoo's IAP SMS service is never reached either."""

    @contextmanager
    def mockSmsProvider(self, fail=None, down=False):
        self._sms = []
        fail = fail or {}
        Message = type(self.env["ihospital.sms.message"])

        def send(messages):
            if down:
                raise ConnectionError("the mock SMS provider is unreachable")
            answers = {}
            for message in messages.sudo():
                if message.number in fail:
                    answers[message.id] = ("failed", False, fail[message.number])
                    continue
                self._sms.append(
                    {
                        "number": message.number,
                        "body": message.body,
                        "template": message.template_id.code,
                        "variables": dict(message.variables or {}),
                        "company": message.company_id,
                        "purpose": message.purpose,
                    }
                )
                answers[message.id] = ("sent", f"mock-{message.id}", False)
            return answers

        def no_iap(*_args, **_kwargs):
            raise AssertionError("Odoo's IAP SMS service was called")

        with patch.object(Message, "_provider_send_demo", send), patch.object(SmsApi, "_contact_iap", no_iap):
            yield

    def flush_sms(self):
        """What the SMS cron does after commit: send the queued texts."""
        Message = self.env["ihospital.sms.message"].sudo()
        for _batch in range(10):
            if not Message.search_count([("state", "=", "queued"), ("next_try_at", "<=", fields.Datetime.now())]):
                break
            Message._cron_send()

    def assertSmsSent(self, numbers, content=None):
        """Each number got a text (containing `content`)."""
        for number in numbers:
            texts = [sms["body"] for sms in self._sms if sms["number"] == number]
            self.assertTrue(texts, f"no text to {number} in {[sms['number'] for sms in self._sms]}")
            if content is not None:
                self.assertTrue(any(content in text for text in texts), f"{content!r} not in {texts}")


class CommittedCase(BaseCase):
    """Tests on separate database connections, committed for real, as
    several Odoo workers would run them (races on bookings, on the daily
    cap of texts). Each test class cleans up what it committed."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.registry = Registry(get_db_name())

    @classmethod
    @contextmanager
    def committed_env(cls, context=None):
        """An environment (superuser) on a connection of its own, committed
        at the end of the block."""
        with cls.registry.cursor() as cr:
            yield api.Environment(cr, SUPERUSER_ID, context or {})

    def in_parallel(self, jobs, timeout=120):
        """Run each `job(env, tries)` in its own thread and transaction, at
        once, with Odoo's retry on serialization failures as in a request
        (`tries`: the attempts so far, 1 on the first). The SMS provider
        lies outside this machine: it is mocked. Returns, in the order of
        `jobs`: ("done", result, attempts), ("refused", message, attempts)
        for a UserError, or ("error", repr, attempts): a lost request."""
        results = [None] * len(jobs)

        def run(index, job):
            tries = []

            def attempt():
                tries.append(1)
                return job(env, len(tries))

            try:
                with self.committed_env() as env:
                    results[index] = ("done", retrying(attempt, env), len(tries))
            except UserError as exc:
                results[index] = ("refused", str(exc), len(tries))
            except Exception as exc:  # noqa: BLE001 - anything else is a lost request
                results[index] = ("error", repr(exc), len(tries))

        self.enterContext(patch.object(self.registry["ihospital.sms.message"], "_provider_send_demo", autospec=True))
        threads = [threading.Thread(target=run, args=(index, job)) for index, job in enumerate(jobs)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout)
        return results
