"""core/v1 types other than pods (pkg/apis/core/validation): PodTemplate, ReplicationController, Service,
ConfigMap, Secret, Namespace, PersistentVolume(Claim), ResourceQuota, LimitRange — the checks users meet.

Service cluster IPs and node ports are checked where they are allocated (registry/services.py).
"""

from __future__ import annotations

import base64
import binascii
import copy
import difflib
import json
from typing import Any

from aiokube.apiserver.errors import ROOT_PATH, FieldErrors
from aiokube.apiserver.registry.validation import fields as f
from aiokube.apiserver.registry.validation import serviceips
from aiokube.apiserver.registry.validation.claimspec import VOLUME_MODES, access_modes, validate_claim_spec
from aiokube.apiserver.registry.validation.objectmeta import is_qualified_name, validate_labels
from aiokube.apiserver.registry.validation.podspec import PROTOCOLS, validate_pod_template_spec

Obj = dict[str, Any]

MAX_SECRET_SIZE = 1024 * 1024
_SERVICE_TYPES = ["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"]
_SESSION_AFFINITIES = ["ClientIP", "None"]
_RECLAIM_POLICIES = ["Delete", "Recycle", "Retain"]
_STANDARD_FINALIZERS = ("kubernetes", "orphan", "foregroundDeletion")
_IMMUTABLE_WHEN_SET = "field is immutable when `immutable` is set"


def old_template(old: Obj | None, *keys: str) -> Obj | None:
    """The stored object's pod template (at ``keys``) on update, None on create."""
    if old is None:
        return None
    for key in keys:
        old = f.obj_at(old, key)
    return old


def pod_template_for_controller(
    template: Obj | None,
    selector: Obj | None,
    path: str,
    errs: FieldErrors,
    kind: str,
    *,
    match: bool = True,
    old: Obj | None = None,
) -> None:
    """ValidatePodTemplateSpecForRC / ForReplicaSet: the selector matches the template's labels, the template
    is a valid pod template that restarts always and has no deadline. ``selector`` is a LabelSelector; ``old``
    the stored template on update."""
    if template is None:
        errs.required(path)
        return
    labels = f.obj_at(template, "metadata").get("labels")
    # a nil selector converts to labels.Nothing(), which is not empty and matches nothing
    if (
        match
        and (selector is None or not f.selector_is_empty(selector))
        and not (selector is not None and f.selector_matches(selector, labels or {}))
    ):
        errs.invalid(f"{path}.metadata.labels", labels, "`selector` does not match template `labels`")
    validate_pod_template_spec(template, path, errs, old)
    spec = f.obj_at(template, "spec")
    if spec.get("restartPolicy", "") != "Always":
        errs.not_supported(f"{path}.spec.restartPolicy", spec.get("restartPolicy", ""), ["Always"])
    if spec.get("activeDeadlineSeconds") is not None:
        errs.forbidden(f"{path}.spec.activeDeadlineSeconds", f"activeDeadlineSeconds in {kind} is not Supported")


def validate_pod_template(obj: Obj, old: Obj | None, errs: FieldErrors) -> None:
    """ValidatePodTemplate."""
    validate_pod_template_spec(f.obj_at(obj, "template"), "template", errs, old_template(old, "template"))


def validate_replication_controller(obj: Obj, old: Obj | None, errs: FieldErrors) -> None:
    """ValidateReplicationControllerSpec: a non-empty selector matching the template, replicas ≥ 0."""
    spec = f.obj_at(obj, "spec")
    f.nonnegative(spec.get("minReadySeconds", 0), "spec.minReadySeconds", errs)
    selector = spec.get("selector") or {}
    if not selector:
        errs.required("spec.selector")
    validate_labels(selector, "spec.selector", errs)
    if spec.get("replicas") is None:
        errs.required("spec.replicas")
    else:
        f.nonnegative(spec["replicas"], "spec.replicas", errs)
    template = spec.get("template")
    pod_template_for_controller(template, {"matchLabels": selector}, "spec.template", errs, "ReplicationController",
                                old=old_template(old, "spec", "template"))  # fmt: skip


