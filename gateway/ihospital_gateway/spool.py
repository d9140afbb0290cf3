"""The local SQLite spool: every accepted message is on disk before the sender gets AA.

One thread owns the database connection and runs every operation, so the event loop never blocks on disk
and SQLite sees a single writer. The thread drains whatever operations are queued and runs them in one
transaction (group commit): under a burst of arrivals one fsync covers many messages, yet no caller is
answered before the commit that contains its operation. WAL with ``synchronous=FULL`` makes a committed
transaction survive a power cut, not only a killed process.

Tables: ``inbound`` (hospital -> platform, forwarded in id order, which keeps the order per patient),
``outbound`` (platform -> HIS, delivered in id order) and ``endpoint_config`` (the last configuration
fetched from the platform, so the gateway can start and serve while the platform is down).
"""

import asyncio
import datetime
import json
import logging
import queue
import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

_logger = logging.getLogger(__name__)

_GROUP_LIMIT = 500

SCHEMA = """
CREATE TABLE IF NOT EXISTS inbound (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    endpoint TEXT NOT NULL,
    control_id TEXT NOT NULL,
    type TEXT NOT NULL,
    protocol TEXT NOT NULL,
    patient_key TEXT,
    sent_at TEXT,
    raw TEXT NOT NULL,
    data TEXT NOT NULL,
    received_at TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending',
    result_state TEXT,
    parked INTEGER NOT NULL DEFAULT 0,
    attempts INTEGER NOT NULL DEFAULT 0,
    error TEXT NOT NULL DEFAULT '',
    forwarded_at TEXT,
    UNIQUE (endpoint, control_id)
);
CREATE INDEX IF NOT EXISTS inbound_pending ON inbound (endpoint, id) WHERE state = 'pending';
CREATE TABLE IF NOT EXISTS outbound (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    endpoint TEXT NOT NULL,
    control_id TEXT NOT NULL,
    type TEXT NOT NULL,
    data TEXT NOT NULL,
    attempt INTEGER NOT NULL DEFAULT 0,
    state TEXT NOT NULL DEFAULT 'pending',
    status TEXT,
    error TEXT NOT NULL DEFAULT '',
    his_ref TEXT NOT NULL DEFAULT '',
    reply_raw TEXT NOT NULL DEFAULT '',
    tries INTEGER NOT NULL DEFAULT 0,
    pulled_at TEXT NOT NULL,
    delivered_at TEXT,
    reported_at TEXT,
    UNIQUE (endpoint, control_id)
);
CREATE INDEX IF NOT EXISTS outbound_open ON outbound (endpoint, state, id);
CREATE TABLE IF NOT EXISTS endpoint_config (
    code TEXT PRIMARY KEY,
    config TEXT NOT NULL,
    fetched_at TEXT NOT NULL
);
"""

# Inbound states: pending (to forward), forwarded (the platform stored it; result_state is its answer),
# dead (the platform refused it even as a parked message; only a person can help, see `status`).
INBOUND_STATES = ("pending", "forwarded", "dead")
# Outbound states: pending (to deliver to the HIS), delivered (HIS answered; to report), reported.
OUTBOUND_STATES = ("pending", "delivered", "reported")


def utc_now() -> str:
    """UTC time in the platform API's format."""
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S")


@dataclass(frozen=True)
class InboundMessage:
    id: int
    endpoint: str
    control_id: str
    type: str
    protocol: str
    patient_key: str | None
    sent_at: str | None
    raw: str
    data: dict
    received_at: str
    parked: bool
    attempts: int
    error: str


@dataclass(frozen=True)
class OutboundMessage:
    id: int
    endpoint: str
    control_id: str
    type: str
    data: dict
    attempt: int
    state: str
    status: str | None
    error: str
    his_ref: str
    reply_raw: str
    tries: int


def connect(path: Path) -> sqlite3.Connection:
    """Open the spool with the durability settings; the caller owns the connection's thread."""
    path.parent.mkdir(parents=True, exist_ok=True)
    connection = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
    connection.row_factory = sqlite3.Row
    connection.execute("PRAGMA busy_timeout = 10000")
    mode = connection.execute("PRAGMA journal_mode = WAL").fetchone()[0]
    if mode.lower() != "wal":
        raise RuntimeError(f"the spool {path} cannot use WAL mode (got {mode})")
    connection.execute("PRAGMA synchronous = FULL")
    connection.executescript(SCHEMA)
    return connection


