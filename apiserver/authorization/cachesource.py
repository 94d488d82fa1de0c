"""The RBAC authorizer's view of Roles, ClusterRoles and their bindings: the server's watch caches (kube's RBAC
authorizer reads informers the same way), so authorizing a request reads no etcd."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from aiokube.watchcache.cacher import Cacher

RBAC_GROUP = "rbac.authorization.k8s.io"
RBAC_RESOURCES = ("roles", "clusterroles", "rolebindings", "clusterrolebindings")


class CacheRBACSource:
    """``roles``, ``clusterroles``, ``rolebindings``, ``clusterrolebindings`` caches, keyed as the registry keys
    them (``<prefix>/<namespace>/<name>`` or ``<prefix>/<name>``)."""

    def __init__(self, caches: dict[str, Cacher]) -> None:
        self.roles = caches["roles"]
        self.cluster_roles = caches["clusterroles"]
        self.role_bindings_cache = caches["rolebindings"]
        self.cluster_role_bindings_cache = caches["clusterrolebindings"]
        #: grows with every event any of the four caches dispatches (a relist's differences included), so the
        #: authorizer's per-user rule cache is checked against one int per request, not eight cache revisions
        self.generation = 0
        for cacher in (self.roles, self.cluster_roles, self.role_bindings_cache, self.cluster_role_bindings_cache):
            cacher.listeners.append(self._changed)

    def _changed(self, _event: object) -> None:
        self.generation += 1

    @staticmethod
    def _get(cacher: Cacher, *parts: str) -> dict[str, Any] | None:
        entry = cacher.cache.get("/".join((cacher.prefix.rstrip("/"), *parts)))
        return entry.obj if entry is not None else None

    def get_role(self, namespace: str, name: str) -> dict[str, Any] | None:
        return self._get(self.roles, namespace, name)

    def get_cluster_role(self, name: str) -> dict[str, Any] | None:
        return self._get(self.cluster_roles, name)

    def cluster_role_bindings(self) -> Iterable[dict[str, Any]]:
        return [e.obj for e in self.cluster_role_bindings_cache.cache.values()]

    def role_bindings(self, namespace: str) -> Iterable[dict[str, Any]]:
        prefix = f"{self.role_bindings_cache.prefix.rstrip('/')}/{namespace}/"
        return [e.obj for e in self.role_bindings_cache.cache.values() if e.key.startswith(prefix)]
