"""Embedded resources of custom resources (apiextensions-apiserver ``pkg/apiserver/schema/objectmeta/validation.go``).

A schema node with ``x-kubernetes-embedded-resource: true`` holds a whole object: kube checks its
``apiVersion`` and ``kind`` and validates its ``metadata`` as ObjectMeta (names as path segments). Used by
custom resource validation and by CRD validation of ``default:`` values.
"""

from __future__ import annotations

from typing import Any

from aiokube.apiserver.apiextensions.field import child_path, index_path, invalid, key_path, required
from aiokube.apiserver.apiextensions.structural import (
    OBJECT_META,
    Obj,
    Schema,
    additional_properties_of,
    is_embedded_resource,
    items_of,
    props_of,
)
from aiokube.apiserver.errors import Cause, FieldErrors
from aiokube.apiserver.golang import GO_BOOL, GO_FLOAT64, GO_INT64, GO_SLICE, GO_STRING, go_type_name
from aiokube.apiserver.registry import validation as metavalidation
from aiokube.encoding import typed


def _object_meta_error(meta: Any) -> str | None:
    """The encoding/json error of decoding ``meta`` into metav1.ObjectMeta, if any."""
    if meta is None:
        return None
    if not isinstance(meta, dict):
        kind = {GO_BOOL: "bool", GO_INT64: "number", GO_FLOAT64: "number", GO_STRING: "string", GO_SLICE: "array"}
        return f"json: cannot unmarshal {kind[go_type_name(meta)]} into Go value of type v1.ObjectMeta"
    try:
        typed.check(meta, OBJECT_META)
    except typed.TypedError as exc:
        return exc.message
    return None


def _validate_object_meta(meta: Obj, path: str) -> list[Cause]:
    """ValidateObjectMeta with path-segment names, as for embedded resources, rooted at ``path``."""
    errs = FieldErrors()
    meta = dict(meta)
    if not meta.get("name"):
        meta["name"] = "fakename"
    metavalidation.validate_object_meta(
        meta,
        namespaced=bool(meta.get("namespace")),
        name_validator=metavalidation.name_is_path_segment,
        errs=errs,
    )
    out = []
    for c in errs.causes:
        rest = c.field.removeprefix("metadata")
        out.append(Cause(c.type, path + rest, c.body))
    return out


def _validate_embedded_resource(path: str, x: Obj) -> list[Cause]:
    errs: list[Cause] = []
    if "apiVersion" not in x:
        errs.append(required(child_path(path, "apiVersion")))
    if "kind" not in x:
        errs.append(required(child_path(path, "kind")))
    for k, v in x.items():
        if k == "apiVersion":
            p = child_path(path, "apiVersion")
            if not isinstance(v, str):
                errs.append(invalid(p, v, "must be a string"))
            elif not v:
                errs.append(invalid(p, v, "must not be empty"))
            elif v != "/" and v.count("/") > 1:
                errs.append(invalid(p, v, f"unexpected GroupVersion string: {v}"))
        elif k == "kind":
            p = child_path(path, "kind")
            if not isinstance(v, str):
                errs.append(invalid(p, v, "must be a string"))
            elif not v:
                errs.append(invalid(p, v, "must not be empty"))
            elif msgs := metavalidation.is_dns1035_label(v.lower()):
                errs.append(invalid(p, v, "may have mixed case, but should otherwise match: " + ",".join(msgs)))
        elif k == "metadata":
            p = child_path(path, "metadata")
            problem = _object_meta_error(v)
            if problem is not None:
                errs.append(invalid(p, v, problem))
            else:
                errs.extend(_validate_object_meta(v or {}, p))
    return errs


def validate_embedded(path: str, x: Any, s: Schema | None, out: list[Cause]) -> None:
    if s is None:
        return
    if isinstance(x, dict):
        if is_embedded_resource(s):
            out.extend(_validate_embedded_resource(path, x))
        props = props_of(s)
        has_ap, ap = additional_properties_of(s)
        for k, v in x.items():
            if k in props:
                validate_embedded(child_path(path, k), v, props[k], out)
            elif has_ap:
                validate_embedded(key_path(path, k), v, ap, out)
    elif isinstance(x, list):
        items = items_of(s)
        for i, v in enumerate(x):
            validate_embedded(index_path(path, i), v, items, out)
