import re
from datetime import timedelta

from odoo import fields
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import HttpCase, TransactionCase, tagged


class WebsitePagesCommon(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.hospital = cls.env.ref("base.main_company")
        cls.nanshan = cls.env.ref("ihospital_base.res_company_nanshan_demo")
        cls.nanshan_website = cls.env.ref("ihospital_public.website_nanshan_demo")
        cls.cardiology = cls.env.ref("ihospital_base.hr_department_cardiology_demo")
        cls.respiratory = cls.env.ref("ihospital_base.hr_department_respiratory_demo")
        cls.nanshan_department = cls.env.ref("ihospital_base.hr_department_nanshan_general_demo")
        cls.chen = cls.env.ref("ihospital_base.hr_employee_cardiology_1_demo")  # expert, online consultation
        cls.zheng = cls.env.ref("ihospital_base.hr_employee_cardiology_2_demo")  # no online consultation
        cls.li = cls.env.ref("ihospital_base.hr_employee_cardiology_3_demo")  # not an expert
        cls.nanshan_doctor = cls.env["hr.employee"].search(
            [("company_id", "=", cls.nanshan.id), ("ihospital_role", "=", "doctor")], limit=1
        )
        now = fields.Datetime.now()
        today = fields.Date.context_today(cls.env["res.company"].with_context(tz=cls.hospital.hospital_tz))
        Schedule = cls.env["ihospital.schedule"]
        # released: 5 numbers, one kept on site (20%), 4 for the website
        cls.released = Schedule.create(
            {
                "company_id": cls.hospital.id,
                "department_id": cls.cardiology.id,
                "doctor_id": cls.chen.id,
                "date": today + timedelta(days=3),
                "session": "evening",
                "capacity": 5,
                "fee": 50,
                "release_override": True,
                "release_at_manual": now - timedelta(minutes=1),
            }
        )
        cls.released.action_publish()
        cls.not_released = Schedule.create(
            {
                "company_id": cls.hospital.id,
                "department_id": cls.cardiology.id,
                "doctor_id": cls.zheng.id,
                "date": today + timedelta(days=4),
                "session": "evening",
                "capacity": 5,
                "release_override": True,
                "release_at_manual": now + timedelta(days=1),
            }
        )
        cls.not_released.action_publish()
        cls.draft = Schedule.create(
            {
                "company_id": cls.hospital.id,
                "department_id": cls.cardiology.id,
                "doctor_id": cls.zheng.id,
                "date": today + timedelta(days=2),
                "session": "evening",
                "capacity": 5,
            }
        )

    def slug(self, record):
        return self.env["ir.http"]._slug(record)

    def get(self, path, host=None, **kwargs):
        headers = {"Host": host} if host else {}
        return self.url_open(path, headers=headers, **kwargs)

    def page(self, path, host=None):
        response = self.get(path, host=host)
        self.assertEqual(response.status_code, 200, path)
        return response.text

    def nanshan_host(self):
        return f"nanshan.localhost:{self.http_port()}"


@tagged("post_install", "-at_install")
class TestWebsitePages(WebsitePagesCommon):
    """What an anonymous visitor sees on the demo hospital's website."""

    def test_home(self):
        for path in ("/", "/hospital"):
            page = self.page(path)
            self.assertIn("广州市越秀中心医院", page)
            self.assertIn("始建于1952年", page)  # introduction
            self.assertIn(f'/departments/{self.slug(self.cardiology)}"', page)  # featured
            self.assertNotIn(f'/departments/{self.slug(self.respiratory)}"', page)  # not featured
            shown = self.env["hr.employee"].browse(
                int(self.env["ir.http"]._unslug(slug)[1]) for slug in re.findall(r'/doctors/([^"/]+)"', page)
            )
            self.assertTrue(shown)
            self.assertTrue(all(shown.mapped("is_expert")), shown.mapped("name"))
            self.assertEqual(shown.company_id, self.hospital)
            self.assertIn("高血压：量准血压，坚持服药", page)  # health encyclopedia
            # links carry the visitor's language prefix, e.g. /en/booking
            for entry in ('/booking"', '/my"', '/guide"', '/phones"', '/navigation"'):
                self.assertIn(entry, page)
            self.assertNotIn("南山", page)

    def test_departments_list_search_and_category(self):
        page = self.page("/departments")
        self.assertIn("心血管内科", page)
        self.assertIn("儿科", page)
        self.assertNotIn("全科医学科", page)  # the other hospital's
        administration = self.env.ref("ihospital_base.hr_department_administration_demo")
        self.assertNotIn(f"/departments/{self.slug(administration)}", page)  # not clinical
        page = self.page("/departments?search=心血管")
        self.assertIn("心血管内科", page)
        self.assertNotIn("消化内科", page)
        page = self.page("/departments?category=surgery")
        self.assertIn("普通外科", page)
        self.assertNotIn("心血管内科", page)
        # an unknown category is ignored, not an error
        self.assertIn("心血管内科", self.page("/departments?category=<script>"))
        self.assertIn(f"/departments/{self.slug(self.cardiology)}", self.page("/booking"))

    def test_department_page(self):
        page = self.page(f"/departments/{self.slug(self.cardiology)}")
        self.assertIn("门诊楼 3F 3楼A区", page)
        self.assertIn('href="tel:020-83821101"', page)
        self.assertIn("冠心病介入治疗", page)  # a doctor's specialty
        self.assertIn(f'/doctors/{self.slug(self.chen)}"', page)
        self.assertIn(f'data-schedule-id="{self.released.id}"', page)
        self.assertNotIn(f'data-schedule-id="{self.not_released.id}"', page)
        self.assertNotIn(f'data-schedule-id="{self.draft.id}"', page)
        self.assertNotIn("110440170240342", page)  # licence numbers stay private
        self.assertNotIn("13998775705", page)  # so do mobile phones

    def test_free_places_follow_bookings(self):
        path = f"/departments/{self.slug(self.cardiology)}"
        clinic = self._clinic_html(self.page(path), self.released)
        self.assertIn("4", clinic)  # 5 numbers, one kept for the windows
        self.released.slot_ids.filtered(lambda s: not s.onsite_only).write({"booked_count": 1})
        clinic = self._clinic_html(self.page(path), self.released)
        self.assertNotIn("o_ihospital_free", clinic)

    def _clinic_html(self, page, schedule):
        start = page.index(f'data-schedule-id="{schedule.id}"')
        return page[start : page.index("</div>\n            </div>", start)]

    def test_old_slug_redirects(self):
        response = self.get(f"/departments/old-name-{self.cardiology.id}")
        self.assertEqual(response.status_code, 200)
        self.assertIn(301, [step.status_code for step in response.history])
        self.assertTrue(response.url.endswith(f"/departments/{self.slug(self.cardiology)}"))

    def test_doctor_page(self):
        page = self.page(f"/doctors/{self.slug(self.chen)}")
        self.assertIn("陈志远", page)
        self.assertIn("冠心病介入治疗、急性心肌梗死救治", page)
        self.assertIn("从事心血管内科临床工作13年", page)
        self.assertIn(f'/my/consultations/new?doctor={self.chen.id}"', page)
        self.assertIn(f'data-schedule-id="{self.released.id}"', page)
        self.assertNotIn("020-83821101", page)  # the consultation phone is not shown here
        page = self.page(f"/doctors/{self.slug(self.zheng)}")
        self.assertNotIn("/my/consultations/new", page)
        self.assertNotIn(f'data-schedule-id="{self.released.id}"', page)
        avatar = self.get(f"/doctors/{self.chen.id}/avatar")
        self.assertEqual(avatar.status_code, 200)
        self.assertTrue(avatar.headers["Content-Type"].startswith("image/"))

    def test_doctors_list(self):
        nurse = self.env.ref("ihospital_base.hr_employee_cardiology_nurse_demo")
        page = self.page("/doctors")
        self.assertIn(f'/doctors/{self.slug(self.chen)}"', page)
        self.assertIn(f'/doctors/{self.slug(self.li)}"', page)
        self.assertNotIn(f'/doctors/{self.slug(nurse)}"', page)
        self.assertNotIn(f'/doctors/{self.slug(self.nanshan_doctor)}"', page)
        page = self.page("/doctors?experts=1")
        self.assertIn(f'/doctors/{self.slug(self.chen)}"', page)
        self.assertNotIn(f'/doctors/{self.slug(self.li)}"', page)
        page = self.page("/doctors?search=射频消融")
        self.assertIn("郑子轩", page)
        self.assertNotIn("陈志远", page)

    def test_unpublished_and_other_hospitals_records_are_not_found(self):
        nurse = self.env.ref("ihospital_base.hr_employee_cardiology_nurse_demo")
        administration = self.env.ref("ihospital_base.hr_department_administration_demo")
        for path in (
            "/departments/nothing",
            "/departments/999999",
            "/departments/-5",
            f"/departments/{self.slug(administration)}",
            f"/departments/{self.slug(self.nanshan_department)}",
            "/doctors/999999",
            f"/doctors/{self.slug(nurse)}",
            f"/doctors/{self.slug(self.nanshan_doctor)}",
            f"/doctors/{self.nanshan_doctor.id}/avatar",
        ):
            self.assertEqual(self.get(path).status_code, 404, path)
        self.respiratory.is_published = False
        self.zheng.is_published = False
        self.assertEqual(self.get(f"/departments/{self.slug(self.respiratory)}").status_code, 404)
        self.assertEqual(self.get(f"/doctors/{self.slug(self.zheng)}").status_code, 404)
        self.assertEqual(self.get(f"/doctors/{self.zheng.id}/avatar").status_code, 404)
        self.assertNotIn("呼吸与危重症医学科", self.page("/departments"))
        self.assertNotIn("郑子轩", self.page(f"/departments/{self.slug(self.cardiology)}"))

    def test_guide(self):
        page = self.page("/guide")
        for text in ("预约挂号", "到院签到取号", "取药、取报告", "预约后不能按时来，怎么办？"):
            self.assertIn(text, page)
        self.assertNotIn("家庭医生", page)
        self.env.ref("ihospital_public.guide_faq_parking_demo").is_published = False
        self.assertNotIn("医院停车方便吗", self.page("/guide"))

    def test_phones(self):
        page = self.page("/phones")
        self.assertIn("门诊导诊台", page)
        self.assertIn('href="tel:020-83821010"', page)  # triage
        self.assertIn('href="tel:020-83821020"', page)  # registration
        self.assertIn('href="tel:020-83821101"', page)  # cardiology
        self.assertNotIn("020-34561200", page)  # the other hospital

    def test_navigation(self):
        page = self.page("/navigation")
        self.assertIn("越秀区中山二路88号", page)
        self.assertIn("烈士陵园站", page)  # transport
        self.assertIn("https://uri.amap.com/marker?position=113.2885300,23.1290400", page)
        self.assertIn("location=23.1290400,113.2885300", page)  # Baidu
        self.assertIn("导诊台、挂号收费处", page)  # floor guide
        self.assertIn("住院大楼", page)
        self.assertIn("大参林药店", page)
        self.assertNotIn("老百姓大药房", page)
        self.env.ref("ihospital_public.map_provider_tencent").active = False
        self.assertNotIn("apis.map.qq.com", self.page("/navigation"))

    def test_encyclopedia(self):
        blog = self.env.ref("ihospital_public.blog_health_demo")
        response = self.get("/encyclopedia")
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response.url.endswith(f"/blog/{self.slug(blog)}"), response.url)
        page = response.text
        for title in ("高血压", "糖尿病饮食", "孩子发烧了", "流感疫苗"):
            self.assertIn(title, page)
        self.assertNotIn("签约家庭医生", page)

    def test_sitemap_lists_published_pages(self):
        page = self.page("/sitemap.xml")
        self.assertIn(f"/departments/{self.slug(self.cardiology)}</loc>", page)
        self.assertIn(f"/doctors/{self.slug(self.chen)}</loc>", page)
        self.assertNotIn(f"/departments/{self.slug(self.nanshan_department)}</loc>", page)

    def test_second_hospital_website(self):
        host = self.nanshan_host()
        page = self.page("/", host=host)
        self.assertIn("南山社区卫生服务中心为辖区居民", page)
        for menu in ('/booking"', '/departments"', '/guide"', '/navigation"', '/phones"', '/encyclopedia"'):
            self.assertIn(menu, page)  # the website menus
        self.assertNotIn("越秀中心医院", page)
        page = self.page("/departments", host=host)
        self.assertIn("全科医学科", page)
        self.assertNotIn("心血管内科", page)
        self.assertEqual(self.get(f"/departments/{self.slug(self.cardiology)}", host=host).status_code, 404)
        self.assertEqual(self.get(f"/doctors/{self.slug(self.chen)}", host=host).status_code, 404)
        page = self.page("/guide", host=host)
        self.assertIn("怎样签约家庭医生？", page)
        self.assertNotIn("夜间门诊安排", page)  # unpublished
        self.assertNotIn("到院签到取号", page)
        self.assertIn("020-34561200", self.page("/phones", host=host))
        page = self.page("/navigation", host=host)
        self.assertIn("老百姓大药房", page)
        self.assertNotIn("大参林药店", page)
        self.assertIn("签约家庭医生", self.page("/hospital", host=host))


