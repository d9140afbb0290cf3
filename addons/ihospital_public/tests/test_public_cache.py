import importlib.util
import re
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from odoo.addons.ihospital_base.http_cache import SIGNED_IN_COOKIE
from odoo.addons.ihospital_base.models import ir_http as ihospital_ir_http
from odoo.addons.ihospital_base.tests.common import queue_today
from odoo.tests import HttpCase, tagged
from odoo.tests.common import TEST_CURSOR_COOKIE_NAME, Opener

# a CSRF token as Odoo renders it: hmac-sha1 hex, "o", expiry timestamp
CSRF_TOKEN = re.compile(r"[0-9a-f]{40}o[0-9]{9,}")
CACHE_CFG = Path(__file__).resolve().parents[3] / "deploy" / "haproxy" / "cache.cfg"
RENDER_HAPROXY = Path(__file__).resolve().parents[3] / "tools" / "render_haproxy.py"
HAPROXY = "/usr/sbin/haproxy"
# a browser of the demo website's default language (zh_CN)
BROWSER = {"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.8"}


class PublicCacheCase(HttpCase):
    """The demo hospital's public pages, its cardiology with a clinic today."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.department = cls.env.ref("ihospital_base.hr_department_cardiology_demo")
        cls.doctor = cls.env.ref("ihospital_base.hr_employee_cardiology_3_demo")
        hospital = cls.department.company_id
        patients = cls.env["ihospital.patient"].search(
            [("company_id", "=", hospital.id), ("account_ids", "=", False)], limit=2
        )
        cls.schedule = queue_today(cls.env, "C-1", patients)
        cls.portal_user = cls.env.ref("ihospital_base.user_patient_demo")
        my_patient = (
            cls.env["ihospital.patient.account"]
            .search([("user_id", "=", cls.portal_user.id), ("relation", "=", "self")])
            .patient_id
        )
        cls.my_appointment = cls.env["ihospital.appointment"].create(
            {
                "company_id": hospital.id,
                "patient_id": my_patient.id,
                "schedule_id": cls.schedule.id,
                "slot_id": cls.schedule.slot_ids[3].id,
                "state": "booked",
                "channel": "portal",
            }
        )

    def public_urls(self):
        slug = self.env["ir.http"]._slug
        return [
            "/hospital",
            "/departments",
            "/booking",
            f"/departments/{slug(self.department)}",
            "/doctors",
            f"/doctors/{slug(self.doctor)}",
            f"/doctors/{self.doctor.id}/avatar",
            "/guide",
            "/phones",
            "/navigation",
            f"/ihospital/queue/{self.department.id}",
            f"/ihospital/queue/{self.department.id}/state",
        ]

    def visitor(self):
        """A new anonymous browser: no cookie but the test's own."""
        opener = Opener(self.cr)
        opener.cookies[TEST_CURSOR_COOKIE_NAME] = self.opener.cookies[TEST_CURSOR_COOKIE_NAME]
        opener.headers.update(BROWSER)
        return opener

    def get(self, opener, url, **kwargs):
        kwargs.setdefault("allow_redirects", False)
        kwargs.setdefault("timeout", 60)
        return opener.get(self.base_url() + url, **kwargs)

    def assertShared(self, response, url):
        self.assertEqual(response.status_code, 200, url)
        self.assertRegex(response.headers.get("Cache-Control", ""), r"^public, max-age=[12]$", url)
        self.assertNotIn("Set-Cookie", response.headers, url)
        if response.headers["Content-Type"].startswith("text/html"):
            self.assertNotRegex(response.text, CSRF_TOKEN, f"{url}: a CSRF token in a shared page")

    def assertNotShared(self, response, url):
        self.assertNotIn("public", response.headers.get("Cache-Control", ""), url)


