"""Decoding request bodies, with the parse-error texts of Go's encoding/json.

Clients (and their users) see these messages in 400 responses, so a malformed body is reported the way
kube-apiserver reports it: ``invalid character 'x' looking for beginning of value`` and friends.
"""

from __future__ import annotations

import codecs
import contextlib
import json
import math
import re
from collections import deque
from itertools import accumulate
from typing import Any

import orjson

from . import deepjson, depth, goyaml
from .goyaml import GO_UTF8, INT64_MIN, UINT64_MAX
from .negotiation import JSON, PROTOBUF, YAML
from .protobuf import ProtobufError, decode_object

#: orjson's serializer refuses values nested deeper than this
_ORJSON_DEPTH = 254
#: orjson's parser refuses documents nested deeper than this
_ORJSON_LOADS_DEPTH = 1024


class DecodeError(ValueError):
    """The body is not a well-formed document of its media type; ``message`` is Go's wording."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _go_quote_char(ch: str) -> str:
    """Go's scanner quoteChar: ``'\\''``, ``'"'``, else strconv.Quote's escapes between single quotes."""
    if ch == "'":
        return "'\\''"
    if ch == '"':
        return "'\"'"
    return "'" + _json_quote(ch)[1:-1] + "'"


#: how much of a body error messages scan for brackets (bounded: see _container_at)
_SCAN_WINDOW = 256 * 1024
_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.S)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
#: brackets as signed steps: an opener +1, a closer -1 (for itertools.accumulate over a memoryview)
_STEPS = bytes.maketrans(b"[]{}", b"\x01\xff\x01\xff")
_STEPS_BACK = bytes.maketrans(b"[]{}", b"\xff\x01\xff\x01")


def _brackets(data: bytes) -> bytes:
    """The structural brackets of a JSON text, strings removed (regular expressions and translate: C speed)."""
    return _STRING.sub(b'""', data).translate(None, _NOT_BRACKETS)


def _container_at(data: bytes) -> str:
    """The innermost container open at the end of ``data`` (``{``, ``[`` or none), strings ignored. Only the
    last :data:`_SCAN_WINDOW` bytes are looked at: taking the strings out of a body costs ~50 ns a byte in
    Python's regular expressions (150 ms for 3 MiB of small strings), too long to hold the event loop for an
    error message."""
    ops = _brackets(data[-_SCAN_WINDOW:])[::-1]
    if not ops:
        return ""
    try:
        i = list(accumulate(memoryview(ops.translate(_STEPS_BACK)).cast("b"))).index(-1)
    except ValueError:
        return ""
    return chr(ops[i])


def _per_byte_latin1(exc: UnicodeError) -> tuple[str, int]:
    assert isinstance(exc, UnicodeDecodeError)
    return exc.object[exc.start : exc.end].decode("latin-1"), exc.end


#: invalid UTF-8 outside strings: Go's scanner names the byte as the rune of its value (quoteChar)
codecs.register_error("aiokube-go-latin1", _per_byte_latin1)


_LITERALS = {"t": "true", "f": "false", "n": "null"}


def _literal_error(text: str, pos: int, literal: str) -> str:
    """Go's scanner on a broken ``true``/``false``/``null``: it names the first character that leaves the word
    (at the end of a top-level one, the space its end-of-input step feeds in)."""
    for i, want in enumerate(literal[1:], 1):
        if pos + i >= len(text):
            if _container_at(text[:pos].encode("utf-8", "surrogatepass")):
                return "unexpected end of JSON input"
            return f"invalid character ' ' in literal {literal} (expecting {_go_quote_char(want)})"
        if text[pos + i] != want:
            got = _go_quote_char(text[pos + i])
            return f"invalid character {got} in literal {literal} (expecting {_go_quote_char(want)})"
    return f"invalid character {_go_quote_char(text[pos])} looking for beginning of value"


def go_json_error(data: bytes) -> str:
    """The message Go's json.Unmarshal gives for a malformed document."""
    text = data.decode("utf-8", "aiokube-go-latin1")
    try:
        json.loads(text)
    except json.JSONDecodeError as exc:
        pos, msg = exc.pos, exc.msg
        if pos >= len(text) or msg.startswith("Unterminated string"):
            return "unexpected end of JSON input"
        ch = _go_quote_char(text[pos])
        if msg.startswith("Expecting property name"):
            return f"invalid character {ch} looking for beginning of object key string"
        if msg.startswith("Expecting ':'"):
            return f"invalid character {ch} after object key"
        if msg.startswith("Expecting ','"):
            inner = _container_at(text[:pos].encode("utf-8", "surrogatepass"))
            where = "after object key:value pair" if inner == "{" else "after array element"
            return f"invalid character {ch} {where}"
        if msg.startswith("Extra data"):
            return f"invalid character {ch} after top-level value"
        if msg.startswith("Invalid control character"):
            return f"invalid character {ch} in string literal"
        if msg.startswith("Invalid \\escape") or msg.startswith("Invalid \\u"):
            return f"invalid character {ch} in string escape code"
        literal = _LITERALS.get(text[pos])
        if literal is not None:
            return _literal_error(text, pos, literal)
        return f"invalid character {ch} looking for beginning of value"
    except RecursionError:
        return _depth_error(data)
    return "invalid JSON"


