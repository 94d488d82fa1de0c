"""Each built-in type strategy's WarningsOnCreate / WarningsOnUpdate (kube's pkg/registry/<group>/<kind>/
strategy.go and the pkg/api helpers they call), on storage-form objects. An update's warnings of a kind with a
pod template are computed only when the write bumped its generation (the template or spec changed), as kube's
strategies do."""

from __future__ import annotations

from typing import Any

from aiokube.apiserver.quantity import parse_quantity
from aiokube.apiserver.registry.strategywarnings import tlspair
from aiokube.apiserver.registry.strategywarnings.addresses import cidr_warnings, ip_warnings
from aiokube.apiserver.registry.strategywarnings.podspec import (
    DEPRECATED_NODE_LABELS,
    claim_spec_warnings,
    node_selector_term_warnings,
    pod_spec_warnings,
)
from aiokube.apiserver.registry.validation.objectmeta import is_dns1123_label

Obj = dict[str, Any]


def _spec(obj: Obj) -> Obj:
    return obj.get("spec") or {}


def _annotations(obj: Obj) -> Obj:
    return (obj.get("metadata") or {}).get("annotations") or {}


def _generation_changed(obj: Obj, old: Obj) -> bool:
    return obj["metadata"].get("generation") != old["metadata"].get("generation")


def name_warnings(obj: Obj, used_in: str = "Pod names and hostnames") -> list[str]:
    """A workload's (or pod's) name that is no DNS label: its pods' names and hostnames are made from it."""
    msgs = is_dns1123_label(obj["metadata"].get("name", ""))
    if not msgs:
        return []
    return [
        f"metadata.name: this is used in {used_in}, which can result in surprising behavior; a DNS label is "
        f"recommended: [{' '.join(msgs)}]"
    ]


def template_warnings(root: str, template: Any) -> list[str]:
    """GetWarningsForPodTemplate at ``root`` (``spec.template``)."""
    if not isinstance(template, dict):
        return []
    return pod_spec_warnings(root, template.get("spec") or {}, template.get("metadata") or {})


# --- pods and workloads ---------------------------------------------------------------------------------


def pod_on_create(obj: Obj) -> list[str]:
    return name_warnings(obj, "the Pod's hostname") + pod_spec_warnings("", _spec(obj), obj["metadata"])


def pod_status(obj: Obj, old: Obj) -> list[str]:
    status = obj.get("status") or {}
    out: list[str] = []
    for field in ("podIPs", "hostIPs"):
        for i, entry in enumerate(status.get(field) or ()):
            out += ip_warnings(f"status.{field}[{i}].ip", entry.get("ip", ""))
    return out


def pod_template_on_create(obj: Obj) -> list[str]:
    return template_warnings("template", obj.get("template"))


def pod_template_on_update(obj: Obj, old: Obj) -> list[str]:
    return template_warnings("template", obj.get("template")) if _generation_changed(obj, old) else []


def workload_on_create(obj: Obj) -> list[str]:
    """Deployments, ReplicaSets and ReplicationControllers."""
    return name_warnings(obj) + template_warnings("spec.template", _spec(obj).get("template"))


def workload_on_update(obj: Obj, old: Obj) -> list[str]:
    """Deployments and ReplicaSets."""
    return template_warnings("spec.template", _spec(obj).get("template")) if _generation_changed(obj, old) else []


def replication_controller_on_update(obj: Obj, old: Obj) -> list[str]:
    """kube passes the templates in swapped order here: an update warns about the template it replaces."""
    return template_warnings("spec.template", _spec(old).get("template")) if _generation_changed(obj, old) else []


_TEMPLATE_GENERATION = "deprecated.daemonset.template.generation"


def daemon_set_on_create(obj: Obj) -> list[str]:
    return template_warnings("spec.template", _spec(obj).get("template"))


