"""API defaulting and the default-on mutating admission plugins, as kube-apiserver 1.36 applies them.

kube decodes every v1 body into Go structs and runs the generated defaulters
(pkg/apis/<group>/v1/zz_generated.defaults.go, which call the ``SetDefaults_*`` functions of defaults.go on
every nested type), then converts to the internal type and back. It does the same when it reads an object
back from etcd, so defaults also land on what the registry strategy and admission wrote. aiokube keeps
objects in v1 JSON form, so :func:`apply_defaults` does both on the JSON dict: the defaulters, and the few
v1 -> internal -> v1 round-trip effects a client can see (``spec.serviceAccount`` mirrors
``serviceAccountName``; a negative pod ``terminationGracePeriodSeconds`` becomes 1; pre-1.8 init-container
annotations are dropped; ``podIP``/``podIPs`` and node ``podCIDR``/``podCIDRs`` agree; StatefulSet
``volumeClaimTemplates`` get ``apiVersion``/``kind``; resource quantities come out in Quantity's canonical
form). Call it on create and update after decoding and again after the strategy's prepare step, as kube's
decode from storage would: it is idempotent.

Go semantics in JSON terms: a missing key, ``null`` and the Go zero value (``""``, ``0``, ``false``) of a
non-pointer field all mean "unset"; for a pointer field only missing/``null`` does (``""`` is set).

Feature gates are 1.36's defaults: ImageVolume (GA), EnvFiles and PodLevelResources (beta, on),
JobPodReplacementPolicy (GA); MaxUnavailableStatefulSet and PodLogsQuerySplitStreams are off.

Left out, because kube does not do it while defaulting:
- Service ``clusterIP``/``clusterIPs``, ``ipFamilies``, ``ipFamilyPolicy`` (``SingleStack``, or
  ``RequireDualStack`` for headless services without selector), ``nodePort`` and ``healthCheckNodePort``
  are set by the service REST allocator (pkg/registry/core/service/storage/alloc.go).
- Strategy work (pkg/registry/.../strategy.go): pod ``status`` (phase, qosClass), ``generation``, the
  DaemonSet ``deprecated.daemonset.template.generation`` annotation, Job selector and controller-uid labels.
- ConfigMap ``data: {}`` (invisible: ``omitempty``) and PodLogOptions (not a stored object).

Admission (plugin/pkg/admission/...): :func:`admit_pod` runs ServiceAccount, Priority,
DefaultTolerationSeconds and RuntimeClass on pod create, :func:`admit_pod_update` the update-time parts;
:func:`admit_node` is TaintNodesByCondition and :func:`admit_storage_protection` StorageObjectInUseProtection.
Forbidden outcomes raise :class:`AdmissionForbidden` (a ValueError) carrying kube's inner message; the
caller wraps it as ``pods "<name>" is forbidden: <message>`` with code 403.
"""

from __future__ import annotations

import base64
import copy
import functools
import re
from collections.abc import Callable, Mapping
from typing import Any

from aiokube.apiserver.golang import default_pointer, default_value, pointer_field, struct_field, struct_items
from aiokube.apiserver.quantity import Quantity, canonical_quantity, parse_quantity
from aiokube.apiserver.registry import hpav1

Obj = dict[str, Any]

RBAC_GROUP = "rbac.authorization.k8s.io"
_MAX_INT32 = 2**31 - 1
_MAX_INT64 = 2**63 - 1


def _resource_list(parent: Obj | None, key: str) -> None:
    if parent is None:
        return
    rl = parent.get(key)
    if isinstance(rl, dict):
        for name, value in rl.items():
            rl[name] = canonical_quantity(value)


def _resource_requirements(parent: Obj, key: str) -> None:
    req = pointer_field(parent, key)
    _resource_list(req, "limits")
    _resource_list(req, "requests")


# --------------------------------------------------------------------------------------------------------
# Image references (github.com/distribution/reference, via pkg/util/parsers.ParseImageName)

_ALNUM = r"[a-z0-9]+"
_SEPARATOR = r"(?:[._]|__|[-]+)"
_DOMAIN_COMPONENT = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
_DOMAIN_NAME = rf"{_DOMAIN_COMPONENT}(?:\.{_DOMAIN_COMPONENT})*"
_DOMAIN_AND_PORT = rf"(?:{_DOMAIN_NAME}|\[(?:[a-fA-F0-9:]+)\])(?::[0-9]+)?"
_PATH_COMPONENT = rf"{_ALNUM}(?:{_SEPARATOR}{_ALNUM})*"
_REMOTE_NAME = rf"{_PATH_COMPONENT}(?:/{_PATH_COMPONENT})*"
_TAG = r"[\w][\w.-]{0,127}"
_DIGEST = r"[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][0-9a-fA-F]{32,}"
_REFERENCE = re.compile(rf"((?:{_DOMAIN_AND_PORT}/)?{_REMOTE_NAME})(?::({_TAG}))?(?:@({_DIGEST}))?", re.ASCII)
_NAME = re.compile(rf"(?:({_DOMAIN_AND_PORT})/)?({_REMOTE_NAME})", re.ASCII)
_IDENTIFIER = re.compile(r"[a-f0-9]{64}")
_DIGEST_HEX = {
    "sha256": re.compile(r"[a-f0-9]{64}"),
    "sha384": re.compile(r"[a-f0-9]{96}"),
    "sha512": re.compile(r"[a-f0-9]{128}"),
}


