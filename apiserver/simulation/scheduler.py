"""A scheduler stand-in: pending pods of ``default-scheduler`` are bound to a simulated node through the
``pods/binding`` subresource, as kube-scheduler does, after simple versions of its filters:

- resources: the pod's requests (containers summed, init containers' maximum, overhead) fit in the node's
  allocatable cpu, memory and pods minus the requests of the non-terminal pods already on it;
- ``spec.nodeSelector`` matches the node's labels;
- the node's NoSchedule and NoExecute taints are tolerated.

Among the nodes that pass, the one with the fewest pods wins (spreading, as LeastAllocated does for equal
pods). A pod no node fits gets PodScheduled False / Unschedulable with kube's message shape and is retried
when a pod ends or a node changes. Affinity, topology spread, ports and priorities are not simulated.
"""

from __future__ import annotations

import logging
from typing import Any

from aiokube.apiserver.quantity import parse_quantity
from aiokube.apiserver.simulation.client import ApiError, KubeClient
from aiokube.apiserver.simulation.informer import Informer, key_of
from aiokube.apiserver.simulation.nodes import rfc3339
from aiokube.apiserver.simulation.workqueue import WorkQueue

Obj = dict[str, Any]
log = logging.getLogger(__name__)
SCHEDULER_NAME = "default-scheduler"
#: resources compared: (name, scale of the integer kept: milli-cpu, bytes, pods)
RESOURCES = (("cpu", 3), ("memory", 0), ("pods", 0))
Request = tuple[int, int, int]


