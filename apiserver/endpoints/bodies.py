"""Turn a request body into an object of the endpoint's type, or the 400 kube-apiserver would return.

kube decodes bodies into typed Go structs. aiokube keeps objects as JSON dicts, so it checks what typed
decoding would reject and clients can observe: the apiVersion/kind against the endpoint, the JSON types of
ObjectMeta and of each type's top-level fields, and unknown fields (dropped with a ``Warning`` header by
default, a 400 with ``fieldValidation=Strict``, silently with ``Ignore``), with kube's messages.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from aiokube.apiserver import errors
from aiokube.apiserver.apiextensions import defaulting as crd_defaulting
from aiokube.apiserver.apiextensions import pruning
from aiokube.apiserver.defaulting import apply_defaults
from aiokube.apiserver.golang import go_quote
from aiokube.apiserver.registry import typedmemo
from aiokube.apiserver.registry.meta import OBJECT_META_ORDER
from aiokube.apiserver.registry.resources import Registry, ResourceInfo
from aiokube.apiserver.registry.storedform import remember_canonical, schema_of
from aiokube.apiserver.registry.turns import off_loop
from aiokube.encoding import typed, weight
from aiokube.encoding.decode import DecodeError, decode, decode_json_literals, summarize
from aiokube.encoding.negotiation import JSON, PROTOBUF, YAML

Obj = dict[str, Any]

_PROBE_TYPE = 'struct { APIVersion string "json:\\"apiVersion,omitempty\\""; Kind string "json:\\"kind,omitempty\\"" }'
_SCHEME = "pkg/api/legacyscheme/scheme.go:30"
MAX_REQUEST_BODY_BYTES = 3 * 1024 * 1024


async def read_body(request: web.Request) -> bytes:
    """The request body, refusing more than 3 MiB the way kube's limitedReadBody does."""
    chunks: list[bytes] = []
    total = 0
    async for chunk in request.content.iter_chunked(1 << 16):
        total += len(chunk)
        if total > MAX_REQUEST_BODY_BYTES:
            raise errors.request_entity_too_large(f"limit is {MAX_REQUEST_BODY_BYTES}")
        chunks.append(chunk)
    return b"".join(chunks)

# JSON type of each ObjectMeta field and its Go type name (for "cannot unmarshal X into ... of type T").
_META_TYPES: dict[str, tuple[str, str]] = {
    "name": ("string", "string"),
    "generateName": ("string", "string"),
    "namespace": ("string", "string"),
    "selfLink": ("string", "string"),
    "uid": ("string", "types.UID"),
    "resourceVersion": ("string", "string"),
    "generation": ("integer", "int64"),
    "creationTimestamp": ("string", "string"),
    "deletionTimestamp": ("string", "string"),
    "deletionGracePeriodSeconds": ("integer", "int64"),
    "labels": ("map[string]string", "string"),
    "annotations": ("map[string]string", "string"),
    "ownerReferences": ("array", "[]v1.OwnerReference"),
    "finalizers": ("[]string", "string"),
    "managedFields": ("array", "[]v1.ManagedFieldsEntry"),
}


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


@dataclass(slots=True)
class Decoded:
    obj: Obj
    warnings: list[str] = field(default_factory=list)


class _TypeError(Exception):
    def __init__(self, message: str) -> None:
        self.message = message


def _unmarshal_error(value: Any, struct_field: str, go_type: str) -> _TypeError:
    return _TypeError(
        f"json: cannot unmarshal {_json_type(value)} into Go struct field {struct_field} of type {go_type}"
    )


