"""One handler per inbound message type of the HIS protocol
(docs/his-protocol.md), found through REGISTRY."""

from . import appointment, complaint, master, patient, report, schedule, visit
from .common import HIS_INBOUND, KEY_LOOKUPS, REGISTRY, Handler, HisRetryError, patient_keys, register, waiting_key

__all__ = [
    "HIS_INBOUND",
    "KEY_LOOKUPS",
    "REGISTRY",
    "Handler",
    "HisRetryError",
    "appointment",
    "complaint",
    "master",
    "patient",
    "patient_keys",
    "register",
    "report",
    "schedule",
    "visit",
    "waiting_key",
]
