"""The staff directory (院内通讯录): who sees which colleagues and which
mobiles, the chat, the search by pinyin, title and specialty, its query
count, and the hospital's own directory (定制通讯录)."""

from odoo.addons.ihospital_base.tests.common import IhospitalCase, RpcMixin
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import HttpCase, TransactionCase, new_test_user, tagged

# what the directory's kanban card reads (the web client's specification)
CARD = {
    field: {}
    for field in (
        "name",
        "avatar_128",
        "department_id",
        "directory_title",
        "specialty",
        "work_phone",
        "directory_mobile",
        "directory_can_call_mobile",
        "directory_show_mobile",
        "directory_is_me",
        "directory_can_chat",
    )
}


class DirectoryCase(IhospitalCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.emp_doctor.write(
            {"mobile_phone": "13800000002", "work_phone": "020-83820002", "directory_show_mobile": True}
        )
        cls.emp_nurse.write({"mobile_phone": "13800000001", "directory_show_mobile": False})
        cls.emp_surgeon.write(
            {"mobile_phone": "13900000003", "directory_show_mobile": True, "specialty": "腹腔镜胆囊切除"}
        )
        cls.emp_head.job_title = "科室主任"
        cls.emp_doctor_2.write({"mobile_phone": "13700000004", "directory_show_mobile": True})
        # an internal account without a hospital role (an integration account)
        cls.user_plain = new_test_user(
            cls.env,
            login="t_plain",
            groups="base.group_user",
            company_id=cls.hospital.id,
            company_ids=[cls.hospital.id],
        )
        cls.Public = cls.env["hr.employee.public"]

    def _public(self, employee, user):
        return self.Public.with_user(user).browse(employee.id)


@tagged("post_install", "-at_install")
class TestDirectoryMobiles(DirectoryCase):
    def test_mobile_shown_only_where_its_owner_allows(self):
        doctor = self._public(self.emp_doctor, self.user_surgeon)
        self.assertEqual((doctor.directory_mobile, doctor.directory_can_call_mobile), ("13800000002", True))
        nurse = self._public(self.emp_nurse, self.user_surgeon)
        self.assertEqual((nurse.directory_mobile, nurse.directory_can_call_mobile), ("138****0001", False))
        # every read the web client or an RPC client makes is masked the same way
        self.assertEqual(nurse.read(["mobile_phone"])[0]["mobile_phone"], "138****0001")
        rows = self.Public.with_user(self.user_surgeon).search_read(
            [("id", "in", (self.emp_doctor | self.emp_nurse).ids)], ["mobile_phone"]
        )
        self.assertEqual({row["mobile_phone"] for row in rows}, {"13800000002", "138****0001"})
        # hr.employee, which colleagues read through the public profiles
        Employee = self.env["hr.employee"].with_user(self.user_surgeon)
        self.assertEqual(Employee.browse(self.emp_nurse.id).read(["mobile_phone"])[0]["mobile_phone"], "138****0001")
        # the user and the work contact repeat the mobile
        user_row = self.user_nurse.with_user(self.user_surgeon).read(["mobile_phone"])[0]
        self.assertEqual(user_row["mobile_phone"], "138****0001")
        contact = self.emp_nurse.work_contact_id
        self.assertEqual(contact.mobile, "13800000001")
        self.assertEqual(contact.with_user(self.user_surgeon).read(["mobile"])[0]["mobile"], "138****0001")
        # an export too
        self.user_surgeon.groups_id |= self.env.ref("base.group_allow_export")
        export = self._public(self.emp_nurse, self.user_surgeon).export_data(["name", "mobile_phone"])
        self.assertEqual(export["datas"], [["Nurse Huang", "138****0001"]])

    def test_own_mobile_hr_and_roles(self):
        # one's own card, and HR officers (the hospital administrators)
        self.assertEqual(self._public(self.emp_nurse, self.user_nurse).directory_mobile, "13800000001")
        self.assertEqual(self._public(self.emp_nurse, self.user_admin).directory_mobile, "13800000001")
        contact = self.emp_nurse.work_contact_id.with_user(self.user_admin)
        self.assertEqual(contact.read(["mobile"])[0]["mobile"], "13800000001")
        # an account without a hospital role sees no mobile, even one shown to colleagues
        doctor = self._public(self.emp_doctor, self.user_plain)
        self.assertEqual((doctor.directory_mobile, doctor.directory_can_call_mobile), ("138****0002", False))
        self.assertEqual(doctor.read(["mobile_phone"])[0]["mobile_phone"], "138****0002")

    def test_the_owner_chooses(self):
        nurse_card = self._public(self.emp_nurse, self.user_nurse)
        self.assertTrue(nurse_card.directory_is_me)
        nurse_card.action_directory_show_mobile()
        self.assertTrue(self.emp_nurse.directory_show_mobile)
        self.assertEqual(self._public(self.emp_nurse, self.user_surgeon).directory_mobile, "13800000001")
        nurse_card.action_directory_hide_mobile()
        self.assertFalse(self.emp_nurse.directory_show_mobile)
        # nobody else decides it for her, not even a department head
        for user in (self.user_surgeon, self.user_head):
            with self.assertRaises(AccessError):
                self._public(self.emp_nurse, user).action_directory_show_mobile()
        self.assertFalse(self.emp_nurse.directory_show_mobile)
        # nor writes the staff record
        with self.assertRaises(AccessError):
            self.env["hr.employee"].with_user(self.user_nurse).browse(self.emp_nurse.id).write(
                {"directory_show_mobile": True}
            )


@tagged("post_install", "-at_install")
class TestDirectoryScope(DirectoryCase):
    def test_own_hospital_only(self):
        visible = self.Public.with_user(self.user_doctor).search([])
        self.assertIn(self.emp_surgeon.id, visible.ids)
        self.assertNotIn(self.emp_doctor_2.id, visible.ids)
        visible_2 = self.Public.with_user(self.user_doctor_2).search([])
        self.assertEqual(visible_2.company_id, self.hospital_2)
        with self.assertRaises(AccessError):
            self._public(self.emp_doctor_2, self.user_doctor).read(["name"])

    def test_portal_sees_nothing(self):
        with self.assertRaises(AccessError):
            self.Public.with_user(self.user_portal).search([])
        with self.assertRaises(AccessError):
            self._public(self.emp_doctor, self.user_portal).read(["work_phone"])
        with self.assertRaises(AccessError):
            self.env["ihospital.directory.entry"].with_user(self.user_portal).search([])

    def test_search_by_title_and_specialty(self):
        Public = self.Public.with_user(self.user_nurse)

        def found(domain):
            return set(Public.search(domain).ids)

        # professional titles (职称), by their label in the user's language or their key
        self.assertIn(self.emp_doctor.id, found([("directory_title", "ilike", "Attending")]))
        self.assertTrue({self.emp_surgeon.id, self.emp_head.id} <= found([("directory_title", "ilike", "chief")]))
        # job titles (职务) as typed
        self.assertEqual(found([("directory_title", "ilike", "科室主任")]), {self.emp_head.id})
        # hospital roles
        self.assertIn(self.emp_nurse.id, found([("directory_title", "ilike", "nurse")]))
        # specialty (擅长)
        self.assertEqual(found([("specialty", "ilike", "胆囊")]), {self.emp_surgeon.id})
        self.assertEqual(self._public(self.emp_doctor, self.user_nurse).directory_title, "Attending Physician")
        with self.assertRaises(UserError):
            Public.search([("directory_title", "=", False)])

    def test_directory_search_query_count(self):
        """The directory's search and cards cost the same queries for 3
        colleagues found as for 23 (no query per card)."""
        Public = self.Public.with_user(self.user_nurse)
        domain = [("ihospital_role", "!=", False), ("display_name", "ilike", "lxm")]

        def search_cards():
            self.env.invalidate_all()
            return Public.web_search_read(domain, CARD, limit=80)

        Employee = self.env["hr.employee"]
        for index in range(3):
            Employee.create(
                {
                    "name": "李晓明",
                    "company_id": self.hospital.id,
                    "department_id": self.cardiology.id,
                    "ihospital_role": "doctor",
                    "mobile_phone": f"1360000{index:04d}",
                    "directory_show_mobile": bool(index % 2),
                }
            )
        search_cards()  # warm the caches (rules, groups)
        with self.assertQueryCount(7):
            self.assertEqual(search_cards()["length"], 3)
        Employee.create(
            [
                {
                    "name": "林晓梅",
                    "company_id": self.hospital.id,
                    "department_id": self.surgery.id,
                    "ihospital_role": "nurse",
                    "mobile_phone": f"1370000{index:04d}",
                    "directory_show_mobile": bool(index % 2),
                }
                for index in range(20)
            ]
        )
        with self.assertQueryCount(7):
            result = search_cards()
        self.assertEqual(result["length"], 23)
        mobiles = {row["directory_mobile"] for row in result["records"]}
        self.assertIn("13700000001", mobiles)
        self.assertIn("137****0000", mobiles)


@tagged("post_install", "-at_install")
class TestDirectoryChat(DirectoryCase):
    def test_chat_with_a_colleague(self):
        action = self._public(self.emp_doctor, self.user_nurse).action_open_chat()
        self.assertEqual(action["tag"], "mail.action_discuss")
        channel_id = int(action["params"]["active_id"].removeprefix("discuss.channel_"))
        channel = self.env["discuss.channel"].browse(channel_id)
        self.assertEqual(channel.channel_type, "chat")
        self.assertEqual(
            channel.channel_member_ids.partner_id, self.user_nurse.partner_id | self.user_doctor.partner_id
        )
        # the same conversation next time, from either side
        again = self._public(self.emp_doctor, self.user_nurse).action_open_chat()
        self.assertEqual(again["params"], action["params"])
        back = self._public(self.emp_nurse, self.user_doctor).action_open_chat()
        self.assertEqual(back["params"], action["params"])
        # the web client reads the thread from the action's context first
        self.assertEqual(action["context"]["active_id"], action["params"]["active_id"])

    def test_chat_refused(self):
        no_account = self.env["hr.employee"].create(
            {"name": "Porter Wu", "company_id": self.hospital.id, "ihospital_role": "administrative"}
        )
        with self.assertRaisesMsg(UserError, "no staff account"):
            self._public(no_account, self.user_nurse).action_open_chat()
        with self.assertRaisesMsg(UserError, "your own card"):
            self._public(self.emp_nurse, self.user_nurse).action_open_chat()
        # the other hospital's staff, and the portal
        with self.assertRaises(AccessError):
            self._public(self.emp_doctor_2, self.user_nurse).action_open_chat()
        with self.assertRaises(AccessError):
            self._public(self.emp_doctor, self.user_portal).action_open_chat()


@tagged("post_install", "-at_install")
class TestCustomDirectory(DirectoryCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Category = cls.env["ihospital.directory.category"]
        cls.category = Category.create({"name": "急救与安全", "company_id": cls.hospital.id})
        cls.category_2 = Category.create({"name": "急救与安全", "company_id": cls.hospital_2.id})
        Entry = cls.env["ihospital.directory.entry"]
        cls.ambulance = Entry.create(
            {"name": "急救中心", "phone": "120", "category_id": cls.category.id, "company_id": cls.hospital.id}
        )
        cls.security = Entry.create(
            {
                "name": "保卫科",
                "phone": "020-83821110",
                "phone_2": "8110",
                "category_id": cls.category.id,
                "company_id": cls.hospital.id,
            }
        )
        cls.duty_2 = Entry.create({"name": "中心值班电话", "phone": "020-34561299", "company_id": cls.hospital_2.id})

    def test_staff_read_their_hospitals_numbers(self):
        for user in (self.user_nurse, self.user_doctor, self.user_quality, self.user_director):
            entries = self.env["ihospital.directory.entry"].with_user(user).search([])
            self.assertEqual(entries, self.ambulance | self.security, user.login)
        entries_2 = self.env["ihospital.directory.entry"].with_user(self.user_doctor_2).search([])
        self.assertEqual(entries_2, self.duty_2)
        with self.assertRaises(AccessError):
            self.duty_2.with_user(self.user_nurse).read(["phone"])

    def test_found_by_pinyin(self):
        Entry = self.env["ihospital.directory.entry"].with_user(self.user_nurse)
        for query in ("jjzx", "jijiu", "急救", "bwk", "baowei ke"):
            self.assertTrue(Entry.name_search(query), query)
        self.assertEqual([row[1] for row in Entry.name_search("bwk")], ["保卫科"])
        self.assertEqual(Entry.search([("display_name", "ilike", "jjzx")]), self.ambulance)

    def test_only_administrators_keep_them(self):
        for user in (self.user_nurse, self.user_doctor, self.user_head, self.user_quality, self.user_director):
            Entry = self.env["ihospital.directory.entry"].with_user(user)
            with self.assertRaises(AccessError):
                Entry.create({"name": "x", "phone": "110", "company_id": self.hospital.id})
            with self.assertRaises(AccessError):
                self.security.with_user(user).write({"phone": "110"})
            with self.assertRaises(AccessError):
                self.security.with_user(user).unlink()
            with self.assertRaises(AccessError):
                self.env["ihospital.directory.category"].with_user(user).create({"name": "x"})
        self.assertEqual(self.security.phone, "020-83821110")
        # the administrator keeps the hospital's directory, not another's
        admin_entry = self.security.with_user(self.user_admin)
        admin_entry.write({"phone": "020-83821111", "note": "24小时"})
        admin_entry.action_archive()
        self.assertFalse(self.security.active)
        with self.assertRaises(AccessError):
            self.duty_2.with_user(self.user_admin).write({"phone": "110"})

    def test_bad_input(self):
        Entry = self.env["ihospital.directory.entry"].with_user(self.user_admin)
        with self.assertRaisesMsg(ValidationError, "is not a phone number"):
            Entry.create({"name": "x", "phone": "call the porter", "company_id": self.hospital.id})
        for number in ("120", "020-83821000 转 8110", "+86 20 8382 1110", "(020) 83821110"):
            Entry.create({"name": "x", "phone": number, "company_id": self.hospital.id})
        # a category of another hospital
        with self.assertRaises(UserError):
            self.env["ihospital.directory.entry"].create(
                {"name": "x", "phone": "120", "company_id": self.hospital.id, "category_id": self.category_2.id}
            )


@tagged("post_install", "-at_install")
class TestDirectoryRpc(RpcMixin, HttpCase, DirectoryCase):
    def test_rpc_reads_masked_and_refuses(self):
        self.authenticate("t_surgeon", "t_surgeon")
        result, error = self._call("hr.employee.public", "read", [[self.emp_nurse.id], ["mobile_phone"]])
        self.assertEqual(result[0]["mobile_phone"], "138****0001", error)
        result, error = self._call("hr.employee", "search_read", [[["id", "=", self.emp_nurse.id]], ["mobile_phone"]])
        self.assertEqual(result[0]["mobile_phone"], "138****0001", error)
        _result, error = self._call("hr.employee.public", "action_directory_show_mobile", [[self.emp_nurse.id]])
        self.assertEqual(error.get("name"), "odoo.exceptions.AccessError")
        _result, error = self._call(
            "ihospital.directory.entry",
            "create",
            [{"name": "x", "phone": "110", "company_id": self.hospital.id}],
            {"context": {"sudo": True}},
        )
        self.assertEqual(error.get("name"), "odoo.exceptions.AccessError")
        # the colleagues of the other hospital stay out of reach
        _result, error = self._call("hr.employee.public", "action_open_chat", [[self.emp_doctor_2.id]])
        self.assertEqual(error.get("name"), "odoo.exceptions.AccessError")


@tagged("post_install", "-at_install")
class TestDirectoryDemo(TransactionCase):
    def test_demo_directories(self):
        Entry = self.env["ihospital.directory.entry"]
        main = self.env.ref("base.main_company")
        nanshan = self.env.ref("ihospital_base.res_company_nanshan_demo")
        self.assertGreaterEqual(Entry.search_count([("company_id", "=", main.id)]), 15)
        self.assertGreaterEqual(Entry.search_count([("company_id", "=", nanshan.id)]), 3)
        nurse = self.env.ref("ihospital_base.user_nurse_demo")
        names = {name for _id, name in self.env["hr.employee.public"].with_user(nurse).name_search("lxm")}
        self.assertIn("李晓明", names)
        ambulance = Entry.with_user(nurse).name_search("gzsjj")
        self.assertEqual([name for _id, name in ambulance], ["广州市急救医疗指挥中心"])