def _split_docker_domain(name: str) -> tuple[str, str]:
    """splitDockerDomain: Docker Hub unless the first element looks like a host."""
    maybe_domain, sep, maybe_remote = name.partition("/")
    if not sep:
        return "docker.io", "library/" + name
    if maybe_domain == "localhost":
        domain, remote = maybe_domain, maybe_remote
    elif maybe_domain == "index.docker.io":
        domain, remote = "docker.io", maybe_remote
    elif "." in maybe_domain or ":" in maybe_domain or maybe_domain.lower() != maybe_domain:
        domain, remote = maybe_domain, maybe_remote
    else:
        domain, remote = "docker.io", name
    if domain == "docker.io" and "/" not in remote:
        remote = "library/" + remote
    return domain, remote


@functools.lru_cache(maxsize=4096)
def image_tag(image: str) -> str:
    """The tag ParseImageName reports: "latest" when neither tag nor digest is given, "" when unparsable.
    Remembered: a few images recur, and the parse is four regular expressions."""
    if _IDENTIFIER.fullmatch(image):
        return ""
    domain, remainder = _split_docker_domain(image)
    remote = remainder.split(":", 1)[0]
    if remote.lower() != remote:
        return ""
    match = _REFERENCE.fullmatch(f"{domain}/{remainder}")
    if match is None:
        return ""
    name = _NAME.fullmatch(match.group(1))
    if name is None or len(name.group(2)) > 255:
        return ""
    tag, digest = match.group(2) or "", match.group(3) or ""
    if digest:
        algorithm, _, encoded = digest.partition(":")
        hex_re = _DIGEST_HEX.get(algorithm)
        if hex_re is None or not hex_re.fullmatch(encoded):
            return ""
    return tag or ("" if digest else "latest")


def _pull_policy(image: Any) -> str:
    return "Always" if isinstance(image, str) and image_tag(image) == "latest" else "IfNotPresent"


# --------------------------------------------------------------------------------------------------------
# core/v1: pod specs and their nested types

_VOLUME_SOURCES = (
    "hostPath", "emptyDir", "gcePersistentDisk", "awsElasticBlockStore", "gitRepo", "secret", "nfs", "iscsi",
    "glusterfs", "persistentVolumeClaim", "rbd", "flexVolume", "cinder", "cephfs", "flocker", "downwardAPI",
    "fc", "azureFile", "configMap", "vsphereVolume", "quobyte", "azureDisk", "photonPersistentDisk",
    "projected", "portworxVolume", "scaleIO", "storageos", "csi", "ephemeral", "image",
)  # fmt: skip
_INIT_CONTAINER_ANNOTATIONS = (
    "pod.beta.kubernetes.io/init-containers",
    "pod.alpha.kubernetes.io/init-containers",
    "pod.beta.kubernetes.io/init-container-statuses",
    "pod.alpha.kubernetes.io/init-container-statuses",
)
FILE_MODE = 0o644  # Secret/ConfigMap/DownwardAPI/Projected VolumeSourceDefaultMode


def drop_init_container_annotations(meta: Obj | None) -> None:
    """Conversion's dropInitContainerAnnotations (pods and pod templates)."""
    annotations = meta.get("annotations") if meta else None
    if isinstance(annotations, dict):
        for key in _INIT_CONTAINER_ANNOTATIONS:
            annotations.pop(key, None)


def _field_ref(parent: Obj | None) -> None:
    ref = pointer_field(parent, "fieldRef") if parent is not None else None
    if ref is not None:
        default_value(ref, "apiVersion", "v1")


def _http_get(handler: Obj | None) -> None:
    get = pointer_field(handler, "httpGet") if handler is not None else None
    if get is not None:
        default_value(get, "path", "/")
        default_value(get, "scheme", "HTTP")


def _probe(probe: Obj | None) -> None:
    if probe is None:
        return
    default_value(probe, "timeoutSeconds", 1)
    default_value(probe, "periodSeconds", 10)
    default_value(probe, "successThreshold", 1)
    default_value(probe, "failureThreshold", 3)
    _http_get(probe)
    grpc = pointer_field(probe, "grpc")
    if grpc is not None:
        default_pointer(grpc, "service", "")


def _container(c: Obj) -> None:
    """SetDefaults_Container and the generated walk over ports, env, resources, probes and lifecycle."""
    default_value(c, "imagePullPolicy", _pull_policy(c.get("image")))
    default_value(c, "terminationMessagePath", "/dev/termination-log")
    default_value(c, "terminationMessagePolicy", "File")
    for port in struct_items(c, "ports"):
        default_value(port, "protocol", "TCP")
    for env in struct_items(c, "env"):
        source = pointer_field(env, "valueFrom")
        if source is not None:
            _field_ref(source)
            file_ref = pointer_field(source, "fileKeyRef")
            if file_ref is not None:
                default_pointer(file_ref, "optional", False)
    _resource_requirements(c, "resources")
    for key in ("livenessProbe", "readinessProbe", "startupProbe"):
        _probe(pointer_field(c, key))
    lifecycle = pointer_field(c, "lifecycle")
    if lifecycle is not None:
        _http_get(pointer_field(lifecycle, "postStart"))
        _http_get(pointer_field(lifecycle, "preStop"))


