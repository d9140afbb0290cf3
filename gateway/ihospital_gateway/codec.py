"""Wire codecs of the HIS interface: bytes <-> text <-> canonical messages, acknowledgements, replies.

The gateway core (servers, spool, forwarder) only talks to this module; the protocol details live in
``hl7codec`` (HL7 v2.5 via python-hl7) and ``jsoncodec`` (newline-delimited JSON), and the message model
(types, schemas, validation) in ``schema``. Every function takes the endpoint's protocol, ``"hl7"`` or
``"json"``. Nothing here does I/O; MLLP framing and the JSON line terminator are the transport's job
(``decode_bytes`` tolerates them, the encoders never add them).
"""

import codecs
import logging
import re

from . import hl7codec, jsoncodec
from .schema import INBOUND_TYPES, OUTBOUND_TYPES, Canonical, CodecError

__all__ = [
    "INBOUND_TYPES",
    "OUTBOUND_TYPES",
    "PROTOCOLS",
    "Canonical",
    "CodecError",
    "ack",
    "decode_bytes",
    "encode_outbound",
    "encode_text",
    "normalize_charset",
    "parse",
    "parse_reply",
]

_logger = logging.getLogger(__name__)

PROTOCOLS = ("hl7", "json")

#: HL7 table 0211 names (MSH-18) and common spellings -> Python codec. GBK is decoded as GB 18030,
#: its superset, so a sender that slips a character outside GBK is still understood.
_CHARSET_ALIASES = {
    "unicode utf-8": "utf-8",
    "utf-8": "utf-8",
    "utf8": "utf-8",
    "unicode": "utf-8",
    "gb 18030-2000": "gb18030",
    "gb18030": "gb18030",
    "gb 18030": "gb18030",
    "gbk": "gbk",
    "cp936": "gbk",
    "gb2312": "gbk",
    "gb 2312": "gbk",
    "ascii": "ascii",
    "8859/1": "latin-1",
}
_DECODE_AS = {"gbk": "gb18030"}
_MLLP_START, _MLLP_END = b"\x0b", b"\x1c"


def normalize_charset(charset: str | None) -> str:
    """The Python codec name of an endpoint or MSH-18 character set name (default UTF-8)."""
    if not charset:
        return "utf-8"
    key = re.sub(r"\s+", " ", charset.strip().lower().replace("_", " "))
    if key in _CHARSET_ALIASES:
        return _CHARSET_ALIASES[key]
    try:
        return codecs.lookup(key).name
    except LookupError:
        raise CodecError("AR", "Unknown character set %r." % charset, hl7_code="204") from None


def _check_protocol(protocol: str) -> None:
    if protocol not in PROTOCOLS:
        raise ValueError("protocol must be 'hl7' or 'json', not %r" % protocol)


def decode_bytes(payload: bytes, charset: str, protocol: str) -> str:
    """Decode one received message to text.

    For HL7, MSH-18 (``UNICODE UTF-8``, ``GB 18030-2000``, ``GBK``) overrides the endpoint's character
    set, because a HIS may send UTF-8 and GBK messages over the same link. MLLP framing bytes, a UTF-8
    byte order mark and the JSON line terminator are removed. Raises CodecError("AR") when the bytes are
    not text in that character set, naming the control id if it can be read.
    """
    _check_protocol(protocol)
    payload = payload.strip(_MLLP_START + _MLLP_END + b"\r\n") if protocol == "hl7" else payload.rstrip(b"\r\n")
    if payload.startswith(codecs.BOM_UTF8):
        payload, charset = payload[len(codecs.BOM_UTF8) :], "utf-8"
    codec_name = normalize_charset(charset)
    if protocol == "hl7":
        declared = hl7codec.declared_charset(payload, _DECODE_AS.get(codec_name, codec_name))
        if declared:
            codec_name = normalize_charset(declared)
    try:
        return payload.decode(_DECODE_AS.get(codec_name, codec_name))
    except UnicodeDecodeError as exc:
        control_id = _sniff_control_id(payload, protocol)
        raise CodecError(
            "AR",
            "The message is not valid %s text (byte %d: %s); check the character set (MSH-18 or the endpoint's "
            "configured character set)." % (codec_name, exc.start, exc.reason),
            control_id,
            hl7_code="204",
        ) from None


