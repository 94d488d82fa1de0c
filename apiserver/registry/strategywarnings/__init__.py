"""The warnings kube's strategies add to a write that passed validation (rest.BeforeCreate / BeforeUpdate call
WarningsOnCreate / WarningsOnUpdate): deprecated fields, labels, annotations and volume plugins, values written
in forms kube accepts but would not write, and settings that do not do what they seem to. The store records them
(registry/warningrecorder.py) and the response carries them as ``Warning`` headers, which kubectl prints.

Tables by stored group and kind; a pod's update has none (kube skips them on that busy path), nor do kinds not
listed. Custom resources warn about finalizer names, CustomResourceDefinitions about schema formats kube does not
know.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from aiokube.apiserver.apiextensions.formats import SUPPORTED_FORMATS_NORMALIZED
from aiokube.apiserver.registry.strategywarnings import kinds
from aiokube.apiserver.registry.validation import verdicts
from aiokube.apiserver.registry.validation.objectmeta import is_qualified_name

Obj = dict[str, Any]
_ADM, _STORAGE = "admissionregistration.k8s.io", "storage.k8s.io"
_ADMISSION_KINDS = (
    "ValidatingWebhookConfiguration", "MutatingWebhookConfiguration", "ValidatingAdmissionPolicy",
    "ValidatingAdmissionPolicyBinding", "MutatingAdmissionPolicy", "MutatingAdmissionPolicyBinding",
)  # fmt: skip

#: kinds whose strategies warn alike on create and update (the update's old object unused or optional)
_ALWAYS: dict[tuple[str, str], Callable[[Obj, Obj | None], list[str]]] = {
    ("", "Node"): kinds.node,
    ("", "PersistentVolume"): kinds.persistent_volume,
    ("", "PersistentVolumeClaim"): kinds.persistent_volume_claim,
    ("", "Service"): kinds.service,
    ("", "Endpoints"): kinds.endpoints,
    ("", "Secret"): kinds.secret,
    ("", "ServiceAccount"): kinds.service_account,
    ("networking.k8s.io", "NetworkPolicy"): kinds.network_policy,
    ("node.k8s.io", "RuntimeClass"): kinds.runtime_class,
    (_STORAGE, "StorageClass"): kinds.storage_class,
    (_STORAGE, "CSIStorageCapacity"): kinds.csi_storage_capacity,
    ("resource.k8s.io", "ResourceSlice"): kinds.resource_slice,
    **{(_ADM, kind): kinds.static_suffix for kind in _ADMISSION_KINDS},
}
ON_CREATE: dict[tuple[str, str], Callable[[Obj], list[str]]] = {
    ("", "Pod"): kinds.pod_on_create,
    ("", "PodTemplate"): kinds.pod_template_on_create,
    ("", "ReplicationController"): kinds.workload_on_create,
    ("apps", "Deployment"): kinds.workload_on_create,
    ("apps", "ReplicaSet"): kinds.workload_on_create,
    ("apps", "DaemonSet"): kinds.daemon_set_on_create,
    ("apps", "StatefulSet"): kinds.stateful_set_on_create,
    ("batch", "Job"): kinds.job_on_create,
    ("batch", "CronJob"): kinds.cron_job_on_create,
    ("", "ResourceQuota"): kinds.resource_quota_on_create,
    ("discovery.k8s.io", "EndpointSlice"): kinds.endpoint_slice_on_create,
    ("networking.k8s.io", "Ingress"): kinds.ingress_on_create,
    (_STORAGE, "CSIDriver"): kinds.csi_driver_on_create,
    **_ALWAYS,
}
ON_UPDATE: dict[tuple[str, str], Callable[[Obj, Obj], list[str]]] = {
    ("", "PodTemplate"): kinds.pod_template_on_update,
    ("", "ReplicationController"): kinds.replication_controller_on_update,
    ("apps", "Deployment"): kinds.workload_on_update,
    ("apps", "ReplicaSet"): kinds.workload_on_update,
    ("apps", "DaemonSet"): kinds.daemon_set_on_update,
    ("apps", "StatefulSet"): kinds.stateful_set_on_update,
    ("batch", "Job"): kinds.job_on_update,
    ("batch", "CronJob"): kinds.cron_job_on_update,
    ("discovery.k8s.io", "EndpointSlice"): kinds.endpoint_slice_on_update,
    (_STORAGE, "CSIDriver"): kinds.csi_driver_on_update,
    **_ALWAYS,
}
#: the status strategies' WarningsOnUpdate
ON_STATUS_UPDATE: dict[tuple[str, str], Callable[[Obj, Obj], list[str]]] = {
    ("", "Pod"): kinds.pod_status,
    ("", "Service"): kinds.load_balancer_status,
    ("networking.k8s.io", "Ingress"): kinds.load_balancer_status,
}


def builtin_warnings(
    group: str, kind: str, obj: Obj, old: Obj | None, status: bool = False, memo_key: verdicts.Key | None = None
) -> list[str]:
    """A built-in type's warnings for a create (``old`` None), an update, or an update through ``status``;
    ``memo_key``: the validation verdict's key, by which a pod's create remembers a spec that warns nothing."""
    if status:
        check = ON_STATUS_UPDATE.get((group, kind))
        return check(obj, old) if check is not None and old is not None else []
    if old is None and memo_key is not None and kind == "Pod" and not group:
        md = obj["metadata"]
        annotations = md.get("annotations") or {}
        spec_warnings = functools.partial(kinds.pod_spec_warnings, "", obj.get("spec") or {}, md)
        return kinds.name_warnings(obj, "the Pod's hostname") + verdicts.quiet(memo_key, annotations, spec_warnings)
    if old is None:
        create = ON_CREATE.get((group, kind))
        return create(obj) if create is not None else []
    update = ON_UPDATE.get((group, kind))
    return update(obj, old) if update is not None else []


_STANDARD_FINALIZERS = frozenset(("orphan", "foregroundDeletion", "kubernetes"))


def finalizer_warnings(obj: Obj, old: Obj | None) -> list[str]:
    """A custom resource's finalizers added by this write whose names are not domain-qualified (sorted, as
    kube's set lists them)."""
    added = set(obj["metadata"].get("finalizers") or ())
    if old is not None:
        added -= set(old["metadata"].get("finalizers") or ())
    out = []
    for name in sorted(added):
        out += [f'metadata.finalizers: "{name}": {msg}' for msg in is_qualified_name(name)]
        if "/" not in name and name not in _STANDARD_FINALIZERS:
            detail = " including a path (/)" if "." in name else ""
            out.append(
                f'metadata.finalizers: "{name}": prefer a domain-qualified finalizer name{detail} to avoid '
                "accidental conflicts with other finalizer writers"
            )
    return out


