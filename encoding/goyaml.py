"""YAML read as kube reads it: sigs.k8s.io/yaml over go-yaml v2, then converted to JSON values.

PyYAML's loaders differ from go-yaml where a hostile body notices: they expand aliases without limit (a
453-byte body of nested aliases is billions of nodes), recurse per nesting level (RecursionError), refuse
unknown tags that go-yaml reads as strings, and resolve scalars by other rules (``y``, ``0x1F``, ``1_000``).
So only libyaml's event parser is used here (the C scanner go-yaml was ported from: the same syntax errors,
iterative, never recursive), and the document is built from its events with go-yaml's rules:

- scalars resolved as go-yaml's ``resolve`` does (YAML 1.1 booleans and nulls, ``strconv.ParseInt`` with base
  prefixes and ``_``, ``uint64``, floats, timestamps kept as strings), custom tags read as plain strings,
  ``!!binary`` decoded, a scalar that does not fit its explicit tag refused (``cannot decode !!str `abc` as a
  !!int``);
- aliases counted as go-yaml's decoder counts them (``document contains excessive aliasing`` once more than
  100 of over 1,000 decoded nodes come from aliases beyond the allowed ratio) *before* anything is copied,
  so a bomb costs its own size; ``anchor 'x' value contains itself``, ``unknown anchor 'x' referenced``;
- nesting refused as go-yaml's scanner refuses it: more than ``depth.MAX_DEPTH`` flow levels, or block
  levels, each counted on its own (kube's 10,000 where this server runs with a deep stack, see
  encoding/depth.py); the document as a whole is then held to the JSON decoder's limit by encoding/decode.py;
- duplicate keys: the last wins, and each is reported as go-yaml's strict decoder words it
  (``line 5: key "name" already set in map``) for fieldValidation;
- then sigs.k8s.io/yaml's conversion to JSON: keys to strings, NaN/Inf refused as encoding/json refuses them.

Costs: about 2 us of Python per event, so a 3 MiB document takes a second of CPU; callers on the event loop
run big bodies in a worker thread (``apiserver/endpoints/bodies.py``).
"""

from __future__ import annotations

import base64
import binascii
import codecs
import ctypes
import math
import re
from typing import Any

import yaml
from yaml import events as ev

from . import deepjson as orjson
from . import depth


def _raise_libyaml_nesting_limit() -> None:
    """libyaml refuses more than 1,000 levels of its own (all kinds counted together): raised past go-yaml's
    limits (this module counts as go-yaml does), where libyaml exports the setting."""
    try:
        setter = ctypes.CDLL(yaml._yaml.__file__).yaml_set_max_nest_level  # type: ignore[attr-defined]
    except (AttributeError, OSError):
        return
    setter.argtypes = [ctypes.c_int]
    setter(2 * depth.KUBE_MAX_DEPTH + 2)


_raise_libyaml_nesting_limit()

STR, BOOL, INT, FLOAT, NULL, TIMESTAMP, BINARY, MERGE = (
    f"tag:yaml.org,2002:{t}" for t in ("str", "bool", "int", "float", "null", "timestamp", "binary", "merge")
)
_RESOLVABLE = {"", STR, BOOL, INT, FLOAT, NULL, TIMESTAMP}
_LONG_PREFIX = "tag:yaml.org,2002:"

_RESOLVE_MAP: dict[str, tuple[str, Any]] = {}
for _value, _tag, _words in (
    (True, BOOL, ("y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON")),
    (False, BOOL, ("n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF")),
    (None, NULL, ("", "~", "null", "Null", "NULL")),
    (math.nan, FLOAT, (".nan", ".NaN", ".NAN")),
    (math.inf, FLOAT, (".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF")),
    (-math.inf, FLOAT, ("-.inf", "-.Inf", "-.INF")),
    ("<<", MERGE, ("<<",)),
):
    for _word in _words:
        _RESOLVE_MAP[_word] = (_tag, _value)

_YAML_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?")
_DOT_FLOAT = re.compile(r"\.[0-9]+(?:[eE][-+]?[0-9]+)?")
_DIGITS = {2: set("01"), 8: set("01234567"), 10: set("0123456789"), 16: set("0123456789abcdefABCDEF")}
_TIMESTAMP = re.compile(
    r"[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}"
    r"(?:(?:[Tt][0-9]{1,2}:[0-9]{1,2}:[0-9]{1,2}(?:\.[0-9]{1,9})?(?:Z|[+-][0-9]{2}:[0-9]{2}))"
    r"|(?: [0-9]{1,2}:[0-9]{1,2}:[0-9]{1,2}(?:\.[0-9]{1,9})?))?"
)
INT64_MIN, INT64_MAX, UINT64_MAX = -(2**63), 2**63 - 1, 2**64 - 1

