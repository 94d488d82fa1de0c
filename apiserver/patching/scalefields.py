"""Managed fields through the ``scale`` subresource (k8s.io/apimachinery/pkg/util/managedfields/scalehandler.go).

A write to ``.../scale`` runs the field manager on the autoscaling/v1 Scale, not on the parent: the parent's
managers that own its replicas path are shown to it as owners of the Scale's ``spec.replicas`` (so an apply to
the Scale conflicts with them), and what it records goes back to the parent as ownership of the replicas path
at the parent's version. Kube carries each entry's time over from the parent's entry of the same identifier,
which a manager writing through the Scale never has (an Update's identifier names autoscaling/v1): entries
written through ``scale`` have no time.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiokube.apiserver.patching.fieldpath import FieldSet, Path, field_pe
from aiokube.apiserver.patching.managedfields import (
    Managed,
    Times,
    VersionedSet,
    decode_managed_fields,
    encode_managed_fields,
)

Obj = dict[str, Any]

SCALE_VERSION = "autoscaling/v1"
REPLICAS_IN_SCALE: Path = (field_pe("spec"), field_pe("replicas"))
#: apiVersion -> the replicas path of the parent at that version (None: that version has no scale subresource)
Mappings = Mapping[str, Path | None]


def replicas_path(dotted: str) -> Path:
    """A CRD's ``specReplicasPath`` (``.spec.replicas``) as a field path."""
    return tuple(field_pe(part) for part in dotted.strip(".").split(".") if part)


def to_subresource(parent_entries: Any, mappings: Mappings) -> list[Obj]:
    """ScaleHandler.ToSubresource: the parent's entries that own its replicas, as owners of the Scale's."""
    managed, times = decode_managed_fields(parent_entries)
    out: Managed = {}
    out_times: Times = {}
    for mid, vs in managed.items():
        path = mappings.get(vs.api_version)
        if path is not None and path in vs.set:
            out[mid] = VersionedSet(FieldSet((REPLICAS_IN_SCALE,)), SCALE_VERSION, vs.applied)
            out_times[mid] = times.get(mid)
    return encode_managed_fields(out, out_times)


def to_parent(parent_entries: Any, scale_entries: Any, mappings: Mappings, api_version: str) -> list[Obj]:
    """ScaleHandler.ToParent: the parent's entries with the Scale's ownership of replicas merged back at
    ``api_version`` (the request's). Parent entries of versions the mappings do not know are dropped."""
    parent, parent_times = decode_managed_fields(parent_entries)
    scale, _ = decode_managed_fields(scale_entries)
    out: Managed = {}
    out_times: Times = {}
    for mid, vs in parent.items():
        if vs.api_version not in mappings:
            continue
        path = mappings[vs.api_version]
        if path is None or path not in vs.set or mid in scale:  # kept as it is
            out[mid] = vs
            out_times[mid] = parent_times.get(mid)
            if path is not None and path in vs.set:
                del scale[mid]
            continue
        rest = vs.set - FieldSet((path,))  # the Scale's managers took the replicas
        if rest:
            out[mid] = VersionedSet(rest, vs.api_version, vs.applied)
            out_times[mid] = parent_times.get(mid)
    own = mappings.get(api_version)
    for mid, vs in scale.items():
        if REPLICAS_IN_SCALE not in vs.set or own is None:
            continue
        out[mid] = VersionedSet(FieldSet((own,)), api_version, vs.applied)
        out_times[mid] = parent_times.get(mid)
    return encode_managed_fields(out, out_times)