class Spool:
    """Async facade over the spool database; all SQL runs in the spool's own thread."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._connection = connect(self.path)
        self._thread = threading.Thread(target=self._run, name="spool-writer", daemon=True)
        self._thread.start()
        self.commits = 0

    # -- thread machinery ---------------------------------------------------------------------------------

    async def _submit(self, operation: Callable[[sqlite3.Connection], Any]) -> Any:
        """Queue an operation and wait until the transaction that ran it has committed."""
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        self._queue.put((operation, loop, future))
        return await future

    async def _execute(self, sql: str, parameters) -> None:
        """Run one statement in its own operation."""

        def operation(connection: sqlite3.Connection) -> None:
            connection.execute(sql, parameters)

        await self._submit(operation)

    async def _execute_many(self, sql: str, rows: list) -> None:
        """Run one statement once per parameter row, all in one operation."""

        def operation(connection: sqlite3.Connection) -> None:
            connection.executemany(sql, rows)

        await self._submit(operation)

    async def _select(self, convert: Callable[[sqlite3.Row], Any], sql: str, parameters) -> list:
        """The rows of a query, each converted in the spool thread."""

        def operation(connection: sqlite3.Connection) -> list:
            return [convert(row) for row in connection.execute(sql, parameters).fetchall()]

        return await self._submit(operation)

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                break
            batch = [item]
            while len(batch) < _GROUP_LIMIT:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is None:
                    self._queue.put(None)
                    break
                batch.append(item)
            self._run_group(batch)
        self._connection.close()

    def _run_group(self, batch: list) -> None:
        outcomes = []
        connection = self._connection
        try:
            connection.execute("BEGIN IMMEDIATE")
            for operation, _loop, _future in batch:
                connection.execute("SAVEPOINT op")
                try:
                    outcomes.append((True, operation(connection)))
                    connection.execute("RELEASE op")
                except Exception as error:  # one bad operation must not fail its neighbours
                    connection.execute("ROLLBACK TO op")
                    connection.execute("RELEASE op")
                    outcomes.append((False, error))
            connection.execute("COMMIT")
            self.commits += 1
        except Exception as error:
            _logger.exception("spool transaction failed")
            if connection.in_transaction:
                connection.execute("ROLLBACK")
            outcomes = [(False, error)] * len(batch)
        for (_operation, loop, future), (ok, value) in zip(batch, outcomes, strict=True):
            loop.call_soon_threadsafe(_settle, future, ok, value)

    async def close(self) -> None:
        if self._thread.is_alive():
            self._queue.put(None)
            await asyncio.to_thread(self._thread.join)

    # -- inbound ------------------------------------------------------------------------------------------

    async def store_inbound(self, endpoint: str, canonical, received_at: str | None = None) -> tuple[int, bool]:
        """Store a parsed message once per (endpoint, control id); return (row id, was it a duplicate)."""
        received_at = received_at or utc_now()
        values = (
            endpoint,
            canonical.control_id,
            canonical.type,
            canonical.protocol,
            canonical.patient_key,
            canonical.sent_at,
            canonical.raw,
            json.dumps(canonical.data, ensure_ascii=False, default=str),
            received_at,
        )

        def operation(connection: sqlite3.Connection) -> tuple[int, bool]:
            cursor = connection.execute(
                "INSERT INTO inbound (endpoint, control_id, type, protocol, patient_key, sent_at, raw, data,"
                " received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (endpoint, control_id) DO NOTHING",
                values,
            )
            if cursor.rowcount:
                return cursor.lastrowid, False
            row = connection.execute(
                "SELECT id FROM inbound WHERE endpoint = ? AND control_id = ?", (endpoint, canonical.control_id)
            ).fetchone()
            return row["id"], True

        return await self._submit(operation)

    async def pending_inbound(self, endpoint: str, limit: int) -> list[InboundMessage]:
        return await self._select(
            _inbound,
            "SELECT * FROM inbound WHERE endpoint = ? AND state = 'pending' ORDER BY id LIMIT ?",
            (endpoint, limit),
        )

    async def mark_forwarded(self, results: list[tuple[int, str, str]]) -> None:
        """Record the platform's answers: (row id, result state, error). The platform has stored them."""
        now = utc_now()
        await self._execute_many(
            "UPDATE inbound SET state = 'forwarded', result_state = ?, error = ?, forwarded_at = ?"
            " WHERE id = ? AND state = 'pending'",
            [(state, error, now, row_id) for row_id, state, error in results],
        )

    async def record_fault(self, row_id: int, error: str, max_attempts: int) -> bool:
        """Count a failed submission of one message; park it when it reached max_attempts. True if parked."""

        def operation(connection: sqlite3.Connection) -> bool:
            connection.execute(
                "UPDATE inbound SET attempts = attempts + 1, error = ?,"
                " parked = CASE WHEN attempts + 1 >= ? THEN 1 ELSE parked END WHERE id = ?",
                (error, max_attempts, row_id),
            )
            return bool(connection.execute("SELECT parked FROM inbound WHERE id = ?", (row_id,)).fetchone()[0])

        return await self._submit(operation)

    async def mark_dead(self, row_id: int, error: str) -> None:
        """The platform refused even the parked message: keep it here for a person (see `status`)."""
        await self._execute("UPDATE inbound SET state = 'dead', parked = 1, error = ? WHERE id = ?", (error, row_id))

    # -- outbound -----------------------------------------------------------------------------------------

    async def add_outbound(self, endpoint: str, messages: list[dict]) -> int:
        """Store pulled messages, deduplicated by control id; return how many are new or re-opened.

        A control id already waiting here is left as it is (the platform re-sent it because our report
        had not arrived yet). One already reported is re-opened: the platform queued it again after an AE.
        """
        now = utc_now()

        def operation(connection: sqlite3.Connection) -> int:
            added = 0
            for message in messages:
                values = (
                    message["type"],
                    json.dumps(message.get("data") or {}, ensure_ascii=False, default=str),
                    int(message.get("attempt") or 0),
                    now,
                )
                cursor = connection.execute(
                    "INSERT INTO outbound (endpoint, control_id, type, data, attempt, pulled_at)"
                    " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (endpoint, control_id) DO UPDATE SET"
                    " type = excluded.type, data = excluded.data, attempt = excluded.attempt,"
                    " pulled_at = excluded.pulled_at, state = 'pending', status = NULL, error = '',"
                    " his_ref = '', reply_raw = '', tries = 0, delivered_at = NULL, reported_at = NULL"
                    " WHERE outbound.state = 'reported'",
                    (endpoint, message["control_id"], *values),
                )
                added += cursor.rowcount
            return added

        return await self._submit(operation)

    async def outbound_in_state(self, endpoint: str, state: str, limit: int) -> list[OutboundMessage]:
        return await self._select(
            _outbound,
            "SELECT * FROM outbound WHERE endpoint = ? AND state = ? ORDER BY id LIMIT ?",
            (endpoint, state, limit),
        )

    async def record_delivery(self, row_id: int, status: str, error: str, his_ref: str, reply_raw: str) -> None:
        await self._execute(
            "UPDATE outbound SET state = 'delivered', status = ?, error = ?, his_ref = ?, reply_raw = ?,"
            " tries = tries + 1, delivered_at = ? WHERE id = ?",
            (status, error, his_ref, reply_raw, utc_now(), row_id),
        )

    async def record_delivery_failure(self, row_id: int, error: str) -> None:
        await self._execute("UPDATE outbound SET tries = tries + 1, error = ? WHERE id = ?", (error, row_id))

    async def mark_reported(self, row_ids: list[int]) -> None:
        now = utc_now()
        await self._execute_many(
            "UPDATE outbound SET state = 'reported', reported_at = ? WHERE id = ? AND state = 'delivered'",
            [(now, row_id) for row_id in row_ids],
        )

    # -- configuration cache, statistics, housekeeping ----------------------------------------------------

    async def save_config(self, code: str, config: dict) -> None:
        await self._execute(
            "INSERT INTO endpoint_config (code, config, fetched_at) VALUES (?, ?, ?) ON CONFLICT (code)"
            " DO UPDATE SET config = excluded.config, fetched_at = excluded.fetched_at",
            (code, json.dumps(config, ensure_ascii=False, default=str), utc_now()),
        )

    async def load_configs(self) -> dict[str, dict]:
        def operation(connection: sqlite3.Connection) -> dict[str, dict]:
            rows = connection.execute("SELECT code, config FROM endpoint_config").fetchall()
            return {row["code"]: json.loads(row["config"]) for row in rows}

        return await self._submit(operation)

    async def counts(self, endpoint: str) -> dict[str, int]:
        """Queue sizes for the heartbeat: messages to forward, parked ones, outbound not yet finished."""

        def operation(connection: sqlite3.Connection) -> dict[str, int]:
            return _counts(connection, endpoint)

        return await self._submit(operation)

    async def prune(self, older_than_days: float) -> int:
        """Delete finished messages older than the retention; they are safely stored on the platform."""
        cutoff = (datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(days=older_than_days)).strftime(
            "%Y-%m-%d %H:%M:%S"
        )

        def operation(connection: sqlite3.Connection) -> int:
            removed = connection.execute(
                "DELETE FROM inbound WHERE state = 'forwarded' AND forwarded_at < ?", (cutoff,)
            ).rowcount
            removed += connection.execute(
                "DELETE FROM outbound WHERE state = 'reported' AND reported_at < ?", (cutoff,)
            ).rowcount
            return removed

        return await self._submit(operation)


