from odoo.addons.ihospital_base.http_cache import SIGNED_IN_COOKIE, shared_cache
from odoo.tests import HttpCase, tagged
from odoo.tests.common import TEST_CURSOR_COOKIE_NAME, Opener


@tagged("post_install", "-at_install")
class TestHttpCache(HttpCase):
    """The queue state the screens poll: shared for anonymous screens only;
    the signed-in marker cookie."""

    def setUp(self):
        super().setUp()
        self.department = self.env.ref("ihospital_base.hr_department_cardiology_demo")
        self.url = f"{self.base_url()}/ihospital/queue/{self.department.id}/state"

    def test_anonymous_screen_is_shared(self):
        screen = Opener(self.cr)
        screen.cookies[TEST_CURSOR_COOKIE_NAME] = self.opener.cookies[TEST_CURSOR_COOKIE_NAME]
        response = screen.get(self.url, timeout=60)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.headers["Cache-Control"], "public, max-age=1")
        # no session is opened for it: nothing of this screen's is stored or sent
        self.assertNotIn("Set-Cookie", response.headers)
        self.assertFalse(screen.cookies.get("session_id"))
        # a HEAD is shared the same way, a missing department is not
        self.assertEqual(screen.head(self.url, timeout=60).headers["Cache-Control"], "public, max-age=1")
        missing = screen.get(f"{self.base_url()}/ihospital/queue/999999/state", timeout=60)
        self.assertEqual((missing.status_code, missing.headers.get("Cache-Control")), (404, "no-store"))

    def test_signed_in_staff_is_marked_and_never_shared(self):
        self.authenticate("nurse", "nurse")
        response = self.url_open(self.url)
        self.assertEqual(response.headers["Cache-Control"], "no-store")
        self.assertEqual(self.opener.cookies.get(SIGNED_IN_COOKIE), "1")
        self.assertRegex(response.headers["Set-Cookie"], rf"{SIGNED_IN_COOKIE}=1;.*HttpOnly")
        # set once: the next response does not set it again
        self.assertNotIn(SIGNED_IN_COOKIE, self.url_open(self.url).headers.get("Set-Cookie", ""))
        self.url_open("/web/session/logout", allow_redirects=False)
        self.assertNotIn(SIGNED_IN_COOKIE, self.opener.cookies)
        self.assertEqual(self.url_open(self.url).headers["Cache-Control"], "public, max-age=1")

    def test_stale_marker_of_an_anonymous_visitor_is_removed(self):
        self.opener.cookies[SIGNED_IN_COOKIE] = "1"
        response = self.url_open(self.url)
        self.assertIn(f"{SIGNED_IN_COOKIE}=;", response.headers["Set-Cookie"])
        self.assertEqual(response.headers["Cache-Control"], "no-store")

    def test_max_age_is_a_second_or_two(self):
        with self.assertRaises(ValueError):
            shared_cache(max_age=60)
