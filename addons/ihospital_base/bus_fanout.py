"""The live queue for thousands of watchers: one shared bus fetch per event.

Why
---
The waiting-room screens (``ihospital_queue_department_<id>``, anonymous) and
"my queue" (``ihospital_queue_schedule_<id>``) follow the queue on Odoo's bus.
Odoo's dispatcher (``bus.models.bus.ImDispatch.loop``) wakes every websocket
subscribed to a notified channel, and each websocket then reads its session,
opens a cursor, checks the session and runs its own ``bus.bus._poll``
(``bus.websocket.Websocket._dispatch_bus_notifications``). A queue event
watched by 2,000 screens thus costs about 2,000 transactions and arrives
seconds late. The queue channels carry the same public rows for everyone, so
one read serves them all.

What this changes (in the process that serves websockets)
---------------------------------------------------------
* Shared channels are the public queue channels: string channels whose name
  starts with ``ihospital_queue_`` (:func:`is_shared`). Every other channel
  (the user's partner, groups, ``broadcast``, discuss, a mail guest...) is
  private and keeps Odoo's behaviour.
* The dispatcher tells each websocket *which* of its channels were notified
  (:func:`_loop`, :func:`relay`), and counts the NOTIFYs of shared channels per
  database (:meth:`SharedFeed.announce`).
* A websocket woken for shared channels takes their rows from a per-process,
  per-database :class:`SharedFeed`: the first websocket to need rows newer than
  the feed holds fetches them, under a (gevent-safe) lock, for all the shared
  channels subscribed in this process, in one query; the others reuse them. So
  a burst of queue NOTIFYs costs one (rarely two) transactions per process,
  whatever the number of watchers.
* A websocket polls its private channels itself (session check and
  ``_poll``, as Odoo does) only when one of them was notified, or when it
  subscribes (then it polls all its channels once, shared ones included,
  exactly like Odoo).
* Shared rows are delivered without reading the session or opening a cursor:
  anyone may subscribe to a queue channel anonymously (see
  ``ir.websocket._ihospital_channel_allowed``), so a session check would guard
  nothing there. Signed-in websockets still have their session checked on
  their private deliveries.
* Odoo's bookkeeping of what a websocket got (``_last_notif_sent_id`` held
  back by ``MAX_NOTIFICATION_HISTORY_SEC``, ``_notif_history``) is kept and
  shared by both paths: a row is sent when its id is above the websocket's
  last id and not in its history, and the feed keeps rows twice that long and
  looks again below its newest id for rows committed late, so a notification
  is neither lost nor sent twice, and a batch goes out in id order.
* The database pool of the websocket (gevent) process waits for a free
  connection (up to ``ihospital_db_pool_wait`` seconds) instead of failing at
  once with ``PoolError`` (HTTP 500 on the handshake, or the websocket closed
  with "try later") when hundreds of screens connect at the same moment.

Server options (``[options]`` of the configuration file)
--------------------------------------------------------
* ``ihospital_bus_shared_fetch = False`` restores Odoo's dispatching (one poll
  per websocket per event); default True. Read on each dispatch.
* ``ihospital_db_pool_wait = 0`` restores Odoo's pool (fail at once when
  ``db_maxconn_gevent`` connections are in use); default 15 seconds, in the
  gevent process only (HTTP workers serve one request at a time).

The patches are applied once, when ``ihospital_base`` is imported
(:func:`install`, idempotent). They replace methods of Odoo's bus classes
rather than inheriting models because the bus dispatcher and the websockets are
plain Python objects, not models.
"""

import bisect
import json
import logging
import selectors
import threading
import time
from collections import deque

from psycopg2.pool import PoolError

import odoo
from odoo import api
from odoo.addons.bus import websocket as bus_websocket
from odoo.addons.bus.models import bus as bus_models
from odoo.http import SessionExpiredException, root
from odoo.service.security import check_session
from odoo.sql_db import ConnectionPool
from odoo.tools import SQL, config

_logger = logging.getLogger(__name__)

SHARED_PREFIX = "ihospital_queue_"
OPTION_SHARED_FETCH = "ihospital_bus_shared_fetch"
OPTION_POOL_WAIT = "ihospital_db_pool_wait"
DEFAULT_POOL_WAIT = 15.0

# what woke a websocket
FULL, PRIVATE, SHARED = "full", "private", "shared"

Websocket = bus_websocket.Websocket
ImDispatch = bus_models.ImDispatch


def _flag(value, default):
    if value is None:
        return default
    if isinstance(value, str):
        return value.strip().lower() not in ("", "0", "false", "no", "off")
    return bool(value)


def shared_fetch_enabled():
    return _flag(config.get(OPTION_SHARED_FETCH), True)


def pool_wait_seconds():
    if not odoo.evented:
        return 0.0
    value = config.get(OPTION_POOL_WAIT)
    if value in (None, True):
        return DEFAULT_POOL_WAIT
    try:
        return max(float(value), 0.0)
    except (TypeError, ValueError):
        return DEFAULT_POOL_WAIT


