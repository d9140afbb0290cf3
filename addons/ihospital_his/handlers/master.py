"""Master data from the HIS: the hospital, its departments and doctors."""

from html import escape

from odoo import _
from odoo.exceptions import ValidationError

from .common import Handler, items_of, register, waiting_key

GRADES_IN = {
    "三级甲等": "3a",
    "三级乙等": "3b",
    "三级丙等": "3c",
    "二级甲等": "2a",
    "二级乙等": "2b",
    "二级丙等": "2c",
    "一级": "1",
    "未定级": "none",
}
DEPARTMENT_CATEGORIES_IN = {
    "internal": "internal",
    "surgical": "surgery",
    "surgery": "surgery",
    "obstetrics": "obstetrics",
    "gynecology": "obstetrics",
    "pediatrics": "pediatrics",
    "emergency": "emergency",
    "five_senses": "five_senses",
    "ent": "five_senses",
    "stomatology": "five_senses",
    "ophthalmology": "five_senses",
    "tcm": "tcm",
    "medical_tech": "medical_tech",
    "medical_technology": "medical_tech",
    "nursing": "nursing",
    "administration": "administration",
}
TITLES_IN = {
    "主任医师": "chief_physician",
    "副主任医师": "associate_chief_physician",
    "主治医师": "attending_physician",
    "住院医师": "resident_physician",
    "医师": "resident_physician",
}


@register
class MasterHospital(Handler):
    message_type = "master.hospital"

    def process(self, message, data):
        message._require(data, "code", "name")
        hospital = message._hospital.sudo()
        if hospital.his_code and hospital.his_code != data["code"]:
            raise ValidationError(
                _(
                    "Hospital code %(code)s does not match this endpoint's hospital %(hospital)s (%(own)s).",
                    code=data["code"],
                    hospital=hospital.name,
                    own=hospital.his_code,
                )
            )
        vals = {"his_code": data["code"], "name": data["name"]}
        if data.get("grade"):
            grade = GRADES_IN.get(data["grade"], data["grade"])
            allowed = [key for key, _label in hospital._fields["hospital_grade"].selection]
            vals["hospital_grade"] = message._enum(grade, allowed + list(GRADES_IN), "grade")
        for key, field_name in (("address", "street"), ("phone", "phone"), ("website", "website")):
            if data.get(key):
                vals[field_name] = data[key]
        if data.get("introduction"):
            vals["hospital_introduction"] = f"<p>{escape(data['introduction'])}</p>"
        hospital.write(vals)
        message._link(hospital, "updated")


@register
class MasterDepartments(Handler):
    message_type = "master.departments"

    def provided_keys(self, env, data):
        return [waiting_key("department", item["code"]) for item in items_of(data) if item.get("code")]

    def process(self, message, data):
        message._require(data, "items")
        hospital = message._hospital
        Department = message.env["hr.department"].sudo().with_context(active_test=False)
        for item in data["items"]:
            if not isinstance(item, dict):
                raise ValidationError(_("Each department must be an object."))
            message._require(item, "code", "name")
            vals = {"name": item["name"], "is_clinical": True, "active": item.get("active", True) is not False}
            if item.get("category"):
                vals["ihospital_category"] = DEPARTMENT_CATEGORIES_IN.get(item["category"], "other")
            building = message.env["ihospital.building"]
            if item.get("building"):
                building = building.sudo().search(
                    [("company_id", "=", hospital.id), ("name", "=", item["building"])], limit=1
                )
            floor_name = item.get("floor")
            floor = building.floor_ids.filtered_domain([("name", "=", floor_name)])[:1] if building else False
            rooms = [] if building else [item.get("building")]
            rooms += [] if floor else [item.get("floor")]
            rooms.append(item.get("room"))
            vals.update(
                {
                    "building_id": building.id or False,
                    "floor_id": floor.id if floor else False,
                    "room": " ".join(str(r) for r in rooms if r) or False,
                }
            )
            if item.get("phone"):
                vals["phone"] = item["phone"]
            if item.get("description"):
                vals["public_description"] = f"<p>{escape(item['description'])}</p>"
            if item.get("bed_count") not in (None, ""):
                vals["bed_count"] = message._number(item["bed_count"], "bed_count", integer=True, minimum=0)
            message._upsert(Department, {"his_code": item["code"]}, vals)


@register
class MasterDoctors(Handler):
    message_type = "master.doctors"

    def provided_keys(self, env, data):
        return [waiting_key("doctor", item["code"]) for item in items_of(data) if item.get("code")]

    def process(self, message, data):
        message._require(data, "items")
        Employee = message.env["hr.employee"].sudo().with_context(active_test=False)
        known_titles = [key for key, _label in Employee._fields["professional_title"].selection]
        for item in data["items"]:
            if not isinstance(item, dict):
                raise ValidationError(_("Each doctor must be an object."))
            message._require(item, "code", "name", "department_code")
            department = message._department(item["department_code"])
            vals = {
                "name": item["name"],
                "department_id": department.id,
                "ihospital_role": "doctor",
                "active": item.get("active", True) is not False,
            }
            if item.get("title"):
                title = TITLES_IN.get(item["title"], item["title"])
                vals["professional_title"] = message._enum(title, known_titles + list(TITLES_IN), "title")
            if item.get("specialty"):
                vals["specialty"] = item["specialty"]
            if item.get("introduction"):
                vals["public_profile"] = f"<p>{escape(item['introduction'])}</p>"
            if item.get("gender"):
                vals["gender"] = message._enum(item["gender"], ["male", "female", "other"], "gender")
            if item.get("phone"):
                vals["work_phone"] = item["phone"]
            message._upsert(Employee, {"his_code": item["code"]}, vals)
