"""Camera links (视频监控): who sees a camera, and its stream credentials,
which leave only through the logged route /ihospital/camera/<id>."""

import json

from odoo.addons.ihospital_analysis.models.ihospital_camera import url_with_credentials
from odoo.addons.ihospital_base.tests.common import IhospitalCase, RpcMixin
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, HttpCase, tagged

MODEL = "ihospital.camera"
USERNAME, PASSWORD = "viewer-7Qx", "s3cret-Pass-91"


class CameraCase(IhospitalCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Camera = cls.env[MODEL]
        cls.group_director = cls.env.ref("ihospital_base.group_director")
        cls.group_doctor = cls.env.ref("ihospital_base.group_doctor")
        cls.camera = Camera.create(
            {
                "name": "Emergency hall",
                "location": "Outpatient building, ground floor",
                "company_id": cls.hospital.id,
                "stream_url": "https://cams.example.org/emergency/index.m3u8",
                "rtsp_url": "rtsp://192.0.2.10:554/Streaming/Channels/101",
                "stream_username": USERNAME,
                "stream_password": PASSWORD,
                "group_ids": [(6, 0, cls.group_director.ids)],
            }
        )
        cls.camera_2 = Camera.create(
            {
                "name": "Community hall",
                "company_id": cls.hospital_2.id,
                "stream_url": "https://cams.example.org/community/index.m3u8",
                "group_ids": [(6, 0, cls.group_director.ids)],
            }
        )
        cls.user_director_2 = cls.env["res.users"].create(
            {
                "name": "t_director_2",
                "login": "t_director_2",
                "password": "t_director_2",
                "company_id": cls.hospital_2.id,
                "company_ids": [(6, 0, cls.hospital_2.ids)],
                "groups_id": [(6, 0, cls.group_director.ids)],
            }
        )


@tagged("post_install", "-at_install")
class TestCamera(CameraCase):
    def test_credentials_read_empty_and_are_stored(self):
        for user in (self.env.user, self.user_admin):
            camera = self.camera.with_user(user)
            values = camera.read(["stream_username", "stream_password", "stream_url", "has_credentials"])[0]
            self.assertFalse(values["stream_username"])
            self.assertFalse(values["stream_password"])
            self.assertTrue(values["has_credentials"])
            self.assertNotIn(PASSWORD, json.dumps(camera.export_data(["stream_password", "stream_username"])))
        # no domain can probe them
        with self.assertRaises(UserError):
            self.env[MODEL].search([("stream_password", "=", PASSWORD)])
        # the route's helper alone gets them
        stream = self.camera.with_user(self.user_director)._ihospital_open_stream()
        self.assertEqual(stream["rtsp_url"], f"rtsp://{USERNAME}:{PASSWORD}@192.0.2.10:554/Streaming/Channels/101")

    def test_only_the_administrators_set_credentials(self):
        with self.assertRaises(AccessError):
            self.camera.with_user(self.user_director).write({"stream_password": "other"})
        with self.assertRaises(AccessError):
            self.camera.with_user(self.user_director).action_forget_credentials()
        self.camera.with_user(self.user_admin).write({"stream_password": "changed"})
        stream = self.camera.with_user(self.user_admin)._ihospital_open_stream()
        self.assertIn(f"{USERNAME}:changed@", stream["rtsp_url"])
        # an empty value leaves what is stored (a form saved without typing)
        self.camera.with_user(self.user_admin).write({"stream_password": False, "name": "Emergency"})
        self.assertIn(":changed@", self.camera._ihospital_open_stream()["rtsp_url"])
        self.camera.with_user(self.user_admin).action_forget_credentials()
        self.assertFalse(self.camera.with_user(self.user_admin).has_credentials)
        self.assertEqual(self.camera._ihospital_open_stream()["rtsp_url"], self.camera.rtsp_url)

    def test_the_administrators_form(self):
        with Form(self.env[MODEL].with_user(self.user_admin)) as form:
            form.name = "Ward 5 corridor"
            form.stream_url = "https://cams.example.org/ward5/index.m3u8"
            form.stream_password = "typed-in-the-form"
            self.assertFalse(form.has_credentials)
        camera = form.record
        self.assertTrue(camera.with_user(self.user_admin).has_credentials)
        self.assertEqual(camera.company_id, self.hospital)
        self.assertEqual(camera.group_ids, self.group_director)
        with Form(camera.with_user(self.user_admin)) as form:
            self.assertTrue(form.has_credentials)
            self.assertFalse(form.stream_password)
            form.location = "5th floor"
        self.assertIn("typed-in-the-form", camera._ihospital_open_stream()["stream_url"])

    def test_who_sees_a_camera(self):
        Camera = self.env[MODEL]
        self.assertEqual(Camera.with_user(self.user_director).search([]), self.camera)
        self.assertEqual(Camera.with_user(self.user_admin).search([]), self.camera)
        self.assertEqual(Camera.with_user(self.user_director_2).search([]), self.camera_2)
        for user in (self.user_doctor, self.user_head, self.user_quality):
            self.assertFalse(Camera.with_user(user).search([]), user.login)
            with self.assertRaises(AccessError):
                self.camera.with_user(user).read(["name"])
        with self.assertRaises(AccessError):
            Camera.with_user(self.user_nurse).search([])
        # shown to doctors: department heads are doctors too
        self.camera.group_ids |= self.group_doctor
        self.assertEqual(Camera.with_user(self.user_doctor).search([]), self.camera)
        self.assertEqual(Camera.with_user(self.user_head).search([]), self.camera)
        self.assertFalse(Camera.with_user(self.user_quality).search([]))

    def test_dashboard_cameras(self):
        Camera = self.env[MODEL]
        self.assertEqual(Camera.with_user(self.user_nurse).get_dashboard_cameras(), [])
        self.assertEqual(Camera.with_user(self.user_doctor).get_dashboard_cameras(), [])
        self.assertEqual(
            Camera.with_user(self.user_director).get_dashboard_cameras(),
            [
                {
                    "id": self.camera.id,
                    "name": "Emergency hall",
                    "location": "Outpatient building, ground floor",
                    "kind": "hls",
                    "url": f"/ihospital/camera/{self.camera.id}",
                }
            ],
        )

    def test_the_dashboard_lists_the_cameras(self):
        Dashboard = self.env["ihospital.analysis.dashboard"]
        cameras = Dashboard.with_user(self.user_director).get_dashboard()["cameras"]
        self.assertEqual([camera["id"] for camera in cameras], self.camera.ids)
        self.assertEqual(
            Dashboard.with_user(self.user_director_2).get_dashboard()["cameras"][0]["id"], self.camera_2.id
        )
        self.assertEqual(Dashboard.with_user(self.user_quality).get_dashboard()["cameras"], [])

    def test_addresses_carry_no_credentials_and_roles_are_staff(self):
        with self.assertRaisesMsg(ValidationError, "in their own fields"):
            self.camera.rtsp_url = "rtsp://admin:12345@192.0.2.10/"
        with self.assertRaisesMsg(ValidationError, "must start with"):
            self.camera.stream_url = "javascript:alert(1)"
        with self.assertRaisesMsg(ValidationError, "directors, quality officers"):
            self.camera.group_ids |= self.env.ref("ihospital_base.group_nurse")
        with self.assertRaisesMsg(ValidationError, "stream address or an RTSP address"):
            self.env[MODEL].create({"name": "Nothing", "company_id": self.hospital.id})

    def test_url_with_credentials(self):
        self.assertEqual(url_with_credentials("rtsp://h:554/a", "u", "p@ss:/"), "rtsp://u:p%40ss%3A%2F@h:554/a")
        self.assertEqual(
            url_with_credentials("https://h/s.m3u8?token={password}", "u", "t k"), "https://h/s.m3u8?token=t%20k"
        )
        self.assertEqual(url_with_credentials("https://h/s.m3u8", "", ""), "https://h/s.m3u8")
        self.assertEqual(url_with_credentials("https://h/s.m3u8", "u", ""), "https://u@h/s.m3u8")


@tagged("post_install", "-at_install")
class TestCameraRpc(RpcMixin, HttpCase, CameraCase):
    """As a browser's console sends them: no reading method returns the
    credentials, to an administrator or anybody else; the route lets in,
    logs, and refuses."""

    def _calls(self):
        ids = [self.camera.id]
        spec = {"name": {}, "stream_username": {}, "stream_password": {}, "has_credentials": {}}
        return [
            ("read", [ids, ["stream_username", "stream_password", "name"]], {}),
            ("read", [ids], {}),
            ("search_read", [[]], {}),
            ("search_read", [[], ["stream_username", "stream_password"]], {}),
            ("web_read", [ids, spec], {}),
            ("web_search_read", [[]], {"specification": spec}),
            ("export_data", [ids, ["stream_username", "stream_password", "name"]], {}),
            ("read_group", [[], ["stream_password"], ["name"]], {}),
            ("read_group", [[], ["name"], ["stream_password"]], {}),
            ("web_read_group", [[], ["name"], ["name"]], {}),
            ("search", [[("stream_password", "=", PASSWORD)]], {}),
            ("search_count", [[("stream_username", "ilike", USERNAME[:3])]], {}),
            ("copy_data", [ids], {}),
            ("_ihospital_open_stream", [ids], {}),
        ]

    def test_no_rpc_read_returns_the_credentials(self):
        for login in ("admin", self.user_admin.login, self.user_director.login, self.user_doctor.login):
            self.authenticate(login, login)
            for method, args, kwargs in self._calls():
                with self.subTest(login=login, method=method):
                    result, error = self._call(MODEL, method, args, kwargs)
                    answer = json.dumps([result, error])
                    self.assertNotIn(PASSWORD, answer)
                    self.assertNotIn(USERNAME, answer)
        # the administrator did read the camera: the answers were not all refusals
        self.authenticate(self.user_admin.login, self.user_admin.login)
        result, _error = self._call(MODEL, "web_read", [[self.camera.id], {"name": {}, "has_credentials": {}}])
        self.assertEqual(result, [{"id": self.camera.id, "name": "Emergency hall", "has_credentials": True}])

    def test_the_administrator_types_credentials_over_rpc(self):
        self.authenticate(self.user_admin.login, self.user_admin.login)
        _result, error = self._call(MODEL, "write", [[self.camera.id], {"stream_password": "typed-now"}])
        self.assertFalse(error)
        result, _error = self._call(MODEL, "read", [[self.camera.id], ["stream_password"]])
        self.assertFalse(result[0]["stream_password"])
        self.assertIn(":typed-now@", self.camera._ihospital_open_stream()["rtsp_url"])
        self.authenticate(self.user_director.login, self.user_director.login)
        _result, error = self._call(MODEL, "write", [[self.camera.id], {"stream_password": "mine"}])
        self.assertEqual(error.get("name"), "odoo.exceptions.AccessError")

    def test_the_route_opens_logs_and_refuses(self):
        Log = self.env["ihospital.access.log"]
        url = f"/ihospital/camera/{self.camera.id}"
        self.authenticate(self.user_director.login, self.user_director.login)
        response = self.url_open(url)
        self.assertEqual(response.status_code, 200)
        self.assertIn(f"rtsp://{USERNAME}:{PASSWORD}@192.0.2.10:554/", response.text)
        self.assertIn("<video", response.text)
        self.assertEqual(response.headers["Cache-Control"], "no-store")
        self.assertEqual(response.headers["Referrer-Policy"], "no-referrer")
        log = Log.search([("res_model", "=", MODEL), ("user_id", "=", self.user_director.id)])
        self.assertEqual(len(log), 1)
        self.assertEqual((log.res_ids, log.operation, log.company_id), (str(self.camera.id), "read", self.hospital))
        self.url_open(url)
        self.assertEqual(Log.search_count([("res_model", "=", MODEL), ("user_id", "=", self.user_director.id)]), 2)
        # refused: a doctor the camera is not shown to, a nurse, another
        # hospital's director, a patient, a camera that does not exist
        for user in (self.user_doctor, self.user_nurse, self.user_director_2, self.user_portal):
            with self.subTest(user=user.login):
                self.authenticate(user.login, user.login)
                response = self.url_open(url)
                self.assertEqual(response.status_code, 404)
                self.assertNotIn(PASSWORD, response.text)
                self.assertFalse(Log.search_count([("res_model", "=", MODEL), ("user_id", "=", user.id)]))
        self.authenticate(self.user_director.login, self.user_director.login)
        self.assertEqual(self.url_open("/ihospital/camera/999999").status_code, 404)
        # once shown to doctors, the doctor opens it
        self.camera.group_ids |= self.group_doctor
        self.authenticate(self.user_doctor.login, self.user_doctor.login)
        response = self.url_open(url)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(Log.search_count([("res_model", "=", MODEL), ("user_id", "=", self.user_doctor.id)]), 1)

    def test_the_route_needs_a_session(self):
        response = self.url_open(f"/ihospital/camera/{self.camera.id}", allow_redirects=False)
        self.assertIn(response.status_code, (302, 303))
        self.assertIn("/web/login", response.headers["Location"])