def _host_path(parent: Obj) -> None:
    host_path = pointer_field(parent, "hostPath")
    if host_path is not None:
        default_pointer(host_path, "type", "")


def _legacy_sources(parent: Obj) -> None:
    """In-tree volume plugin defaults shared by pod volumes and PersistentVolumes."""
    iscsi = pointer_field(parent, "iscsi")
    if iscsi is not None:
        default_value(iscsi, "iscsiInterface", "default")
    rbd = pointer_field(parent, "rbd")
    if rbd is not None:
        default_value(rbd, "pool", "rbd")
        default_value(rbd, "user", "admin")
        default_value(rbd, "keyring", "/etc/ceph/keyring")
    azure = pointer_field(parent, "azureDisk")
    if azure is not None:
        default_pointer(azure, "cachingMode", "ReadWrite")
        default_pointer(azure, "fsType", "ext4")
        default_pointer(azure, "readOnly", False)
        default_pointer(azure, "kind", "Shared")
    scale_io = pointer_field(parent, "scaleIO")
    if scale_io is not None:
        default_value(scale_io, "storageMode", "ThinProvisioned")
        default_value(scale_io, "fsType", "xfs")


def _pvc_spec(spec: Obj) -> None:
    default_pointer(spec, "volumeMode", "Filesystem")
    _resource_requirements(spec, "resources")


def _volume(v: Obj) -> None:
    if all(v.get(key) is None for key in _VOLUME_SOURCES):
        v["emptyDir"] = {}
    image = pointer_field(v, "image")
    if image is not None:
        default_value(image, "pullPolicy", _pull_policy(image.get("reference")))
    _host_path(v)
    for key in ("secret", "configMap"):
        source = pointer_field(v, key)
        if source is not None:
            default_pointer(source, "defaultMode", FILE_MODE)
    downward = pointer_field(v, "downwardAPI")
    if downward is not None:
        default_pointer(downward, "defaultMode", FILE_MODE)
        for item in struct_items(downward, "items"):
            _field_ref(item)
    projected = pointer_field(v, "projected")
    if projected is not None:
        default_pointer(projected, "defaultMode", FILE_MODE)
        for source in struct_items(projected, "sources"):
            for item in struct_items(pointer_field(source, "downwardAPI"), "items"):
                _field_ref(item)
            token = pointer_field(source, "serviceAccountToken")
            if token is not None:
                default_pointer(token, "expirationSeconds", 3600)
    _legacy_sources(v)
    ephemeral = pointer_field(v, "ephemeral")
    template = pointer_field(ephemeral, "volumeClaimTemplate") if ephemeral is not None else None
    if template is not None:
        _pvc_spec(struct_field(template, "spec"))


def _pod_spec(spec: Obj) -> None:
    """SetDefaults_PodSpec plus the generated walk shared by pods and every pod template."""
    default_value(spec, "dnsPolicy", "ClusterFirst")
    default_value(spec, "restartPolicy", "Always")
    default_pointer(spec, "securityContext", {})
    default_pointer(spec, "terminationGracePeriodSeconds", 30)
    default_value(spec, "schedulerName", "default-scheduler")
    for volume in struct_items(spec, "volumes"):
        _volume(volume)
    for key in ("initContainers", "containers", "ephemeralContainers"):
        for container in struct_items(spec, key):
            _container(container)
    _resource_list(spec, "overhead")
    _resource_requirements(spec, "resources")
    # conversion: serviceAccount is an alias of serviceAccountName, which wins; output mirrors it
    name = spec.get("serviceAccountName") or spec.get("serviceAccount")
    if name:
        spec["serviceAccountName"] = spec["serviceAccount"] = name


def _pod_template(template: Obj) -> None:
    drop_init_container_annotations(pointer_field(template, "metadata"))
    _pod_spec(struct_field(template, "spec"))


def _parsed(rl: Any) -> dict[str, Quantity]:
    out: dict[str, Quantity] = {}
    if isinstance(rl, dict):
        for name, value in rl.items():
            q = parse_quantity(value)
            if q is not None:
                out[name] = q
    return out


def _add_into(total: dict[str, Quantity], more: Mapping[str, Quantity]) -> None:
    for name, q in more.items():
        total[name] = total[name].add(q) if name in total else q


def _max_into(total: dict[str, Quantity], more: Mapping[str, Quantity]) -> None:
    for name, q in more.items():
        if name not in total or q.cmp(total[name]) > 0:
            total[name] = q


