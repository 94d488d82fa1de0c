"""storage.k8s.io (pkg/apis/storage/validation): StorageClass, CSIDriver, CSINode, VolumeAttachment,
VolumeAttributesClass and CSIStorageCapacity — formats, enums, the exactly-one-of rules and what an update may
not change. Of a VolumeAttachment's inline volume spec only the inline rules, the access modes, the count of
volume sources and the CSI source's driver and handle are checked (the other sources' details are not)."""

from __future__ import annotations

from typing import Any

from aiokube.apiserver.errors import FieldErrors
from aiokube.apiserver.registry.validation import fields as f
from aiokube.apiserver.registry.validation.claimspec import access_modes
from aiokube.apiserver.registry.validation.core import PV_SOURCES
from aiokube.apiserver.registry.validation.objectmeta import is_dns1123_subdomain, is_qualified_name

Obj = dict[str, Any]

_RECLAIM_POLICIES = ["Delete", "Retain"]
_BINDING_MODES = ["Immediate", "WaitForFirstConsumer"]
_FS_GROUP_POLICIES = ["File", "None", "ReadWriteOnceWithFSType"]
_LIFECYCLE_MODES = ["Persistent", "Ephemeral"]
_MAX_PARAMETERS = 512
_MAX_PARAMETERS_SIZE = 256 * 1024
_MAX_METADATA_SIZE = 256 * 1024
_NODE_ID_MAX = 256
_INLINE = "may not be specified in the context of inline volumes"
_ONE_SOURCE = "must specify exactly one of inlineVolumeSpec and persistentVolumeName"


def _provisioner(name: str, path: str, errs: FieldErrors) -> None:
    """validateProvisioner: a qualified name once lower-cased (StorageClass provisioner, VAC driverName)."""
    if not name:
        errs.required(path)
        return
    for msg in is_qualified_name(name.lower()):
        errs.invalid(path, name.lower(), msg)


def _parameters(params: Any, allow_empty: bool, path: str, errs: FieldErrors) -> None:
    """validateParameters: at most 512 entries of 256 KiB in all, no empty key."""
    params = params if isinstance(params, dict) else {}
    if len(params) > _MAX_PARAMETERS:
        errs.too_long(path, _MAX_PARAMETERS)
        return
    size = 0
    for key, value in params.items():
        if not key:
            errs.invalid(path, key, "field can not be empty.")
        size += len(key) + len(value if isinstance(value, str) else "")
    if size > _MAX_PARAMETERS_SIZE:
        errs.too_long(path, _MAX_PARAMETERS_SIZE)
    if not allow_empty and not params:
        errs.required(path, "must contain at least one key/value pair")


def _topology_term(term: Obj, path: str, errs: FieldErrors) -> dict[str, frozenset[str]]:
    """ValidateTopologySelectorTerm: each requirement's values given and unique, its key a label name, keys
    unique; returns the term as key → value set (a repeated key keeps its last values)."""
    keyed: dict[str, frozenset[str]] = {}
    for i, rq in enumerate(f.list_at(term, "matchLabelExpressions")):
        rpath = f"{path}.matchLabelExpressions[{i}]"
        values = f.list_at(rq, "values")
        if not values:
            errs.required(f"{rpath}.values")
        f.duplicates(values, f"{rpath}.values", errs)
        key = rq.get("key", "")
        f.qualified_name(key, f"{rpath}.key", errs)
        if key in keyed:
            errs.duplicate(f"{rpath}.key", key)
        keyed[key] = frozenset(values)
    return keyed


def _allowed_topologies(terms: list[Any], errs: FieldErrors) -> None:
    """validateAllowedTopologies: no term equal to an earlier one. kube's list of earlier terms starts with one
    empty entry per term, so a term without expressions is reported once per term before it as well."""
    earlier: list[dict[str, frozenset[str]]] = [{} for _ in terms]
    for i, term in enumerate(terms):
        path = f"allowedTopologies[{i}]"
        keyed = _topology_term(term if isinstance(term, dict) else {}, path, errs)
        for other in earlier:
            if other == keyed:
                errs.duplicate(f"{path}.matchLabelExpressions", "")
        earlier.append(keyed)


