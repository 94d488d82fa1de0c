"""Is a CRD schema structural, complete, and are its defaults valid?

Mirrors apiextensions-apiserver's ``pkg/apiserver/schema/validation.go`` (``ValidateStructural``: the
invariants of a structural schema and of value validations nested in junctors), ``schema/complete.go``
(``validateStructuralCompleteness``) and ``schema/defaulting/validation.go`` (``ValidateDefaults``: each
``default:`` is pruned, embedded-checked and validated against its own schema). Used by CRD validation.
"""

from __future__ import annotations

import copy
import re
from typing import Any

from aiokube.apiserver.apiextensions.embedded import validate_embedded
from aiokube.apiserver.apiextensions.field import child_path, forbidden, index_path, invalid, key_path, required
from aiokube.apiserver.apiextensions.internal import is_zero
from aiokube.apiserver.apiextensions.pruning import Pruner
from aiokube.apiserver.apiextensions.regex import Untranslatable, compile_go_regexp, go_regexp_error
from aiokube.apiserver.apiextensions.structural import (
    META_FIELDS,
    Schema,
    additional_properties_of,
    is_embedded_resource,
    items_of,
    preserves_unknown_fields,
    props_of,
)
from aiokube.apiserver.apiextensions.validator import validate_value
from aiokube.apiserver.errors import Cause
from aiokube.apiserver.golang import go_deep_equal

_EMPTY_AS_NIL = ("allOf", "anyOf", "oneOf", "properties")


def _only_type(s: Any, t: str) -> bool:
    return isinstance(s, dict) and s.get("type") == t and all(is_zero(k, v) for k, v in s.items() if k != "type")


def _is_int_or_string_any_of(any_of: Any) -> bool:
    return (
        isinstance(any_of, list)
        and len(any_of) == 2
        and _only_type(any_of[0], "integer")
        and _only_type(any_of[1], "string")
    )


# ---- structural (schema/validation.go, schema/complete.go) ----


def validate_structural(s: Schema, path: str) -> list[Cause]:
    """ValidateStructural of a root schema at ``path`` (invariants, then completeness), sorted by text as
    kube's aggregated error list prints them."""
    errs: list[Cause] = []
    _invariants(s, "root", path, errs)
    _completeness(s, path, errs)
    errs.sort(key=lambda c: c.text())
    return errs


def _invariants(s: Schema | None, lvl: str, path: str, errs: list[Cause]) -> None:
    if s is None:
        return
    t = s.get("type") or ""
    if t == "array" and items_of(s) is None:
        errs.append(required(child_path(path, "items"), "must be specified"))
    _invariants(items_of(s), "item", child_path(path, "items"), errs)
    for k, sub in props_of(s).items():
        _invariants(sub, "field", key_path(child_path(path, "properties"), k), errs)
    has_ap, ap = additional_properties_of(s)
    if has_ap:
        if lvl == "root":
            errs.append(forbidden(child_path(path, "additionalProperties"), "must not be used at the root"))
        if ap is not None:
            _invariants(ap, "field", child_path(path, "additionalProperties"), errs)
    ios, emb, pres = bool(s.get("x-kubernetes-int-or-string")), is_embedded_resource(s), preserves_unknown_fields(s)
    if ios and pres:
        errs.append(
            invalid(
                child_path(path, "x-kubernetes-preserve-unknown-fields"),
                True,
                "must be false if x-kubernetes-int-or-string is true",
            )
        )
    if ios and emb:
        errs.append(
            invalid(
                child_path(path, "x-kubernetes-embedded-resource"),
                True,
                "must be false if x-kubernetes-int-or-string is true",
            )
        )
    skip_any = _is_int_or_string_any_of(s.get("anyOf"))
    all_of = s.get("allOf") or []
    skip_first_all = bool(all_of) and isinstance(all_of[0], dict) and _is_int_or_string_any_of(all_of[0].get("anyOf"))
    _value_validation(s, skip_any, skip_first_all, lvl, path, errs)
    check_meta = lvl == "root" or emb
    if emb and t != "object":
        msg = "must be object if x-kubernetes-embedded-resource is true"
        errs.append(required(child_path(path, "type"), msg) if not t else invalid(child_path(path, "type"), t, msg))
    elif not t and not ios and not pres:
        msg = {
            "root": "must not be empty at the root",
            "item": "must not be empty for specified array items",
            "field": "must not be empty for specified object fields",
        }[lvl]
        errs.append(required(child_path(path, "type"), msg))
    if emb and has_ap:
        errs.append(
            forbidden(
                child_path(path, "additionalProperties"), "must not be used if x-kubernetes-embedded-resource is set"
            )
        )
    if lvl == "root" and t and t != "object":
        errs.append(invalid(child_path(path, "type"), t, "must be object at the root"))
    props = props_of(s)
    for name in ("kind", "apiVersion"):
        if name in props and check_meta and (props[name].get("type") or "") != "string":
            p = child_path(key_path(child_path(path, "properties"), name), "type")
            errs.append(invalid(p, props[name].get("type") or "", "must be string"))
    if "metadata" in props:
        _metadata_invariants(
            props["metadata"], check_meta, lvl, key_path(child_path(path, "properties"), "metadata"), errs
        )
    if emb and not pres and not props:
        errs.append(
            required(
                child_path(path, "properties"),
                "must not be empty if x-kubernetes-embedded-resource is true "
                "without x-kubernetes-preserve-unknown-fields",
            )
        )


