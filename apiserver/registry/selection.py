"""What a selector can see of an object (kube's SelectableFields/GetAttrs and the scheme's field-label
conversion): the same functions build the watch cache's attributes and every request's predicate."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aiokube.apiserver import errors
from aiokube.apiserver.registry.resources import ResourceInfo
from aiokube.storage.selection import FieldSelector, LabelSelector, SelectionPredicate

Obj = dict[str, Any]


def selectable_fields(info: ResourceInfo) -> Callable[[Obj], dict[str, str]]:
    """The selectable fields of an object of ``info`` (metadata.name/namespace + the strategy's), computed on
    the storage form, as kube computes them on the internal object whatever the request's version."""
    info = info.stored_as
    strategy = info.strategy
    namespaced = info.namespaced

    def fields_of(obj: Obj) -> dict[str, str]:
        md = obj.get("metadata") or {}
        out = {"metadata.name": md.get("name", "")}
        if namespaced:
            out["metadata.namespace"] = md.get("namespace", "")
        out.update(strategy.selectable_fields(obj))
        return out

    return fields_of

def predicate(info: ResourceInfo, label: LabelSelector, field: FieldSelector) -> SelectionPredicate:
    """The selection of a LIST/WATCH/DELETE collection over ``info``'s labels and selectable fields."""
    return SelectionPredicate(label, field, selectable_fields(info))

def convert_field_labels(info: ResourceInfo, field: FieldSelector) -> FieldSelector:
    """runtime.Scheme.ConvertFieldLabel: reject labels the type does not support, kube's way."""
    reqs = []
    mapping = info.conversion.field_labels if info.conversion is not None else None
    for req in field.requirements:
        label = req.field
        if mapping is not None:  # a version's own labels, mapped to the storage version's (events.k8s.io/v1)
            if label not in mapping:
                raise errors.bad_request(f"field label not supported: {label}")
            reqs.append(type(req)(mapping[label], req.op, req.value))
            continue
        if info.kind == "Pod" and label == "spec.host":
            req = type(req)("spec.nodeName", req.op, req.value)
            label = req.field
        if label not in info.field_labels:
            style = info.strategy.field_label_style
            if style == "core":
                raise errors.bad_request(f"field label not supported: {label}")
            if style == "job":
                raise errors.bad_request(f'field label "{label}" not supported for Job')
            if style == "gvk":
                raise errors.bad_request(f"field label not supported for {info.api_version}, Kind={info.kind}: {label}")
            raise errors.bad_request(
                f'"{label}" is not a known field selector: only "metadata.name", "metadata.namespace"'
            )
        reqs.append(req)
    return FieldSelector(tuple(reqs))