#: the ``errors=`` of bytes.decode that does what Go does to invalid UTF-8 in a string: one U+FFFD per bad byte
GO_UTF8 = "aiokube-go-utf8"


def _per_byte_replacement(exc: UnicodeError) -> tuple[str, int]:
    assert isinstance(exc, UnicodeDecodeError)
    return "\ufffd" * (exc.end - exc.start), exc.end


codecs.register_error(GO_UTF8, _per_byte_replacement)

# go-yaml's alias budget (decode.go allowedAliasRatio)
_RATIO_LOW, _RATIO_HIGH = 400_000, 4_000_000


class YAMLError(ValueError):
    """A body go-yaml (or sigs.k8s.io/yaml's conversion) refuses; ``message`` is its text."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def short_tag(tag: str) -> str:
    return "!!" + tag[len(_LONG_PREFIX) :] if tag.startswith(_LONG_PREFIX) else tag


def go_parse_int(text: str) -> int | None:
    """strconv.ParseInt/ParseUint with base 0 (sign, 0x/0o/0b/0 prefixes), or None when it is no integer."""
    sign = 1
    body = text
    if body[:1] in "+-":
        sign = -1 if body[0] == "-" else 1
        body = body[1:]
    if not body:
        return None
    base = 10
    lower = body[:2].lower()
    if lower in ("0x", "0o", "0b"):
        base = {"0x": 16, "0o": 8, "0b": 2}[lower]
        body = body[2:]
    elif len(body) > 1 and body[0] == "0":
        base = 8
        body = body[1:]
    if not body or not set(body) <= _DIGITS[base]:
        return None
    return sign * int(body, base)


def _allowed_alias_ratio(decodes: int) -> float:
    if decodes <= _RATIO_LOW:
        return 0.99
    if decodes >= _RATIO_HIGH:
        return 0.10
    return 0.99 - 0.89 * (decodes - _RATIO_LOW) / (_RATIO_HIGH - _RATIO_LOW)


def resolve(tag: str, value: str) -> tuple[str, Any]:
    """go-yaml v2's resolve: the tag a scalar resolves to and its value (timestamps stay strings, as
    go-yaml hands them to an ``interface{}``)."""
    if tag not in _RESOLVABLE:
        return tag, value
    rtag, out = _resolve(tag, value)
    if tag in ("", rtag, STR):
        return rtag, out
    if tag == FLOAT and rtag == INT:
        return FLOAT, float(out)
    raise YAMLError(f"yaml: cannot decode {short_tag(rtag)} `{value}` as a {short_tag(tag)}")


def _resolve(tag: str, value: str) -> tuple[str, Any]:
    hint = value[:1]
    if tag == STR or (hint and hint not in "+-0123456789yYnNtTfFoO~."):
        return STR, value
    item = _RESOLVE_MAP.get(value)
    if item is not None:
        return item
    if hint == ".":
        if _DOT_FLOAT.fullmatch(value):
            return FLOAT, float(value)
    elif hint and hint in "+-0123456789":
        if tag in ("", TIMESTAMP) and _TIMESTAMP.fullmatch(value):
            return TIMESTAMP, value
        plain = value.replace("_", "")
        number = go_parse_int(plain)
        if number is not None and INT64_MIN <= number <= UINT64_MAX:
            return INT, number
        if _YAML_FLOAT.fullmatch(plain) and not math.isinf(float(plain)):  # ParseFloat fails out of range
            return FLOAT, float(plain)
        for prefix, sign in (("0b", 1), ("-0b", -1)):
            if plain.startswith(prefix) and plain[len(prefix) :] and set(plain[len(prefix) :]) <= {"0", "1"}:
                number = sign * int(plain[len(prefix) :], 2)
                if INT64_MIN <= number <= UINT64_MAX:
                    return INT, number
    return STR, value


def _json_key(key: Any, value: Any) -> str:
    """sigs.k8s.io/yaml's map keys: strings, integers, floats (as float32 'g'), booleans; nothing else."""
    if isinstance(key, str):
        return key
    if isinstance(key, bool):
        return "true" if key else "false"
    if isinstance(key, int):
        return str(key)
    if isinstance(key, float):
        if math.isnan(key):
            return ".nan"
        if math.isinf(key):
            return ".inf" if key > 0 else "-.inf"
        return repr(key).removesuffix(".0")  # Go formats float32 'g'; keys like 1.5 read the same
    raise YAMLError(f"unsupported map key of type: %!s(<nil>), key: <nil>, value: {_go_sharp(value)}")