def validate_storage_class(obj: Obj, old: Obj | None, errs: FieldErrors) -> None:
    """ValidateStorageClass, and on update ValidateStorageClassUpdate after it."""
    _provisioner(obj.get("provisioner", ""), "provisioner", errs)
    _parameters(obj.get("parameters"), True, "parameters", errs)
    policy = obj.get("reclaimPolicy")
    if policy and policy not in _RECLAIM_POLICIES:
        errs.not_supported("reclaimPolicy", policy, _RECLAIM_POLICIES)
    mode = obj.get("volumeBindingMode")
    if mode is None:
        errs.required("volumeBindingMode")
    elif mode not in _BINDING_MODES:
        errs.not_supported("volumeBindingMode", mode, _BINDING_MODES)
    _allowed_topologies(f.list_at(obj, "allowedTopologies"), errs)
    if old is not None:
        for key in ("parameters", "provisioner", "reclaimPolicy", "volumeBindingMode"):
            if not f.semantic_equal(obj.get(key), old.get(key)):
                errs.invalid(key, obj.get(key), f.IMMUTABLE_MSG)


# --- CSIDriver ------------------------------------------------------------------------------------------------


def _token_requests(requests: list[Any], errs: FieldErrors) -> None:
    """validateTokenRequests: unique audiences, expirations between ten minutes and 2^32 seconds."""
    audiences: set[str] = set()
    for i, request in enumerate(requests):
        path = f"spec.tokenRequests[{i}]"
        audience = request.get("audience", "") if isinstance(request, dict) else ""
        if audience in audiences:
            errs.duplicate(f"{path}.audience", audience)
            continue
        audiences.add(audience)
        seconds = request.get("expirationSeconds") if isinstance(request, dict) else None
        if not isinstance(seconds, int):
            continue
        if seconds < 600:
            errs.invalid(f"{path}.expirationSeconds", seconds, "may not specify a duration less than 10 minutes")
        if seconds > 1 << 32:
            errs.invalid(f"{path}.expirationSeconds", seconds, "may not specify a duration larger than 2^32 seconds")


def _csi_driver_spec(spec: Obj, errs: FieldErrors) -> None:
    """validateCSIDriverSpec (kube names attachRequired's path ``attachedRequired``; seLinuxMount is required
    with SELinuxMountReadWriteOncePod GA, preventPodSchedulingIfMissing is not with VolumeLimitScaling off)."""
    for key, path in (("attachRequired", "attachedRequired"), ("podInfoOnMount", "podInfoOnMount"),
                      ("storageCapacity", "storageCapacity")):  # fmt: skip
        if spec.get(key) is None:
            errs.required(f"spec.{path}")
    policy = spec.get("fsGroupPolicy")
    if policy is not None and policy not in _FS_GROUP_POLICIES:
        errs.not_supported("spec.fsGroupPolicy", policy, _FS_GROUP_POLICIES)
    requests = f.list_at(spec, "tokenRequests")
    _token_requests(requests, errs)
    for mode in f.list_at(spec, "volumeLifecycleModes"):
        if mode not in _LIFECYCLE_MODES:
            errs.not_supported("spec.volumeLifecycleModes", mode, _LIFECYCLE_MODES)
    if spec.get("seLinuxMount") is None:
        errs.required("spec.seLinuxMount")
    period = spec.get("nodeAllocatableUpdatePeriodSeconds")
    if isinstance(period, int) and period < 10:
        errs.invalid("spec.nodeAllocatableUpdatePeriodSeconds", period, "must be greater than or equal to 10 seconds")
    in_secrets = spec.get("serviceAccountTokenInSecrets")
    if in_secrets is not None and not requests:
        msg = "serviceAccountTokenInSecrets is set but no tokenRequests are specified"
        errs.invalid("spec.serviceAccountTokenInSecrets", in_secrets, msg)


def validate_csi_driver(obj: Obj, old: Obj | None, errs: FieldErrors) -> None:
    """ValidateCSIDriver / ValidateCSIDriverUpdate: only attachRequired and volumeLifecycleModes are fixed."""
    spec = f.obj_at(obj, "spec")
    _csi_driver_spec(spec, errs)
    if old is None:
        return
    old_spec = f.obj_at(old, "spec")
    for key, path in (("attachRequired", "spec.attachedRequired"),
                      ("volumeLifecycleModes", "spec.volumeLifecycleModes")):  # fmt: skip
        if not f.semantic_equal(spec.get(key), old_spec.get(key)):
            errs.invalid(path, spec.get(key), f.IMMUTABLE_MSG)


# --- CSINode --------------------------------------------------------------------------------------------------