def daemon_set_on_update(obj: Obj, old: Obj) -> list[str]:
    if _annotations(obj).get(_TEMPLATE_GENERATION) == _annotations(old).get(_TEMPLATE_GENERATION):
        return []
    return template_warnings("spec.template", _spec(obj).get("template"))


def _stateful_set_common(obj: Obj, claim_segment: str) -> list[str]:
    spec = _spec(obj)
    out: list[str] = []
    for i, claim in enumerate(spec.get("volumeClaimTemplates") or ()):
        out += claim_spec_warnings(f"spec.volumeClaimTemplates[{i}]{claim_segment}", claim.get("spec") or {})
    limit = spec.get("revisionHistoryLimit")
    if isinstance(limit, int) and limit < 0:
        out.append(
            "spec.revisionHistoryLimit: a negative value retains all historical revisions; a value >= 0 is recommended"
        )
    return out


def stateful_set_on_create(obj: Obj) -> list[str]:
    return template_warnings("spec.template", _spec(obj).get("template")) + _stateful_set_common(obj, "")


def stateful_set_on_update(obj: Obj, old: Obj) -> list[str]:
    out = template_warnings("spec.template", _spec(obj).get("template")) if _generation_changed(obj, old) else []
    return out + _stateful_set_common(obj, ".Spec")  # kube's path names the Go field here


def job_spec_warnings(path: str, spec: Obj) -> list[str]:
    """WarningsForJobSpec: an Indexed Job too big to track its failed indexes, and its pod template."""
    out = []
    if spec.get("completionMode") == "Indexed" and (spec.get("completions") or 0) > 100_000:
        if (spec.get("parallelism") or 0) > 10_000:
            out.append(
                f"{path}: In Indexed Jobs with a number of completions higher than 10^5 and a parallelism higher "
                "than 10^4, Kubernetes might not be able to track completedIndexes when a big number of indexes fail"
            )
    return out + template_warnings(f"{path}.template", spec.get("template"))


def job_on_create(obj: Obj) -> list[str]:
    return name_warnings(obj) + job_spec_warnings("spec", _spec(obj))


def job_on_update(obj: Obj, old: Obj) -> list[str]:
    return job_spec_warnings("spec", _spec(obj)) if _generation_changed(obj, old) else []


def _job_template_spec(obj: Obj) -> Obj:
    return (_spec(obj).get("jobTemplate") or {}).get("spec") or {}


def cron_job_on_create(obj: Obj) -> list[str]:
    return name_warnings(obj) + job_spec_warnings("spec.jobTemplate.spec", _job_template_spec(obj))


def cron_job_on_update(obj: Obj, old: Obj) -> list[str]:
    out = job_spec_warnings("spec.jobTemplate.spec", _job_template_spec(obj)) if _generation_changed(obj, old) else []
    if "TZ" in str(_spec(obj).get("schedule", "")):
        out.append(
            "cannot use TZ or CRON_TZ in spec.spec.schedule, use timeZone instead, see "
            "https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/ for more details"
        )
    return out


# --- core -----------------------------------------------------------------------------------------------


def node(obj: Obj, old: Obj | None = None) -> list[str]:
    spec = _spec(obj)
    out = []
    if spec.get("configSource") is not None:
        out.append("spec.configSource: the feature is removed")
    if spec.get("externalID"):
        out.append("spec.externalID: this field is deprecated, and is unused by Kubernetes")
    for i, cidr in enumerate(spec.get("podCIDRs") or ()):
        out += cidr_warnings(f"spec.podCIDRs[{i}]", cidr)
    return out


