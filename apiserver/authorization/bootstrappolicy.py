"""kube's default RBAC policy: the ClusterRoles, ClusterRoleBindings, Roles and RoleBindings its
``rbac/bootstrap-roles`` post-start hook creates (``bootstrap_policy.json``, generated from kube's golden files
by ``encoding/codegen/gen_bootstrap_policy.py``).

Every call returns fresh copies, so callers may default, stamp and store them freely.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import orjson

Obj = dict[str, Any]

API_VERSION = "rbac.authorization.k8s.io/v1"
_DATA = Path(__file__).with_name("bootstrap_policy.json")


@functools.cache
def _raw() -> bytes:
    return _DATA.read_bytes()


#: each kind's fields after kind/apiVersion/metadata, in the Go struct's (so kube's JSON) order
_FIELDS = {
    "ClusterRole": ("rules", "aggregationRule"),
    "Role": ("rules",),
    "ClusterRoleBinding": ("subjects", "roleRef"),
    "RoleBinding": ("subjects", "roleRef"),
}


def _items(key: str, kind: str) -> list[Obj]:
    out = []
    for obj in orjson.loads(_raw())[key]:  # parsing again is a fresh deep copy, ~7x faster than copy.deepcopy
        ordered = {"kind": kind, "apiVersion": API_VERSION, "metadata": obj.pop("metadata")}
        ordered.update((f, obj.pop(f)) for f in _FIELDS[kind] if f in obj)
        ordered.update(obj)
        out.append(ordered)
    return out


def _by_namespace(objs: list[Obj]) -> dict[str, list[Obj]]:
    out: dict[str, list[Obj]] = {}
    for obj in objs:
        out.setdefault(obj["metadata"]["namespace"], []).append(obj)
    return out


def cluster_roles() -> list[Obj]:
    """ClusterRoles() + ControllerRoles(); admin/edit/view & co. carry an aggregationRule and ``rules: None``."""
    return _items("clusterRoles", "ClusterRole")


def cluster_role_bindings() -> list[Obj]:
    """ClusterRoleBindings() + ControllerRoleBindings()."""
    return _items("clusterRoleBindings", "ClusterRoleBinding")


def roles() -> dict[str, list[Obj]]:
    """NamespaceRoles(): namespace -> Roles (kube-system, kube-public)."""
    return _by_namespace(_items("roles", "Role"))


def role_bindings() -> dict[str, list[Obj]]:
    """NamespaceRoleBindings(): namespace -> RoleBindings."""
    return _by_namespace(_items("roleBindings", "RoleBinding"))
