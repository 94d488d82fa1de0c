"""kube-apiserver's etcd key layout, so an aiokube etcd and a kube etcd hold objects in the same places.

Keys are ``/registry/<resource-prefix>/<namespace>/<name>`` for namespaced resources and
``/registry/<resource-prefix>/<name>`` for cluster-scoped ones. Most built-in resources use their plural as
prefix whatever their group; a few keep historical names (nodes are ``minions``, services ``services/specs``,
endpoints ``services/endpoints``); resources served from a non-core group that kube keys by group
(custom resources, CRDs, ...) are ``<group>/<resource>``.
"""

from __future__ import annotations

REGISTRY_ROOT = "/registry"

# kube's resource-prefix overrides (pkg/kubeapiserver/default_storage_factory_builder.go and the
# registries' DefaultQualifiedResource); everything else in the built-in set uses its plural.
_PREFIX_OVERRIDES: dict[tuple[str, str], str] = {
    ("", "nodes"): "minions",
    ("", "services"): "services/specs",
    ("", "endpoints"): "services/endpoints",
    ("apiextensions.k8s.io", "customresourcedefinitions"): "apiextensions.k8s.io/customresourcedefinitions",
}


def resource_prefix(group: str, resource: str, *, builtin: bool = True) -> str:
    """The part of the key after ``/registry/`` and before namespace/name."""
    override = _PREFIX_OVERRIDES.get((group, resource))
    if override is not None:
        return override
    if builtin or not group:
        return resource
    return f"{group}/{resource}"


def collection_key(prefix: str, namespace: str | None = None) -> str:
    """Key prefix (with a trailing slash) that ranges over a resource, or over one namespace of it."""
    if namespace:
        return f"{REGISTRY_ROOT}/{prefix}/{namespace}/"
    return f"{REGISTRY_ROOT}/{prefix}/"


def object_key(prefix: str, namespace: str | None, name: str) -> str:
    if namespace:
        return f"{REGISTRY_ROOT}/{prefix}/{namespace}/{name}"
    return f"{REGISTRY_ROOT}/{prefix}/{name}"


def prefix_range_end(key: bytes) -> bytes:
    """etcd's GetPrefixRangeEnd: the smallest key greater than every key with this prefix."""
    end = bytearray(key)
    for i in range(len(end) - 1, -1, -1):
        if end[i] < 0xFF:
            end[i] += 1
            return bytes(end[: i + 1])
    return b"\x00"  # whole keyspace