_PV_ANNOTATIONS = (
    ("volume.beta.kubernetes.io/storage-class", 'deprecated since v1.8; use "storageClassName" attribute instead'),
    ("volume.beta.kubernetes.io/mount-options", 'deprecated since v1.31; use "mountOptions" attribute instead'),
)
_PV_PLUGINS = (
    ("cephfs", "cephfs", "deprecated in v1.28, non-functional in v1.31+"),
    ("photonPersistentDisk", "photonPersistentDisk", "deprecated in v1.11, non-functional in v1.16+"),
    ("scaleIO", "scaleIO", "deprecated in v1.16, non-functional in v1.22+"),
    ("storageos", "storageOS", "deprecated in v1.22, non-functional in v1.25+"),
    ("glusterfs", "glusterfs", "deprecated in v1.25, non-functional in v1.26+"),
    ("rbd", "rbd", "deprecated in v1.28, non-functional in v1.31+"),
)


def persistent_volume(obj: Obj, old: Obj | None = None) -> list[str]:
    annotations, spec = _annotations(obj), _spec(obj)
    out = [f"metadata.annotations[{key}]: {message}" for key, message in _PV_ANNOTATIONS if key in annotations]
    if spec.get("persistentVolumeReclaimPolicy") == "Recycle":
        out.append(
            "spec.persistentVolumeReclaimPolicy: The Recycle reclaim policy is deprecated. Instead, the recommended "
            "approach is to use dynamic provisioning."
        )
    required = (spec.get("nodeAffinity") or {}).get("required")
    if required is not None:
        for i, term in enumerate(required.get("nodeSelectorTerms") or ()):
            out += node_selector_term_warnings(term, False, f"spec.nodeAffinity.required.nodeSelectorTerms[{i}]")
    out += [f"spec.{path}: {message}" for source, path, message in _PV_PLUGINS if spec.get(source) is not None]
    return out


def persistent_volume_claim(obj: Obj, old: Obj | None = None) -> list[str]:
    out = []
    key = "volume.beta.kubernetes.io/storage-class"
    if key in _annotations(obj):
        out.append(f'metadata.annotations[{key}]: deprecated since v1.8; use "storageClassName" attribute instead')
    return out + claim_spec_warnings("spec", _spec(obj))


def service(obj: Obj, old: Obj | None = None) -> list[str]:
    """GetWarningsForService."""
    spec = _spec(obj)
    out = []
    if "service.kubernetes.io/topology-aware-hints" in _annotations(obj):
        out.append(
            "annotation service.kubernetes.io/topology-aware-hints is deprecated, please use "
            "service.kubernetes.io/topology-mode instead"
        )
    cluster_ip = spec.get("clusterIP", "")
    if cluster_ip and cluster_ip != "None":
        for i, ip in enumerate(spec.get("clusterIPs") or ()):
            out += ip_warnings(f"spec.clusterIPs[{i}]", ip)
    svc_type = spec.get("type", "ClusterIP")
    external_ips = spec.get("externalIPs") or ()
    headless = svc_type == "ClusterIP" and cluster_ip == "None"
    if headless:
        if spec.get("loadBalancerIP"):
            out.append("spec.loadBalancerIP is ignored for headless services")
        if external_ips:
            out.append("spec.externalIPs is ignored for headless services")
        if spec.get("sessionAffinity", "None") != "None":
            out.append("spec.SessionAffinity is ignored for headless services")
    for i, ip in enumerate(external_ips):
        out += ip_warnings(f"spec.externalIPs[{i}]", ip)
    if external_ips and not headless and svc_type != "ExternalName":
        out.append("spec.externalIPs is deprecated and may no longer be implemented in some clusters")
    if spec.get("loadBalancerIP"):
        out += ip_warnings("spec.loadBalancerIP", spec["loadBalancerIP"])
    for i, cidr in enumerate(spec.get("loadBalancerSourceRanges") or ()):
        out += cidr_warnings(f"spec.loadBalancerSourceRanges[{i}]", cidr)
    if svc_type == "ExternalName" and external_ips:
        out.append('spec.externalIPs is ignored when spec.type is "ExternalName"')
    if svc_type != "ExternalName" and spec.get("externalName"):
        out.append('spec.externalName is ignored when spec.type is not "ExternalName"')
    if spec.get("trafficDistribution") == "PreferClose":
        out.append('spec.trafficDistribution: "PreferClose" is deprecated; use "PreferSameZone"')
    return out