def _go_sharp(value: Any) -> str:
    """fmt's ``%#v`` of a decoded value, as go-yaml's messages print keys."""
    if value is None:
        return "<nil>"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return orjson.dumps(value).decode()
    if isinstance(value, list):
        return "[]interface {}{" + ", ".join(_go_sharp(v) for v in value) + "}"
    if isinstance(value, dict):
        items = ", ".join(f"{_go_sharp(k)}:{_go_sharp(v)}" for k, v in value.items())
        return "map[interface {}]interface {}{" + items + "}"
    return repr(value)


class _Node:
    """A finished node: its JSON value, how many go-yaml decode steps it costs (aliases expanded), its
    height, and its line (for strict errors)."""

    __slots__ = ("decodes", "height", "line", "value")

    def __init__(self, value: Any, decodes: int, height: int, line: int) -> None:
        self.value = value
        self.decodes = decodes
        self.height = height
        self.line = line


class _Open:
    """A collection being read: its items so far and the anchor it will be registered under."""

    __slots__ = ("anchor", "decodes", "flow", "height", "is_map", "items", "line")

    def __init__(self, is_map: bool, anchor: str | None, line: int, flow: bool = False) -> None:
        self.is_map = is_map
        self.flow = flow
        self.anchor = anchor
        self.line = line
        self.items: list[tuple[_Node, bool]] = []  # (node, is it a merge key)
        self.decodes = 1
        self.height = 1


class _Reader:
    """The state of one document's reading: anchors (finished, and those still open: an alias to one of those
    is a self-reference), go-yaml's decode and alias counts, strict errors, the first NaN/Inf value."""

    def __init__(self, strict_errors: list[str] | None) -> None:
        self.anchors: dict[str, _Node] = {}
        self.open_anchors: set[str] = set()
        self.decodes = 1  # the document node
        self.aliased = 0
        self.strict = strict_errors
        self.unsupported: str | None = None  # a NaN/Inf value: json.Marshal fails once the document is read

    def scalar(self, event: ev.ScalarEvent, is_key: bool) -> _Node:
        tag = event.tag or ""
        if tag == "!":
            tag = STR
        if not tag and not event.implicit[0]:
            value: Any = event.value
        elif tag == BINARY:
            value = _binary(event.value)
        else:
            value = resolve(tag, event.value)[1]
        if isinstance(value, float) and (math.isnan(value) or math.isinf(value)) and not is_key:
            if self.unsupported is None:
                self.unsupported = "NaN" if math.isnan(value) else ("+Inf" if value > 0 else "-Inf")
        if is_key and event.value == "<<" and (event.implicit[0] or tag == MERGE):
            value = _MERGE_KEY  # go-yaml's isMerge
        return _Node(value, 1, 0, event.start_mark.line)

    def alias(self, event: ev.AliasEvent, level: int) -> _Node:
        name = event.anchor
        target = self.anchors.get(name)
        if target is None:
            if name in self.open_anchors:
                raise YAMLError(f"yaml: anchor '{name}' value contains itself")
            raise YAMLError(f"yaml: unknown anchor '{name}' referenced")
        self.aliased += target.decodes
        self.decodes += 1 + target.decodes
        if (
            self.aliased > 100
            and self.decodes > 1000
            and self.aliased / self.decodes > _allowed_alias_ratio(self.decodes)
        ):
            raise YAMLError("yaml: document contains excessive aliasing")
        if level + target.height > depth.MAX_DEPTH:
            raise YAMLError(f"yaml: exceeded max depth of {depth.MAX_DEPTH}")
        value = target.value
        if isinstance(value, dict | list):
            value = orjson.loads(orjson.dumps(value))  # a fresh copy, as go-yaml decodes each alias anew
        return _Node(value, 1 + target.decodes, target.height, event.start_mark.line)

    def close(self, item: _Open) -> _Node:
        if not item.is_map:
            return _Node([n.value for n, _ in item.items], item.decodes, item.height, item.line)
        out: dict[str, Any] = {}
        pairs = item.items
        for i in range(0, len(pairs) - 1, 2):
            key, merge = pairs[i]
            value = pairs[i + 1][0]
            if merge:
                self.merge(out, value)
                continue
            if isinstance(key.value, dict | list):
                raise YAMLError(f"yaml: invalid map key: {_go_sharp(key.value)}")
            name = _json_key(key.value, value.value)
            if name in out and self.strict is not None:
                self.strict.append(f"line {value.line + 1}: key {_go_sharp(key.value)} already set in map")
            out[name] = value.value
        return _Node(out, item.decodes, item.height, item.line)

    def merge(self, out: dict[str, Any], node: _Node) -> None:
        value = node.value
        sources = [value] if isinstance(value, dict) else list(reversed(value)) if isinstance(value, list) else None
        if sources is None or not all(isinstance(s, dict) for s in sources):
            raise YAMLError("yaml: map merge requires map or sequence of maps as the value")
        for source in sources:
            for name, item in source.items():
                if name in out and self.strict is not None:
                    self.strict.append(f"line {node.line + 1}: key {_go_sharp(name)} already set in map")
                out[name] = item


