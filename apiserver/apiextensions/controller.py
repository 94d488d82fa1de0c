"""CustomResourceDefinitions: turning CRD objects into served resources, and back.

Like kube's apiextensions controllers (naming, establishing, finalizer), an in-process controller follows
the CRD watch cache: for each CRD it registers one resource per served version (discovery and OpenAPI follow
the registry), starts the resource's watch cache, and records ``status.acceptedNames`` with the
``NamesAccepted`` and ``Established`` conditions. Deleting a CRD (which gets the
``customresourcecleanup.apiextensions.k8s.io`` finalizer) deletes all its objects, unregisters the
resource, then drops the finalizer. Every replica runs it; its writes are idempotent.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiokube.apiserver.apiextensions import celrules
from aiokube.apiserver.errors import StatusError
from aiokube.apiserver.registry import meta
from aiokube.apiserver.registry import strategy as st
from aiokube.apiserver.registry.options import DeleteOptions
from aiokube.apiserver.registry.resources import CustomSpec, Registry, ResourceInfo, Subresource
from aiokube.apiserver.registry.store import CRD_CLEANUP_FINALIZER, GenericStore
from aiokube.storage import errors as serr
from aiokube.watchcache.cacher import Cacher
from aiokube.watchcache.objects import DELETED, WatchEvent

log = logging.getLogger(__name__)

CRD_GROUP = "apiextensions.k8s.io"

Obj = dict[str, Any]


class CustomResourceStrategy(st.Strategy):
    """pkg/registry/customresource/strategy.go: generation on any non-metadata change; status optional."""

    generation = "non-metadata"

    def __init__(self, status: bool) -> None:
        self.has_status = status

    def initial_status(self, obj: Obj) -> Obj | None:
        return None  # kube drops status on create when the status subresource is on


def storage_version_hash(group: str, version: str, kind: str) -> str:
    """discovery's StorageVersionHash: base64 of the first 8 bytes of sha256("group/version/kind")."""
    return base64.b64encode(hashlib.sha256(f"{group}/{version}/{kind}".encode()).digest()[:8]).decode()


def resource_infos(crd: Obj) -> list[ResourceInfo]:
    """One ResourceInfo per served version of a CRD."""
    spec = crd.get("spec") or {}
    names = spec.get("names") or {}
    group = spec.get("group", "")
    plural = names.get("plural", "")
    kind = names.get("kind", "")
    versions = [v for v in spec.get("versions") or [] if v.get("served")]
    storage = next((v["name"] for v in spec.get("versions") or [] if v.get("storage")), "")
    out = []
    for v in versions:
        subresources = v.get("subresources") or {}
        status = "status" in subresources
        scale = subresources.get("scale")
        schema = ((v.get("schema") or {}).get("openAPIV3Schema")) or {}
        custom = CustomSpec(
            crd_name=crd["metadata"]["name"],
            storage_version=storage,
            schema=schema,
            rules=celrules.compile_schema(schema),
            printer_columns=tuple(v.get("additionalPrinterColumns") or ()),
            scale=dict(scale) if scale is not None else None,
            status=status,
        )
        subs = []
        if status:
            subs.append(st_sub("status", kind, ("get", "patch", "update")))
        if scale is not None:
            subs.append(st_sub("scale", "Scale", ("get", "patch", "update"), "autoscaling", "v1"))
        out.append(
            ResourceInfo(
                group=group,
                version=v["name"],
                kind=kind,
                plural=plural,
                singular=names.get("singular") or kind.lower(),
                namespaced=spec.get("scope") == "Namespaced",
                strategy=CustomResourceStrategy(status),
                short_names=tuple(names.get("shortNames") or ()),
                categories=tuple(names.get("categories") or ()),
                subresources=tuple(subs),
                fields=(),
                allow_unconditional_update=False,
                storage_version_hash=storage_version_hash(group, storage, kind),
                builtin=False,
                custom=custom,
            )
        )
    return out


def st_sub(name: str, kind: str, verbs: tuple[str, ...], group: str = "", version: str = "") -> Any:
    return Subresource(name, kind, verbs, group, version)


def _condition(ctype: str, reason: str, message: str, now: str) -> Obj:
    return {"type": ctype, "status": "True", "lastTransitionTime": now, "reason": reason, "message": message}