def _depth_error(data: bytes) -> str:
    """Go's scanner error for the bracket that nests past the limit (kube's decoder stops at 10,000 levels,
    this server at ``depth.MAX_DEPTH``): ``invalid character '[' exceeded max depth``. The bracket is looked for
    in the first 16 KiB, then the first :data:`_SCAN_WINDOW` bytes (see _container_at for the cost); deeper
    into a body it is reported as ``{``."""
    for size in (16 * 1024, _SCAN_WINDOW):
        ops = _brackets(data[:size])
        depths = list(accumulate(memoryview(ops.translate(_STEPS)).cast("b")))
        with contextlib.suppress(ValueError):
            return f"invalid character {_go_quote_char(chr(ops[depths.index(depth.MAX_DEPTH + 1)]))} exceeded max depth"
        if size >= len(data):
            break
    return "invalid character '{' exceeded max depth"


def _serialized(data: bytes, value: Any, read_depth: int = _ORJSON_LOADS_DEPTH) -> bytes | None:
    """The value as orjson writes it (or b"" when not needed), or None when it nests deeper than
    ``depth.MAX_DEPTH``. Bodies with fewer brackets than that in all skip the measure (most do). Under
    this server's safe limit (200) the others are measured by orjson's serializer, whose own limit (254) is
    reached exactly when the value wrapped in 254 - MAX_DEPTH lists is too deep: C speed, no walk in Python.
    What it writes also serves the duplicate-key test (wrapping adds no colon). Under kube's limit, a value
    orjson's parser read (``read_depth``: at most 1,024 levels) is within it; others are measured."""
    limit = depth.MAX_DEPTH
    if data.count(b"[") + data.count(b"{") <= limit:
        return b""
    if limit < _ORJSON_DEPTH:
        for _ in range(_ORJSON_DEPTH - limit):
            value = [value]
        try:
            return orjson.dumps(value)
        except orjson.JSONEncodeError:
            return None
    if read_depth > limit and deepjson.deeper_than(value, limit):
        return None
    return b""


class Number(float):
    """A JSON number as Go reports it in errors: ``literal`` is its text (``1e400``, ``99999999999999999999``)."""

    literal: str

    def __new__(cls, literal: str) -> Number:
        try:
            number = super().__new__(cls, literal)
        except OverflowError:
            number = super().__new__(cls, "inf" if not literal.startswith("-") else "-inf")
        number.literal = literal
        return number


def _int_or_number(literal: str) -> int | Number:
    value = int(literal)
    return value if INT64_MIN <= value <= UINT64_MAX else Number(literal)


def _int_or_float(literal: str) -> int | float:
    """Go's PreserveInts: an integer when it fits 64 bits, else a float64 (``inf`` beyond, refused later)."""
    value = int(literal)
    return value if INT64_MIN <= value <= UINT64_MAX else float(Number(literal))


def _no_constant(name: str) -> Any:
    raise ValueError(name)


_SURROGATE_ESCAPES = re.compile(
    r"\\(?:u([dD][89abAB][0-9a-fA-F]{2})\\u[dD][c-fC-F][0-9a-fA-F]{2}|u[dD][89a-fA-F][0-9a-fA-F]{2}|.)", re.S
)


def _surrogate_escape(m: re.Match[str]) -> str:
    text = m.group(0)
    if m.group(1) is None and len(text) == 6 and text[1] == "u":
        return "\\ufffd"  # a lone surrogate: Go's decoder writes U+FFFD
    return text


def _python_json(data: bytes, *, literals: bool = False, hook: Any = None) -> Any:
    """Python's decoder over the body as Go decodes its text: invalid UTF-8 bytes and lone surrogate escapes
    become U+FFFD. ``literals`` keeps numbers as :class:`Number` (their text, for Go's messages; such values
    are for messages only: orjson cannot write them); ``hook`` gets each object's pairs."""
    text = data.decode("utf-8", GO_UTF8)
    if "\\u" in text:
        text = _SURROGATE_ESCAPES.sub(_surrogate_escape, text)
    try:
        if literals:
            return json.loads(text, parse_int=_int_or_number, parse_float=Number, parse_constant=_no_constant)
        return json.loads(text, object_pairs_hook=hook, parse_int=_int_or_float, parse_constant=_no_constant)
    except RecursionError:  # deeper than the recursion limit (past kube's limit: encoding/depth.py)
        raise DecodeError(_depth_error(data)) from None
    except ValueError:
        if len(data) > _SCAN_WINDOW:  # a big body: orjson finds the error in the text as Go reads it
            try:
                orjson.loads(text)
            except orjson.JSONDecodeError as exc:
                raise DecodeError(_orjson_error(text.encode(), exc)) from None
        raise DecodeError(go_json_error(data)) from None