# --- Service ------------------------------------------------------------------------------------------------


def _service_port(port: Obj, require_name: bool, names: set[str], path: str, errs: FieldErrors) -> None:
    """validateServicePort."""
    name = port.get("name", "")
    if require_name and not name:
        errs.required(f"{path}.name")
    elif name:
        f.dns1123_label(name, f"{path}.name", errs)
        if name in names:
            errs.duplicate(f"{path}.name", name)
        names.add(name)
    number = port.get("port", 0)
    for msg in f.port_num_errors(number):
        errs.invalid(f"{path}.port", number, msg)
    f.enum(port.get("protocol"), f"{path}.protocol", PROTOCOLS, errs)
    f.port_num_or_name(port.get("targetPort"), f"{path}.targetPort", errs)
    if port.get("appProtocol") is not None:
        f.qualified_name(port["appProtocol"], f"{path}.appProtocol", errs)


def validate_service(obj: Obj, old: Obj | None, errs: FieldErrors) -> None:
    """validateService: cluster IPs and families (serviceips.py, alone when wrong), ports, type, selector, session
    affinity, ExternalName."""
    spec = f.obj_at(obj, "spec")
    families = serviceips.ip_family_errors(spec, f.obj_at(old, "spec") if old is not None else None)
    if families:  # the allocator's checks, before any other (kube's BeginCreate/BeginUpdate)
        errs.causes[:] = families.causes
        return
    kind = spec.get("type", "")
    headless = spec.get("clusterIP") == "None"
    ports = f.list_at(spec, "ports")
    if not ports and not headless and kind != "ExternalName":
        errs.required("spec.ports")
    if kind in ("LoadBalancer", "NodePort") and headless:
        errs.invalid("spec.clusterIPs[0]", "None", f"may not be set to 'None' for {kind} services")
    elif kind == "ExternalName":
        if spec.get("clusterIPs"):
            errs.forbidden("spec.clusterIPs", "may not be set for ExternalName services")
        if spec.get("ipFamilies"):
            errs.forbidden("spec.ipFamilies", "may not be set for ExternalName services")
        if spec.get("ipFamilyPolicy") is not None:
            errs.forbidden("spec.ipFamilyPolicy", "may not be set for ExternalName services")
        cname = spec.get("externalName", "").removesuffix(".")
        if cname:
            f.dns1123_subdomain(cname, "spec.externalName", errs)
        else:
            errs.required("spec.externalName")
    names: set[str] = set()
    for i, port in enumerate(ports):
        _service_port(port, len(ports) > 1, names, f"spec.ports[{i}]", errs)
    if spec.get("selector") is not None:
        validate_labels(spec["selector"], "spec.selector", errs)
    affinity = spec.get("sessionAffinity", "")
    f.enum(affinity, "spec.sessionAffinity", _SESSION_AFFINITIES, errs)
    if affinity == "None" and spec.get("sessionAffinityConfig") is not None:
        errs.forbidden("spec.sessionAffinityConfig", "must not be set when session affinity is None")
    f.enum(kind, "spec.type", _SERVICE_TYPES, errs)
    if kind == "ClusterIP":
        for i, port in enumerate(ports):
            if port.get("nodePort"):
                errs.forbidden(f"spec.ports[{i}].nodePort", "may not be used when `type` is 'ClusterIP'")
    node_ports: set[tuple[str, int]] = set()
    for i, port in enumerate(ports):
        if port.get("nodePort"):
            key = (port.get("protocol", ""), port["nodePort"])
            if key in node_ports:
                errs.duplicate(f"spec.ports[{i}].nodePort", port["nodePort"])
            node_ports.add(key)
    seen: set[tuple[str, int]] = set()
    for i, port in enumerate(ports):
        key = (port.get("protocol", ""), port.get("port", 0))
        if key in seen:
            # kube prints the internal ServicePort{Protocol, Port} key as JSON
            errs.duplicate(
                f"spec.ports[{i}]",
                {"Name": "", "Protocol": key[0], "AppProtocol": None, "Port": key[1], "TargetPort": 0, "NodePort": 0},
            )
        seen.add(key)
    if spec.get("allocateLoadBalancerNodePorts") is not None and kind != "LoadBalancer":
        errs.forbidden("spec.allocateLoadBalancerNodePorts", "may only be used when `type` is 'LoadBalancer'")


