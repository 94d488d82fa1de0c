"""A Job controller (NonIndexed completion mode): up to ``parallelism`` active pods until ``completions``
have succeeded, then the conditions kube 1.36 writes — SuccessCriteriaMet, then Complete with
``completionTime`` once no pod is active — or, past ``backoffLimit`` failures, FailureTarget and Failed.
Status fields: startTime, active, ready, succeeded, failed, terminating, uncountedTerminatedPods.

Simplified: pods are counted from the informer (kube tracks them with the ``batch.kubernetes.io/job-tracking``
finalizer, so a deleted finished pod still counts; here the counts never go down), no Indexed mode, no
pod failure or success policies, no activeDeadlineSeconds, suspend only stops new pods.
"""

from __future__ import annotations

from typing import Any

from aiokube.apiserver.simulation.client import ApiError, KubeClient
from aiokube.apiserver.simulation.informer import Informer, key_of
from aiokube.apiserver.simulation.nodes import rfc3339
from aiokube.apiserver.simulation.owners import OwnedPods, condition, is_active, is_ready, pod_from_template
from aiokube.apiserver.simulation.replicaset import create_pods, delete_pods
from aiokube.apiserver.simulation.workqueue import WorkQueue

Obj = dict[str, Any]
FINISHED = ("Complete", "Failed")


def _has(status: Obj, kind: str) -> bool:
    return any(c.get("type") == kind and c.get("status") == "True" for c in status.get("conditions") or [])


class JobController:
    """Syncs each Job (work queue by key) from the jobs and pods informers."""

    def __init__(self, client: KubeClient, jobs: Informer, pods: Informer, owned: OwnedPods) -> None:
        self.client = client
        self.jobs = jobs
        self.pods = pods
        self.owned = owned
        self.queue = WorkQueue("job", self.sync)
        self._keys: dict[str, str] = {}
        jobs.add_handler(self._on_job)
        owned.listeners.append(self._on_owner)

    def _on_job(self, event_type: str, job: Obj, old: Obj | None) -> None:
        if event_type == "DELETED":
            self._keys.pop(job["metadata"]["uid"], None)
        else:
            self._keys[job["metadata"]["uid"]] = key_of(job)
            self.queue.add(key_of(job))

    def _on_owner(self, uid: str) -> None:
        if uid in self._keys:
            self.queue.add(self._keys[uid])

    async def sync(self, key: str) -> None:
        job = self.jobs.get(key)
        if job is None or job["metadata"].get("deletionTimestamp"):
            return
        md, spec, old = job["metadata"], job.get("spec") or {}, job.get("status") or {}
        if any(_has(old, kind) for kind in FINISHED):
            return
        pods = self.owned.pods(md["uid"], self.pods.cache)
        active = [p for p in pods if is_active(p)]
        phases = [(p.get("status") or {}).get("phase") for p in pods]
        succeeded = max(phases.count("Succeeded"), old.get("succeeded", 0))
        failed = max(phases.count("Failed"), old.get("failed", 0))
        completions = spec.get("completions")
        parallelism = spec.get("parallelism", 1)
        now = rfc3339()
        conditions = list(old.get("conditions") or [])
        done = succeeded >= completions if completions is not None else succeeded > 0 and not active
        if failed > spec.get("backoffLimit", 6):
            if not _has(old, "FailureTarget"):
                conditions.append(
                    condition(
                        "FailureTarget",
                        "True",
                        "BackoffLimitExceeded",
                        "Job has reached the specified backoff limit",
                        now,
                        probe=True,
                    )
                )
            await delete_pods(self.client, self.owned, md["uid"], active, self.pods.cache)
        elif done:
            if not _has(old, "SuccessCriteriaMet"):
                conditions.append(
                    condition(
                        "SuccessCriteriaMet",
                        "True",
                        "CompletionsReached",
                        "Reached expected number of succeeded pods",
                        now,
                        probe=True,
                    )
                )
            await delete_pods(self.client, self.owned, md["uid"], active, self.pods.cache)
        elif not spec.get("suspend"):
            want = min(parallelism, (completions if completions is not None else parallelism) - succeeded)
            missing = want - len(active) - self.owned.in_flight(md["uid"])
            if missing > 0:
                template = spec.get("template") or {}
                await create_pods(
                    self.client,
                    self.owned,
                    job,
                    [pod_from_template(job, template, f"{md['name']}-") for _ in range(missing)],
                )
        terminating = sum(
            1
            for p in pods
            if p["metadata"].get("deletionTimestamp")
            and (p.get("status") or {}).get("phase") not in ("Succeeded", "Failed")
        )
        status: Obj = {
            "startTime": old.get("startTime") or now,
            "active": len(active),
            "ready": sum(is_ready(p) for p in active),
            "succeeded": succeeded,
            "failed": failed,
            "terminating": terminating,
            "uncountedTerminatedPods": {},
        }
        if not active and not terminating:
            for target, final in (("FailureTarget", "Failed"), ("SuccessCriteriaMet", "Complete")):
                first = next((c for c in conditions if c.get("type") == target and c.get("status") == "True"), None)
                if first is not None and not _has({"conditions": conditions}, final):
                    conditions.append(condition(final, "True", first["reason"], first["message"], now, probe=True))
                    if final == "Complete":
                        status["completionTime"] = now
        if conditions:
            status["conditions"] = conditions
        if all(old.get(k) == v for k, v in status.items()):
            return
        try:
            await self.client.merge_patch(
                f"/apis/batch/v1/namespaces/{md['namespace']}/jobs/{md['name']}/status", {"status": status}
            )
        except ApiError as exc:
            if exc.status != 404:
                raise

    async def run(self) -> None:
        await self.queue.run()