def decode_json_pairs(data: bytes, object_pairs_hook: Any) -> Any:
    """Slow and exact, for bodies with duplicate keys: every object handed to ``object_pairs_hook`` as its
    list of (key, value) pairs (Go's text rules as in decode_json)."""
    return _python_json(data, hook=object_pairs_hook)


def decode_json_literals(data: bytes) -> Any:
    """Slow and exact, for error messages: the body with every number as :class:`Number`."""
    return _python_json(data, literals=True)


def _overflow(data: bytes, value: Any) -> str | None:
    """The text of the first number out of float64's range (parsed as inf), if any."""
    stack = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, float) and math.isinf(v):
            break
        if isinstance(v, dict):
            stack.extend(v.values())
        elif isinstance(v, list):
            stack.extend(v)
    else:
        return None
    queue = deque([decode_json_literals(data)])
    while queue:
        v = queue.popleft()
        if isinstance(v, Number) and math.isinf(v):
            return v.literal
        if isinstance(v, dict):
            queue.extend(v.values())
        elif isinstance(v, list):
            queue.extend(v)
    return "Inf"


class _Pairs(list):  # type: ignore[type-arg]
    """An object's (key, value) pairs as Python's decoder hands them over, duplicates included."""


def _duplicates(value: Any, out: list[str]) -> Any:
    """``value`` with _Pairs made dicts (the last duplicate wins, as Go's map assignment), duplicate fields
    added to ``out`` as sigs.k8s.io/json's strict decoder reports them (``metadata.labels.x``, ``a[0].b``,
    deduplicated, at most 100)."""

    def walk(v: Any, path: str) -> Any:
        if isinstance(v, _Pairs):
            obj: dict[str, Any] = {}
            for key, item in v:
                sub = f"{path}.{key}" if path else key
                if key in obj:
                    error = f"duplicate field {_json_quote(sub)}"
                    if error not in out and len(out) < 100:
                        out.append(error)
                obj[key] = walk(item, sub)
            return obj
        if isinstance(v, list):
            return [walk(item, f"{path}[{i}]") for i, item in enumerate(v)]
        return v

    return walk(value, "")


def _json_quote(s: str) -> str:
    """strconv.Quote for field paths: printable text as it is, the rest escaped."""
    out = ['"']
    for ch in s:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ch.isprintable():
            out.append(ch)
        elif ch in _SHORT_ESCAPES:
            out.append(_SHORT_ESCAPES[ch])
        elif ord(ch) < 0x80:
            out.append(f"\\x{ord(ch):02x}")
        elif ord(ch) < 0x10000:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(f"\\U{ord(ch):08x}")
    out.append('"')
    return "".join(out)


