"""Namespace storage beyond the generic store (pkg/registry/core/namespace/storage): the two-phase delete
(Terminating first, removal once ``spec.finalizers`` is empty) and the ``kubernetes`` finalizer the
namespace controller drops as its last step."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aiokube.apiserver import errors
from aiokube.apiserver.admission.namespacelifecycle import NamespaceLifecycle
from aiokube.apiserver.registry import meta
from aiokube.apiserver.registry.options import DeleteOptions
from aiokube.apiserver.registry.resources import ResourceInfo
from aiokube.apiserver.registry.storedform import stored_form
from aiokube.storage import errors as serr
from aiokube.storage.store import Preconditions, Store

Obj = dict[str, Any]

#: the finalizer every namespace gets, removed by the namespace controller once its content is gone
KUBERNETES_FINALIZER = "kubernetes"


async def delete(
    storage: Store, info: ResourceInfo, name: str, opts: DeleteOptions, on_terminating: Callable[[str], None]
) -> Obj:
    """The namespace REST's Delete; ``on_terminating(name)`` runs once a namespace turned Terminating."""
    NamespaceLifecycle.admit_namespace_delete(name)
    key = info.key(None, name)
    try:
        existing = await storage.get(key)
    except serr.StorageError as exc:
        raise errors.from_storage(exc, info.group_resource, name) from None
    pre = opts.preconditions or Preconditions()
    if pre.uid is None:
        pre.uid = existing["metadata"].get("uid", "")

    def terminate(current: Obj | None) -> Obj:
        assert current is not None
        md = current["metadata"]
        if not md.get("deletionTimestamp"):
            md["deletionTimestamp"] = meta.now_rfc3339()
        current.setdefault("status", {})["phase"] = "Terminating"
        if opts.propagation_policy == "Orphan" or opts.orphan_dependents:
            md["finalizers"] = [*md.get("finalizers", []), "orphan"]
        return stored_form(current, info)

    try:
        if not existing["metadata"].get("deletionTimestamp"):
            updated, _ = await storage.guaranteed_update(key, terminate, preconditions=pre, dry_run=opts.dry_run)
            if not opts.dry_run:
                on_terminating(name)
            return updated
        if (existing.get("spec") or {}).get("finalizers") or existing["metadata"].get("finalizers"):
            pre.check(key, existing)
            return existing
        return await storage.delete(key, preconditions=pre, dry_run=opts.dry_run)
    except serr.PreconditionFailed as exc:
        raise errors.conflict(info.group_resource, name, exc.message) from None
    except serr.StorageError as exc:
        raise errors.from_storage(exc, info.group_resource, name) from None


def drop_kubernetes_finalizer(ns: Obj) -> None:
    """The namespace controller's last step on ``spec.finalizers`` (the store then deletes the namespace)."""
    spec = ns.setdefault("spec", {})
    spec["finalizers"] = [f for f in spec.get("finalizers", []) if f != KUBERNETES_FINALIZER]
    if not spec["finalizers"]:
        del spec["finalizers"]


def should_delete_during_update(new: Obj) -> bool:
    """A namespace being deleted goes once neither metadata.finalizers nor spec.finalizers are left."""
    return not (new.get("spec") or {}).get("finalizers")
