"""Review of issue 17: attacks on the shared cache of public reads and on the
bus fan-out, each as the attacker's role over HTTP or a real websocket."""

import struct
import time

from odoo import fields
from odoo.addons.bus.models.bus import channel_with_db, dispatch
from odoo.addons.bus.tests.common import WebsocketCase
from odoo.addons.bus.websocket import CloseCode
from odoo.addons.ihospital_base import bus_fanout
from odoo.addons.ihospital_base.http_cache import SIGNED_IN_COOKIE
from odoo.addons.ihospital_base.models import ir_http as ihospital_ir_http
from odoo.addons.ihospital_base.models import ir_websocket
from odoo.http import root
from odoo.tests import tagged

from .test_public_cache import BROWSER, CSRF_TOKEN, HaproxyCase, PublicCacheCase


@tagged("post_install", "-at_install")
class TestQueueChannelAttacks(WebsocketCase):
    """An anonymous websocket names queue channels of its own making."""

    def setUp(self):
        super().setUp()
        bus_fanout._feeds.pop(self.env.cr.dbname, None)
        self.department = self.env.ref("ihospital_base.hr_department_cardiology_demo")
        hospital = self.department.company_id
        today = fields.Date.context_today(self.env["res.company"].with_context(tz=hospital.hospital_tz))
        self.schedule = self.env["ihospital.schedule"].create(
            {
                "company_id": hospital.id,
                "department_id": self.department.id,
                "doctor_id": self.env.ref("ihospital_base.hr_employee_cardiology_3_demo").id,
                "date": today,
                "session": "evening",
                "capacity": 5,
                "room": "ATK-1",
            }
        )
        self.schedule.action_publish()

    def _subscribed(self):
        """The queue channels of this database the dispatcher holds."""
        db = self.env.cr.dbname
        return {c[1] for c in dispatch._channels_to_ws if c[0] == db and bus_fanout.is_shared(c)}

    def test_aliases_of_a_queue_channel_are_refused(self):
        """`ihospital_queue_department_05`, `_005`, ... name the same department:
        each would be one more distinct channel (unbounded) that the shared
        feed's fetch carries in its query on every queue event."""
        before = self._subscribed()
        screen = self.websocket_connect()  # anonymous
        canonical = f"ihospital_queue_department_{self.department.id}"
        aliases = [f"ihospital_queue_department_{'0' * n}{self.department.id}" for n in range(1, 30)]
        aliases += [f"ihospital_queue_schedule_{'0' * n}{self.schedule.id}" for n in range(1, 30)]
        aliases += [
            "ihospital_queue_department_٣",  # an Arabic-Indic 3, int() reads it
            f"ihospital_queue_department_{self.department.id}\n",
            "ihospital_queue_department_99999999999",  # beyond PostgreSQL's integers: the check would fail
        ]
        self.subscribe(screen, [canonical, *aliases], self.env["bus.bus"]._bus_last_id())
        self.assertEqual(self._subscribed() - before, {canonical})

    def test_one_subscription_cannot_name_every_clinic(self):
        """A subscription is checked channel by channel (queries) and each
        kept channel weighs on every shared fetch: a screen or "my queue"
        needs a few, an attacker would name thousands."""
        hospital = self.department.company_id
        schedules = self.env["ihospital.schedule"].search(
            [("company_id", "=", hospital.id), ("state", "=", "published")]
        )
        names = [f"ihospital_queue_schedule_{s.id}" for s in schedules]
        names += [f"ihospital_queue_department_{d}" for d in range(1, 400)]
        self.assertGreater(len(names), ir_websocket.MAX_QUEUE_CHANNELS)
        before = self._subscribed()
        screen = self.websocket_connect()
        websocket_model = self.env["ir.websocket"].with_user(self.env.ref("base.public_user"))
        self.env.invalidate_all()
        with self.assertQueryCount(4):  # set-based: not one query per channel
            allowed = websocket_model._ihospital_allowed_queue_channels(names)
        self.assertLessEqual(len(allowed), ir_websocket.MAX_QUEUE_CHANNELS)
        self.subscribe(screen, names, self.env["bus.bus"]._bus_last_id())
        self.assertLessEqual(len(self._subscribed() - before), ir_websocket.MAX_QUEUE_CHANNELS)
        # the screen's own channel still works
        mine = f"ihospital_queue_department_{self.department.id}"
        other = self.websocket_connect()
        self.subscribe(other, [mine], self.env["bus.bus"]._bus_last_id())
        self.assertIn(mine, self._subscribed())

    def test_a_signed_out_websocket_gets_no_private_row(self):
        """The patient signs out in another tab: a queue event and a private
        notification wake the websocket together; the private rows are not
        sent, the websocket is closed as Odoo closes it."""
        db = self.env.cr.dbname
        queue = f"ihospital_queue_department_{self.department.id}"
        session = self.authenticate("patient", "patient")
        websocket = self.websocket_connect(cookie=f"session_id={session.sid}")
        self.subscribe(websocket, [queue], self.env["bus.bus"]._bus_last_id())
        partner = self.env.ref("ihospital_base.user_patient_demo").partner_id
        self.assertEqual(self.url_open("/web/session/logout", allow_redirects=False).status_code, 303)
        self.env["bus.bus"]._sendone(partner, "review17/secret", {"secret": "private"})
        self.schedule.with_user(self.env.ref("ihospital_base.user_nurse_demo")).sudo()._notify_queue()
        self.env.cr.precommit.run()
        bus_fanout.relay(dispatch, [list(channel_with_db(db, c)) for c in (queue, partner)])
        while True:
            opcode, payload = websocket.recv_data()
            if opcode == 8:  # close
                self.assertEqual(struct.unpack("!H", payload[:2])[0], CloseCode.SESSION_EXPIRED)
                break
            self.assertNotIn(b"review17/secret", payload)