@tagged("post_install", "-at_install")
class TestMapProvider(TransactionCase):
    def test_links_from_templates(self):
        hospital = self.env.ref("base.main_company")
        links = dict(hospital._ihospital_map_links())
        amap = self.env.ref("ihospital_public.map_provider_amap")
        self.assertEqual(
            links[amap.name],
            "https://uri.amap.com/marker?position=113.2885300,23.1290400"
            "&name=%E5%B9%BF%E5%B7%9E%E5%B8%82%E8%B6%8A%E7%A7%80%E4%B8%AD%E5%BF%83%E5%8C%BB%E9%99%A2"
            "&coordinate=gaode&callnative=1",
        )
        hospital.write({"hospital_latitude": 0, "hospital_longitude": 0})
        self.assertEqual(hospital._ihospital_map_links(), [])  # no coordinates, no map link

    def test_template_is_checked(self):
        Provider = self.env["ihospital.map.provider"]
        with self.assertRaises(ValidationError):
            Provider.create({"name": "bad", "url_template": "javascript:alert({lat},{lng})"})
        with self.assertRaises(ValidationError):
            Provider.create({"name": "no coordinates", "url_template": "https://maps.example.com/?q={name}"})


@tagged("post_install", "-at_install")
class TestGuideAccess(WebsitePagesCommon):
    """Visitors and patients read published guide content only; hospital
    administrators maintain it."""

    def test_visitors_and_patients_read_published_only(self):
        parking = self.env.ref("ihospital_public.guide_faq_parking_demo")
        parking.is_published = False
        nanshan_draft = self.env.ref("ihospital_public.guide_faq_nanshan_draft_demo")
        nanshan_public = self.nanshan_website.user_id
        portal_user = self.env.ref("ihospital_base.user_patient_demo")  # a patient of the main hospital
        for user, draft in ((nanshan_public, nanshan_draft), (portal_user, parking)):
            faqs = self.env["ihospital.guide.faq"].with_user(user).search([])
            self.assertTrue(faqs, user.login)
            self.assertNotIn(draft, faqs)
            self.assertEqual(faqs.company_id, user.company_id)
            self.assertTrue(all(faqs.mapped("is_published")))
            with self.assertRaises(AccessError):
                faqs[:1].with_user(user).write({"name": "x"})
        # the main hospital's visitors do not read the other hospital's guide
        main_public = self.env.ref("website.default_website").user_id
        self.assertFalse(
            self.env["ihospital.guide.step"].with_user(main_public).search([("company_id", "=", self.nanshan.id)])
        )

    def test_only_hospital_administrators_write(self):
        step = self.env.ref("ihospital_public.guide_step_book_demo")
        doctor_user = self.env.ref("ihospital_base.user_doctor_demo")
        with self.assertRaises(AccessError):
            step.with_user(doctor_user).write({"name": "x"})
        admin_user = self.env.ref("ihospital_base.user_hospadmin_demo")
        step.with_user(admin_user).write({"name": "预约挂号（网上）"})
        self.assertEqual(step.name, "预约挂号（网上）")


