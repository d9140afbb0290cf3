"""Forwards the inbound spool to the platform (``gateway_submit``), in spool order, in batches.

Failure handling is the point of this module:

- The platform cannot be reached (network, restart, HTTP 5xx, refused credentials): nothing is the
  messages' fault, so the queue waits with exponential backoff and keeps its order; when the platform
  returns everything is replayed (a message it already stored answers ``duplicate``).
- The platform faults on a batch: one message may be poison. The batch is split in halves until the
  faulting message is alone; the others go through. Later messages of the same patient wait behind it so
  one patient's messages are never applied out of order. A message that faults alone is retried with
  backoff; after ``max_fault_attempts`` it is parked and submitted once more with ``dead: True`` so a
  person sees it in the platform. If even that faults it is kept here as ``dead`` (see ``status``). It
  never blocks the queue forever.
- Before blaming a message, a heartbeat probes the platform: if that fails too the platform is sick (for
  example its database is down and every call faults), and nothing is counted against the message.
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from .config import ForwardConfig
from .spool import InboundMessage, Spool, utc_now
from .upstream import Backoff, Upstream, UpstreamFault, UpstreamUnavailable, pause

_logger = logging.getLogger(__name__)


@dataclass
class Activity:
    """What the heartbeat reports besides queue sizes (UTC times, False until it happened)."""

    last_inbound_at: str | bool = False
    last_forward_at: str | bool = False
    last_error: str = ""


class Forwarder:
    """The forward queue of one endpoint."""

    def __init__(
        self,
        code: str,
        spool: Spool,
        upstream: Upstream,
        config: ForwardConfig,
        activity: Activity,
        probe: Callable[[], Awaitable[object]],
    ):
        self.code = code
        self.spool = spool
        self.upstream = upstream
        self.config = config
        self.activity = activity
        self.probe = probe
        self._wake = asyncio.Event()

    def wake(self) -> None:
        """A message was stored: forward now rather than at the next idle poll."""
        self._wake.set()

    async def run(self, stop: asyncio.Event) -> None:
        backoff = Backoff(self.config.backoff_initial, self.config.backoff_max)
        while not stop.is_set():
            self._wake.clear()
            try:
                count, blocked = await self.forward_once()
            except UpstreamUnavailable as error:
                delay = backoff.next()
                self.activity.last_error = str(error)
                _logger.warning("endpoint %s: platform unavailable (%s); retrying in %.1f s", self.code, error, delay)
                await pause(delay, stop)
                continue
            except Exception as error:  # a bug or a full disk must not end forwarding for good
                delay = backoff.next()
                self.activity.last_error = f"forwarder: {error}"
                _logger.exception("endpoint %s: forwarding failed; retrying in %.1f s", self.code, delay)
                await pause(delay, stop)
                continue
            if blocked:  # a faulting message stays queued: retry it later, not in a tight loop
                await pause(backoff.next(), stop)
                continue
            backoff.reset()
            if count < self.config.batch_size:  # a full batch means more may be waiting: go on at once
                await pause(self.config.idle_interval, stop, self._wake)
                if self._wake.is_set():
                    # a burst of arrivals gathers into one call rather than one call each: fewer round
                    # trips and less work on both sides, which keeps the acknowledgements quick
                    await pause(self.config.linger, stop)

    async def forward_once(self) -> tuple[int, bool]:
        """One round over the oldest pending messages; return (how many were taken, did one stay blocked)."""
        messages = await self.spool.pending_inbound(self.code, self.config.batch_size)
        if not messages:
            return 0, False
        held: set[str] = set()
        blocked = await self._submit(messages, held)
        return len(messages), blocked

    async def _submit(self, messages: list[InboundMessage], held: set[str]) -> bool:
        """Submit, isolating faulting messages by halving; return True if some message stays pending."""
        ready = [m for m in messages if not (m.patient_key and m.patient_key in held)]
        blocked = len(ready) < len(messages)
        if not ready:
            return blocked
        try:
            results = await self.upstream.call("gateway_submit", self.code, [_payload(m) for m in ready])
        except UpstreamFault as fault:
            if len(ready) == 1:
                return await self._single_fault(ready[0], fault, held) or blocked
            middle = len(ready) // 2
            _logger.info("endpoint %s: batch of %d faulted (%s); splitting", self.code, len(ready), fault)
            first = await self._submit(ready[:middle], held)
            second = await self._submit(ready[middle:], held)
            return first or second or blocked
        missing = await self._record(ready, results)
        return missing or blocked

    async def _single_fault(self, message: InboundMessage, fault: UpstreamFault, held: set[str]) -> bool:
        if message.parked:
            error = f"{message.error}; the platform refused it even as a dead message: {fault}"
            await self.spool.mark_dead(message.id, error)
            self.activity.last_error = f"{message.control_id}: {error}"
            _logger.error("endpoint %s: message %s kept dead in the spool: %s", self.code, message.control_id, error)
            return False
        try:
            await self.probe()
        except (UpstreamFault, UpstreamUnavailable) as error:
            raise UpstreamUnavailable(f"the platform faults on the heartbeat too: {error}") from None
        parked = await self.spool.record_fault(message.id, str(fault), self.config.max_fault_attempts)
        if message.patient_key:
            held.add(message.patient_key)
        self.activity.last_error = f"{message.control_id}: {fault}"
        if parked:
            _logger.error(
                "endpoint %s: message %s (%s) parked dead after %d faults: %s",
                self.code,
                message.control_id,
                message.type,
                message.attempts + 1,
                fault,
            )
        else:
            _logger.warning(
                "endpoint %s: message %s (%s) faulted (attempt %d of %d): %s",
                self.code,
                message.control_id,
                message.type,
                message.attempts + 1,
                self.config.max_fault_attempts,
                fault,
            )
        return True

    async def _record(self, messages: list[InboundMessage], results) -> bool:
        """Mark the answered messages forwarded; return True if some answer was missing."""
        if not isinstance(results, list):
            raise UpstreamUnavailable(f"gateway_submit answered {type(results).__name__}, not a list")
        by_control_id = {r.get("control_id"): r for r in results if isinstance(r, dict)}
        done = []
        for message in messages:
            result = by_control_id.get(message.control_id)
            if result is None:
                _logger.warning("endpoint %s: no result for %s; it stays queued", self.code, message.control_id)
                continue
            state = str(result.get("state") or "processed")
            error = str(result.get("error") or "")
            done.append((message.id, state, error))
            log = _logger.warning if state in ("failed", "dead") else _logger.info
            log(
                "endpoint %s: forwarded %s %s: %s%s",
                self.code,
                message.type,
                message.control_id,
                state,
                f" ({error})" if error else "",
            )
        if done:
            await self.spool.mark_forwarded(done)
            self.activity.last_forward_at = utc_now()
        return len(done) < len(messages)


def _payload(message: InboundMessage) -> dict:
    payload = {
        "control_id": message.control_id,
        "type": message.type,
        "protocol": message.protocol,
        "raw": message.raw,
        "data": message.data,
        "sent_at": message.sent_at or False,
        "received_at": message.received_at,
    }
    if message.parked:
        payload.update(dead=True, error=message.error)
    return payload
