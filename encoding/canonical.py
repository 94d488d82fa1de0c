"""kube's canonical JSON of a typed object, by per-message plans compiled once.

kube decodes a body into its Go struct and stores the struct's protobuf; what it serves back is that protobuf
decoded again. So the canonical form of an object is ``decode(encode(obj))`` through the Kubernetes
protobuf codec (:mod:`encoding.protobuf`): Go field order, ``omitempty`` zero values dropped, non-pointer
structs and scalars present, maps sorted by key, timestamps at the precision their type keeps, unknown
fields gone. That round trip in pure Python cost 657 us per Pod and 71 ms for a 0.9 MB ConfigMap
(``bench/write_path.py``), and every write paid it twice.

This module computes the same result in one pass: for each message of the schema table it generates a
Python function (source text, compiled with ``exec`` on first use of a kind) that reads the JSON fields in
Go order and writes each as the round trip would have left it. The protobuf codec stays the reference:
``tests/test_canonical.py`` checks the two agree on every built-in type's fixtures and on generated
objects.
"""

from __future__ import annotations

import base64
import itertools
import struct
from datetime import UTC, datetime
from typing import Any

from . import deepjson, protobuf
from .k8s_schema import KINDS
from .protobuf import (
    DURATION,
    FIELDS_V1,
    INT_OR_STRING,
    MICRO_TIME,
    QUANTITY,
    RAW_EXTENSION,
    SPECIAL_MESSAGES,
    TIME,
    ProtobufError,
)

Obj = dict[str, Any]
_U64 = 1 << 64

# --- scalars and special messages as the round trip leaves them -----------------------------------------


