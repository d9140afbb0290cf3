"""JSON protocol of the HIS interface: one canonical envelope per line, validated against ``schema``."""

import datetime
import json
import re

from .schema import (
    INBOUND_TYPES,
    OUTBOUND_TYPES,
    PROTOCOL_VERSION,
    REPLY_STATUSES,
    Canonical,
    CodecError,
    check_control_id,
    patient_key,
    validate_data,
    validate_envelope,
)

_CONTROL_ID_RE = re.compile(r'"control_id"\s*:\s*"([^"\\]{1,64})"')


def sniff_control_id(text: str) -> str | None:
    """The control id of a line that is not valid JSON, if a regular expression can still find it."""
    match = _CONTROL_ID_RE.search(text or "")
    return match.group(1) if match else None


def _dumps(value) -> str:
    """Compact, one line (json never emits raw newlines), Chinese kept readable."""
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))


def parse(text: str, outbound: bool = False) -> Canonical:
    """Validate one JSON line as an inbound canonical message (``outbound=True``: a platform message)."""
    try:
        envelope = json.loads(text)
    except (ValueError, TypeError) as exc:
        raise CodecError("AR", "The message is not valid JSON: %s." % exc, sniff_control_id(text), "102") from None
    if not isinstance(envelope, dict):
        raise CodecError("AR", "The message must be a JSON object.", None, "102")
    raw_id = envelope.get("control_id")
    control_id = raw_id if isinstance(raw_id, str) and raw_id else None
    if envelope.get("version") != PROTOCOL_VERSION:
        raise CodecError(
            "AR",
            'Unsupported protocol version %s: field version must be "1".'
            % json.dumps(envelope.get("version"), ensure_ascii=False),
            control_id,
            "203",
        )
    message_type = envelope.get("type")
    if message_type not in (OUTBOUND_TYPES if outbound else INBOUND_TYPES):
        raise CodecError(
            "AR",
            "Unknown message type %s in field type (or not one the %s sends)."
            % (json.dumps(message_type, ensure_ascii=False), "platform" if outbound else "hospital"),
            control_id,
            "200",
        )
    check_control_id(raw_id)
    errors = validate_envelope(envelope)
    if errors:
        raise CodecError("AE", "Invalid message: %s." % "; ".join(errors), control_id, "102")
    data = validate_data(message_type, envelope["data"], control_id)
    return Canonical(
        protocol="json",
        type=message_type,
        control_id=control_id,
        sent_at=envelope.get("sent_at") or None,
        data=data,
        raw=text,
        patient_key=patient_key(data),
    )


def ack(control_id: str | None, status: str, error: str = "", his_ref: str = "") -> str:
    """The reply line (without newline) to a received JSON message (``his_ref``: a HIS's booking reply)."""
    reply = {"version": PROTOCOL_VERSION, "control_id": control_id or "", "status": status, "error": error}
    if his_ref:
        reply["his_ref"] = his_ref
    return _dumps(reply)


def _now_iso() -> str:
    return datetime.datetime.now().astimezone().replace(microsecond=0).isoformat()


def encode_outbound(message_type: str, control_id: str, data: dict) -> str:
    """The canonical envelope of a platform-initiated message, one line without newline."""
    check_control_id(control_id)
    data = validate_data(message_type, data, control_id)
    return _dumps(
        {
            "version": PROTOCOL_VERSION,
            "type": message_type,
            "control_id": control_id,
            "sent_at": _now_iso(),
            "data": data,
        }
    )


def parse_reply(text: str) -> dict:
    """A HIS reply line -> ``{"status", "error", "his_ref"}``; an unreadable reply is ``AE``."""
    try:
        reply = json.loads(text)
    except (ValueError, TypeError) as exc:
        return {"status": "AE", "error": "Unreadable reply from the HIS (not JSON: %s)." % exc, "his_ref": ""}
    if not isinstance(reply, dict) or reply.get("status") not in REPLY_STATUSES:
        return {
            "status": "AE",
            "error": "Unreadable reply from the HIS (status must be AA, AE or AR): %s" % str(text)[:200],
            "his_ref": "",
        }
    his_ref = reply.get("his_ref")
    return {
        "status": reply["status"],
        "error": str(reply.get("error") or ""),
        "his_ref": str(his_ref) if his_ref not in (None, "") else "",
    }