def aggregate_containers(spec: Obj, which: str) -> dict[str, Quantity]:
    """component-helpers AggregateContainerRequests/Limits: containers summed, sidecars (restartable init
    containers) added, and the peak of any init container's phase as a floor."""
    total: dict[str, Quantity] = {}
    for c in struct_items(spec, "containers"):
        _add_into(total, _parsed((pointer_field(c, "resources") or {}).get(which)))
    sidecars: dict[str, Quantity] = {}
    init_peak: dict[str, Quantity] = {}
    for c in struct_items(spec, "initContainers"):
        own = _parsed((pointer_field(c, "resources") or {}).get(which))
        if c.get("restartPolicy") == "Always":
            _add_into(total, own)
            _add_into(sidecars, own)
            current = sidecars
        else:
            current = dict(own)
            _add_into(current, sidecars)
        _max_into(init_peak, current)
    _max_into(total, init_peak)
    return total


def _pod_level_supported(name: str) -> bool:
    return name in ("cpu", "memory") or name.startswith("hugepages-")


def _pod_level_resources(spec: Obj) -> None:
    """defaultHugePagePodLimits and defaultPodRequests (PodLevelResources, on in 1.36)."""
    resources = pointer_field(spec, "resources")
    if resources is None:
        return
    limits = resources.get("limits") if isinstance(resources.get("limits"), dict) else None
    requests = resources.get("requests") if isinstance(resources.get("requests"), dict) else None
    if limits or requests:
        pod_limits = dict(limits or {})
        for name, q in aggregate_containers(spec, "limits").items():
            if name.startswith("hugepages-") and name not in (requests or {}) and name not in pod_limits:
                pod_limits[name] = str(q)
        if pod_limits:
            resources["limits"] = limits = pod_limits
    if limits:
        pod_requests = dict(requests or {})
        for name, q in aggregate_containers(spec, "requests").items():
            if name in ("cpu", "memory") and name not in pod_requests:  # overcommittable pod-level resources
                pod_requests[name] = str(q)
        for name, value in limits.items():
            if _pod_level_supported(name) and name not in pod_requests:
                pod_requests[name] = value
        if pod_requests:
            resources["requests"] = pod_requests


def _primary_address(obj: Obj, one: str, many: str, key: str | None) -> None:
    """Conversion of podIP/podIPs (key "ip") and node podCIDR/podCIDRs (plain strings): a scalar that
    disagrees with the list's head replaces the list, and the scalar always echoes the head."""
    single = obj.get(one) or ""
    plural = obj.get(many) if isinstance(obj.get(many), list) else []
    head = plural[0] if plural else None
    if key is not None:
        head = head.get(key) if isinstance(head, dict) else None
    if single and (not plural or head != single):
        obj[many] = [{key: single}] if key is not None else [single]
    elif plural:
        if head:
            obj[one] = head
        else:
            obj.pop(one, None)


def _pod(obj: Obj) -> None:
    drop_init_container_annotations(pointer_field(obj, "metadata"))
    spec = struct_field(obj, "spec")
    # SetDefaults_Pod: requests default to limits (pods only, not templates)
    for key in ("containers", "initContainers"):
        for c in struct_items(spec, key):
            resources = pointer_field(c, "resources") or {}
            limits = resources.get("limits")
            if isinstance(limits, dict) and limits:
                requests = struct_field(resources, "requests")
                for name, value in limits.items():
                    requests.setdefault(name, value)
    _pod_level_resources(spec)
    default_pointer(spec, "enableServiceLinks", True)
    if spec.get("hostNetwork") is True:
        for key in ("containers", "initContainers"):
            for c in struct_items(spec, key):
                for port in struct_items(c, "ports"):
                    if not port.get("hostPort"):
                        port["hostPort"] = port.get("containerPort", 0)
    _pod_spec(spec)
    grace = spec.get("terminationGracePeriodSeconds")
    if isinstance(grace, int) and not isinstance(grace, bool) and grace < 0:
        spec["terminationGracePeriodSeconds"] = 1
    status = pointer_field(obj, "status")
    if status is not None:
        for key in ("initContainerStatuses", "containerStatuses", "ephemeralContainerStatuses"):
            for cs in struct_items(status, key):
                _resource_list(cs, "allocatedResources")
                _resource_requirements(cs, "resources")
        _resource_list(status, "allocatedResources")
        _resource_requirements(status, "resources")
        _primary_address(status, "podIP", "podIPs", "ip")


def _pod_template_object(obj: Obj) -> None:
    _pod_template(struct_field(obj, "template"))


def _replication_controller(obj: Obj) -> None:
    spec = struct_field(obj, "spec")
    template = pointer_field(spec, "template")
    labels = (pointer_field(template, "metadata") or {}).get("labels") if template is not None else None
    if isinstance(labels, dict):
        if not spec.get("selector"):
            spec["selector"] = dict(labels)
        meta = struct_field(obj, "metadata")
        if not meta.get("labels"):
            meta["labels"] = dict(labels)
    default_pointer(spec, "replicas", 1)
    if template is not None:
        _pod_template(template)


