"""The form an object has in etcd and the view a request's version gets of it.

kube converts to the storage version and encodes with its storage codec; aiokube keeps JSON dicts, so the
stored form is kube's canonical JSON for typed objects (encoding/typed) and kube's field order otherwise.
The registry writes only what :func:`stored_form` returns.
"""

from __future__ import annotations

from typing import Any

from aiokube.apiserver.defaulting import apply_defaults
from aiokube.apiserver.registry.meta import order_object
from aiokube.apiserver.registry.resources import ResourceInfo
from aiokube.encoding import protobuf, typed
from aiokube.encoding.k8s_schema import KINDS

Obj = dict[str, Any]


def schema_of(info: ResourceInfo) -> str | None:
    """The protobuf message describing a built-in type (its Go type), if aiokube has its schema."""
    if not info.builtin or not protobuf.has_schema(info.api_version, info.kind):
        return None
    return KINDS[(info.api_version, info.kind)]


def stored_form(obj: Obj, info: ResourceInfo) -> Obj:
    """What is written to etcd: kube's canonical JSON for typed objects, else kube's top-level field order."""
    schema = schema_of(info)
    if info.builtin:
        apply_defaults(info.group, info.kind, obj)  # as kube's decode from storage does, after the strategy
    if schema is not None:
        return typed.canonical(obj, schema)
    if info.custom is not None:  # custom resources are stored in their storage version
        obj["apiVersion"] = f"{info.group}/{info.custom.storage_version}"
    return order_object(obj, info.fields)


def version_view(info: ResourceInfo, obj: Obj) -> Obj:
    """A custom resource as the requested version serves it (kube's "None" conversion: the apiVersion)."""
    if info.custom is None or obj.get("apiVersion") == info.api_version:
        return obj
    return {**obj, "apiVersion": info.api_version}