def _int_of(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ProtobufError(f"{value!r} is not an integer") from None


def _wrapped(value: Any) -> int:
    """The integer a varint carries (two's complement in 64 bits), as the encoder writes it."""
    n = _int_of(value)
    if not -_U64 <= n < _U64:
        raise ProtobufError(f"{value!r} does not fit in 64 bits")
    return n % _U64


def _int64(value: Any) -> int:
    if value.__class__ is int and -(1 << 63) <= value < 1 << 63:
        return value
    n = _wrapped(value)
    return n - _U64 if n >= 1 << 63 else n


def _int32(value: Any) -> int:
    if value.__class__ is int and -(1 << 31) <= value < 1 << 31:
        return value
    n = _int64(value)
    return (n & 0xFFFFFFFF) - (1 << 32) if n & 0x80000000 else n & 0xFFFFFFFF


def _uint(value: Any) -> int:
    if value.__class__ is int and 0 <= value < _U64:
        return value
    return _wrapped(value)


def _string(value: Any) -> str:
    return value if value.__class__ is str else str(value)


def _bytes(value: Any) -> str:
    raw = base64.b64decode(value) if isinstance(value, str) else bytes(value)
    return base64.b64encode(raw).decode()


def _float32(value: Any) -> float:
    return struct.unpack("<f", struct.pack("<f", float(value)))[0]


def _packed(fmt: str) -> Any:
    def convert(value: Any) -> int:
        return struct.unpack(fmt, struct.pack(fmt, _int_of(value)))[0]

    return convert


_SCALARS: dict[str, Any] = {
    "string": _string,
    "bytes": _bytes,
    "bool": bool,
    "int32": _int32,
    "sint32": _int32,
    "enum": _int32,
    "int64": _int64,
    "sint64": _int64,
    "uint32": _uint,
    "uint64": _uint,
    "double": float,
    "float": _float32,
    "fixed64": _packed("<Q"),
    "sfixed64": _packed("<q"),
    "fixed32": _packed("<I"),
    "sfixed32": _packed("<i"),
}

#: timestamps already seen, by their text (a write's are mostly "now"); cleared when it grows past the bound
_TIMES: dict[tuple[str, str], Any] = {}
_TIMES_BOUND = 4096


def _time(value: Any, micro: bool) -> Any:
    """Time keeps seconds, MicroTime microseconds; the zero time is null."""
    if not value:
        return None
    key = (value, "u" if micro else "s") if value.__class__ is str else None
    if key is not None:
        hit = _TIMES.get(key)
        if hit is not None:
            return hit
    text = value.replace("Z", "+00:00")
    dt = datetime.fromisoformat(text)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    seconds = int(dt.timestamp() // 1)
    micros = dt.microsecond if micro else 0
    if not seconds and not micros:
        out = None
    else:
        out = datetime.fromtimestamp(seconds, UTC).replace(microsecond=micros)
        out = out.strftime("%Y-%m-%dT%H:%M:%S.%fZ" if micro else "%Y-%m-%dT%H:%M:%SZ")
    if key is not None and out is not None:
        if len(_TIMES) >= _TIMES_BOUND:
            _TIMES.clear()
        _TIMES[key] = out
    return out


def _special(msg: str, value: Any) -> Any:
    """A special message's JSON after the round trip (``value`` not None)."""
    if msg == TIME:
        return _time(value, False)
    if msg == MICRO_TIME:
        return _time(value, True)
    if msg == QUANTITY:
        return value if value.__class__ is str else protobuf._number_text(value)
    if msg == INT_OR_STRING:
        return value if isinstance(value, str) else _int32(value)
    if msg == FIELDS_V1 and value.__class__ is dict:
        # JSON already (a decoded body's or the field manager's): shared, not copied; nothing changes a
        # fieldsV1 in place (the copy through JSON was 4% of a pod create, twice per managedFields entry)
        return value
    if msg in (FIELDS_V1, RAW_EXTENSION):
        return deepjson.loads(deepjson.dumps(value))
    if msg == DURATION:
        return protobuf._format_go_duration(_int64(protobuf._parse_go_duration(str(value))))
    if msg in protobuf.STRING_LISTS:
        return [str(item) for item in value or ()]
    raise ProtobufError(f"unhandled special type {msg}")


# --- plan compilation ----------------------------------------------------------------------------------


class _Compiler:
    """Generates one Python function per message reachable from a kind; names are ``m<N>``."""

    def __init__(self) -> None:
        self.names: dict[str, str] = {}
        self.pending: list[str] = []
        self.sources: list[str] = []

    def name(self, msg: str) -> str:
        name = self.names.get(msg)
        if name is None:
            name = self.names[msg] = f"m{next(_COUNTER)}"
            self.pending.append(msg)
        return name

    def value_expr(self, type_: str, var: str) -> str:
        """An expression for a non-None ``var`` of ``type_`` after the round trip."""
        if type_ in SPECIAL_MESSAGES:
            if type_ == QUANTITY:
                return f"({var} if {var}.__class__ is str else _special({type_!r}, {var}))"
            return f"_special({type_!r}, {var})"
        if "." in type_:
            return f"{self.name(type_)}({var})"
        if type_ == "string":
            return f"({var} if {var}.__class__ is str else str({var}))"
        if type_ == "double":
            return f"({var} if {var}.__class__ is float else float({var}))"
        if type_ == "bool":
            return f"({var} if {var}.__class__ is bool else bool({var}))"
        return f"_S[{type_!r}]({var})"

    def empty_expr(self, type_: str) -> str:
        """What a missing value of ``type_`` becomes (a zero struct, a zero scalar)."""
        if type_ in SPECIAL_MESSAGES:
            return repr(_special(type_, ""))
        if "." in type_:
            return f"{self.name(type_)}(_EMPTY)"
        return repr(_SCALARS[type_](protobuf._zero(type_)))

    def compile(self, msg: str) -> None:
        ordered, _ = protobuf._fields(msg)
        lines = [f"def {self.name(msg)}(o):", "    out = {}"]
        for f in ordered:
            key = repr(f.json)
            if f.inline:
                lines.append(f"    out.update({self.name(f.type)}(o))")
                continue
            lines.append(f"    v = o.get({key})")
            if f.map_key:
                key_expr = self.value_expr(f.map_key, "k")
                val = f"{self.value_expr(f.map_value, 'x')} if x is not None else {self.empty_expr(f.map_value)}"
                lines += [
                    "    if v:",
                    f"        out[{key}] = {{{key_expr}: {val} for k, x in sorted(v.items())}}",
                ]
                if not f.omitempty:
                    lines.append(f"    else:\n        out[{key}] = None")
                continue
            if f.repeated:
                item = f"{self.value_expr(f.type, 'x')} if x is not None else {self.empty_expr(f.type)}"
                lines += ["    if v:", f"        out[{key}] = [{item} for x in v]"]
                if not f.omitempty:
                    lines.append(f"    else:\n        out[{key}] = None")
                continue
            is_message = "." in f.type
            if f.ptr or f.is_bytes:
                lines.append("    if v is not None:")
                if is_message:
                    lines.append(f"        v = {self.value_expr(f.type, 'v')}")
                    if f.omitzero:
                        lines.append("        if v is not None:\n            out[" + key + "] = v")
                    else:
                        lines.append(f"        out[{key}] = v")
                elif f.is_bytes and f.omitempty:
                    # Go drops an empty []byte with omitempty (the wire keeps it, the JSON does not)
                    value = self.value_expr(f.type, "v")
                    lines.append(f"        v = {value}\n        if v:\n            out[{key}] = v")
                else:
                    lines.append(f"        out[{key}] = {self.value_expr(f.type, 'v')}")
                if not f.omitempty:
                    lines.append(f"    else:\n        out[{key}] = None")
                continue
            lines.append(
                f"    v = {self.value_expr(f.type, 'v')} if v is not None else {self.empty_expr(f.type)}"
            )
            if is_message:
                if f.omitzero:
                    lines.append(f"    if v is not None:\n        out[{key}] = v")
                else:
                    lines.append(f"    out[{key}] = v")
            elif f.omitempty:
                # _empty after the round trip: a zero scalar (0, 0.0, False, "")
                lines.append(f"    if v:\n        out[{key}] = v")
            else:
                lines.append(f"    out[{key}] = v")
        lines.append("    return out")
        self.sources.append("\n".join(lines))

    def run(self, root: str) -> None:
        self.name(root)
        while self.pending:
            msg = self.pending.pop()
            if msg in _PLANS:
                continue
            self.compile(msg)
        namespace: dict[str, Any] = {"_special": _special, "_S": _SCALARS, "_EMPTY": _EMPTY}
        namespace.update({name: _PLANS[msg] for msg, name in _NAMES.items()})
        exec(compile("\n\n".join(self.sources), f"<canonical plans for {root}>", "exec"), namespace)
        for msg, name in self.names.items():
            if msg not in _PLANS:
                _PLANS[msg] = namespace[name]
                _NAMES[msg] = name


_EMPTY: Obj = {}
_COUNTER = itertools.count()
_PLANS: dict[str, Any] = {}
_NAMES: dict[str, str] = {}


def plan(msg: str) -> Any:
    """The compiled function for a (non-special) message: JSON dict in, canonical JSON dict out."""
    fn = _PLANS.get(msg)
    if fn is None:
        compiler = _Compiler()
        for known, name in _NAMES.items():
            compiler.names[known] = name
        compiler.run(msg)
        fn = _PLANS[msg]
    return fn


def compile_all() -> None:
    """Compile the plans of every kind now (~90 ms) rather than on each kind's first write (a pod's: 60 ms
    inside its request)."""
    for msg in KINDS.values():
        plan(msg)


def message(obj: Any, msg: str) -> Any:
    """``decode_message(encode_message(obj, msg), msg)`` without the wire bytes."""
    if msg in SPECIAL_MESSAGES:
        return _special(msg, obj) if obj is not None else _special(msg, "")
    return plan(msg)(obj)


_ORDERS: dict[str, dict[str, int]] = {}


def _order(msg: str) -> dict[str, int]:
    """JSON name -> position in ``msg``'s canonical output (inline members flattened in place)."""
    order = _ORDERS.get(msg)
    if order is None:
        names: list[str] = []

        def add(m: str) -> None:
            for f in protobuf._fields(m)[0]:
                if f.inline:
                    add(f.type)
                else:
                    names.append(f.json)

        add(msg)
        order = _ORDERS[msg] = {name: i for i, name in enumerate(names)}
    return order


def reorder(obj: dict[str, Any], msg: str) -> None:
    """Put ``obj``'s keys in the order :func:`message` writes them, in place and shallowly (values untouched;
    keys the message lacks go last). For code that adds fields to a canonical object (admission): its result
    stays byte-equal to its canonical form, which lets the stored form's memo share it instead of decoding a
    copy (registry/storedform.py)."""
    order = _order(msg)
    last = len(order)
    items = sorted(obj.items(), key=lambda kv: order.get(kv[0], last))
    obj.clear()
    obj.update(items)
