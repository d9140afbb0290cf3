"""Queue watchers against any Odoo (or the proxy in front of it): N anonymous
websockets follow one department's queue channel, as waiting-room screens do,
while a nurse recalls the called patient once a second; each notification's
delay from the nurse's answered request to each watcher is measured.

    bench/queue_watchers.py --url http://127.0.0.1:8080 --db DB --department ID \\
        --watchers 2000 --seconds 30 [--schedule ID] [--login nurse --password nurse]

prints one JSON object (the last line): queue_watchers (websockets subscribed),
events, delivered_pct (pairs watcher x event received within --deadline
seconds), p50_ms / p95_ms / max_ms (over the delivered pairs), dup (a
notification received twice by one watcher), refused (handshakes or
subscriptions refused, by reason). With --burst N it instead opens N websockets
within --burst-seconds and prints how many were refused.

The schedule (--schedule, else the first published schedule of the department
today whose patient is being called, as the nurse sees it) must have a called
patient: the nurse's "recall" is the event. The event's notification id is read
back through /websocket/peek_notifications (public), one request per event.
No third-party package: the websocket client is a few lines of asyncio.
Importable: measure(...) and burst(...) return the same dicts.
"""

import argparse
import asyncio
import base64
import json
import os
import resource
import struct
import sys
import time
import xmlrpc.client
from urllib.parse import urlparse

import requests

WS_VERSION = "18.0-4"  # bus.websocket.WebsocketConnectionHandler._VERSION of Odoo 18


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))] if ordered else 0.0


