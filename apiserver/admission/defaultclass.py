"""DefaultStorageClass and DefaultIngressClass (plugin/pkg/admission/storage/storageclass/setdefault and
network/defaultingressclass): a claim or an Ingress created without a class gets the cluster's default one —
the class annotated as default, the newest if several (ties: the first name)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

Obj = dict[str, Any]

STORAGE_DEFAULT = "storageclass.kubernetes.io/is-default-class"
STORAGE_DEFAULT_BETA = "storageclass.beta.kubernetes.io/is-default-class"
INGRESS_DEFAULT = "ingressclass.kubernetes.io/is-default-class"
BETA_STORAGE_CLASS = "volume.beta.kubernetes.io/storage-class"
INGRESS_CLASS_ANNOTATION = "kubernetes.io/ingress.class"


def _annotations(obj: Obj) -> Obj:
    return (obj.get("metadata") or {}).get("annotations") or {}


def newest_default(classes: Iterable[Obj], keys: tuple[str, ...]) -> str | None:
    """GetDefaultClass: the newest class annotated ``"true"`` under one of ``keys`` (RFC 3339 timestamps in
    UTC sort as text), by name among the same second."""
    chosen: tuple[str, str] | None = None
    for cls in classes:
        if not any(_annotations(cls).get(key) == "true" for key in keys):
            continue
        md = cls["metadata"]
        created, name = md.get("creationTimestamp", ""), md.get("name", "")
        if chosen is None or created > chosen[0] or (created == chosen[0] and name < chosen[1]):
            chosen = (created, name)
    return None if chosen is None else chosen[1]


def claim_needs_class(claim: Obj) -> bool:
    """Not PersistentVolumeClaimHasClass: no class field (null, not ""), no beta annotation."""
    return (claim.get("spec") or {}).get("storageClassName") is None and BETA_STORAGE_CLASS not in _annotations(claim)


def ingress_needs_class(ingress: Obj) -> bool:
    return (ingress.get("spec") or {}).get("ingressClassName") is None and (
        INGRESS_CLASS_ANNOTATION not in _annotations(ingress)
    )