class CRDController:
    """Serves what the CRDs in the watch cache declare; one per APIServer, created and run by it.

    Owns ``served`` (CRD name → the ResourceInfos it registered) and, through them, the entries of
    ``registry`` and the custom resources' watch caches (``start_cacher``/``stop_cacher``). :meth:`run` is the
    only task driving it: it reconciles the cache's snapshot (then sets ``synced``, which the server awaits
    before serving, as kube waits for crd-informer-synced), then each watch event in order, so reconciles
    never overlap except retries scheduled after a storage error, which go through the same idempotent
    :meth:`reconcile`. Writes (status, finalizer removal, deleting a CRD's objects) go through ``store``.
    """

    def __init__(
        self,
        registry: Registry,
        store: GenericStore,
        crd_cacher: Cacher,
        start_cacher: Callable[[ResourceInfo], Awaitable[Cacher]],
        stop_cacher: Callable[[ResourceInfo], Awaitable[None]],
    ) -> None:
        self.registry = registry
        self.store = store
        self.crd_cacher = crd_cacher
        self.start_cacher = start_cacher
        self.stop_cacher = stop_cacher
        #: CRD name -> the ResourceInfos registered for it
        self.served: dict[str, list[ResourceInfo]] = {}
        self.synced = asyncio.Event()
        #: called after each reconcile: the aggregator's view of the served group versions follows
        self.on_served_changed: Callable[[], Awaitable[None]] | None = None

    async def run(self) -> None:
        """Follow the CRD cache: reconcile its current state, then every change."""
        await self.crd_cacher.wait_ready()
        snapshot, _ = self.crd_cacher.cache.list()
        rv = self.crd_cacher.rv
        watcher = await self.crd_cacher.watch(
            namespace=None,
            predicate=None,
            resource_version=str(rv),
            send_initial_events=None,
            allow_bookmarks=False,
            deadline=time.monotonic() + 10 * 365 * 86400,
        )
        try:
            for entry in snapshot:
                await self._safely(self.reconcile, entry.obj, False)
            self.synced.set()
            async for items in watcher.batches():
                for event_type, payload in items:
                    if isinstance(payload, WatchEvent):
                        deleted = event_type == DELETED
                        obj = (payload.deleted_object() if deleted else payload.object).obj
                        await self._safely(self.reconcile, obj, deleted)
        finally:
            watcher.stop()

    async def _safely(self, fn: Callable[..., Awaitable[None]], *args: Any) -> None:
        try:
            await fn(*args)
        except (serr.StorageError, StatusError) as exc:
            log.warning("CRD controller: %s; will retry", exc)
            name = args[0]["metadata"]["name"]
            asyncio.get_running_loop().call_later(1.0, lambda: asyncio.ensure_future(self._retry(name)))

    async def _retry(self, name: str) -> None:
        entry = self.crd_cacher.cache.get(self.crd_cacher.prefix + name)
        if entry is not None:
            await self._safely(self.reconcile, entry.obj, False)

    async def reconcile(self, crd: Obj, deleted: bool) -> None:
        await self._reconcile(crd, deleted)
        if self.on_served_changed is not None:
            await self.on_served_changed()

    async def _reconcile(self, crd: Obj, deleted: bool) -> None:
        name = crd["metadata"]["name"]
        if deleted:
            await self._unregister(name)
            return
        if crd["metadata"].get("deletionTimestamp"):
            await self._cleanup(crd)
            return
        await self._register(crd)
        await self._establish(crd)

    async def _register(self, crd: Obj) -> None:
        name = crd["metadata"]["name"]
        infos = resource_infos(crd)
        old = self.served.get(name, [])
        if [(i.version, i.custom) for i in old] == [(i.version, i.custom) for i in infos] and all(
            self.registry.get(i.group, i.version, i.plural) is i for i in old
        ):
            return
        for info in old:
            self.registry.remove(info)
        for info in infos:
            self.registry.add(info)
        self.served[name] = infos
        if infos:
            await self.start_cacher(infos[0])
        log.info("serving custom resource %s (%s)", name, ", ".join(i.version for i in infos))

    async def _unregister(self, name: str) -> None:
        infos = self.served.pop(name, [])
        for info in infos:
            self.registry.remove(info)
        if infos:
            await self.stop_cacher(infos[0])

    async def _establish(self, crd: Obj) -> None:
        """Accepted names and Established, as kube's naming and establishing controllers record them."""
        spec = crd.get("spec") or {}
        names = dict(spec.get("names") or {})
        names.setdefault("singular", names.get("kind", "").lower())
        names.setdefault("listKind", names.get("kind", "") + "List")
        status = crd.get("status") or {}
        conditions = {c.get("type"): c for c in status.get("conditions") or []}
        if status.get("acceptedNames") == names and {"NamesAccepted", "Established"} <= set(conditions):
            return
        info = self.registry.get(CRD_GROUP, "v1", "customresourcedefinitions")
        assert info is not None
        now = meta.now_rfc3339()

        def update(current: Obj | None) -> Obj:
            assert current is not None
            st_ = current.setdefault("status", {})
            st_["acceptedNames"] = names
            conds = [c for c in st_.get("conditions") or [] if c.get("type") not in ("NamesAccepted", "Established")]
            conds.append(_condition("NamesAccepted", "NoConflicts", "no conflicts found", now))
            conds.append(_condition("Established", "InitialNamesAccepted", "the initial names have been accepted", now))
            st_["conditions"] = conds
            return current

        with contextlib.suppress(serr.NotFound):
            await self.store.storage.guaranteed_update(info.key(None, crd["metadata"]["name"]), update)

    async def _cleanup(self, crd: Obj) -> None:
        """Delete every object of the resource, stop serving it, then let the CRD go."""
        name = crd["metadata"]["name"]
        infos = self.served.get(name) or resource_infos(crd)
        if infos:
            storage_info = next((i for i in infos if i.version == i.custom.storage_version), infos[0])  # type: ignore[union-attr]
            await self.store.delete_collection(storage_info, None, None, DeleteOptions())
            remaining = await self.store.storage.list(storage_info.collection_key(None), limit=1)
            if remaining.items:
                raise StatusError(500, "InternalError", f"{len(remaining.items)} objects of {name} remain")
        await self._unregister(name)
        crd_info = self.registry.get(CRD_GROUP, "v1", "customresourcedefinitions")
        assert crd_info is not None
        await self.store.remove_finalizer(crd_info, None, name, CRD_CLEANUP_FINALIZER)
