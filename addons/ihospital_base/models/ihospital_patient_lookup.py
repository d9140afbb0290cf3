import re
import unicodedata
from datetime import datetime, time, timedelta

import pytz

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL
from odoo.tools.sql import create_index

from ..pinyin import normalize_query
from .ihospital_patient import IDENTITY_GROUP

# How many rows each kind of match examines, in its index's order, before
# the record rules choose among them: what bounds a lookup's cost on a
# million patients whatever the term (one surname matches tens of thousands:
# the lookup then shows the first visible ones; typing more narrows it).
LOOKUP_CANDIDATES = 200
# A trigram index serves substrings of three characters or more only.
SUBSTRING_MIN = 3
# Prefixes of numbers shorter than this match nothing but exactly: "1"
# would walk every card number.
NUMBER_PREFIX_MIN = 4
# The columns prefix matches walk with a text_pattern_ops btree index
# (ordered by `~<~`, so a walk stops at the limit; a trigram index cannot).
PREFIX_COLUMNS = ("name", "medical_card_number", "his_patient_id", "id_number", "pinyin_full", "pinyin_initials")
_CODE = re.compile(r"[0-9A-Z]+")
_SPACES = re.compile(r"[\s\-]+")
# A longer term is no card, ID, HIS number or name.
TERM_MAX = 64