def _service(obj: Obj) -> None:
    spec = struct_field(obj, "spec")
    default_value(spec, "sessionAffinity", "None")
    if spec["sessionAffinity"] == "None":
        spec.pop("sessionAffinityConfig", None)
    elif spec["sessionAffinity"] == "ClientIP":
        config = pointer_field(spec, "sessionAffinityConfig")
        client_ip = pointer_field(config, "clientIP") if config is not None else None
        if client_ip is None or client_ip.get("timeoutSeconds") is None:
            spec["sessionAffinityConfig"] = {"clientIP": {"timeoutSeconds": 10800}}
    default_value(spec, "type", "ClusterIP")
    svc_type = spec["type"]
    for port in struct_items(spec, "ports"):
        default_value(port, "protocol", "TCP")
        if port.get("targetPort") in (None, 0, "") and not isinstance(port.get("targetPort"), bool):
            port["targetPort"] = port.get("port", 0)
    externally_accessible = svc_type in ("LoadBalancer", "NodePort") or (
        svc_type == "ClusterIP" and bool(spec.get("externalIPs"))
    )
    if externally_accessible:
        default_value(spec, "externalTrafficPolicy", "Cluster")
    if svc_type in ("NodePort", "LoadBalancer", "ClusterIP"):
        default_pointer(spec, "internalTrafficPolicy", "Cluster")
    if svc_type == "LoadBalancer":
        default_pointer(spec, "allocateLoadBalancerNodePorts", True)
        status = pointer_field(obj, "status")
        for ingress in struct_items(pointer_field(status, "loadBalancer") if status else None, "ingress"):
            if ingress.get("ip"):
                default_pointer(ingress, "ipMode", "VIP")


def _endpoints(obj: Obj) -> None:
    for subset in struct_items(obj, "subsets"):
        for port in struct_items(subset, "ports"):
            default_value(port, "protocol", "TCP")


def _namespace(obj: Obj) -> None:
    meta = struct_field(obj, "metadata")
    name = meta.get("name")
    if isinstance(name, str) and name:
        labels = struct_field(meta, "labels")
        labels["kubernetes.io/metadata.name"] = name
    default_value(struct_field(obj, "status"), "phase", "Active")


def _node(obj: Obj) -> None:
    status = pointer_field(obj, "status")
    if status is not None:
        if isinstance(status.get("capacity"), dict) and status.get("allocatable") is None:
            status["allocatable"] = dict(status["capacity"])
        _resource_list(status, "capacity")
        _resource_list(status, "allocatable")
    spec = pointer_field(obj, "spec")
    if spec is not None:
        _primary_address(spec, "podCIDR", "podCIDRs", None)


def _secret(obj: Obj) -> None:
    # v1 -> internal conversion (at decode, so before field tracking): stringData is write-only, merged into
    # data (base64) over what data had, and never stored
    string_data = obj.pop("stringData", None)
    if isinstance(string_data, dict) and string_data:
        data = obj["data"] if isinstance(obj.get("data"), dict) else {}
        obj["data"] = data
        for key, value in string_data.items():
            data[key] = base64.b64encode(str(value).encode()).decode()
    default_value(obj, "type", "Opaque")


def _persistent_volume(obj: Obj) -> None:
    default_value(struct_field(obj, "status"), "phase", "Pending")
    spec = struct_field(obj, "spec")
    default_value(spec, "persistentVolumeReclaimPolicy", "Retain")
    default_pointer(spec, "volumeMode", "Filesystem")
    _resource_list(spec, "capacity")
    _host_path(spec)
    _legacy_sources(spec)


def _persistent_volume_claim(obj: Obj) -> None:
    status = struct_field(obj, "status")
    default_value(status, "phase", "Pending")
    _pvc_spec(struct_field(obj, "spec"))
    _resource_list(status, "capacity")
    _resource_list(status, "allocatedResources")


# --------------------------------------------------------------------------------------------------------
# apps/v1, batch/v1, rbac/v1, discovery/v1


def _deployment(obj: Obj) -> None:
    spec = struct_field(obj, "spec")
    default_pointer(spec, "replicas", 1)
    strategy = struct_field(spec, "strategy")
    default_value(strategy, "type", "RollingUpdate")
    if strategy["type"] == "RollingUpdate":
        rolling = struct_field(strategy, "rollingUpdate")
        default_pointer(rolling, "maxUnavailable", "25%")
        default_pointer(rolling, "maxSurge", "25%")
    default_pointer(spec, "revisionHistoryLimit", 10)
    default_pointer(spec, "progressDeadlineSeconds", 600)
    _pod_template(struct_field(spec, "template"))


def _daemon_set(obj: Obj) -> None:
    spec = struct_field(obj, "spec")
    strategy = struct_field(spec, "updateStrategy")
    default_value(strategy, "type", "RollingUpdate")
    if strategy["type"] == "RollingUpdate":
        rolling = struct_field(strategy, "rollingUpdate")
        default_pointer(rolling, "maxUnavailable", 1)
        default_pointer(rolling, "maxSurge", 0)
    default_pointer(spec, "revisionHistoryLimit", 10)
    _pod_template(struct_field(spec, "template"))


