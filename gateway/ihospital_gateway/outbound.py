"""Delivers platform-initiated messages (bookings, cancellations, patient data) to the HIS's listener.

A cycle per endpoint: report finished deliveries (``gateway_report``), pull new messages
(``gateway_pull``) into the spool's outbound table, deliver the pending ones in order over one short TCP
connection each, and report again. Every step is stored before the next, so a crash anywhere repeats at
most one delivery (the platform re-sends a pulled message that was never reported after 10 minutes).

Two independent failure paths: a HIS that cannot be reached or does not answer in time keeps the message
pending, stops the round (order is kept) and is retried with backoff -- nothing is reported; a platform
that cannot be reached delays pulls and reports with its own backoff, while deliveries already pulled
continue. A HIS that answers, even with garbage, has answered: the result is reported and the platform
decides (AE: it retries later, AR: dead).
"""

import asyncio
import logging

from . import codec
from .codec import CodecError
from .config import Endpoint, ForwardConfig, Limits, OutboundConfig
from .forwarder import Activity
from .framing import FrameError, FrameReader, frame
from .spool import OutboundMessage, Spool
from .upstream import Backoff, Upstream, UpstreamFault, UpstreamUnavailable, pause

_logger = logging.getLogger(__name__)


class DeliveryError(Exception):
    """The HIS could not be reached or did not reply in time; the message stays pending."""