@tagged("post_install", "-at_install")
class TestPublicCacheHeaders(PublicCacheCase):
    def test_anonymous_responses_are_shared(self):
        for url in self.public_urls():
            # a first visit (no session yet), then a visitor with an anonymous session
            self.assertShared(self.get(self.visitor(), url), url)
        self.authenticate(None, None)
        self.opener.cookies["frontend_lang"] = "zh_CN"
        for url in self.public_urls():
            self.assertShared(self.get(self.opener, url, headers=BROWSER), url)
        page = self.get(self.visitor(), "/departments").text
        self.assertIn('csrf_token: ""', page)
        self.assertIn('href="/web/login"', page)  # the header of nobody

    def test_what_differs_between_visitors_is_never_shared(self):
        visitor = self.visitor()
        # a canonical redirect, a missing page, a POST, the debug mode
        slug = self.env["ir.http"]._slug(self.department)
        redirect = self.get(visitor, f"/departments/x-{self.department.id}")
        self.assertEqual(redirect.status_code, 301)
        self.assertEqual(redirect.headers["Cache-Control"], "no-store")
        missing = self.get(visitor, "/departments/x-999999")
        self.assertEqual(missing.status_code, 404)
        self.assertNotShared(missing, "404")
        self.assertNotShared(self.get(visitor, "/ihospital/queue/999999/state"), "404 state")
        debug = self.get(visitor, f"/departments/{slug}?debug=1")
        self.assertEqual(debug.headers["Cache-Control"], "no-store")
        # a cookie set on the visitor (utm) makes the page personal
        tracked = self.get(self.visitor(), "/departments?utm_source=poster")
        self.assertIn("Set-Cookie", tracked.headers)
        self.assertEqual(tracked.headers["Cache-Control"], "no-store")

    def test_language_comes_from_the_url(self):
        visitor = self.visitor()
        english = self.get(visitor, "/en/departments")
        self.assertShared(english, "/en/departments")
        self.assertIn('lang="en-US"', english.text)
        chinese = self.get(visitor, "/departments")
        self.assertShared(chinese, "/departments")
        self.assertIn('lang="zh-CN"', chinese.text)
        # a visitor who asked for English is sent to the English URL, never shared
        visitor.cookies["frontend_lang"] = "en_US"
        redirect = self.get(visitor, "/departments")
        self.assertIn(redirect.status_code, (302, 303))
        self.assertTrue(redirect.headers["Location"].endswith("/en/departments"))
        self.assertNotShared(redirect, "redirect")
        english_browser = self.get(self.visitor(), "/departments", headers={"Accept-Language": "en-US"})
        self.assertIn(english_browser.status_code, (302, 303))
        self.assertNotShared(english_browser, "redirect")
        # a visitor whose language cookie names another language than the URL's (a redirect
        # may have left the default there) has it corrected: that answer is not shared
        chinese_visitor = self.visitor()
        chinese_visitor.cookies["frontend_lang"] = "zh_CN"
        corrected = self.get(chinese_visitor, "/en/departments")
        self.assertEqual(corrected.status_code, 200)
        self.assertEqual(corrected.headers["Cache-Control"], "no-store")
        self.assertIn("frontend_lang=en_US", corrected.headers.get("Set-Cookie", ""))
        # the screen is not multilingual: in English it is this visitor's page only
        screen = self.get(visitor, f"/ihospital/queue/{self.department.id}")
        self.assertEqual(screen.status_code, 200)
        self.assertEqual(screen.headers["Cache-Control"], "no-store")

    def _check_signed_in(self, login):
        self.authenticate(login, login)
        self.opener.cookies["frontend_lang"] = "zh_CN"
        first = self.get(self.opener, "/departments")
        self.assertIn(f"{SIGNED_IN_COOKIE}=1", first.headers.get("Set-Cookie", ""))
        self.assertEqual(self.opener.cookies.get(SIGNED_IN_COOKIE), "1")
        for url in self.public_urls():
            response = self.get(self.opener, url)
            self.assertEqual(response.status_code, 200, url)
            self.assertEqual(response.headers["Cache-Control"], "no-store", url)
        page = self.get(self.opener, "/departments").text
        self.assertRegex(page, CSRF_TOKEN)
        # logging out removes the marker, the next page is shared again
        logout = self.get(self.opener, "/web/session/logout")
        self.assertRegex(logout.headers.get("Set-Cookie", ""), rf"{SIGNED_IN_COOKIE}=;.*(Max-Age=0|1970)")
        self.assertNotIn(SIGNED_IN_COOKIE, self.opener.cookies)
        self.opener.cookies["frontend_lang"] = "zh_CN"
        self.assertShared(self.get(self.opener, "/departments", headers=BROWSER), "after logout")

    def test_signed_in_portal_user_is_never_shared(self):
        self._check_signed_in("patient")

    def test_signed_in_staff_is_never_shared(self):
        self._check_signed_in("nurse")

    def test_my_queue_is_never_cacheable(self):
        url = f"/my/appointments/{self.my_appointment.id}/queue"
        anonymous = self.get(self.visitor(), url)
        self.assertNotShared(anonymous, url)
        self.authenticate("patient", "patient")
        mine = self.get(self.opener, url)
        self.assertEqual(mine.status_code, 200)
        self.assertEqual(mine.json()["state"], "booked")
        self.assertIn("no-store", mine.headers["Cache-Control"])
        self.assertIn("no-store", self.get(self.opener, "/my/home").headers["Cache-Control"])


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def haproxy_config(listen_port, odoo_port):
    """deploy/haproxy/cache.cfg in front of one Odoo (tools/render_haproxy.py)."""
    spec = importlib.util.spec_from_file_location("render_haproxy", RENDER_HAPROXY)
    render_haproxy = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(render_haproxy)
    return render_haproxy.single_node(listen_port, odoo_port)


