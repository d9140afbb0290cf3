import logging
import uuid
from datetime import timedelta

from psycopg2.errors import UniqueViolation

from odoo import _, api, fields, models, tools
from odoo.addons.ihospital_base.models.ihospital_guard_mixin import VIEW_ONLY
from odoo.exceptions import AccessError, ValidationError
from odoo.osv import expression
from odoo.tools import SQL, mute_logger

from ..handlers import REGISTRY
from .ihospital_his_message import PROCESS_CRONS

_logger = logging.getLogger(__name__)

GATEWAY_GROUP = "ihospital_his.group_his_gateway"
ONLINE_SECONDS = 120
LATE_SECONDS = 600
PULL_RESEND_MINUTES = 10
MAX_PULL = 500


def parse_utc(value):
    """A gateway time ('YYYY-MM-DD HH:MM:SS', UTC) or False."""
    if not value:
        return False
    try:
        return fields.Datetime.to_datetime(str(value)[:19].replace("T", " "))
    except ValueError:
        return False


class IhospitalHisEndpoint(models.Model):
    """A connection to a hospital's systems through its gateway (前置机).

    The gateway calls the `gateway_*` methods over XML-RPC as the endpoint's
    integration user, who has no other rights: each method goes through
    `_gateway_endpoint`, which checks the caller and then works as sudo on
    this endpoint's hospital only."""

    _name = "ihospital.his.endpoint"
    _description = "HIS Endpoint"
    _inherit = ["ihospital.guard.mixin", "ihospital.hospital.mixin"]
    _patient_link_fields = ()
    _action_groups = {
        "action_view_messages": VIEW_ONLY,
        "action_view_failed": VIEW_ONLY,
        "action_view_dead": VIEW_ONLY,
        "action_view_queued": VIEW_ONLY,
    }
    _order = "company_id, sequence, id"

    sequence = fields.Integer(default=10)
    name = fields.Char(required=True)
    code = fields.Char(required=True, copy=False, help="The gateway identifies the endpoint by this code.")
    active = fields.Boolean(default=True)
    protocol = fields.Selection([("hl7", "HL7 v2 (MLLP)"), ("json", "JSON lines")], required=True, default="hl7")
    charset = fields.Selection(
        [("utf-8", "UTF-8"), ("gbk", "GBK"), ("gb18030", "GB 18030")], required=True, default="utf-8"
    )
    message_type_ids = fields.Many2many(
        "ihospital.his.message.type",
        string="Enabled Message Types",
        default=lambda self: self.env["ihospital.his.message.type"].search([]),
    )
    user_id = fields.Many2one(
        "res.users",
        string="Integration User",
        required=True,
        domain=lambda self: [("groups_id", "in", self.env.ref(GATEWAY_GROUP).id)],
        help="The gateway signs in as this user with an API key; the user belongs to the HIS Gateway group only.",
    )
    max_attempts = fields.Integer(default=5, help="A message that still fails after this many attempts is parked.")
    log_retention_days = fields.Integer(
        string="Keep Processed Messages (days)", default=90, help="Parked (dead) messages are kept until handled."
    )
    # heartbeat of the gateway
    gateway_last_seen = fields.Datetime(readonly=True, copy=False)
    gateway_version = fields.Char(readonly=True, copy=False)
    gateway_spool_pending = fields.Integer(string="Spool Pending", readonly=True, copy=False)
    gateway_spool_dead = fields.Integer(string="Spool Parked", readonly=True, copy=False)
    gateway_outbound_pending = fields.Integer(readonly=True, copy=False)
    gateway_last_inbound_at = fields.Datetime(string="Gateway Last Received", readonly=True, copy=False)
    gateway_last_forward_at = fields.Datetime(string="Gateway Last Forwarded", readonly=True, copy=False)
    gateway_last_error = fields.Text(readonly=True, copy=False)
    # dashboard
    status = fields.Selection(
        [("online", "Online"), ("late", "Late"), ("offline", "Offline"), ("never", "Never Connected")],
        compute="_compute_status",
    )
    last_in_at = fields.Datetime(string="Last Message In", compute="_compute_dashboard")
    last_out_at = fields.Datetime(string="Last Message Out", compute="_compute_dashboard")
    lag_seconds = fields.Float(
        string="Processing Lag (s)",
        compute="_compute_dashboard",
        help="Average seconds between the gateway's receipt and processing over the last hour.",
    )
    error_rate = fields.Float(
        string="Error Rate (%)", compute="_compute_dashboard", help="Failed and parked share of the last 24 hours."
    )
    received_count = fields.Integer(string="Received", compute="_compute_dashboard")
    processed_count = fields.Integer(string="Processed", compute="_compute_dashboard")
    failed_count = fields.Integer(string="Failed", compute="_compute_dashboard")
    dead_count = fields.Integer(string="Parked", compute="_compute_dashboard")
    queued_count = fields.Integer(string="Outbound Queued", compute="_compute_dashboard")
    message_count_24h = fields.Integer(string="Messages (24 h)", compute="_compute_dashboard")

    _sql_constraints = [
        ("code_uniq", "unique(code)", "An endpoint's code must be unique: the gateway identifies it by its code."),
        ("max_attempts_positive", "CHECK(max_attempts > 0)", "An endpoint must allow at least one attempt."),
    ]

    @api.depends("gateway_last_seen")
    def _compute_status(self):
        now = fields.Datetime.now()
        for endpoint in self:
            if not endpoint.gateway_last_seen:
                endpoint.status = "never"
                continue
            age = (now - endpoint.gateway_last_seen).total_seconds()
            endpoint.status = "online" if age <= ONLINE_SECONDS else "late" if age <= LATE_SECONDS else "offline"

    def _compute_dashboard(self):
        Message = self.env["ihospital.his.message"]
        now = fields.Datetime.now()
        domain = [("endpoint_id", "in", self.ids)]
        last_in = dict(Message._read_group(domain + [("direction", "=", "in")], ["endpoint_id"], ["received_at:max"]))
        last_out = dict(Message._read_group(domain + [("direction", "=", "out")], ["endpoint_id"], ["sent_at:max"]))
        by_state = {
            (endpoint, state): count
            for endpoint, state, count in Message._read_group(domain, ["endpoint_id", "state"], ["__count"])
        }
        day = {
            (endpoint, state): count
            for endpoint, state, count in Message._read_group(
                domain + [("received_at", ">=", now - timedelta(days=1))], ["endpoint_id", "state"], ["__count"]
            )
        }
        lags = {}
        if self.ids:
            # An average of a difference of two columns: _read_group cannot
            # aggregate an expression.
            self.env.cr.execute(
                SQL(
                    """SELECT endpoint_id, AVG(EXTRACT(EPOCH FROM processed_at - gateway_received_at))
                         FROM ihospital_his_message
                        WHERE endpoint_id IN %s AND direction = 'in' AND processed_at >= %s
                          AND gateway_received_at IS NOT NULL
                     GROUP BY endpoint_id""",
                    tuple(self.ids),
                    now - timedelta(hours=1),
                )
            )
            lags = dict(self.env.cr.fetchall())
        for endpoint in self:
            endpoint.last_in_at = last_in.get(endpoint, False)
            endpoint.last_out_at = last_out.get(endpoint, False)
            endpoint.lag_seconds = max(float(lags.get(endpoint.id) or 0.0), 0.0)
            total = sum(count for (ep, _state), count in day.items() if ep == endpoint)
            errors = day.get((endpoint, "failed"), 0) + day.get((endpoint, "dead"), 0)
            endpoint.message_count_24h = total
            endpoint.error_rate = round(100.0 * errors / total, 1) if total else 0.0
            endpoint.received_count = by_state.get((endpoint, "received"), 0)
            endpoint.processed_count = by_state.get((endpoint, "processed"), 0)
            endpoint.failed_count = by_state.get((endpoint, "failed"), 0)
            endpoint.dead_count = by_state.get((endpoint, "dead"), 0)
            endpoint.queued_count = by_state.get((endpoint, "queued"), 0) + by_state.get((endpoint, "sent"), 0)

    # ------------------------------------------------------------------ actions
    def _action_messages(self, domain=None, name=None):
        self.ensure_one()
        # every action_view_* only lists messages of endpoints the caller reads
        self._check_action("action_view_messages")
        action = self.env["ir.actions.act_window"]._for_xml_id("ihospital_his.ihospital_his_message_action")
        action["domain"] = [("endpoint_id", "=", self.id)] + (domain or [])
        action["context"] = {"search_default_filter_create_date": 0}
        if name:
            action["name"] = name
        return action

    def action_view_messages(self):
        return self._action_messages()

    def action_view_failed(self):
        return self._action_messages([("state", "=", "failed")], _("Failed Messages"))

    def action_view_dead(self):
        return self._action_messages([("state", "=", "dead")], _("Parked Messages"))

    def action_view_queued(self):
        return self._action_messages(
            [("direction", "=", "out"), ("state", "in", ("queued", "sent"))], _("Outbound Queue")
        )

    # ------------------------------------------------------------------ gateway API
    @api.model
    def _gateway_endpoint(self, code):
        """The endpoint `code` as sudo, after checking that the caller is its
        integration user. The only way the gateway API reaches data."""
        user = self.env.user
        if not user.has_group(GATEWAY_GROUP):
            raise AccessError(
                _("%s is not an HIS gateway user: only the gateway's integration user may call this.", user.name)
            )
        endpoint_sudo = self.sudo().search([("code", "=", code or "")], limit=1)
        if not endpoint_sudo or endpoint_sudo.user_id != user:
            raise AccessError(
                _("%(user)s is not the integration user of an active endpoint %(code)s.", user=user.name, code=code)
            )
        return endpoint_sudo.with_company(endpoint_sudo.company_id)

    @api.model
    def gateway_config(self, code):
        endpoint_sudo = self._gateway_endpoint(code)
        return {
            "code": endpoint_sudo.code,
            "protocol": endpoint_sudo.protocol,
            "charset": endpoint_sudo.charset,
            "message_types": endpoint_sudo.message_type_ids.mapped("code"),
            "max_attempts": endpoint_sudo.max_attempts,
        }

    @api.model
    def gateway_submit(self, code, messages):
        """Store the messages the gateway forwards, once per control id, and
        answer at once: one result per message, same order ("received",
        "duplicate", or "dead" with its error for a message that can never
        be applied). The processing cron applies them right after this
        commit, in the order stored: a gateway forwards each endpoint's
        messages in spool order, one call at a time, so each patient's
        messages keep their order."""
        endpoint_sudo = self._gateway_endpoint(code)
        if not isinstance(messages, list | tuple):
            raise ValidationError(_("gateway_submit expects a list of messages."))
        results = endpoint_sudo._store_inbound(messages)
        if any(result["state"] == "received" for result in results):
            # both crons that apply them: whichever is free takes the
            # ordinary queue, and each a lane of critical results
            self.env["ir.cron"].sudo()._ihospital_wake(*PROCESS_CRONS)
        return results

    @api.model
    def gateway_pull(self, code, limit=50):
        """Outbound messages to deliver, oldest first; marked sent."""
        endpoint_sudo = self._gateway_endpoint(code)
        try:
            limit = max(1, min(int(limit or 50), MAX_PULL))
        except (TypeError, ValueError):
            limit = 50
        messages = endpoint_sudo._outbound_to_deliver(limit)
        now = fields.Datetime.now()
        result = []
        for message in messages:
            message.write({"state": "sent", "sent_at": now, "attempts": message.attempts + 1})
            result.append(
                {
                    "control_id": message.control_id,
                    "type": message.message_type,
                    "data": _xmlrpc_safe(message.data or {}),
                    "attempt": message.attempts,
                }
            )
        return result

    @api.model
    def gateway_report(self, code, results):
        """The HIS's answers to delivered messages (AA / AE / AR)."""
        endpoint_sudo = self._gateway_endpoint(code)
        Message = self.env["ihospital.his.message"].sudo()
        for result in results or []:
            if not isinstance(result, dict):
                continue
            message = Message.search(
                [
                    ("endpoint_id", "=", endpoint_sudo.id),
                    ("direction", "=", "out"),
                    ("control_id", "=", str(result.get("control_id") or "")),
                ],
                limit=1,
            )
            if not message:
                _logger.warning("Endpoint %s reported on unknown message %s", code, result.get("control_id"))
                continue
            message._apply_report(result)
        return True

    @api.model
    def gateway_heartbeat(self, code, stats):
        endpoint_sudo = self._gateway_endpoint(code)
        stats = stats if isinstance(stats, dict) else {}

        def number(key):
            try:
                return int(stats.get(key) or 0)
            except (TypeError, ValueError):
                return 0

        endpoint_sudo.write(
            {
                "gateway_last_seen": fields.Datetime.now(),
                "gateway_version": str(stats.get("version") or "")[:64] or False,
                "gateway_spool_pending": number("spool_pending"),
                "gateway_spool_dead": number("spool_dead"),
                "gateway_outbound_pending": number("outbound_pending"),
                "gateway_last_inbound_at": parse_utc(stats.get("last_inbound_at")),
                "gateway_last_forward_at": parse_utc(stats.get("last_forward_at")),
                "gateway_last_error": str(stats.get("last_error") or "")[:2000] or False,
            }
        )
        return True

    # ------------------------------------------------------------------ helpers (sudo, checked above)
    def _store_inbound(self, payloads):
        """Store forwarded messages with one duplicate search and one
        create; a control id stored concurrently by another call (the unique
        constraint refuses the batch) makes them stored one at a time."""
        self.ensure_one()
        Message = self.env["ihospital.his.message"].sudo()
        payloads = [payload if isinstance(payload, dict) else {} for payload in payloads]
        control_ids = [str(payload.get("control_id") or "").strip()[:64] for payload in payloads]
        seen = set(
            Message.search_fetch(
                [
                    ("endpoint_id", "=", self.id),
                    ("direction", "=", "in"),
                    ("control_id", "in", [c for c in control_ids if c]),
                ],
                ["control_id"],
            ).mapped("control_id")
        )
        enabled = set(self.message_type_ids.mapped("code"))
        results, vals_list = [], []
        for payload, control_id in zip(payloads, control_ids, strict=True):
            if control_id and control_id in seen:
                results.append({"control_id": control_id, "state": "duplicate", "error": ""})
                continue
            seen.add(control_id)
            vals = self._inbound_vals(payload, control_id, enabled)
            vals_list.append(vals)
            results.append({"control_id": control_id, "state": vals["state"], "error": vals.get("error") or ""})
        try:
            with self.env.cr.savepoint(), mute_logger("odoo.sql_db"):
                Message.create(vals_list)
        except UniqueViolation:
            stored = iter(self._store_one_by_one(vals_list))
            results = [result if result["state"] == "duplicate" else next(stored) for result in results]
        return results

    def _store_one_by_one(self, vals_list):
        Message = self.env["ihospital.his.message"].sudo()
        for vals in vals_list:
            result = {"control_id": vals["control_id"], "state": vals["state"], "error": vals.get("error") or ""}
            try:
                with self.env.cr.savepoint(), mute_logger("odoo.sql_db"):
                    Message.create(vals)
            except UniqueViolation:
                # the same control id submitted concurrently: stored once
                result = dict(result, state="duplicate", error="")
            yield result

    def _inbound_vals(self, payload, control_id, enabled):
        """The message log row of a forwarded message: received, or dead
        with the reason when it can never be applied."""
        data = payload.get("data")
        message_type = str(payload.get("type") or "").strip()[:64]
        if payload.get("dead"):
            error = str(payload.get("error") or _("Parked by the gateway."))
        elif not control_id:
            error = _("The message has no control id.")
        elif message_type not in REGISTRY:
            error = _("%s is not a message type the platform receives.", message_type)
        elif message_type not in enabled:
            error = _(
                "message type %(type)s is not enabled for endpoint %(endpoint)s", type=message_type, endpoint=self.code
            )
        elif not isinstance(data, dict):
            error = _("The message's data must be an object.")
        else:
            error = False
        Message = self.env["ihospital.his.message"]
        critical = not error and REGISTRY[message_type].is_critical(data)
        return {
            "endpoint_id": self.id,
            "direction": "in",
            "control_id": control_id or f"NO-CONTROL-ID-{uuid.uuid4().hex}",
            "message_type": message_type or "unknown",
            "protocol": payload.get("protocol") if payload.get("protocol") in ("hl7", "json") else self.protocol,
            "raw": payload.get("raw") or False,
            "data": data if isinstance(data, dict) else {},
            "his_sent_at": str(payload.get("sent_at") or "")[:40] or False,
            "gateway_received_at": parse_utc(payload.get("received_at")),
            "state": "dead" if error else "received",
            "error": error,
            # a critical value goes in the critical lane (_cron_process)
            "is_critical": critical,
            "critical_lane": Message._critical_lane_of(message_type, data) if critical else 0,
        }

    def _retry_waiting(self, keys):
        """Process again, now, the failed messages of this hospital that
        waited for one of `keys` (a patient, department, doctor or schedule
        that just arrived): the HIS, the LIS and the queue system send over
        separate channels, so a lab result can overtake the registration of
        its patient. Only those, and without spending their attempts: a
        burst of unrelated registrations never parks a waiting result."""
        self.ensure_one()
        domain = [("company_id", "=", self.company_id.id), ("direction", "=", "in"), ("state", "=", "failed")]
        # a message failing in another worker meanwhile is the retry cron's
        # (_retry_satisfied), woken after this commit
        key_domain = expression.OR([[("waiting_keys", "like", f" {key} ")] for key in sorted(keys)])
        self.env["ihospital.his.message"].sudo().search(domain + key_domain, order="id", limit=200)._process(
            count_attempt=False
        )

    def _outbound_to_deliver(self, limit):
        """The outbound messages to hand to the gateway now, oldest first,
        locked for this transaction. Raw SQL for FOR UPDATE SKIP LOCKED,
        which the ORM cannot express: two overlapping pulls (a gateway
        retrying a timed-out call, a second gateway) never get the same
        message, so the HIS never receives a booking twice."""
        self.ensure_one()
        now = fields.Datetime.now()
        Message = self.env["ihospital.his.message"].sudo()
        Message.flush_model(["endpoint_id", "direction", "state", "sent_at", "next_attempt_at"])
        self.env.cr.execute(
            SQL(
                """SELECT id FROM ihospital_his_message
                    WHERE endpoint_id = %s AND direction = 'out'
                      AND (state = 'queued'
                           OR (state = 'sent' AND sent_at < %s)
                           OR (state = 'failed' AND next_attempt_at <= %s))
                 ORDER BY id
                    LIMIT %s
               FOR UPDATE SKIP LOCKED""",
                self.id,
                now - timedelta(minutes=PULL_RESEND_MINUTES),
                now,
                limit,
            )
        )
        return Message.browse([row[0] for row in self.env.cr.fetchall()])

    @api.model
    def _outbound_endpoint(self, company, message_type):
        """The active endpoint of `company` that delivers `message_type`.
        Every booking asks: cached, and the cache is cleared whenever an
        endpoint changes (create, write, unlink)."""
        return self.sudo().browse(self._outbound_endpoint_id(company.id, message_type))

    @tools.ormcache("company_id", "message_type")
    def _outbound_endpoint_id(self, company_id, message_type):
        endpoint = self.sudo().search(
            [("company_id", "=", company_id), ("message_type_ids.code", "=", message_type)],
            order="sequence, id",
            limit=1,
        )
        return endpoint.id

    @api.model_create_multi
    def create(self, vals_list):
        self.env.registry.clear_cache()  # _outbound_endpoint_id
        return super().create(vals_list)

    def write(self, vals):
        # not on the gateway's heartbeats: clearing signals every worker
        if set(vals) & {"company_id", "active", "sequence", "message_type_ids"}:
            self.env.registry.clear_cache()  # _outbound_endpoint_id
        return super().write(vals)

    def unlink(self):
        self.env.registry.clear_cache()  # _outbound_endpoint_id
        return super().unlink()


def _xmlrpc_safe(value):
    """XML-RPC has no null: None becomes False."""
    if isinstance(value, dict):
        return {str(key): _xmlrpc_safe(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_xmlrpc_safe(item) for item in value]
    return False if value is None else value
