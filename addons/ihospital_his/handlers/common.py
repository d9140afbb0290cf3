"""What every handler of an inbound HIS message type shares: the registry
that declares the types, the retry signal and the waiting keys."""

import contextvars
import re

from stdnum.cn import ric

from odoo.addons.ihospital_base.models.ihospital_lab_result import CRITICAL_FLAGS
from odoo.tools.misc import hmac as misc_hmac

# Set while the platform applies a message from the HIS, so that the changes
# it makes are not sent back to the HIS. A Python context variable, not a
# context key: an RPC caller sets any context key it likes.
HIS_INBOUND = contextvars.ContextVar("ihospital_his_inbound", default=False)

# waiting-key prefix -> where the awaited record is found
KEY_LOOKUPS = {
    "patient:his:": ("ihospital.patient", "his_patient_id"),
    "patient:card:": ("ihospital.patient", "medical_card_number"),
    "department:": ("hr.department", "his_code"),
    "doctor:": ("hr.employee", "his_code"),
    "schedule:": ("ihospital.schedule", "his_ref"),
    "order:": ("ihospital.medical.order", "name"),
}

# canonical inbound type -> its handler; filled by @register
REGISTRY = {}


def register(cls):
    """Declare the handler of an inbound message type. The gateway's
    schema, its HL7 routes and the message-type data are checked against
    this registry (tests/test_his_registry.py)."""
    if cls.message_type in REGISTRY:
        raise ValueError(f"{cls.message_type} has two handlers")
    REGISTRY[cls.message_type] = cls()
    return cls


class HisRetryError(Exception):
    """A record the message refers to is not known yet: it may arrive in a
    later message, so the message is retried with backoff, and at once when
    a message brings what it waits for (`keys`, see waiting_key())."""

    def __init__(self, message, keys=()):
        super().__init__(message)
        self.keys = tuple(keys)


def waiting_key(kind, value):
    """What a waiting message waits for, as a short key: 'patient:his:P0100',
    'department:XNK', 'schedule:S-12'."""
    return f"{kind}:{str(value).strip()}"


def patient_keys(env, patient_data):
    """The keys a patient object matches (its HIS id, card and ID number).
    An ID number is kept as a keyed hash: the key shows no identity (nor
    does a card number that is an ID number, as many hospitals' cards are)."""
    keys = []
    if patient_data.get("his_patient_id"):
        keys.append(waiting_key("patient:his", patient_data["his_patient_id"]))
    card = patient_data.get("medical_card_number")
    if card:
        card = str(card).strip()
        keys.append(waiting_key("patient:card", _hashed(env, card) if is_id_number(card) else card))
    if patient_data.get("id_number"):
        keys.append(waiting_key("patient:id", _hashed(env, patient_data["id_number"])))
    return keys


def is_id_number(value):
    """Whether `value` is a resident identity card number (居民身份证号)."""
    return ric.is_valid(re.sub(r"[\s-]", "", str(value)).upper())


def _hashed(env, number):
    number = re.sub(r"[\s-]", "", str(number)).upper()
    return misc_hmac(env(su=True), "ihospital-his-waiting-id", number)[:24]


class Handler:
    """How the platform applies one inbound message type.

    `process(message, data)` applies one message (its record, with the
    hospital's company, and its canonical data): it raises ValidationError
    or UserError for data that can never be applied (the message is
    parked) and HisRetryError for a record that may come later.

    A handler whose messages arrive in volume also applies a whole run of
    them set-based in `process_batch(messages)`, and returns the messages
    it left for the one-by-one path (anything unusual: an update, bad
    data); `processed` is what it applied, with the records it linked."""

    message_type = None
    batched = False
    # the key of `data` that names what a message is about (a report
    # number, a set of signs): an earlier message naming the same goes
    # with a critical one in the critical lane (see is_critical)
    subject_field = None
    # whether a message of this type brings its patient (a registration, an
    # admission): an earlier one of a critical result's patient goes with it
    brings_patient = False

    @property
    def provides(self):
        """Whether processed messages of this type may unblock waiting ones."""
        return type(self).provided_keys is not Handler.provided_keys

    def provided_keys(self, env, data):
        """The waiting keys a processed message of this type provides: what
        waiting messages it may unblock."""
        return []

    def is_critical(self, data):
        """Whether `data` carries a result its source flagged critical
        (危急值): known when the message is stored, such a message is
        applied ahead of the others (the critical lane of
        ihospital.his.message._cron_process). Must not raise on bad data."""
        return False

    def process(self, message, data):
        raise NotImplementedError

    def process_batch(self, messages):
        """(applied, left for the one-by-one path)"""
        return messages.browse(), messages


def changed_vals(record, vals):
    """The values of `vals` that differ from what `record` holds: a resent
    message writes (and tracks) only what it changes."""
    return {
        field: value
        for field, value in vals.items()
        if record._fields[field].convert_to_write(record[field], record) != value
    }


def flagged_critical(lines):
    """Whether any of `lines` (result lines or observations as sent) has a
    critical flag (HH, LL, AA); anything that is not a list of objects is
    not (its message is parked when applied)."""
    if not isinstance(lines, list):
        return False
    return any(isinstance(line, dict) and line.get("flag") in CRITICAL_FLAGS for line in lines)


def items_of(data):
    return [item for item in data.get("items") or [] if isinstance(item, dict)]
