"""Listeners for hospital-initiated transactions: one asyncio TCP server per configured endpoint.

Each connection carries one message or many in turn; every message gets exactly one reply, and ``AA``
only after the spool has committed it. Whatever a client sends -- noise, broken frames, undecodable bytes,
oversized messages, unknown or disabled types, or nothing at all -- is answered where an answer is
possible, logged, and confined to that connection: the listener keeps serving everyone else.
"""

import asyncio
import logging
from collections.abc import Callable

from . import codec, hl7codec, jsoncodec
from .codec import CodecError
from .config import Endpoint, Limits
from .framing import FrameReader, FrameTooLarge, IncompleteFrame, frame
from .spool import Spool

_logger = logging.getLogger(__name__)

_SNIFF_BYTES = 4096
_LINGER_SECONDS = 2.0
_LINGER_CHUNK = 64 * 1024


class ConnectionLimiter:
    """Counts open connections across all listeners; a connection over the cap is closed at once."""

    def __init__(self, maximum: int):
        self.maximum = maximum
        self.open = 0

    def try_acquire(self) -> bool:
        if self.open >= self.maximum:
            return False
        self.open += 1
        return True

    def release(self) -> None:
        self.open -= 1


class EndpointServer:
    """The listener of one endpoint.

    ``enabled_types(code)`` returns the message types the platform enabled for the endpoint, or None when
    no configuration was ever fetched (then every inbound type is accepted). ``on_stored(code)`` is called
    after each newly stored message so the forwarder can start at once.
    """

    def __init__(
        self,
        endpoint: Endpoint,
        limits: Limits,
        spool: Spool,
        limiter: ConnectionLimiter,
        enabled_types: Callable[[str], frozenset | None],
        on_stored: Callable[[str], None],
    ):
        self.endpoint = endpoint
        self.limits = limits
        self.spool = spool
        self.limiter = limiter
        self.enabled_types = enabled_types
        self.on_stored = on_stored
        self.port: int | None = None
        self._server: asyncio.Server | None = None
        self._handlers: set[asyncio.Task] = set()
        self._busy: set[asyncio.Task] = set()
        self._stopping = False

    async def start(self) -> int:
        """Start listening; return the bound port (useful with port 0)."""
        endpoint = self.endpoint
        self._server = await asyncio.start_server(self._handle, endpoint.listen_host, endpoint.listen_port)
        self.port = self._server.sockets[0].getsockname()[1]
        _logger.info(
            "endpoint %s: listening for %s (%s) on %s:%s",
            endpoint.code,
            endpoint.protocol,
            endpoint.charset,
            endpoint.listen_host,
            self.port,
        )
        return self.port

    async def stop(self, grace: float = 5.0) -> None:
        """Stop accepting, let messages being stored get their reply, then end the open connections."""
        if self._server is not None:
            self._server.close()
        self._stopping = True
        for task in self._handlers - self._busy:
            task.cancel()
        if self._handlers:
            _done, pending = await asyncio.wait(set(self._handlers), timeout=grace)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        if self._server is not None:
            await self._server.wait_closed()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        peer = writer.get_extra_info("peername")
        if not self.limiter.try_acquire():
            _logger.warning("endpoint %s: refused %s, %d connections open", self.endpoint.code, peer, self.limiter.open)
            writer.close()
            return
        task = asyncio.current_task()
        self._handlers.add(task)
        try:
            await self._serve(reader, writer, peer)
        except (ConnectionError, TimeoutError) as error:
            _logger.info("endpoint %s: connection %s lost: %s", self.endpoint.code, peer, error)
        except asyncio.CancelledError:
            pass
        except Exception:
            _logger.exception("endpoint %s: unexpected error on connection %s", self.endpoint.code, peer)
        finally:
            self._handlers.discard(task)
            self._busy.discard(task)
            self.limiter.release()
            writer.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, peer) -> None:
        code, protocol = self.endpoint.code, self.endpoint.protocol
        framer = FrameReader(reader, protocol, self.limits.max_message_bytes)
        task = asyncio.current_task()
        while not self._stopping:
            try:
                payload = await asyncio.wait_for(framer.read(), self.limits.read_timeout)
            except TimeoutError:
                if framer.in_frame:
                    error = f"incomplete message: its end did not arrive within {self.limits.read_timeout:g} s"
                    _logger.warning("endpoint %s: %s from %s", code, error, peer)
                    await self._reply(writer, self._nak(framer.partial, "AE", error))
                else:
                    _logger.info("endpoint %s: closing %s, silent for %g s", code, peer, self.limits.read_timeout)
                return
            except FrameTooLarge as error:
                _logger.warning("endpoint %s: %s from %s; closing", code, error, peer)
                await self._reply(writer, self._nak(error.partial, "AR", str(error)))
                await self._linger(reader, writer)
                return
            except IncompleteFrame as error:
                _logger.warning("endpoint %s: %s (%s)", code, error, peer)
                await self._reply(writer, self._nak(error.partial, "AE", str(error)))
                return
            if payload is None:
                return
            self._busy.add(task)
            try:
                await self._reply(writer, await self._process(payload, peer))
            finally:
                self._busy.discard(task)

    async def _process(self, payload: bytes, peer) -> str:
        """Decode, validate, check the type is enabled, store; return the reply text."""
        endpoint = self.endpoint
        code, protocol = endpoint.code, endpoint.protocol
        text = control_id = None
        try:
            text = codec.decode_bytes(payload, endpoint.charset, protocol)
            message = codec.parse(protocol, text)
            control_id = message.control_id
            enabled = self.enabled_types(code)
            if enabled is not None and message.type not in enabled:
                raise CodecError("AR", f"message type {message.type} is not enabled for endpoint {code}", control_id)
            _row_id, duplicate = await self.spool.store_inbound(code, message)
        except CodecError as error:
            control_id = error.control_id or control_id
            _logger.warning("endpoint %s: %s %s from %s: %s", code, error.status, control_id, peer, error)
            return codec.ack(protocol, text, control_id, error.status, str(error))
        except Exception:
            _logger.exception("endpoint %s: could not store message %s from %s", code, control_id, peer)
            error = "the gateway could not store the message (internal error); send it again later"
            return codec.ack(protocol, text, control_id, "AE", error)
        if duplicate:
            _logger.info("endpoint %s: AA %s %s (duplicate, already stored)", code, message.type, control_id)
        else:
            _logger.info("endpoint %s: AA %s %s stored", code, message.type, control_id)
            self.on_stored(code)
        return codec.ack(protocol, text, control_id, "AA")

    def _nak(self, partial: bytes, status: str, error: str) -> str:
        """A negative reply to a broken frame, naming its control id if the first bytes reveal it."""
        head = partial.lstrip(b"\x0b")[:_SNIFF_BYTES].decode(self.endpoint.charset, errors="replace")
        if self.endpoint.protocol == "hl7":
            msh = head.split("\r", 1)[0] if head.startswith("MSH") else None
            return codec.ack("hl7", msh, hl7codec.sniff_control_id(head), status, error)
        return codec.ack("json", None, jsoncodec.sniff_control_id(head), status, error)

    async def _linger(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Discard what the sender is still sending for a moment, so closing does not reset the connection
        (a reset can destroy the AR reply before the sender reads it)."""
        if writer.can_write_eof():
            writer.write_eof()
        try:
            async with asyncio.timeout(min(self.limits.read_timeout, _LINGER_SECONDS)):
                while await reader.read(_LINGER_CHUNK):
                    pass
        except TimeoutError:
            pass

    async def _reply(self, writer: asyncio.StreamWriter, text: str) -> None:
        try:
            encoded = codec.encode_text(text, self.endpoint.charset)
        except (UnicodeError, CodecError):
            # The sender's MSH-18 names a character set that cannot carry the reply: never leave it unanswered.
            encoded = text.encode(self.endpoint.charset, errors="replace")
        writer.write(frame(self.endpoint.protocol, encoded))
        await asyncio.wait_for(writer.drain(), self.limits.read_timeout)
