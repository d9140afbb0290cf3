"""The open critical value alerts bench_critical.py runs against: run inside
`odoo shell` (his_harness.odoo_shell) on the benchmark's copy of the demo
database, before Odoo serves it.

`seed(env, count, due, out)` creates `count` older lab alerts of the demo
hospital (base.main_company) with the catalog of the demo's critical values
(ihospital_staff's CRITICAL_DEMO_LAB: test, value, the departments it happens
in), spread over its clinical departments, their doctors and patients,
detected over the last three days; routed by the engine's own routing (who is
on duty now, the department heads), their notices long sent (the to-dos of
the alerts still to acknowledge are open). `due` of them are waiting for an
acknowledgement or a handling whose deadline the benchmark moves into its run
(their ids are written to `out` as JSON); the others are handled and waiting
to be closed, or acknowledged with a handling deadline after the run: open,
not due. Created with one `create` per model.
"""

import json
import random
from collections import defaultdict
from datetime import timedelta


def seed(env, count, due, out, seed_value=2029):
    from odoo import fields  # noqa: PLC0415 - this module runs inside `odoo shell`
    from odoo.addons.ihospital_staff.models.ihospital_critical_alert import LEVEL_ROLES  # noqa: PLC0415
    from odoo.addons.ihospital_staff.models.ihospital_demo import CRITICAL_DEMO_LAB  # noqa: PLC0415

    rng = random.Random(seed_value)
    company = env.ref("base.main_company")
    clinical = env["hr.department"].search([("company_id", "=", company.id), ("is_clinical", "=", True)])
    departments = {department.his_code: department for department in clinical}
    doctors = defaultdict(list)
    for doctor in env["hr.employee"].search(
        [("company_id", "=", company.id), ("ihospital_role", "=", "doctor")], order="id"
    ):
        doctors[doctor.department_id.his_code].append(doctor)
    patients = env["ihospital.patient"].search([("company_id", "=", company.id)], order="id")
    now = fields.Datetime.now()
    due_index = set(rng.sample(range(count), due))

    vals_list, courses = [], []
    for n in range(count):
        code, name, unit, reference, _panel, _specimen, values, where, steps, _corrected = rng.choice(CRITICAL_DEMO_LAB)
        value, flag = rng.choice(values)
        department = departments[rng.choice(where)]
        doctor = rng.choice(doctors[department.his_code])
        detected = now - timedelta(minutes=rng.uniform(60, 72 * 60))
        if n in due_index:
            state = rng.choices(["to_acknowledge", "acknowledged"], weights=[7, 3])[0]
            deadline = now + timedelta(hours=6)  # moved into the run by the benchmark
        else:
            state = rng.choices(["acknowledged", "handled"], weights=[4, 6])[0]
            deadline = now + timedelta(minutes=rng.uniform(60, 180)) if state == "acknowledged" else False
        level = 1 if state == "to_acknowledge" and rng.random() < 0.3 else 0
        vals = {
            "company_id": company.id,
            "patient_id": rng.choice(patients).id,
            "source": "lab",
            "report_number": f"LIS{detected:%Y%m%d}{n:05d}",
            "item": name,
            "item_code": code,
            "value": value,
            "unit": unit,
            "reference_range": reference,
            "flag": flag,
            "direction": {"HH": "high", "LL": "low"}.get(flag, "abnormal"),
            "detected_by": "source",
            "reported_at": detected,
            "detected_at": detected,
            "department_id": department.id,
            "doctor_id": doctor.id,
            "state": state,
            "level": level,
            "escalation_count": level,
            "next_escalation_at": deadline,
        }
        user = doctor.user_id.id or False
        if state != "to_acknowledge":
            acked = detected + timedelta(minutes=rng.uniform(1, 9))
            vals.update(
                {
                    "acknowledged_at": acked,
                    "acknowledged_by_id": user,
                    "readback_value": value,
                    "minutes_to_acknowledge": (acked - detected).total_seconds() / 60,
                }
            )
        if state == "handled":
            handled = detected + timedelta(minutes=rng.uniform(12, 28))
            vals.update(
                {
                    "handled_at": handled,
                    "handled_by_id": user,
                    "handling_summary": steps[0][1],
                    "minutes_to_handle": (handled - detected).total_seconds() / 60,
                }
            )
        vals_list.append(vals)
        courses.append((user, steps[0][0]))

    Alert = (
        env["ihospital.critical.alert"]
        .sudo()
        .with_context(tracking_disable=True, mail_create_nolog=True, mail_create_nosubscribe=True, mail_notrack=True)
    )
    Alert._with_routing_facts(vals_list)
    alerts = Alert.create(vals_list)

    # routed as the engine routes them (level 1 after level 0: not twice to the same post)
    Recipient = env["ihospital.critical.recipient"].sudo()
    recipients = Recipient
    detected_at = {alert.id: alert.detected_at for alert in alerts}
    for level, routed in ((0, alerts), (1, alerts.filtered("level"))):
        vals_list = routed._route(LEVEL_ROLES[level], level)
        for vals in vals_list:
            vals.update(
                {
                    "notified_at": detected_at[vals["alert_id"]],
                    "notice_count": 1,
                    "sms_state": "sent" if vals["phone"] else "no_phone",
                    "notice_due": False,
                }
            )
        recipients |= Recipient.create(vals_list)
    # the to-dos the notices cron gave the recipients of the alerts still to acknowledge
    recipients.filtered(lambda r: r.alert_id.state == "to_acknowledge")._send_activities()

    events = []
    for alert, (user, kind) in zip(alerts, courses, strict=True):
        events.append({"alert_id": alert.id, "kind": "detected", "at": alert.detected_at, "user_id": False})
        if alert.acknowledged_at:
            events.append(
                {
                    "alert_id": alert.id,
                    "kind": "acknowledged",
                    "at": alert.acknowledged_at,
                    "user_id": user,
                    "value": alert.value,
                }
            )
        if alert.handled_at:
            events.append(
                {
                    "alert_id": alert.id,
                    "kind": "handled",
                    "at": alert.handled_at,
                    "user_id": user,
                    "handling_kind": kind,
                    "note": alert.handling_summary,
                }
            )
    env["ihospital.critical.event"].sudo().create(events)

    due_ids = [alert.id for n, alert in enumerate(alerts) if n in due_index]
    with open(out, "w") as file:
        json.dump(due_ids, file)
    print(f"seeded {len(alerts)} open alerts ({len(due_ids)} to fall due), {len(recipients)} recipients")