# --- ConfigMap, Secret ----------------------------------------------------------------------------------------


def _data_keys(data: dict[str, Any], path: str, errs: FieldErrors) -> None:
    if f.config_map_keys_valid(data):
        return
    for key in data:
        for msg in f.config_map_key_errors(key):
            errs.invalid(f"{path}[{key}]", key, msg)


def _immutable_data(obj: Obj, old: Obj | None, keys: tuple[str, ...], errs: FieldErrors) -> None:
    """ConfigMap and Secret updates: once ``immutable`` is true, it and the data stay."""
    if old is None or not old.get("immutable"):
        return
    if not obj.get("immutable"):
        errs.forbidden("immutable", _IMMUTABLE_WHEN_SET)
    for key in keys:
        if (obj.get(key) or {}) != (old.get(key) or {}):
            errs.forbidden(key, _IMMUTABLE_WHEN_SET)


def validate_config_map(obj: Obj, old: Obj | None, errs: FieldErrors) -> None:
    """ValidateConfigMap(Update): valid keys, none in both bags, at most 1 MiB."""
    _immutable_data(obj, old, ("data", "binaryData"), errs)
    data, binary = obj.get("data") or {}, obj.get("binaryData") or {}
    if binary or not f.config_map_keys_valid(data):
        for key in data:
            for msg in f.config_map_key_errors(key):
                errs.invalid(f"data[{key}]", key, msg)
            if key in binary:
                errs.invalid(f"data[{key}]", key, "duplicate of key present in binaryData")
    try:
        total = len("".join(data.values()).encode())
    except TypeError:  # not all strings (the typed check reports them): count as the Go string would be
        total = sum(len(str(value).encode()) for value in data.values())
    _data_keys(binary, "binaryData", errs)
    total += sum(_decoded_len(v) for v in binary.values())
    if total > MAX_SECRET_SIZE:
        errs.too_long(ROOT_PATH, MAX_SECRET_SIZE)


def _decoded_len(b64: Any) -> int:
    """The length of a base64 value as bytes (what kube's []byte holds)."""
    text = str(b64).rstrip("=")
    return len(text) * 3 // 4


def validate_secret(obj: Obj, old: Obj | None, errs: FieldErrors) -> None:
    """ValidateSecret(Update): valid keys, at most 1 MiB, the keys each type requires, the type immutable."""
    if old is not None:
        f.immutable(obj.get("type", ""), old.get("type", ""), "type", errs)
        _immutable_data(obj, old, ("data",), errs)
    data = obj.get("data") or {}
    _data_keys(data, "data", errs)
    if sum(_decoded_len(v) for v in data.values()) > MAX_SECRET_SIZE:
        errs.too_long("data", MAX_SECRET_SIZE)
    kind = obj.get("type", "")
    annotations = f.obj_at(obj, "metadata").get("annotations") or {}
    if kind == "kubernetes.io/service-account-token":
        if not annotations.get("kubernetes.io/service-account.name"):
            errs.required("metadata.annotations[kubernetes.io/service-account.name]")
    elif kind in ("kubernetes.io/dockercfg", "kubernetes.io/dockerconfigjson"):
        key = ".dockercfg" if kind == "kubernetes.io/dockercfg" else ".dockerconfigjson"
        if key not in data:
            errs.required(f"data[{key}]")
        else:
            _json_object(data[key], f"data[{key}]", errs)
    elif kind == "kubernetes.io/basic-auth":
        if "username" not in data and "password" not in data:
            errs.required("data[username]")
            errs.required("data[password]")
    elif kind == "kubernetes.io/ssh-auth":
        if not data.get("ssh-privatekey"):
            errs.required("data[ssh-privatekey]")
    elif kind == "kubernetes.io/tls":
        for key in ("tls.crt", "tls.key"):
            if key not in data:
                errs.required(f"data[{key}]")