def amount(value: Any, scale: int) -> int:
    """A quantity as an integer of 10**-scale units (milli-cpu for scale 3), rounded up as kube's MilliValue."""
    q = parse_quantity(str(value)) if value is not None else None
    if q is None:
        return 0
    exp = q.scale + scale
    return q.unscaled * 10**exp if exp >= 0 else -(-q.unscaled // 10**-exp)


def pod_request(pod: Obj) -> Request:
    spec = pod.get("spec") or {}

    def req(c: Obj, name: str, scale: int) -> int:
        return amount(((c.get("resources") or {}).get("requests") or {}).get(name), scale)

    out = []
    for name, scale in RESOURCES[:2]:
        total = sum(req(c, name, scale) for c in spec.get("containers") or [])
        init = max((req(c, name, scale) for c in spec.get("initContainers") or []), default=0)
        total = max(total, init) + amount((spec.get("overhead") or {}).get(name), scale)
        out.append(total)
    return out[0], out[1], 1


def tolerates(pod: Obj, taint: Obj) -> bool:
    for tol in (pod.get("spec") or {}).get("tolerations") or []:
        if tol.get("effect") and tol["effect"] != taint.get("effect"):
            continue
        if tol.get("operator") == "Exists":
            if not tol.get("key") or tol["key"] == taint.get("key"):
                return True
        elif tol.get("key") == taint.get("key") and tol.get("value", "") == taint.get("value", ""):
            return True
    return False


def wants_scheduling(pod: Obj) -> bool:
    spec, md = pod.get("spec") or {}, pod.get("metadata") or {}
    return (
        not spec.get("nodeName")
        and spec.get("schedulerName", SCHEDULER_NAME) == SCHEDULER_NAME
        and not md.get("deletionTimestamp")
        and not spec.get("schedulingGates")
        and (pod.get("status") or {}).get("phase") not in ("Succeeded", "Failed")
    )


class Scheduler:
    """Binds the pods the pods informer shows unassigned to the ``node_names`` (their Node objects from the
    nodes informer). The requests on each node are counted from the pods informer plus the pods it has just
    bound (an assumed pod, as kube-scheduler's cache has), so two binds in flight cannot overfill a node."""

    def __init__(
        self, client: KubeClient, pods: Informer, nodes: Informer, node_names: list[str], workers: int = 8
    ) -> None:
        self.client = client
        self.pods = pods
        self.nodes = nodes
        self.node_names = list(node_names)
        self.queue = WorkQueue("scheduler", self.sync, workers)
        self._counted: dict[str, tuple[str, Request]] = {}  # pod uid → (node, request)
        self._used: dict[str, list[int]] = {n: [0, 0, 0] for n in node_names}
        self._parked: set[str] = set()
        self._reported: set[str] = set()
        self._allocatable: dict[str, tuple[int, ...]] = {}  # parsed once per node update, not per pod
        pods.add_handler(self._on_pod)
        nodes.add_handler(self._on_node)

    def _count(self, uid: str, node: str, request: Request) -> None:
        if uid in self._counted or node not in self._used:
            return
        self._counted[uid] = (node, request)
        used = self._used[node]
        for i in range(3):
            used[i] += request[i]

    def _uncount(self, uid: str) -> None:
        node, request = self._counted.pop(uid, ("", (0, 0, 0)))
        if node:
            used = self._used[node]
            for i in range(3):
                used[i] -= request[i]
            self._unpark()

    def _unpark(self) -> None:
        parked, self._parked = self._parked, set()
        for key in parked:
            self.queue.add(key)

    def _on_pod(self, event_type: str, pod: Obj, old: Obj | None) -> None:
        uid = pod["metadata"].get("uid", "")
        node = (pod.get("spec") or {}).get("nodeName")
        if event_type == "DELETED" or (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed"):
            self._uncount(uid)
            self._reported.discard(uid)
        elif node and uid not in self._counted:
            self._count(uid, node, pod_request(pod))
        elif wants_scheduling(pod):
            self.queue.add(key_of(pod))

    def _on_node(self, event_type: str, node: Obj, old: Obj | None) -> None:
        name = node["metadata"]["name"]
        if name in self._used:
            allocatable = (node.get("status") or {}).get("allocatable") or {}
            self._allocatable[name] = tuple(amount(allocatable.get(res, "0"), scale) for res, scale in RESOURCES)
            self._unpark()

    def feasible(self, pod: Obj, request: Request) -> tuple[list[str], dict[str, int]]:
        """The nodes that fit and, for the others, kube's reasons with their counts."""
        selector = (pod.get("spec") or {}).get("nodeSelector") or {}
        fits, reasons = [], {}
        for name in self.node_names:
            node = self.nodes.get(f"/{name}")
            if node is None:
                reasons["node(s) not found"] = reasons.get("node(s) not found", 0) + 1
                continue
            labels = node["metadata"].get("labels") or {}
            allocatable = self._allocatable.get(name, (0, 0, 0))
            if any(labels.get(k) != v for k, v in selector.items()):
                why = "node(s) didn't match Pod's node affinity/selector"
            elif untolerated := [
                t
                for t in (node.get("spec") or {}).get("taints") or []
                if t.get("effect") in ("NoSchedule", "NoExecute") and not tolerates(pod, t)
            ]:
                t = untolerated[0]
                why = f"node(s) had untolerated taint {{{t.get('key')}: {t.get('value', '')}}}"
            else:
                used = self._used[name]
                short = [
                    res for i, (res, _) in enumerate(RESOURCES) if request[i] and used[i] + request[i] > allocatable[i]
                ]
                if not short:
                    fits.append(name)
                    continue
                why = "Too many pods" if short[0] == "pods" else f"Insufficient {short[0]}"
            reasons[why] = reasons.get(why, 0) + 1
        return fits, reasons

    async def sync(self, key: str) -> None:
        pod = self.pods.get(key)
        if pod is None or not wants_scheduling(pod):
            return
        uid = pod["metadata"].get("uid", "")
        if uid in self._counted:  # bound by us, the informer has not seen it yet
            return
        request = pod_request(pod)
        fits, reasons = self.feasible(pod, request)
        if not fits:
            self._parked.add(key)
            await self._unschedulable(pod, reasons)
            return
        node = min(fits, key=lambda n: (self._used[n][2], n))
        self._count(uid, node, request)
        ns, name = pod["metadata"]["namespace"], pod["metadata"]["name"]
        binding = {
            "apiVersion": "v1",
            "kind": "Binding",
            "metadata": {"name": name, "namespace": ns, "uid": uid},
            "target": {"apiVersion": "v1", "kind": "Node", "name": node},
        }
        try:
            await self.client.create(f"/api/v1/namespaces/{ns}/pods/{name}/binding", binding)
        except ApiError as exc:
            self._uncount(uid)
            if exc.status not in (404, 409):
                raise
        except Exception:
            self._uncount(uid)
            raise

    async def _unschedulable(self, pod: Obj, reasons: dict[str, int]) -> None:
        """PodScheduled False, Unschedulable: ``0/3 nodes are available: 3 Insufficient cpu.`` (once a pod)."""
        uid = pod["metadata"].get("uid", "")
        if uid in self._reported:
            return
        self._reported.add(uid)
        detail = ", ".join(f"{n} {why}" for why, n in sorted(reasons.items()))
        message = f"0/{len(self.node_names)} nodes are available: {detail}."
        cond = {
            "type": "PodScheduled",
            "status": "False",
            "lastProbeTime": None,
            "lastTransitionTime": rfc3339(),
            "reason": "Unschedulable",
            "message": message,
        }
        md = pod["metadata"]
        try:
            await self.client.merge_patch(
                f"/api/v1/namespaces/{md['namespace']}/pods/{md['name']}/status",
                {"metadata": {"uid": uid}, "status": {"conditions": [cond]}},
            )
        except ApiError as exc:
            if exc.status not in (404, 409):
                raise

    async def run(self) -> None:
        await self.queue.run()
