"""Simulated kubelets: the pods bound to the simulated nodes are started, finished and removed through the
API (``pods/status`` and DELETE), as a kubelet with a container runtime would report them.

- a bound pod goes Pending → Running (after its ``start-seconds``) with container statuses, conditions,
  podIP/hostIP and startTime (podstatus.py);
- containers that end (``run-seconds``, ``exit-code``; Job pods by default) make it Succeeded or Failed;
- a pod deleted gracefully (deletionTimestamp set) is removed with grace period 0, as the kubelet does once
  its containers stopped.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from aiokube.apiserver.simulation import podstatus
from aiokube.apiserver.simulation.client import ApiError, KubeClient
from aiokube.apiserver.simulation.informer import Informer
from aiokube.apiserver.simulation.nodes import SimNode, rfc3339
from aiokube.apiserver.simulation.workqueue import WorkQueue

Obj = dict[str, Any]
log = logging.getLogger(__name__)
TERMINAL = ("Succeeded", "Failed")


@dataclass
class PodState:
    """What this kubelet did to one pod (by uid): when it saw it bound, when its containers started, the
    phase it last wrote, whether it asked for the deletion."""

    uid: str
    seen: float
    started: float | None = None
    written: str = ""
    deleted: bool = False


def _epoch(stamp: str | None) -> float | None:
    if not stamp:
        return None
    try:
        return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def _started_at(pod: Obj) -> float | None:
    """When a pod's containers (re)started, from its status (for pods this process did not start)."""
    status = pod.get("status") or {}
    for cs in status.get("containerStatuses") or []:
        at = _epoch(((cs.get("state") or {}).get("running") or {}).get("startedAt"))
        if at is not None:
            return at
    return _epoch(status.get("startTime"))


class Kubelets:
    """The kubelets of ``nodes`` (by name), fed by a pods informer; writes go through a work queue keyed by
    ``namespace/name``, so a pod is handled by one worker at a time and its timers just requeue it."""

    def __init__(
        self,
        client: KubeClient,
        pods: Informer,
        nodes: list[SimNode],
        job_run_seconds: float = podstatus.JOB_RUN_SECONDS,
        workers: int = 16,
    ) -> None:
        self.client = client
        self.pods = pods
        self.nodes = {n.name: n for n in nodes}
        self.job_run_seconds = job_run_seconds
        self.queue = WorkQueue("kubelet", self.sync, workers)
        self._state: dict[str, PodState] = {}
        pods.add_handler(self._on_pod)

    def _on_pod(self, event_type: str, pod: Obj, old: Obj | None) -> None:
        if (pod.get("spec") or {}).get("nodeName") in self.nodes:
            md = pod["metadata"]
            self.queue.add(f"{md.get('namespace', '')}/{md['name']}")

    async def sync(self, key: str) -> None:
        pod = self.pods.get(key)
        if pod is None:
            self._state.pop(key, None)
            return
        md, spec, status = pod["metadata"], pod.get("spec") or {}, pod.get("status") or {}
        node = self.nodes.get(spec.get("nodeName", ""))
        if node is None:
            return
        st = self._state.get(key)
        if st is None or st.uid != md.get("uid"):
            st = self._state[key] = PodState(md.get("uid", ""), time.monotonic())
        if md.get("deletionTimestamp"):
            if not st.deleted:
                await self._remove(pod)
                st.deleted = True
            return
        phase = status.get("phase", "Pending")
        if phase in TERMINAL or st.written in TERMINAL:
            return
        plan = podstatus.script(pod, self.job_run_seconds)
        if phase != "Running" and st.written != "Running":
            wait = st.seen + plan.start - time.monotonic()
            if wait > 0:
                self.queue.add_after(key, wait)
                return
            await self._patch(pod, podstatus.running_status(pod, node.ip, node.pod_ip(), rfc3339()))
            st.written, st.started = "Running", time.time()
            if plan.run is not None:
                self.queue.add_after(key, plan.run)
            return
        if plan.run is None or spec.get("restartPolicy", "Always") == "Always":
            return
        started = st.started or _started_at(pod) or time.time()
        wait = started + plan.run - time.time()
        if wait > 0:
            self.queue.add_after(key, wait)
            return
        if plan.exit_code != 0 and spec.get("restartPolicy") == "OnFailure":
            await self._patch(pod, podstatus.restarted_status(pod, plan.exit_code, rfc3339()))
            st.started = time.time()
            self.queue.add_after(key, plan.run)
            return
        await self._patch(pod, podstatus.finished_status(pod, plan.exit_code, rfc3339()))
        st.written = "Succeeded" if plan.exit_code == 0 else "Failed"

    async def _patch(self, pod: Obj, status: Obj) -> None:
        md = pod["metadata"]
        path = f"/api/v1/namespaces/{md['namespace']}/pods/{md['name']}/status"
        try:
            await self.client.merge_patch(path, {"metadata": {"uid": md["uid"]}, "status": status})
        except ApiError as exc:
            if exc.status not in (404, 409):  # gone, or a new pod of the same name: its own events follow
                raise

    async def _remove(self, pod: Obj) -> None:
        md = pod["metadata"]
        options = {
            "kind": "DeleteOptions",
            "apiVersion": "v1",
            "gracePeriodSeconds": 0,
            "preconditions": {"uid": md["uid"]},
        }
        try:
            await self.client.delete(f"/api/v1/namespaces/{md['namespace']}/pods/{md['name']}", options)
        except ApiError as exc:
            if exc.status not in (404, 409):
                raise

    async def run(self) -> None:
        await self.queue.run()