def _sniff_control_id(payload: bytes, protocol: str) -> str | None:
    """Best-effort control id of an undecodable message, so its rejection can name it."""
    text = payload.decode("latin-1")
    if protocol == "hl7":
        return hl7codec.sniff_control_id(text)
    return jsoncodec.sniff_control_id(text)


def encode_text(text: str, charset: str) -> bytes:
    """Encode text to send (a reply or an outbound message) in the endpoint's character set.

    An HL7 message naming its own character set in MSH-18 is encoded in that one (replies echo the
    sender's MSH-18). GBK is encoded as GB 18030, which is byte-identical for every GBK character and
    still represents the rare characters (生僻字 in names) that GBK lacks.
    """
    codec_name = normalize_charset(charset)
    if text.startswith("MSH"):
        declared = hl7codec.declared_charset(text.split("\r", 1)[0].encode("utf-8"), "utf-8")
        if declared:
            try:
                codec_name = normalize_charset(declared)
            except CodecError:
                _logger.warning("Unknown MSH-18 character set %r, encoding in %s", declared, codec_name)
    return text.encode(_DECODE_AS.get(codec_name, codec_name))


def parse(protocol: str, text: str, *, outbound: bool = False) -> Canonical:
    """Map one received message to its canonical form (HL7) or validate it (JSON).

    Raises CodecError: AR for an unknown message type, a wrong protocol version or text that is not a
    message at all; AE (naming the fields) for missing or invalid fields. ``outbound=True`` reads
    platform -> hospital messages instead (what a HIS receives; used by the simulator and tests).
    """
    _check_protocol(protocol)
    if protocol == "hl7":
        return hl7codec.parse(text, outbound=outbound)
    return jsoncodec.parse(text, outbound=outbound)


def ack(
    protocol: str,
    text: str | None,
    control_id: str | None,
    status: str,
    error: "str | CodecError" = "",
    *,
    his_ref: str = "",
) -> str:
    """The acknowledgement of a received message (``AA``, ``AE`` or ``AR``).

    HL7: ``ACK`` with the sender and receiver of the original MSH swapped, MSA-1 status, MSA-2 control
    id, MSA-3 error text and an ``ERR`` segment when there is an error (passing the CodecError itself
    as ``error`` puts its HL7 error code in ERR-3). JSON: one line without the terminating newline.
    Works when ``text`` is None or garbage (the ACK then has default MSH fields). ``his_ref`` is for a
    HIS answering a booking (SRR^S01 with SCH-2 / JSON ``his_ref``): the simulator uses it.
    """
    _check_protocol(protocol)
    if status not in ("AA", "AE", "AR"):
        raise ValueError("ack status must be AA, AE or AR, not %r" % status)
    hl7_code = error.hl7_code if isinstance(error, CodecError) else ""
    error = str(error or "")
    if protocol == "hl7":
        return hl7codec.ack(text, control_id, status, error, his_ref=his_ref, hl7_code=hl7_code)
    return jsoncodec.ack(control_id, status, error, his_ref=his_ref)


def encode_outbound(protocol: str, type: str, control_id: str, data: dict, charset: str | None = None) -> str:
    """A platform-initiated message (``booking.create``, ``booking.cancel``, ``patient.sync``,
    ``critical.receipt``) as text.

    HL7: SRM^S01, SRM^S04, ADT^A31, ZCR^Z01 (``charset`` given -> written to MSH-18). JSON: the canonical envelope
    on one line. ``data`` is validated first: CodecError("AE") means the platform queued a message the
    HIS could not use, and it should be reported back rather than sent.
    """
    _check_protocol(protocol)
    if type not in OUTBOUND_TYPES:
        raise CodecError("AR", "%r is not a platform-to-hospital message type." % type, control_id, "200")
    if protocol == "hl7":
        return hl7codec.encode_outbound(type, control_id, data, charset=charset)
    return jsoncodec.encode_outbound(type, control_id, data)


def parse_reply(protocol: str, text: str) -> dict:
    """The HIS's answer to an outbound message: ``{"status", "error", "his_ref"}``.

    HL7: ``ACK``, ``SRR^S01`` or ``SRR^S04`` (MSA-1, MSA-3 or ERR, SCH-2 = HIS appointment number).
    JSON: the reply line. A reply that cannot be understood is reported as ``AE`` with the reason, so
    the platform retries the message instead of assuming the HIS processed it.
    """
    _check_protocol(protocol)
    if protocol == "hl7":
        return hl7codec.parse_reply(text)
    return jsoncodec.parse_reply(text)
