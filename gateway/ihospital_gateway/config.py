"""Gateway configuration: one TOML file, validated up front.

A gateway runs unattended inside a hospital, so a typo in the configuration must stop it at start with a
sentence naming the key, not surface hours later as a silent misbehaviour: unknown keys and bad values are
errors. Relative paths are resolved against the configuration file's directory so the same file works
whatever the working directory of the service manager.
"""

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

import tomllib

API_KEY_ENV = "IHOSPITAL_GATEWAY_API_KEY"
PROTOCOLS = ("hl7", "json")
CHARSETS = ("utf-8", "gbk", "gb18030")
_CHARSET_ALIASES = {"utf8": "utf-8", "gb2312": "gbk", "cp936": "gbk"}


class ConfigError(Exception):
    """The configuration file is missing, unreadable or invalid; the message says which key."""


@dataclass(frozen=True)
class OdooConfig:
    url: str = "http://127.0.0.1:8069"
    db: str = ""
    login: str = ""
    api_key: str | None = None
    api_key_file: Path | None = None
    timeout: float = 30.0
    heartbeat_interval: float = 30.0
    config_interval: float = 300.0


@dataclass(frozen=True)
class SpoolConfig:
    path: Path = Path("spool.sqlite3")
    retention_days: float = 7.0


@dataclass(frozen=True)
class Limits:
    max_message_bytes: int = 1024 * 1024
    read_timeout: float = 30.0
    max_connections: int = 200


@dataclass(frozen=True)
class ForwardConfig:
    batch_size: int = 100
    backoff_initial: float = 0.5
    backoff_max: float = 30.0
    max_fault_attempts: int = 5
    idle_interval: float = 1.0
    linger: float = 0.1


@dataclass(frozen=True)
class OutboundConfig:
    pull_interval: float = 5.0
    pull_limit: int = 50
    his_timeout: float = 10.0
    report_batch: int = 100


@dataclass(frozen=True)
class Endpoint:
    code: str
    protocol: str
    listen_host: str
    listen_port: int
    charset: str = "utf-8"
    his_host: str | None = None
    his_port: int | None = None

    @property
    def has_his(self) -> bool:
        return self.his_host is not None


@dataclass(frozen=True)
class GatewayConfig:
    odoo: OdooConfig = field(default_factory=OdooConfig)
    spool: SpoolConfig = field(default_factory=SpoolConfig)
    limits: Limits = field(default_factory=Limits)
    forward: ForwardConfig = field(default_factory=ForwardConfig)
    outbound: OutboundConfig = field(default_factory=OutboundConfig)
    endpoints: tuple[Endpoint, ...] = ()

    def endpoint(self, code: str) -> Endpoint:
        for endpoint in self.endpoints:
            if endpoint.code == code:
                return endpoint
        raise KeyError(code)


def parse_address(value: str, key: str) -> tuple[str, int]:
    """Split "host:port" (IPv6 as "[::1]:2575"); port 0 asks the system for a free port (tests)."""
    if not isinstance(value, str) or ":" not in value:
        raise ConfigError(f"{key} must be 'host:port', got {value!r}")
    host, _, port_text = value.rpartition(":")
    host = host.strip("[]")
    try:
        port = int(port_text)
    except ValueError:
        raise ConfigError(f"{key} must be 'host:port', got {value!r}") from None
    if not host or not 0 <= port <= 65535:
        raise ConfigError(f"{key} must be 'host:port' with a port 0-65535, got {value!r}")
    return host, port


def normalize_charset(value: str, key: str = "charset") -> str:
    charset = str(value).strip().lower()
    charset = _CHARSET_ALIASES.get(charset, charset)
    if charset not in CHARSETS:
        raise ConfigError(f"{key} must be one of {', '.join(CHARSETS)}, got {value!r}")
    return charset


