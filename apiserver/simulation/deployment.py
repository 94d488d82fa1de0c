"""A Deployment controller: the ReplicaSet of the current template (named ``<deployment>-<pod-template-hash>``)
at ``spec.replicas``, older ones scaled to 0 once it is fully available, and the status kube's deployment
controller reports (observedGeneration, replicas, updatedReplicas, readyReplicas, availableReplicas,
unavailableReplicas, conditions Available and Progressing), which is what ``kubectl rollout status`` reads.

Simplified: a rollout surges the whole new ReplicaSet at once (maxSurge and maxUnavailable only decide the
Available condition), Recreate is treated alike, and progressDeadlineSeconds never expires. The template hash
is fnv32a over the template's JSON (kube hashes the Go struct), encoded as kube's SafeEncodeString does.
"""

from __future__ import annotations

import copy
import math
from typing import Any

import orjson

from aiokube.apiserver.simulation.client import ApiError, KubeClient
from aiokube.apiserver.simulation.informer import Informer, key_of
from aiokube.apiserver.simulation.nodes import rfc3339
from aiokube.apiserver.simulation.owners import controller_uid, owner_reference
from aiokube.apiserver.simulation.workqueue import WorkQueue

Obj = dict[str, Any]
HASH_LABEL = "pod-template-hash"
REVISION = "deployment.kubernetes.io/revision"
ALPHANUMS = "bcdfghjklmnpqrstvwxz2456789"


def template_hash(template: Obj, collision_count: int = 0) -> str:
    h = 0x811C9DC5
    for byte in orjson.dumps(template, option=orjson.OPT_SORT_KEYS) + str(collision_count).encode():
        h = ((h ^ byte) * 0x01000193) & 0xFFFFFFFF
    return "".join(ALPHANUMS[b % len(ALPHANUMS)] for b in str(h).encode())


def scaled(value: Any, total: int, round_up: bool) -> int:
    """intstr.GetScaledValueFromIntOrPercent."""
    if isinstance(value, str) and value.endswith("%"):
        exact = int(value[:-1]) * total / 100
        return math.ceil(exact) if round_up else math.floor(exact)
    return int(value or 0)


