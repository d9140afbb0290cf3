from odoo.tests import tagged
from odoo.tools import file_open

from .common import MONDAY, DutyCase, utc

HEADER = "Date,Shift,Department,Post,On-duty Staff,Duty Phone\n"
FIELDS = ["date", "kind", "department_id", "post", "employee_id", "duty_phone"]
OPTIONS = {
    "has_headers": True,
    "separator": ",",
    "quoting": '"',
    "encoding": "utf-8",
    "date_format": "%Y-%m-%d",
    "datetime_format": "",
    "float_thousand_separator": ",",
    "float_decimal_separator": ".",
    "import_skip_records": [],
    "import_set_empty_fields": [],
    "fallback_values": {},
    "name_create_enabled_fields": {},
}


@tagged("post_install", "-at_install")
class TestDutyRosterImport(DutyCase):
    """A department secretary's spreadsheet through Odoo's standard import."""

    def _wizard(self, user, content):
        return (
            self.env["base_import.import"]
            .with_user(user)
            .create({"res_model": "ihospital.duty.shift", "file": content, "file_type": "text/csv"})
        )

    def _import(self, user, rows):
        return self._wizard(user, (HEADER + rows).encode()).execute_import(FIELDS, [], dict(OPTIONS))

    def _errors(self, result):
        return [message["message"] for message in result["messages"] if message["type"] == "error"]

    def test_templates_are_offered_and_their_columns_map_by_themselves(self):
        templates = self.env["ihospital.duty.shift"].get_import_templates()
        self.assertEqual(len(templates), 2)
        for template in templates:
            with file_open(template["template"].lstrip("/"), "rb") as handle:
                self.assertTrue(handle.read().strip())
        with file_open("ihospital_staff/static/xls/ihospital_duty_shift.csv", "rb") as handle:
            content = handle.read()
        preview = self._wizard(self.user_quality, content).parse_preview(dict(OPTIONS))
        self.assertFalse(preview.get("error"))
        self.assertEqual([preview["matches"][index] for index in range(len(FIELDS))], [[name] for name in FIELDS])

    def test_import_a_roster(self):
        result = self._import(
            self.user_quality,
            "2030-03-04,Day Shift,Cardiology,On-duty Doctor,Dr Li,\n"
            "2030-03-04,Night Shift,Cardiology,On-duty Doctor,Dr Chen,13900000001\n"
            "2030-03-04,Day Shift,Cardiology,On-duty Nurse,Nurse Huang,\n"
            "2030-03-04,day,Surgery,nurse,Nurse Liang,\n"
            "2030-03-04,24-hour Shift,,Medical Affairs on Duty,Officer Zhou,\n",
        )
        self.assertFalse(self._errors(result), result["messages"])
        shifts = self.Shift.browse(result["ids"])
        self.assertEqual(len(shifts), 5)
        self.assertEqual(shifts.company_id, self.hospital)
        night = shifts.filtered(lambda s: s.kind == "night")
        self.assertEqual((night.employee_id, night.duty_phone), (self.emp_head, "13900000001"))
        self.assertEqual((night.start, night.stop), (utc(2030, 3, 4, 9, 30), utc(2030, 3, 5, 0, 0)))
        nurse = shifts.filtered(lambda s: s.employee_id == self.emp_nurse)
        self.assertEqual(
            nurse.duty_phone,
            "020-83820001",
            "an empty phone takes the staff member's work phone (she hides her mobile)",
        )
        medical_affairs = shifts.filtered(lambda s: s.post == "medical_affairs")
        self.assertFalse(medical_affairs.department_id)
        self.assertEqual(self.Shift._on_duty(self.hospital, at=utc(2030, 3, 4, 4, 0)), shifts - night)

    def test_a_bad_row_is_explained_and_nothing_is_imported(self):
        result = self._import(
            self.user_quality,
            "2030-03-04,Day Shift,Cardiology,On-duty Doctor,Dr Li,\n"
            "2030-03-04,Day Shift,Cardiology,On-duty Doctor,Nurse Huang,\n"
            "2030-03-04,Night Shift,Cardiology,On-duty Nurse,Nurse Huang,\n",
        )
        self.assertEqual(
            set(self._errors(result)), {"Nurse Huang cannot be the On-duty Doctor: this post is for a Doctor."}
        )
        # the second data row is the one named (the first message is the batch's, as Odoo reports it)
        self.assertIn(1, [message["record"] for message in result["messages"]])
        self.assertFalse(result["ids"])
        self.assertFalse(self.Shift.search([("date", "=", MONDAY)]), "nothing of the file is saved")

        result = self._import(
            self.user_quality,
            "2030-03-04,Day Shift,Cardiolgy,On-duty Doctor,Dr Li,\n"
            "2030-03-04,Day Shift,Surgery,On-duty Doctor,Dr Zhang,\n",
        )
        self.assertTrue(any("Cardiolgy" in error for error in self._errors(result)), result["messages"])
        self.assertFalse(result["ids"])

        result = self._import(self.user_quality, "2030-03-04,Morning,Cardiology,On-duty Doctor,Dr Li,\n")
        self.assertTrue(any("Morning" in error for error in self._errors(result)), result["messages"])
        result = self._import(self.user_quality, "2030-03-04,Day Shift,,On-duty Doctor,Dr Li,\n")
        self.assertEqual(
            set(self._errors(result)), {"The On-duty Doctor works for a department: choose the department."}
        )
        self.assertFalse(self.Shift.search([("date", "=", MONDAY)]))

    def test_a_head_imports_only_his_departments_roster(self):
        result = self._import(
            self.user_head,
            "2030-03-04,Day Shift,Cardiology,On-duty Doctor,Dr Li,\n",
        )
        self.assertFalse(self._errors(result), result["messages"])
        self.assertEqual(len(result["ids"]), 1)
        result = self._import(
            self.user_head,
            "2030-03-05,Day Shift,Cardiology,On-duty Doctor,Dr Li,\n"
            "2030-03-05,Day Shift,Surgery,On-duty Doctor,Dr Zhang,\n",
        )
        self.assertTrue(self._errors(result))
        self.assertFalse(result["ids"])
        self.assertFalse(self.Shift.search([("date", "=", "2030-03-05")]))

    def test_nurses_cannot_import(self):
        result = self._import(self.user_nurse, "2030-03-04,Day Shift,Cardiology,On-duty Nurse,Nurse Huang,\n")
        self.assertTrue(self._errors(result))
        self.assertFalse(self.Shift.search([("date", "=", MONDAY)]))
