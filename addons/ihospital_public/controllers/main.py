from werkzeug.exceptions import NotFound

from odoo import http
from odoo.addons.ihospital_base.http_cache import shared_cache
from odoo.addons.ihospital_base.models.hr_department import DEPARTMENT_CATEGORIES
from odoo.http import request

SEARCH_MAX_LENGTH = 50


def _slug(record):
    return request.env["ir.http"]._slug(record)


def sitemap_departments(env, rule, qs):
    website = env["website"].get_current_website()
    for department in website._ihospital_departments():
        loc = f"/departments/{env['ir.http']._slug(department)}"
        if not qs or qs.lower() in loc:
            yield {"loc": loc}


def sitemap_doctors(env, rule, qs):
    website = env["website"].get_current_website()
    for doctor in website._ihospital_doctors():
        loc = f"/doctors/{env['ir.http']._slug(doctor)}"
        if not qs or qs.lower() in loc:
            yield {"loc": loc}


class IhospitalWebsite(http.Controller):
    """The hospital's public pages (公众版): presentation, departments,
    doctors, service guide, phones and navigation. Each website shows its own
    hospital (its company) and published content only; what visitors may see
    is decided by the website's `_ihospital_*` helpers."""

    # ---------------------------------------------------------------- helpers
    def _values(self, **values):
        hospital = request.website._ihospital_hospital()
        return {
            "hospital": hospital,
            "grade": self._selection_labels("res.company", "hospital_grade").get(hospital.hospital_grade),
            "categories": self._selection_labels("hr.department", "ihospital_category"),
            "titles": self._selection_labels("hr.employee", "professional_title"),
            "slug": _slug,
            **values,
        }

    @staticmethod
    def _selection_labels(model, field):
        """{key: label} of a selection field, in the visitor's language."""
        env = request.env
        return dict(env[model]._fields[field]._description_selection(env))

    def _record_from_slug(self, slug, finder):
        """The record named by `slug` (…-<id>) that `finder(id)` allows, or
        404. Returns (record, canonical slug)."""
        _name, record_id = request.env["ir.http"]._unslug(slug)
        if not record_id or record_id <= 0:
            raise NotFound()
        record = finder(record_id)
        if not record:
            raise NotFound()
        return record, _slug(record)

    @staticmethod
    def _clean_search(search):
        return (search or "").strip()[:SEARCH_MAX_LENGTH]

    # ------------------------------------------------------------------ home
    @http.route("/hospital", type="http", auth="public", website=True, readonly=True, sitemap=True)
    @shared_cache(max_age=2)
    def hospital_home(self, **kwargs):
        website = request.website
        return request.render(
            "ihospital_public.hospital_home",
            self._values(
                featured_departments=website._ihospital_departments(featured=True),
                experts=website._ihospital_doctors(experts=True, limit=8),
                posts=website._ihospital_health_posts(limit=4),
                health_blog=website.ihospital_health_blog_id,
            ),
        )

    # ----------------------------------------------------------- departments
    def _departments_page(self, template, search=None, category=None):
        search = self._clean_search(search)
        if category not in dict(DEPARTMENT_CATEGORIES):
            category = None
        departments = request.website._ihospital_departments(search=search, category=category)
        all_departments = request.website._ihospital_departments() if (search or category) else departments
        used_categories = [
            key for key, _label in DEPARTMENT_CATEGORIES if key in all_departments.mapped("ihospital_category")
        ]
        groups = [
            (key, departments.filtered(lambda d, key=key: d.ihospital_category == key))
            for key in [*used_categories, False]
        ]
        return request.render(
            template,
            self._values(
                departments=departments,
                department_groups=[(key, group) for key, group in groups if group],
                search=search,
                category=category,
                used_categories=used_categories,
            ),
        )

    @http.route("/departments", type="http", auth="public", website=True, readonly=True, sitemap=True)
    @shared_cache(max_age=2)
    def departments(self, search=None, category=None, **kwargs):
        return self._departments_page("ihospital_public.departments", search, category)

    @http.route("/booking", type="http", auth="public", website=True, readonly=True, sitemap=True)
    @shared_cache(max_age=1)
    def booking(self, search=None, category=None, **kwargs):
        """Where booking starts: choose a department, then a doctor and a
        clinic on the department's page."""
        return self._departments_page("ihospital_public.booking", search, category)

    @http.route(
        "/departments/<string:slug>",
        type="http",
        auth="public",
        website=True,
        readonly=True,
        sitemap=sitemap_departments,
    )
    @shared_cache(max_age=1)
    def department(self, slug, **kwargs):
        website = request.website
        department, canonical = self._record_from_slug(slug, website._ihospital_department)
        if slug != canonical:
            return request.redirect(f"/departments/{canonical}", code=301)
        return request.render(
            "ihospital_public.department",
            self._values(
                department=department,
                doctors=website._ihospital_doctors(department=department),
                availability=website._ihospital_availability(department=department),
            ),
        )

    # --------------------------------------------------------------- doctors
    @http.route("/doctors", type="http", auth="public", website=True, readonly=True, sitemap=True)
    @shared_cache(max_age=2)
    def doctors(self, search=None, experts=None, **kwargs):
        search = self._clean_search(search)
        experts = bool(experts)
        return request.render(
            "ihospital_public.doctors",
            self._values(
                doctors=request.website._ihospital_doctors(search=search, experts=experts),
                search=search,
                experts=experts,
            ),
        )

    @http.route(
        "/doctors/<string:slug>", type="http", auth="public", website=True, readonly=True, sitemap=sitemap_doctors
    )
    @shared_cache(max_age=1)
    def doctor(self, slug, **kwargs):
        website = request.website
        doctor, canonical = self._record_from_slug(slug, website._ihospital_doctor)
        if slug != canonical:
            return request.redirect(f"/doctors/{canonical}", code=301)
        return request.render(
            "ihospital_public.doctor",
            self._values(
                doctor=doctor,
                department=website._ihospital_public_department(doctor),
                availability=website._ihospital_availability(doctor=doctor),
            ),
        )

    @http.route(
        "/doctors/<int:doctor_id>/avatar", type="http", auth="public", website=True, readonly=True, sitemap=False
    )
    @shared_cache(max_age=2)
    def doctor_avatar(self, doctor_id, **kwargs):
        doctor = request.website._ihospital_doctor(doctor_id)
        if not doctor:
            raise NotFound()
        stream = request.env["ir.binary"]._get_image_stream_from(doctor, "avatar_256")
        return stream.get_response(max_age=3600)

    # ------------------------------------------------- guide, phones, places
    @http.route("/guide", type="http", auth="public", website=True, readonly=True, sitemap=True)
    @shared_cache(max_age=2)
    def guide(self, **kwargs):
        steps, faqs = request.website._ihospital_guide()
        return request.render("ihospital_public.guide", self._values(steps=steps, faqs=faqs))

    @http.route("/phones", type="http", auth="public", website=True, readonly=True, sitemap=True)
    @shared_cache(max_age=2)
    def phones(self, **kwargs):
        website = request.website
        return request.render(
            "ihospital_public.phones",
            self._values(
                phones=website._ihospital_phones(),
                phone_categories=self._selection_labels("ihospital.hospital.phone", "category"),
                departments=website._ihospital_departments().filtered("phone"),
            ),
        )

    @http.route("/navigation", type="http", auth="public", website=True, readonly=True, sitemap=True)
    @shared_cache(max_age=2)
    def navigation(self, **kwargs):
        website = request.website
        hospital = website._ihospital_hospital()
        return request.render(
            "ihospital_public.navigation",
            self._values(
                map_links=hospital._ihospital_map_links(),
                buildings=website._ihospital_buildings(),
                merchants=website._ihospital_merchants(),
                merchant_categories=self._selection_labels("ihospital.merchant", "category"),
            ),
        )

    @http.route("/encyclopedia", type="http", auth="public", website=True, readonly=True, sitemap=False)
    def encyclopedia(self, **kwargs):
        """The health encyclopedia is the website's health blog."""
        blog = request.website.ihospital_health_blog_id
        return request.redirect(f"/blog/{_slug(blog)}" if blog else "/blog")
