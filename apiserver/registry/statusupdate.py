"""What a write through the ``status`` subresource changes: kube's status strategies, per kind
(pkg/registry/<group>/<type>/strategy.go: each ``...StatusStrategy``'s PrepareForUpdate and GetResetFields).

A status write takes the request's status and metadata and keeps the stored spec (every top-level field but
status). Most kinds let it change labels, annotations, finalizers and owner references too (kube's generic
status strategies only copy the spec back); some keep part or all of the stored metadata: a Deployment its
labels, a Pod its owner references (old kubelets corrupted them), the newer kinds everything
``metav1.ResetObjectMetaForStatus`` resets, FlowSchemas and PriorityLevelConfigurations all of it, and a custom
resource everything but its status. The reset fields are these rules for the field manager: what a status
writer never owns (a custom resource's: its spec and metadata).
"""

from __future__ import annotations

from typing import Any

from aiokube.apiserver.patching import managedfields as mf
from aiokube.apiserver.patching.fieldpath import FieldSet
from aiokube.apiserver.registry.meta import copy_object, now_rfc3339
from aiokube.apiserver.registry.resources import ResourceInfo

Obj = dict[str, Any]

#: metav1.ResetObjectMetaForStatus: the metadata a status write of the newer kinds keeps from the stored object
_RESET_FOR_STATUS = ("labels", "annotations", "finalizers", "ownerReferences")
#: the whole stored metadata (but managed fields)
_ALL = ("*",)
_NET = "networking.k8s.io"
_FLOW = "flowcontrol.apiserver.k8s.io"
_RESOURCE = "resource.k8s.io"

#: (group, kind) -> the metadata a status write keeps from the stored object (default: none)
_KEPT_METADATA: dict[tuple[str, str], tuple[str, ...]] = {
    ("", "Pod"): ("ownerReferences",),
    ("apps", "Deployment"): ("labels",),
    ("admissionregistration.k8s.io", "ValidatingAdmissionPolicy"): _RESET_FOR_STATUS,
    ("admissionregistration.k8s.io", "MutatingAdmissionPolicy"): _RESET_FOR_STATUS,
    ("internal.apiserver.k8s.io", "StorageVersion"): _RESET_FOR_STATUS,
    ("certificates.k8s.io", "PodCertificateRequest"): _RESET_FOR_STATUS,
    (_NET, "ServiceCIDR"): _RESET_FOR_STATUS,
    (_RESOURCE, "DeviceTaintRule"): _RESET_FOR_STATUS,
    (_RESOURCE, "ResourceClaim"): _RESET_FOR_STATUS,
    (_RESOURCE, "ResourcePoolStatusRequest"): _RESET_FOR_STATUS,
    ("scheduling.k8s.io", "PodGroup"): _RESET_FOR_STATUS,
    ("storage.k8s.io", "VolumeAttachment"): _RESET_FOR_STATUS,
    ("storagemigration.k8s.io", "StorageVersionMigration"): _RESET_FOR_STATUS,
    (_FLOW, "FlowSchema"): _ALL,
    (_FLOW, "PriorityLevelConfiguration"): _ALL,
}

#: (group, kind) -> the status strategy's GetResetFields beyond ``spec`` (a kind not listed: ``spec`` only)
_RESET_FIELDS: dict[tuple[str, str], tuple[str, ...]] = {
    ("", "Pod"): ("spec", "metadata.deletionTimestamp", "metadata.ownerReferences"),
    ("apps", "Deployment"): ("spec", "metadata.labels"),
    ("certificates.k8s.io", "CertificateSigningRequest"): ("spec", "status.conditions"),
    ("certificates.k8s.io", "PodCertificateRequest"): ("spec",),
    **{key: ("spec", "metadata") for key, kept in _KEPT_METADATA.items() if kept in (_RESET_FOR_STATUS, _ALL)},
}