@tagged("post_install", "-at_install")
class TestWebsitePhoneWidth(WebsitePagesCommon):
    """The main pages fit a 375 px wide phone screen."""

    browser_size = "375x667"
    touch_enabled = True

    def test_pages_fit_a_phone(self):
        # clientWidth is the viewport less a vertical scrollbar, if any
        code = """
            const root = document.documentElement;
            const width = root.scrollWidth;
            if (!document.querySelector('.o_ihospital')) {
                console.error('not a hospital page: ' + location.href);
            } else if (window.innerWidth !== 375) {
                console.error('the viewport is ' + window.innerWidth + ' px wide');
            } else if (width > 375 || width > root.clientWidth) {
                console.error(location.pathname + ' is ' + width + ' px wide for ' + root.clientWidth + ' px');
            } else {
                console.log('test successful');
            }
        """
        for path in (
            "/",
            "/booking",
            "/departments",
            f"/departments/{self.slug(self.cardiology)}",
            "/doctors",
            f"/doctors/{self.slug(self.chen)}",
            "/guide",
            "/phones",
            "/navigation",
        ):
            with self.subTest(path=path):
                self.browser_js(path, code, ready="document.readyState === 'complete'")


@tagged("post_install", "-at_install")
class TestWebsiteLayout(WebsitePagesCommon):
    """Each website's header and footer present its own hospital, not Odoo's
    placeholder company."""

    def assert_hospital_layout(self, hospital, host=None):
        page = self.page("/", host=host)
        header = re.search(r"<header.*?</header>", page, re.S).group(0)
        brands = re.findall(r'<a[^>]*class="[^"]*navbar-brand[^"]*"[^>]*>(.*?)</a>', header, re.S)
        self.assertTrue(brands, "no header brand")
        for brand in brands:
            self.assertIn(hospital.name, brand)
        self.assertNotIn("/web/image/website/", header)  # Odoo's placeholder logo
        footer = re.search(r"<footer.*?</footer>", page, re.S).group(0)
        self.assertIn(hospital.name, footer)
        self.assertTrue(hospital.phone)
        self.assertIn(f'href="tel:{hospital.phone}"', footer)
        for link in ('/guide"', '/navigation"', '/phones"', '/departments"'):
            self.assertIn(link, footer)
        for placeholder in (
            "info@yourcompany.example.com",
            "+1 555",
            "Your Logo",
            "YourCompany",
            "Company name",
            "My Website",
            "We are a team of passionate people",
            "我们是一支充满激情的团队",
            "Useful Links",
        ):
            self.assertNotIn(placeholder, page)
        return header, footer

    def test_main_hospital_layout(self):
        header, footer = self.assert_hospital_layout(self.hospital)
        self.assertIn("o_ihospital_brand_name", header)
        self.assertIn("中山二路88号", footer)
        self.assertIn("08:00-12:00", footer)  # opening hours
        self.assertIn('href="tel:020-83821020"', footer)  # registration
        self.assertNotIn('href="tel:020-83821040"', footer)  # complaints are not a main service phone
        self.assertLessEqual(footer.count('href="tel:'), 4)
        self.assertNotIn("南山", header + footer)

    def test_nanshan_layout(self):
        header, footer = self.assert_hospital_layout(self.nanshan, host=self.nanshan_host())
        self.assertIn("兴南大道318号", footer)
        self.assertEqual(footer.count('href="tel:020-34561200"'), 1)  # switchboard once, not repeated
        self.assertNotIn(self.hospital.name, header + footer)

    def test_layout_follows_hospital_changes(self):
        self.page("/", host=self.nanshan_host())  # fills the cached header and footer
        self.nanshan.write({"phone": "020-34560000", "hospital_opening_hours": "全天 24 小时"})
        footer = re.search(r"<footer.*?</footer>", self.page("/", host=self.nanshan_host()), re.S).group(0)
        self.assertIn('href="tel:020-34560000"', footer)
        self.assertIn("全天 24 小时", footer)

    def test_hospital_logo(self):
        # a hospital whose company has a logo shows it instead of its name
        self.nanshan.logo = (
            "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
        )
        self.env.registry.clear_cache("templates")
        page = self.page("/", host=self.nanshan_host())
        header = re.search(r"<header.*?</header>", page, re.S).group(0)
        self.assertIn(f"/logo.png?company={self.nanshan.id}", header)
        self.assertIn(f'alt="{self.nanshan.name}"', header)
