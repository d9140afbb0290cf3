"""One handler per inbound message type of the HIS protocol
(docs/his-protocol.md), found through REGISTRY."""

from . import (
    admission,
    allergy,
    appointment,
    complaint,
    exam,
    master,
    order,
    patient,
    report,
    schedule,
    stats,
    visit,
    vital,
)
from .common import HIS_INBOUND, KEY_LOOKUPS, REGISTRY, Handler, HisRetryError, patient_keys, register, waiting_key

__all__ = [
    "HIS_INBOUND",
    "KEY_LOOKUPS",
    "REGISTRY",
    "Handler",
    "HisRetryError",
    "admission",
    "allergy",
    "appointment",
    "complaint",
    "exam",
    "master",
    "order",
    "patient",
    "patient_keys",
    "register",
    "report",
    "schedule",
    "stats",
    "visit",
    "vital",
    "waiting_key",
]
