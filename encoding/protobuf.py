"""Kubernetes protobuf (``application/vnd.kubernetes.protobuf``) for JSON-shaped objects.

Wire format (k8s.io/apimachinery/pkg/runtime/serializer/protobuf): the 4 bytes ``k8s\\x00`` then a
``runtime.Unknown`` message {typeMeta{apiVersion, kind}, raw, contentEncoding, contentType} whose ``raw`` is
the object's own protobuf encoding, with the field numbers of k8s.io/api. Watch streams frame each
``meta.v1.WatchEvent`` {type, object: RawExtension{raw: a whole envelope}} with a 4-byte big-endian length.

The codec is driven by the schema table in :mod:`encoding.k8s_schema` (fields in Go struct order with their
proto numbers, Go pointer-ness and JSON tags), so the bytes are those of kube's gogo marshaller: fields in
number order, non-pointer scalars and structs always written (an empty ``generateName`` is ``12 00``),
pointers only when set, map entries sorted by key. Decoding produces the JSON kube would write for the same
object (field order, ``omitempty``, inline structs).
"""

from __future__ import annotations

import base64
import re
import struct
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from . import deepjson
from .goyaml import GO_UTF8
from .k8s_schema import KINDS, MESSAGES

PREFIX = b"k8s\x00"
CONTENT_TYPE = "application/vnd.kubernetes.protobuf"

META = "k8s.io.apimachinery.pkg.apis.meta.v1."
TIME = META + "Time"
MICRO_TIME = META + "MicroTime"
DURATION = META + "Duration"
FIELDS_V1 = META + "FieldsV1"
QUANTITY = "k8s.io.apimachinery.pkg.api.resource.Quantity"
INT_OR_STRING = "k8s.io.apimachinery.pkg.util.intstr.IntOrString"
RAW_EXTENSION = "k8s.io.apimachinery.pkg.runtime.RawExtension"
#: Go's ``type ExtraValue []string``: a JSON list of strings, on the wire a message {repeated string items = 1}
STRING_LISTS = frozenset(
    f"k8s.io.api.{group}.v1.ExtraValue" for group in ("certificates", "authentication", "authorization")
)
SPECIAL_MESSAGES = frozenset(
    (TIME, MICRO_TIME, DURATION, FIELDS_V1, QUANTITY, INT_OR_STRING, RAW_EXTENSION, *STRING_LISTS)
)

_VARINT = frozenset(("int32", "int64", "uint32", "uint64", "bool", "sint32", "sint64", "enum"))
_WIRE = {"double": 1, "fixed64": 1, "sfixed64": 1, "float": 5, "fixed32": 5, "sfixed32": 5}


#: meta/v1 kinds kube's scheme registers in every group version (client-go sends DeleteOptions as "v1",
#: "apps/v1", ... with the request's group version)
_IN_EVERY_GROUP_VERSION = frozenset(("DeleteOptions",))


class ProtobufError(ValueError):
    """The object cannot be represented in (or decoded from) the Kubernetes protobuf schema."""


def has_schema(api_version: str, kind: str) -> bool:
    return (api_version, kind) in KINDS


# --- low-level wire helpers ---------------------------------------------------------------------------


def varint(value: int) -> bytes:
    if value < 0:
        value += 1 << 64
    out = bytearray()
    while value > 0x7F:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def _tag(number: int, wire: int) -> bytes:
    return varint((number << 3) | wire)


#: io.ErrUnexpectedEOF, what gogo-protobuf's generated decoders answer for a message cut short
_EOF = "unexpected EOF"


