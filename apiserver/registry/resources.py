"""The registry of resources aiokube serves: names, scope, verbs, storage layout and strategy per type.

Facts per type (short names, categories, storage version hashes, create-on-update, deleted-object
responses, name rules) are those of kube-apiserver 1.36's discovery documents and registries.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from aiokube.apiserver.errors import GroupKind, GroupResource
from aiokube.apiserver.registry import strategy as st
from aiokube.storage.keys import collection_key, object_key, resource_prefix

ALL_VERBS = ("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch")
STATUS_VERBS = ("get", "patch", "update")


@dataclass(frozen=True, slots=True)
class Subresource:
    name: str
    kind: str
    verbs: tuple[str, ...]
    group: str = ""
    version: str = ""


@dataclass(frozen=True)
class CustomSpec:
    """What a CustomResourceDefinition says about one served version of its resource."""

    crd_name: str
    storage_version: str
    schema: dict[str, Any] = field(default_factory=dict)
    printer_columns: tuple[dict[str, Any], ...] = ()
    #: the scale subresource's paths (specReplicasPath, statusReplicasPath, labelSelectorPath), if enabled
    scale: dict[str, str] | None = None
    status: bool = False


@dataclass(frozen=True)
class ResourceInfo:
    """One served group-version-resource: what discovery, OpenAPI, routing, decoding and the generic store
    need to know of it (kube spreads this over the scheme, the REST storage and the strategy). Immutable;
    built-in ones are made once at import, custom ones by the CRD controller when a CRD is established."""

    group: str
    version: str
    kind: str
    plural: str
    singular: str
    namespaced: bool
    strategy: st.Strategy = field(default_factory=st.Strategy)
    short_names: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    verbs: tuple[str, ...] = ALL_VERBS
    subresources: tuple[Subresource, ...] = ()
    #: Top-level fields of the type in Go struct order (after kind/apiVersion/metadata).
    fields: tuple[str, ...] = ("spec", "status")
    #: Object name rule: "subdomain" (DNS-1123 subdomain), "label", "dns1035" or "path" (path segment).
    name_rule: str = "subdomain"
    allow_create_on_update: bool = False
    allow_unconditional_update: bool = True
    return_deleted_object: bool = False
    storage_version_hash: str = ""
    builtin: bool = True
    #: Go package of the internal type, for kube's "converting (v1.X) to (core.Y)" decode errors.
    internal_package: str = ""
    #: set for custom resources (served from a CustomResourceDefinition)
    custom: CustomSpec | None = None

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def list_kind(self) -> str:
        return f"{self.kind}List"

    @property
    def group_resource(self) -> GroupResource:
        return GroupResource(self.group, self.plural)

    @property
    def group_kind(self) -> GroupKind:
        return GroupKind(self.group, self.kind)

    @property
    def etcd_prefix(self) -> str:
        return resource_prefix(self.group, self.plural, builtin=self.builtin)

    def key(self, namespace: str | None, name: str) -> str:
        return object_key(self.etcd_prefix, namespace if self.namespaced else None, name)

    def collection_key(self, namespace: str | None = None) -> str:
        return collection_key(self.etcd_prefix, namespace if self.namespaced else None)

    def subresource(self, name: str) -> Subresource | None:
        for sub in self.subresources:
            if sub.name == name:
                return sub
        return None

    @property
    def field_labels(self) -> tuple[str, ...]:
        """Field selector labels the API accepts for this type."""
        base = ("metadata.name",)
        if self.namespaced or self.strategy.field_label_style == "default":
            base += ("metadata.namespace",)
        return base + self.strategy.field_labels


def _status(kind: str) -> Subresource:
    return Subresource("status", kind, STATUS_VERBS)


SCALE = Subresource("scale", "Scale", STATUS_VERBS, "autoscaling", "v1")


_WORKLOAD_FIELDS = ("spec", "status")


def builtin_resources() -> list[ResourceInfo]:
    core = dict(group="", version="v1", internal_package="core")
    apps = dict(group="apps", version="v1", internal_package="apps", categories=("all",))
    rbac = dict(
        group="rbac.authorization.k8s.io",
        version="v1",
        internal_package="rbac",
        allow_create_on_update=True,
        name_rule="path",
    )
    return [
        ResourceInfo(
            **core, kind="Namespace", plural="namespaces", singular="namespace", namespaced=False,
            strategy=st.NamespaceStrategy(), short_names=("ns",),
            verbs=("create", "delete", "get", "list", "patch", "update", "watch"),
            subresources=(_status("Namespace"), Subresource("finalize", "Namespace", ("update",))),
            name_rule="label", return_deleted_object=True, storage_version_hash="Q3oi5N2YM8M=",
        ),
        ResourceInfo(
            **core, kind="Pod", plural="pods", singular="pod", namespaced=True, strategy=st.PodStrategy(),
            short_names=("po",), categories=("all",),
            subresources=(Subresource("binding", "Binding", ("create",)), _status("Pod")),
            return_deleted_object=True, storage_version_hash="xPOwRZ+Yhw8=",
        ),
        ResourceInfo(
            **core, kind="Node", plural="nodes", singular="node", namespaced=False, strategy=st.NodeStrategy(),
            short_names=("no",), subresources=(_status("Node"),), storage_version_hash="XwShjMxG9Fs=",
        ),
        ResourceInfo(
            **core, kind="ConfigMap", plural="configmaps", singular="configmap", namespaced=True,
            short_names=("cm",), fields=("immutable", "data", "binaryData"), storage_version_hash="qFsyl6wFWjQ=",
        ),
        ResourceInfo(
            **core, kind="Secret", plural="secrets", singular="secret", namespaced=True,
            strategy=st.SecretStrategy(), fields=("immutable", "data", "stringData", "type"),
            storage_version_hash="S6u1pOWzb84=",
        ),
        ResourceInfo(
            **core, kind="Service", plural="services", singular="service", namespaced=True,
            strategy=st.ServiceStrategy(), short_names=("svc",), categories=("all",),
            subresources=(_status("Service"),), name_rule="dns1035", allow_create_on_update=True,
            return_deleted_object=True, storage_version_hash="0/CO1lhkEBI=",
        ),
        ResourceInfo(
            **core, kind="Endpoints", plural="endpoints", singular="endpoints", namespaced=True,
            short_names=("ep",), fields=("subsets",), allow_create_on_update=True,
            storage_version_hash="fWeeMqaN/OA=",
        ),
        ResourceInfo(
            **core, kind="Event", plural="events", singular="event", namespaced=True,
            strategy=st.EventStrategy(), short_names=("ev",),
            fields=(
                "involvedObject", "reason", "message", "source", "firstTimestamp", "lastTimestamp", "count",
                "type", "eventTime", "series", "action", "related", "reportingComponent", "reportingInstance",
            ),
            allow_create_on_update=True, storage_version_hash="r2yiGXH7wu8=",
        ),
        ResourceInfo(
            **core, kind="ServiceAccount", plural="serviceaccounts", singular="serviceaccount", namespaced=True,
            strategy=st.ServiceAccountStrategy(), short_names=("sa",),
            fields=("secrets", "imagePullSecrets", "automountServiceAccountToken"),
            return_deleted_object=True, storage_version_hash="pbx9ZvyFpBE=",
        ),
        ResourceInfo(
            **core, kind="PersistentVolumeClaim", plural="persistentvolumeclaims",
            singular="persistentvolumeclaim", namespaced=True, strategy=st.StatusOnlyStrategy(),
            short_names=("pvc",), subresources=(_status("PersistentVolumeClaim"),),
            return_deleted_object=True, storage_version_hash="QWTyNDq0dC4=",
        ),
        ResourceInfo(
            **core, kind="PersistentVolume", plural="persistentvolumes", singular="persistentvolume",
            namespaced=False, strategy=st.PersistentVolumeStrategy(), short_names=("pv",),
            subresources=(_status("PersistentVolume"),), return_deleted_object=True,
            storage_version_hash="HN/zwEC+JgM=",
        ),
        ResourceInfo(
            **apps, kind="Deployment", plural="deployments", singular="deployment", namespaced=True,
            strategy=st.DeploymentStrategy(), short_names=("deploy",), subresources=(SCALE, _status("Deployment")),
            storage_version_hash="8aSe+NMegvE=",
        ),
        ResourceInfo(
            **apps, kind="ReplicaSet", plural="replicasets", singular="replicaset", namespaced=True,
            strategy=st.WorkloadStrategy(), short_names=("rs",), subresources=(SCALE, _status("ReplicaSet")),
            storage_version_hash="P1RzHs8/mWQ=",
        ),
        ResourceInfo(
            **apps, kind="StatefulSet", plural="statefulsets", singular="statefulset", namespaced=True,
            strategy=st.WorkloadStrategy(), short_names=("sts",), subresources=(SCALE, _status("StatefulSet")),
            storage_version_hash="H+vl74LkKdo=",
        ),
        ResourceInfo(
            **apps, kind="DaemonSet", plural="daemonsets", singular="daemonset", namespaced=True,
            strategy=st.WorkloadStrategy(), short_names=("ds",), subresources=(_status("DaemonSet"),),
            storage_version_hash="dd7pWHUlMKQ=",
        ),
        ResourceInfo(
            group="batch", version="v1", internal_package="batch", kind="Job", plural="jobs", singular="job",
            namespaced=True, strategy=st.JobStrategy(), categories=("all",), subresources=(_status("Job"),),
            storage_version_hash="mudhfqk/qZY=",
        ),
        ResourceInfo(
            group="coordination.k8s.io", version="v1", internal_package="coordination", kind="Lease",
            plural="leases", singular="lease", namespaced=True, fields=("spec",), allow_create_on_update=True,
            allow_unconditional_update=False, storage_version_hash="gqkMMb/YqFM=",
        ),
        ResourceInfo(
            group="discovery.k8s.io", version="v1", internal_package="discovery", kind="EndpointSlice",
            plural="endpointslices", singular="endpointslice", namespaced=True,
            strategy=st.EndpointSliceStrategy(), fields=("addressType", "endpoints", "ports"),
            storage_version_hash="qgS0xkrxYAI=",
        ),
        ResourceInfo(
            **rbac, kind="Role", plural="roles", singular="role", namespaced=True, fields=("rules",),
            storage_version_hash="7FuwZcIIItM=",
        ),
        ResourceInfo(
            **rbac, kind="RoleBinding", plural="rolebindings", singular="rolebinding", namespaced=True,
            fields=("subjects", "roleRef"), storage_version_hash="eGsCzGH6b1g=",
        ),
        ResourceInfo(
            **rbac, kind="ClusterRole", plural="clusterroles", singular="clusterrole", namespaced=False,
            fields=("rules", "aggregationRule"), storage_version_hash="bYE5ZWDrJ44=",
        ),
        ResourceInfo(
            group="apiextensions.k8s.io", version="v1", internal_package="apiextensions",
            kind="CustomResourceDefinition", plural="customresourcedefinitions",
            singular="customresourcedefinition", namespaced=False, strategy=st.CRDStrategy(),
            short_names=("crd", "crds"), categories=("api-extensions",),
            subresources=(_status("CustomResourceDefinition"),), allow_unconditional_update=False,
            storage_version_hash="jfWCUB31mvA=",
        ),
        ResourceInfo(
            **rbac, kind="ClusterRoleBinding", plural="clusterrolebindings", singular="clusterrolebinding",
            namespaced=False, fields=("subjects", "roleRef"), storage_version_hash="48tpQ8gZHFc=",
        ),
    ]  # fmt: skip


class Registry:
    """Lookup of served resources by URL (group, version, plural) and by body (apiVersion, kind)."""

    def __init__(self, resources: list[ResourceInfo] | None = None) -> None:
        self._by_path: dict[tuple[str, str, str], ResourceInfo] = {}
        self._by_kind: dict[tuple[str, str], ResourceInfo] = {}
        #: bumped on every change, so discovery/OpenAPI caches know when to rebuild
        self.generation = 0
        for info in resources if resources is not None else builtin_resources():
            self.add(info)

    def add(self, info: ResourceInfo) -> None:
        self._by_path[(info.group, info.version, info.plural)] = info
        self._by_kind[(info.api_version, info.kind)] = info
        self.generation += 1

    def remove(self, info: ResourceInfo) -> None:
        self._by_path.pop((info.group, info.version, info.plural), None)
        self._by_kind.pop((info.api_version, info.kind), None)
        self.generation += 1

    def get(self, group: str, version: str, plural: str) -> ResourceInfo | None:
        return self._by_path.get((group, version, plural))

    def by_kind(self, api_version: str, kind: str) -> ResourceInfo | None:
        return self._by_kind.get((api_version, kind))

    def __iter__(self) -> Iterator[ResourceInfo]:
        return iter(self._by_path.values())

    def group_versions(self) -> dict[str, list[str]]:
        """Served groups (in registration order) and their versions; "" is the core group."""
        out: dict[str, list[str]] = {}
        for info in self._by_path.values():
            versions = out.setdefault(info.group, [])
            if info.version not in versions:
                versions.append(info.version)
        return out

    def has_group_version(self, group: str, version: str) -> bool:
        return any(i.group == group and i.version == version for i in self._by_path.values())

    def has_group(self, group: str) -> bool:
        return any(i.group == group for i in self._by_path.values())

    def resources_in(self, group: str, version: str) -> list[ResourceInfo]:
        return [i for i in self._by_path.values() if i.group == group and i.version == version]
