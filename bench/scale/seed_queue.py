# Run inside `odoo shell` (tools/bench-scale.sh pipes it in) on the multi-node
# set-up's database: a clinic today in the demo's cardiology with one patient
# checked in and called by the demo nurse, so that bench/queue_watchers.py has
# a called patient to recall once a second (its queue events). As the live
# queue's own benchmark (bench/bench_queue.py) seeds it. Prints
# {"department": id, "schedule": id}. `env` is odoo shell's.
# ruff: noqa: F821
import json

from odoo import fields

department = env.ref("ihospital_base.hr_department_cardiology_demo")
hospital = department.company_id
found = env["ihospital.schedule"].search(
    [("room", "=", "BENCH-SCALE-QUEUE"), ("state", "=", "published"), ("current_appointment_id", "!=", False)],
    limit=1,
)
if not found:
    today = fields.Date.context_today(env["res.company"].with_context(tz=hospital.hospital_tz))
    found = env["ihospital.schedule"].create(
        {
            "company_id": hospital.id,
            "department_id": department.id,
            "doctor_id": env.ref("ihospital_base.hr_employee_cardiology_3_demo").id,
            "date": today,
            "session": "evening",
            "capacity": 5,
            "room": "BENCH-SCALE-QUEUE",
        }
    )
    found.action_publish()
    patient = env["ihospital.patient"].search([("company_id", "=", hospital.id)], limit=1)
    env["ihospital.appointment"].create(
        {
            "company_id": hospital.id,
            "patient_id": patient.id,
            "schedule_id": found.id,
            "slot_id": found.slot_ids[0].id,
            "state": "checked_in",
            "queue_state": "waiting",
            "queue_number": 1,
            "channel": "window",
        }
    )
    found.with_user(env.ref("ihospital_base.user_nurse_demo")).action_call_next()
    env.cr.commit()
print("SEED " + json.dumps({"department": department.id, "schedule": found.id}))