def _csi_node_driver(driver: Obj, names: set[str], path: str, errs: FieldErrors) -> None:
    """validateCSINodeDriver: a driver name, a node ID of 1-256 characters, a non-negative volume count, a name
    not seen before, topology keys that are unique qualified names (reported on the driver's path)."""
    name = driver.get("name", "")
    f.csi_driver_name(name, f"{path}.name", errs)
    node_id = driver.get("nodeID", "")
    if not node_id:
        errs.required(f"{path}.nodeID")
    if len(node_id) > _NODE_ID_MAX:
        errs.invalid(f"{path}.nodeID", node_id, f"must be {_NODE_ID_MAX} characters or less")
    f.nonnegative(f.obj_at(driver, "allocatable").get("count"), f"{path}.allocatable.count", errs)
    if name in names:
        errs.duplicate(f"{path}.name", name)
    names.add(name)
    keys: set[str] = set()
    for key in f.list_at(driver, "topologyKeys"):
        if not key:
            errs.required(path)
        if key in keys:
            errs.duplicate(path, key)
        keys.add(key)
        f.qualified_name(key, path, errs)


def validate_csi_node(obj: Obj, old: Obj | None, errs: FieldErrors) -> None:
    """ValidateCSINode / ValidateCSINodeUpdate: a driver kept by name may change only its allocatable count
    (MutableCSINodeAllocatableCount, GA); kube prints the changed driver as its internal struct."""
    drivers = f.list_at(f.obj_at(obj, "spec"), "drivers")
    names: set[str] = set()
    for i, driver in enumerate(drivers):
        _csi_node_driver(driver if isinstance(driver, dict) else {}, names, f"spec.drivers[{i}]", errs)
    if old is None:
        return
    for before in f.list_at(f.obj_at(old, "spec"), "drivers"):
        for after in drivers:
            if before.get("name") != after.get("name"):
                continue
            strip = ("name", "nodeID", "topologyKeys")
            if not f.semantic_equal({k: after.get(k) for k in strip}, {k: before.get(k) for k in strip}):
                value = f.go_struct(("Name", after.get("name", "")), ("NodeID", after.get("nodeID", "")),
                                    ("TopologyKeys", after.get("topologyKeys")), ("Allocatable", None))  # fmt: skip
                errs.invalid("spec.drivers", value, f.IMMUTABLE_MSG)


# --- VolumeAttachment -----------------------------------------------------------------------------------------


def _inline_volume_spec(spec: Obj, path: str, errs: FieldErrors) -> None:
    """ValidatePersistentVolumeSpec for an inline volume: no claimRef, capacity, node affinity or class, a CSI
    source, access modes, Retain only, Filesystem only, exactly one volume source."""
    if spec.get("claimRef") is not None:
        errs.forbidden(f"{path}.claimRef", _INLINE)
    if spec.get("capacity"):
        errs.forbidden(f"{path}.capacity", _INLINE)
    if spec.get("csi") is None:
        errs.required(f"{path}.csi", "has to be specified in the context of inline volumes")
    access_modes(f.list_at(spec, "accessModes"), f"{path}.accessModes", errs, "")
    policy = spec.get("persistentVolumeReclaimPolicy", "")
    if policy and policy != "Retain":
        errs.forbidden(f"{path}.persistentVolumeReclaimPolicy", "may only be Retain in the context of inline volumes")
    if spec.get("nodeAffinity") is not None:
        errs.forbidden(f"{path}.nodeAffinity", _INLINE)
    sources = [key for key in PV_SOURCES if spec.get(key) is not None]
    for i, key in enumerate(sources):
        if i:
            errs.forbidden(f"{path}.{key}", "may not specify more than 1 volume type")
        elif key == "csi":
            csi = f.obj_at(spec, "csi")
            f.csi_driver_name(csi.get("driver", ""), f"{path}.csi.driver", errs)
            if not csi.get("volumeHandle"):
                errs.required(f"{path}.csi.volumeHandle")
    if not sources:
        errs.required(path, "must specify a volume type")
    if spec.get("storageClassName"):
        errs.forbidden(f"{path}.storageClassName", _INLINE)
    mode = spec.get("volumeMode")
    if mode is not None and mode != "Filesystem":
        msg = "may not specify volumeMode other than Filesystem in the context of inline volumes"
        errs.forbidden(f"{path}.volumeMode", msg)


def _volume_error(error: Any, path: str, errs: FieldErrors) -> None:
    """validateVolumeError (kube's limit in the message is the metadata's, 256 KiB, not the 1024 it checks)."""
    if not isinstance(error, dict):
        return
    if len(error.get("message", "")) > 1024:
        errs.too_long(f"{path}.message", _MAX_METADATA_SIZE)
    code = error.get("errorCode")
    if isinstance(code, int) and code < 0:
        errs.invalid(f"{path}.errorCode", code, f.inclusive_range_error(0, f.MAX_INT32))


