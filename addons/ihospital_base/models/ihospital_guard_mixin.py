from odoo import _, api, models
from odoo.exceptions import AccessError

# Roles, as group xml ids; the role sets below are what the models' action
# tables (`_action_groups`) are written with.
NURSE = "ihospital_base.group_nurse"
DOCTOR = "ihospital_base.group_doctor"
HEAD = "ihospital_base.group_department_head"
QUALITY = "ihospital_base.group_quality_officer"
DIRECTOR = "ihospital_base.group_director"
ADMIN = "ihospital_base.group_admin"
CLINIC_STAFF = (NURSE, DOCTOR, ADMIN)
# the roles whose reach is the whole hospital, not a department: they supervise
# its critical values, publish its notices and text any of its staff
HOSPITAL_WIDE = (QUALITY, DIRECTOR, ADMIN)
# An action that only opens the records the caller may read (no change).
VIEW_ONLY = ()


class ViewBy(tuple):
    """An action these roles (group xml ids) may call on the records they
    may read: it opens what the record rules show them and changes nothing,
    e.g. a head looks at which of his department's staff have read the
    director's notice."""


class IhospitalGuardMixin(models.AbstractModel):
    """Rights enforced in the method, not in the views.

    A model that inherits this declares:

    - `_action_groups`: every public `action_*` method with the roles that
      may call it. `_check_action()` refuses any other role and then checks
      the caller may write the records (record rules: own department, own
      hospital). A test fails for an `action_*` method missing here.
    - `_engine_fields`: fields only the engine changes (states, payment,
      queue, sync). A user's create or write that sets one is refused; the
      engine writes them as superuser after its own checks. `sudo()` is the
      only marker trusted: an RPC client can set any context key, but it
      cannot reach superuser mode.
    - `_patient_link_fields`: fields linking a patient. A user's create or
      write that sets one must come from a user who can already read that
      patient, so that linking cannot widen a record rule.
    - `_engine_create_only`: records only the engine creates (appointments
      come from the booking engine alone)."""

    _name = "ihospital.guard.mixin"
    _description = "Server-side Rights"

    _action_groups = {}
    _engine_fields = ()
    _patient_link_fields = ("patient_id",)
    _engine_create_only = False

    @classmethod
    def _ihospital_declared(cls, attribute):
        """A declaration (`_engine_fields`, `_action_groups`) gathered from
        every class of the model: each addon that extends a model declares
        only what it adds."""
        declared = [vars(klass)[attribute] for klass in reversed(cls.__mro__) if attribute in vars(klass)]
        if attribute == "_action_groups":
            return {action: groups for value in declared for action, groups in value.items()}
        return {name for value in declared for name in value}

    def _check_action(self, action):
        """Refuse `action` unless the caller has one of its roles and may
        change these records. The engine itself (sudo) passes."""
        if self.env.su:
            return
        groups = self._ihospital_declared("_action_groups").get(action)
        if groups is None:
            raise AccessError(_("%(action)s is not an action of %(model)s.", action=action, model=self._description))
        if groups == VIEW_ONLY:
            self.check_access("read")
            return
        if not any(self.env.user.has_group(group) for group in groups):
            raise AccessError(
                _(
                    "Your role does not allow this action (%(action)s) on %(model)s.",
                    action=action,
                    model=self._description,
                )
            )
        if isinstance(groups, ViewBy):
            self.check_access("read")
            return
        self._check_action_access()

    def _check_action_access(self):
        """Which records the caller may act on: those it may change."""
        self.check_access("write")

    def _check_guarded_vals(self, vals_list, creating=False):
        if self.env.su:
            return
        if creating and self._engine_create_only:
            raise AccessError(
                _("%s records are created by the system only; use the dedicated buttons.", self._description)
            )
        if creating:
            # what create() will also write: the caller's default_* context
            # keys (an RPC client sets any) and the users' own defaults
            vals_list = [self._ihospital_with_defaults(vals) for vals in vals_list]
        written = set().union(*vals_list) if vals_list else set()
        engine = written & self._ihospital_declared("_engine_fields")
        if engine:
            labels = sorted(self._fields[name]._description_string(self.env) for name in engine)
            raise AccessError(
                _(
                    "%(fields)s of %(model)s are changed by the system only; use the buttons instead.",
                    fields=", ".join(labels),
                    model=self._description,
                )
            )
        self._check_patient_links(vals_list)

    def _ihospital_with_defaults(self, vals):
        """`vals` with the values create() would add from the context
        (default_<field>) and from ir.default, for the guarded fields."""
        guarded = (self._ihospital_declared("_engine_fields") | set(self._patient_link_fields)) - set(vals)
        context_defaults = {
            key[8:]: value
            for key, value in self.env.context.items()
            if key.startswith("default_") and key[8:] in guarded
        }
        user_defaults = self.env["ir.default"]._get_model_defaults(self._name)
        return {**{k: v for k, v in user_defaults.items() if k in guarded}, **context_defaults, **vals}

    def _check_patient_links(self, vals_list):
        """The caller must already be able to read every patient the values
        link: linking a record to a patient widens what the record rules
        show, so it is no way to reach a patient."""
        patient_ids = {vals[name] for vals in vals_list for name in self._patient_link_fields if vals.get(name)}
        if not patient_ids:
            return
        # an emergency access lets a clinician read a patient for a few
        # hours, not link records that would keep the patient in view after
        # it expires: its grants are left out of this check (the key only
        # narrows, see ihospital_patient_emergency.py)
        patients = (
            self.env["ihospital.patient"]
            .with_context(active_test=False, ihospital_no_emergency_access=True)
            .browse(patient_ids)
        )
        try:
            patients.check_access("read")
        except AccessError as exc:
            raise AccessError(_("You cannot link a record to a patient you have no access to.")) from exc

    @api.model_create_multi
    def create(self, vals_list):
        self._check_guarded_vals(vals_list, creating=True)
        return super().create(vals_list)

    def write(self, vals):
        self._check_guarded_vals([vals])
        return super().write(vals)