def _check_meta(meta: Any, kind: str) -> None:
    if meta is None:
        return
    if not isinstance(meta, dict):
        raise _unmarshal_error(meta, f"{kind}.metadata", "v1.ObjectMeta")
    for key, value in meta.items():
        spec = _META_TYPES.get(key)
        if spec is None or value is None:
            continue
        want, go_type = spec
        where = f"ObjectMeta.metadata.{key}"
        if want == "string" and not isinstance(value, str):
            raise _unmarshal_error(value, where, go_type)
        if want == "integer":
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise _unmarshal_error(value, where, go_type)
            if not (isinstance(value, int) or value.is_integer()) or not -(2**63) <= value < 2**63:
                raise _TypeError(
                    f"json: cannot unmarshal number {typed.number_text(value)} into Go struct field {where} "
                    f"of type {go_type}"
                )
        if want == "map[string]string":
            if not isinstance(value, dict):
                raise _unmarshal_error(value, where, "map[string]string")
            for v in value.values():
                if not isinstance(v, str):
                    raise _unmarshal_error(v, where, "string")
        if want == "[]string":
            if not isinstance(value, list):
                raise _unmarshal_error(value, where, "[]string")
            for v in value:
                if not isinstance(v, str):
                    raise _unmarshal_error(v, where, "string")
        if want == "array" and not isinstance(value, list):
            raise _unmarshal_error(value, where, go_type)


def _check_fields(obj: Obj, info: ResourceInfo) -> None:
    """Top-level field types that are the same for every object of a type."""
    kind = info.kind
    version = info.version
    for key in ("spec", "status"):
        value = obj.get(key)
        if key in info.fields and value is not None and not isinstance(value, dict):
            raise _unmarshal_error(value, f"{kind}.{key}", f"{version}.{kind}{key.capitalize()}")
    if kind in ("ConfigMap", "Secret"):
        for key in ("data", "binaryData", "stringData"):
            value = obj.get(key)
            if value is None or key not in info.fields:
                continue
            binary = key == "binaryData" or (kind == "Secret" and key == "data")
            go_type = "map[string][]uint8" if binary else "map[string]string"
            if not isinstance(value, dict):
                raise _unmarshal_error(value, f"{kind}.{key}", go_type)
            for v in value.values():
                if not isinstance(v, str):
                    raise _unmarshal_error(v, f"{kind}.{key}", "[]uint8" if binary else "string")
                if binary:
                    _check_base64(v)
        immutable = obj.get("immutable")
        if immutable is not None and not isinstance(immutable, bool):
            raise _unmarshal_error(immutable, f"{kind}.immutable", "bool")
        if kind == "Secret" and obj.get("type") is not None and not isinstance(obj["type"], str):
            raise _unmarshal_error(obj["type"], "Secret.type", "v1.SecretType")


def _check_base64(value: str) -> None:
    try:
        base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        for i, ch in enumerate(value):
            if not (ch.isalnum() or ch in "+/="):
                raise _TypeError(f"illegal base64 data at input byte {i}") from None
        raise _TypeError(f"illegal base64 data at input byte {max(len(value) - 1, 0)}") from None


def _split_api_version(api_version: str) -> tuple[str, str]:
    if api_version.count("/") > 1:
        raise DecodeError(f"unexpected GroupVersion string: {api_version}")
    if "/" in api_version:
        group, version = api_version.split("/", 1)
        return group, version
    return "", api_version


def _unknown_fields(obj: Obj, info: ResourceInfo) -> list[str]:
    known = {"kind", "apiVersion", "metadata", *info.fields}
    unknown = [k for k in obj if k not in known]
    meta = obj.get("metadata")
    if isinstance(meta, dict):
        unknown += [f"metadata.{k}" for k in meta if k not in OBJECT_META_ORDER]
    return unknown


def _drop_unknown(obj: Obj, unknown: list[str]) -> None:
    for path in unknown:
        if path.startswith("metadata."):
            obj["metadata"].pop(path[len("metadata.") :], None)
        else:
            obj.pop(path, None)


_OVERFLOW = "json: cannot unmarshal number "


@dataclass(slots=True)
class Parsed:
    """A body read into plain values, and the strict-decoding errors its reading found (duplicate fields:
    JSON paths, or go-yaml's ``line N: key ... already set in map`` for YAML)."""

    value: Any
    media_type: str
    duplicates: list[str] = field(default_factory=list)


