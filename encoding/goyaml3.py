"""go-yaml v3's ``yaml.Marshal`` of a JSON value, as gnostic writes it into ``Any.yaml``.

gnostic (the OpenAPI protobuf models kube serves) parses the JSON document into yaml.v3 nodes and keeps every
free-form value (a ``default``, an ``enum`` entry, an ``x-`` extension) as the YAML text of its node with the
styles cleared. That is block style with yaml.v3's layout: four-space indentation, sequences indented under
their mapping key, a mapping inside a sequence item indented by two (past ``- ``), lines folded past 80
columns, strings double-quoted when they would otherwise read back as another type (``"true"``, ``""``,
``"1"``, a date), multi-line strings as literal blocks. libyaml's emitter (which go-yaml is a port of) does
the scalar analysis and writing; only the indentation rules and the implicit-type check are go-yaml v3's.
"""

from __future__ import annotations

import io
import math
import re
from typing import Any

from yaml import events as ev
from yaml.emitter import Emitter

from . import deepjson
from .goyaml import go_parse_int

#: yaml.v3's resolve table: the plain words that read back as a bool, null or special float
_WORDS = frozenset(
    ("true", "True", "TRUE", "false", "False", "FALSE", "", "~", "null", "Null", "NULL", "<<", ".nan", ".NaN", ".NAN")
) | {sign + word for sign in ("", "+", "-") for word in (".inf", ".Inf", ".INF")}
_FLOAT = re.compile(r"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")
# parseTimestamp's layouts: a date, optionally with a time (T, t or space) and zone
_TIMESTAMP = re.compile(
    r"^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}"
    r"(([Tt]| +)[0-9]{1,2}:[0-9]{1,2}:[0-9]{1,2}(\.[0-9]*)?( *(Z|[-+][0-9]{1,2}(:[0-9]{2})?))?)?$"
)
_GO_FLOAT_LITERAL = re.compile(r"^[-+]?([0-9][0-9_]*(\.[0-9_]*)?|\.[0-9][0-9_]*)([eE][-+]?[0-9_]+)?$")


def _reads_as_other_type(s: str) -> bool:
    """yaml.v3 ``resolve("", s)`` is not ``!!str``: the node marshaller then forces double quotes."""
    if s in _WORDS:
        return True
    first = s[:1]
    if first == ".":
        return bool(_GO_FLOAT_LITERAL.match(s))
    if not first or first not in "+-0123456789":
        return False
    if _TIMESTAMP.match(s):
        return True
    plain = s.replace("_", "")
    if go_parse_int(plain) is not None:
        return True
    return bool(_FLOAT.match(plain))


class _V3Emitter(Emitter):
    """libyaml's emitter with go-yaml v3's indentation and no ``...`` after a bare root scalar."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        self.indents.append(self.indent)
        if self.indent is None:
            self.indent = self.best_indent if flow else 0
        elif self.states and self.states[-1] == self.expect_block_sequence_item:
            self.indent += 2  # the first indent inside a sequence item skips the "- " indicator
        else:
            self.indent = self.best_indent * ((self.indent + self.best_indent) // self.best_indent)

    def expect_block_sequence(self) -> None:
        self.increase_indent(flow=False, indentless=False)
        self.state = self.expect_first_block_sequence_item

    def check_empty_document(self) -> bool:
        return False  # go-yaml never writes "---" before an empty root scalar

    def expect_document_start(self, first: bool = False) -> None:
        if isinstance(self.event, ev.StreamEndEvent):
            self.open_ended = False
        super().expect_document_start(first)


def _events(value: Any, out: list[ev.Event]) -> None:
    if isinstance(value, dict):
        if not value:
            out.append(ev.MappingStartEvent(None, None, True, flow_style=True))
        else:
            out.append(ev.MappingStartEvent(None, None, True, flow_style=False))
            for k, v in value.items():
                _events(str(k), out)
                _events(v, out)
        out.append(ev.MappingEndEvent())
    elif isinstance(value, list):
        out.append(ev.SequenceStartEvent(None, None, True, flow_style=not value))
        for v in value:
            _events(v, out)
        out.append(ev.SequenceEndEvent())
    elif isinstance(value, str):
        style = None
        if "\n" in value:
            style = "|"
        elif _reads_as_other_type(value):
            style = '"'
        out.append(ev.ScalarEvent(None, None, (True, True), value, style=style))
    else:
        if value is None:
            text = "null"
        elif value is True or value is False:
            text = "true" if value else "false"
        elif isinstance(value, float) and not math.isfinite(value):
            text = ".nan" if math.isnan(value) else (".inf" if value > 0 else "-.inf")
        else:
            text = deepjson.dumps(value).decode()  # the number as it was written in the JSON document
        out.append(ev.ScalarEvent(None, None, (True, True), text))


def marshal(value: Any) -> str:
    """``yaml.Marshal`` (go-yaml v3) of a JSON value's node, styles cleared: gnostic's ``Any.yaml``."""
    if isinstance(value, str) and value.isascii() and value.isalnum() and not _reads_as_other_type(value):
        return value + "\n"  # the common case (an enum value, a patch strategy), without the emitter
    events: list[ev.Event] = [ev.StreamStartEvent(), ev.DocumentStartEvent(explicit=False)]
    _events(value, events)
    events += [ev.DocumentEndEvent(explicit=False), ev.StreamEndEvent()]
    stream = io.StringIO()
    emitter = _V3Emitter(stream, indent=4, width=80, allow_unicode=True)
    for event in events:
        emitter.emit(event)
    return stream.getvalue()