class DeploymentController:
    """Syncs each Deployment (work queue by key) from the deployments and replicasets informers."""

    def __init__(self, client: KubeClient, deployments: Informer, replicasets: Informer) -> None:
        self.client = client
        self.deployments = deployments
        self.replicasets = replicasets
        self.queue = WorkQueue("deployment", self.sync)
        self._keys: dict[str, str] = {}
        deployments.add_handler(self._on_deployment)
        replicasets.add_handler(self._on_rs)

    def _on_deployment(self, event_type: str, d: Obj, old: Obj | None) -> None:
        if event_type == "DELETED":
            self._keys.pop(d["metadata"]["uid"], None)
        else:
            self._keys[d["metadata"]["uid"]] = key_of(d)
            self.queue.add(key_of(d))

    def _on_rs(self, event_type: str, rs: Obj, old: Obj | None) -> None:
        owner = self._keys.get(controller_uid(rs))
        if owner:
            self.queue.add(owner)

    def _owned(self, d: Obj) -> list[Obj]:
        uid = d["metadata"]["uid"]
        ns = d["metadata"]["namespace"]
        return [rs for k, rs in self.replicasets.cache.items() if k.startswith(ns + "/") and controller_uid(rs) == uid]

    async def sync(self, key: str) -> None:
        d = self.deployments.get(key)
        if d is None or d["metadata"].get("deletionTimestamp"):
            return
        md, spec = d["metadata"], d.get("spec") or {}
        replicas = spec.get("replicas", 1)
        pod_hash = template_hash(spec.get("template") or {}, (d.get("status") or {}).get("collisionCount", 0))
        owned = self._owned(d)
        new = next((rs for rs in owned if (rs["metadata"].get("labels") or {}).get(HASH_LABEL) == pod_hash), None)
        olds = [rs for rs in owned if rs is not new]
        revision = str(
            1 + max((int((rs["metadata"].get("annotations") or {}).get(REVISION, "0") or 0) for rs in olds), default=0)
        )
        created = False
        if new is None:
            new = await self._create_rs(d, pod_hash, revision)
            created = True
        else:
            revision = (new["metadata"].get("annotations") or {}).get(REVISION, revision)
            if (new.get("spec") or {}).get("replicas") != replicas:
                new = await self._scale(new, replicas)
        new_status = new.get("status") or {}
        if new_status.get("availableReplicas", 0) >= replicas and new_status.get("replicas", 0) == replicas:
            for rs in olds:
                if (rs.get("spec") or {}).get("replicas", 0):
                    await self._scale(rs, 0)
        if (md.get("annotations") or {}).get(REVISION) != revision:
            await self.client.merge_patch(
                f"/apis/apps/v1/namespaces/{md['namespace']}/deployments/{md['name']}",
                {"metadata": {"annotations": {REVISION: revision}}},
            )
        await self._update_status(d, new, [*olds, new], created)

    async def _create_rs(self, d: Obj, pod_hash: str, revision: str) -> Obj:
        md, spec = d["metadata"], d.get("spec") or {}
        template = copy.deepcopy(spec.get("template") or {})
        template.setdefault("metadata", {}).setdefault("labels", {})[HASH_LABEL] = pod_hash
        selector = copy.deepcopy(spec.get("selector") or {})
        selector.setdefault("matchLabels", {})[HASH_LABEL] = pod_hash
        replicas = spec.get("replicas", 1)
        surge = scaled((spec.get("strategy") or {}).get("rollingUpdate", {}).get("maxSurge", "25%"), replicas, True)
        rs = {
            "apiVersion": "apps/v1",
            "kind": "ReplicaSet",
            "metadata": {
                "name": f"{md['name']}-{pod_hash}",
                "namespace": md["namespace"],
                "labels": dict(template["metadata"]["labels"]),
                "annotations": {
                    "deployment.kubernetes.io/desired-replicas": str(replicas),
                    "deployment.kubernetes.io/max-replicas": str(replicas + surge),
                    REVISION: revision,
                },
                "ownerReferences": [owner_reference(d)],
            },
            "spec": {
                "replicas": replicas,
                "minReadySeconds": spec.get("minReadySeconds", 0),
                "selector": selector,
                "template": template,
            },
        }
        try:
            return await self.client.create(f"/apis/apps/v1/namespaces/{md['namespace']}/replicasets", rs)
        except ApiError as exc:
            if exc.status != 409:
                raise
            return await self.client.get(
                f"/apis/apps/v1/namespaces/{md['namespace']}/replicasets/{rs['metadata']['name']}"
            )

    async def _scale(self, rs: Obj, replicas: int) -> Obj:
        md = rs["metadata"]
        return await self.client.merge_patch(
            f"/apis/apps/v1/namespaces/{md['namespace']}/replicasets/{md['name']}", {"spec": {"replicas": replicas}}
        )

    async def _update_status(self, d: Obj, new: Obj, all_rs: list[Obj], created: bool) -> None:
        md, spec, old = d["metadata"], d.get("spec") or {}, d.get("status") or {}
        replicas = spec.get("replicas", 1)

        def total(field: str) -> int:
            return sum((rs.get("status") or {}).get(field, 0) for rs in all_rs)

        updated = (new.get("status") or {}).get("replicas", 0)
        avail = total("availableReplicas")
        status: Obj = {
            "observedGeneration": md.get("generation", 1),
            "replicas": total("replicas"),
            "updatedReplicas": updated,
            "readyReplicas": total("readyReplicas"),
            "availableReplicas": avail,
            "unavailableReplicas": max(replicas - avail, 0),
        }
        rolling = (spec.get("strategy") or {}).get("rollingUpdate") or {}
        max_unavailable = scaled(rolling.get("maxUnavailable", "25%"), replicas, False)
        now, name = rfc3339(), new["metadata"]["name"]
        if avail >= replicas - max_unavailable:
            want = [("Available", "True", "MinimumReplicasAvailable", "Deployment has minimum availability.")]
        else:
            want = [
                ("Available", "False", "MinimumReplicasUnavailable", "Deployment does not have minimum availability.")
            ]
        if created:
            want.append(("Progressing", "True", "NewReplicaSetCreated", f'Created new replica set "{name}"'))
        elif updated == replicas and avail == replicas and status["replicas"] == replicas:
            want.append(
                ("Progressing", "True", "NewReplicaSetAvailable", f'ReplicaSet "{name}" has successfully progressed.')
            )
        else:
            want.append(("Progressing", "True", "ReplicaSetUpdated", f'ReplicaSet "{name}" is progressing.'))
        conditions = []
        previous = {c.get("type"): c for c in old.get("conditions") or []}
        for kind, st, reason, message in want:
            prev = previous.get(kind)
            if prev and prev.get("status") == st and prev.get("reason") == reason and prev.get("message") == message:
                conditions.append(prev)
                continue
            cond = {
                "type": kind,
                "status": st,
                "lastUpdateTime": now,
                "lastTransitionTime": prev["lastTransitionTime"] if prev and prev.get("status") == st else now,
                "reason": reason,
                "message": message,
            }
            conditions.append(cond)
        status["conditions"] = conditions
        if all(old.get(k) == v for k, v in status.items()):
            return
        try:
            await self.client.merge_patch(
                f"/apis/apps/v1/namespaces/{md['namespace']}/deployments/{md['name']}/status", {"status": status}
            )
        except ApiError as exc:
            if exc.status != 404:
                raise

    async def run(self) -> None:
        await self.queue.run()
