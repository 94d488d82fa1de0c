"""pods/NAME/eviction (pkg/registry/core/pod/storage/eviction.go): delete a pod unless that violates its
PodDisruptionBudget.

A pod that is Pending, finished or already being deleted goes at once. Otherwise the one PDB in its
namespace that selects it decides: none → delete; more than one → 500; a PDB whose status the disruption
controller has not computed yet (``observedGeneration`` behind) → 429, as kube-apiserver answers without
kube-controller-manager (aiokube runs none); ``disruptionsAllowed`` 0 → 429 with kube's cause; otherwise it is
decremented and the pod recorded in ``disruptedPods`` (a status update of the PDB) before the delete. An
unready pod goes without touching the budget when the budget is met or its policy is AlwaysAllow. The pod
gets the ``DisruptionTarget`` condition before its delete, as kube writes it."""

from __future__ import annotations

from typing import Any

from aiokube.apiserver import errors
from aiokube.apiserver.errors import FieldErrors, GroupKind, GroupResource
from aiokube.apiserver.registry.labelselector import InvalidSelector, selector_matches
from aiokube.apiserver.registry.meta import now_rfc3339
from aiokube.apiserver.registry.options import DeleteOptions
from aiokube.apiserver.registry.resourceinfo import ResourceInfo
from aiokube.storage.store import Preconditions

Obj = dict[str, Any]
SUCCESS: Obj = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "code": 201}
_CAUSE = "DisruptionBudget"


def _too_many_requests(message: str, retry_after: int) -> errors.StatusError:
    details: Obj = {"causes": [{"reason": _CAUSE, "message": message}]}
    if retry_after:
        details["retryAfterSeconds"] = retry_after
    message = "Cannot evict pod as it would violate the pod's disruption budget."
    return errors.StatusError(429, "TooManyRequests", message, details)


def _ready(pod: Obj) -> bool:
    conditions = (pod.get("status") or {}).get("conditions") or []
    return any(c.get("type") == "Ready" and c.get("status") == "True" for c in conditions if isinstance(c, dict))


def can_ignore_budget(pod: Obj) -> bool:
    return (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed", "Pending") or bool(
        pod["metadata"].get("deletionTimestamp")
    )


def delete_options(eviction: Obj, dry_run: bool) -> DeleteOptions:
    raw = eviction.get("deleteOptions") or {}
    name = (eviction.get("metadata") or {}).get("name", "")
    if raw.get("ignoreStoreReadErrorWithClusterBreakingPotential"):
        errs = FieldErrors()
        errs.invalid("deleteOptions.ignoreStoreReadErrorWithClusterBreakingPotential", True,
                     "can not be set for pod eviction, try after removing the option")  # fmt: skip
        raise errors.invalid(GroupKind("policy", "Eviction"), name, errs.causes)
    pre = raw.get("preconditions") or {}
    preconditions = None
    if pre.get("uid") is not None or pre.get("resourceVersion") is not None:
        preconditions = Preconditions(uid=pre.get("uid"), resource_version=pre.get("resourceVersion"))
    return DeleteOptions(
        grace_period_seconds=raw.get("gracePeriodSeconds"),
        preconditions=preconditions,
        propagation_policy=raw.get("propagationPolicy"),
        dry_run=dry_run or bool(raw.get("dryRun")),
    )


def matching_budgets(pod: Obj, budgets: list[Obj]) -> list[Obj]:
    labels = pod["metadata"].get("labels") or {}
    out = []
    for pdb in budgets:
        try:
            if selector_matches((pdb.get("spec") or {}).get("selector"), labels):
                out.append(pdb)
        except InvalidSelector:
            continue  # an invalid selector matches nothing (kube: skipped)
    return out