def parse_body(body: bytes, media_type: str, field_validation: str = "") -> Parsed:
    """Read a body (:func:`parse_body_async` off the event loop for big ones); DecodeError when malformed."""
    duplicates: list[str] | None = None if field_validation == "Ignore" else []
    value = decode(body, media_type, duplicates)
    return Parsed(value, media_type, duplicates or [])


#: Bodies up to these sizes are read on the event loop; bigger ones in the CPU thread (registry/turns.py).
#: Measured on this machine (2 cores, loaded; the server's GC thresholds), per body:
#:
#: - JSON, orjson: 3 MiB of small objects (75,000 x 4 fields) 60 ms, one 3 MB string 5-17 ms, 1,000,000 empty
#:   lists 150 ms; 10,000 and 100,000 levels of nesting are refused in 0.6 ms. orjson is C and holds the GIL
#:   for the whole call, so no thread shortens what the loop waits; a process would not either: building the
#:   Python objects is the cost, and unpickling them in this process costs the same (58 ms for the first body).
#:   That is the floor of a 3 MiB body here; what runs in Python afterwards (the exact reading of bodies with
#:   duplicate keys, error texts) is bounded (error scans look at 256 KiB) or runs in the thread.
#: - YAML, go-yaml's rules over libyaml's events: ~2 us of Python per event, 3 MiB 1.8-2.8 s, 8 KiB 4-9 ms,
#:   so only bodies up to 4 KiB are read inline. In the thread the loop gets the GIL back every switch
#:   interval (5 ms): other clients wait a few ms per request instead of seconds. 10,000 and 100,000 levels
#:   are refused in 1.5 ms (MAX_DEPTH), an alias bomb before anything is expanded.
#: - protobuf: decoded in Python, ~1 us a field: big ones go to the thread too.
INLINE_JSON_BYTES = weight.INLINE_JSON_BYTES
INLINE_YAML_BYTES = 4 * 1024
INLINE_PROTOBUF_BYTES = 16 * 1024
_INLINE = {YAML: INLINE_YAML_BYTES, PROTOBUF: INLINE_PROTOBUF_BYTES}


def is_heavy(body: bytes, media_type: str) -> bool:
    """Whether a write's body is decoded and its O(size) stages run in the CPU thread (registry/turns.py):
    past its media type's inline size, or deeply nested / many-valued whatever its size (encoding/weight.py)."""
    return weight.is_heavy(body, _INLINE.get(media_type, INLINE_JSON_BYTES))


async def parse_body_async(
    body: bytes, media_type: str, field_validation: str = "", heavy: bool | None = None
) -> Parsed:
    """:func:`parse_body`, in the CPU thread for a heavy body (``heavy``: the caller's :func:`is_heavy`)."""
    heavy = is_heavy(body, media_type) if heavy is None else heavy
    return await off_loop(heavy, parse_body, body, media_type, field_validation)


def _parse_error(media_type: str, message: str, body: bytes) -> str:
    """kube's message for a body its decoder could not read: JSON fails in the probe for apiVersion/kind
    (``couldn't get version/kind; json parse error: ...``), YAML in its conversion to JSON and protobuf in its
    envelope, both reported as they are."""
    if media_type == JSON:
        return f"couldn't get version/kind; json parse error: {message} ({summarize(body)})"
    return f"{message} ({summarize(body)})"


def strict_errors(parsed: Parsed, unknown: list[str], custom: bool) -> list[str]:
    """sigs.k8s.io/json's strict errors in kube's order (YAML's duplicates first, as one error), at most 100:
    unknown fields, then duplicate fields — of typed objects only those Go's decoder sees (not inside fields
    it skips as unknown)."""
    out: list[str] = []
    if parsed.duplicates and parsed.media_type == YAML:
        out.append("yaml: unmarshal errors:\n  " + "\n  ".join(parsed.duplicates))
    errs = [f"unknown field {go_quote(u)}" for u in unknown]
    for dup in [] if parsed.media_type == YAML else parsed.duplicates:
        path = dup[len('duplicate field "') : -1]
        if custom or not any(path == u or path.startswith((u + ".", u + "[")) for u in unknown):
            errs.append(dup)
    seen: set[str] = set()
    for err in errs:
        if err not in seen and len(seen) < 100:
            seen.add(err)
            out.append(err)
    return out


