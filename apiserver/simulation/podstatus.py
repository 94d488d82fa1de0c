"""The pod status a kubelet reports (kubelet_pods.go generateAPIPodStatus): phase, conditions, container
statuses, addresses; and what a pod asks of its simulated containers, from its annotations.

Annotations (the simulation's stand-in for kwok's stages; all optional):

- ``sim.aiokube.io/start-seconds``: seconds between the pod's binding and its containers running (default 0);
- ``sim.aiokube.io/run-seconds``: seconds the containers run before they exit (default: for ever, except the
  pods of a Job, which run ``job_run_seconds``, 1 s, so that Jobs complete);
- ``sim.aiokube.io/exit-code``: their exit code (default 0): 0 ends the pod Succeeded, another Failed (under
  ``restartPolicy: OnFailure`` the containers restart instead, as a kubelet does; under ``Always`` the pod
  never ends: its containers would be restarted for ever).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

Obj = dict[str, Any]
START_SECONDS = "sim.aiokube.io/start-seconds"
RUN_SECONDS = "sim.aiokube.io/run-seconds"
EXIT_CODE = "sim.aiokube.io/exit-code"
#: how long a Job's pod runs when its annotations do not say
JOB_RUN_SECONDS = 1.0


@dataclass(frozen=True)
class Script:
    """What the pod's simulated containers do: start after ``start`` s, exit after ``run`` s (None: never)
    with ``exit_code``."""

    start: float
    run: float | None
    exit_code: int


def _number(value: Any, default: float) -> float:
    try:
        return max(0.0, float(value))
    except (TypeError, ValueError):
        return default


def is_job_pod(pod: Obj) -> bool:
    refs = (pod.get("metadata") or {}).get("ownerReferences") or []
    return any(r.get("kind") == "Job" and r.get("controller") for r in refs)


def script(pod: Obj, job_run_seconds: float = JOB_RUN_SECONDS) -> Script:
    notes = (pod.get("metadata") or {}).get("annotations") or {}
    run: float | None = None
    if RUN_SECONDS in notes:
        run = _number(notes[RUN_SECONDS], 0.0)
    elif is_job_pod(pod):
        run = job_run_seconds
    try:
        code = int(notes.get(EXIT_CODE, 0))
    except (TypeError, ValueError):
        code = 1
    return Script(_number(notes.get(START_SECONDS), 0.0), run, code)


def _container_id(uid: str, name: str) -> str:
    return "containerd://" + hashlib.sha256(f"{uid}/{name}".encode()).hexdigest()


def _image_id(image: str) -> str:
    return f"{image.split('@')[0]}@sha256:" + hashlib.sha256(image.encode()).hexdigest()


def _image(c: Obj) -> str:
    """The image as the runtime reports it: docker.io/library/ and :latest made explicit."""
    image = c.get("image", "")
    first = image.split("/")[0]
    if "/" not in image:
        image = f"docker.io/library/{image}"
    elif "." not in first and ":" not in first and first != "localhost":
        image = f"docker.io/{image}"
    if "@" not in image and ":" not in image.rsplit("/", 1)[-1]:
        image += ":latest"
    return image


def container_status(pod: Obj, c: Obj, state: Obj, ready: bool, restarts: int = 0, last: Obj | None = None) -> Obj:
    uid = pod["metadata"].get("uid", "")
    return {
        "name": c.get("name", ""),
        "state": state,
        "lastState": last or {},
        "ready": ready,
        "restartCount": restarts,
        "image": _image(c),
        "imageID": _image_id(_image(c)),
        "containerID": _container_id(uid, c.get("name", "")),
        "started": "running" in state,
    }


def _condition(kind: str, status: str, now: str, reason: str = "") -> Obj:
    cond: Obj = {"type": kind, "status": status, "lastProbeTime": None, "lastTransitionTime": now}
    if reason:
        cond["reason"] = reason
    return cond


def _scheduled(pod: Obj, now: str) -> Obj:
    for cond in (pod.get("status") or {}).get("conditions") or []:
        if cond.get("type") == "PodScheduled":
            return cond
    return _condition("PodScheduled", "True", now)


def _init_statuses(pod: Obj, now: str) -> list[Obj]:
    done = {"terminated": {"exitCode": 0, "reason": "Completed", "startedAt": now, "finishedAt": now}}
    return [
        container_status(pod, c, done, False) | {"started": False}
        for c in (pod.get("spec") or {}).get("initContainers") or []
    ]


def running_status(pod: Obj, host_ip: str, pod_ip: str, now: str, restarts: int = 0, last: Obj | None = None) -> Obj:
    """All containers running and ready: phase Running with the kubelet's five conditions."""
    spec = pod.get("spec") or {}
    running = {"running": {"startedAt": now}}
    status: Obj = {
        "phase": "Running",
        "conditions": [
            _condition("PodReadyToStartContainers", "True", now),
            _condition("Initialized", "True", now),
            _condition("Ready", "True", now),
            _condition("ContainersReady", "True", now),
            _scheduled(pod, now),
        ],
        "hostIP": host_ip,
        "hostIPs": [{"ip": host_ip}],
        "podIP": pod_ip,
        "podIPs": [{"ip": pod_ip}],
        "startTime": (pod.get("status") or {}).get("startTime") or now,
        "containerStatuses": [
            container_status(pod, c, running, True, restarts, last) for c in spec.get("containers") or []
        ],
    }
    if spec.get("initContainers"):
        status["initContainerStatuses"] = _init_statuses(pod, now)
    return status


