"""PATCH bodies applied to the current object and decoded back into its type (endpoints/handlers/patch.go):
which patch types a resource accepts, and the 422 kube returns when the patched object does not decode."""

from __future__ import annotations

import contextlib
from typing import Any

import orjson

from aiokube.apiserver.endpoints.bodies import Decoded, Parsed, decode_object
from aiokube.apiserver.errors import StatusError
from aiokube.apiserver.patching import goorder, strategic
from aiokube.apiserver.patching import patch as patches
from aiokube.apiserver.registry.resources import Registry, ResourceInfo
from aiokube.encoding import deepjson, negotiation
from aiokube.encoding.decode import DecodeError, decode_json

Obj = dict[str, Any]

JSON_PATCH = "application/json-patch+json"
MERGE_PATCH = "application/merge-patch+json"
STRATEGIC_PATCH = "application/strategic-merge-patch+json"
APPLY_PATCH = "application/apply-patch+yaml"
#: in the order kube lists them in its 415 message
PATCH_TYPES = (JSON_PATCH, MERGE_PATCH, APPLY_PATCH, STRATEGIC_PATCH)


def patch_types(info: ResourceInfo) -> list[str]:
    """The patch types a resource accepts: no strategic merge patch for custom resources."""
    return [t for t in PATCH_TYPES if info.builtin or t != STRATEGIC_PATCH]


def apply_patch(
    media: str,
    existing: Obj,
    body: bytes,
    schema: str | None,
    field_validation: str,
    strict: list[str],
    *,
    read_only: bool = False,
) -> Obj:
    """One of the three classic patch types applied to a copy of ``existing`` (errors are kube's StatusErrors);
    duplicate fields of a strictly decoded patch body are appended to ``strict``. ``read_only``: the caller
    only reads the result (decode_patched writes it out), which may then share parts with ``existing``."""
    if media == JSON_PATCH:
        return patches.apply_json_patch(existing, body, field_validation=field_validation, strict_errors=strict)
    if media == MERGE_PATCH:
        return patches.apply_merge_patch(
            existing, body, field_validation=field_validation, strict_errors=strict, shared=read_only
        )
    if schema is None:
        raise patches.unsupported_strategic_merge_patch()
    return strategic.apply_strategic_merge_patch(
        existing, body, schema, field_validation=field_validation, strict_errors=strict
    )


def decode_patched(
    patched: Obj,
    media: str,
    body: bytes,
    info: ResourceInfo,
    registry: Registry,
    field_validation: str,
    strict: list[str],
    original: Obj | None = None,
) -> Decoded:
    """The patched object decoded into its type: a failure, or with fieldValidation=Strict any
    unknown/duplicate field, is a 422 on field ``patch``; with Warn they warn. ``original``: the object the
    patch was applied to (the error prints the result in the order json-patch leaves it)."""

    try:
        data = deepjson.dumps(patched)
    except orjson.JSONEncodeError:
        # a JSON patch can nest a value as deep as its path: deeper than orjson writes (254 levels), far past
        # MAX_DEPTH, refused as a too deep body is (kube's decoders stop at 10,000)
        raise patches.invalid_patch("...", "invalid character '{' exceeded max depth") from None

    def go_ordered() -> bytes:
        """The patched JSON in the order json-patch leaves it (patching/goorder.py): what kube decodes, and
        prints in the error."""
        with contextlib.suppress(DecodeError):
            if media == MERGE_PATCH and original is not None:
                return deepjson.dumps(goorder.after_merge_patch(patched, decode_json(body), original))
            if media == JSON_PATCH:
                return deepjson.dumps(goorder.after_json_patch(patched, decode_json(body)))
        return data

    def shown() -> str:
        """kube prints a strategic merge patch's map with %+v, the others the patched JSON."""
        if media == STRATEGIC_PATCH:
            with contextlib.suppress(DecodeError):
                return patches.go_sprint(decode_json(body))
        return go_ordered().decode()

    validation_mode = "Ignore" if field_validation == "Ignore" else "Warn"
    parsed: Parsed | DecodeError
    try:  # written by orjson: no duplicate keys to look for (the patch's own were reported by its decoding)
        parsed = Parsed(decode_json(data), negotiation.JSON)
    except DecodeError as exc:
        parsed = exc
    try:
        decoded = decode_object(data, negotiation.JSON, info, registry, validation_mode, parsed=parsed)
    except StatusError as error:
        failure = error
        ordered = go_ordered()
        if ordered is not data:  # the first error in the order kube's decoder reads the fields
            try:
                decode_object(ordered, negotiation.JSON, info, registry, validation_mode)
            except StatusError as first:
                failure = first
        detail = failure.message.split(f"cannot be handled as a {info.kind}: ", 1)[-1]
        raise patches.invalid_patch(shown(), detail) from None
    problems = [*strict, *decoded.warnings]
    if field_validation == "Strict" and problems:
        raise patches.invalid_patch(shown(), "strict decoding error: " + ", ".join(problems))
    if field_validation != "Ignore":
        decoded.warnings = problems
    return decoded