def _stateful_set(obj: Obj) -> None:
    spec = struct_field(obj, "spec")
    default_value(spec, "podManagementPolicy", "OrderedReady")
    strategy = struct_field(spec, "updateStrategy")
    if not strategy.get("type"):
        strategy["type"] = "RollingUpdate"
        default_pointer(strategy, "rollingUpdate", {})
    rolling = pointer_field(strategy, "rollingUpdate")
    if strategy["type"] == "RollingUpdate" and rolling is not None:
        default_pointer(rolling, "partition", 0)
    retention = struct_field(spec, "persistentVolumeClaimRetentionPolicy")
    default_value(retention, "whenDeleted", "Retain")
    default_value(retention, "whenScaled", "Retain")
    default_pointer(spec, "replicas", 1)
    default_pointer(spec, "revisionHistoryLimit", 10)
    _pod_template(struct_field(spec, "template"))
    for claim in struct_items(spec, "volumeClaimTemplates"):
        _persistent_volume_claim(claim)
        claim["apiVersion"], claim["kind"] = "v1", "PersistentVolumeClaim"  # conversion sets them


def _replica_set(obj: Obj) -> None:
    spec = struct_field(obj, "spec")
    default_pointer(spec, "replicas", 1)
    _pod_template(struct_field(spec, "template"))


def _pod_failure_policy(spec: Obj) -> None:
    for rule in struct_items(pointer_field(spec, "podFailurePolicy"), "rules"):
        for pattern in struct_items(rule, "onPodConditions"):
            default_value(pattern, "status", "True")


def _job(obj: Obj) -> None:
    spec = struct_field(obj, "spec")
    if spec.get("completions") is None and spec.get("parallelism") is None:
        spec["completions"] = 1
    default_pointer(spec, "parallelism", 1)
    default_pointer(spec, "backoffLimit", _MAX_INT32 if spec.get("backoffLimitPerIndex") is not None else 6)
    template = struct_field(spec, "template")
    labels = (pointer_field(template, "metadata") or {}).get("labels")
    meta = struct_field(obj, "metadata")
    if isinstance(labels, dict) and not meta.get("labels"):
        meta["labels"] = dict(labels)
    default_pointer(spec, "completionMode", "NonIndexed")
    default_pointer(spec, "suspend", False)
    replacement = "Failed" if pointer_field(spec, "podFailurePolicy") is not None else "TerminatingOrFailed"
    default_pointer(spec, "podReplacementPolicy", replacement)
    default_pointer(spec, "manualSelector", False)
    _pod_failure_policy(spec)
    _pod_template(template)


def _cron_job(obj: Obj) -> None:
    spec = struct_field(obj, "spec")
    default_value(spec, "concurrencyPolicy", "Allow")
    default_pointer(spec, "suspend", False)
    default_pointer(spec, "successfulJobsHistoryLimit", 3)
    default_pointer(spec, "failedJobsHistoryLimit", 1)
    job_spec = struct_field(struct_field(spec, "jobTemplate"), "spec")  # no SetDefaults_Job on templates
    _pod_failure_policy(job_spec)
    _pod_template(struct_field(job_spec, "template"))


def _role_binding(obj: Obj) -> None:
    default_value(struct_field(obj, "roleRef"), "apiGroup", RBAC_GROUP)
    for subject in struct_items(obj, "subjects"):
        if not subject.get("apiGroup") and subject.get("kind") in ("User", "Group"):
            subject["apiGroup"] = RBAC_GROUP


def _endpoint_slice(obj: Obj) -> None:
    for port in struct_items(obj, "ports"):
        default_pointer(port, "name", "")
        default_pointer(port, "protocol", "TCP")


def _limit_range(obj: Obj) -> None:
    for item in struct_items(struct_field(obj, "spec"), "limits"):
        if item.get("type") == "Container":
            # an unset default limit takes the max; an unset default request the default limit, else the min
            for key in ("default", "defaultRequest"):
                if not isinstance(item.get(key), dict):
                    item[key] = {}
            for source, target in (("max", "default"), ("default", "defaultRequest"), ("min", "defaultRequest")):
                for name, value in (pointer_field(item, source) or {}).items():
                    item[target].setdefault(name, value)
        for key in ("max", "min", "default", "defaultRequest", "maxLimitRequestRatio"):
            _resource_list(item, key)


def _resource_quota(obj: Obj) -> None:
    _resource_list(pointer_field(obj, "spec"), "hard")
    status = pointer_field(obj, "status")
    _resource_list(status, "hard")
    _resource_list(status, "used")


_HPA_SCALE_UP = {
    "stabilizationWindowSeconds": 0,
    "selectPolicy": "Max",
    "policies": [
        {"type": "Pods", "value": 4, "periodSeconds": 15},
        {"type": "Percent", "value": 100, "periodSeconds": 15},
    ],
}
_HPA_SCALE_DOWN = {"selectPolicy": "Max", "policies": [{"type": "Percent", "value": 100, "periodSeconds": 15}]}


def _scaling_rules(behavior: Obj, key: str, defaults: Obj) -> None:
    """GenerateHPAScale{Up,Down}Rules: the defaults, with every field the client set kept."""
    given = pointer_field(behavior, key) or {}
    rules = dict(defaults)
    for field in ("selectPolicy", "stabilizationWindowSeconds", "policies", "tolerance"):
        if given.get(field) is not None:
            rules[field] = given[field]
    behavior[key] = {k: rules[k] for k in ("stabilizationWindowSeconds", "selectPolicy", "policies", "tolerance")
                     if k in rules}  # fmt: skip