def _metadata_invariants(s: Schema, check_meta: bool, lvl: str, path: str, errs: list[Cause]) -> None:
    t = s.get("type") or ""
    if check_meta and t != "object":
        errs.append(invalid(child_path(path, "type"), t, "must be object"))
    if lvl == "root":
        # NewStructural drops empty junctor lists and maps; name/generateName-only properties are allowed
        rest = {
            k: v
            for k, v in s.items()
            if k not in ("type", "default") and not is_zero(k, v) and not (k in _EMPTY_AS_NIL and not v)
        }
        props = rest.get("properties")
        if isinstance(props, dict) and set(props) <= {"name", "generateName"}:
            rest.pop("properties")
        if rest:
            errs.append(
                forbidden(
                    path,
                    "must not specify anything other than name and generateName, but metadata is implicitly specified",
                )
            )


def _value_validation(s: Schema, skip_any: bool, skip_first_all: bool, lvl: str, path: str, errs: list[Cause]) -> None:
    if not skip_any:
        for i, sub in enumerate(s.get("anyOf") or []):
            _nested(sub, False, lvl, index_path(child_path(path, "anyOf"), i), errs)
    for i, sub in enumerate(s.get("allOf") or []):
        _nested(sub, skip_first_all and i == 0, lvl, index_path(child_path(path, "allOf"), i), errs)
    for i, sub in enumerate(s.get("oneOf") or []):
        _nested(sub, False, lvl, index_path(child_path(path, "oneOf"), i), errs)
    if isinstance(s.get("not"), dict):
        _nested(s["not"], False, lvl, child_path(path, "not"), errs)
    pattern = s.get("pattern") or ""
    if pattern:
        try:
            compile_go_regexp(pattern)
        except re.error as exc:
            errs.append(
                invalid(
                    child_path(path, "pattern"),
                    pattern,
                    f"must be a valid regular expression, but isn't: {go_regexp_error(pattern, exc)}",
                )
            )
        except Untranslatable:
            pass


def _nested(v: Schema, skip_any: bool, lvl: str, path: str, errs: list[Cause]) -> None:
    if not isinstance(v, dict):
        return
    _value_validation(v, skip_any, False, lvl, path, errs)
    if isinstance(v.get("items"), dict):
        _nested(v["items"], False, lvl, child_path(path, "items"), errs)
    for k, sub in (v.get("properties") or {}).items():
        _nested(sub, False, "field", key_path(child_path(path, "properties"), k), errs)
    checks = [
        ("type", bool(v.get("type")), "must be empty to be structural"),
        (
            "additionalProperties",
            v.get("additionalProperties") not in (None, False),
            "must be undefined to be structural",
        ),
        ("default", v.get("default") is not None, "must be undefined to be structural"),
        ("title", bool(v.get("title")), "must be empty to be structural"),
        ("description", bool(v.get("description")), "must be empty to be structural"),
        ("nullable", v.get("nullable") is True, "must be false to be structural"),
        ("x-kubernetes-preserve-unknown-fields", preserves_unknown_fields(v), "must be false to be structural"),
        ("x-kubernetes-embedded-resource", is_embedded_resource(v), "must be false to be structural"),
        (
            "x-kubernetes-int-or-string",
            v.get("x-kubernetes-int-or-string") is True,
            "must be false to be structural",
        ),
        ("x-kubernetes-list-map-keys", bool(v.get("x-kubernetes-list-map-keys")), "must be empty to be structural"),
        (
            "x-kubernetes-list-type",
            v.get("x-kubernetes-list-type") is not None,
            "must be undefined to be structural",
        ),
        ("x-kubernetes-map-type", v.get("x-kubernetes-map-type") is not None, "must be undefined to be structural"),
        ("x-kubernetes-validations", bool(v.get("x-kubernetes-validations")), "must be empty to be structural"),
    ]
    for name, bad, msg in checks:
        if bad:
            errs.append(forbidden(child_path(path, name), msg))
    if "metadata" in (v.get("properties") or {}):
        errs.append(
            forbidden(key_path(child_path(path, "properties"), "metadata"), "must not be specified in a nested context")
        )