def check_and_decrement(pdb: Obj, pod_name: str) -> Obj:
    """The PDB with one disruption taken for ``pod_name``; raises kube's 429/403 when there is none to take."""
    md, status = pdb["metadata"], pdb.get("status") or {}
    name = md.get("name", "")
    if status.get("observedGeneration", 0) < md.get("generation", 0):
        raise _too_many_requests(f"The disruption budget {name} is still being processed by the server.", 10)
    allowed = status.get("disruptionsAllowed", 0)
    if allowed < 0:
        raise errors.forbidden(
            GroupResource("policy", "poddisruptionbudget"), name, "pdb disruptions allowed is negative"
        )
    if allowed == 0:
        healthy, desired = status.get("currentHealthy", 0), status.get("desiredHealthy", 0)
        if healthy <= desired:
            message = f"The disruption budget {name} needs {desired} healthy pods and has {healthy} currently"
        else:
            message = f"The disruption budget {name} does not allow evicting pods currently"
        raise _too_many_requests(message, 0)
    status = {**status, "disruptionsAllowed": allowed - 1}
    status["disruptedPods"] = {**(status.get("disruptedPods") or {}), pod_name: now_rfc3339()}
    return {**pdb, "status": status}


def needs_budget(pod: Obj, pdb: Obj) -> bool:
    """An unready pod goes without the budget when its policy allows it or the budget is met."""
    if _ready(pod):
        return True
    if (pdb.get("spec") or {}).get("unhealthyPodEvictionPolicy") == "AlwaysAllow":
        return False
    status = pdb.get("status") or {}
    desired = status.get("desiredHealthy", 0)
    return not (status.get("currentHealthy", 0) >= desired > 0)


def with_disruption_target(pod: Obj) -> Obj:
    """The pod with kube's DisruptionTarget condition (set or updated)."""
    status = dict(pod.get("status") or {})
    conditions = [
        c for c in status.get("conditions") or [] if not (isinstance(c, dict) and c.get("type") == "DisruptionTarget")
    ]
    conditions.append({"type": "DisruptionTarget", "status": "True", "lastProbeTime": None,
                       "lastTransitionTime": now_rfc3339(), "reason": "EvictionByEvictionAPI",
                       "message": "Eviction API: evicting"})  # fmt: skip
    status["conditions"] = conditions
    return {**pod, "status": status}


def is_pods(info: ResourceInfo) -> bool:
    return info.builtin and not info.group and info.plural == "pods"


async def evict(store: Any, pods: ResourceInfo, namespace: str, name: str, opts: DeleteOptions, manager: str) -> Obj:
    """The eviction of pod ``name``; ``store`` is the GenericStore. Returns kube's Status of success."""
    got = await store.get(pods, namespace, name, "")
    pod: Obj = getattr(got, "obj", got)  # the store hands back its cached entry
    if not can_ignore_budget(pod):
        budgets_info = store.registry.get("policy", "v1", "poddisruptionbudgets")
        entries, _ = store.cacher_for(budgets_info).cache.list(namespace)
        matching = matching_budgets(pod, [e.obj for e in entries])
        if len(matching) > 1:
            message = "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support."
            raise errors.StatusError(500, "", message)
        if matching and needs_budget(pod, matching[0]):
            budget = matching[0]["metadata"]["name"]

            async def take(current: Obj | None) -> Obj:
                if current is None:
                    raise errors.not_found(GroupResource("policy", "poddisruptionbudgets"), budget)
                return check_and_decrement(current, name)

            await store.update(budgets_info, namespace, budget, take, subresource="status", allow_create=False,
                               preconditions=None, dry_run=opts.dry_run, manager=manager)  # fmt: skip
    if not opts.dry_run:

        async def target(current: Obj | None) -> Obj:
            if current is None:
                raise errors.not_found(GroupResource("", "pods"), name)
            return with_disruption_target(current)

        await store.update(pods, namespace, name, target, subresource="status", allow_create=False,
                           preconditions=None, dry_run=False, manager=manager)  # fmt: skip
    await store.delete(pods, namespace, name, opts)
    return dict(SUCCESS)
