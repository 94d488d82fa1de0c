"""Pod storage beyond the generic store (pkg/registry/core/pod/storage): the ``binding`` subresource and
graceful deletion (the pod strategy's CheckGracefulDelete)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from aiokube.apiserver import errors
from aiokube.apiserver.errors import FieldErrors, GroupKind
from aiokube.apiserver.registry import meta
from aiokube.apiserver.registry.options import DeleteOptions
from aiokube.apiserver.registry.resources import ResourceInfo
from aiokube.apiserver.registry.storedform import restored_form, stored_form
from aiokube.storage import errors as serr
from aiokube.storage.store import Preconditions, Store

Obj = dict[str, Any]


async def bind(storage: Store, info: ResourceInfo, namespace: str, name: str, binding: Any, dry_run: bool) -> None:
    """BindingREST.Create: set spec.nodeName and the PodScheduled condition of pod ``name``."""
    if not isinstance(binding, dict) or binding.get("kind", "Binding") != "Binding":
        raise errors.bad_request("decoded object cannot be converted to Binding")
    target = (binding.get("target") or {}).get("name", "")
    bmeta = binding.get("metadata") or {}
    if bmeta.get("name", name) != name:
        raise errors.bad_request(
            f"the name of the object ({bmeta.get('name')}) does not match the name on the URL ({name})"
        )
    if not target:
        errs = FieldErrors()
        errs.required("target.name")
        raise errors.invalid(GroupKind("", "Binding"), name, errs.causes)
    now = meta.now_rfc3339()

    def assign(pod: Obj | None) -> Obj:
        assert pod is not None
        md, spec = pod["metadata"], pod.setdefault("spec", {})
        if md.get("deletionTimestamp"):
            raise errors.conflict(
                info.group_resource, name, f"pod {name} is being deleted, cannot be assigned to a host"
            )
        if spec.get("nodeName"):
            raise errors.conflict(
                info.group_resource, name, f'pod {name} is already assigned to node "{spec["nodeName"]}"'
            )
        if spec.get("schedulingGates"):
            raise errors.conflict(info.group_resource, name, f"pod {name} has non-empty .spec.schedulingGates")
        spec["nodeName"] = target
        if bmeta.get("annotations"):
            md.setdefault("annotations", {}).update(bmeta["annotations"])
        status = pod.setdefault("status", {})
        conds = [c for c in status.get("conditions") or [] if c.get("type") != "PodScheduled"]
        conds.append({"type": "PodScheduled", "status": "True", "lastProbeTime": None, "lastTransitionTime": now})
        status["conditions"] = conds
        return stored_form(pod, info)

    try:
        await storage.guaranteed_update(info.key(namespace, name), assign, dry_run=dry_run)
    except serr.StorageError as exc:
        raise errors.from_storage(exc, info.group_resource, name) from None


def grace_period(pod: Obj, opts: DeleteOptions) -> int:
    """pod strategy CheckGracefulDelete: options, else the pod's own period; 0 when unscheduled/done."""
    spec = pod.get("spec") or {}
    grace = opts.grace_period_seconds
    if grace is None:
        grace = spec.get("terminationGracePeriodSeconds", 30)
    if not spec.get("nodeName") or (pod.get("status") or {}).get("phase") in ("Failed", "Succeeded"):
        grace = 0
    return 1 if grace < 0 else int(grace)


async def delete_gracefully(
    storage: Store,
    info: ResourceInfo,
    key: str,
    name: str,
    existing: Obj,
    opts: DeleteOptions,
    check: Callable[[Obj | None], None] | None = None,
) -> Obj | None:
    """rest.BeforeDelete for pods: deletionTimestamp = now + grace; with grace 0 the pod is removed right
    after (watchers see MODIFIED then DELETED). None: continue with the normal deletion. ``check``: when
    ``existing`` is the watch cache's object, raises unless the object given to it is that same state (the
    decisions here were made on it); called before every write and before answering without one."""
    grace = grace_period(existing, opts)
    md = existing["metadata"]
    if md.get("deletionTimestamp") and grace and grace >= (md.get("deletionGracePeriodSeconds") or 0):
        if check is not None:
            check(None)  # an answer without a write: decided on etcd's state, not the cache's
        return existing  # already terminating, no sooner: nothing to do
    when = datetime.now(UTC) + timedelta(seconds=grace)

    def mark(current: Obj | None) -> Obj:
        assert current is not None
        if check is not None:
            check(current)
        cmd = dict(current["metadata"])  # current is read-only: the mark goes on a copy of its metadata
        if not cmd.get("deletionTimestamp") and cmd.get("generation", 0) > 0:
            cmd["generation"] += 1
        cmd["deletionTimestamp"] = when.strftime("%Y-%m-%dT%H:%M:%SZ")
        cmd["deletionGracePeriodSeconds"] = grace
        return restored_form({**current, "metadata": cmd}, info)

    try:
        # reads_only: no private copy of the pod (its decode was ~9% of a pod's DELETE)
        updated, _ = await storage.guaranteed_update(
            key, mark, preconditions=opts.preconditions, dry_run=opts.dry_run, cached=existing, reads_only=True
        )
        if grace > 0 or updated["metadata"].get("finalizers"):
            return updated
        rv = updated["metadata"].get("resourceVersion")
        return await storage.delete(
            key,
            preconditions=Preconditions(resource_version=rv) if rv else None,
            dry_run=opts.dry_run,
            known=updated if rv and not opts.dry_run else None,
        )
    except serr.PreconditionFailed as exc:
        raise errors.conflict(info.group_resource, name, exc.message) from None
    except serr.StorageError as exc:
        raise errors.from_storage(exc, info.group_resource, name) from None
