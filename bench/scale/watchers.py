"""Queue watchers for `make bench-scale` when bench/queue_watchers.py (the
live-queue benchmark's client) is not there: WATCHERS anonymous websockets
follow one department's queue channel, as waiting-room screens and patients'
phones do, while one queue event a second is made.

The events: a portal account of the plan books a number in a clinic of that
department (created by prepare.py for this) and cancels it; each cancellation
pushes the queue's state to the department's channel (ihospital.schedule.
_notify_queue). An event's time is taken just before the cancellation is
sent, so a latency includes the cancellation request itself. The k-th event
a watcher receives after the first cancellation is the k-th cancellation.

Prints one line of JSON: {"watchers", "connected", "events", "delivered"
(fraction of the events that reached a watcher within 6 s), "p50_ms",
"p95_ms"}. Standard library, requests and websockets.
"""

import argparse
import asyncio
import json
import re
import statistics
import time
from urllib.parse import urlparse

import requests
import websockets

CSRF = re.compile(r"""csrf_token["']?\s*(?:value=|:)\s*["']([0-9a-f]+o\d+)["']""")
WS_VERSION = "18.0-4"  # Odoo 18's websocket worker version (bus/websocket.py)
DEADLINE = 6.0


class Watcher:
    def __init__(self):
        self.arrivals = []
        self.connected = False


async def watch(url, channel, watcher, stop):
    parsed = urlparse(url)
    ws_url = f"{'wss' if parsed.scheme == 'https' else 'ws'}://{parsed.netloc}/websocket?version={WS_VERSION}"
    try:
        async with websockets.connect(
            ws_url, origin=f"{parsed.scheme}://{parsed.netloc}", open_timeout=60, max_size=2**22
        ) as ws:
            await ws.send(json.dumps({"event_name": "subscribe", "data": {"channels": [channel], "last": 0}}))
            watcher.connected = True
            while not stop.is_set():
                try:
                    raw = await asyncio.wait_for(ws.recv(), timeout=1)
                except TimeoutError:
                    continue
                now = time.monotonic()
                for notification in json.loads(raw):
                    if notification.get("message", {}).get("type") == "ihospital_queue/update":
                        watcher.arrivals.append(now)
    except (OSError, websockets.exceptions.WebSocketException, TimeoutError):
        watcher.connected = False


def event_source(url, plan):
    """A signed-in session of the watch account and a function making one
    queue event (book then cancel), returning the time it was sent."""
    watch = plan["watch"]
    s = requests.Session()
    page = s.get(f"{url}/web/login", timeout=60)
    token = CSRF.search(page.text)
    s.post(
        f"{url}/web/login",
        data={"login": watch["login"], "password": watch["password"], "csrf_token": token.group(1) if token else ""},
        timeout=60,
    )

    def one_event():
        params = {"schedule_id": watch["schedule_id"], "patient_id": watch["patient_id"]}
        answer = s.post(
            f"{url}/my/ihospital/book",
            json={"jsonrpc": "2.0", "method": "call", "params": params},
            timeout=60,
        ).json()
        result = answer.get("result") or {}
        if not result.get("ok"):
            raise RuntimeError(f"the watch account could not book: {answer}")
        appointment = result["appointment_id"]
        page = s.get(f"{url}/my/appointments/{appointment}", timeout=60)
        token = CSRF.search(page.text)
        sent = time.monotonic()
        s.post(
            f"{url}/my/appointments/{appointment}/cancel",
            data={"csrf_token": token.group(1) if token else ""},
            timeout=60,
        ).raise_for_status()
        return sent

    return one_event


async def main_async(args):
    with open(args.plan, encoding="utf-8") as f:
        plan = json.load(f)
    channel = f"ihospital_queue_department_{plan['watch']['department_id']}"
    one_event = event_source(args.url, plan)
    stop = asyncio.Event()
    watchers = [Watcher() for _i in range(args.watchers)]
    tasks = []
    for index, watcher in enumerate(watchers):
        tasks.append(asyncio.create_task(watch(args.url, channel, watcher, stop)))
        if index % args.connect_rate == args.connect_rate - 1:
            await asyncio.sleep(1)  # connect at a steady pace, not in one burst
    await asyncio.sleep(3)  # the last subscriptions, and the old notifications they bring
    started = time.monotonic()
    sent = []
    loop = asyncio.get_running_loop()
    while time.monotonic() - started < args.seconds:
        tick = time.monotonic()
        sent.append(await loop.run_in_executor(None, one_event))
        await asyncio.sleep(max(0, 1 - (time.monotonic() - tick)))
    await asyncio.sleep(DEADLINE)
    stop.set()
    await asyncio.gather(*tasks, return_exceptions=True)

    latencies, delivered = [], 0
    for watcher in watchers:
        mine = [t for t in watcher.arrivals if t >= sent[0]] if sent else []
        for event_time, arrival in zip(sent, mine, strict=False):
            latency = arrival - event_time
            latencies.append(latency)
            delivered += latency <= DEADLINE
    expected = len(sent) * len(watchers)
    latencies.sort()
    result = {
        "watchers": len(watchers),
        "connected": sum(w.connected for w in watchers),
        "events": len(sent),
        "delivered": round(delivered / expected, 4) if expected else 0,
        "p50_ms": round(1000 * statistics.median(latencies)) if latencies else 0,
        "p95_ms": round(1000 * latencies[int(0.95 * (len(latencies) - 1))]) if latencies else 0,
    }
    print(json.dumps(result), flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", required=True)
    parser.add_argument("--plan", required=True, help="the plan of bench/scale/prepare.py")
    parser.add_argument("--watchers", type=int, default=2000)
    parser.add_argument("--connect-rate", type=int, default=100, help="new websockets a second (default 100)")
    parser.add_argument("--seconds", type=int, default=60, help="seconds of events, one a second (default 60)")
    args = parser.parse_args()
    asyncio.run(main_async(args))


if __name__ == "__main__":
    main()