def _settle(future: asyncio.Future, ok: bool, value: Any) -> None:
    if future.cancelled():
        return
    if ok:
        future.set_result(value)
    else:
        future.set_exception(value)


def _from_row(cls, row: sqlite3.Row, **converted):
    """A message dataclass from the table row whose columns its fields are named after."""
    values = {field.name: row[field.name] for field in fields(cls)}
    return cls(**{**values, **converted})


def _inbound(row: sqlite3.Row) -> InboundMessage:
    return _from_row(InboundMessage, row, data=json.loads(row["data"]), parked=bool(row["parked"]))


def _outbound(row: sqlite3.Row) -> OutboundMessage:
    return _from_row(OutboundMessage, row, data=json.loads(row["data"]))


def _counts(connection: sqlite3.Connection, endpoint: str) -> dict[str, int]:
    def scalar(sql: str) -> int:
        return connection.execute(sql, (endpoint,)).fetchone()[0]

    return {
        "spool_pending": scalar("SELECT count(*) FROM inbound WHERE endpoint = ? AND state = 'pending'"),
        "spool_dead": scalar("SELECT count(*) FROM inbound WHERE endpoint = ? AND parked = 1"),
        "outbound_pending": scalar("SELECT count(*) FROM outbound WHERE endpoint = ? AND state != 'reported'"),
    }