def is_shared(channel):
    """A channel as the bus keys it, (db, name): a public queue channel?"""
    return (
        isinstance(channel, tuple)
        and len(channel) == 2
        and isinstance(channel[1], str)
        and channel[1].startswith(SHARED_PREFIX)
    )


# ---------------------------------------------------------------- the feed
class SharedFeed:
    """The recent rows of the shared channels of one database, for every
    websocket of this process (see the module's docstring)."""

    def __init__(self, db):
        self.db = db
        self.lock = threading.Lock()  # gevent's lock in the gevent process
        self.announced = 0  # NOTIFYs of shared channels seen by the dispatcher
        self.fetched = 0  # the value of `announced` the rows are fresh for
        self.fetches = 0  # queries run (for the tests and the benchmark)
        self.floor = 0  # rows with a lower or equal id are never fetched again
        self.kept = []  # (id, channel, message, fetched at), by id
        self.rows = {}  # channel -> ((id, message), ...) by id; replaced, never changed

    @property
    def retain(self):
        return 2 * Websocket.MAX_NOTIFICATION_HISTORY_SEC

    def announce(self):
        self.announced += 1

    def refresh(self, channels=()):
        """Make the rows fresh for every NOTIFY announced so far: the first
        caller fetches (the shared channels subscribed in this process, plus
        `channels`), the ones waiting on the lock meanwhile reuse its rows."""
        wanted = self.announced
        if self.fetched >= wanted:
            return
        with self.lock:
            if self.fetched >= wanted:
                return
            start = self.announced
            self._fetch([*bus_models.dispatch._channels_to_ws, *channels])
            self.fetched = start

    def _fetch(self, channels):
        names = sorted({bus_models.json_dump(list(c)) for c in channels if is_shared(c) and c[0] == self.db})
        if not names:
            return
        seen = [row[0] for row in self.kept]
        with bus_websocket.acquire_cursor(self.db) as cr:
            cr.execute(
                SQL(
                    """SELECT id, channel, message FROM bus_bus
                        WHERE channel IN %s AND id > %s AND NOT (id = ANY(%s))
                          AND create_date > (now() AT TIME ZONE 'UTC') - make_interval(secs => %s)
                     ORDER BY id""",
                    tuple(names),
                    self.floor,
                    seen,
                    bus_models.TIMEOUT,
                )
            )
            fetched = cr.fetchall()
        self.fetches += 1
        now = time.time()
        kept = list(self.kept)
        for notif_id, channel, message in fetched:
            bisect.insort(kept, (notif_id, bus_models.hashable(json.loads(channel)), json.loads(message), now))
        # forget the oldest rows, in id order only (a row committed late may still come below the newest)
        expired = 0
        for row in kept:
            if now - row[3] <= self.retain:
                break
            expired += 1
        if expired:
            self.floor = kept[expired - 1][0]
            kept = kept[expired:]
        rows = {}
        for notif_id, channel, message, _fetched_at in kept:
            rows.setdefault(channel, []).append((notif_id, message))
        self.kept = kept
        self.rows = {channel: tuple(values) for channel, values in rows.items()}

    def notifications_for(self, websocket):
        """The rows of `websocket`'s shared channels it did not get yet."""
        mine = [c for c in websocket._channels if is_shared(c)]
        if not mine:
            return []
        self.refresh(mine)
        rows = self.rows
        last = websocket._last_notif_sent_id
        sent = {notif_id for notif_id, _sent_at in websocket._notif_history}
        return [
            {"id": notif_id, "message": message}
            for channel in mine
            for notif_id, message in rows.get(channel, ())
            if notif_id > last and notif_id not in sent
        ]


_feeds = {}
_feeds_lock = threading.Lock()


def feed(db):
    found = _feeds.get(db)
    if found is None:
        with _feeds_lock:
            found = _feeds.setdefault(db, SharedFeed(db))
    return found


# ---------------------------------------------------------- the dispatcher
def relay(dispatcher, notified):
    """Wake the websockets subscribed to the `notified` channels (as decoded
    from the NOTIFY payloads), telling each which of its channels it is for."""
    by_websocket = {}
    for channel in notified:
        channel = bus_models.hashable(channel)
        websockets = dispatcher._channels_to_ws.get(channel)
        if not websockets:
            continue
        if is_shared(channel):
            feed(channel[0]).announce()
        for websocket in list(websockets):
            by_websocket.setdefault(websocket, []).append(channel)
    for websocket, channels in by_websocket.items():
        websocket.trigger_notification_dispatching(channels)


def _loop(self):
    """ImDispatch.loop: LISTEN imbus, then relay() each batch of NOTIFYs."""
    _logger.info("Bus.loop listen imbus on db postgres (iHospital: queue channels fetched once per event)")
    with odoo.sql_db.db_connect("postgres").cursor() as cr, selectors.DefaultSelector() as selector:
        connection = cr._cnx
        # LISTEN takes effect at once in autocommit (no transaction to commit on this
        # connection of its own); the pool gets the connection back as it lent it
        connection.autocommit = True
        try:
            cr.execute("listen imbus")
            selector.register(connection, selectors.EVENT_READ)
            while not bus_models.stop_event.is_set():
                if not selector.select(bus_models.TIMEOUT):
                    continue
                connection.poll()
                notified = []
                while connection.notifies:
                    notified.extend(json.loads(connection.notifies.pop().payload))
                relay(self, notified)
        finally:
            connection.autocommit = False


