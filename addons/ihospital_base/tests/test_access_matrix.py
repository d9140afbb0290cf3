"""The declared access matrix (access_matrix.py of each addon) against the
real ACLs, record rules and field groups."""

import importlib

from odoo.addons.ihospital_base.access_matrix import IDENTITY_GROUP, IDENTITY_ROLES
from odoo.tests import TransactionCase, new_test_user, tagged

OPERATIONS = {"r": "read", "w": "write", "c": "create", "d": "unlink"}


def _scope(env, model, user):
    """What the record rules let `user` read of `model`, in the matrix's
    words: a group rule that allows all (1 = 1) leaves the hospital
    isolation; one about departments, the department; one about what is
    published, the published records; any other group rule, the user's
    own records; no group rule, the hospital (or all, for models without
    hospital isolation)."""
    rules = env["ir.rule"].sudo().search([("model_id.model", "=", model), ("perm_read", "=", True)])
    global_rules = rules.filtered(lambda rule: not rule.groups)
    isolated = any("company_id" in rule.domain_force for rule in global_rules)
    group_rules = rules.filtered(lambda rule: rule.groups & user.groups_id)
    domains = [rule.domain_force.replace(" ", "") for rule in group_rules]
    if not domains or "[(1,'=',1)]" in domains:
        return "hospital" if isolated else "all"
    if any("department" in domain for domain in domains):
        return "department"
    if any("is_published" in domain for domain in domains):
        return "published"
    return "own"


@tagged("post_install", "-at_install")
class TestAccessMatrix(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.roles, cls.matrix, cls.identity = {}, {}, {}
        extends = []
        addons = cls.env["ir.module.module"].search([("name", "=like", "ihospital_%"), ("state", "=", "installed")])
        for addon in addons.mapped("name"):
            try:
                module = importlib.import_module(f"odoo.addons.{addon}.access_matrix")
            except ModuleNotFoundError:
                continue
            cls.roles.update(module.ROLES)
            cls.matrix.update(module.MATRIX)
            cls.identity.update(module.IDENTITY_FIELDS)
            # the roles an addon adds, on the models of other addons (those installed)
            extends.append(getattr(module, "EXTENDS", {}))
        for rows in extends:
            for model, row in rows.items():
                if model in cls.env and model in cls.matrix:
                    cls.matrix[model] = {**cls.matrix[model], **row}
        cls.users = {}
        for role, group in cls.roles.items():
            if group == "base.group_public":
                cls.users[role] = cls.env.ref("base.public_user")
            else:
                cls.users[role] = new_test_user(cls.env, login=f"matrix_{role}", groups=group)

    def test_every_model_of_the_suite_has_a_row(self):
        missing = [
            name
            for name, model in self.env.registry.items()
            if name.startswith("ihospital.") and not model._abstract and name not in self.matrix
        ]
        self.assertFalse(missing, "models of the suite without a row in an access_matrix.py")
        unknown = [name for name in self.matrix if name not in self.env]
        self.assertFalse(unknown, "rows for models that do not exist")

    def test_acls_are_what_the_matrix_declares(self):
        wrong = []
        for model, row in self.matrix.items():
            for role, user in self.users.items():
                declared = row.get(role, ("", "none"))[0]
                Model = self.env[model].with_user(user)
                for letter, operation in OPERATIONS.items():
                    if Model.has_access(operation) != (letter in declared):
                        wrong.append(f"{model} {role} {operation}: declared {letter in declared}")
        self.assertFalse(wrong)

    def test_rules_give_the_declared_scope(self):
        wrong = []
        for model, row in self.matrix.items():
            if self.env[model]._transient:
                continue  # wizards: short-lived forms; those holding data keep a create_uid rule
            for role, (_ops, scope) in row.items():
                if scope == "record":
                    continue
                actual = _scope(self.env, model, self.users[role])
                if actual != scope:
                    wrong.append(f"{model} {role}: declared {scope}, rules give {actual}")
        self.assertFalse(wrong)

    def test_identity_fields_need_the_identity_group(self):
        for model, names in self.identity.items():
            for name in names:
                field = self.env[model]._fields[name]
                self.assertEqual(field.groups, IDENTITY_GROUP, f"{model}.{name}")
        # every patient-identity-looking field of a model about patients is declared
        suspicious = {"id_number", "phone", "guardian_phone", "contact_phone", "pending_phone"}
        undeclared = [
            f"{name}.{field}"
            for name, model in self.env.registry.items()
            if name.startswith("ihospital.")
            and not model._abstract
            and ("patient_id" in model._fields or name == "ihospital.patient")
            for field in suspicious & set(model._fields)
            if not model._fields[field].related and field not in self.identity.get(name, ())
        ]
        self.assertFalse(undeclared, "identity fields not in IDENTITY_FIELDS")
        # the roles that see identity in full, and only those
        for role, user in self.users.items():
            self.assertEqual(user.has_group(IDENTITY_GROUP), role in IDENTITY_ROLES, role)
