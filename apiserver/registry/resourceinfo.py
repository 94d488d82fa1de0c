"""What aiokube knows of one served resource: names, scope, verbs, subresources, storage layout, strategy."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
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
    #: a connecter's HTTP methods (kube's rest.Connecter ConnectMethods): exec, attach, portforward, proxy
    connect: tuple[str, ...] = ()
    #: the versioned options struct read from the query (NewGetOptions / NewConnectOptions), e.g. PodLogOptions
    options: str = ""


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
    #: the schema's x-kubernetes-validations rules, compiled once (apiextensions.celrules.RuleNode), or None
    rules: Any = None


@dataclass(frozen=True)
class Conversion:
    """How a built-in version that is not the storage version reads and writes the storage version's objects
    (kube's scheme conversions through the internal type). aiokube keeps objects in the storage version's
    canonical JSON, its stand-in for kube's internal object, so strategies, validation, printers and selectors
    work on that form and only the request's edges convert."""

    #: the storage version's resource (its strategy, cache, keys and printer serve this version too)
    storage: ResourceInfo
    #: a canonical object of this version -> the storage version's canonical form (a new object)
    to_storage: Callable[[dict[str, Any]], dict[str, Any]]
    #: the storage form -> a canonical object of this version (a new object; the input is never mutated)
    from_storage: Callable[[dict[str, Any]], dict[str, Any]]
    #: this version's decode-time defaults (kube's SetDefaults_<Kind> of the version), before to_storage
    defaults: Callable[[dict[str, Any]], None] | None = None
    #: this version's field-selector labels -> the storage version's (kube's AddFieldLabelConversionFunc);
    #: None when they are the storage version's
    field_labels: Mapping[str, str] | None = None


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
    #: False for kube's create-and-answer "review" resources and componentstatuses: nothing in etcd, no watch cache
    stored: bool = True
    #: the Warning every request to a deprecated kind gets (deprecation.WarningMessage), e.g. ComponentStatus's
    deprecation: str = ""
    #: set for a built-in version served over another version's storage (events.k8s.io/v1, autoscaling/v1)
    conversion: Conversion | None = None

    # derived once per instance (cached_property writes the instance's __dict__, which frozen allows): the
    # request path asks for them a dozen times per request, and a frozen dataclass's __init__ costs ~1 us
    @cached_property
    def stored_as(self) -> ResourceInfo:
        """The resource whose objects this one serves: itself, or the storage version it converts from."""
        return self if self.conversion is None else self.conversion.storage

    @cached_property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @cached_property
    def list_kind(self) -> str:
        return f"{self.kind}List"

    @cached_property
    def group_resource(self) -> GroupResource:
        return GroupResource(self.group, self.plural)

    @cached_property
    def group_kind(self) -> GroupKind:
        return GroupKind(self.group, self.kind)

    @cached_property
    def etcd_prefix(self) -> str:
        st = self.stored_as
        return resource_prefix(st.group, st.plural, builtin=st.builtin)

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
        if self.conversion is not None and self.conversion.field_labels is not None:
            return tuple(self.conversion.field_labels)
        base = ("metadata.name",)
        if self.namespaced or self.strategy.field_label_style == "default":
            base += ("metadata.namespace",)
        return base + self.strategy.field_labels
