"""The platform client: XML-RPC to Odoo with a timeout, an API key, and a clear split of failures.

Callers need one decision from every failed call: *wait and retry the same thing* (the platform cannot
be reached, is restarting, answers HTTP 5xx, or refuses our credentials -- none of this is the message's
fault, so nothing may be parked) or *the platform ran the call and it failed* (an XML-RPC fault, or a
payload that cannot even be encoded -- possibly one bad message). The first is ``UpstreamUnavailable``,
the second ``UpstreamFault``. The blocking ``xmlrpc.client`` calls run in a worker thread.
"""

import asyncio
import http.client
import logging
import re
import threading
import xml.parsers.expat
import xmlrpc.client
from urllib.parse import urlsplit

from .config import OdooConfig

_logger = logging.getLogger(__name__)

MODEL = "ihospital.his.endpoint"
# Odoo's XML-RPC fault codes for AccessDenied and AccessError: wrong key or missing rights, not a bad message.
_ACCESS_FAULT_CODES = (3, 4)
# Characters XML 1.0 cannot carry; xmlrpc.client would send them and the server would fail to parse.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


class UpstreamUnavailable(Exception):
    """The platform cannot take the call right now; retry the same call later."""


class UpstreamFault(Exception):
    """The platform received the call and raised, or the call could not be encoded; ``code`` from Odoo."""

    def __init__(self, message: str, code: int | None = None):
        super().__init__(message)
        self.code = code


class Backoff:
    """Exponential retry delay: initial, doubling, capped; reset after a success."""

    def __init__(self, initial: float, maximum: float):
        self.initial = initial
        self.maximum = maximum
        self._next = initial

    def next(self) -> float:
        delay = self._next
        self._next = min(self._next * 2, self.maximum)
        return delay

    def reset(self) -> None:
        self._next = self.initial


def _transport_class(base: type) -> type:
    class TimeoutTransport(base):
        """A transport whose connections time out, so a hung platform cannot hang the gateway."""

        def __init__(self, timeout: float, **kwargs):
            super().__init__(**kwargs)
            self._timeout = timeout

        def make_connection(self, host):
            connection = super().make_connection(host)
            connection.timeout = self._timeout
            return connection

        def request(self, host, handler, request_body, verbose=False):
            # XML parsers turn a literal CR into LF, which would rewrite the HL7 segment separators of a
            # raw message; the character reference survives. The marshaller writes no other CR.
            return super().request(host, handler, request_body.replace(b"\r", b"&#13;"), verbose)

    return TimeoutTransport


_TimeoutTransport = _transport_class(xmlrpc.client.Transport)
_SafeTimeoutTransport = _transport_class(xmlrpc.client.SafeTransport)


def xml_safe(value):
    """Replace characters XML 1.0 forbids (e.g. NUL in a raw message) so the call can be parsed at all."""
    if isinstance(value, str):
        return _XML_INVALID.sub("\ufffd", value)
    if isinstance(value, dict):
        return {key: xml_safe(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [xml_safe(item) for item in value]
    return value


class Upstream:
    """Calls the ``gateway_*`` methods of ``ihospital.his.endpoint`` as the gateway's integration user."""

    def __init__(self, config: OdooConfig):
        self._config = config
        self._url = config.url.rstrip("/")
        self._uid: int | None = None
        self._lock = threading.Lock()
        self.last_error = ""

    def _proxy(self, path: str) -> xmlrpc.client.ServerProxy:
        base = _SafeTimeoutTransport if urlsplit(self._url).scheme == "https" else _TimeoutTransport
        transport = base(self._config.timeout, use_builtin_types=True)
        return xmlrpc.client.ServerProxy(f"{self._url}{path}", transport=transport, allow_none=True)

    async def call(self, method: str, *args):
        """Run ``method(*args)`` on the platform in a worker thread."""
        try:
            return await asyncio.to_thread(self._call_sync, method, xml_safe(list(args)))
        except (UpstreamUnavailable, UpstreamFault) as error:
            self.last_error = f"{method}: {error}"
            raise

    def _login(self) -> int:
        with self._lock:
            if self._uid is None:
                config = self._config
                uid = self._proxy("/xmlrpc/2/common").authenticate(config.db, config.login, config.api_key, {})
                if not uid:
                    raise UpstreamUnavailable(f"login {config.login!r} on database {config.db!r} was refused")
                self._uid = uid
            return self._uid

    def _call_sync(self, method: str, args: list):
        try:
            uid = self._login()
            proxy = self._proxy("/xmlrpc/2/object")
            return proxy.execute_kw(self._config.db, uid, self._config.api_key, MODEL, method, args)
        except xmlrpc.client.Fault as fault:
            if fault.faultCode in _ACCESS_FAULT_CODES:
                self._uid = None  # the key may have been replaced: sign in again next time
                raise UpstreamUnavailable(f"access refused: {_fault_text(fault)}") from None
            raise UpstreamFault(_fault_text(fault), fault.faultCode) from None
        except xmlrpc.client.ProtocolError as error:
            raise UpstreamUnavailable(f"HTTP {error.errcode} {error.errmsg}") from None
        except (OSError, http.client.HTTPException, xmlrpc.client.ResponseError, xml.parsers.expat.ExpatError) as error:
            raise UpstreamUnavailable(f"{type(error).__name__}: {error}") from None
        except (TypeError, OverflowError, ValueError) as error:
            # Raised while marshalling our own arguments: the payload is at fault, not the link.
            raise UpstreamFault(f"cannot encode the call: {error}") from None


def _fault_text(fault: xmlrpc.client.Fault) -> str:
    """The useful line of a fault: Odoo sends a whole traceback for unexpected errors."""
    lines = [line.strip() for line in str(fault.faultString).strip().splitlines() if line.strip()]
    return lines[-1] if lines else f"fault {fault.faultCode}"


async def pause(delay: float, *events: asyncio.Event) -> None:
    """Sleep up to ``delay`` seconds, returning early as soon as one of ``events`` is set (wake-up or stop)."""
    waiters = [asyncio.ensure_future(event.wait()) for event in events]
    try:
        await asyncio.wait(waiters, timeout=delay, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()
