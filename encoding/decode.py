"""Decoding request bodies, with the parse-error texts of Go's encoding/json.

Clients (and their users) see these messages in 400 responses, so a malformed body is reported the way
kube-apiserver reports it: ``invalid character 'x' looking for beginning of value`` and friends.
"""

from __future__ import annotations

import json
from typing import Any

import orjson
import yaml

from .negotiation import JSON, PROTOBUF, YAML
from .protobuf import ProtobufError, decode_object


class DecodeError(ValueError):
    """The body is not a well-formed document of its media type; ``message`` is Go's wording."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _go_quote_char(ch: str) -> str:
    if ch == "'":
        return "'\\''"
    if ch == '"':
        return "'\"'"
    if ch.isprintable():
        return f"'{ch}'"
    return "'" + json.dumps(ch)[1:-1] + "'"


def _container_at(text: str, pos: int) -> str:
    """Innermost open container ('{' or '[') at ``pos``, ignoring brackets inside strings."""
    stack: list[str] = []
    in_str = escaped = False
    for ch in text[:pos]:
        if in_str:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_str = False
        elif ch == '"':
            in_str = True
        elif ch in "{[":
            stack.append(ch)
        elif ch in "}]" and stack:
            stack.pop()
    return stack[-1] if stack else ""


def go_json_error(data: bytes) -> str:
    """The message Go's json.Unmarshal gives for a malformed document."""
    text = data.decode("utf-8", errors="replace")
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
            where = "after object key:value pair" if _container_at(text, pos) == "{" else "after array element"
            return f"invalid character {ch} {where}"
        if msg.startswith("Extra data"):
            return f"invalid character {ch} after top-level value"
        if msg.startswith("Invalid control character"):
            return f"invalid character {ch} in string literal"
        if msg.startswith("Invalid \\escape") or msg.startswith("Invalid \\u"):
            return f"invalid character {ch} in string escape code"
        return f"invalid character {ch} looking for beginning of value"
    except RecursionError:
        return "exceeded max depth"
    return "invalid JSON"


def decode_json(data: bytes) -> Any:
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        raise DecodeError(go_json_error(data)) from None


class _YAMLLoader(yaml.SafeLoader):
    """YAML as sigs.k8s.io/yaml reads it for API objects: timestamps stay strings."""


class _FastYAMLLoader(yaml.CSafeLoader):
    """_YAMLLoader over libyaml's parser: 3.5 KB of pod YAML took 1.9 ms with the pure-Python one (half of a
    server-side apply's CPU), 0.2 ms here. Same resolvers, so the same values."""


for _loader in (_YAMLLoader, _FastYAMLLoader):
    _loader.yaml_implicit_resolvers = {
        ch: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for ch, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }


def decode_yaml(data: bytes) -> Any:
    if data[:1] == b"{":
        # JSON is YAML, and what clients send as apply-patch+yaml is mostly JSON (kubectl's is): orjson reads
        # it 100x faster. The values agree with the YAML reading, but for numbers without a dot ("1e3"), which
        # YAML 1.1 reads as strings and kube's go-yaml as numbers, as here.
        try:
            doc = orjson.loads(data)
        except orjson.JSONDecodeError:
            pass
        else:
            if isinstance(doc, dict):
                return doc
    try:
        docs = list(yaml.load_all(data, Loader=_FastYAMLLoader))
    except yaml.YAMLError:
        try:  # the pure-Python parser's messages, which the error texts were written for
            docs = list(yaml.load_all(data, Loader=_YAMLLoader))
        except yaml.YAMLError as exc:
            raise DecodeError(f"error converting YAML to JSON: yaml: {exc}") from None
    docs = [d for d in docs if d is not None]
    if len(docs) > 1:
        raise DecodeError("error converting YAML to JSON: yaml: expected a single document")
    return docs[0] if docs else None


def decode(data: bytes, media_type: str) -> Any:
    """Decode a request body of a supported media type into plain Python values."""
    if media_type == JSON:
        return decode_json(data)
    if media_type == YAML:
        return decode_yaml(data)
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