def terminated_state(pod: Obj, c: Obj, exit_code: int, now: str) -> Obj:
    started = now
    for cs in (pod.get("status") or {}).get("containerStatuses") or []:
        if cs.get("name") == c.get("name"):
            started = ((cs.get("state") or {}).get("running") or {}).get("startedAt", now)
    return {
        "terminated": {
            "exitCode": exit_code,
            "reason": "Completed" if exit_code == 0 else "Error",
            "startedAt": started,
            "finishedAt": now,
            "containerID": _container_id(pod["metadata"].get("uid", ""), c.get("name", "")),
        }
    }


def finished_status(pod: Obj, exit_code: int, now: str) -> Obj:
    """Containers exited: Succeeded (all 0) or Failed; Ready and ContainersReady False with the kubelet's
    reason (PodCompleted / PodFailed), the sandbox gone (PodReadyToStartContainers False)."""
    phase = "Succeeded" if exit_code == 0 else "Failed"
    reason = "PodCompleted" if exit_code == 0 else "PodFailed"
    old = pod.get("status") or {}
    containers = (pod.get("spec") or {}).get("containers") or []
    return {
        "phase": phase,
        "conditions": [
            _condition("PodReadyToStartContainers", "False", now),
            _condition("Initialized", "True", now),
            _condition("Ready", "False", now, reason),
            _condition("ContainersReady", "False", now, reason),
            _scheduled(pod, now),
        ],
        "containerStatuses": [
            container_status(pod, c, terminated_state(pod, c, exit_code, now), False) for c in containers
        ],
        **{k: old[k] for k in ("hostIP", "hostIPs", "podIP", "podIPs", "startTime") if k in old},
    }


def restarted_status(pod: Obj, exit_code: int, now: str) -> Obj:
    """``restartPolicy: OnFailure`` after a failure: the containers run again, restartCount + 1, lastState
    holding the termination."""
    old = pod.get("status") or {}
    containers = (pod.get("spec") or {}).get("containers") or []
    restarts = max((cs.get("restartCount", 0) for cs in old.get("containerStatuses") or []), default=0) + 1
    last = terminated_state(pod, containers[0], exit_code, now) if containers else None
    return running_status(pod, old.get("hostIP", ""), old.get("podIP", ""), now, restarts, last)