class HaproxyCase(PublicCacheCase):
    """deploy/haproxy/cache.cfg really run in front of the test server."""

    def setUp(self):
        super().setUp()
        if not Path(HAPROXY).exists() and not shutil.which("haproxy"):
            self.fail("HAProxy is not installed (apt-get install haproxy): the cache rules cannot be tested")
        tmp = Path(tempfile.mkdtemp(prefix="ihospital-haproxy-"))
        self.addCleanup(shutil.rmtree, tmp, True)
        self.port = free_port()
        cfg = tmp / "haproxy.cfg"
        cfg.write_text(haproxy_config(self.port, self.http_port()))
        haproxy = Path(HAPROXY) if Path(HAPROXY).exists() else shutil.which("haproxy")
        check = subprocess.run([haproxy, "-c", "-q", "-f", cfg], capture_output=True, text=True, check=False)
        self.assertEqual(check.returncode, 0, f"HAProxy refuses {CACHE_CFG}: {check.stdout}{check.stderr}")
        process = subprocess.Popen([haproxy, "-db", "-f", cfg], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self.addCleanup(process.wait, 10)
        self.addCleanup(process.terminate)
        deadline = time.time() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                break
            except OSError:
                if process.poll() is not None or time.time() > deadline:
                    self.fail(f"HAProxy did not start: {process.stderr.read().decode()}")
                time.sleep(0.05)

    def via_proxy(self, opener, url, **kwargs):
        return opener.get(f"http://127.0.0.1:{self.port}{url}", allow_redirects=False, timeout=60, **kwargs)


@tagged("post_install", "-at_install")
class TestHaproxyCache(HaproxyCase):
    def test_anonymous_hit_signed_in_miss(self):
        url = "/departments"  # shared 2 s: the second request comes well within that
        first = self.via_proxy(self.visitor(), url)
        self.assertEqual((first.status_code, first.headers["X-Cache-Status"]), (200, "MISS"))
        second = self.via_proxy(self.visitor(), url)
        self.assertEqual(second.headers["X-Cache-Status"], "HIT")
        self.assertEqual(second.text, first.text)
        # the signed-in marker: past the cache, to the personal page
        self.authenticate("patient", "patient")
        self.opener.cookies["frontend_lang"] = "zh_CN"
        self.get(self.opener, f"/ihospital/queue/{self.department.id}/state")  # Odoo sets the marker
        self.assertEqual(self.opener.cookies.get(SIGNED_IN_COOKIE), "1")
        mine = self.via_proxy(self.opener, url, headers=BROWSER)
        self.assertEqual((mine.status_code, mine.headers["X-Cache-Status"]), (200, "MISS"))
        self.assertIn(self.portal_user.name, mine.text)
        self.assertNotIn(self.portal_user.name, second.text)
        # and the personal page was not stored: the next anonymous visitor gets an anonymous page
        # (from the cache, or from Odoo if the shared copy expired meanwhile)
        again = self.via_proxy(self.visitor(), url)
        self.assertEqual(again.status_code, 200)
        self.assertNotIn(self.portal_user.name, again.text)
        # a language the proxy cannot tell Odoo would answer with: past the cache
        english = self.via_proxy(self.visitor(), url, headers={"Accept-Language": "en-US"})
        self.assertEqual(english.headers["X-Cache-Status"], "MISS")
        self.assertIn(english.status_code, (302, 303))

    def test_response_with_a_cookie_is_never_stored(self):
        # even if Odoo said public: a response that sets a cookie is not stored
        self.patch(
            ihospital_ir_http,
            "set_cache_control",
            lambda response, max_age: response.headers.__setitem__("Cache-Control", "public, max-age=2"),
        )
        url = "/departments?utm_source=poster"
        first = self.via_proxy(self.visitor(), url)
        self.assertEqual(first.headers["Cache-Control"], "public, max-age=2")
        self.assertIn("Set-Cookie", first.headers)
        second = self.via_proxy(self.visitor(), url)
        self.assertEqual(second.headers["X-Cache-Status"], "MISS")
        self.assertIn("Set-Cookie", second.headers)

    def test_state_is_fresh_within_two_seconds(self):
        url = f"/ihospital/queue/{self.department.id}/state?room=C-1"
        visitor = self.visitor()
        self.assertEqual(self.via_proxy(visitor, url).headers["X-Cache-Status"], "MISS")
        cached = self.via_proxy(visitor, url)
        self.assertEqual(cached.headers["X-Cache-Status"], "HIT")
        self.assertEqual(cached.json()[0]["current_number"], 0)
        self.schedule.action_call_next()
        started = time.monotonic()
        while self.via_proxy(visitor, url).json()[0]["current_number"] != 1:
            self.assertLess(time.monotonic() - started, 2.5, "the queue state stayed stale for more than 2 s")
            time.sleep(0.1)
