"""The gateway process: listeners, spool, forwarders, outbound deliverers, configuration and heartbeat.

``Gateway(config)`` is startable in-process (``await start()`` / ``await stop()``); ``ports`` gives the bound
port of each endpoint, so tests can listen on port 0. ``run(config)`` is what the CLI runs until SIGTERM.

The platform may be down when the gateway starts: the listeners start anyway, using the endpoint
configuration cached in the spool from the last successful fetch (or accepting every inbound type if
none was ever fetched), and everything stored is forwarded when the platform returns.
"""

import asyncio
import logging
import signal
import time

from . import __version__
from .codec import INBOUND_TYPES
from .config import ConfigError, GatewayConfig
from .forwarder import Activity, Forwarder
from .outbound import Deliverer
from .server import ConnectionLimiter, EndpointServer
from .spool import Spool, utc_now
from .upstream import Backoff, Upstream, UpstreamFault, UpstreamUnavailable, pause

_logger = logging.getLogger(__name__)

_PRUNE_INTERVAL = 3600.0


class Gateway:
    def __init__(self, config: GatewayConfig):
        self.config = config
        self.spool: Spool | None = None
        self.upstream = Upstream(config.odoo)
        self.activity = {endpoint.code: Activity() for endpoint in config.endpoints}
        self.servers: dict[str, EndpointServer] = {}
        self.forwarders: dict[str, Forwarder] = {}
        self.deliverers: dict[str, Deliverer] = {}
        self.endpoint_configs: dict[str, dict] = {}
        self._stop = asyncio.Event()
        self._tasks: list[asyncio.Task] = []

    @property
    def ports(self) -> dict[str, int]:
        """The bound listening port of each endpoint, by endpoint code."""
        return {code: server.port for code, server in self.servers.items()}

    async def start(self) -> None:
        config = self.config
        if not config.odoo.api_key:
            raise ConfigError(
                "no API key: put it in the file named by [odoo] api_key_file or in IHOSPITAL_GATEWAY_API_KEY"
            )
        if not config.odoo.db or not config.odoo.login:
            raise ConfigError("[odoo] db and login are required to reach the platform")
        self.spool = Spool(config.spool.path)
        self.endpoint_configs = await self.spool.load_configs()
        limiter = ConnectionLimiter(config.limits.max_connections)
        for endpoint in config.endpoints:
            code = endpoint.code
            self.forwarders[code] = Forwarder(
                code,
                self.spool,
                self.upstream,
                config.forward,
                self.activity[code],
                probe=lambda code=code: self.heartbeat(code),
            )
            if endpoint.has_his:
                self.deliverers[code] = Deliverer(
                    endpoint,
                    self.spool,
                    self.upstream,
                    config.outbound,
                    config.forward,
                    config.limits,
                    self.activity[code],
                )
            self.servers[code] = EndpointServer(
                endpoint, config.limits, self.spool, limiter, self.enabled_types, self._on_stored
            )
        try:
            for server in self.servers.values():
                await server.start()
        except OSError:
            await self.stop()
            raise
        jobs = [forwarder.run(self._stop) for forwarder in self.forwarders.values()]
        jobs += [deliverer.run(self._stop) for deliverer in self.deliverers.values()]
        jobs += [self._config_loop(), self._heartbeat_loop()]
        self._tasks = [asyncio.create_task(job) for job in jobs]
        _logger.info("gateway %s started: spool %s, platform %s", __version__, config.spool.path, config.odoo.url)

    async def stop(self, grace: float = 10.0) -> None:
        """Stop listening, let the loops finish their current step, then close the spool."""
        self._stop.set()
        for server in self.servers.values():
            await server.stop()
        if self._tasks:
            _done, pending = await asyncio.wait(self._tasks, timeout=grace)
            for task in pending:
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)
            self._tasks = []
        if self.spool is not None:
            await self.spool.close()
            self.spool = None
        _logger.info("gateway stopped")

    async def wait_stopped(self) -> None:
        await self._stop.wait()

    def request_stop(self) -> None:
        self._stop.set()

    # -- endpoint configuration ---------------------------------------------------------------------------

    def enabled_types(self, code: str) -> frozenset | None:
        """Types the platform enabled for the endpoint; None (accept all inbound types) before any fetch."""
        fetched = self.endpoint_configs.get(code)
        if fetched is None:
            return None
        return frozenset(fetched.get("message_types") or ()) & INBOUND_TYPES

    async def refresh_config(self, code: str) -> dict:
        fetched = await self.upstream.call("gateway_config", code)
        if not isinstance(fetched, dict) or not isinstance(fetched.get("message_types"), list):
            raise UpstreamFault(f"gateway_config answered {fetched!r}")
        endpoint = self.config.endpoint(code)
        for key, local in (("protocol", endpoint.protocol), ("charset", endpoint.charset)):
            remote = fetched.get(key)
            if remote and str(remote).lower() != local:
                _logger.warning(
                    "endpoint %s: the platform says %s %s, this gateway is configured with %s (kept)",
                    code,
                    key,
                    remote,
                    local,
                )
        if fetched != self.endpoint_configs.get(code):
            await self.spool.save_config(code, fetched)
            _logger.info("endpoint %s: message types enabled: %s", code, ", ".join(sorted(fetched["message_types"])))
        self.endpoint_configs[code] = fetched
        return fetched

    async def _config_loop(self) -> None:
        """Fetch every endpoint's configuration at start (retrying with backoff), then periodically."""
        backoff = Backoff(self.config.forward.backoff_initial, self.config.forward.backoff_max)
        while not self._stop.is_set():
            failed = False
            for endpoint in self.config.endpoints:
                try:
                    await self.refresh_config(endpoint.code)
                except (UpstreamUnavailable, UpstreamFault) as error:
                    failed = True
                    self.activity[endpoint.code].last_error = f"gateway_config: {error}"
                    _logger.warning("endpoint %s: cannot fetch the configuration: %s", endpoint.code, error)
            if failed:
                await pause(backoff.next(), self._stop)
            else:
                backoff.reset()
                await pause(self.config.odoo.config_interval, self._stop)

    # -- heartbeat and housekeeping -----------------------------------------------------------------------

    async def stats(self, code: str) -> dict:
        activity = self.activity[code]
        return {
            "version": __version__,
            **await self.spool.counts(code),
            "last_inbound_at": activity.last_inbound_at,
            "last_forward_at": activity.last_forward_at,
            "last_error": activity.last_error,
        }

    async def heartbeat(self, code: str) -> object:
        return await self.upstream.call("gateway_heartbeat", code, await self.stats(code))

    async def _heartbeat_loop(self) -> None:
        last_prune = 0.0
        while not self._stop.is_set():
            for endpoint in self.config.endpoints:
                try:
                    await self.heartbeat(endpoint.code)
                except (UpstreamUnavailable, UpstreamFault) as error:
                    _logger.warning("endpoint %s: heartbeat failed: %s", endpoint.code, error)
            if time.monotonic() - last_prune > _PRUNE_INTERVAL:
                last_prune = time.monotonic()
                removed = await self.spool.prune(self.config.spool.retention_days)
                if removed:
                    _logger.info("spool: removed %d finished messages past the retention", removed)
            await pause(self.config.odoo.heartbeat_interval, self._stop)

    def _on_stored(self, code: str) -> None:
        self.activity[code].last_inbound_at = utc_now()
        self.forwarders[code].wake()


async def run(config: GatewayConfig) -> None:
    """Run until SIGTERM or SIGINT, then stop gracefully."""
    gateway = Gateway(config)
    await gateway.start()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, gateway.request_stop)
    try:
        await gateway.wait_stopped()
        _logger.info("stop requested")
    finally:
        await gateway.stop()