_SHORT_ESCAPES = {"\a": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\v": "\\v"}


def _may_have_duplicates(data: bytes, value: Any, serialized: bytes = b"") -> bool:
    """Cheap test for duplicate keys: every key has its colon, so a document with none has as many colons
    (escaped ones in strings counted too) as its re-serialization. Equal counts prove there are none; a
    difference sends the body to the exact (slow) reading."""
    colons = data.count(b":") + data.count(b"\\u003a") + data.count(b"\\u003A")
    return colons != (serialized or deepjson.dumps(value)).count(b":")


#: orjson errors Python's decoder gets past as Go's does (bad UTF-8, lone surrogates) or reports with Go's text
#: (numbers beyond float64)
_RECOVERABLE = ("str is not valid UTF-8", "lone leading surrogate", "no low surrogate", "number is infinity")


def _orjson_error(data: bytes, exc: orjson.JSONDecodeError) -> str:
    """Go's text for a malformed body from orjson's error and position, for bodies too big to read again with
    Python's decoder on the event loop (go_json_error's way: 200 ms for 3 MiB)."""
    msg, pos = exc.msg, exc.pos
    text = data.decode("utf-8", "aiokube-go-latin1")
    if pos >= len(text) or msg.startswith(("unexpected end of data", "Input is a zero-length", "input data is empty")):
        return "unexpected end of JSON input"
    ch = text[pos]
    if msg.startswith("trailing comma"):
        rest = text[pos + 1 :].lstrip(" \t\r\n")
        closer = rest[:1] or ch
        where = "looking for beginning of object key string" if closer == "}" else "looking for beginning of value"
        return f"invalid character {_go_quote_char(closer)} {where}"
    for part, where in (
        ("expected ':'", "after object key"),
        ("expected ',' or ']'", "after array element"),
        ("expected ',' or '}'", "after object key:value pair"),
        ("content after document", "after top-level value"),
        ("escaped sequence", "in string escape code"),
        ("control character", "in string literal"),
        ("expected a string key", "looking for beginning of object key string"),
    ):
        if part in msg:
            return f"invalid character {_go_quote_char(ch)} {where}"
    return f"invalid character {_go_quote_char(ch)} looking for beginning of value"


def decode_json(data: bytes, duplicates: list[str] | None = None) -> Any:
    """A JSON body as Go's decoder reads it, into plain values.

    orjson does the work; what it refuses falls back to Python's decoder: invalid UTF-8 (Go replaces each bad
    byte in a string with U+FFFD), lone surrogate escapes (U+FFFD too); numbers out of float64's range are
    refused as Go refuses them (``json: cannot unmarshal number 1e400 into Go value of type float64``).
    Nesting deeper than ``depth.MAX_DEPTH`` is refused with Go's depth error (past orjson's own 1,024 levels
    the document is read by Python's decoder, see encoding/depth.py). With ``duplicates``, duplicate fields
    are appended to it (sigs.k8s.io/json's strict errors); the value keeps the last of each."""
    read_depth = _ORJSON_LOADS_DEPTH
    try:
        value = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        if exc.msg.startswith("depth limit exceeded"):
            if depth.MAX_DEPTH <= _ORJSON_LOADS_DEPTH:
                raise DecodeError(_depth_error(data)) from None
        elif not exc.msg.startswith(_RECOVERABLE):
            raise DecodeError(go_json_error(data) if len(data) <= _SCAN_WINDOW else _orjson_error(data, exc)) from None
        read_depth = 1 << 30  # Python's decoder has no depth limit of its own below the recursion limit
        value = _python_json(data)
        overflow = _overflow(data, value)
        if overflow is not None:
            raise DecodeError(f"json: cannot unmarshal number {overflow} into Go value of type float64") from None
    serialized = _serialized(data, value, read_depth)
    if serialized is None:
        raise DecodeError(_depth_error(data))
    if duplicates is not None and _may_have_duplicates(data, value, serialized):
        value = _duplicates(_python_json(data, hook=_Pairs), duplicates)
    return value


def decode_yaml(data: bytes, duplicates: list[str] | None = None) -> Any:
    """A YAML body as sigs.k8s.io/yaml converts it to JSON (encoding/goyaml.py), None for an empty one.

    What clients send as apply-patch+yaml is mostly JSON (kubectl's is), and JSON is YAML: orjson reads it
    100x faster, with the same values (numbers without a dot such as ``1e3`` are floats in go-yaml too).
    Bodies it refuses, that nest too deep or that may hold duplicate keys take the YAML reader, whose errors
    and duplicate reports (``line 1: key "name" already set in map``) are go-yaml's."""
    if data[:1] == b"{":
        try:
            doc = orjson.loads(data)
        except orjson.JSONDecodeError:
            pass
        else:
            serialized = _serialized(data, doc) if isinstance(doc, dict) else None
            if serialized is not None and (duplicates is None or not _may_have_duplicates(data, doc, serialized)):
                return doc
    try:
        value = goyaml.yaml_to_json(data, duplicates)
    except goyaml.YAMLError as exc:
        raise DecodeError(exc.message) from None
    limit = depth.MAX_DEPTH
    if limit < data.count(b"[") + data.count(b"{") + data.count(b"\n") and deepjson.deeper_than(value, limit):
        # go-yaml counts flow and block levels apart: the JSON it converts to is then too deep for the decoder
        ch = _go_quote_char(deepjson.bracket_at(value, limit + 1, sort_keys=True))
        raise DecodeError(f"couldn't get version/kind; json parse error: invalid character {ch} exceeded max depth")
    return value


def decode(data: bytes, media_type: str, duplicates: list[str] | None = None) -> Any:
    """Decode a request body of a supported media type into plain Python values (duplicate fields of JSON
    and YAML bodies appended to ``duplicates`` when given)."""
    if media_type == JSON:
        return decode_json(data, duplicates)
    if media_type == YAML:
        return decode_yaml(data, duplicates)
    if media_type == PROTOBUF:
        try:
            return decode_object(data)
        except ProtobufError as exc:
            raise DecodeError(str(exc)) from None
    raise DecodeError(f"unsupported media type {media_type}")


def summarize(data: bytes, max_len: int = 30) -> str:
    """handlers.summarizeData: a short human view of a body for error messages."""
    if not data:
        return "<empty>"
    if data[:1] == b"{":
        text = data[:max_len].decode("utf-8", errors="replace")
        return text + " ..." if len(data) > max_len else text
    hexed = data[:max_len].hex()
    return hexed + " ..." if len(data) > max_len else hexed
