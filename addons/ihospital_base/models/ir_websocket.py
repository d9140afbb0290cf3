import re

from odoo import models

QUEUE_CHANNEL = re.compile(r"^ihospital_queue_(department|schedule)_(\d+)$")


class IrWebsocket(models.AbstractModel):
    """Queue channels (ihospital_queue_department_<id>,
    ihospital_queue_schedule_<id>) are plain strings any client may name:
    subscriptions are kept only for the queues anyone may watch, those of a
    published clinical department (as the waiting-room screen)."""

    _inherit = "ir.websocket"

    def _build_bus_channel_list(self, channels):
        return super()._build_bus_channel_list([c for c in channels if self._ihospital_channel_allowed(c)])

    def _ihospital_channel_allowed(self, channel):
        if not isinstance(channel, str) or not channel.startswith("ihospital_queue_"):
            return True
        match = QUEUE_CHANNEL.match(channel)
        if not match:
            return False
        kind, record_id = match.group(1), int(match.group(2))
        Department = self.env["hr.department"]
        if kind == "schedule":
            # sudo: only to find the clinic's department; nothing is returned
            schedule_sudo = self.env["ihospital.schedule"].sudo().browse(record_id).exists()
            if not schedule_sudo or schedule_sudo.state != "published":
                return False
            record_id = schedule_sudo.department_id.id
        return bool(Department._queue_display_department(record_id))