@tagged("post_install", "-at_install")
class TestSignedInMarkerAttacks(PublicCacheCase):
    def test_marker_lives_as_long_as_the_session_cookie(self):
        """Odoo sends the session cookie again (a new expiry) whenever the
        session changes; the marker set once at sign-in would expire first
        and the proxy would then answer the signed-in visitor from its cache."""
        session = self.authenticate("nurse", "nurse")
        self.opener.cookies["frontend_lang"] = "zh_CN"
        self.get(self.opener, "/departments")
        self.assertEqual(self.opener.cookies.get(SIGNED_IN_COOKIE), "1")
        # a request that changes the session: the idle timer is written again after a minute
        sess = root.session_store.get(session.sid)
        sess["ihospital_last_seen"] = time.time() - 120
        root.session_store.save(sess)
        cookies = self.get(self.opener, "/departments").headers.get("Set-Cookie", "")
        self.assertIn("session_id=", cookies)
        self.assertIn(f"{SIGNED_IN_COOKIE}=1", cookies, "the session cookie was renewed, not the marker")


@tagged("post_install", "-at_install")
class TestProxyCacheAttacks(HaproxyCase):
    """Requests crafted to make the proxy store a copy that differs from what
    every anonymous visitor gets."""

    def test_a_head_request_does_not_store_an_empty_page(self):
        url = "/departments?review=head"
        head = self.visitor().head(f"http://127.0.0.1:{self.port}{url}", allow_redirects=False, timeout=60)
        self.assertEqual(head.status_code, 200)
        page = self.via_proxy(self.visitor(), url)
        self.assertEqual(page.status_code, 200)
        self.assertIn('lang="zh-CN"', page.text)

    def test_what_the_proxy_and_odoo_read_differently_is_not_stored(self):
        """HAProxy reads the last frontend_lang cookie and the first language
        of Accept-Language, Odoo the first cookie and the best language: the
        attacker's page is redirected or not shared, never stored."""
        url = f"/ihospital/queue/{self.department.id}?review=lang"
        crafted = [
            {"Cookie": "frontend_lang=en_US; frontend_lang=zh_CN", "Accept-Language": "zh-CN"},
            {"Accept-Language": "zh-CN;q=0.1, en-US;q=0.9"},
        ]
        for headers in crafted:
            for path in (url, "/departments?review=lang"):
                self.via_proxy(self.visitor(), path, headers=headers)
                honest = self.via_proxy(self.visitor(), path)
                self.assertEqual(honest.status_code, 200, (headers, path))
                self.assertIn('lang="zh-CN"', honest.text, (headers, path))

    def test_a_get_with_a_body_does_not_poison_the_page(self):
        """Odoo reads a GET's form body as parameters (search=...), the proxy
        keys its copies on the URL: the attacker's page must not become the
        page of /departments for everyone."""
        url = "/departments?review=body"
        for body in ({"search": "ZZPOISONZZ"}, {"category": "surgical", "search": "ZZPOISONZZ"}):
            poisoned = self.via_proxy(self.visitor(), url, data=body)
            self.assertIn("ZZPOISONZZ", poisoned.text)  # Odoo did read it
            self.assertNotIn("public", poisoned.headers.get("Cache-Control", ""))
            honest = self.via_proxy(self.visitor(), url)
            self.assertEqual(honest.status_code, 200)
            self.assertNotIn("ZZPOISONZZ", honest.text)
        # the proxy keeps it out too, even if Odoo said public
        self.patch(
            ihospital_ir_http,
            "set_cache_control",
            lambda response, max_age: response.headers.__setitem__("Cache-Control", "public, max-age=2"),
        )
        url = "/departments?review=body-proxy"
        poisoned = self.via_proxy(self.visitor(), url, data={"search": "ZZPOISONZZ"})
        self.assertEqual(poisoned.headers["Cache-Control"], "public, max-age=2")
        self.assertNotIn("ZZPOISONZZ", self.via_proxy(self.visitor(), url).text)
        # and a request with a body is not answered from the cache
        self.assertEqual(self.via_proxy(self.visitor(), url, data={"x": "1"}).headers["X-Cache-Status"], "MISS")

    def test_a_signed_in_session_never_stores_its_page(self):
        """The patient drops the marker: Odoo answers no-store and sets the
        marker again, the page is not stored for the next visitor."""
        self.authenticate("patient", "patient")
        self.opener.cookies["frontend_lang"] = "zh_CN"
        url = "/departments?review=signed-in"
        mine = self.via_proxy(self.opener, url, headers=BROWSER)
        self.assertIn(self.portal_user.name, mine.text)
        self.assertIn(f"{SIGNED_IN_COOKIE}=1", mine.headers.get("Set-Cookie", ""))
        self.assertEqual(mine.headers["Cache-Control"], "no-store")
        anonymous = self.via_proxy(self.visitor(), url)
        self.assertNotIn(self.portal_user.name, anonymous.text)


@tagged("post_install", "-at_install")
class TestSharedPageThenCsrf(PublicCacheCase):
    def test_sign_in_after_a_shared_page(self):
        """A shared page holds no CSRF token and sets no session: the login
        page it links to renders the visitor's own token, which is accepted."""
        visitor = self.visitor()
        shared = self.get(visitor, "/departments")
        self.assertShared(shared, "/departments")
        self.assertIn('href="/web/login"', shared.text)
        login_page = self.get(visitor, "/web/login")
        self.assertEqual(login_page.status_code, 200)
        self.assertNotIn("public", login_page.headers.get("Cache-Control", ""))
        token = CSRF_TOKEN.search(login_page.text).group(0)
        signed_in = visitor.post(
            self.base_url() + "/web/login",
            data={"login": "patient", "password": "patient", "csrf_token": token},
            allow_redirects=False,
            timeout=60,
        )
        self.assertIn(signed_in.status_code, (302, 303), signed_in.text[:500])
        self.assertEqual(visitor.cookies.get(SIGNED_IN_COOKIE), "1")
        # now signed in: the same page is personal
        mine = self.get(visitor, "/departments")
        self.assertEqual(mine.headers["Cache-Control"], "no-store")
        self.assertIn(self.portal_user.name, mine.text)
