"""Admission: the NamespaceLifecycle plugin (k8s.io/apiserver/pkg/admission/plugin/namespace/lifecycle).

- create of a namespaced object in a namespace that does not exist → 404 NotFound on the namespace;
- create in a namespace that is being deleted → 403 Forbidden with a NamespaceTerminating cause;
- delete of an immortal namespace (default, kube-system, kube-public) → 403 Forbidden.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiokube.apiserver import errors
from aiokube.apiserver.errors import GroupResource

IMMORTAL_NAMESPACES = frozenset(("default", "kube-system", "kube-public"))
NAMESPACES = GroupResource("", "namespaces")

NamespaceLookup = Callable[[str], Awaitable[dict[str, Any] | None]]


class NamespaceLifecycle:
    def __init__(self, lookup: NamespaceLookup) -> None:
        self._lookup = lookup

    async def lookup(self, namespace: str) -> dict[str, Any] | None:
        """The namespace (the watch cache's, else etcd's), None when it does not exist."""
        return await self._lookup(namespace)

    async def admit_create(self, gr: GroupResource, namespace: str, name: str) -> None:
        ns = await self._lookup(namespace)
        if ns is None:
            raise errors.not_found(NAMESPACES, namespace)
        if (ns.get("status") or {}).get("phase") == "Terminating" or (ns.get("metadata") or {}).get(
            "deletionTimestamp"
        ):
            err = errors.forbidden(
                gr,
                name,
                f"unable to create new content in namespace {namespace} because it is being terminated",
            )
            assert err.details is not None
            err.details["causes"] = [
                {
                    "reason": "NamespaceTerminating",
                    "message": f"namespace {namespace} is being terminated",
                    "field": "metadata.namespace",
                }
            ]
            raise err

    @staticmethod
    def admit_namespace_delete(name: str) -> None:
        if name in IMMORTAL_NAMESPACES:
            raise errors.forbidden(NAMESPACES, name, "this namespace may not be deleted")
