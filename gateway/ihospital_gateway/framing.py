"""Message framing on a TCP stream: MLLP for HL7 v2, one line per message for JSON.

The framer keeps its own buffer instead of relying on ``StreamReader.readuntil`` so that it can tell apart the
cases a hospital link really produces and answer each one sensibly: several frames in one packet, one frame
split over many packets, noise before the MLLP start byte, a frame that never ends, and a frame larger than
the configured limit. Parsing the message itself is the codec's job; this module only cuts bytes.
"""

import asyncio
import logging

_logger = logging.getLogger(__name__)

MLLP_START = b"\x0b"
MLLP_END = b"\x1c\x0d"
LINE_END = b"\n"
_READ_CHUNK = 64 * 1024


class FrameError(Exception):
    """The stream cannot yield a valid frame; ``partial`` holds the bytes of the broken frame, if any."""

    def __init__(self, message: str, partial: bytes = b""):
        super().__init__(message)
        self.partial = partial


class FrameTooLarge(FrameError):
    """A frame exceeds the size limit; the connection must be answered with AR and closed."""


class IncompleteFrame(FrameError):
    """The peer closed the connection in the middle of a frame."""


def frame(protocol: str, payload: bytes) -> bytes:
    """Wrap one encoded message for the wire."""
    if protocol == "hl7":
        return MLLP_START + payload + MLLP_END
    return payload + LINE_END


class FrameReader:
    """Reads successive frames of one protocol from a stream, with a size limit.

    ``garbage_bytes`` counts the bytes discarded outside MLLP frames so the server can log them.
    """

    def __init__(self, reader: asyncio.StreamReader, protocol: str, max_bytes: int):
        self._reader = reader
        self._protocol = protocol
        self._max_bytes = max_bytes
        self._buffer = bytearray()
        self.garbage_bytes = 0
        self._noise_since_frame = 0

    @property
    def in_frame(self) -> bool:
        """True when part of a frame has arrived but not its end (used to answer a timeout)."""
        if self._protocol == "hl7":
            return MLLP_START in self._buffer
        return bool(self._buffer.strip())

    @property
    def partial(self) -> bytes:
        return bytes(self._buffer)

    async def read(self) -> bytes | None:
        """Return the next frame's payload, or None when the peer closed cleanly between frames."""
        while True:
            payload = self._take_frame()
            if payload is not None:
                return payload
            chunk = await self._reader.read(_READ_CHUNK)
            if not chunk:
                if self.in_frame:
                    partial = bytes(self._buffer)
                    self._buffer.clear()
                    raise IncompleteFrame("connection closed before the end of the message", partial)
                self._discard_garbage(len(self._buffer))
                return None
            self._buffer += chunk

    def _take_frame(self) -> bytes | None:
        if self._protocol == "hl7":
            return self._take_mllp()
        return self._take_line()

    def _take_mllp(self) -> bytes | None:
        start = self._buffer.find(MLLP_START)
        if start < 0:
            self._discard_garbage(len(self._buffer))
            if self._noise_since_frame > self._max_bytes:
                raise FrameTooLarge(f"more than {self._max_bytes} bytes received without an MLLP start block")
            return None
        self._discard_garbage(start)
        end = self._buffer.find(MLLP_END, 1)
        if end < 0:
            if len(self._buffer) - 1 > self._max_bytes:
                raise FrameTooLarge(self._too_large_text(), bytes(self._buffer[1:]))
            return None
        payload = bytes(self._buffer[1:end])
        del self._buffer[: end + len(MLLP_END)]
        restart = payload.rfind(MLLP_START)
        if restart >= 0:
            # A new start block inside a frame means the sender abandoned the earlier one.
            self._note_garbage(payload[: restart + 1])
            payload = payload[restart + 1 :]
        if len(payload) > self._max_bytes:
            raise FrameTooLarge(self._too_large_text(), payload)
        self._noise_since_frame = 0
        return payload

    def _take_line(self) -> bytes | None:
        while True:
            end = self._buffer.find(LINE_END)
            if end < 0:
                if len(self._buffer) > self._max_bytes:
                    raise FrameTooLarge(self._too_large_text(), bytes(self._buffer))
                return None
            line = bytes(self._buffer[:end]).rstrip(b"\r")
            del self._buffer[: end + 1]
            if len(line) > self._max_bytes:
                raise FrameTooLarge(self._too_large_text(), line)
            if line.strip():
                return line

    def _too_large_text(self) -> str:
        return f"message larger than the limit of {self._max_bytes} bytes"

    def _discard_garbage(self, count: int) -> None:
        if count:
            self._note_garbage(bytes(self._buffer[:count]))
            del self._buffer[:count]

    def _note_garbage(self, noise: bytes) -> None:
        if noise.strip():
            _logger.warning("discarded %d bytes outside an MLLP frame: %r", len(noise), noise[:32])
        self.garbage_bytes += len(noise)
        self._noise_since_frame += len(noise)
