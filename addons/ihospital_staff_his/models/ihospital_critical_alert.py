from collections import defaultdict

import pytz
from stdnum.cn import ric

from odoo import api, fields, models
from odoo.addons.ihospital_staff.models.ihospital_critical_alert import RECIPIENT_ROLES
from odoo.osv import expression

RECEIPT_STATES = [
    ("queued", "Queued for the Laboratory"),
    ("recorded", "Recorded by the Laboratory"),
    ("refused", "Refused by the Laboratory"),
    ("not_sent", "Not Sent (no connection)"),
]
# the message type the reporting system sends for each source: the receipt
# goes back to the endpoint that receives it, where the hospital has one
SOURCE_MESSAGE_TYPES = {"lab": "lab.result", "imaging": "imaging.report", "vital": "vital.signs"}
RECEIPT_BATCH = 200
# the roles in the order a receipt names the acknowledger's part
ROLE_ORDER = [role for role, _label in RECIPIENT_ROLES]


class IhospitalCriticalAlert(models.Model):
    """The receipt (危急值回执) of an acknowledged critical value goes back to
    the system that reported it (LIS, RIS, the nursing system), through the
    hospital's gateway: `critical.receipt` in docs/his-protocol.md."""

    _inherit = "ihospital.critical.alert"

    receipt_state = fields.Selection(
        RECEIPT_STATES,
        string="Receipt to the Laboratory",
        readonly=True,
        copy=False,
        help="The receipt the reporting system (LIS, RIS) gets back once the alert is acknowledged.",
    )

    def _wake_receipts(self):
        self.env["ir.cron"]._ihospital_trigger("ihospital_staff_his.ir_cron_critical_receipts")

    @api.model
    def _cron_queue_receipts(self):
        """Queue the receipts of acknowledged alerts, a batch per call (thin
        cron); the gateway pulls and delivers them."""
        alerts = self.sudo().search([("receipt_due", "=", True)], order="id", limit=RECEIPT_BATCH)
        alerts._queue_receipts()
        self.env["ir.cron"]._notify_progress(done=len(alerts), remaining=int(len(alerts) == RECEIPT_BATCH))

    def _queue_receipts(self):
        """One `critical.receipt` per acknowledged alert, back to the
        endpoint its result came in through (if it takes receipts), else
        to the endpoint of its hospital that receives the reporting message
        type and receipts (the LIS for a lab result, the RIS for an
        examination), else to the first that takes receipts. None for an
        alert whose result did not come through the HIS, whose hospital
        takes no receipts, or which is not (or no longer) acknowledged: a
        corrected value is read back again first, a withdrawn one is void."""
        alerts = self.filtered("receipt_due")
        if not alerts:
            return
        endpoints = (
            self.env["ihospital.his.endpoint"]
            .sudo()
            .search(
                [("company_id", "in", alerts.company_id.ids), ("message_type_ids.code", "=", "critical.receipt")],
                order="sequence, id",
            )
        )
        by_company = defaultdict(list)
        for endpoint in endpoints:
            by_company[endpoint.company_id.id].append((endpoint, set(endpoint.message_type_ids.mapped("code"))))
        reported_through = alerts._reporting_endpoints()
        roles, codes = alerts._acknowledgers()
        to_send, not_sent = defaultdict(list), self.browse()
        for alert in alerts:
            candidates = by_company.get(alert.company_id.id)
            acknowledged = alert.acknowledged_at and alert.state in ("acknowledged", "handled", "closed")
            if not candidates or not acknowledged or not alert._from_his():
                not_sent |= alert
                continue
            reporting_type = SOURCE_MESSAGE_TYPES[alert.source]
            endpoint = reported_through.get(alert.id)
            if endpoint not in [e for e, _types in candidates]:
                endpoint = next((e for e, types in candidates if reporting_type in types), candidates[0][0])
            to_send[endpoint].append(alert)
        Message = self.env["ihospital.his.message"]
        for endpoint, endpoint_alerts in to_send.items():
            Message._queue_outbound_many(
                endpoint,
                "critical.receipt",
                [
                    {
                        "data": alert._receipt_data(roles.get(alert.id), codes.get(alert.id)),
                        "critical_alert_id": alert.id,
                        "patient_id": alert.patient_id.id,
                    }
                    for alert in endpoint_alerts
                ],
            )
        (alerts - not_sent).write({"receipt_due": False, "receipt_state": "queued"})
        not_sent.write({"receipt_due": False, "receipt_state": "not_sent"})

    def _reporting_endpoints(self):
        """{alert id: the endpoint its result last came in through}, from
        the records the inbound messages created or changed: one search for
        the batch."""
        sources = defaultdict(dict)
        for alert in self:
            record = alert._source()
            if record:
                sources[record._name][record.id] = alert.id
        if not sources:
            return {}
        domain = expression.OR(
            [[("res_model", "=", model), ("res_id", "in", list(ids))] for model, ids in sources.items()]
        )
        links = (
            self.env["ihospital.his.message.link"]
            .sudo()
            .search_fetch(domain, ["res_model", "res_id", "message_id"], order="id")
        )
        endpoints = {}
        for link in links:  # the newest last
            endpoints[sources[link.res_model][link.res_id]] = link.message_id.endpoint_id
        return endpoints

    def _from_his(self):
        self.ensure_one()
        source = self._source()
        return bool(source and source.source == "his" and self.report_number)

    def _acknowledgers(self):
        """({alert id: the acknowledger's part in the alert}, {alert id:
        their staff code in the HIS}), one search each for the batch. No part
        for a colleague of the department who was not told."""
        acknowledgers = {alert.id: alert.acknowledged_by_id.id for alert in self}
        recipients = (
            self.env["ihospital.critical.recipient"]
            .sudo()
            .search_fetch([("alert_id", "in", self.ids)], ["alert_id", "user_id", "role"])
        )
        roles = {}
        for recipient in recipients:
            alert_id = recipient.alert_id.id
            if recipient.user_id.id != acknowledgers[alert_id] or recipient.role not in ROLE_ORDER:
                continue
            if alert_id not in roles or ROLE_ORDER.index(recipient.role) < ROLE_ORDER.index(roles[alert_id]):
                roles[alert_id] = recipient.role
        employees = (
            self.env["hr.employee"]
            .sudo()
            .with_context(active_test=False)
            .search_fetch(
                [("user_id", "in", list(set(acknowledgers.values()))), ("company_id", "in", self.company_id.ids)],
                ["user_id", "company_id", "his_code"],
            )
        )
        code_of = {(e.user_id.id, e.company_id.id): e.his_code for e in employees if e.his_code}
        codes = {alert.id: code_of.get((acknowledgers[alert.id], alert.company_id.id)) for alert in self}
        return roles, codes

    def _receipt_data(self, role=None, staff_code=None):
        """The canonical data of this alert's receipt. The patient is named
        by identifiers only: no identity number, name or phone leaves."""
        self.ensure_one()
        tz = pytz.timezone(self.company_id.hospital_tz or "Asia/Shanghai")

        def local(value):
            return pytz.utc.localize(value).astimezone(tz).isoformat(timespec="seconds") if value else None

        patient = self.patient_id
        identifiers = {
            key: value
            for key, value in (
                ("his_patient_id", patient.his_patient_id),
                ("medical_card_number", patient.medical_card_number),
            )
            # a hospital may register patients on their resident ID card: that number never leaves
            if value and not ric.is_valid(value)
        }
        data = {
            "alert_ref": self.name,
            "report_no": self.report_number,
            "source": self.source,
            "item_code": self.item_code,
            "item": self.item,
            "value": self.value,
            "unit": self.unit,
            "flag": self.flag,
            "patient": identifiers,
            "acknowledged_by": self.acknowledged_by_id.name,
            "acknowledged_by_code": staff_code,
            "acknowledged_role": role,
            "acknowledged_at": local(self.acknowledged_at),
            "read_back": self.readback_value,
            "department_code": self.department_id.his_code,
            "detected_at": local(self.detected_at),
        }
        return {key: value for key, value in data.items() if value}

    def _receipt_reported(self, recorded, error=""):
        """The reporting system answered a receipt: recorded (AA) or refused
        for good (AR, or AE past its attempts). Written in the trail."""
        self.sudo().write({"receipt_state": "recorded" if recorded else "refused"})
        kind = "receipt_sent" if recorded else "receipt_refused"
        self.env["ihospital.critical.event"].sudo().create(
            [{"alert_id": alert.id, "kind": kind, "note": error or False, "user_id": False} for alert in self]
        )

    @api.model
    def _new_criticals_waiting(self):
        """Results their source flags critical, received and waiting to be
        applied (the HIS's critical lane, on its partial index)."""
        Message = self.env["ihospital.his.message"].sudo()
        return bool(
            Message.search_count(
                [("direction", "=", "in"), ("state", "=", "received"), ("is_critical", "=", True)], limit=1
            )
        )
