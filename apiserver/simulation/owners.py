"""What the simulated controllers share: controller references and pods made from a template."""

from __future__ import annotations

import copy
from typing import Any

Obj = dict[str, Any]


def controller_uid(obj: Obj) -> str:
    """The uid of the object's controller (the ownerReference with ``controller: true``), or ""."""
    for ref in (obj.get("metadata") or {}).get("ownerReferences") or []:
        if ref.get("controller"):
            return ref.get("uid", "")
    return ""


def owner_reference(owner: Obj) -> Obj:
    return {
        "apiVersion": owner["apiVersion"],
        "kind": owner["kind"],
        "name": owner["metadata"]["name"],
        "uid": owner["metadata"]["uid"],
        "controller": True,
        "blockOwnerDeletion": True,
    }


def pod_from_template(owner: Obj, template: Obj, prefix: str, extra_labels: dict[str, str] | None = None) -> Obj:
    """controller.GetPodFromTemplate: the template's labels, annotations and spec, ``generateName`` from the
    owner's name, the owner as controller."""
    md = template.get("metadata") or {}
    labels = {**(md.get("labels") or {}), **(extra_labels or {})}
    pod: Obj = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"generateName": prefix, "labels": labels, "ownerReferences": [owner_reference(owner)]},
        "spec": copy.deepcopy(template.get("spec") or {}),
    }
    if md.get("annotations"):
        pod["metadata"]["annotations"] = dict(md["annotations"])
    if md.get("finalizers"):
        pod["metadata"]["finalizers"] = list(md["finalizers"])
    return pod


def is_active(pod: Obj) -> bool:
    """controller.IsPodActive: not terminal, not being deleted."""
    return (pod.get("status") or {}).get("phase") not in ("Succeeded", "Failed") and not (
        pod.get("metadata") or {}
    ).get("deletionTimestamp")


def is_ready(pod: Obj) -> bool:
    return any(
        c.get("type") == "Ready" and c.get("status") == "True"
        for c in (pod.get("status") or {}).get("conditions") or []
    )


def condition(kind: str, status: str, reason: str, message: str, now: str, probe: bool = False) -> Obj:
    cond: Obj = {"type": kind, "status": status}
    if probe:
        cond["lastProbeTime"] = now
    cond.update(lastTransitionTime=now, reason=reason, message=message)
    return cond


class OwnedPods:
    """The pods of each controller (by its uid), from the pods informer, and the creations and deletions a
    controller has made but not yet seen (client-go's expectations: without them a sync that runs before
    the informer catches up would create the same pods again). ``on_change(owner uid)`` is called for every
    event of an owned pod."""

    def __init__(self) -> None:
        self.keys: dict[str, set[str]] = {}
        self.creating: dict[str, set[str]] = {}
        self.deleting: dict[str, set[str]] = {}
        self.listeners: list[Any] = []

    def handler(self, event_type: str, pod: Obj, old: Obj | None) -> None:
        uid = controller_uid(pod)
        if not uid:
            return
        md = pod["metadata"]
        key = f"{md.get('namespace', '')}/{md['name']}"
        self.creating.get(uid, set()).discard(md["name"])
        if event_type == "DELETED" or md.get("deletionTimestamp"):
            self.deleting.get(uid, set()).discard(key)
        if event_type == "DELETED":
            self.keys.get(uid, set()).discard(key)
        else:
            self.keys.setdefault(uid, set()).add(key)
        for listener in self.listeners:
            listener(uid)

    def pods(self, uid: str, cache: dict[str, Obj]) -> list[Obj]:
        return [cache[k] for k in self.keys.get(uid, ()) if k in cache]

    def in_flight(self, uid: str) -> int:
        """Creations not yet seen minus deletions not yet seen."""
        return len(self.creating.get(uid, ())) - len(self.deleting.get(uid, ()))

    def created(self, uid: str, namespace: str, name: str) -> None:
        if f"{namespace}/{name}" not in self.keys.get(uid, ()):  # its event may have come first
            self.creating.setdefault(uid, set()).add(name)

    def deleted(self, uid: str, key: str, cache: dict[str, Obj]) -> None:
        pod = cache.get(key)
        if pod is not None and not pod["metadata"].get("deletionTimestamp"):
            self.deleting.setdefault(uid, set()).add(key)
