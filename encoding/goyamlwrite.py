"""YAML written as kube writes it: its JSON, read and written again by go-yaml v2 (sigs.k8s.io/yaml's
``JSONToYAML``).

PyYAML's emitter is, like go-yaml's, a port of libyaml's, so layout, indentation and line folding (80
columns) agree; what differs is chosen before the emitter, and is done here as go-yaml does it:

- a string is plain unless go-yaml would read the plain text back as something else (``"2"``, ``"y"``,
  ``"2026-12-04T17:02:15Z"``, base-60 ``"1:20"``): then it is double-quoted (PyYAML: single-quoted); a
  string with a line break is a literal block; non-ASCII text is written as it is;
- map keys in go-yaml's order (``keyList.Less``: runs of digits compared as numbers, letters before other
  characters), not byte order;
- a number is what go-yaml read from Go's JSON text: an integral float is an integer (Go's JSON wrote it
  without a fraction), other floats are ``strconv.FormatFloat(f, 'g', -1, 64)`` (``1.5``, ``1e-07``).
"""

from __future__ import annotations

import functools
import re
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import yaml
from yaml.nodes import ScalarNode

from . import deepjson, weight
from .goyaml import STR, resolve

_BASE60_FLOAT = re.compile(r"[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?")


def _plain_tag(value: str) -> str:
    """The tag go-yaml gives ``value`` written plain (a base-60 float counts as not a string)."""
    if value[:1] in "+-0123456789" and ":" in value and value and _BASE60_FLOAT.fullmatch(value):
        return "tag:yaml.org,2002:float"
    return resolve("", value)[0]


def go_float(value: float) -> str:
    """strconv.FormatFloat(value, 'g', -1, 64) of a finite float."""
    sign = "-" if value < 0 or (value == 0 and str(value).startswith("-")) else ""
    if value == 0:
        return sign + "0"
    _, digits_tuple, exponent = Decimal(repr(abs(value))).as_tuple()
    assert isinstance(exponent, int)
    digits = "".join(map(str, digits_tuple)).rstrip("0")
    exponent += len(digits_tuple) - len(digits)
    point = len(digits) + exponent  # digits before the decimal point
    exp = point - 1
    if exp < -4 or exp >= 6:  # %e: shortest precision decides with 6
        mantissa = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
        return f"{sign}{mantissa}e{'-' if exp < 0 else '+'}{abs(exp):02d}"
    if point <= 0:
        return f"{sign}0.{'0' * -point}{digits}"
    if point >= len(digits):
        return sign + digits + "0" * (point - len(digits))
    return f"{sign}{digits[:point]}.{digits[point:]}"


def _key_less(a: str, b: str) -> bool:
    """go-yaml v2's keyList.Less of two string keys."""
    for i in range(min(len(a), len(b))):
        ca, cb = a[i], b[i]
        if ca == cb:
            continue
        al, bl = ca.isalpha(), cb.isalpha()
        if al and bl:
            return ca < cb
        if al or bl:
            return bl
        an = bn = 0
        if ca == "0" or cb == "0":
            j = i - 1
            while j >= 0 and a[j].isdigit():
                if a[j] != "0":
                    an = bn = 1
                    break
                j -= 1
        ai = i
        while ai < len(a) and a[ai].isdigit():
            an = an * 10 + ord(a[ai]) - 48
            ai += 1
        bi = i
        while bi < len(b) and b[bi].isdigit():
            bn = bn * 10 + ord(b[bi]) - 48
            bi += 1
        if an != bn:
            return an < bn
        if ai != bi:
            return ai < bi
        return ca < cb
    return len(a) < len(b)


def _key_cmp(a: tuple[str, Any], b: tuple[str, Any]) -> int:
    return -1 if _key_less(a[0], b[0]) else (1 if _key_less(b[0], a[0]) else 0)


class _GoDumper(yaml.SafeDumper):
    """SafeDumper with go-yaml's choices: plain scalars resolved by go-yaml's rules, its styles and key order."""

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        if kind is ScalarNode and implicit[0]:
            return _plain_tag(value)
        return super().resolve(kind, value, implicit)

    def represent_str(self, data: str) -> ScalarNode:
        if "\n" in data:
            style = "|"
        elif _plain_tag(data) == STR:
            style = None
        else:
            style = '"'
        return self.represent_scalar(STR, data, style=style)

    def represent_float(self, data: float) -> ScalarNode:
        if data.is_integer() and abs(data) < 1e21:
            return self.represent_int(int(data))
        return self.represent_scalar("tag:yaml.org,2002:float", go_float(data))

    def represent_dict(self, data: Any) -> Any:
        return self.represent_mapping("tag:yaml.org,2002:map", sorted(data.items(), key=_CMP_KEY))


_CMP_KEY = functools.cmp_to_key(_key_cmp)
_GoDumper.add_representer(str, _GoDumper.represent_str)
_GoDumper.add_representer(float, _GoDumper.represent_float)
_GoDumper.add_representer(dict, _GoDumper.represent_dict)


#: JSON bytes past which an object's YAML is not written where :data:`deepjson.C_ONLY` is set (the event
#: loop): PyYAML's emitter is Python, ~1 us per byte (3 KB: 3 ms, 30 KB: 27 ms, 300 KB: 257 ms)
INLINE_JSON_BYTES = 4 * 1024
#: the size of the pieces :func:`dump_chunks` writes
CHUNK_BYTES = 1 << 20


class Chunks(list[bytes]):
    """A document as pieces of about :data:`CHUNK_BYTES`, written to the socket one by one: a deep object's
    YAML is O(depth^2) bytes (300 MB for 9,990 levels, as kube's), and joining, encoding or framing it whole
    held the event loop for a copy of all of it (60-380 ms)."""

    @property
    def nbytes(self) -> int:
        return sum(map(len, self))


def _json_data(obj: Any) -> Any:
    """The object as go-yaml reads it from Go's JSON; under C_ONLY, NeedsPython when its YAML is not cheap."""
    text = deepjson.dumps(obj)
    if deepjson.C_ONLY.get() and weight.is_heavy(text, INLINE_JSON_BYTES):
        raise deepjson.NeedsPython
    return deepjson.loads(text)


def _emit(data: Any, stream: Any = None) -> Any:
    return yaml.dump(data, stream, Dumper=_GoDumper, sort_keys=False, default_flow_style=False, allow_unicode=True)


def dump(obj: Any) -> bytes:
    """kube's YAML of a JSON-shaped object."""
    return str(_emit(_json_data(obj))).encode()


def dump_chunks(obj: Any) -> Chunks:
    """:func:`dump` in pieces (:class:`Chunks`), no step handling the whole document at once."""
    pieces: list[str] = []
    _emit(_json_data(obj), SimpleNamespace(write=pieces.append))
    out = Chunks()
    batch: list[str] = []
    size = 0
    for piece in pieces:
        batch.append(piece)
        size += len(piece)
        if size >= CHUNK_BYTES:
            out.append("".join(batch).encode())
            batch, size = [], 0
    if batch:
        out.append("".join(batch).encode())
    return out
