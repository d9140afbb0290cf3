"""The spool: durability settings, dedup, order, group commit, and nothing acknowledged lost on kill -9."""

import asyncio
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time

from ihospital_gateway.codec import Canonical
from ihospital_gateway.config import API_KEY_ENV
from ihospital_gateway.spool import Spool, read_status


def canonical(control_id: str, patient_key: str | None = None) -> Canonical:
    return Canonical("json", "queue.call", control_id, None, {"number": control_id}, f"raw {control_id}", patient_key)


def test_wal_full_sync_dedup_and_order(tmp_path):
    async def main():
        spool = Spool(tmp_path / "s.sqlite3")
        try:
            first = await spool.store_inbound("ep", canonical("C1"))
            await spool.store_inbound("ep", canonical("C2"))
            again = await spool.store_inbound("ep", canonical("C1"))
            other = await spool.store_inbound("other-ep", canonical("C1"))
            pending = await spool.pending_inbound("ep", 10)
            return first, again, other, pending
        finally:
            await spool.close()

    first, again, other, pending = asyncio.run(main())
    assert first[1] is False and again == (first[0], True) and other[1] is False
    assert [m.control_id for m in pending] == ["C1", "C2"]
    assert pending[0].data == {"number": "C1"} and pending[0].raw == "raw C1"
    connection = sqlite3.connect(tmp_path / "s.sqlite3")
    assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    connection.close()


def test_synchronous_full_on_the_spool_connection(tmp_path):
    async def main():
        spool = Spool(tmp_path / "s.sqlite3")
        try:
            return await spool._submit(lambda connection: connection.execute("PRAGMA synchronous").fetchone()[0])
        finally:
            await spool.close()

    assert asyncio.run(main()) == 2  # FULL


def test_concurrent_arrivals_share_commits(tmp_path):
    async def main():
        spool = Spool(tmp_path / "s.sqlite3")
        try:
            results = await asyncio.gather(*(spool.store_inbound("ep", canonical(f"G{i}")) for i in range(300)))
            return results, spool.commits
        finally:
            await spool.close()

    results, commits = asyncio.run(main())
    assert len({row_id for row_id, _ in results}) == 300
    assert commits < 300


def test_failed_operation_does_not_fail_its_group(tmp_path):
    async def main():
        spool = Spool(tmp_path / "s.sqlite3")
        try:

            def broken(connection):
                connection.execute("INSERT INTO inbound (endpoint) VALUES ('x')")  # violates NOT NULL

            outcomes = await asyncio.gather(
                spool.store_inbound("ep", canonical("F1")),
                spool._submit(broken),
                spool.store_inbound("ep", canonical("F2")),
                return_exceptions=True,
            )
            return outcomes, await spool.pending_inbound("ep", 10)
        finally:
            await spool.close()

    outcomes, pending = asyncio.run(main())
    assert isinstance(outcomes[1], sqlite3.IntegrityError)
    assert [m.control_id for m in pending] == ["F1", "F2"]


def test_outbound_dedup_and_reopen_after_report(tmp_path):
    async def main():
        spool = Spool(tmp_path / "s.sqlite3")
        try:
            message = {"control_id": "O1", "type": "booking.cancel", "data": {"appointment_ref": "A1"}, "attempt": 1}
            added = [await spool.add_outbound("ep", [message]), await spool.add_outbound("ep", [message])]
            (row,) = await spool.outbound_in_state("ep", "pending", 10)
            await spool.record_delivery(row.id, "AE", "HIS busy", "", "reply")
            await spool.mark_reported([row.id])
            added.append(await spool.add_outbound("ep", [{**message, "attempt": 2}]))
            (reopened,) = await spool.outbound_in_state("ep", "pending", 10)
            return added, reopened
        finally:
            await spool.close()

    added, reopened = asyncio.run(main())
    assert added == [1, 0, 1]
    assert reopened.attempt == 2 and reopened.status is None and reopened.tries == 0


def test_read_status_counts_and_dead(tmp_path):
    async def main():
        spool = Spool(tmp_path / "s.sqlite3")
        try:
            ids = [(await spool.store_inbound("ep", canonical(f"S{i}")))[0] for i in range(3)]
            await spool.mark_forwarded([(ids[0], "processed", "")])
            assert await spool.record_fault(ids[1], "boom", 1)
            await spool.mark_dead(ids[1], "boom twice")
            return await spool.counts("ep")
        finally:
            await spool.close()

    counts = asyncio.run(main())
    assert counts == {"spool_pending": 1, "spool_dead": 1, "outbound_pending": 0}
    status = read_status(tmp_path / "s.sqlite3")
    assert status["inbound"]["ep"] == {"dead": 1, "forwarded:processed": 1, "pending": 1}
    assert [(row["control_id"], row["error"]) for row in status["dead"]] == [("S1", "boom twice")]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_kill_9_loses_nothing_acknowledged(tmp_path):
    """A real gateway process is killed while clients stream messages; every AA'd message is in the spool."""
    port = _free_port()
    config = tmp_path / "gateway.toml"
    config.write_text(
        f"""
[odoo]
url = "http://127.0.0.1:{_free_port()}"
db = "none"
login = "gw"
[spool]
path = "spool.sqlite3"
[[endpoint]]
code = "ep"
protocol = "json"
listen = "127.0.0.1:{port}"
""",
        encoding="utf-8",
    )
    env = {**os.environ, API_KEY_ENV: "k", "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "ihospital_gateway.cli", "--log-level", "warning", "run", "--config", str(config)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "the gateway did not start"
                time.sleep(0.05)
        acked = asyncio.run(_stream_until_killed(port, process))
    finally:
        if process.poll() is None:
            process.kill()
        process.wait()
    assert process.returncode == -signal.SIGKILL
    assert len(acked) >= 50
    connection = sqlite3.connect(tmp_path / "spool.sqlite3")
    stored = {row[0] for row in connection.execute("SELECT control_id FROM inbound")}
    connection.close()
    assert acked <= stored


async def _stream_until_killed(port: int, process: subprocess.Popen) -> set[str]:
    acked: set[str] = set()

    async def client(number: int) -> None:
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            for i in range(1000):
                control_id = f"K{number}-{i}"
                message = {
                    "version": "1",
                    "type": "queue.call",
                    "control_id": control_id,
                    "data": {"department_code": "NK", "number": str(i)},
                }
                writer.write(json.dumps(message).encode() + b"\n")
                await writer.drain()
                reply = await reader.readline()
                if not reply:
                    return
                if json.loads(reply)["status"] == "AA":
                    acked.add(control_id)
        except (ConnectionError, json.JSONDecodeError):
            return

    async def killer() -> None:
        while len(acked) < 200:
            await asyncio.sleep(0.005)
        process.send_signal(signal.SIGKILL)

    await asyncio.wait_for(asyncio.gather(killer(), *(client(n) for n in range(8))), 30)
    return acked
