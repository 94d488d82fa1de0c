"""JSON as kube-apiserver writes it.

Compact output is Go's ``json.Encoder.Encode``: no spaces and a trailing newline. Pretty output is
``json.MarshalIndent(obj, "", "  ")``: two-space indent, no trailing newline. Both escape ``<``, ``>``,
``&``, U+2028 and U+2029 the way Go's encoder does; those bytes can only occur inside JSON strings, so a
byte replace on the encoded output is exact (and skipped when none occur).
"""

from __future__ import annotations

from typing import Any

import orjson

_GO_ESCAPES = (
    (b"<", b"\\u003c"),
    (b">", b"\\u003e"),
    (b"&", b"\\u0026"),
    ("\u2028".encode(), b"\\u2028"),
    ("\u2029".encode(), b"\\u2029"),
)


def go_escape(data: bytes) -> bytes:
    for raw, escaped in _GO_ESCAPES:
        if raw in data:
            data = data.replace(raw, escaped)
    return data


def dumps(obj: Any, *, pretty: bool = False) -> bytes:
    if pretty:
        return go_escape(orjson.dumps(obj, option=orjson.OPT_INDENT_2))
    return go_escape(orjson.dumps(obj)) + b"\n"


def dumps_line(obj: Any) -> bytes:
    """One object on one line with a newline: the unit of a JSON watch stream."""
    return go_escape(orjson.dumps(obj)) + b"\n"


# --- cached serializations -------------------------------------------------------------------------------
# Objects from the watch cache carry an ``encodings`` dict and events a ``frames`` dict: the bytes below
# are computed once and shared by every LIST and every watcher that sends them.

JSON = "json"
_JSON_ITEM = "json-item"


def object_bytes(entry: Any) -> bytes:
    """The object as a watch event or a GET carries it (with kind/apiVersion), cached on the entry."""
    data = entry.encodings.get(JSON)
    if data is None:
        data = entry.encodings[JSON] = go_escape(orjson.dumps(entry.obj))
    return data


def item_bytes(entry: Any) -> bytes:
    """The object as an item of a typed list (kube drops kind/apiVersion there), cached on the entry."""
    data = entry.encodings.get(_JSON_ITEM)
    if data is None:
        obj = {k: v for k, v in entry.obj.items() if k not in ("kind", "apiVersion")}
        data = entry.encodings[_JSON_ITEM] = go_escape(orjson.dumps(obj))
    return data


def frame(event_type: str, object_json: bytes) -> bytes:
    """One JSON watch line: ``{"type":...,"object":...}`` and a newline."""
    return b'{"type":"' + event_type.encode() + b'","object":' + object_json + b"}\n"


def list_bytes(kind: str, api_version: str, list_meta: dict[str, Any], items: list[bytes]) -> bytes:
    """A list response spliced from cached item bytes: identical to encoding the list in one go."""
    head = b'{"kind":"' + kind.encode() + b'","apiVersion":"' + api_version.encode() + b'","metadata":'
    return head + go_escape(orjson.dumps(list_meta)) + b',"items":[' + b",".join(items) + b"]}\n"
