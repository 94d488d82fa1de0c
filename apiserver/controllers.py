"""In-process controllers that a bare apiserver needs to behave like a cluster.

Reduced to what the API promises, after kube-controller-manager's controllers of the same names:

- namespace: a Terminating namespace is emptied, then its ``kubernetes`` finalizer is removed (through the
  same path as ``PUT .../finalize``), which deletes it;
- serviceaccount: every active namespace has a ``default`` ServiceAccount;
- garbage collector: dependents (``metadata.ownerReferences``) of a deleted owner are deleted
  (background); an owner with the ``orphan`` finalizer is released after its dependents' references to
  it are removed; one with ``foregroundDeletion`` after its dependents are gone;
- pod GC: a terminating pod whose grace period is over and whose node does not exist is removed (no
  kubelet will ever do it).

Every replica runs them; all their writes are idempotent, so replicas racing each other is harmless.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from aiokube.apiserver.authorization import rbac
from aiokube.apiserver.errors import StatusError
from aiokube.apiserver.registry.options import DeleteOptions
from aiokube.apiserver.registry.resources import ResourceInfo
from aiokube.apiserver.registry.store import GenericStore
from aiokube.storage import errors as serr
from aiokube.watchcache.cacher import Cacher
from aiokube.watchcache.objects import DELETED, CachedObject, WatchEvent

Obj = dict[str, Any]
Handler = Callable[[str, Obj], Awaitable[None]]

log = logging.getLogger(__name__)


class NamespaceController:
    """Finalizes Terminating namespaces (kube's namespace controller): deletes every namespaced object in
    them through the generic store, then drops the ``kubernetes`` finalizer. Fed by the namespace delete
    (``enqueue``), by the namespaces watch cache when given (a namespace another replica marked Terminating),
    and by a periodic resync that finds namespaces a crash left Terminating; one task, one namespace at a time,
    failures retried after ``retry_seconds``."""

    def __init__(self, store: GenericStore, resync_seconds: float = 15.0, retry_seconds: float = 1.0) -> None:
        self.store = store
        #: the namespaces watch cache, followed while running (set by the server once caches exist)
        self.namespaces: Cacher | None = None
        self.resync_seconds = resync_seconds
        self.retry_seconds = retry_seconds
        self._queue: asyncio.Queue[str] = asyncio.Queue()
        self._queued: set[str] = set()

    def enqueue(self, name: str) -> None:
        if name not in self._queued:
            self._queued.add(name)
            self._queue.put_nowait(name)

    async def _on_namespace(self, event_type: str, ns: Obj) -> None:
        if event_type != DELETED and ns["metadata"].get("deletionTimestamp"):
            self.enqueue(ns["metadata"]["name"])

    async def run(self) -> None:
        resync = asyncio.create_task(self._resync_loop())
        watch = asyncio.create_task(follow(self.namespaces, self._on_namespace)) if self.namespaces else None
        try:
            while True:
                name = await self._queue.get()
                self._queued.discard(name)
                try:
                    done = await self.sync(name)
                except (serr.StorageError, StatusError) as exc:
                    log.warning("namespace %s: finalization failed, will retry: %s", name, exc)
                    done = False
                if not done:
                    asyncio.get_running_loop().call_later(self.retry_seconds, self.enqueue, name)
        finally:
            for task in (resync, watch):
                if task is not None:
                    task.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await task

    async def _resync_loop(self) -> None:
        """Pick up namespaces another replica (or a crash) left Terminating."""
        info = self.store.registry.get("", "v1", "namespaces")
        assert info is not None
        while True:
            with contextlib.suppress(serr.StorageError):
                result = await self.store.storage.list(info.collection_key())
                for ns in result.items:
                    if ns["metadata"].get("deletionTimestamp"):
                        self.enqueue(ns["metadata"]["name"])
            await asyncio.sleep(self.resync_seconds)

    async def sync(self, name: str) -> bool:
        """Empty a terminating namespace and finalize it; False means "try again later"."""
        store = self.store
        ns_info = store.registry.get("", "v1", "namespaces")
        assert ns_info is not None
        key = ns_info.key(None, name)
        try:
            ns = await store.storage.get(key)
        except serr.NotFound:
            return True
        if not ns["metadata"].get("deletionTimestamp"):
            return True
        if "kubernetes" not in ((ns.get("spec") or {}).get("finalizers") or []):
            return True

        remaining = 0
        for info in list(store.registry):
            if not info.namespaced or not info.stored:
                continue
            items = (await store.delete_collection(info, name, None, DeleteOptions())).items
            if items:
                # objects with finalizers linger until their finalizers are removed: check again
                left = await store.storage.list(info.collection_key(name), limit=1)
                remaining += len(left.items)
        if remaining:
            return False
        await store.finalize_namespace(name)
        log.info("namespace %s finalized", name)
        return True


async def follow(cacher: Cacher, handle: Handler) -> None:
    """Feed ``handle(event type, object)`` from a watch cache: its current state (as ADDED), then changes.

    Re-watches from where it stopped if the watch ends (e.g. the cache relisted after a compaction).
    """
    rv = ""
    while True:
        await cacher.wait_ready()
        if not rv:
            snapshot, _ = cacher.cache.list()
            rv = str(cacher.rv)
            for entry in snapshot:
                await _guarded(handle, "ADDED", entry.obj)
        try:
            watcher = await cacher.watch(
                namespace=None, predicate=None, resource_version=rv, send_initial_events=None,
                allow_bookmarks=False, deadline=time.monotonic() + 10 * 365 * 86400,
            )  # fmt: skip
        except serr.Compacted:
            rv = ""  # too far behind: start again from the current state
            continue
        try:
            async for items in watcher.batches():
                for event_type, payload in items:
                    if isinstance(payload, WatchEvent):
                        deleted = event_type == DELETED
                        obj = (payload.deleted_object() if deleted else payload.object).obj
                        rv = str(payload.revision)
                        await _guarded(handle, event_type, obj)
                    elif isinstance(payload, CachedObject):
                        await _guarded(handle, event_type, payload.obj)
        finally:
            watcher.stop()
        await asyncio.sleep(0.05)  # a watch the cache closed (relist, shutdown): never re-watch in a tight loop


async def _guarded(handle: Handler, event_type: str, obj: Obj) -> None:
    try:
        await handle(event_type, obj)
    except (serr.StorageError, StatusError) as exc:
        log.warning("controller: %s %s: %s", event_type, (obj.get("metadata") or {}).get("name"), exc)


class ServiceAccountController:
    """Every active namespace gets a ``default`` ServiceAccount (recreated if deleted)."""

    def __init__(self, store: GenericStore, namespaces: Cacher, serviceaccounts: Cacher) -> None:
        self.store = store
        self.namespaces = namespaces
        self.serviceaccounts = serviceaccounts

    async def run(self) -> None:
        await asyncio.gather(follow(self.namespaces, self._on_namespace), follow(self.serviceaccounts, self._on_sa))

    async def ensure(self, namespace: str) -> None:
        info = self.store.registry.get("", "v1", "serviceaccounts")
        assert info is not None
        if self.serviceaccounts.cache.get(info.key(namespace, "default")) is not None:
            return
        with contextlib.suppress(StatusError):  # AlreadyExists, or the namespace is going away
            await self.store.create_object(
                info,
                {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "default", "namespace": namespace}},
            )

    async def _on_namespace(self, event_type: str, ns: Obj) -> None:
        if event_type != DELETED and not ns["metadata"].get("deletionTimestamp"):
            await self.ensure(ns["metadata"]["name"])

    async def _on_sa(self, event_type: str, sa: Obj) -> None:
        md = sa["metadata"]
        if event_type == DELETED and md.get("name") == "default":
            ns_info = self.store.registry.get("", "v1", "namespaces")
            assert ns_info is not None
            ns = self.namespaces.cache.get(ns_info.key(None, md.get("namespace", "")))
            if ns is not None and not ns.obj["metadata"].get("deletionTimestamp"):
                await self.ensure(md["namespace"])


def _parse_time(value: str) -> float:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC).timestamp()


class PodGC:
    """Terminating pods whose grace period is over and whose node does not exist are deleted."""

    def __init__(self, store: GenericStore, pods: Cacher, nodes: Cacher, period: float = 1.0) -> None:
        self.store = store
        self.pods = pods
        self.nodes = nodes
        self.period = period

    async def run(self) -> None:

        pod_info = self.store.registry.get("", "v1", "pods")
        node_info = self.store.registry.get("", "v1", "nodes")
        assert pod_info is not None and node_info is not None
        while True:
            await asyncio.sleep(self.period)
            now = time.time()
            for entry in list(self.pods.cache.values()):
                md = entry.obj["metadata"]
                deadline = md.get("deletionTimestamp")
                if not deadline or _parse_time(deadline) > now:
                    continue
                node = (entry.obj.get("spec") or {}).get("nodeName", "")
                if node and self.nodes.cache.get(node_info.key(None, node)) is not None:
                    continue  # a kubelet's business
                with contextlib.suppress(StatusError):
                    await self.store.delete(
                        pod_info, md.get("namespace"), md["name"], DeleteOptions(grace_period_seconds=0)
                    )


_GC_FINALIZERS = ("orphan", "foregroundDeletion")


class GarbageCollector:
    """ownerReferences: background deletion of orphans' dependents, and the orphan/foreground finalizers."""

    def __init__(self, store: GenericStore, cachers: Callable[[], Iterable[tuple[ResourceInfo, Cacher]]]) -> None:
        self.store = store
        self.cachers = cachers
        self._followed: set[int] = set()
        #: the events it acts on, from every cache's listener, handled in order by one worker
        self._events: asyncio.Queue[tuple[Handler, str, Obj]] = asyncio.Queue()

    async def run(self) -> None:
        worker = asyncio.create_task(self._work())
        try:
            while True:  # listen to new caches too (custom resources come and go)
                for info, cacher in list(self.cachers()):
                    if id(cacher) not in self._followed:
                        self._followed.add(id(cacher))
                        cacher.listeners.append(self._listener(info))
                await asyncio.sleep(1.0)
        finally:
            worker.cancel()

    def _listener(self, info: ResourceInfo) -> Callable[[WatchEvent], None]:
        """Deletions, and objects being deleted with the orphan or foreground finalizer: the events the
        collector acts on, picked synchronously from the cache's dispatch. (A watcher per resource, fed every
        event, was 4-5% of a write's CPU.)"""
        handle, events = self._handler(info), self._events

        def on_event(event: WatchEvent) -> None:
            if event.type == DELETED:
                events.put_nowait((handle, DELETED, event.deleted_object().obj))
                return
            md = event.object.obj["metadata"]
            if md.get("deletionTimestamp") and any(f in _GC_FINALIZERS for f in md.get("finalizers") or ()):
                events.put_nowait((handle, event.type, event.object.obj))

        return on_event

    async def _work(self) -> None:
        while True:
            handle, event_type, obj = await self._events.get()
            await _guarded(handle, event_type, obj)

    def _handler(self, info: ResourceInfo) -> Handler:
        async def handle(event_type: str, obj: Obj) -> None:
            md = obj["metadata"]
            if event_type == DELETED:
                await self._delete_dependents_of(md.get("uid", ""))
                for ref in md.get("ownerReferences") or []:  # an owner waiting in the foreground?
                    owner = self._find(ref.get("uid", ""))
                    if owner is not None and "foregroundDeletion" in (owner[1]["metadata"].get("finalizers") or []):
                        await self._foreground(*owner)
                return
            finalizers = md.get("finalizers") or []
            if md.get("deletionTimestamp") and "orphan" in finalizers:
                await self._orphan(info, obj)
            elif md.get("deletionTimestamp") and "foregroundDeletion" in finalizers:
                await self._foreground(info, obj)

        return handle

    def _dependents(self, uid: str) -> list[tuple[ResourceInfo, Obj]]:
        """The objects owned by ``uid``, from the caches' owner indexes."""
        return [(info, entry.obj) for info, cacher in list(self.cachers()) for entry in cacher.cache.owned_by(uid)]

    def _find(self, uid: str) -> tuple[ResourceInfo, Obj] | None:
        for info, cacher in list(self.cachers()):
            entry = cacher.cache.with_uid(uid)
            if entry is not None:
                return info, entry.obj
        return None

    def _exists(self, uid: str) -> bool:
        return self._find(uid) is not None

    async def _delete_dependents_of(self, uid: str) -> None:

        for info, dep in self._dependents(uid):
            refs = dep["metadata"].get("ownerReferences") or []
            if any(r.get("uid") != uid and self._exists(r.get("uid", "")) for r in refs):
                continue  # another owner is alive
            md = dep["metadata"]
            with contextlib.suppress(StatusError):
                await self.store.delete(
                    info, md.get("namespace") if info.namespaced else None, md["name"],
                    DeleteOptions(propagation_policy="Background"),
                )  # fmt: skip

    async def _drop_reference(self, dep_info: ResourceInfo, dep: Obj, uid: str) -> None:
        """Remove the ownerReference to ``uid`` from a dependent."""
        md = dep["metadata"]
        key = dep_info.key(md.get("namespace") if dep_info.namespaced else None, md["name"])

        def drop_ref(current: Obj | None) -> Obj:
            assert current is not None
            refs = [r for r in current["metadata"].get("ownerReferences") or [] if r.get("uid") != uid]
            if refs:
                current["metadata"]["ownerReferences"] = refs
            else:
                current["metadata"].pop("ownerReferences", None)
            return current

        with contextlib.suppress(serr.NotFound):
            await self.store.storage.guaranteed_update(key, drop_ref)

    async def _orphan(self, info: ResourceInfo, owner: Obj) -> None:
        uid = owner["metadata"].get("uid", "")
        for dep_info, dep in self._dependents(uid):
            await self._drop_reference(dep_info, dep, uid)
        md = owner["metadata"]
        await self.store.remove_finalizer(info, md.get("namespace") if info.namespaced else None, md["name"], "orphan")

    async def _foreground(self, info: ResourceInfo, owner: Obj) -> None:
        """Delete the dependents (foreground too), then the owner's finalizer. A dependent with another live
        owner keeps living without its reference to this one, as kube's collector treats "solid" owners."""
        uid = owner["metadata"].get("uid", "")
        waiting = False
        for dep_info, dep in self._dependents(uid):
            md = dep["metadata"]
            refs = md.get("ownerReferences") or []
            if any(r.get("uid") != uid and self._exists(r.get("uid", "")) for r in refs):
                await self._drop_reference(dep_info, dep, uid)
                continue
            waiting = True
            if md.get("deletionTimestamp"):
                continue
            with contextlib.suppress(StatusError):
                await self.store.delete(
                    dep_info, md.get("namespace") if dep_info.namespaced else None, md["name"],
                    DeleteOptions(propagation_policy="Foreground"),
                )  # fmt: skip
        if waiting:
            return  # called again as the dependents go away
        md = owner["metadata"]
        await self.store.remove_finalizer(
            info, md.get("namespace") if info.namespaced else None, md["name"], "foregroundDeletion"
        )


PVC_PROTECTION = "kubernetes.io/pvc-protection"
PV_PROTECTION = "kubernetes.io/pv-protection"
VAC_PROTECTION = "kubernetes.io/vac-protection"


def _classes_named(obj: Obj) -> set[str]:
    """The VolumeAttributesClasses a claim or volume refers to (vacprotection's: a claim's spec, its current
    class and the target of a modification in progress; a volume's spec)."""
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    names = {spec.get("volumeAttributesClassName"), status.get("currentVolumeAttributesClassName"),
             (status.get("modifyVolumeStatus") or {}).get("targetVolumeAttributesClassName")}  # fmt: skip
    return {n for n in names if n}


class StorageProtection:
    """kube's pvc-protection, pv-protection and vac-protection controllers: the finalizers
    StorageObjectInUseProtection adds are removed once a deleted claim is used by no pod that still runs, a
    deleted volume is not Bound, and a deleted VolumeAttributesClass is named by no claim or volume."""

    #: (group, resource) of the caches __init__ takes, in its order
    WATCHES = (("", "persistentvolumeclaims"), ("", "persistentvolumes"), ("", "pods"),
               ("storage.k8s.io", "volumeattributesclasses"))  # fmt: skip

    def __init__(self, store: GenericStore, pvcs: Cacher, pvs: Cacher, pods: Cacher, vacs: Cacher) -> None:
        self.store = store
        self.pvcs, self.pvs, self.pods, self.vacs = pvcs, pvs, pods, vacs
        pvc_info = store.registry.get("", "v1", "persistentvolumeclaims")
        pv_info = store.registry.get("", "v1", "persistentvolumes")
        vac_info = store.registry.get("storage.k8s.io", "v1", "volumeattributesclasses")
        assert pvc_info is not None and pv_info is not None and vac_info is not None
        self.pvc_info, self.pv_info, self.vac_info = pvc_info, pv_info, vac_info

    async def run(self) -> None:
        await asyncio.gather(
            follow(self.pvcs, self._on_pvc),
            follow(self.pvs, self._on_pv),
            follow(self.pods, self._on_pod),
            follow(self.vacs, self._on_vac),
        )

    def _class_in_use(self, name: str) -> bool:
        return any(name in _classes_named(e.obj) for cache in (self.pvcs, self.pvs) for e in cache.cache.values())

    async def _on_vac(self, event_type: str, vac: Obj) -> None:
        name = vac["metadata"]["name"]
        if self._held_by(event_type, vac, VAC_PROTECTION) and not self._class_in_use(name):
            await self.store.remove_finalizer(self.vac_info, None, name, VAC_PROTECTION)

    async def _release_classes(self) -> None:
        """A claim or volume that changed or went away may release a class being deleted (the event holds
        the new object only, not the classes it named before: every held class is checked, a handful)."""
        for entry in list(self.vacs.cache.values()):
            if self._held_by("MODIFIED", entry.obj, VAC_PROTECTION):
                await self._on_vac("MODIFIED", entry.obj)

    def _claim_in_use(self, namespace: str, claim: str) -> bool:
        for entry in self.pods.cache.values():
            pod = entry.obj
            if entry.namespace != namespace or (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed"):
                continue
            for volume in (pod.get("spec") or {}).get("volumes") or []:
                if ((volume or {}).get("persistentVolumeClaim") or {}).get("claimName") == claim:
                    return True
        return False

    @staticmethod
    def _held_by(event_type: str, obj: Obj, finalizer: str) -> bool:
        """Being deleted and still holding ``finalizer``."""
        md = obj["metadata"]
        return event_type != DELETED and bool(md.get("deletionTimestamp")) and finalizer in (md.get("finalizers") or [])

    async def _on_pvc(self, event_type: str, pvc: Obj) -> None:
        await self._release_classes()
        md = pvc["metadata"]
        if self._held_by(event_type, pvc, PVC_PROTECTION) and not self._claim_in_use(
            md.get("namespace", ""), md["name"]
        ):
            await self.store.remove_finalizer(self.pvc_info, md.get("namespace"), md["name"], PVC_PROTECTION)

    async def _on_pv(self, event_type: str, pv: Obj) -> None:
        await self._release_classes()
        if self._held_by(event_type, pv, PV_PROTECTION) and (pv.get("status") or {}).get("phase") != "Bound":
            await self.store.remove_finalizer(self.pv_info, None, pv["metadata"]["name"], PV_PROTECTION)

    async def _on_pod(self, event_type: str, pod: Obj) -> None:
        """A pod that goes away (or ends) may release the claims it used."""
        if event_type != DELETED and (pod.get("status") or {}).get("phase") not in ("Succeeded", "Failed"):
            return
        namespace = pod["metadata"].get("namespace", "")
        for volume in (pod.get("spec") or {}).get("volumes") or []:
            claim = ((volume or {}).get("persistentVolumeClaim") or {}).get("claimName")
            if claim:
                entry = self.pvcs.cache.get(self.pvc_info.key(namespace, claim))
                if entry is not None:
                    await self._on_pvc("MODIFIED", entry.obj)


class ClusterRoleAggregation:
    """kube's clusterrole-aggregation controller: a ClusterRole with an ``aggregationRule`` holds the rules of
    every ClusterRole its selectors match (admin/edit/view pick up a CRD's ``aggregate-to-*`` roles). Any
    ClusterRole change re-syncs every aggregated role; a write happens only when the rules differ."""

    MANAGER = "clusterrole-aggregation-controller"

    def __init__(self, store: GenericStore, cluster_roles: Cacher) -> None:
        self.store = store
        self.cluster_roles = cluster_roles
        self._dirty = asyncio.Event()

    async def run(self) -> None:
        await asyncio.gather(follow(self.cluster_roles, self._on_event), self._sync_loop())

    async def _on_event(self, event_type: str, obj: Obj) -> None:
        self._dirty.set()

    async def _sync_loop(self) -> None:
        while True:
            await self._dirty.wait()
            self._dirty.clear()
            await asyncio.sleep(0.05)  # coalesce a burst of changes (bootstrap, a CRD's roles) into one sync
            with contextlib.suppress(StatusError):
                await self.sync()

    async def sync(self) -> None:
        info = self.store.registry.get("rbac.authorization.k8s.io", "v1", "clusterroles")
        assert info is not None
        roles = [e.obj for e in self.cluster_roles.cache.values()]
        for role in roles:
            rules = rbac.aggregate_rules(role, roles)
            if rules is None or rbac.rules_equal(rules, role.get("rules")):
                continue

            async def with_rules(current: Obj | None, rules: list[Obj] = rules) -> Obj:
                if current is None:
                    raise StatusError(404, "NotFound", "gone")
                return {**current, "rules": rules}

            await self.store.update(
                info, None, role["metadata"]["name"], with_rules, subresource="", allow_create=False,
                preconditions=None, dry_run=False, manager=self.MANAGER,
            )  # fmt: skip


class RootCAPublisher:
    """kube-controller-manager's root-ca-cert-publisher: every namespace holds a ``kube-root-ca.crt`` ConfigMap
    with the cluster CA (what projected ServiceAccount token volumes mount), recreated when deleted and
    restored when edited."""

    NAME = "kube-root-ca.crt"
    DESCRIPTION_ANNOTATION = "kubernetes.io/description"
    DESCRIPTION = (
        "Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as "
        "the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of "
        "Kubernetes clusters."
    )

    def __init__(self, store: GenericStore, namespaces: Cacher, configmaps: Cacher, ca_pem: str) -> None:
        self.store = store
        self.namespaces = namespaces
        self.configmaps = configmaps
        self.data = {"ca.crt": ca_pem}
        info, ns_info = store.registry.get("", "v1", "configmaps"), store.registry.get("", "v1", "namespaces")
        assert info is not None and ns_info is not None
        self.info, self.ns_info = info, ns_info

    async def run(self) -> None:
        await asyncio.gather(follow(self.namespaces, self._on_namespace), follow(self.configmaps, self._on_configmap))

    async def _on_namespace(self, event_type: str, ns: Obj) -> None:
        if event_type != DELETED and (ns.get("status") or {}).get("phase", "Active") == "Active":
            await self.sync(ns["metadata"]["name"])

    async def _on_configmap(self, event_type: str, cm: Obj) -> None:
        md = cm["metadata"]
        if md.get("name") == self.NAME and event_type != "ADDED":
            await self.sync(md["namespace"])

    def _current(self, namespace: str) -> Obj | None:
        entry = self.configmaps.cache.get(self.info.key(namespace, self.NAME))
        return entry.obj if entry is not None else None

    async def sync(self, namespace: str) -> None:
        ns_entry = self.namespaces.cache.get(self.ns_info.key(None, namespace))
        if ns_entry is None or ns_entry.obj["metadata"].get("deletionTimestamp"):
            return
        current = self._current(namespace)
        annotations = (current or {}).get("metadata", {}).get("annotations") or {}
        if current is not None and current.get("data") == self.data and annotations.get(self.DESCRIPTION_ANNOTATION):
            return
        with contextlib.suppress(StatusError):  # the namespace went away, or another replica won the race
            if current is None:
                await self.store.create_object(self.info, {
                    "apiVersion": "v1", "kind": "ConfigMap",
                    "metadata": {"name": self.NAME, "namespace": namespace,
                                 "annotations": {self.DESCRIPTION_ANNOTATION: self.DESCRIPTION}},
                    "data": dict(self.data),
                })  # fmt: skip
                return

            async def restore(existing: Obj | None) -> Obj:
                if existing is None:
                    raise StatusError(404, "NotFound", "gone")
                md = dict(existing["metadata"])
                md["annotations"] = {**(md.get("annotations") or {}), self.DESCRIPTION_ANNOTATION: self.DESCRIPTION}
                return {**existing, "metadata": md, "data": dict(self.data)}

            await self.store.update(
                self.info, namespace, self.NAME, restore, subresource="", allow_create=False, preconditions=None,
                dry_run=False, manager="kube-controller-manager",
            )  # fmt: skip