def load_balancer_status(obj: Obj, old: Obj) -> list[str]:
    """A Service's or an Ingress's status: its load balancers' IPs."""
    out: list[str] = []
    ingress = ((obj.get("status") or {}).get("loadBalancer") or {}).get("ingress") or ()
    for i, entry in enumerate(ingress):
        if entry.get("ip"):
            out += ip_warnings(f"status.loadBalancer.ingress[{i}]", entry["ip"])
    return out


def endpoints(obj: Obj, old: Obj | None = None) -> list[str]:
    labels = obj["metadata"].get("labels") or {}
    if labels.get("endpoints.kubernetes.io/managed-by") == "endpoint-controller":
        return []  # kube trusts its own controller's addresses
    out: list[str] = []
    for i, subset in enumerate(obj.get("subsets") or ()):
        for field in ("addresses", "notReadyAddresses"):
            for j, address in enumerate(subset.get(field) or ()):
                out += ip_warnings(f"subsets[{i}].{field}[{j}].ip", address.get("ip", ""))
    return out


def secret(obj: Obj, old: Obj | None = None) -> list[str]:
    if obj.get("type") != "kubernetes.io/tls":
        return []
    data = obj.get("data") or {}
    problem = tlspair.key_pair_error(data.get("tls.crt", ""), data.get("tls.key", ""))
    return [] if problem is None else [problem]


_ENFORCE_MOUNTABLE = "kubernetes.io/enforce-mountable-secrets"


def service_account(obj: Obj, old: Obj | None = None) -> list[str]:
    if old is not None and _ENFORCE_MOUNTABLE in _annotations(old):
        return []
    if _ENFORCE_MOUNTABLE not in _annotations(obj):
        return []
    return [
        f"metadata.annotations[{_ENFORCE_MOUNTABLE}]: deprecated in v1.32+; prefer separate namespaces to isolate "
        "access to mounted secrets"
    ]


def resource_quota_on_create(obj: Obj) -> list[str]:
    hard = _spec(obj).get("hard") or {}
    out = []
    for resource in ("cpu", "memory", "storage", "ephemeral-storage"):
        request_name = f"requests.{resource}"
        request = hard.get(request_name)
        if request is None and resource in ("cpu", "memory"):
            request, request_name = hard.get(resource), resource
        limit = hard.get(f"limits.{resource}")
        if request is None or limit is None:
            continue
        req_q, limit_q = parse_quantity(request), parse_quantity(limit)
        if req_q is not None and limit_q is not None and req_q.cmp(limit_q) > 0:
            out.append(f"ResourceQuota {request_name} ({req_q}) should be less than limits.{resource} ({limit_q})")
    return out


# --- other groups ---------------------------------------------------------------------------------------


def endpoint_slice_on_create(obj: Obj) -> list[str]:
    out = ["spec.addressType: FQDN endpoints are deprecated"] if obj.get("addressType") == "FQDN" else []
    return out + endpoint_slice_on_update(obj, None)


def endpoint_slice_on_update(obj: Obj, old: Obj | None) -> list[str]:
    managed_by = (obj["metadata"].get("labels") or {}).get("endpointslice.kubernetes.io/managed-by")
    if managed_by in ("endpointslice-controller.k8s.io", "endpointslicemirroring-controller.k8s.io"):
        return []
    out: list[str] = []
    for i, endpoint in enumerate(obj.get("endpoints") or ()):
        for j, address in enumerate(endpoint.get("addresses") or ()):
            out += ip_warnings(f"endpoints[{i}].addresses[{j}]", address)
    return out


