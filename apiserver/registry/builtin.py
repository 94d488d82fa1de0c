"""kube-apiserver 1.36's built-in resources: the table the registry starts from.

Names, scope, verbs, short names, categories and subresources are those of kube 1.36's discovery documents
(``../shared/reference/kube-apiserver-1.36/api_aggregated.json`` / ``apis_aggregated.json``); the
strategies follow pkg/registry/<group>/<type>/strategy.go (status reset on create and kept on update for
types with a status subresource, the rule that bumps ``metadata.generation``). A storage version hash is
kube's: the first 8 bytes of sha256("<group>/<version>/<kind>") in base64. Top-level fields come from the
protobuf schema (Go struct order).
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
from typing import Any

from aiokube.apiserver.registry import eventsv1, hpav1
from aiokube.apiserver.registry import strategy as st
from aiokube.apiserver.registry.resourceinfo import STATUS_VERBS, Conversion, ResourceInfo, Subresource
from aiokube.encoding.k8s_schema import KINDS, MESSAGES


def _status(kind: str) -> Subresource:
    return Subresource("status", kind, STATUS_VERBS)


SCALE = Subresource("scale", "Scale", STATUS_VERBS, "autoscaling", "v1")
#: the connecters of pkg/registry/core/pod/rest/subresources.go and node/service proxies: exec, attach and
#: portforward take GET (browsers' WebSockets) and POST; proxies take every method; discovery lists the verbs
_UPGRADE_METHODS = ("GET", "POST")
_PROXY_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
_CONNECT_VERBS = ("create", "get")
_PROXY_VERBS = ("create", "delete", "get", "patch", "update")


def _connecter(name: str, kind: str, verbs: tuple[str, ...], methods: tuple[str, ...]) -> Subresource:
    return Subresource(name, kind, verbs, connect=methods, options=kind)


def _proxy(kind: str) -> Subresource:
    return _connecter("proxy", kind, _PROXY_VERBS, _PROXY_METHODS)


_POD_SUBRESOURCES = (
    _connecter("attach", "PodAttachOptions", _CONNECT_VERBS, _UPGRADE_METHODS),
    Subresource("binding", "Binding", ("create",)),
    Subresource("ephemeralcontainers", "Pod", STATUS_VERBS),
    Subresource("eviction", "Eviction", ("create",), "policy", "v1"),
    _connecter("exec", "PodExecOptions", _CONNECT_VERBS, _UPGRADE_METHODS),
    Subresource("log", "Pod", ("get",), options="PodLogOptions"),  # a GetterWithOptions streaming text/plain
    _connecter("portforward", "PodPortForwardOptions", _CONNECT_VERBS, _UPGRADE_METHODS),
    _proxy("PodProxyOptions"),
    Subresource("resize", "Pod", STATUS_VERBS),
    Subresource("status", "Pod", STATUS_VERBS),
)


def _first_served() -> list[ResourceInfo]:
    """The types served since the start (their facts checked one by one against kube 1.36)."""
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
            subresources=_POD_SUBRESOURCES,
            return_deleted_object=True, storage_version_hash="xPOwRZ+Yhw8=",
        ),
        ResourceInfo(
            **core, kind="Node", plural="nodes", singular="node", namespaced=False, strategy=st.NodeStrategy(),
            short_names=("no",), subresources=(_proxy("NodeProxyOptions"), _status("Node")),
            storage_version_hash="XwShjMxG9Fs=",
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
            subresources=(_proxy("ServiceProxyOptions"), _status("Service")), name_rule="dns1035",
            allow_create_on_update=True,
            return_deleted_object=True, storage_version_hash="0/CO1lhkEBI=",
        ),
        ResourceInfo(
            **core, kind="Endpoints", plural="endpoints", singular="endpoints", namespaced=True,
            short_names=("ep",), fields=("subsets",), allow_create_on_update=True,
            storage_version_hash="fWeeMqaN/OA=",
            deprecation="v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice",
        ),
        ResourceInfo(
            **core, kind="Event", plural="events", singular="event", namespaced=True,
            strategy=st.EventStrategy(), short_names=("ev",),
            fields=(
                "involvedObject", "reason", "message", "source", "firstTimestamp", "lastTimestamp", "count",
                "type", "eventTime", "series", "action", "related", "reportingComponent", "reportingInstance",
            ),
            allow_create_on_update=True, storage_version_hash="r2yiGXH7wu8=",
            name_rule="path",  # kube's core events check only the namespace; ObjectMeta's generic rule is left
        ),
        ResourceInfo(
            **core, kind="ServiceAccount", plural="serviceaccounts", singular="serviceaccount", namespaced=True,
            strategy=st.ServiceAccountStrategy(), short_names=("sa",),
            subresources=(Subresource("token", "TokenRequest", ("create",), "authentication.k8s.io", "v1"),),
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
            strategy=st.DaemonSetStrategy(), short_names=("ds",), subresources=(_status("DaemonSet"),),
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


def builtin_resources() -> list[ResourceInfo]:
    served = _first_served() + _more_served()
    return served + _converted(served)


def _converted(served: list[ResourceInfo]) -> list[ResourceInfo]:
    """The versions kube serves over another version's storage: the same resource (verbs, names, strategy,
    storage version hash) in another group or version, with the conversion that reads and writes it."""
    by_path = {(i.group, i.version, i.plural): i for i in served}
    events = by_path[("", "v1", "events")]
    hpa = by_path[("autoscaling", "v2", "horizontalpodautoscalers")]
    return [
        dataclasses.replace(
            events, group="events.k8s.io", fields=_schema_fields(eventsv1.API_VERSION, "Event"),
            conversion=Conversion(events, eventsv1.to_core, eventsv1.from_core, field_labels=eventsv1.FIELD_LABELS),
        ),
        dataclasses.replace(
            hpa, version="v1", fields=_schema_fields(hpav1.API_VERSION, "HorizontalPodAutoscaler"),
            conversion=Conversion(hpa, hpav1.to_v2, hpav1.to_v1, defaults=hpav1.defaults_v1),
        ),
    ]  # fmt: skip


def storage_version_hash(group: str, version: str, kind: str) -> str:
    return base64.b64encode(hashlib.sha256(f"{group}/{version}/{kind}".encode()).digest()[:8]).decode()


def _schema_fields(api_version: str, kind: str) -> tuple[str, ...]:
    """The type's top-level fields after metadata, in Go struct order (kube's JSON order)."""
    rows = MESSAGES[KINDS[(api_version, kind)]]
    return tuple(row[0] for row in rows if row[0] not in ("kind", "apiVersion", "metadata"))


#: registries whose DELETE answers with the deleted object, not a Status (``ReturnDeletedObject: true``)
_RETURN_DELETED = frozenset((
    "podtemplates", "resourcequotas", "csidrivers", "csinodes", "storageclasses", "volumeattachments",
    "volumeattributesclasses", "deviceclasses", "resourceclaims", "resourceclaimtemplates", "resourceslices",
))  # fmt: skip


def _r(
    group: str,
    version: str,
    kind: str,
    plural: str,
    namespaced: bool,
    strategy: st.Strategy | None = None,
    *,
    status: bool = False,
    subresources: tuple[Subresource, ...] = (),
    **kw: Any,
) -> ResourceInfo:
    """A resource of the table: singular = lower-case kind, fields from the schema, kube's hash."""
    api_version = f"{group}/{version}" if group else version
    subs = (*subresources, _status(kind)) if status else subresources
    kw.setdefault("return_deleted_object", plural in _RETURN_DELETED)
    kw.setdefault("storage_version_hash", storage_version_hash(group, version, kind))
    return ResourceInfo(
        group=group, version=version, kind=kind, plural=plural, singular=kind.lower(), namespaced=namespaced,
        strategy=strategy or st.Strategy(), subresources=subs, fields=_schema_fields(api_version, kind),
        internal_package=kw.pop("internal_package", group.split(".")[0] or "core"), **kw,
    )  # fmt: skip