def _completeness(s: Schema, path: str, errs: list[Cause]) -> None:
    _vv_complete(s, s, path, path, errs)


def _vv_complete(v: Schema, s: Schema | None, s_path: str, v_path: str, errs: list[Cause]) -> None:
    if s is None:
        errs.append(required(s_path, f"because it is defined in {v_path}"))
        return
    if isinstance(v.get("not"), dict):
        _nested_complete(v["not"], s, s_path, child_path(v_path, "not"), errs)
    for junctor in ("allOf", "anyOf", "oneOf"):
        for i, sub in enumerate(v.get(junctor) or []):
            _nested_complete(sub, s, s_path, index_path(child_path(v_path, junctor), i), errs)


def _nested_complete(v: Schema, s: Schema | None, s_path: str, v_path: str, errs: list[Cause]) -> None:
    if not isinstance(v, dict):
        return
    if s is None:
        errs.append(required(s_path, f"because it is defined in {v_path}"))
        return
    _vv_complete(v, s, s_path, v_path, errs)
    if isinstance(v.get("items"), dict):
        _nested_complete(v["items"], items_of(s), child_path(s_path, "items"), child_path(v_path, "items"), errs)
    props = props_of(s)
    for k, sub in (v.get("properties") or {}).items():
        vp = key_path(child_path(v_path, "properties"), k)
        if k not in props:
            errs.append(required(key_path(child_path(s_path, "properties"), k), f"because it is defined in {vp}"))
        else:
            _nested_complete(sub, props[k], key_path(child_path(s_path, "properties"), k), vp, errs)


# ---- defaults (schema/defaulting/validation.go) ----


def validate_defaults(s: Schema, path: str) -> list[Cause]:
    """ValidateDefaults of a structural root schema at ``path``: each ``default:`` outside resource metadata
    must survive pruning unchanged, pass the embedded-resource checks and validate against its schema."""
    errs: list[Cause] = []
    _defaults(s, path, inside_meta=False, is_root=True, errs=errs)
    return errs


def _defaults(s: Schema | None, path: str, inside_meta: bool, is_root: bool, errs: list[Cause]) -> None:
    if s is None:
        return
    emb = is_embedded_resource(s) or is_root
    if is_embedded_resource(s):
        inside_meta = False
    dflt = s.get("default")
    if dflt is not None and not inside_meta:
        dpath = child_path(path, "default")
        pruned = copy.deepcopy(dflt)
        Pruner().prune(pruned, s, "", embedded=emb)
        if not go_deep_equal(pruned, dflt):
            errs.append(invalid(dpath, dflt, "must not have unknown fields"))
        meta_errs: list[Cause] = []
        validate_embedded(dpath, dflt, s if not is_root else {**s, "x-kubernetes-embedded-resource": True}, meta_errs)
        if meta_errs:
            errs.extend(meta_errs)
        else:
            errs.extend(validate_value(dflt, s, dpath))
    if items_of(s) is not None:
        _defaults(items_of(s), child_path(path, "items"), inside_meta, False, errs)
    for k, sub in props_of(s).items():
        sub_meta = inside_meta or (emb and k in META_FIELDS)
        _defaults(sub, key_path(child_path(path, "properties"), k), sub_meta, False, errs)
