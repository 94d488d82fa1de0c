"""Go's conventions where kube's messages and printed columns show them: one home for each.

``go_quote`` is strconv.Quote (``%q``), ``go_type_name`` is ``reflect.TypeOf(v).String()`` for a value
decoded from JSON, ``go_float``/``go_v`` are fmt's ``%v``, ``go_json`` is ``encoding/json``'s Marshal, and
``human_duration`` is apimachinery's ``duration.HumanDuration``. Callers across patching, managed fields,
CRD validation and printers share these instead of keeping copies, so the bytes of kube's messages (field
errors, printed cells) come out the same everywhere.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from typing import Any

SECOND = 1_000_000_000
MINUTE = 60 * SECOND
HOUR = 60 * MINUTE

_SHORT_ESCAPES = {"\a": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\v": "\\v"}


def go_is_print(ch: str) -> bool:
    """unicode.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII space (exactly what
    Python's ``str.isprintable`` accepts)."""
    return ch.isprintable()


def go_quote(s: str) -> str:
    """strconv.Quote: printable runes (:func:`go_is_print`) as they are, the rest escaped. A lone surrogate
    cannot be in a Go string (its JSON decoder yields U+FFFD instead), so it prints as U+FFFD."""
    out = ['"']
    for ch in s:
        o = ord(ch)
        if 0xD800 <= o <= 0xDFFF:
            ch, o = "\ufffd", 0xFFFD
        if ch == '"' or ch == "\\":
            out.append("\\" + ch)
        elif go_is_print(ch):
            out.append(ch)
        elif ch in _SHORT_ESCAPES:
            out.append(_SHORT_ESCAPES[ch])
        elif o < 0x80:
            out.append(f"\\x{o:02x}")
        elif o < 0x10000:
            out.append(f"\\u{o:04x}")
        else:
            out.append(f"\\U{o:08x}")
    out.append('"')
    return "".join(out)


#: what :func:`go_type_name` names the kinds of decoded JSON values
GO_NIL, GO_BOOL, GO_INT64, GO_FLOAT64, GO_STRING = "nil", "bool", "int64", "float64", "string"
GO_MAP, GO_SLICE = "map[string]interface {}", "[]interface {}"


def go_type_name(v: Any) -> str:
    """reflect.TypeOf(v).String() for a value decoded from JSON (integers kept as int64).

    Also the one type switch on decoded JSON: compare its result with the ``GO_*`` constants.
    """
    if v is None:
        return GO_NIL
    if isinstance(v, bool):
        return GO_BOOL
    if isinstance(v, int):
        return GO_INT64
    if isinstance(v, float):
        return GO_FLOAT64
    if isinstance(v, str):
        return GO_STRING
    if isinstance(v, dict):
        return GO_MAP
    if isinstance(v, list):
        return GO_SLICE
    return type(v).__name__


def go_int(f: float) -> int:
    """Go's float64 → int64 conversion (truncation; what Go leaves undefined for NaN and ±Inf is 0 here)."""
    return math.trunc(f) if math.isfinite(f) else 0


def go_deep_equal(a: Any, b: Any) -> bool:
    """reflect.DeepEqual on decoded JSON: int64 and float64 differ, as do bools and numbers."""
    ka, kb = go_type_name(a), go_type_name(b)
    if ka != kb:
        return False
    if ka == GO_SLICE:
        return len(a) == len(b) and all(go_deep_equal(x, y) for x, y in zip(a, b, strict=True))
    if ka == GO_MAP:
        return a.keys() == b.keys() and all(go_deep_equal(a[k], b[k]) for k in a)
    return bool(a == b)


# --------------------------------------------------------------------------------------------------------
# Go value rendering (fmt %v, strconv.FormatFloat, encoding/json): field.Error bodies and printed cells
# must match kube's bytes.


def _float_digits(f: float) -> tuple[str, int]:
    """Shortest round-trip digits of abs(f) and the decimal point position (strconv's digs.d / digs.dp)."""
    t = Decimal(repr(abs(f))).as_tuple()
    ds = "".join(map(str, t.digits))
    dp = len(ds) + int(t.exponent)
    stripped = ds.lstrip("0")
    dp -= len(ds) - len(stripped)
    return stripped.rstrip("0") or "0", dp


def _fmt_e(neg: bool, ds: str, dp: int) -> str:
    exp = dp - 1
    mant = ds[0] + ("." + ds[1:] if len(ds) > 1 else "")
    return f"{'-' if neg else ''}{mant}e{'-' if exp < 0 else '+'}{abs(exp):02d}"


def _fmt_f(neg: bool, ds: str, dp: int) -> str:
    if dp <= 0:
        body = "0." + "0" * -dp + ds
    elif dp >= len(ds):
        body = ds + "0" * (dp - len(ds))
    else:
        body = ds[:dp] + "." + ds[dp:]
    return ("-" if neg else "") + body


def _special_float(f: float) -> str | None:
    if math.isnan(f):
        return "NaN"
    if math.isinf(f):
        return "+Inf" if f > 0 else "-Inf"
    if f == 0:
        return "-0" if math.copysign(1.0, f) < 0 else "0"
    return None


def go_float(f: float) -> str:
    """fmt's ``%v`` of a float64: strconv 'g' with the shortest digits (``1e+06``, ``1.5``, ``3``)."""
    special = _special_float(f)
    if special is not None:
        return special
    ds, dp = _float_digits(f)
    exp = dp - 1
    if exp < -4 or exp >= 6:
        return _fmt_e(f < 0, ds, dp)
    return _fmt_f(f < 0, ds, dp)


def go_float_f(f: float) -> str:
    """strconv.FormatFloat(f, 'f', -1, 64) (swag.FormatFloat64): never an exponent."""
    special = _special_float(f)
    if special is not None:
        return special
    ds, dp = _float_digits(f)
    return _fmt_f(f < 0, ds, dp)


def go_json_float(f: float) -> str:
    """encoding/json's float64: 'f' unless tiny or huge, then 'e' with ``e-7`` not ``e-07``."""
    special = _special_float(f)
    if special is not None:
        return special
    a = abs(f)
    ds, dp = _float_digits(f)
    if a < 1e-6 or a >= 1e21:
        out = _fmt_e(f < 0, ds, dp)
        return re.sub(r"e-0(\d)$", r"e-\1", out)
    return _fmt_f(f < 0, ds, dp)


#: the characters encoding/json does not write as they are; most strings have none (a regex scan is ~20x faster
#: than the loop below for a typical 20-character key)
_JSON_SPECIAL = re.compile(r'["\\\x00-\x1f<>&\u2028\u2029\ud800-\udfff]')


def go_json_string(s: str) -> str:
    """encoding/json's string: HTML-safe (``<>&`` as ``\\u003c``…), U+2028/U+2029 escaped, surrogates U+FFFD."""
    if _JSON_SPECIAL.search(s) is None:
        return '"' + s + '"'
    out = ['"']
    for ch in s:
        o = ord(ch)
        if ch in ('"', "\\"):
            out.append("\\" + ch)
        elif ch in "\b\f\n\r\t":
            out.append(_SHORT_ESCAPES[ch])
        elif o < 0x20 or ch in "<>&\u2028\u2029":
            out.append(f"\\u{o:04x}")
        elif 0xD800 <= o <= 0xDFFF:
            out.append("\ufffd")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


class GoJSON:
    """Pre-rendered Go JSON (for Go structs without json tags, whose fields keep Go order)."""

    __slots__ = ("raw",)

    def __init__(self, raw: str) -> None:
        self.raw = raw


def go_json(v: Any) -> str:
    """json.Marshal of a decoded JSON value: sorted keys, Go's float form and HTML escaping."""
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return go_json_float(v)
    if isinstance(v, str):
        return go_json_string(v)
    if isinstance(v, dict):
        return "{" + ",".join(f"{go_json_string(str(k))}:{go_json(v[k])}" for k in sorted(v, key=str)) + "}"
    if isinstance(v, list | tuple):
        return "[" + ",".join(go_json(x) for x in v) + "]"
    if isinstance(v, GoJSON):
        return v.raw
    raise TypeError(f"not a JSON value: {type(v).__name__}")


def go_v(v: Any) -> str:
    """fmt %v of a JSON value (Go prints maps as map[k:v] with sorted keys and slices as [a b])."""
    if v is None:
        return "<nil>"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return go_float(v)
    if isinstance(v, str):
        return v
    if isinstance(v, list):
        return "[" + " ".join(go_v(x) for x in v) + "]"
    if isinstance(v, dict):
        return "map[" + " ".join(f"{k}:{go_v(v[k])}" for k in sorted(v)) + "]"
    return str(v)


# --------------------------------------------------------------------------------------------------------
# Durations (time.Duration, apimachinery's duration.HumanDuration).


def duration_ns(delta: timedelta) -> int:
    """A timedelta as Go's time.Duration (int nanoseconds), exactly."""
    return (delta.days * 86_400 + delta.seconds) * SECOND + delta.microseconds * 1000


def _trunc_div(a: int, b: int) -> int:
    """Go's integer division (truncates toward zero)."""
    q = abs(a) // b
    return q if a >= 0 else -q


def human_duration(d: timedelta | int) -> str:
    """duration.HumanDuration: ~2-3 significant figures (``3m10s``, ``47h``, ``2d1h``, ``2y1d``).

    ``d`` is a timedelta or Go's time.Duration (int nanoseconds). Up to 2 s in the future is "0s" (clock skew).
    """
    ns = duration_ns(d) if isinstance(d, timedelta) else d
    seconds = _trunc_div(ns, SECOND)
    if seconds < -1:
        return "<invalid>"
    if seconds < 0:
        return "0s"
    if seconds < 60 * 2:
        return f"{seconds}s"
    minutes = ns // MINUTE
    if minutes < 10:
        s = (ns // SECOND) % 60
        return f"{minutes}m" if s == 0 else f"{minutes}m{s}s"
    if minutes < 60 * 3:
        return f"{minutes}m"
    hours = ns // HOUR
    if hours < 8:
        m = minutes % 60
        return f"{hours}h" if m == 0 else f"{hours}h{m}m"
    if hours < 48:
        return f"{hours}h"
    if hours < 24 * 8:
        h = hours % 24
        return f"{hours // 24}d" if h == 0 else f"{hours // 24}d{h}h"
    if hours < 24 * 365 * 2:
        return f"{hours // 24}d"
    if hours < 24 * 365 * 8:
        dy = (hours // 24) % 365
        return f"{hours // 24 // 365}y" if dy == 0 else f"{hours // 24 // 365}y{dy}d"
    return f"{hours // 24 // 365}y"


# --------------------------------------------------------------------------------------------------------
# JSON access with Go's zero-value semantics (a missing key, null and a non-pointer field's zero value
# all mean "unset"), for defaulting and admission on v1 JSON.


def struct_field(parent: dict[str, Any], key: str) -> dict[str, Any]:
    """A non-pointer struct field: always there in Go, so create it when missing or null."""
    value = parent.get(key)
    if isinstance(value, dict):
        return value
    if value is None:
        parent[key] = value = {}
        return value
    return {}  # wrong JSON type: typed decoding reports it; default a throwaway


def pointer_field(parent: dict[str, Any], key: str) -> dict[str, Any] | None:
    """A pointer struct field: None when nil."""
    value = parent.get(key)
    return value if isinstance(value, dict) else None


def struct_items(parent: dict[str, Any] | None, key: str) -> Iterator[dict[str, Any]]:
    """The struct elements of a list field."""
    if parent is None:
        return
    value = parent.get(key)
    if isinstance(value, list):
        for item in value:
            if isinstance(item, dict):
                yield item


def default_value(obj: dict[str, Any], key: str, value: Any) -> None:
    """Set a non-pointer field whose Go zero value ("", 0, false) or absence means unset."""
    current = obj.get(key)
    if current is None or current == "" or (current == 0 and not isinstance(current, bool)):
        obj[key] = value


def default_pointer(obj: dict[str, Any], key: str, value: Any) -> None:
    """Set a pointer field when nil (missing or null); an explicit zero value is kept."""
    if obj.get(key) is None:
        obj[key] = value


_DURATION = re.compile(r"([0-9]*\.?[0-9]+)(ns|us|µs|ms|s|m|h)")
_DURATION_SECONDS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}


def parse_duration(text: str) -> float | None:
    """Go's ``time.ParseDuration`` (flags such as ``48h`` or ``1h30m``), in seconds; None for "". Raises
    ValueError with Go's message for anything else."""
    if text == "":
        return None
    body = text[1:] if text[:1] in "+-" else text
    if body == "0":
        return 0.0
    pos, total = 0, 0.0
    for m in _DURATION.finditer(body):
        if m.start() != pos:
            break
        total += float(m.group(1)) * _DURATION_SECONDS[m.group(2)]
        pos = m.end()
    if pos != len(body) or not body:
        raise ValueError(f"time: invalid duration {go_quote(text)}")
    return -total if text.startswith("-") else total