def status_update(new: Obj, old: Obj, info: ResourceInfo) -> Obj:
    """The object a status write stores: ``new``'s status and (most of) its metadata on ``old``'s spec; managed
    fields are the request's (the field manager's, for server-side apply). Both in storage form."""
    st = info.stored_as
    out = copy_object(old)
    if "status" in new:
        out["status"] = new["status"]
    else:
        out.pop("status", None)
    new_md, old_md = new["metadata"], old["metadata"]
    kept = _KEPT_METADATA.get((st.group, st.kind), ()) if st.builtin else _ALL
    if kept is not _ALL:
        md = dict(new_md)
        for key in kept:
            if key in old_md:
                md[key] = old_md[key]
            else:
                md.pop(key, None)
        out["metadata"] = md
    if "managedFields" in new_md:
        out["metadata"]["managedFields"] = new_md["managedFields"]
    else:
        out["metadata"].pop("managedFields", None)
    if st.builtin and st.kind == "Pod" and not st.group:
        _keep_pod_status(out, old)
    if st.builtin and st.kind == "Node" and not st.group:
        _drop_node_config(out, old)
    if st.builtin and (st.group, st.kind) == ("certificates.k8s.io", "CertificateSigningRequest"):
        _keep_csr_approval(out, old)
    return out


def _keep_csr_approval(new: Obj, old: Obj) -> None:
    """csrStatusStrategy: the Approved and Denied conditions stay the stored ones (when there are as many: a
    different number is refused by validation), and conditions without times get them."""
    status = new.get("status")
    if not isinstance(status, dict) or not isinstance(status.get("conditions"), list):
        return
    conditions = status["conditions"] = list(status["conditions"])
    old_conditions = (old.get("status") or {}).get("conditions") or []
    for kind in ("Approved", "Denied"):
        at = [i for i, c in enumerate(conditions) if isinstance(c, dict) and c.get("type") == kind]
        stored = [c for c in old_conditions if isinstance(c, dict) and c.get("type") == kind]
        if len(at) == len(stored):
            for i, condition in zip(at, stored, strict=True):
                conditions[i] = condition
    fill_condition_times(conditions, old_conditions)


def fill_condition_times(conditions: Any, old_conditions: Any) -> None:
    """populateConditionTimestamps (a CSR's status and approval writes): a condition without lastUpdateTime gets
    now; without lastTransitionTime, that of a stored condition of the same type and status, or now."""
    if not isinstance(conditions, list):
        return
    now = now_rfc3339()
    for condition in conditions:
        if not isinstance(condition, dict):
            continue
        if not condition.get("lastUpdateTime"):
            condition["lastUpdateTime"] = now
        if not condition.get("lastTransitionTime"):
            condition["lastTransitionTime"] = next(
                (c["lastTransitionTime"] for c in old_conditions or () if isinstance(c, dict)
                 and (c.get("type"), c.get("status")) == (condition.get("type"), condition.get("status"))
                 and c.get("lastTransitionTime")),
                now,
            )  # fmt: skip


def _drop_node_config(new: Obj, old: Obj) -> None:
    """nodeStatusStrategy: ``status.config`` (of the removed dynamic kubelet configuration) stays only on a
    node that has one."""
    status = new.get("status")
    if isinstance(status, dict) and "config" in status and "config" not in (old.get("status") or {}):
        status.pop("config")


def _keep_pod_status(new: Obj, old: Obj) -> None:
    """podStatusStrategy: the QoS class is immutable, an unset observedGeneration (of the status or a
    condition of the same type, in order) keeps the stored one, and node-allocatable resource claim statuses
    are dropped unless the stored status has some (DRANodeAllocatableResources is off in 1.36)."""
    status = new.get("status")
    old_status = old.get("status") or {}
    if not isinstance(status, dict):
        return
    if status.get("nodeAllocatableResourceClaimStatuses") is not None:
        if not old_status.get("nodeAllocatableResourceClaimStatuses"):
            status.pop("nodeAllocatableResourceClaimStatuses")
    if not status.get("qosClass") and old_status.get("qosClass"):
        status["qosClass"] = old_status["qosClass"]
    if not status.get("observedGeneration") and old_status.get("observedGeneration"):
        status["observedGeneration"] = old_status["observedGeneration"]
    remembered: dict[Any, list[Any]] = {}
    for condition in old_status.get("conditions") or ():
        if isinstance(condition, dict):
            remembered.setdefault(condition.get("type"), []).append(condition.get("observedGeneration"))
    for condition in status.get("conditions") or ():
        if not isinstance(condition, dict):
            continue
        generations = remembered.get(condition.get("type")) or [None]
        previous = generations.pop(0)
        if not condition.get("observedGeneration") and previous:
            condition["observedGeneration"] = previous


def reset_fields(info: ResourceInfo) -> FieldSet:
    """The fields a status writer never owns (the status strategy's GetResetFields)."""
    st = info.stored_as
    paths = _RESET_FIELDS.get((st.group, st.kind), ("spec",)) if st.builtin else ("spec", "metadata")
    return mf.reset_field_set(paths)