def raise_open_files(wanted):
    """2,000 websockets need more open files than the usual 1,024."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = hard if hard == resource.RLIM_INFINITY else min(hard, max(soft, wanted))
    if target > soft:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


class Watcher:
    """One websocket client: handshake, subscribe, then read frames, answering pings."""

    def __init__(self, url, channel):
        parsed = urlparse(url)
        self.host = parsed.hostname
        self.port = parsed.port or (443 if parsed.scheme == "https" else 80)
        self.ssl = parsed.scheme == "https"
        self.origin = f"{parsed.scheme}://{parsed.netloc}"
        self.channel = channel
        self.received = {}  # notification id -> time.time() of the first receipt
        self.dup = 0
        self.refused = None  # why the server refused or closed us
        self.reader = self.writer = None

    async def open(self, last=0, timeout=60):
        try:
            self.reader, self.writer = await asyncio.wait_for(
                asyncio.open_connection(self.host, self.port, ssl=self.ssl or None), timeout
            )
            key = base64.b64encode(os.urandom(16)).decode()
            request = (
                f"GET /websocket?version={WS_VERSION} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
                f"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                f"Sec-WebSocket-Version: 13\r\nOrigin: {self.origin}\r\n\r\n"
            )
            self.writer.write(request.encode())
            head = await asyncio.wait_for(self.reader.readuntil(b"\r\n\r\n"), timeout)
        except (OSError, asyncio.TimeoutError, asyncio.IncompleteReadError) as error:
            self.refused = type(error).__name__
            return False
        status = head.split(b" ", 2)[1].decode(errors="replace") if b" " in head else "?"
        if status != "101":
            self.refused = f"HTTP {status}"
            self.writer.close()
            return False
        message = {"event_name": "subscribe", "data": {"channels": [self.channel], "last": last}}
        self._send(0x1, json.dumps(message).encode())
        return True

    def _send(self, opcode, payload):
        mask = os.urandom(4)
        length = len(payload)
        if length < 126:
            head = struct.pack("!BB", 0x80 | opcode, 0x80 | length)
        elif length < 65536:
            head = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, length)
        else:
            head = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, length)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.writer.write(head + mask + masked)

    async def listen(self):
        try:
            while True:
                first, second = await self.reader.readexactly(2)
                opcode, length = first & 0x0F, second & 0x7F
                if length == 126:
                    (length,) = struct.unpack("!H", await self.reader.readexactly(2))
                elif length == 127:
                    (length,) = struct.unpack("!Q", await self.reader.readexactly(8))
                payload = await self.reader.readexactly(length)
                now = time.time()
                if opcode == 0x9:  # ping
                    self._send(0xA, payload)
                elif opcode == 0x8:  # close
                    code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else 1005
                    self.refused = self.refused or f"closed {code}"
                    return
                elif opcode == 0x1:
                    for notification in json.loads(payload):
                        if notification.get("message", {}).get("type") != "ihospital_queue/update":
                            continue
                        if notification["id"] in self.received:
                            self.dup += 1
                        else:
                            self.received[notification["id"]] = now
        except (OSError, asyncio.IncompleteReadError):
            self.refused = self.refused or "connection lost"
        except asyncio.CancelledError:
            pass

    def close(self):
        if self.writer:
            self.writer.close()


class Nurse:
    """The queue's events: the nurse recalls the called patient (XML-RPC); the
    notification it caused is read back with /websocket/peek_notifications."""

    def __init__(self, url, db, login, password, department, schedule=None):
        self.url, self.db, self.password = url, db, password
        self.uid = xmlrpc.client.ServerProxy(f"{url}/xmlrpc/2/common").authenticate(db, login, password, {})
        if not self.uid:
            raise SystemExit(f"queue_watchers: {login} cannot sign in to {db} at {url}")
        self.models = xmlrpc.client.ServerProxy(f"{url}/xmlrpc/2/object", allow_none=True)
        self.channel = f"ihospital_queue_department_{department}"
        self.schedule = schedule or self._called_schedule(department)
        self.peeker = requests.Session()
        self.last = self._peek(0, first=True)[1]

    def _call(self, model, method, *args, **kwargs):
        return self.models.execute_kw(self.db, self.uid, self.password, model, method, list(args), kwargs)

    def _called_schedule(self, department):
        found = self._call(
            "ihospital.schedule",
            "search",
            [("department_id", "=", department), ("state", "=", "published"), ("current_appointment_id", "!=", False)],
            limit=1,
            order="date desc, id desc",
        )
        if not found:
            raise SystemExit(
                f"queue_watchers: no published schedule of department {department} with a called patient; "
                "call one (or pass --schedule)"
            )
        return found[0]

    def _peek(self, last, first=False):
        answer = self.peeker.post(
            f"{self.url}/websocket/peek_notifications",
            json={
                "jsonrpc": "2.0",
                "method": "call",
                "params": {"channels": [self.channel], "last": last, "is_first_poll": first},
            },
            timeout=60,
        ).json()
        if "error" in answer:
            raise SystemExit(f"queue_watchers: peek_notifications: {answer['error']}")
        ids = [n["id"] for n in answer["result"]["notifications"]]
        return ids, max(ids, default=last)

    def event(self):
        """Recall once; returns (notification id, time.time() when the nurse's request was answered)."""
        self._call("ihospital.schedule", "action_recall", [self.schedule])
        sent = time.time()
        for _attempt in range(50):
            ids, last = self._peek(self.last)
            if ids:
                self.last = last
                return ids[-1], sent
            time.sleep(0.02)
        raise SystemExit("queue_watchers: the recall's notification never showed in the bus")


async def _open_all(url, channel, count, spread, last=0):
    """`count` watchers opened evenly over `spread` seconds; returns them (listening)."""
    watchers = [Watcher(url, channel) for _n in range(count)]
    started = time.monotonic()

    async def one(n, watcher):
        await asyncio.sleep(max(0.0, started + spread * n / max(count, 1) - time.monotonic()))
        if await watcher.open(last):
            watcher.task = asyncio.ensure_future(watcher.listen())

    await asyncio.gather(*(one(n, w) for n, w in enumerate(watchers)))
    return watchers


def _refusals(watchers):
    reasons = {}
    for watcher in watchers:
        if watcher.refused:
            reasons[watcher.refused] = reasons.get(watcher.refused, 0) + 1
    return reasons


async def _close_all(watchers):
    for watcher in watchers:
        task = getattr(watcher, "task", None)
        if task:
            task.cancel()
        watcher.close()
    await asyncio.sleep(0.5)


async def _measure(
    url,
    ws_url,
    db,
    department,
    watchers,
    seconds,
    connect_rate,
    settle,
    deadline,
    login,
    password,
    schedule,
    before_events,
    after_events,
):
    loop = asyncio.get_running_loop()
    nurse = await loop.run_in_executor(None, Nurse, url, db, login, password, department, schedule)
    opened = await _open_all(ws_url, nurse.channel, watchers, watchers / connect_rate)
    await asyncio.sleep(settle)  # subscriptions reach the server asynchronously
    live = [w for w in opened if not w.refused]
    if before_events:
        await loop.run_in_executor(None, before_events)
    events = []  # (notification id, sent)
    started = time.monotonic()
    for n in range(seconds):
        await asyncio.sleep(max(0.0, started + n - time.monotonic()))
        events.append(await loop.run_in_executor(None, nurse.event))
    await asyncio.sleep(deadline)
    if after_events:
        await loop.run_in_executor(None, after_events)
    latencies, delivered = [], 0
    for watcher in live:
        for notification_id, sent in events:
            received = watcher.received.get(notification_id)
            if received is not None and received - sent <= deadline:
                delivered += 1
                latencies.append((received - sent) * 1000)
    result = {
        "queue_watchers": len(live),
        "events": len(events),
        "delivered_pct": round(100.0 * delivered / max(1, len(live) * len(events)), 2),
        "p50_ms": round(percentile(latencies, 0.5), 1),
        "p95_ms": round(percentile(latencies, 0.95), 1),
        "max_ms": round(max(latencies, default=0.0), 1),
        "dup": sum(w.dup for w in live),
        "refused": _refusals(opened),
        "closed_during_run": sum(1 for w in live if w.refused),
        "schedule": nurse.schedule,
    }
    await _close_all(opened)
    return result


async def _burst(url, department, count, spread, hold):
    opened = await _open_all(url, f"ihospital_queue_department_{department}", count, spread)
    await asyncio.sleep(hold)  # a subscription refused for want of a cursor closes the websocket
    result = {"burst": count, "burst_seconds": spread, "refused": _refusals(opened)}
    result["burst_refused"] = sum(result["refused"].values())
    await _close_all(opened)
    return result


def measure(
    url,
    db,
    department,
    watchers=2000,
    seconds=30,
    connect_rate=200.0,
    settle=5.0,
    deadline=6.0,
    login="nurse",
    password="nurse",
    schedule=None,
    ws_url=None,
    before_events=None,
    after_events=None,
):
    """`ws_url`: where /websocket is served when not at `url` (Odoo's gevent port, without a proxy);
    `before_events` / `after_events`: called (in a thread) before the first event and after the
    last one's deadline, e.g. to count the database's transactions."""
    raise_open_files(watchers + 256)
    url = url.rstrip("/")
    return asyncio.run(
        _measure(
            url,
            (ws_url or url).rstrip("/"),
            db,
            department,
            watchers,
            seconds,
            connect_rate,
            settle,
            deadline,
            login,
            password,
            schedule,
            before_events,
            after_events,
        )
    )


def burst(url, department, count=500, spread=2.0, hold=3.0):
    raise_open_files(count + 256)
    return asyncio.run(_burst(url.rstrip("/"), department, count, spread, hold))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", required=True, help="Odoo's (or the proxy's) base URL, e.g. http://127.0.0.1:8080")
    parser.add_argument("--ws-url", help="where /websocket is served, when not at --url (Odoo's gevent port)")
    parser.add_argument("--db", required=True)
    parser.add_argument("--department", type=int, required=True, help="the hr.department id of the queue")
    parser.add_argument("--schedule", type=int, help="the ihospital.schedule to recall on (default: found)")
    parser.add_argument("--watchers", type=int, default=2000)
    parser.add_argument("--seconds", type=int, default=30, help="events: one a second")
    parser.add_argument("--connect-rate", type=float, default=200.0, help="watchers opened per second")
    parser.add_argument("--settle", type=float, default=5.0)
    parser.add_argument("--deadline", type=float, default=6.0, help="a receipt later than this is not delivered")
    parser.add_argument("--login", default="nurse")
    parser.add_argument("--password", default="nurse")
    parser.add_argument("--burst", type=int, help="instead: open this many websockets within --burst-seconds")
    parser.add_argument("--burst-seconds", type=float, default=2.0)
    args = parser.parse_args(argv)
    if args.burst:
        result = burst(args.ws_url or args.url, args.department, args.burst, args.burst_seconds)
    else:
        result = measure(
            args.url,
            args.db,
            args.department,
            args.watchers,
            args.seconds,
            args.connect_rate,
            args.settle,
            args.deadline,
            args.login,
            args.password,
            args.schedule,
            args.ws_url,
        )
    print(json.dumps(result, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