def _json_object(b64: str, path: str, errs: FieldErrors) -> None:
    try:
        parsed = json.loads(base64.b64decode(b64))
    except (binascii.Error, ValueError):
        errs.invalid(path, "<secret contents redacted>", "invalid character in the JSON document")
        return
    if not isinstance(parsed, dict):
        errs.invalid(
            path, "<secret contents redacted>", "json: cannot unmarshal into Go value of type map[string]interface {}"
        )


# --- Namespace, PersistentVolume(Claim), quotas -----------------------------------------------------------


def validate_namespace(obj: Obj, old: Obj | None, errs: FieldErrors) -> None:
    """ValidateNamespace: spec.finalizers are qualified names, a bare one a standard finalizer."""
    if old is not None:
        return
    for name in f.list_at(f.obj_at(obj, "spec"), "finalizers"):
        msgs = is_qualified_name(name)
        for msg in msgs:
            errs.invalid("spec.finalizers", name, msg)
        if "/" not in name and name not in _STANDARD_FINALIZERS:
            errs.invalid("spec.finalizers", name, "name is neither a standard finalizer name nor is it fully qualified")


def validate_persistent_volume(obj: Obj, old: Obj | None, errs: FieldErrors) -> None:
    """ValidatePersistentVolumeSpec: access modes, a storage capacity, one volume source, the reclaim policy."""
    spec = f.obj_at(obj, "spec")
    access_modes(f.list_at(spec, "accessModes"), "spec.accessModes", errs, "")
    capacity = spec.get("capacity") or {}
    if not capacity:
        errs.required("spec.capacity")
    if "storage" not in capacity or len(capacity) > 1:
        errs.not_supported("spec.capacity", spec.get("capacity"), ["storage"])
    for name, value in capacity.items():
        f.nonnegative_quantity(value, f"spec.capacity[{name}]", errs)
        f.positive_quantity(value, f"spec.capacity[{name}]", errs)
    policy = spec.get("persistentVolumeReclaimPolicy", "")
    if policy and policy not in _RECLAIM_POLICIES:
        errs.not_supported("spec.persistentVolumeReclaimPolicy", policy, _RECLAIM_POLICIES)
    if spec.get("storageClassName"):
        f.dns1123_subdomain(spec["storageClassName"], "spec.storageClassName", errs)
    mode = spec.get("volumeMode")
    if mode is not None and mode not in VOLUME_MODES:
        errs.not_supported("spec.volumeMode", mode, VOLUME_MODES)
    sources = [key for key in PV_SOURCES if spec.get(key) is not None]
    for key in sources[1:]:
        errs.forbidden(f"spec.{key}", "may not specify more than 1 volume type")
    if not sources:
        errs.required("spec", "must specify a volume type")


#: PersistentVolumeSource's members, in the order ValidatePersistentVolumeSpec checks them
PV_SOURCES = (
    "hostPath", "gcePersistentDisk", "awsElasticBlockStore", "glusterfs", "flocker", "nfs", "rbd", "quobyte",
    "cinder", "cephfs", "iscsi", "fc", "azureFile", "vsphereVolume", "photonPersistentDisk", "portworxVolume",
    "azureDisk", "scaleIO", "local", "storageos", "csi", "flexVolume",
)  # fmt: skip