def read_status(path: Path) -> dict:
    """A read-only snapshot for the `status` command; safe while the gateway runs (WAL readers never block)."""
    if not Path(path).exists():
        raise FileNotFoundError(f"no spool at {path}")
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    connection.row_factory = sqlite3.Row
    try:
        connection.execute("PRAGMA busy_timeout = 10000")
        inbound = {}
        for row in connection.execute(
            "SELECT endpoint, state, coalesce(result_state, '') AS result, count(*) AS n FROM inbound"
            " GROUP BY endpoint, state, result ORDER BY endpoint, state, result"
        ):
            label = f"{row['state']}:{row['result']}" if row["result"] else row["state"]
            inbound.setdefault(row["endpoint"], {})[label] = row["n"]
        outbound = {}
        for row in connection.execute(
            "SELECT endpoint, state, count(*) AS n FROM outbound GROUP BY endpoint, state ORDER BY endpoint, state"
        ):
            outbound.setdefault(row["endpoint"], {})[row["state"]] = row["n"]
        dead = [
            dict(row)
            for row in connection.execute(
                "SELECT id, endpoint, control_id, type, state, attempts, received_at, error FROM inbound"
                " WHERE parked = 1 ORDER BY id"
            )
        ]
        failing = [
            dict(row)
            for row in connection.execute(
                "SELECT id, endpoint, control_id, type, tries, error FROM outbound"
                " WHERE state = 'pending' AND tries > 0 ORDER BY id"
            )
        ]
        return {"inbound": inbound, "outbound": outbound, "dead": dead, "outbound_failing": failing}
    finally:
        connection.close()
