import json
import socket
from types import SimpleNamespace
from unittest.mock import patch

from odoo.addons.bus.models.bus import ImDispatch, channel_with_db, dispatch, hashable
from odoo.addons.bus.tests.common import WebsocketCase
from odoo.addons.bus.websocket import Websocket
from odoo.addons.ihospital_base import bus_fanout
from odoo.tests import TransactionCase, tagged
from odoo.tools import config

from .common import queue_today


class RecordingWebsocket(Websocket):
    """A server-side websocket whose client is a socket pair: what it sends is recorded."""

    def __init__(self, db, uid=None):
        self._client, server = socket.socketpair()
        super().__init__(server, SimpleNamespace(sid=f"sid-{id(self)}", db=db, uid=uid, context={}), {})
        self.received = []

    def _send(self, message):
        self.received.extend(message)

    def close_sockets(self):
        self._Websocket__selector.close()
        for sock in (
            self._client,
            self._Websocket__socket,
            self._Websocket__notif_sock_r,
            self._Websocket__notif_sock_w,
        ):
            sock.close()


@tagged("post_install", "-at_install")
class TestBusFanout(TransactionCase):
    """Simulated watchers: the dispatcher's relay and each websocket's dispatch
    run in the test's thread, on the test's transaction."""

    WATCHERS = 40

    def setUp(self):
        super().setUp()
        self.registry.enter_test_mode(self.cr)
        self.addCleanup(self.registry.leave_test_mode)
        bus_fanout._feeds.pop(self.cr.dbname, None)
        self.addCleanup(bus_fanout._feeds.pop, self.cr.dbname, None)
        self.dispatcher = ImDispatch()
        self.department = self.env.ref("ihospital_base.hr_department_cardiology_demo")
        self.queue = f"ihospital_queue_department_{self.department.id}"
        self.public_group = self.env.ref("base.group_public")
        self.polls = 0
        self.cursors = 0
        poll = type(self.env["bus.bus"])._poll
        acquire = bus_fanout.bus_websocket.acquire_cursor

        def counted_poll(model, *args, **kwargs):
            self.polls += 1
            return poll(model, *args, **kwargs)

        def counted_acquire(db):
            self.cursors += 1
            return acquire(db)

        self.patch(type(self.env["bus.bus"]), "_poll", counted_poll)
        self.patch(bus_fanout.bus_websocket, "acquire_cursor", counted_acquire)
        self.patch(bus_fanout, "_stored_session", lambda websocket: websocket._session)
        self.session_checks = 0

        def counted_check(session, env):
            self.session_checks += 1
            return True

        self.patch(bus_fanout, "check_session", counted_check)

    def _channel(self, name):
        return hashable(channel_with_db(self.cr.dbname, name))

    def _watcher(self, *names, uid=None, last=None):
        """A websocket subscribed as an anonymous visitor's is (the queue
        channel, `broadcast`, the public group) plus `names`, after the
        dispatch of its subscription."""
        websocket = RecordingWebsocket(self.cr.dbname, uid=uid)
        self.addCleanup(websocket.close_sockets)
        channels = {self._channel(self.queue), self._channel("broadcast"), self._channel(self.public_group)}
        channels |= {self._channel(name) for name in names}
        for channel in channels:
            self.dispatcher._channels_to_ws.setdefault(channel, set()).add(websocket)
        websocket.subscribe(channels, self.env["bus.bus"]._bus_last_id() if last is None else last)
        websocket._dispatch_bus_notifications()
        return websocket

    def _send(self, channel, number):
        self.env["bus.bus"]._sendone(channel, "ihospital_queue/update", {"number": number})
        self.env.cr.precommit.run()  # the bus rows, as at commit
        return self.env["bus.bus"]._bus_last_id()

    def _deliver(self, websockets, *channels):
        """The NOTIFY of `channels`, then the websockets woken do their dispatch."""
        self.polls = self.cursors = 0
        bus_fanout.relay(self.dispatcher, [list(self._channel(c)) for c in channels])
        for websocket in websockets:
            if websocket._ihospital_pending:
                websocket._dispatch_bus_notifications()

    def test_watchers_share_one_fetch_per_event(self):
        watchers = [self._watcher() for _n in range(self.WATCHERS)]
        self.assertTrue(all(w.received == [] for w in watchers))
        sent = []
        for number in range(3):
            sent.append(self._send(self.queue, number))
            self._deliver(watchers, self.queue)
            # one query for all the watchers, no session read, no poll of their own
            self.assertEqual((self.cursors, self.polls), (1, 0))
        for watcher in watchers:
            self.assertEqual([n["id"] for n in watcher.received], sent)
            self.assertEqual([n["message"]["payload"]["number"] for n in watcher.received], [0, 1, 2])
        # woken again without anything new: nothing sent twice
        self._deliver(watchers, self.queue)
        self.assertTrue(all(len(w.received) == 3 for w in watchers))

    def test_a_burst_of_events_is_one_fetch(self):
        watchers = [self._watcher() for _n in range(self.WATCHERS)]
        sent = [self._send(self.queue, number) for number in range(4)]
        self._deliver(watchers, self.queue, self.queue, self.queue, self.queue)
        self.assertEqual((self.cursors, self.polls), (1, 0))
        for watcher in watchers:
            self.assertEqual([n["id"] for n in watcher.received], sent)

    def test_private_channels_are_polled_by_their_websocket_only_when_notified(self):
        watchers = [self._watcher() for _n in range(self.WATCHERS)]
        staff = self._watcher("ihospital_test_private", uid=self.env.ref("base.user_admin").id)
        everyone = [*watchers, staff]
        self.session_checks = 0
        private = self._send("ihospital_test_private", 1)
        self._deliver(everyone, "ihospital_test_private")
        # only the websocket of the private channel polls, its session checked
        self.assertEqual((self.cursors, self.polls, self.session_checks), (1, 1, 1))
        self.assertEqual([n["id"] for n in staff.received], [private])
        self.assertTrue(all(w.received == [] for w in watchers))
        # a queue event: one fetch, the staff's websocket does not poll
        queue = self._send(self.queue, 2)
        self._deliver(everyone, self.queue)
        self.assertEqual((self.cursors, self.polls, self.session_checks), (1, 0, 1))
        # both at once: in id order, each once
        both = [self._send("ihospital_test_private", 3), self._send(self.queue, 4)]
        self._deliver(everyone, "ihospital_test_private", self.queue)
        self.assertEqual((self.cursors, self.polls), (2, 1))
        self.assertEqual([n["id"] for n in staff.received], [private, queue, *both])
        for watcher in watchers:
            self.assertEqual([n["id"] for n in watcher.received], [queue, both[1]])

    def test_a_row_committed_late_is_delivered_once(self):
        watchers = [self._watcher() for _n in range(3)]
        early = self._send(self.queue, 1)
        later = self._send(self.queue, 2)
        # the row `early` belongs to a transaction still running: not there yet
        row = self.env["bus.bus"].browse(early)
        values = {"channel": row.channel, "message": row.message}
        row.unlink()
        self._deliver(watchers, self.queue)
        self.assertTrue(all([n["id"] for n in w.received] == [later] for w in watchers))
        self.env.cr.execute(
            "INSERT INTO bus_bus (id, channel, message, create_date) VALUES (%s, %s, %s, now() AT TIME ZONE 'UTC')",
            [early, values["channel"], values["message"]],
        )
        self._deliver(watchers, self.queue)
        self._deliver(watchers, self.queue)
        for watcher in watchers:
            self.assertEqual([n["id"] for n in watcher.received], [later, early])

    def test_a_new_watcher_gets_only_what_follows(self):
        first = self._watcher()
        before = self._send(self.queue, 1)
        self._deliver([first], self.queue)
        second = self._watcher(last=0)  # its subscription's own poll sends the recent rows, as Odoo does
        self.assertEqual([n["id"] for n in second.received], [before])
        after = self._send(self.queue, 2)
        self._deliver([first, second], self.queue)
        self.assertEqual([n["id"] for n in first.received], [before, after])
        self.assertEqual([n["id"] for n in second.received], [before, after])

    def test_option_off_restores_odoo_polling(self):
        watchers = [self._watcher() for _n in range(self.WATCHERS)]
        with patch.dict(config.options, {bus_fanout.OPTION_SHARED_FETCH: False}):
            self.assertFalse(bus_fanout.shared_fetch_enabled())
            sent = self._send(self.queue, 1)
            # Odoo's own dispatch reads the session from the store
            anonymous = SimpleNamespace(db=self.cr.dbname, uid=None, context={})
            with patch.object(bus_fanout.root.session_store, "get", lambda sid: anonymous):
                self._deliver(watchers, self.queue)
            self.assertEqual((self.cursors, self.polls), (self.WATCHERS, self.WATCHERS))
        for watcher in watchers:
            self.assertEqual([n["id"] for n in watcher.received], [sent])

    def test_option_values(self):
        for value, expected in ((None, True), ("False", False), (False, False), ("0", False), ("True", True)):
            with patch.dict(config.options, {bus_fanout.OPTION_SHARED_FETCH: value}):
                self.assertEqual(bus_fanout.shared_fetch_enabled(), expected, value)

    def test_patches_applied_once(self):
        bus_fanout.install()
        self.assertIs(Websocket._dispatch_bus_notifications, bus_fanout._dispatch_bus_notifications)
        self.assertIsNot(
            bus_fanout._odoo["Websocket._dispatch_bus_notifications"], Websocket._dispatch_bus_notifications
        )
        self.assertTrue(bus_fanout.is_shared((self.cr.dbname, self.queue)))
        self.assertFalse(bus_fanout.is_shared((self.cr.dbname, "broadcast")))
        self.assertFalse(bus_fanout.is_shared((self.cr.dbname, "res.partner", 3)))