def _attachment_spec_struct(spec: Obj) -> dict[str, Any]:
    """The internal VolumeAttachmentSpec as kube prints it (an inline spec is printed in its v1 form here)."""
    source = f.obj_at(spec, "source")
    return f.go_struct(
        ("Attacher", spec.get("attacher", "")),
        ("Source", f.go_struct(("PersistentVolumeName", source.get("persistentVolumeName")),
                               ("InlineVolumeSpec", source.get("inlineVolumeSpec")))),
        ("NodeName", spec.get("nodeName", "")),
    )  # fmt: skip


def validate_volume_attachment(obj: Obj, old: Obj | None, errs: FieldErrors) -> None:
    """ValidateVolumeAttachment / ValidateVolumeAttachmentUpdate: an attacher, exactly one source, a node name,
    a bounded status; on update the spec is fixed."""
    spec = f.obj_at(obj, "spec")
    f.csi_driver_name(spec.get("attacher", ""), "spec.attacher", errs)
    source = f.obj_at(spec, "source")
    pv_name, inline = source.get("persistentVolumeName"), source.get("inlineVolumeSpec")
    if pv_name is None and inline is None:
        errs.required("spec.source", _ONE_SOURCE)
    elif pv_name is not None and inline is not None:
        errs.forbidden("spec.source", _ONE_SOURCE)
    elif pv_name is not None:
        if not pv_name:
            errs.required("spec.source.persistentVolumeName", "must specify non empty persistentVolumeName")
    else:
        _inline_volume_spec(inline if isinstance(inline, dict) else {}, "spec.source.inlineVolumeSpec", errs)
    node = spec.get("nodeName", "")
    for msg in is_dns1123_subdomain(node):
        errs.invalid("spec.nodeName", node, msg)
    status = f.obj_at(obj, "status")
    metadata = f.obj_at(status, "attachmentMetadata")
    if sum(len(k) + len(v if isinstance(v, str) else "") for k, v in metadata.items()) > _MAX_METADATA_SIZE:
        errs.too_long("status.attachmentMetadata", _MAX_METADATA_SIZE)
    _volume_error(status.get("attachError"), "status.attachError", errs)
    _volume_error(status.get("detachError"), "status.detachError", errs)
    if isinstance(pv_name, str):
        for msg in is_dns1123_subdomain(pv_name):
            errs.invalid("spec.source.persistentVolumeName", pv_name, msg)
    if old is not None and not f.semantic_equal(spec, f.obj_at(old, "spec")):
        errs.invalid("spec", _attachment_spec_struct(spec), f.IMMUTABLE_MSG)


# --- VolumeAttributesClass and CSIStorageCapacity -------------------------------------------------------------


def validate_volume_attributes_class(obj: Obj, old: Obj | None, errs: FieldErrors) -> None:
    """ValidateVolumeAttributesClass(Update): a driver name and parameters, both fixed once created (the update's
    Forbidden errors come before the object's own)."""
    if old is not None:
        if obj.get("driverName", "") != old.get("driverName", ""):
            errs.forbidden("driverName", "updates to driverName are forbidden.")
        if obj.get("parameters") != old.get("parameters"):
            errs.forbidden("parameters", "updates to parameters are forbidden.")
    _provisioner(obj.get("driverName", ""), "driverName", errs)
    _parameters(obj.get("parameters"), False, "parameters", errs)


def validate_csi_storage_capacity(obj: Obj, old: Obj | None, errs: FieldErrors) -> None:
    """ValidateCSIStorageCapacity(Update): a valid node topology selector (an update tolerates the bad label
    values the old one had), a class name, a non-negative capacity; topology and class are fixed."""
    strict = old is None or f.selector_values_valid(old.get("nodeTopology"))
    f.label_selector(obj.get("nodeTopology"), "nodeTopology", errs, strict_values=strict)
    name = obj.get("storageClassName", "")
    for msg in is_dns1123_subdomain(name):
        errs.invalid("storageClassName", name, msg)
    f.nonnegative_quantity(obj.get("capacity"), "capacity", errs)
    if old is None:
        return
    if not f.semantic_equal(obj.get("nodeTopology"), old.get("nodeTopology")):
        errs.invalid("nodeTopology", obj.get("nodeTopology"), f.IMMUTABLE_MSG)
    if name != old.get("storageClassName", ""):
        errs.invalid("storageClassName", name, f.IMMUTABLE_MSG)