def strict_warnings(errors: list[str]) -> list[str]:
    """The warnings of fieldValidation=Warn: one per error, a YAML error split per line (parseYAMLWarnings)."""
    out: list[str] = []
    for err in errors:
        if err.startswith("yaml: unmarshal errors:\n"):
            out.extend(line.strip() for line in err[len("yaml: unmarshal errors:\n") :].split("\n"))
        else:
            out.append(err)
    return out


def decode_object(
    body: bytes,
    media_type: str,
    info: ResourceInfo,
    registry: Registry,
    field_validation: str = "",
    *,
    defaults: bool = True,
    parsed: Parsed | DecodeError | None = None,
) -> Decoded:
    """Decode ``body`` as an object for ``info``'s endpoint, or raise the StatusError kube would.

    Built-in types come back defaulted and in canonical form (as kube's typed object) unless ``defaults`` is
    off: server-side apply merges the configuration as sent (or defaults would become owned fields) and
    defaults the merged result. ``parsed`` is the body already read, or the error reading it
    (:func:`decode_object_async`)."""
    kind = info.kind
    unrecognized = f"the object provided is unrecognized (must be of type {kind})"
    overflow = ""  # a number beyond float64: Go's decoder refuses it where the probe for the kind does not look
    try:
        if isinstance(parsed, DecodeError):
            raise parsed
        if parsed is None:
            parsed = parse_body(body, media_type, field_validation)
    except DecodeError as exc:
        if media_type != JSON or not exc.message.startswith(_OVERFLOW):
            raise errors.bad_request(f"{unrecognized}: {_parse_error(media_type, exc.message, body)}") from None
        overflow = exc.message
        parsed = Parsed(decode_json_literals(body), media_type)
    try:
        raw = parsed.value
        if raw is None:
            raw = {}
        if not isinstance(raw, dict):
            raise DecodeError(f"json: cannot unmarshal {_json_type(raw)} into Go value of type {_PROBE_TYPE}")
        for key in ("apiVersion", "kind"):
            if key in raw and raw[key] is not None and not isinstance(raw[key], str):
                raise DecodeError(
                    f"json: cannot unmarshal {_json_type(raw[key])} into Go struct field .{key} of type string"
                )
    except DecodeError as exc:
        raise errors.bad_request(
            f"{unrecognized}: couldn't get version/kind; json parse error: {exc.message} ({summarize(body)})"
        ) from None

    body_kind = raw.get("kind") or kind
    body_api_version = raw.get("apiVersion") or ""
    try:
        group, version = _split_api_version(body_api_version)
    except DecodeError as exc:
        raise errors.bad_request(f"{unrecognized}: {exc.message} ({summarize(body)})") from None
    if not version and not group:
        group, version = info.group, info.version
    elif not version and group == info.group:
        version = info.version
    api_version = f"{group}/{version}" if group else version
    cannot = f'{body_kind} in version "{version}" cannot be handled as a {kind}'
    if (api_version, body_kind) != (info.api_version, kind):
        other = registry.by_kind(api_version, body_kind)
        if other is None:
            raise errors.bad_request(
                f'{cannot}: no kind "{body_kind}" is registered for version "{api_version}" in scheme "{_SCHEME}"'
            )
        raise errors.bad_request(
            f"{cannot}: converting ({version}.{body_kind}) to ({info.internal_package}.{kind}): unknown conversion"
        )
    raw["apiVersion"], raw["kind"] = info.api_version, kind
    schema = schema_of(info)
    memo_key = hit = None
    if schema is not None and defaults and info.builtin and info.conversion is None and not overflow:
        memo_key = typedmemo.key(raw, schema, info.group, kind)
        hit = typedmemo.lookup(memo_key)
    # raw is this request's own parse (nobody else holds it): its rest may become the decoded object's; not a
    # YAML one, whose aliases may be one object in two places (JSON and protobuf decode to trees)
    own_rest = typedmemo.own_rest(raw, memo_key, hit) if media_type != YAML else None
    try:
        if schema is not None:
            try:  # Go's typed decoding, at every depth (of metadata alone when the rest is remembered)
                unknown = typed.check(typedmemo.metadata_only(raw) if hit is not None else raw, schema)
            except typed.TypedError as exc:
                if media_type == JSON and "unmarshal number" in exc.message:
                    typed.check(decode_json_literals(body), schema)  # the same error, with the number as sent
                raise
        elif info.custom is not None:
            _check_meta(raw.get("metadata"), kind)
            unknown = pruning.prune(raw, info.custom.schema) if info.custom.schema else []
            if info.custom.schema:
                crd_defaulting.apply_defaults(raw, info.custom.schema)
        else:
            _check_meta(raw.get("metadata"), kind)
            _check_fields(raw, info)
            unknown = _unknown_fields(raw, info)
    except (_TypeError, typed.TypedError) as exc:
        raise errors.bad_request(f"{cannot}: {exc.message}") from None
    if overflow:
        raise errors.bad_request(f"{cannot}: {overflow}")
    # Go's omitempty: a null field is the same as an absent one.
    for key in [k for k, v in raw.items() if v is None]:
        del raw[key]
    raw["metadata"] = {k: v for k, v in (raw.get("metadata") or {}).items() if v is not None}
    decoded = Decoded(raw)
    problems = strict_errors(parsed, unknown, info.custom is not None) if field_validation != "Ignore" else []
    if problems:
        if field_validation == "Strict":
            raise errors.bad_request(f"{cannot}: strict decoding error: {', '.join(problems)}")
        decoded.warnings.extend(strict_warnings(problems))
    if unknown and schema is None and info.custom is None:
        _drop_unknown(raw, unknown)  # typed objects: canonical() drops them; custom ones were pruned
    if hit is not None:
        decoded.obj = typedmemo.assemble(raw, hit, info.group, kind, own_rest)
        remember_canonical(decoded.obj, hit)
    elif defaults and info.builtin:
        if info.conversion is None:
            apply_defaults(info.group, kind, raw)
        elif info.conversion.defaults is not None:  # a converted version's own defaults (the storage's come later)
            info.conversion.defaults(raw)
        if schema is not None:  # the Go struct as kube holds it: zero-valued structs show, unknown fields go
            decoded.obj = typed.canonical(raw, schema)
            remember_canonical(decoded.obj, typedmemo.remember(memo_key, decoded.obj, unknown))
    return decoded


async def decode_object_async(
    body: bytes,
    media_type: str,
    info: ResourceInfo,
    registry: Registry,
    field_validation: str = "",
    *,
    defaults: bool = True,
    heavy: bool | None = None,
) -> Decoded:
    """:func:`decode_object`, in the CPU thread for a heavy body (``heavy``: the caller's :func:`is_heavy`): its
    typed check, defaults and canonical form are O(size) Python work too (100,000 keys: ~50 ms), during which
    the loop gets the GIL back every switch interval instead of waiting for the whole of it."""
    heavy = is_heavy(body, media_type) if heavy is None else heavy
    return await off_loop(heavy, _parse_and_decode, body, media_type, info, registry, field_validation, defaults)


def _parse_and_decode(
    body: bytes, media_type: str, info: ResourceInfo, registry: Registry, field_validation: str, defaults: bool
) -> Decoded:
    parsed: Parsed | DecodeError
    try:
        parsed = parse_body(body, media_type, field_validation)
    except DecodeError as exc:
        parsed = exc
    return decode_object(body, media_type, info, registry, field_validation, defaults=defaults, parsed=parsed)