# ------------------------------------------------------------ the websocket
def _init(self, *args, **kwargs):
    self._ihospital_pending = deque()  # FULL / PRIVATE / SHARED, appended by the dispatcher
    _odoo["Websocket.__init__"](self, *args, **kwargs)


def _trigger_notification_dispatching(self, channels=None):
    """`channels`: the notified ones (from relay()); None (Odoo's callers: a
    subscription) means all of them."""
    if channels is None or not shared_fetch_enabled():
        kinds = (FULL,)
    else:
        kinds = {SHARED if is_shared(channel) else PRIVATE for channel in channels}
    pending = getattr(self, "_ihospital_pending", None)
    if pending is not None:
        pending.extend(kinds)
    _odoo["Websocket.trigger_notification_dispatching"](self)


def _take_pending(self):
    kinds = set()
    pending = getattr(self, "_ihospital_pending", None) or deque()
    while True:
        try:
            kinds.add(pending.popleft())
        except IndexError:
            return kinds


def _dispatch_bus_notifications(self):
    if not shared_fetch_enabled():
        _take_pending(self)
        return _odoo["Websocket._dispatch_bus_notifications"](self)
    # mark the wake-up as processed first: a NOTIFY relayed from now on wakes us again
    self._Websocket__notif_sock_r.recv(1)
    kinds = _take_pending(self)
    full = FULL in kinds
    notifications = []
    if full or PRIVATE in kinds:
        channels = self._channels if full else {c for c in self._channels if not is_shared(c)}
        if channels:
            notifications = _poll_own(self, channels)
    if SHARED in kinds and not full:
        notifications += feed(self._db).notifications_for(self)
    if notifications:
        _send_notifications(self, notifications)


def _stored_session(websocket):
    return root.session_store.get(websocket._session.sid)


def _poll_own(self, channels):
    """Odoo's way, for the private channels: session checked, own cursor."""
    session = _stored_session(self)
    if not session:
        raise SessionExpiredException()
    with bus_websocket.acquire_cursor(session.db) as cr:
        env = api.Environment(cr, session.uid, dict(session.context, lang=None))
        if session.uid is not None and not check_session(session, env):
            raise SessionExpiredException()
        return env["bus.bus"]._poll(channels, self._last_notif_sent_id, [n[0] for n in self._notif_history])


def _send_notifications(self, notifications):
    """Record what is sent (Odoo's last id held back by the history) and send it, by id."""
    notifications.sort(key=lambda notification: notification["id"])
    now = time.time()
    for notification in notifications:
        bisect.insort(self._notif_history, (notification["id"], now), key=lambda entry: entry[0])
    expired = 0
    for _notif_id, sent_at in self._notif_history:
        if now - sent_at <= self.MAX_NOTIFICATION_HISTORY_SEC:
            break
        expired += 1
    if expired:
        self._last_notif_sent_id = self._notif_history[expired - 1][0]
        self._notif_history = self._notif_history[expired:]
    self._send(notifications)


# -------------------------------------------------------------- the pool
_pool_freed = threading.Condition()


def _borrow(self, connection_info):
    wait = pool_wait_seconds()
    if not wait:
        return _odoo["ConnectionPool.borrow"](self, connection_info)
    deadline = time.monotonic() + wait
    while True:
        try:
            return _odoo["ConnectionPool.borrow"](self, connection_info)
        except PoolError:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise
            with _pool_freed:
                _pool_freed.wait(min(remaining, 0.25))


def _give_back(self, connection, keep_in_pool=True):
    try:
        return _odoo["ConnectionPool.give_back"](self, connection, keep_in_pool=keep_in_pool)
    finally:
        with _pool_freed:
            _pool_freed.notify()


# ------------------------------------------------------------ installing
_odoo = {}
_PATCHES = (
    (ImDispatch, "loop", _loop),
    (Websocket, "__init__", _init),
    (Websocket, "trigger_notification_dispatching", _trigger_notification_dispatching),
    (Websocket, "_dispatch_bus_notifications", _dispatch_bus_notifications),
    (ConnectionPool, "borrow", _borrow),
    (ConnectionPool, "give_back", _give_back),
)


def install():
    """Apply the patches once (idempotent); Odoo's methods stay in `_odoo`."""
    for cls, name, function in _PATCHES:
        key = f"{cls.__name__}.{name}"
        current = cls.__dict__[name]
        if getattr(current, "_ihospital_fanout", False):
            continue
        _odoo[key] = current
        function._ihospital_fanout = True
        function.__name__ = name
        function.__doc__ = function.__doc__ or getattr(current, "__doc__", None)
        setattr(cls, name, function)


install()