def _read_varint(data: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        if pos >= len(data):
            raise ProtobufError(_EOF)
        b = data[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if not b & 0x80:
            return result, pos
        shift += 7
        if shift >= 64:
            raise ProtobufError("proto: integer overflow")


def parse_fields(data: bytes) -> dict[int, list[Any]]:
    """Raw fields of a message: {number: [int (varint/fixed) or bytes (length-delimited)]}."""
    fields: dict[int, list[Any]] = {}
    pos, end = 0, len(data)
    while pos < end:
        key, pos = _read_varint(data, pos)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = _read_varint(data, pos)
        elif wire == 2:
            length, pos = _read_varint(data, pos)
            if length >= 2**63:
                raise ProtobufError("proto: negative length found during unmarshaling")
            if pos + length > end:
                raise ProtobufError(_EOF)
            value = data[pos : pos + length]
            pos += length
        elif wire in (1, 5):
            size = 8 if wire == 1 else 4
            if pos + size > end:
                raise ProtobufError(_EOF)
            value = data[pos : pos + size]
            pos += size
        else:
            raise ProtobufError(f"proto: illegal wireType {wire}")
        fields.setdefault(number, []).append(value)
    return fields


# --- compiled schema ----------------------------------------------------------------------------------


@dataclass(slots=True)
class _Field:
    json: str
    number: int
    type: str
    repeated: bool
    ptr: bool
    omitempty: bool
    inline: bool
    is_bytes: bool
    omitzero: bool = False
    map_key: str = ""
    map_value: str = ""
    #: the Go type encoding/json's errors name when the proto type does not tell it (the table's go= flag)
    go: str = ""


_compiled: dict[str, tuple[list[_Field], list[_Field]]] = {}


def _fields(msg: str) -> tuple[list[_Field], list[_Field]]:
    """(fields in Go/JSON order, fields in number order) of a message."""
    cached = _compiled.get(msg)
    if cached is not None:
        return cached
    spec = MESSAGES.get(msg)
    if spec is None:
        raise ProtobufError(f"no protobuf schema for {msg}")
    out = []
    for json_name, number, type_, flags in spec:
        fl = set(flags.split(",")) if flags else set()
        f = _Field(json_name, number, type_, "repeated" in fl, "ptr" in fl, "omitempty" in fl, "inline" in fl,
                   "bytes" in fl or type_ == "bytes", "omitzero" in fl)  # fmt: skip
        if type_.startswith("map<"):
            key, value = type_[4:-1].split(",", 1)
            f.map_key, f.map_value = key.strip(), value.strip()
        for flag in fl:
            if flag.startswith("go="):
                f.go = flag[3:]
        out.append(f)
    result = (out, sorted(out, key=lambda f: f.number))
    _compiled[msg] = result
    return result


# --- encoding: JSON-shaped dict -> protobuf ------------------------------------------------------------


def _rfc3339_seconds(value: str) -> tuple[int, int]:
    text = value.replace("Z", "+00:00")
    dt = datetime.fromisoformat(text)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    seconds = int(dt.timestamp() // 1)
    return seconds, dt.microsecond * 1000


def _encode_special(msg: str, value: Any) -> bytes:
    if msg in (TIME, MICRO_TIME):
        if not value:
            return b""
        seconds, nanos = _rfc3339_seconds(value)
        if msg == TIME:
            nanos = 0
        return _tag(1, 0) + varint(seconds) + _tag(2, 0) + varint(nanos)
    if msg == QUANTITY:
        text = value if isinstance(value, str) else _number_text(value)
        raw = text.encode()
        return _tag(1, 2) + varint(len(raw)) + raw
    if msg == INT_OR_STRING:
        if isinstance(value, str):
            raw = value.encode()
            return _tag(1, 0) + b"\x01" + _tag(2, 0) + b"\x00" + _tag(3, 2) + varint(len(raw)) + raw
        return _tag(1, 0) + b"\x00" + _tag(2, 0) + varint(int(value)) + _tag(3, 2) + b"\x00"
    if msg in (FIELDS_V1, RAW_EXTENSION):
        raw = deepjson.dumps(value)
        return _tag(1, 2) + varint(len(raw)) + raw
    if msg == DURATION:
        return _tag(1, 0) + varint(_parse_go_duration(str(value)))
    if msg in STRING_LISTS:
        return b"".join(len_field(1, str(item).encode()) for item in value or ())
    raise ProtobufError(f"unhandled special type {msg}")


def _number_text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


_DURATION_UNITS = {"ns": 1, "us": 1_000, "µs": 1_000, "ms": 1_000_000, "s": 10**9, "m": 60 * 10**9, "h": 3600 * 10**9}


def _parse_go_duration(text: str) -> int:
    total = 0
    sign = -1 if text.startswith("-") else 1
    for number, unit in re.findall(r"([0-9.]+)(ns|us|µs|ms|s|m|h)", text):
        total += int(float(number) * _DURATION_UNITS[unit])
    return sign * total


def _scalar(f_type: str, number: int, value: Any) -> bytes:
    if f_type == "string":
        raw = value.encode() if isinstance(value, str) else str(value).encode()
        return _tag(number, 2) + varint(len(raw)) + raw
    if f_type == "bytes":
        raw = base64.b64decode(value) if isinstance(value, str) else bytes(value)
        return _tag(number, 2) + varint(len(raw)) + raw
    if f_type == "bool":
        return _tag(number, 0) + (b"\x01" if value else b"\x00")
    if f_type in _VARINT:
        try:
            return _tag(number, 0) + varint(int(value))
        except (TypeError, ValueError):
            raise ProtobufError(f"field {number}: {value!r} is not an integer") from None
    if f_type in ("double", "float"):
        fmt = "<d" if f_type == "double" else "<f"
        return _tag(number, _WIRE[f_type]) + struct.pack(fmt, float(value))
    if f_type in _WIRE:
        size = "<q" if _WIRE[f_type] == 1 else "<i"
        return _tag(number, _WIRE[f_type]) + struct.pack(size, int(value))
    raise ProtobufError(f"unhandled scalar type {f_type}")


def _zero(f_type: str) -> Any:
    if f_type == "string":
        return ""
    if f_type == "bool":
        return False
    if f_type in ("double", "float"):
        return 0.0
    return 0


def _is_message(f_type: str) -> bool:
    return "." in f_type and not f_type.startswith("map<")


def len_field(number: int, payload: bytes) -> bytes:
    return _tag(number, 2) + varint(len(payload)) + payload


def encode_message(obj: dict[str, Any], msg: str) -> bytes:
    if msg in SPECIAL_MESSAGES:
        return _encode_special(msg, obj)
    _, by_number = _fields(msg)
    parts: list[bytes] = []
    for f in by_number:
        if f.inline:
            parts.append(len_field(f.number, encode_message(obj, f.type)))
            continue
        value = obj.get(f.json)
        if f.map_key:
            if not value:
                continue
            for k in sorted(value):
                entry = _scalar(f.map_key, 1, k)
                v = value[k]
                if _is_message(f.map_value):
                    entry += len_field(2, encode_message(v if v is not None else {}, f.map_value))
                else:
                    entry += _scalar(f.map_value, 2, v if v is not None else _zero(f.map_value))
                parts.append(len_field(f.number, entry))
            continue
        if f.repeated:
            if not value:
                continue
            if _is_message(f.type):
                for item in value:
                    parts.append(len_field(f.number, encode_message(item if item is not None else {}, f.type)))
            else:
                for item in value:
                    parts.append(_scalar(f.type, f.number, item))
            continue
        if value is None:
            if f.ptr or f.is_bytes:
                continue
            if _is_message(f.type):
                parts.append(len_field(f.number, encode_message({} if f.type not in SPECIAL_MESSAGES else "", f.type)))
            else:
                parts.append(_scalar(f.type, f.number, _zero(f.type)))
            continue
        if _is_message(f.type):
            parts.append(len_field(f.number, encode_message(value, f.type)))
        else:
            parts.append(_scalar(f.type, f.number, value))
    return b"".join(parts)


def _unknown(api_version: str, kind: str, raw: bytes) -> bytes:
    av, k = api_version.encode(), kind.encode()
    type_meta = len_field(1, av) + len_field(2, k)
    return len_field(1, type_meta) + len_field(2, raw) + b"\x1a\x00\x22\x00"


def encode_object(obj: dict[str, Any]) -> bytes:
    """An API object (with kind/apiVersion) as ``k8s\\x00`` + runtime.Unknown, as kube serves it."""
    api_version, kind = obj.get("apiVersion", ""), obj.get("kind", "")
    msg = KINDS.get((api_version, kind))
    if msg is None:
        raise ProtobufError(f"no protobuf schema for {api_version}, Kind={kind}")
    return PREFIX + _unknown(api_version, kind, encode_message(obj, msg))


def encode_list(api_version: str, list_kind: str, list_meta: dict[str, Any], item_payloads: list[bytes]) -> bytes:
    """A list from already-encoded item messages (each item's raw object bytes, without envelope)."""
    msg = KINDS.get((api_version, list_kind))
    if msg is None:
        raise ProtobufError(f"no protobuf schema for {api_version}, Kind={list_kind}")
    meta = len_field(1, encode_message(list_meta, META + "ListMeta"))
    body = meta + b"".join(len_field(2, p) for p in item_payloads)
    return PREFIX + _unknown(api_version, list_kind, body)


def object_payload(obj: dict[str, Any]) -> bytes:
    """The object's own message bytes (what a list item or an Unknown's ``raw`` carries)."""
    msg = KINDS.get((obj.get("apiVersion", ""), obj.get("kind", "")))
    if msg is None:
        raise ProtobufError(f"no protobuf schema for {obj.get('apiVersion')}, Kind={obj.get('kind')}")
    return encode_message(obj, msg)


def watch_event(event_type: str, envelope: bytes) -> bytes:
    """meta.v1.WatchEvent{type, object: RawExtension{raw: envelope}} framed with a 4-byte length."""
    body = len_field(1, event_type.encode()) + len_field(2, len_field(1, envelope))
    return struct.pack(">I", len(body)) + body


# --- decoding: protobuf -> JSON-shaped dict ------------------------------------------------------------


def _decode_special(msg: str, data: bytes) -> Any:
    fields = parse_fields(data)
    if msg in (TIME, MICRO_TIME):
        seconds = _signed(fields.get(1, [0])[-1])
        nanos = fields.get(2, [0])[-1]
        if not seconds and not nanos:
            return None
        dt = datetime.fromtimestamp(seconds, UTC).replace(microsecond=nanos // 1000)
        if msg == TIME:
            return dt.strftime("%Y-%m-%dT%H:%M:%SZ")
        return dt.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if msg == QUANTITY:
        return fields.get(1, [b""])[-1].decode()
    if msg == INT_OR_STRING:
        if fields.get(1, [0])[-1] == 1:
            return fields.get(3, [b""])[-1].decode()
        return _signed32(fields.get(2, [0])[-1])
    if msg in (FIELDS_V1, RAW_EXTENSION):
        raw = fields.get(1, [b""])[-1]
        return deepjson.loads(raw) if raw else None
    if msg == DURATION:
        return _format_go_duration(_signed(fields.get(1, [0])[-1]))
    if msg in STRING_LISTS:
        return [item.decode() for item in fields.get(1, [])]
    raise ProtobufError(f"unhandled special type {msg}")


def _format_go_duration(ns: int) -> str:
    if ns == 0:
        return "0s"
    sign = "-" if ns < 0 else ""
    ns = abs(ns)
    h, rem = divmod(ns, 3600 * 10**9)
    m, rem = divmod(rem, 60 * 10**9)
    s = rem / 10**9
    out = f"{h}h" if h else ""
    if h or m:
        out += f"{m}m"
    out += f"{s:g}s"
    return sign + out


def _signed(value: int) -> int:
    return value - (1 << 64) if value >= 1 << 63 else value


def _signed32(value: int) -> int:
    value = _signed(value)
    return value - (1 << 32) if value >= 1 << 31 else value


def _decode_scalar(f_type: str, raw: Any) -> Any:
    if f_type == "string":
        return raw.decode("utf-8", GO_UTF8)  # Go keeps the bytes; its JSON writes U+FFFD for each bad one
    if f_type == "bytes":
        return base64.b64encode(raw).decode()
    if f_type == "bool":
        return bool(raw)
    if f_type in ("int64", "sint64"):
        return _signed(raw)
    if f_type in ("int32", "sint32", "enum"):
        return _signed32(raw)
    if f_type in ("uint32", "uint64"):
        return raw
    if f_type == "double":
        return struct.unpack("<d", raw)[0]
    if f_type == "float":
        return struct.unpack("<f", raw)[0]
    if f_type in ("fixed64", "sfixed64"):
        return struct.unpack("<q" if f_type == "sfixed64" else "<Q", raw)[0]
    if f_type in ("fixed32", "sfixed32"):
        return struct.unpack("<i" if f_type == "sfixed32" else "<I", raw)[0]
    raise ProtobufError(f"unhandled scalar type {f_type}")


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == 0 or value is False or value == [] or value == {}


def decode_message(data: bytes, msg: str) -> Any:
    if msg in SPECIAL_MESSAGES:
        return _decode_special(msg, data)
    ordered, _ = _fields(msg)
    raw = parse_fields(data)
    out: dict[str, Any] = {}
    for f in ordered:
        values = raw.get(f.number)
        if f.inline:
            nested = decode_message(values[-1] if values else b"", f.type)
            out.update(nested)
            continue
        if f.map_key:
            m: dict[str, Any] = {}
            for entry in values or []:
                ef = parse_fields(entry)
                k = _decode_scalar(f.map_key, ef[1][-1]) if 1 in ef else _zero(f.map_key)
                if _is_message(f.map_value):
                    m[k] = decode_message(ef[2][-1] if 2 in ef else b"", f.map_value)
                else:
                    m[k] = _decode_scalar(f.map_value, ef[2][-1]) if 2 in ef else _zero(f.map_value)
            if m or not f.omitempty:
                out[f.json] = m or None
            continue
        if f.repeated:
            items = [
                decode_message(v, f.type) if _is_message(f.type) else _decode_scalar(f.type, v) for v in values or []
            ]
            if items or not f.omitempty:
                out[f.json] = items or None
            continue
        if not values:
            if f.ptr or f.is_bytes:
                if not f.omitempty:
                    out[f.json] = None
                continue
            value = decode_message(b"", f.type) if _is_message(f.type) else _zero(f.type)
        elif _is_message(f.type):
            value = decode_message(values[-1], f.type)
        else:
            value = _decode_scalar(f.type, values[-1])
        if _is_message(f.type):
            if value is None and f.omitzero:
                continue  # omitzero drops a zero Time; omitempty never drops a struct (a zero Time is null)
        elif f.omitempty and not f.ptr and _empty(value):
            continue  # a set pointer is kept even when it points to a zero value
        out[f.json] = value
    return out


def decode_unknown(data: bytes) -> tuple[str, str, bytes]:
    """(apiVersion, kind, raw) of a ``k8s\\x00`` envelope."""
    if not data:
        raise ProtobufError("empty data")
    if not data.startswith(PREFIX):
        raise ProtobufError("provided data does not appear to be a protobuf message, expected prefix [107 56 115 0]")
    fields = parse_fields(data[len(PREFIX) :])
    try:
        type_meta = parse_fields(fields.get(1, [b""])[-1])
        api_version = type_meta.get(1, [b""])[-1].decode("utf-8", "replace")
        kind = type_meta.get(2, [b""])[-1].decode("utf-8", "replace")
        raw = fields.get(2, [b""])[-1]
        len(raw)
    except (TypeError, AttributeError):  # a varint where runtime.Unknown has bytes
        raise ProtobufError("proto: wrong wireType for a field of Unknown") from None
    return api_version, kind, raw


def decode_object(data: bytes) -> dict[str, Any]:
    """A ``k8s\\x00`` envelope as the JSON object kube would serve for it."""
    api_version, kind, raw = decode_unknown(data)
    msg = KINDS.get((api_version, kind))
    if msg is None and kind in _IN_EVERY_GROUP_VERSION and api_version:
        msg = META + kind  # kube registers the options kinds in every group version
    if msg is None:
        raise ProtobufError(f'no kind "{kind}" is registered for version "{api_version}"')
    try:
        body = decode_message(raw, msg)
    except RecursionError:  # recursive messages (JSONSchemaProps) nested past what this server stores
        raise ProtobufError("exceeded max depth") from None
    except ProtobufError:
        raise
    except (TypeError, AttributeError):  # a varint where bytes belong, or the reverse
        raise ProtobufError("proto: wrong wireType for a field of " + msg.rsplit(".", 1)[-1]) from None
    except (struct.error, ValueError, IndexError, KeyError, OverflowError) as exc:
        raise ProtobufError(f"proto: {exc}") from None
    return {"kind": kind, "apiVersion": api_version, **body}