def network_policy(obj: Obj, old: Obj | None = None) -> list[str]:
    spec = _spec(obj)
    out: list[str] = []
    for direction, peers in (("ingress", "from"), ("egress", "to")):
        for i, rule in enumerate(spec.get(direction) or ()):
            for j, peer in enumerate(rule.get(peers) or ()):
                block = peer.get("ipBlock")
                if block is None:
                    continue
                path = f"spec.{direction}[{i}].{peers}[{j}].ipBlock"
                out += cidr_warnings(f"{path}.cidr", block.get("cidr", ""))
                for k, cidr in enumerate(block.get("except") or ()):
                    out += cidr_warnings(f"{path}.except[{k}]", cidr)
    return out


def ingress_on_create(obj: Obj) -> list[str]:
    key = "kubernetes.io/ingress.class"
    if key in _annotations(obj) and _spec(obj).get("ingressClassName") is None:
        return [f"annotation \"{key}\" is deprecated, please use 'spec.ingressClassName' instead"]
    return []


def runtime_class(obj: Obj, old: Obj | None = None) -> list[str]:
    selector = (obj.get("scheduling") or {}).get("nodeSelector") or {}
    return [f"scheduling.nodeSelector: {DEPRECATED_NODE_LABELS[k]}" for k in selector if k in DEPRECATED_NODE_LABELS]


def storage_class(obj: Obj, old: Obj | None = None) -> list[str]:
    out = []
    for i, topology in enumerate(obj.get("allowedTopologies") or ()):
        for j, expression in enumerate(topology.get("matchLabelExpressions") or ()):
            key = expression.get("key", "")
            if key in DEPRECATED_NODE_LABELS:
                out.append(f"allowedTopologies[{i}].matchLabelExpressions[{j}].key: {DEPRECATED_NODE_LABELS[key]}")
    return out


def csi_storage_capacity(obj: Obj, old: Obj | None = None) -> list[str]:
    """GetWarningsForNodeSelector on the capacity's node topology."""
    selector = obj.get("nodeTopology")
    if selector is None:
        return []
    out = []
    for i, expression in enumerate(selector.get("matchExpressions") or ()):
        key = expression.get("key", "")
        if key in DEPRECATED_NODE_LABELS:
            out.append(f"nodeTopology.matchExpressions[{i}].key: {key} is {DEPRECATED_NODE_LABELS[key]}")
    for key in selector.get("matchLabels") or {}:
        if key in DEPRECATED_NODE_LABELS:
            out.append(f"nodeTopology.matchLabels.{key}: {DEPRECATED_NODE_LABELS[key]}")
    return out


_TOKENS_IN_SECRETS = (
    "spec.serviceAccountTokenInSecrets is unset; if supported by this CSI driver, set to true to prevent possible "
    "logging of tokens in volume attributes"
)


def csi_driver_on_create(obj: Obj) -> list[str]:
    spec = _spec(obj)
    return (
        [_TOKENS_IN_SECRETS] if spec.get("tokenRequests") and spec.get("serviceAccountTokenInSecrets") is None else []
    )


def csi_driver_on_update(obj: Obj, old: Obj) -> list[str]:
    if _spec(obj).get("tokenRequests") == _spec(old).get("tokenRequests"):
        return []
    return csi_driver_on_create(obj)


def resource_slice(obj: Obj, old: Obj | None = None) -> list[str]:
    driver = _spec(obj).get("driver", "")
    if driver != driver.lower():
        return [f'spec.driver: driver names should be lowercase; "{driver}" contains uppercase characters']
    return []


def static_suffix(obj: Obj, old: Obj | None = None) -> list[str]:
    """Admission configurations named as the static manifests kube loads (ManifestBasedAdmissionControlConfig is
    off: the names are not refused, only warned about)."""
    if obj["metadata"].get("name", "").endswith(".static.k8s.io"):
        return [
            'metadata.name: names ending with ".static.k8s.io" are reserved for static manifest-based configurations '
            "and cannot be managed via the API"
        ]
    return []
