"""A ReplicaSet controller: as many active pods as ``spec.replicas`` (created from the template, the surplus
deleted, unready ones first) and the status kube's reports (replicas, fullyLabeledReplicas, readyReplicas,
availableReplicas, observedGeneration). Orphans are not adopted."""

from __future__ import annotations

import asyncio
import time
from datetime import datetime
from typing import Any

from aiokube.apiserver.simulation.client import ApiError, KubeClient
from aiokube.apiserver.simulation.informer import Informer, key_of
from aiokube.apiserver.simulation.owners import OwnedPods, is_active, is_ready, pod_from_template
from aiokube.apiserver.simulation.workqueue import WorkQueue

Obj = dict[str, Any]
#: kube's controllers create pods in batches that double (slow start); one batch at most this large
BURST = 100


def _ready_since(pod: Obj) -> float | None:
    for cond in (pod.get("status") or {}).get("conditions") or []:
        if cond.get("type") == "Ready" and cond.get("status") == "True":
            try:
                return datetime.fromisoformat(cond["lastTransitionTime"].replace("Z", "+00:00")).timestamp()
            except (KeyError, ValueError, AttributeError):
                return 0.0
    return None


def available(pod: Obj, min_ready: int, now: float) -> bool:
    """podutil.IsPodAvailable: ready for at least minReadySeconds."""
    since = _ready_since(pod)
    return since is not None and (min_ready == 0 or since + min_ready <= now)


async def create_pods(client: KubeClient, owned: OwnedPods, owner: Obj, pods: list[Obj]) -> None:
    """Create ``pods`` for ``owner`` in growing batches, recording each in the expectations."""
    md = owner["metadata"]
    path = f"/api/v1/namespaces/{md['namespace']}/pods"
    batch = 1
    while pods:
        chunk, pods = pods[:batch], pods[batch:]
        results = await asyncio.gather(*(client.create(path, p) for p in chunk), return_exceptions=True)
        for r in results:
            if isinstance(r, dict):
                owned.created(md["uid"], md["namespace"], r["metadata"]["name"])
        errors = [r for r in results if isinstance(r, BaseException)]
        if errors:
            raise errors[0]
        batch = min(batch * 2, BURST)


async def delete_pods(client: KubeClient, owned: OwnedPods, owner_uid: str, pods: list[Obj], cache: dict) -> None:
    async def one(pod: Obj) -> None:
        md = pod["metadata"]
        owned.deleted(owner_uid, key_of(pod), cache)
        try:
            await client.delete(f"/api/v1/namespaces/{md['namespace']}/pods/{md['name']}")
        except ApiError as exc:
            if exc.status != 404:
                raise

    await asyncio.gather(*(one(p) for p in pods))


class ReplicaSetController:
    """Syncs each ReplicaSet (work queue by key) from the replicasets and pods informers."""

    def __init__(self, client: KubeClient, replicasets: Informer, pods: Informer, owned: OwnedPods) -> None:
        self.client = client
        self.replicasets = replicasets
        self.pods = pods
        self.owned = owned
        self.queue = WorkQueue("replicaset", self.sync)
        self._keys: dict[str, str] = {}
        replicasets.add_handler(self._on_rs)
        owned.listeners.append(self._on_owner)

    def _on_rs(self, event_type: str, rs: Obj, old: Obj | None) -> None:
        uid = rs["metadata"]["uid"]
        if event_type == "DELETED":
            self._keys.pop(uid, None)
        else:
            self._keys[uid] = key_of(rs)
            self.queue.add(key_of(rs))

    def _on_owner(self, uid: str) -> None:
        if uid in self._keys:
            self.queue.add(self._keys[uid])

    async def sync(self, key: str) -> None:
        rs = self.replicasets.get(key)
        if rs is None or rs["metadata"].get("deletionTimestamp"):
            return
        md, spec = rs["metadata"], rs.get("spec") or {}
        pods = [p for p in self.owned.pods(md["uid"], self.pods.cache) if is_active(p)]
        diff = spec.get("replicas", 1) - len(pods) - self.owned.in_flight(md["uid"])
        if diff > 0:
            template = spec.get("template") or {}
            await create_pods(
                self.client, self.owned, rs, [pod_from_template(rs, template, f"{md['name']}-") for _ in range(diff)]
            )
        elif diff < 0:
            # kube's ranking, simplified: unassigned, then not running, then not ready pods go first
            ranked = sorted(
                pods,
                key=lambda p: (bool(p["spec"].get("nodeName")), p["status"].get("phase") == "Running", is_ready(p)),
            )
            await delete_pods(self.client, self.owned, md["uid"], ranked[:-diff], self.pods.cache)
        await self._update_status(rs, pods)

    async def _update_status(self, rs: Obj, pods: list[Obj]) -> None:
        md, spec = rs["metadata"], rs.get("spec") or {}
        min_ready = spec.get("minReadySeconds", 0)
        now = time.time()
        ready = sum(is_ready(p) for p in pods)
        avail = sum(available(p, min_ready, now) for p in pods)
        status = {
            "replicas": len(pods),
            "fullyLabeledReplicas": len(pods),
            "readyReplicas": ready,
            "availableReplicas": avail,
            "observedGeneration": md.get("generation", 1),
        }
        if avail < ready:  # some become available when minReadySeconds have passed
            self.queue.add_after(key_of(rs), min_ready)
        old = rs.get("status") or {}
        if all(old.get(k, 0) == v for k, v in status.items()):
            return
        try:
            await self.client.merge_patch(
                f"/apis/apps/v1/namespaces/{md['namespace']}/replicasets/{md['name']}/status", {"status": status}
            )
        except ApiError as exc:
            if exc.status != 404:
                raise

    async def run(self) -> None:
        await self.queue.run()
