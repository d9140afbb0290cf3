import logging
import re

from odoo import models

_logger = logging.getLogger(__name__)

QUEUE_PREFIX = "ihospital_queue_"
# ids as Odoo writes them (no leading zero, no other digits, within PostgreSQL integers): one name per queue
QUEUE_CHANNEL = re.compile(r"(department|schedule)_([1-9][0-9]{0,8})", re.ASCII)
# the queue channels one subscription may keep: a screen follows one department,
# "my queue" one clinic per appointment of the day
MAX_QUEUE_CHANNELS = 20


class IrWebsocket(models.AbstractModel):
    """Queue channels (ihospital_queue_department_<id>,
    ihospital_queue_schedule_<id>) are plain strings any client may name:
    subscriptions are kept only for the queues anyone may watch, those of a
    published clinical department (as the waiting-room screen), under their
    one canonical name and at most MAX_QUEUE_CHANNELS of them per
    subscription (each is checked, and weighs on the shared fetch of every
    queue event: ihospital_base/bus_fanout.py)."""

    _inherit = "ir.websocket"

    def _build_bus_channel_list(self, channels):
        queues = [c for c in channels if isinstance(c, str) and c.startswith(QUEUE_PREFIX)]
        allowed = self._ihospital_allowed_queue_channels(queues) if queues else set()
        return super()._build_bus_channel_list(
            [c for c in channels if not (isinstance(c, str) and c.startswith(QUEUE_PREFIX)) or c in allowed]
        )

    def _ihospital_channel_allowed(self, channel):
        if not isinstance(channel, str) or not channel.startswith(QUEUE_PREFIX):
            return True
        return channel in self._ihospital_allowed_queue_channels([channel])

    def _ihospital_allowed_queue_channels(self, channels):
        """The queue channels of `channels` anyone may follow (set-based: two
        queries whatever their number)."""
        wanted = {}
        for channel in channels:
            match = QUEUE_CHANNEL.fullmatch(channel, len(QUEUE_PREFIX))
            if match and channel not in wanted:
                wanted[channel] = (match.group(1), int(match.group(2)))
        if len(wanted) > MAX_QUEUE_CHANNELS:
            _logger.warning(
                "A subscription to %d queue channels: only the first %d are kept", len(wanted), MAX_QUEUE_CHANNELS
            )
            wanted = dict(list(wanted.items())[:MAX_QUEUE_CHANNELS])
        schedule_ids = [record_id for kind, record_id in wanted.values() if kind == "schedule"]
        # sudo: only to find the clinics' departments; nothing is returned
        schedules_sudo = self.env["ihospital.schedule"].sudo().browse(schedule_ids).exists()
        schedule_department = {s.id: s.department_id.id for s in schedules_sudo if s.state == "published"}
        department_ids = {record_id for kind, record_id in wanted.values() if kind == "department"}
        department_ids.update(schedule_department.values())
        public = set(self.env["hr.department"]._queue_display_departments(department_ids).ids)
        return {
            channel
            for channel, (kind, record_id) in wanted.items()
            if (schedule_department.get(record_id) if kind == "schedule" else record_id) in public
        }