class _MergeKey:
    """The ``<<`` key of a mapping (go-yaml's isMerge)."""


_MERGE_KEY = _MergeKey()


def _binary(text: str) -> str:
    try:
        data = base64.b64decode(text.replace("\n", "").replace("\r", ""), validate=True)
    except (binascii.Error, ValueError):
        raise YAMLError("yaml: !!binary value contains invalid base64 data") from None
    return data.decode("utf-8", GO_UTF8)


def _parser_error(exc: yaml.YAMLError) -> YAMLError:
    """go-yaml's parser.fail(): ``yaml: line N: problem`` (the 0-based problem line for parser errors, 1-based
    for scanner errors, as go-yaml prints them), or the reader's problem alone."""
    if isinstance(exc, yaml.reader.ReaderError):
        return YAMLError(f"yaml: {exc.reason}")
    problem = getattr(exc, "problem", None) or "unknown problem parsing YAML content"
    if problem == "exceeded maximum nesting depth":  # libyaml's own limit, deeper than ours
        problem = f"exceeded max depth of {depth.MAX_DEPTH}"
    where = ""
    mark = getattr(exc, "problem_mark", None)
    context = getattr(exc, "context_mark", None)
    if mark is not None and mark.line != 0:
        where = f"line {mark.line + (1 if isinstance(exc, yaml.scanner.ScannerError) else 0)}: "
    elif context is not None and context.line != 0:
        where = f"line {context.line}: "
    return YAMLError(f"yaml: {where}{problem}")


def yaml_to_json(data: bytes | str, strict_errors: list[str] | None = None) -> Any:
    """The first document of ``data`` as JSON values (None when there is none), or YAMLError with go-yaml's
    message. With ``strict_errors``, duplicate keys are appended to it as go-yaml's strict decoder words them
    (the value keeps the last one, as the non-strict decoder does)."""
    parser = yaml.CBaseLoader(data)
    reader = _Reader(strict_errors)
    stack: list[_Open] = []
    flow = 0  # open flow collections (go-yaml's flow_level); the others are block ones (its indents)
    root: _Node | None = None
    try:
        event = parser.get_event()  # StreamStart
        event = parser.get_event()
        if isinstance(event, ev.StreamEndEvent):
            return None
        while True:
            event = parser.get_event()
            node: _Node | None = None
            if isinstance(event, ev.ScalarEvent):
                reader.decodes += 1
                top = stack[-1] if stack else None
                is_key = top is not None and top.is_map and len(top.items) % 2 == 0
                node = reader.scalar(event, is_key)
                if event.anchor is not None:
                    reader.anchors[event.anchor] = node
            elif isinstance(event, ev.AliasEvent):
                node = reader.alias(event, len(stack))
            elif isinstance(event, ev.SequenceStartEvent | ev.MappingStartEvent):
                reader.decodes += 1
                is_flow = bool(event.flow_style)
                if (flow if is_flow else len(stack) - flow) >= depth.MAX_DEPTH:
                    line = event.start_mark.line  # go-yaml's scanner error: a line only past the first
                    raise YAMLError(
                        f"yaml: {f'line {line + 1}: ' if line else ''}exceeded max depth of {depth.MAX_DEPTH}"
                    )
                flow += is_flow
                item = _Open(isinstance(event, ev.MappingStartEvent), event.anchor, event.start_mark.line, is_flow)
                if item.anchor is not None:
                    reader.anchors.pop(item.anchor, None)  # a redefinition is not visible inside itself
                    reader.open_anchors.add(item.anchor)
                stack.append(item)
                continue
            elif isinstance(event, ev.SequenceEndEvent | ev.MappingEndEvent):
                done = stack.pop()
                flow -= done.flow
                node = reader.close(done)
                if done.anchor is not None:
                    reader.open_anchors.discard(done.anchor)
                    reader.anchors[done.anchor] = node
            elif isinstance(event, ev.DocumentEndEvent | ev.StreamEndEvent):
                break
            else:
                continue
            if not stack:
                root = node
                continue
            parent = stack[-1]
            merge = parent.is_map and len(parent.items) % 2 == 0 and node.value is _MERGE_KEY
            parent.items.append((node, merge))
            parent.decodes += node.decodes
            parent.height = max(parent.height, node.height + 1)
    except yaml.YAMLError as exc:
        raise _parser_error(exc) from None
    finally:
        parser.dispose()
    if reader.unsupported is not None:
        raise YAMLError(f"json: unsupported value: {reader.unsupported}")
    return None if root is None else root.value
