"""Fields of features kube 1.36 leaves off by default, which its strategies drop from what is written unless the
stored object already uses them (DropDisabledPodFields, DropDisabledTemplateFields, the ResourceSlice strategy's
drops): a container's stop signal (ContainerStopSignals), a pod's scheduling group (GenericWorkload), projected
clusterTrustBundle and podCertificate sources (ClusterTrustBundleProjection, PodCertificateRequest), a
ResourceSlice device's list-typed attribute values and node allocatable resource mappings
(DRAListTypeAttributes, DRANodeAllocatableResources)."""

from __future__ import annotations

from typing import Any

Obj = dict[str, Any]

_LIST_VALUES = ("bools", "ints", "strings", "versions")
#: (group, kind) → the keys from the object to its pod spec (pods, and the pod templates kube's strategies drop from)
_POD_SPECS: dict[tuple[str, str], tuple[str, ...]] = {
    ("", "Pod"): ("spec",),
    ("", "PodTemplate"): ("template", "spec"),
    ("", "ReplicationController"): ("spec", "template", "spec"),
    **{("apps", kind): ("spec", "template", "spec") for kind in ("Deployment", "ReplicaSet", "StatefulSet")},
    ("apps", "DaemonSet"): ("spec", "template", "spec"),
    ("batch", "Job"): ("spec", "template", "spec"),
    ("batch", "CronJob"): ("spec", "jobTemplate", "spec", "template", "spec"),
}


def drop_disabled(new: Obj, old: Obj | None, group: str, kind: str) -> None:
    """Drop, in place, what kube 1.36's strategy for ``kind`` drops from a create (``old`` None) or an update."""
    keys = _POD_SPECS.get((group, kind))
    if keys is not None:
        spec = _at(new, keys)
        if spec is not None:
            _drop_pod_spec_fields(spec, _at(old, keys) if old is not None else None)
    elif (group, kind) == ("resource.k8s.io", "ResourceSlice"):
        _drop_resource_slice_fields(new, old)


def _at(obj: Obj | None, keys: tuple[str, ...]) -> Obj | None:
    for key in keys:
        obj = obj.get(key) if isinstance(obj, dict) else None
    return obj if isinstance(obj, dict) else None


def _containers(spec: Obj | None) -> list[Obj]:
    return [c for key in ("initContainers", "containers", "ephemeralContainers")
            for c in (spec or {}).get(key) or () if isinstance(c, dict)]  # fmt: skip


def _sources(spec: Obj | None) -> list[Obj]:
    return [s for v in (spec or {}).get("volumes") or () if isinstance(v, dict)
            for s in ((v.get("projected") or {}).get("sources") or ()) if isinstance(s, dict)]  # fmt: skip


def _drop_pod_spec_fields(spec: Obj, old: Obj | None) -> None:
    # each list built once, the old object's only when there is one (an admitted pod's create: 3.6 -> 2.3 us,
    # bench/results/session9_changes)
    if old is None or not any((c.get("lifecycle") or {}).get("stopSignal") is not None for c in _containers(old)):
        for c in _containers(spec):
            lifecycle = c.get("lifecycle")
            if isinstance(lifecycle, dict) and lifecycle.pop("stopSignal", None) is not None and not lifecycle:
                del c["lifecycle"]
    sources = _sources(spec)
    if sources:
        old_sources = _sources(old) if old is not None else ()
        for key in ("clusterTrustBundle", "podCertificate"):
            if not any(s.get(key) is not None for s in old_sources):
                for source in sources:
                    source.pop(key, None)
    if (old or {}).get("schedulingGroup") is None:
        spec.pop("schedulingGroup", None)


def _devices(obj: Obj | None) -> list[Obj]:
    devices = ((obj or {}).get("spec") or {}).get("devices") or []
    return [d for d in devices if isinstance(d, dict)]


def _uses_list_values(obj: Obj | None) -> bool:
    return any(isinstance(a, dict) and any(a.get(k) is not None for k in _LIST_VALUES)
               for d in _devices(obj) for a in (d.get("attributes") or {}).values())  # fmt: skip


def _drop_resource_slice_fields(new: Obj, old: Obj | None) -> None:
    if not any(d.get("nodeAllocatableResourceMappings") for d in _devices(old)):
        for device in _devices(new):
            device.pop("nodeAllocatableResourceMappings", None)
    if not _uses_list_values(old):
        for device in _devices(new):
            for attribute in (device.get("attributes") or {}).values():
                if isinstance(attribute, dict):
                    for key in _LIST_VALUES:
                        attribute.pop(key, None)
