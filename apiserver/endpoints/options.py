"""Query parameters and DeleteOptions bodies turned into the registry's options, with kube's 400/422s
(metav1's option types as the request decoders of endpoints/handlers read them)."""

from __future__ import annotations

import re
import unicodedata

from aiohttp import web

from aiokube.apiserver import errors
from aiokube.apiserver.endpoints.bodies import read_body
from aiokube.apiserver.endpoints.requestinfo import query_bool
from aiokube.apiserver.errors import FieldErrors, GroupKind
from aiokube.apiserver.golang import go_quote
from aiokube.apiserver.registry.options import (
    META_GROUP,
    DeleteOptions,
    ListOptions,
    WriteOptions,
    validate_list_options,
)
from aiokube.apiserver.registry.resources import ResourceInfo
from aiokube.apiserver.registry.selection import convert_field_labels
from aiokube.encoding import negotiation, protobuf
from aiokube.encoding.decode import DecodeError, decode_json, decode_yaml, summarize
from aiokube.storage.selection import FieldSelector, LabelSelector, SelectorError
from aiokube.storage.store import Preconditions

_GO_INT = re.compile(r"[+-]?[0-9]+")


def parse_int64(text: str) -> int:
    """strconv.ParseInt(text, 10, 64), as kube converts integer query parameters: its 400 texts."""
    if not _GO_INT.fullmatch(text):
        raise errors.bad_request(f"strconv.ParseInt: parsing {go_quote(text)}: invalid syntax")
    value = int(text)
    if not -(2**63) <= value < 2**63:
        raise errors.bad_request(f"strconv.ParseInt: parsing {go_quote(text)}: value out of range")
    return value


def _go_printable(char: str) -> bool:
    """unicode.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII space."""
    return char == " " or unicodedata.category(char)[0] in "LMNPS"


def parse_bool(value: str | None) -> bool:
    return bool(query_bool(value))


def write_options(request: web.Request, kind: str) -> WriteOptions:
    """Create/Update/PatchOptions from the query (``kind`` names the options type in a 422)."""
    errs = FieldErrors()
    dry_run = request.query.getall("dryRun", [])
    for value in dry_run:
        if value != "All":
            errs.not_supported("dryRun", dry_run, ["All"])
            break
    field_validation = request.query.get("fieldValidation", "")
    if field_validation not in ("", "Ignore", "Warn", "Strict"):
        errs.not_supported("fieldValidation", field_validation, ["", "Ignore", "Strict", "Warn"])
    field_manager = request.query.get("fieldManager", "")
    if len(field_manager.encode()) > 128:
        errs.too_long("fieldManager", 128)
    for i, char in enumerate(field_manager):  # ValidateFieldManager: printable characters only
        if not _go_printable(char):
            at = len(field_manager[:i].encode())
            errs.invalid("fieldManager", field_manager, f"invalid character U+{ord(char):04X} (at position {at})")
    if errs:
        raise errors.invalid(GroupKind(META_GROUP, kind), "", errs.causes)
    return WriteOptions(bool(dry_run), field_validation, field_manager)


def input_media_type(request: web.Request, info: ResourceInfo | None = None) -> str:
    """The body's media type, or 415 for one kube does not decode (protobuf only for types it has)."""
    media = negotiation.content_type_of(request.headers.get("Content-Type"))
    if media not in negotiation.SUPPORTED_INPUT or (
        media == negotiation.PROTOBUF and info is not None and not protobuf.has_schema(info.api_version, info.kind)
    ):
        raise errors.unsupported_media_type(", ".join(negotiation.SUPPORTED_INPUT))
    return media


def list_options(request: web.Request, info: ResourceInfo, *, watch: bool = False) -> ListOptions:
    """ListOptions from the query; a watch validates the rest in endpoints/watch.py."""
    q = request.query
    try:
        label = LabelSelector.parse(q.get("labelSelector", ""))
        field = FieldSelector.parse(q.get("fieldSelector", ""))
    except SelectorError as exc:
        raise errors.bad_request(exc.message) from None
    field = convert_field_labels(info, field)
    # ListOptions' integers in its field order (timeoutSeconds, limit), as kube's parameter codec converts them
    if "timeoutSeconds" in q:
        parse_int64(q["timeoutSeconds"])
    limit = parse_int64(q["limit"]) if "limit" in q else 0
    opts = ListOptions(
        label=label,
        field=field,
        limit=max(limit, 0),
        continue_token=q.get("continue", ""),
        resource_version=q.get("resourceVersion", ""),
        resource_version_match=q.get("resourceVersionMatch", ""),
        send_initial_events="sendInitialEvents" in q,
    )
    if not watch:
        validate_list_options(opts)
    return opts


async def delete_options(request: web.Request) -> DeleteOptions:
    """DeleteOptions from an optional body (JSON, YAML or protobuf) and the query, which wins."""
    q = request.query
    opts = DeleteOptions()
    body = await read_body(request)
    if body.strip():
        media = negotiation.content_type_of(request.headers.get("Content-Type"))
        if media not in negotiation.SUPPORTED_INPUT:
            raise errors.unsupported_media_type(", ".join(negotiation.SUPPORTED_INPUT))
        try:
            if media == negotiation.PROTOBUF:
                raw = protobuf.decode_object(body)
            elif media == negotiation.YAML:
                raw = decode_yaml(body)
            else:
                raw = decode_json(body)
        except protobuf.ProtobufError as exc:
            raise errors.bad_request(str(exc)) from None
        except DecodeError as exc:
            raise errors.bad_request(
                f"couldn't get version/kind; json parse error: {exc.message} ({summarize(body)})"
            ) from None
        if raw is None:
            raw = {}
        if not isinstance(raw, dict):
            raise errors.bad_request("decoded object cannot be converted to DeleteOptions")
        if raw.get("kind") not in (None, "", "DeleteOptions"):
            raise errors.bad_request("decoded object cannot be converted to DeleteOptions")
        pre = raw.get("preconditions") or {}
        if isinstance(pre, dict) and (pre.get("uid") is not None or pre.get("resourceVersion") is not None):
            opts.preconditions = Preconditions(uid=pre.get("uid"), resource_version=pre.get("resourceVersion"))
        opts.propagation_policy = raw.get("propagationPolicy") or ""
        opts.grace_period_seconds = raw.get("gracePeriodSeconds")
        opts.orphan_dependents = raw.get("orphanDependents")
        opts.dry_run = bool(raw.get("dryRun"))
        dry_run_values = raw.get("dryRun") or []
    else:
        dry_run_values = []
    dry_run_values = list(dry_run_values) + q.getall("dryRun", [])
    if "propagationPolicy" in q:
        opts.propagation_policy = q["propagationPolicy"]
    if "gracePeriodSeconds" in q:
        opts.grace_period_seconds = parse_int64(q["gracePeriodSeconds"])
    if "orphanDependents" in q:
        opts.orphan_dependents = parse_bool(q["orphanDependents"])
    errs = FieldErrors()
    if any(v != "All" for v in dry_run_values):
        errs.not_supported("dryRun", dry_run_values, ["All"])
    opts.dry_run = bool(dry_run_values)
    policy = opts.propagation_policy
    if policy and policy not in ("Foreground", "Background", "Orphan"):
        errs.not_supported("propagationPolicy", policy, ["Foreground", "Background", "Orphan", "nil"])
    if policy and opts.orphan_dependents is not None:
        errs.invalid("propagationPolicy", policy, "orphanDependents and deletionPropagation cannot be both set")
    if errs:
        raise errors.invalid(GroupKind(META_GROUP, "DeleteOptions"), "", errs.causes)
    return opts
