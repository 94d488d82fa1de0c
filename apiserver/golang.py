"""Go's conventions where kube's messages and printed columns show them: one home for each.

``go_quote`` is strconv.Quote (``%q``), ``go_type_name`` is ``reflect.TypeOf(v).String()`` for a value
decoded from JSON, and ``human_duration`` is apimachinery's ``duration.HumanDuration``. Callers across
patching, managed fields, CRD validation and printers share these instead of keeping copies.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

SECOND = 1_000_000_000
MINUTE = 60 * SECOND
HOUR = 60 * MINUTE

_SHORT_ESCAPES = {"\a": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\v": "\\v"}


def go_quote(s: str) -> str:
    """strconv.Quote: printable runes as they are (Python's ``isprintable`` is Go's ``IsPrint``: letters,
    marks, numbers, punctuation, symbols and the ASCII space), the rest escaped. A lone surrogate cannot be
    in a Go string (its JSON decoder yields U+FFFD instead), so it prints as U+FFFD."""
    out = ['"']
    for ch in s:
        o = ord(ch)
        if 0xD800 <= o <= 0xDFFF:
            ch, o = "\ufffd", 0xFFFD
        if ch == '"' or ch == "\\":
            out.append("\\" + ch)
        elif ch.isprintable():
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


def go_type_name(v: Any) -> str:
    """reflect.TypeOf(v).String() for a value decoded from JSON (integers kept as int64)."""
    if v is None:
        return "nil"
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, int):
        return "int64"
    if isinstance(v, float):
        return "float64"
    if isinstance(v, str):
        return "string"
    if isinstance(v, dict):
        return "map[string]interface {}"
    if isinstance(v, list):
        return "[]interface {}"
    return type(v).__name__


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