def _more_served() -> list[ResourceInfo]:
    """The rest of kube 1.36's stored resources, with generic strategies (see the module docstring)."""
    spec_status = st.SpecStatusStrategy()
    spec = st.SpecStrategy()
    status_only = st.StatusOnlyStrategy()
    adm, sto, net = "admissionregistration.k8s.io", "storage.k8s.io", "networking.k8s.io"
    res, flow = "resource.k8s.io", "flowcontrol.apiserver.k8s.io"
    webhooks = st.Strategy.with_generation("field:webhooks")
    return [
        # computed on each read by probing the control plane (registry/componentstatus.py), never stored
        _r("", "v1", "ComponentStatus", "componentstatuses", False, short_names=("cs",), verbs=("get", "list"),
           stored=False, storage_version_hash="", deprecation="v1 ComponentStatus is deprecated in v1.19+"),
        _r("", "v1", "LimitRange", "limitranges", True, short_names=("limits",), allow_create_on_update=True),
        _r("", "v1", "PodTemplate", "podtemplates", True, st.Strategy.with_generation("field:template")),
        _r("", "v1", "ReplicationController", "replicationcontrollers", True, st.ReplicationControllerStrategy(),
           status=True,
           subresources=(SCALE,), short_names=("rc",), categories=("all",)),
        _r("", "v1", "ResourceQuota", "resourcequotas", True, status_only, status=True, short_names=("quota",)),
        _r("apps", "v1", "ControllerRevision", "controllerrevisions", True),
        _r("autoscaling", "v2", "HorizontalPodAutoscaler", "horizontalpodautoscalers", True, status_only,
           status=True, short_names=("hpa",), categories=("all",)),
        _r("batch", "v1", "CronJob", "cronjobs", True, spec_status, status=True, short_names=("cj",),
           categories=("all",)),
        _r("certificates.k8s.io", "v1", "CertificateSigningRequest", "certificatesigningrequests", False,
           st.CertificateSigningRequestStrategy(), status=True, short_names=("csr",), internal_package="certificates",
           subresources=(Subresource("approval", "CertificateSigningRequest", STATUS_VERBS),)),
        _r(net, "v1", "IngressClass", "ingressclasses", False, spec),
        _r(net, "v1", "Ingress", "ingresses", True, spec_status, status=True, short_names=("ing",)),
        _r(net, "v1", "IPAddress", "ipaddresses", False, short_names=("ip",), name_rule="path"),
        _r(net, "v1", "NetworkPolicy", "networkpolicies", True, spec, short_names=("netpol",)),
        _r(net, "v1", "ServiceCIDR", "servicecidrs", False, status_only, status=True),
        _r("policy", "v1", "PodDisruptionBudget", "poddisruptionbudgets", True, spec_status, status=True,
           short_names=("pdb",)),
        _r(sto, "v1", "CSIDriver", "csidrivers", False, st.CSIDriverStrategy()),
        _r(sto, "v1", "CSINode", "csinodes", False),
        _r(sto, "v1", "CSIStorageCapacity", "csistoragecapacities", True),
        _r(sto, "v1", "StorageClass", "storageclasses", False, short_names=("sc",)),
        _r(sto, "v1", "VolumeAttachment", "volumeattachments", False, status_only, status=True),
        _r(sto, "v1", "VolumeAttributesClass", "volumeattributesclasses", False, short_names=("vac",)),
        # kube 1.36 serves them as v1 and still stores them as v1beta1 (their storage version hash is that one)
        _r(adm, "v1", "MutatingAdmissionPolicy", "mutatingadmissionpolicies", False, spec,
           categories=("api-extensions",),
           storage_version_hash=storage_version_hash(adm, "v1beta1", "MutatingAdmissionPolicy")),
        _r(adm, "v1", "MutatingAdmissionPolicyBinding", "mutatingadmissionpolicybindings", False, spec,
           categories=("api-extensions",),
           storage_version_hash=storage_version_hash(adm, "v1beta1", "MutatingAdmissionPolicyBinding")),
        _r(adm, "v1", "MutatingWebhookConfiguration", "mutatingwebhookconfigurations", False, webhooks,
           categories=("api-extensions",)),
        _r(adm, "v1", "ValidatingAdmissionPolicy", "validatingadmissionpolicies", False, spec_status,
           status=True, categories=("api-extensions",)),
        _r(adm, "v1", "ValidatingAdmissionPolicyBinding", "validatingadmissionpolicybindings", False, spec,
           categories=("api-extensions",)),
        _r(adm, "v1", "ValidatingWebhookConfiguration", "validatingwebhookconfigurations", False, webhooks,
           categories=("api-extensions",)),
        _r("scheduling.k8s.io", "v1", "PriorityClass", "priorityclasses", False,
           st.Strategy.with_generation("create"), short_names=("pc",)),
        _r("node.k8s.io", "v1", "RuntimeClass", "runtimeclasses", False, allow_create_on_update=True),
        _r(res, "v1", "DeviceClass", "deviceclasses", False, spec),
        _r(res, "v1", "ResourceClaim", "resourceclaims", True, status_only, status=True),
        _r(res, "v1", "ResourceClaimTemplate", "resourceclaimtemplates", True),
        _r(res, "v1", "ResourceSlice", "resourceslices", False, st.ResourceSliceStrategy()),
        _r(flow, "v1", "FlowSchema", "flowschemas", False, spec_status, status=True),
        _r(flow, "v1", "PriorityLevelConfiguration", "prioritylevelconfigurations", False, spec_status,
           status=True),
        _r("apiregistration.k8s.io", "v1", "APIService", "apiservices", False, status_only, status=True,
           categories=("api-extensions",), name_rule="path"),
        *_reviews(),
    ]  # fmt: skip


def _reviews() -> list[ResourceInfo]:
    """Create-and-answer resources (registry/reviews.py, and core/v1 bindings): not stored, only ``create``."""
    authn, authz = "authentication.k8s.io", "authorization.k8s.io"
    review = dict(verbs=("create",), stored=False, storage_version_hash="")
    return [
        _r("", "v1", "Binding", "bindings", True, **review),  # binds the pod it names (endpoints: bind)
        _r(authn, "v1", "SelfSubjectReview", "selfsubjectreviews", False, **review),
        _r(authn, "v1", "TokenReview", "tokenreviews", False, **review),
        _r(authz, "v1", "LocalSubjectAccessReview", "localsubjectaccessreviews", True, **review),
        _r(authz, "v1", "SelfSubjectAccessReview", "selfsubjectaccessreviews", False, **review),
        _r(authz, "v1", "SelfSubjectRulesReview", "selfsubjectrulesreviews", False, **review),
        _r(authz, "v1", "SubjectAccessReview", "subjectaccessreviews", False, **review),
    ]