def _like_escape(text):
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class IhospitalPatient(models.Model):
    """What the staff screens ask of a patient (kept apart from
    ihospital_patient.py): the lookup by number or name, and the medical
    orders in force with today's executions."""

    _inherit = "ihospital.patient"  # pylint: disable=consider-merging-classes-inherited

    def init(self):
        res = super().init()
        for column in PREFIX_COLUMNS:
            create_index(
                self.env.cr,
                f"ihospital_patient__{column}_prefix_index",
                self._table,
                [f'"{column}" text_pattern_ops'],
            )
        return res

    @api.model
    def ihospital_lookup(self, term, limit=20):
        """The lab lookup (检验结果查询) of the staff app: the patients the
        caller may see whose medical card number, ID number or HIS number
        is `term` or starts with it, or whose name starts with it (in
        characters, full pinyin or initials) or contains it (three
        characters or more). Exact numbers first, then names. Staff only;
        the caller's record rules apply (a nurse finds her departments'
        patients only); the ID number is given masked; the lookup is logged
        with the patients it found, never with the term (it may be an ID
        number).

        :return: [{"id", "name", "gender", "age", "medical_card_number",
            "his_patient_id", "id_number_masked", "match"}]
        """
        if not self.env.user._is_internal():
            raise AccessError(_("Only hospital staff can look patients up."))
        if not isinstance(term, str) or not isinstance(limit, int) or isinstance(limit, bool):
            raise UserError(_("A lookup takes a text and a number of patients."))
        patients, kinds = self._ihospital_lookup(term, limit=max(1, min(limit, 100)))
        patients.fetch(["name", "gender", "birth_date", "medical_card_number", "his_patient_id"])
        self.env["ihospital.access.log"]._log(patients, "read", "lookup")
        return [
            {
                "id": patient.id,
                "name": patient.name,
                "gender": patient.gender or False,
                "age": patient.age if patient.birth_date else False,
                "medical_card_number": patient.medical_card_number or False,
                "his_patient_id": patient.his_patient_id or False,
                "id_number_masked": patient.id_number_masked or False,
                "match": kinds[patient.id],
            }
            for patient in patients
        ]

    @api.model
    def _ihospital_lookup(self, term, limit=20):
        """(patients, {patient id: kind of match}): the patients matching
        `term` that the current user may read (record rules applied), best
        matches first, at most `limit`. Two queries: the candidates of every
        kind of match at once (each an index walk of LOOKUP_CANDIDATES rows
        at most), then the record rules over them."""
        branches = self._ihospital_lookup_branches(term)
        if not branches:
            return self.browse(), {}
        self.flush_model(["name", "active", "company_id", *PREFIX_COLUMNS])
        # raw SQL: a union of ordered, limited index walks, which a domain
        # cannot say; the record rules are applied by the search below
        rows = self.env.execute_query(
            SQL(" UNION ALL ").join(
                SQL(
                    "(SELECT c.id, %s, row_number() OVER () FROM (SELECT id FROM ihospital_patient"
                    " WHERE active AND company_id = ANY(%s) AND %s%s LIMIT %s) AS c)",
                    number,
                    self.env.companies.ids,
                    condition,
                    SQL(" ORDER BY %s", order) if order else SQL(),
                    LOOKUP_CANDIDATES,
                )
                for number, (_kind, condition, order) in enumerate(branches)
            )
        )
        best = {}
        for patient_id, number, position in sorted(rows, key=lambda row: (row[1], row[2])):
            best.setdefault(patient_id, (number, position))
        if not best:
            return self.browse(), {}
        visible = self.search([("id", "in", list(best))], order="id")
        patients = self.browse(sorted(visible._ids, key=best.__getitem__)[:limit])
        return patients, {patient_id: branches[best[patient_id][0]][0] for patient_id in patients._ids}

    @api.model
    def _ihospital_lookup_branches(self, term):
        """[(kind of match, SQL condition, SQL order or None)], best first:
        what the lookup looks for, by the shape of the term (digits:
        numbers; letters: pinyin; characters: names)."""
        text = unicodedata.normalize("NFKC", term or "").strip()
        if not text or len(text) > TERM_MAX:
            return []
        exact, prefixes, others = [], [], []

        def prefix(kind, column, value):
            column = SQL.identifier(column)
            # ~<~ is the order of the text_pattern_ops index: a walk in it,
            # which stops at the limit
            prefixes.append((kind, SQL("%s LIKE %s", column, _like_escape(value) + "%"), SQL("%s USING ~<~", column)))

        code = _SPACES.sub("", text).upper()
        if _CODE.fullmatch(code) and any(char.isdigit() for char in code):
            # A role that sees ID numbers masked does not look patients up by
            # them at all: a prefix would give away the hidden digits one by
            # one, and even a whole number is an oracle (the masked number,
            # the birth date and the check digit leave a few guesses to try).
            columns = ("medical_card_number", "his_patient_id")
            if self.env.user.has_group(IDENTITY_GROUP):
                columns += ("id_number",)
            for column in columns:
                exact.append((column, SQL("%s = %s", SQL.identifier(column), code), None))
                if len(code) >= NUMBER_PREFIX_MIN:
                    prefix(column, column, code)
            return exact + prefixes

        query = normalize_query(text)
        if query and not query.isdigit():
            prefix("pinyin", "pinyin_full", query)
            prefix("initials", "pinyin_initials", query)
            if len(query) >= SUBSTRING_MIN:
                # inside a reading, and the other readings (单: shan, dan)
                condition = SQL(
                    "(pinyin_full LIKE %s OR pinyin_initials LIKE %s)",
                    "%" + _like_escape(query) + "%",
                    "% " + _like_escape(query) + "%",
                )
                others.append(("substring", condition, None))
            return prefixes + others

        name = _SPACES.sub("", text)
        prefix("name", "name", name)
        if len(name) >= SUBSTRING_MIN:
            others.append(("substring", SQL("name LIKE %s", "%" + _like_escape(name) + "%"), None))
        return prefixes + others

    def get_active_orders(self):
        """The patient's orders in force now and today's executions (at the
        hospital's date), for the patient's page of the staff app: a dict
        ready for JSON, the orders by kind (drugs first), then start. Read with the caller's rights (the orders' record
        rules: a nurse of another department gets none) and logged in the
        access log like any read of clinical data."""
        self.ensure_one()
        self.check_access("read")
        Order = self.env["ihospital.medical.order"]
        kinds = [kind for kind, _label in Order._fields["kind"].selection]
        orders = Order.search([("patient_id", "=", self.id), *Order._active_domain()]).sorted(
            lambda order: (kinds.index(order.kind), order.start_at, order.id)
        )
        executions = self.env["ihospital.order.execution"].search(
            [("order_id", "in", orders.ids), *self._today_domain("executed_at")], order="executed_at, id"
        )
        self.env["ihospital.access.log"]._log(orders, "read", "get_active_orders")
        self.env["ihospital.access.log"]._log(executions, "read", "get_active_orders")
        labels = {
            name: dict(Order._fields[name]._description_selection(self.env)) for name in ("kind", "term", "state")
        }
        execution_states = dict(executions._fields["state"]._description_selection(self.env))
        by_order = {}
        for execution in executions:
            by_order.setdefault(execution.order_id.id, []).append(
                {
                    "id": execution.id,
                    "executed_at": fields.Datetime.to_string(execution.executed_at),
                    "state": execution.state,
                    "state_label": execution_states[execution.state],
                    "executor": execution.executor_id.name or execution.executor_name or "",
                    "item_name": execution.item_name or "",
                    "dose": " ".join(part for part in (execution.dose, execution.dose_unit) if part),
                    "reason": execution.reason or "",
                }
            )
        return {
            "orders": [
                {
                    "id": order.id,
                    "name": order.name,
                    "kind": order.kind,
                    "kind_label": labels["kind"][order.kind],
                    "term": order.term or "",
                    "term_label": labels["term"].get(order.term, ""),
                    "item_name": order.item_name,
                    "dose": " ".join(part for part in (order.dose, order.dose_unit) if part),
                    "route": order.route or "",
                    "frequency": order.frequency or "",
                    "note": order.note or "",
                    "start_at": fields.Datetime.to_string(order.start_at),
                    "stop_at": fields.Datetime.to_string(order.stop_at) if order.stop_at else "",
                    "state": order.state,
                    "state_label": labels["state"][order.state],
                    "doctor": order.doctor_id.name or "",
                    "department": order.department_id.name or "",
                    "executions": by_order.get(order.id, []),
                }
                for order in orders
            ],
            "execution_count": len(executions),
        }

    def _today_domain(self, field_name):
        """`field_name` (a datetime) falls on today at the patient's hospital."""
        company = self.company_id
        tz = pytz.timezone(company.hospital_tz or "Asia/Shanghai")
        start = tz.localize(datetime.combine(company._ihospital_today(), time.min)).astimezone(pytz.utc)
        start = start.replace(tzinfo=None)
        return [(field_name, ">=", start), (field_name, "<", start + timedelta(days=1))]