def validate_persistent_volume_claim(obj: Obj, old: Obj | None, errs: FieldErrors) -> None:
    """ValidatePersistentVolumeClaim: its spec (claimspec.py); on update what may change (the volume name once,
    a bound claim's storage request and attributes class, a class where there was none)."""
    validate_claim_spec(f.obj_at(obj, "spec"), "spec", errs)
    if old is not None:
        _claim_update(obj, old, errs)


_BETA_CLASS = "volume.beta.kubernetes.io/storage-class"


def _storage(spec: Obj) -> Any:
    return ((spec.get("resources") or {}).get("requests") or {}).get("storage")


def _claim_update(obj: Obj, old: Obj, errs: FieldErrors) -> None:
    """ValidatePersistentVolumeClaimUpdate (the storage-class annotation's upgrade is not reproduced)."""
    new_spec, old_spec = copy.deepcopy(f.obj_at(obj, "spec")), copy.deepcopy(f.obj_at(old, "spec"))
    if not old_spec.get("volumeName"):
        old_spec["volumeName"] = new_spec.get("volumeName", "")
    old_annotations = (old.get("metadata") or {}).get("annotations") or {}
    if old_spec.get("storageClassName") is None and _BETA_CLASS not in old_annotations:
        new_spec.pop("storageClassName", None)  # a class may be set where there was none
        old_spec.pop("storageClassName", None)
    bound = f.obj_at(obj, "status").get("phase") == "Bound"
    if bound and (new_spec.get("resources") or {}).get("requests") is not None:
        new_spec["resources"]["requests"]["storage"] = _storage(old_spec)
        if new_spec["resources"]["requests"]["storage"] is None:
            del new_spec["resources"]["requests"]["storage"]
    if bound:
        for spec in (new_spec, old_spec):
            spec.pop("volumeAttributesClassName", None)
    for spec in (new_spec, old_spec):
        if not spec.get("volumeName"):
            spec.pop("volumeName", None)
    if not f.semantic_equal(new_spec, old_spec):
        diff = "\n".join(difflib.unified_diff(
            json.dumps(old_spec, indent=1, sort_keys=True).splitlines(),
            json.dumps(new_spec, indent=1, sort_keys=True).splitlines(), lineterm="", n=1))  # fmt: skip
        errs.forbidden(
            "spec",
            "spec is immutable after creation except resources.requests and volumeAttributesClassName for bound "
            f"claims\n{diff}",
        )
    new_size, old_size = f.quantity(_storage(f.obj_at(obj, "spec"))), f.quantity(_storage(f.obj_at(old, "spec")))
    if new_size is not None and old_size is not None and new_size.cmp(old_size) < 0:
        capacity = f.quantity((f.obj_at(old, "status").get("capacity") or {}).get("storage")) or f.quantity("0")
        if capacity is not None and new_size.cmp(capacity) <= 0:  # RecoverVolumeExpansionFailure (on in 1.36)
            errs.forbidden("spec.resources.requests.storage", "field can not be less than status.capacity")
    f.immutable(f.obj_at(obj, "spec").get("volumeMode"), f.obj_at(old, "spec").get("volumeMode"), "volumeMode", errs)


def validate_resource_quota(obj: Obj, old: Obj | None, errs: FieldErrors) -> None:
    """ValidateResourceQuotaSpec, the hard limits: not negative."""
    for name, value in (f.obj_at(obj, "spec").get("hard") or {}).items():
        f.nonnegative_quantity(value, f"spec.hard[{name}]", errs)


def validate_limit_range(obj: Obj, old: Obj | None, errs: FieldErrors) -> None:
    """ValidateLimitRange: each limit's type set once."""
    seen: set[str] = set()
    for i, item in enumerate(f.list_at(f.obj_at(obj, "spec"), "limits")):
        kind = item.get("type", "")
        if kind in seen:
            errs.duplicate(f"spec.limits[{i}].type", kind)
        seen.add(kind)