def _horizontal_pod_autoscaler(obj: Obj) -> None:
    # not a default: kube's v2 -> internal conversion, part of every decode, drops the annotations autoscaling/v1
    # round-trips v2 fields through (registry/hpav1.py), so no v2 object keeps them
    hpav1.drop_round_trip(obj)
    spec = struct_field(obj, "spec")
    default_pointer(spec, "minReplicas", 1)
    if not spec.get("metrics"):
        spec["metrics"] = [{"type": "Resource", "resource": {"name": "cpu", "target": {
            "type": "Utilization", "averageUtilization": 80}}}]  # fmt: skip
    behavior = pointer_field(spec, "behavior")
    if behavior is not None:
        _scaling_rules(behavior, "scaleUp", copy.deepcopy(_HPA_SCALE_UP))
        _scaling_rules(behavior, "scaleDown", copy.deepcopy(_HPA_SCALE_DOWN))


def _ingress_class(obj: Obj) -> None:
    parameters = pointer_field(struct_field(obj, "spec"), "parameters")
    if parameters is not None:
        default_pointer(parameters, "scope", "Cluster")


def _network_policy(obj: Obj) -> None:
    spec = struct_field(obj, "spec")
    if not spec.get("policyTypes"):
        spec["policyTypes"] = ["Ingress", "Egress"] if spec.get("egress") else ["Ingress"]
    for direction in ("ingress", "egress"):
        for rule in struct_items(spec, direction):
            for port in struct_items(rule, "ports"):
                default_pointer(port, "protocol", "TCP")


def _csi_driver(obj: Obj) -> None:
    spec = struct_field(obj, "spec")
    for key, value in (("attachRequired", True), ("podInfoOnMount", False), ("storageCapacity", False),
                       ("fsGroupPolicy", "ReadWriteOnceWithFSType")):  # fmt: skip
        default_pointer(spec, key, value)
    if not spec.get("volumeLifecycleModes"):
        spec["volumeLifecycleModes"] = ["Persistent"]
    default_pointer(spec, "requiresRepublish", False)
    default_pointer(spec, "seLinuxMount", False)  # SELinuxMountReadWriteOncePod: GA in 1.36


def _storage_class(obj: Obj) -> None:
    default_pointer(obj, "reclaimPolicy", "Delete")
    default_pointer(obj, "volumeBindingMode", "Immediate")


def _volume_attachment(obj: Obj) -> None:
    inline = pointer_field(struct_field(struct_field(obj, "spec"), "source"), "inlineVolumeSpec")
    if inline is not None:
        _resource_list(inline, "capacity")
        _host_path(inline)
        _legacy_sources(inline)


def _rules(parent: Obj | None, key: str) -> None:
    for rule in struct_items(parent, key):
        default_pointer(rule, "scope", "*")


def _match_resources(match: Obj | None) -> None:
    if match is None:
        return
    default_pointer(match, "matchPolicy", "Equivalent")
    default_pointer(match, "namespaceSelector", {})
    default_pointer(match, "objectSelector", {})
    _rules(match, "resourceRules")
    _rules(match, "excludeResourceRules")


def _webhooks(obj: Obj, mutating: bool) -> None:
    for hook in struct_items(obj, "webhooks"):
        default_pointer(hook, "failurePolicy", "Fail")
        default_pointer(hook, "matchPolicy", "Equivalent")
        default_pointer(hook, "namespaceSelector", {})
        default_pointer(hook, "objectSelector", {})
        default_pointer(hook, "timeoutSeconds", 10)
        if mutating:
            default_pointer(hook, "reinvocationPolicy", "Never")
        service = pointer_field(struct_field(hook, "clientConfig"), "service")
        if service is not None:
            default_pointer(service, "port", 443)
        _rules(hook, "rules")


def _admission_policy(obj: Obj) -> None:
    spec = struct_field(obj, "spec")
    default_pointer(spec, "failurePolicy", "Fail")
    _match_resources(pointer_field(spec, "matchConstraints"))


def _admission_policy_binding(obj: Obj) -> None:
    _match_resources(pointer_field(struct_field(obj, "spec"), "matchResources"))


def _priority_class(obj: Obj) -> None:
    default_pointer(obj, "preemptionPolicy", "PreemptLowerPriority")


def _device_request(request: Obj) -> None:
    default_value(request, "allocationMode", "ExactCount")
    if request["allocationMode"] == "ExactCount":
        default_value(request, "count", 1)
    for toleration in struct_items(request, "tolerations"):
        default_value(toleration, "operator", "Equal")


def _device_claim_spec(spec: Obj) -> None:
    for request in struct_items(struct_field(spec, "devices"), "requests"):
        exactly = pointer_field(request, "exactly")
        if exactly is not None:
            _device_request(exactly)
        for sub in struct_items(request, "firstAvailable"):
            _device_request(sub)