def _section(raw: dict, name: str, cls, base: Path, path_keys: tuple[str, ...] = ()) -> dict:
    """Check a table's keys and types against the dataclass defaults and return constructor kwargs."""
    table = raw.get(name, {})
    if not isinstance(table, dict):
        raise ConfigError(f"[{name}] must be a table")
    defaults = cls()
    kwargs = {}
    for key, value in table.items():
        if key not in cls.__dataclass_fields__ or key == "api_key":
            raise ConfigError(f"unknown key [{name}] {key}")
        default = getattr(defaults, key)
        if key in path_keys:
            if not isinstance(value, str) or not value:
                raise ConfigError(f"[{name}] {key} must be a non-empty path")
            kwargs[key] = (base / value).resolve()
        elif isinstance(value, bool):  # TOML true/false would pass as the integer 1/0
            raise ConfigError(f"[{name}] {key} must be a number, got {value!r}")
        elif isinstance(default, int):
            if not isinstance(value, int) or value <= 0:
                raise ConfigError(f"[{name}] {key} must be a positive integer, got {value!r}")
            kwargs[key] = value
        elif isinstance(default, float):
            if not isinstance(value, int | float) or value <= 0:
                raise ConfigError(f"[{name}] {key} must be a positive number, got {value!r}")
            kwargs[key] = float(value)
        else:
            if not isinstance(value, str):
                raise ConfigError(f"[{name}] {key} must be a string, got {value!r}")
            kwargs[key] = value
    return kwargs


def _endpoint(table: dict, index: int) -> Endpoint:
    where = f"[[endpoint]] #{index + 1}"
    allowed = {"code", "protocol", "listen", "charset", "his"}
    unknown = set(table) - allowed
    if unknown:
        raise ConfigError(f"unknown key {where} {sorted(unknown)[0]}")
    code = table.get("code")
    if not isinstance(code, str) or not code:
        raise ConfigError(f"{where} needs a code (the endpoint code in Odoo)")
    where = f"[[endpoint]] {code}"
    protocol = table.get("protocol")
    if protocol not in PROTOCOLS:
        raise ConfigError(f"{where} protocol must be one of {', '.join(PROTOCOLS)}, got {protocol!r}")
    default_port = 2575 if protocol == "hl7" else 2576
    host, port = parse_address(table.get("listen", f"127.0.0.1:{default_port}"), f"{where} listen")
    his_host = his_port = None
    if "his" in table:
        his_host, his_port = parse_address(table["his"], f"{where} his")
    charset = normalize_charset(table.get("charset", "utf-8"), f"{where} charset")
    return Endpoint(code, protocol, host, port, charset, his_host, his_port)


def read_api_key(odoo: OdooConfig) -> str | None:
    """The environment variable wins over the file, so a service manager can inject the secret."""
    key = os.environ.get(API_KEY_ENV, "").strip()
    if key:
        return key
    if odoo.api_key_file is not None:
        try:
            return odoo.api_key_file.read_text(encoding="utf-8").strip() or None
        except OSError:
            return None
    return None


def from_dict(raw: dict, base: Path) -> GatewayConfig:
    unknown = set(raw) - {"odoo", "spool", "limits", "forward", "outbound", "endpoint"}
    if unknown:
        raise ConfigError(f"unknown section [{sorted(unknown)[0]}]")
    odoo = OdooConfig(**_section(raw, "odoo", OdooConfig, base, ("api_key_file",)))
    odoo = replace(odoo, api_key=read_api_key(odoo))
    endpoints_raw = raw.get("endpoint", [])
    if not isinstance(endpoints_raw, list) or not endpoints_raw:
        raise ConfigError("at least one [[endpoint]] is required")
    endpoints = tuple(_endpoint(table, index) for index, table in enumerate(endpoints_raw))
    codes = [endpoint.code for endpoint in endpoints]
    if len(set(codes)) != len(codes):
        raise ConfigError("endpoint codes must be unique")
    listens = [(e.listen_host, e.listen_port) for e in endpoints if e.listen_port]
    if len(set(listens)) != len(listens):
        raise ConfigError("two endpoints listen on the same address")
    spool = SpoolConfig(
        **{"path": (base / SpoolConfig.path).resolve(), **_section(raw, "spool", SpoolConfig, base, ("path",))}
    )
    return GatewayConfig(
        odoo=odoo,
        spool=spool,
        limits=Limits(**_section(raw, "limits", Limits, base)),
        forward=ForwardConfig(**_section(raw, "forward", ForwardConfig, base)),
        outbound=OutboundConfig(**_section(raw, "outbound", OutboundConfig, base)),
        endpoints=endpoints,
    )


def load(path: str | os.PathLike) -> GatewayConfig:
    path = Path(path)
    try:
        with path.open("rb") as handle:
            raw = tomllib.load(handle)
    except OSError as error:
        raise ConfigError(f"cannot read configuration {path}: {error.strerror}") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"invalid TOML in {path}: {error}") from None
    return from_dict(raw, path.resolve().parent)