class Deliverer:
    """The outbound queue of one endpoint that has a ``his`` address."""

    def __init__(
        self,
        endpoint: Endpoint,
        spool: Spool,
        upstream: Upstream,
        config: OutboundConfig,
        retry: ForwardConfig,
        limits: Limits,
        activity: Activity,
    ):
        self.endpoint = endpoint
        self.code = endpoint.code
        self.spool = spool
        self.upstream = upstream
        self.config = config
        self.retry = retry
        self.limits = limits
        self.activity = activity

    async def run(self, stop: asyncio.Event) -> None:
        platform_backoff = Backoff(self.retry.backoff_initial, self.retry.backoff_max)
        his_backoff = Backoff(self.retry.backoff_initial, self.retry.backoff_max)
        while not stop.is_set():
            try:
                more, platform_error, his_error = await self.cycle(stop)
            except Exception as error:  # a bug or a full disk must not end deliveries for good
                self.activity.last_error = f"outbound: {error}"
                _logger.exception("endpoint %s: outbound cycle failed", self.code)
                more, platform_error, his_error = False, error, None
            delays = []
            if platform_error:
                delays.append(platform_backoff.next())
            else:
                platform_backoff.reset()
            if his_error:
                delays.append(his_backoff.next())
            else:
                his_backoff.reset()
            if delays:
                await pause(max(delays), stop)
            elif not more:
                await pause(self.config.pull_interval, stop)

    async def cycle(self, stop: asyncio.Event) -> tuple[bool, Exception | None, Exception | None]:
        """One round; return (more to pull at once, platform error, HIS error)."""
        platform_error = his_error = None
        more = False
        try:
            await self.report()
            more = await self.pull()
        except (UpstreamUnavailable, UpstreamFault) as error:
            platform_error = error
            self.activity.last_error = f"outbound: {error}"
            _logger.warning("endpoint %s: cannot pull or report: %s", self.code, error)
        his_error = await self.deliver_pending(stop)
        if platform_error is None:
            try:
                await self.report()
            except (UpstreamUnavailable, UpstreamFault) as error:
                platform_error = error
                self.activity.last_error = f"outbound: {error}"
                _logger.warning("endpoint %s: cannot report: %s", self.code, error)
        return more and his_error is None, platform_error, his_error

    async def pull(self) -> bool:
        """Fetch new messages while the local queue has room; True if the platform may have more."""
        pending = await self.spool.outbound_in_state(self.code, "pending", self.config.pull_limit)
        room = self.config.pull_limit - len(pending)
        if room <= 0:
            return False
        messages = await self.upstream.call("gateway_pull", self.code, room)
        if not isinstance(messages, list):
            raise UpstreamUnavailable(f"gateway_pull answered {type(messages).__name__}, not a list")
        valid = []
        for message in messages:
            if isinstance(message, dict) and message.get("control_id") and message.get("type"):
                valid.append(message)
            else:
                _logger.error("endpoint %s: ignoring malformed outbound message %r", self.code, message)
        if valid:
            added = await self.spool.add_outbound(self.code, valid)
            _logger.info("endpoint %s: pulled %d outbound messages (%d new)", self.code, len(valid), added)
        return len(messages) >= room

    async def report(self) -> None:
        """Report every delivered message, in batches; each batch is marked reported once accepted."""
        while True:
            rows = await self.spool.outbound_in_state(self.code, "delivered", self.config.report_batch)
            if not rows:
                return
            results = [
                {
                    "control_id": row.control_id,
                    "status": row.status,
                    "error": row.error,
                    "his_ref": row.his_ref,
                    "reply_raw": row.reply_raw,
                }
                for row in rows
            ]
            await self.upstream.call("gateway_report", self.code, results)
            await self.spool.mark_reported([row.id for row in rows])
            for row in rows:
                _logger.info("endpoint %s: reported %s %s: %s", self.code, row.type, row.control_id, row.status)
            if len(rows) < self.config.report_batch:
                return

    async def deliver_pending(self, stop: asyncio.Event) -> DeliveryError | None:
        """Deliver pending messages in order; stop at the first one the HIS did not take and return why."""
        messages = await self.spool.outbound_in_state(self.code, "pending", self.config.pull_limit)
        for message in messages:
            if stop.is_set():
                return None
            try:
                result = await self.deliver(message)
            except DeliveryError as error:
                await self.spool.record_delivery_failure(message.id, str(error))
                self.activity.last_error = f"HIS {self.code}: {error}"
                _logger.warning(
                    "endpoint %s: %s %s not delivered (try %d): %s",
                    self.code,
                    message.type,
                    message.control_id,
                    message.tries + 1,
                    error,
                )
                return error
            await self.spool.record_delivery(message.id, **result)
            log = _logger.info if result["status"] == "AA" else _logger.warning
            log(
                "endpoint %s: delivered %s %s: %s%s",
                self.code,
                message.type,
                message.control_id,
                result["status"],
                f" ({result['error']})" if result["error"] else "",
            )
        return None

    async def deliver(self, message: OutboundMessage) -> dict:
        """Send one message on a short connection and read the reply; raise DeliveryError if none came."""
        endpoint = self.endpoint
        try:
            text = codec.encode_outbound(
                endpoint.protocol, message.type, message.control_id, message.data, charset=endpoint.charset
            )
        except CodecError as error:
            # The platform queued data the HIS cannot use: report it instead of sending it.
            return {"status": error.status, "error": f"not sent: {error}", "his_ref": "", "reply_raw": ""}
        payload = frame(endpoint.protocol, codec.encode_text(text, endpoint.charset))
        reply = await self._exchange(payload)
        reply_text = reply.decode(endpoint.charset, errors="replace")
        try:
            reply_text = codec.decode_bytes(reply, endpoint.charset, endpoint.protocol)
            parsed = codec.parse_reply(endpoint.protocol, reply_text)
        except CodecError as error:
            parsed = {"status": "AE", "error": f"unreadable reply from the HIS: {error}", "his_ref": ""}
        return {
            "status": parsed["status"],
            "error": str(parsed.get("error") or ""),
            "his_ref": str(parsed.get("his_ref") or ""),
            "reply_raw": reply_text,
        }

    async def _exchange(self, payload: bytes) -> bytes:
        endpoint = self.endpoint
        timeout = self.config.his_timeout
        writer = None
        try:
            async with asyncio.timeout(timeout):
                reader, writer = await asyncio.open_connection(endpoint.his_host, endpoint.his_port)
                writer.write(payload)
                await writer.drain()
                reply = await FrameReader(reader, endpoint.protocol, self.limits.max_message_bytes).read()
        except TimeoutError:
            raise DeliveryError(f"no reply from {endpoint.his_host}:{endpoint.his_port} within {timeout:g} s") from None
        except (OSError, FrameError) as error:
            raise DeliveryError(f"{endpoint.his_host}:{endpoint.his_port}: {error}") from None
        finally:
            if writer is not None:
                writer.close()
        if reply is None:
            raise DeliveryError(f"{endpoint.his_host}:{endpoint.his_port} closed the connection without replying")
        return reply