def _resource_claim(obj: Obj) -> None:
    _device_claim_spec(struct_field(obj, "spec"))
    allocation = pointer_field(struct_field(obj, "status"), "allocation")
    if allocation is not None:
        for result in struct_items(struct_field(allocation, "devices"), "results"):
            for toleration in struct_items(result, "tolerations"):
                default_value(toleration, "operator", "Equal")


def _resource_claim_template(obj: Obj) -> None:
    _device_claim_spec(struct_field(struct_field(obj, "spec"), "spec"))


def _flow_schema(obj: Obj) -> None:
    default_value(struct_field(obj, "spec"), "matchingPrecedence", 1000)


def _priority_level(obj: Obj) -> None:
    spec = struct_field(obj, "spec")
    limited = pointer_field(spec, "limited")
    if limited is not None:
        default_pointer(limited, "nominalConcurrencyShares", 30)
        default_pointer(limited, "lendablePercent", 0)
        queuing = pointer_field(struct_field(limited, "limitResponse"), "queuing")
        if queuing is not None:
            for key, value in (("handSize", 8), ("queues", 64), ("queueLengthLimit", 50)):
                default_value(queuing, key, value)
    exempt = pointer_field(spec, "exempt")
    if exempt is not None:
        default_pointer(exempt, "nominalConcurrencyShares", 0)
        default_pointer(exempt, "lendablePercent", 0)


_ADMISSION = "admissionregistration.k8s.io"
_DEFAULTERS: dict[tuple[str, str], Callable[[Obj], None]] = {
    ("", "LimitRange"): _limit_range,
    ("", "ResourceQuota"): _resource_quota,
    ("autoscaling", "HorizontalPodAutoscaler"): _horizontal_pod_autoscaler,
    ("networking.k8s.io", "IngressClass"): _ingress_class,
    ("networking.k8s.io", "NetworkPolicy"): _network_policy,
    ("storage.k8s.io", "CSIDriver"): _csi_driver,
    ("storage.k8s.io", "StorageClass"): _storage_class,
    ("storage.k8s.io", "VolumeAttachment"): _volume_attachment,
    (_ADMISSION, "MutatingWebhookConfiguration"): lambda obj: _webhooks(obj, True),
    (_ADMISSION, "ValidatingWebhookConfiguration"): lambda obj: _webhooks(obj, False),
    (_ADMISSION, "ValidatingAdmissionPolicy"): _admission_policy,
    (_ADMISSION, "MutatingAdmissionPolicy"): _admission_policy,
    (_ADMISSION, "ValidatingAdmissionPolicyBinding"): _admission_policy_binding,
    (_ADMISSION, "MutatingAdmissionPolicyBinding"): _admission_policy_binding,
    ("scheduling.k8s.io", "PriorityClass"): _priority_class,
    ("resource.k8s.io", "ResourceClaim"): _resource_claim,
    ("resource.k8s.io", "ResourceClaimTemplate"): _resource_claim_template,
    ("flowcontrol.apiserver.k8s.io", "FlowSchema"): _flow_schema,
    ("flowcontrol.apiserver.k8s.io", "PriorityLevelConfiguration"): _priority_level,
    ("", "Pod"): _pod,
    ("", "PodTemplate"): _pod_template_object,
    ("", "ReplicationController"): _replication_controller,
    ("", "Service"): _service,
    ("", "Endpoints"): _endpoints,
    ("", "Namespace"): _namespace,
    ("", "Node"): _node,
    ("", "Secret"): _secret,
    ("", "PersistentVolume"): _persistent_volume,
    ("", "PersistentVolumeClaim"): _persistent_volume_claim,
    ("apps", "Deployment"): _deployment,
    ("apps", "DaemonSet"): _daemon_set,
    ("apps", "StatefulSet"): _stateful_set,
    ("apps", "ReplicaSet"): _replica_set,
    ("batch", "Job"): _job,
    ("batch", "CronJob"): _cron_job,
    (RBAC_GROUP, "RoleBinding"): _role_binding,
    (RBAC_GROUP, "ClusterRoleBinding"): _role_binding,
    ("discovery.k8s.io", "EndpointSlice"): _endpoint_slice,
}
# ConfigMap, Event, ServiceAccount, Role, ClusterRole, coordination.k8s.io Lease, ControllerRevision, Ingress,
# IPAddress, ServiceCIDR, PodDisruptionBudget, CSINode, CSIStorageCapacity, VolumeAttributesClass, RuntimeClass,
# CertificateSigningRequest, DeviceClass, APIService have no defaulters in 1.36 (ResourceSlice's default only
# alpha-gated fields: DRADeviceTaints, node allocatable mappings).


def apply_defaults(group: str, kind: str, obj: dict[str, Any]) -> None:
    """Mutate a v1 JSON object in place with kube 1.36's decode-time defaults for its kind (and the items
    of a ``<Kind>List``). Idempotent; unknown kinds are left alone."""
    group = "" if group == "core" else group
    fn = _DEFAULTERS.get((group, kind))
    if fn is not None:
        fn(obj)
    elif kind.endswith("List") and (fn := _DEFAULTERS.get((group, kind[:-4]))) is not None:
        for item in struct_items(obj, "items"):
            fn(item)