@tagged("post_install", "-at_install")
class TestBusFanoutWebsocket(WebsocketCase):
    """Real websockets: an anonymous waiting-room screen and a patient's "my
    queue" both hear the nurse call the next patient."""

    def setUp(self):
        super().setUp()
        bus_fanout._feeds.pop(self.env.cr.dbname, None)
        self.department = self.env.ref("ihospital_base.hr_department_cardiology_demo")
        patient = self.env["ihospital.patient"].search([("company_id", "=", self.department.company_id.id)], limit=1)
        self.schedule = queue_today(self.env, "FAN-1", patient)

    def _updates(self, websocket):
        return [n["message"] for n in json.loads(websocket.recv()) if n["message"]["type"] == "ihospital_queue/update"]

    def test_screen_and_my_queue_hear_call_next(self):
        screen_channel = f"ihospital_queue_department_{self.department.id}"
        my_queue_channel = f"ihospital_queue_schedule_{self.schedule.id}"
        screen = self.websocket_connect()  # anonymous
        self.subscribe(screen, [screen_channel], self.env["bus.bus"]._bus_last_id())
        session = self.authenticate("patient", "patient")
        my_queue = self.websocket_connect(cookie=f"session_id={session.sid}")
        self.subscribe(my_queue, [my_queue_channel], self.env["bus.bus"]._bus_last_id())

        self.schedule.with_user(self.env.ref("ihospital_base.user_nurse_demo")).action_call_next()
        self.env.cr.precommit.run()
        fetches = bus_fanout.feed(self.env.cr.dbname).fetches
        bus_fanout.relay(
            dispatch, [list(channel_with_db(self.env.cr.dbname, c)) for c in (screen_channel, my_queue_channel)]
        )
        for websocket in (screen, my_queue):
            (update,) = self._updates(websocket)
            self.assertEqual(update["payload"]["schedule_id"], self.schedule.id)
            self.assertEqual(update["payload"]["current_number"], 1)
        self.assertEqual(bus_fanout.feed(self.env.cr.dbname).fetches, fetches + 1)