def _unrecognized_format(schema: Obj) -> str | None:
    """GetUnrecognizedFormats of one schema node."""
    fmt = schema.get("format")
    if not fmt:
        return None
    schema_type = schema.get("type", "")
    if schema_type in ("", "string"):
        known = fmt.replace("-", "") in SUPPORTED_FORMATS_NORMALIZED
    elif schema_type == "integer":
        known = fmt in ("int32", "int64")
    elif schema_type == "number":
        known = fmt in ("float", "double")
    else:
        known = False
    return None if known else fmt


def _schema_formats(schema: Any, out: list[str]) -> None:
    """SchemaHas's walk (the node, items, allOf/anyOf/oneOf, not, properties, additionalProperties, ...)."""
    if not isinstance(schema, dict):
        return
    fmt = _unrecognized_format(schema)
    if fmt is not None:
        out.append(fmt)
    items = schema.get("items")
    for sub in items if isinstance(items, list) else (items,):
        _schema_formats(sub, out)
    for key in ("allOf", "anyOf", "oneOf"):
        for sub in schema.get(key) or ():
            _schema_formats(sub, out)
    _schema_formats(schema.get("not"), out)
    for sub in (schema.get("properties") or {}).values():
        _schema_formats(sub, out)
    _schema_formats(schema.get("additionalProperties"), out)
    for sub in (schema.get("patternProperties") or {}).values():
        _schema_formats(sub, out)
    _schema_formats(schema.get("additionalItems"), out)
    for sub in (schema.get("definitions") or {}).values():
        _schema_formats(sub, out)
    for sub in (schema.get("dependencies") or {}).values():
        _schema_formats(sub, out)


def _crd_formats(crd: Obj) -> list[str]:
    out: list[str] = []
    for version in (crd.get("spec") or {}).get("versions") or ():
        _schema_formats(((version.get("schema") or {}).get("openAPIV3Schema")), out)
    return out


def crd_warnings(crd: Obj, old: Obj | None) -> list[str]:
    """Formats kube does not know in a CRD's schemas (an update: only those it introduces)."""
    known = set(_crd_formats(old)) if old is not None else set()
    return [f'unrecognized format "{fmt}"' for fmt in _crd_formats(crd) if fmt not in known]
