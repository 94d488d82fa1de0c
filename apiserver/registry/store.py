"""The generic registry store (k8s.io/apiserver/pkg/registry/generic/registry/store.go): create, update,
delete, delete-collection and finalization of any resource, with kube's order of checks, so the first error
a client gets is the one kube would give. HTTP handlers and in-process controllers both write through it;
it knows nothing of requests or responses.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Awaitable, Callable
from typing import Any

from aiokube.apiserver import errors
from aiokube.apiserver.admission import pods as pod_admission
from aiokube.apiserver.admission.namespacelifecycle import NamespaceLifecycle
from aiokube.apiserver.apiextensions import customresource
from aiokube.apiserver.apiextensions.validation import validate_crd
from aiokube.apiserver.defaulting import apply_defaults
from aiokube.apiserver.errors import Cause, FieldErrors, GroupKind, GroupResource, StatusError
from aiokube.apiserver.patching import managedfields as mf
from aiokube.apiserver.patching.fieldpath import FieldSet
from aiokube.apiserver.registry import (
    alphafields,
    draadmin,
    event_validation,
    meta,
    namespaces,
    pods,
    podupdates,
    statusupdate,
    strategywarnings,
    validation,
    warningrecorder,
)
from aiokube.apiserver.registry.admissionplugins import AdmissionPlugins
from aiokube.apiserver.registry.meta import copy_object
from aiokube.apiserver.registry.options import DeleteOptions, ListOptions, parse_resource_version
from aiokube.apiserver.registry.resources import Registry, ResourceInfo
from aiokube.apiserver.registry.selection import predicate
from aiokube.apiserver.registry.services import ServiceAllocator, is_service
from aiokube.apiserver.registry.storedform import decoded_with_defaults, restored_form, schema_of, stored_form
from aiokube.apiserver.registry.turns import CPU_THREAD, Turns
from aiokube.apiserver.registry.validation import dispatch as typed
from aiokube.apiserver.registry.validation import verdicts
from aiokube.storage import errors as serr
from aiokube.storage.selection import SelectionPredicate
from aiokube.storage.store import ListResult, Preconditions, Store, decode_continue
from aiokube.watchcache.cacher import CacheListResult, Cacher

Obj = dict[str, Any]
#: computes the object to write from the current one (None: not found), inside the update's retry loop
NewObject = Callable[[Obj | None], Awaitable[Obj]]

_GENERATE_NAME_ATTEMPTS = 8  # kube: one try plus 7 retries on collision
#: the finalizer a CRD gets on its first DELETE; the CRD controller removes its custom resources, then it
CRD_CLEANUP_FINALIZER = "customresourcecleanup.apiextensions.k8s.io"
_SYSTEM_FIELDS = ("uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "selfLink")


def field_type(info: ResourceInfo) -> Any:
    """The managed-fields type of a resource: its Go type, its CRD schema, or deduced from the object."""
    schema = schema_of(info)
    if schema is not None:
        return mf.builtin_type(schema)
    if info.custom is not None and info.custom.schema:
        return mf.openapi_type(info.custom.schema)
    return mf.deduced_type()


def reset_fields(info: ResourceInfo, subresource: str = "") -> FieldSet | None:
    """What the strategy of a write through ``subresource`` resets (kube's GetResetFields): never owned by its
    writer, an Update's or an apply's. pods/ephemeralcontainers and pods/resize have none: their strategies'
    filters are not exposed by their REST storages, so kube's field managers never see them (an apply there
    owns, and conflicts on, whatever it sends, though only the subresource's fields change)."""
    if not subresource:
        return mf.reset_field_set(["status"]) if info.strategy.has_status else None
    if subresource == "status":
        return statusupdate.reset_fields(info)
    if subresource == "approval":
        return mf.reset_field_set(["spec", "status.certificate"])
    return None


def track_fields(
    old: Obj | None,
    new: Obj,
    info: ResourceInfo,
    manager: str,
    subresource: str = "",
    convert: mf.Converter | None = None,
) -> None:
    """Record the fields this write changed as owned by ``manager`` (operation Update), as kube does.

    ``old`` and ``new`` are in ``info``'s version. What the strategy resets is never owned (reset_fields)."""
    reset = reset_fields(info, subresource)
    mf.update_managed_fields(
        old, new, manager, info.api_version, meta.now_rfc3339(), field_type(info), subresource, reset_fields=reset,
        convert=convert,
    )  # fmt: skip


def version_converter(registry: Registry, info: ResourceInfo) -> mf.Converter | None:
    """Objects of ``info``'s version in the other versions served over its storage (for managers of those
    versions), or None when it has no other: kube's field manager compares each manager's fields in its version.
    It converts within the group only (autoscaling/v1 <-> v2): across groups (core/v1 <-> events.k8s.io/v1) and
    to versions not served, kube's finds no corresponding type, and those managers are dropped."""
    versions = registry.other_versions(info)
    if not versions:
        return None
    conversion = info.conversion

    def convert(obj: Obj, api_version: str) -> tuple[Obj, Any] | None:
        target = versions.get(api_version)
        if target is None or target.group != info.group:
            return None
        stored = conversion.to_storage(obj) if conversion is not None else obj
        view = target.conversion.from_storage(stored) if target.conversion is not None else stored
        return view, field_type(target)

    return convert


def deleted_status(name: str, group: str, resource: str, uid: str) -> Obj:
    """The Success Status a DELETE returns for resources that do not return the deleted object."""
    details: Obj = {"name": name}
    if group:
        details["group"] = group
    details["kind"] = resource
    if uid:
        details["uid"] = uid
    return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "details": details}


def _keep_identity(md: Obj, old_md: Obj) -> None:
    """rest.BeforeUpdate after the strategy: the stored uid (when none is given), creation timestamp, deletion
    timestamp and grace period; an update never changes them."""
    if not md.get("uid"):
        md["uid"] = old_md.get("uid", "")
    if old_md.get("creationTimestamp"):
        md["creationTimestamp"] = old_md["creationTimestamp"]
    if old_md.get("deletionTimestamp"):
        md["deletionTimestamp"] = old_md["deletionTimestamp"]
    else:
        md.pop("deletionTimestamp", None)
    if "deletionGracePeriodSeconds" in old_md and "deletionGracePeriodSeconds" not in md:
        md["deletionGracePeriodSeconds"] = old_md["deletionGracePeriodSeconds"]


def _carry_managed_fields(out: Obj, new: Obj) -> None:
    """A subresource strategy that starts from the stored object keeps the request's managed fields (a
    server-side apply's; an Update's are computed afterwards from the stored ones)."""
    managed = new["metadata"].get("managedFields")
    if managed is None:
        out["metadata"].pop("managedFields", None)
    else:
        out["metadata"]["managedFields"] = managed


def _default(obj: Obj, info: ResourceInfo) -> None:
    """The storage version's defaults before validation, for the writes whose object was not decoded from a
    request body in that version (server-side apply, patches, converted versions, the server's own creates):
    kube validates defaulted objects. Idempotent; stored_form applies them again. A body decoded with its
    defaults is validated as admission and the strategy left it, as kube does (and a pod's defaults were 3%
    of its create)."""
    st = info.stored_as
    if st.builtin and not decoded_with_defaults(obj):
        apply_defaults(st.group, st.kind, obj)


def validate_object(
    obj: Obj,
    info: ResourceInfo,
    old: Obj | None = None,
    *,
    spec: bool = True,
    status: str = "",
    first: list[Cause] | None = None,
) -> None:
    """The type's own validation (strategy.Validate: built-in types, Events, CRD schemas, CRDs themselves) and
    ObjectMeta's; 422 on failure. ``obj`` and ``old`` are in storage form, ``info`` is the request's version
    (kube validates the internal object, some types by the request's version) and the error names the
    internal kind. ``spec`` False (status-like subresources) skips the type's own checks of the whole
    object, which kube's status strategies do not make; ``status`` (the subresource: status, approval) runs the
    checks they make instead. ``first``: errors a check that reads other objects found (they lead)."""
    st = info.stored_as
    errs = FieldErrors()
    errs.causes.extend(first or ())
    md = obj["metadata"]
    if st.builtin and st.kind == "Event" and not st.group:
        event_validation.validate(obj, old, info.api_version, errs)
        if errs:  # the strategy's errors come alone, before ObjectMeta's generic check
            raise errors.invalid(st.group_kind, md.get("name", ""), errs.causes)
    validation.validate_object_meta(
        md,
        namespaced=st.namespaced,
        name_validator=validation.NAME_VALIDATORS[st.name_rule],
        errs=errs,
    )
    if old is not None:
        validation.validate_object_meta_update(md, old["metadata"], errs)
    memo_key = None
    if st.builtin and spec:
        memo_key = verdicts.validate(st.group, st.kind, obj, old, errs)
    elif st.builtin and status and old is not None:
        typed.validate_status(st.group, st.kind, obj, old, errs, status)
    if info.custom is not None and info.custom.schema:
        errs.causes.extend(customresource.validate(obj, info.custom.schema, old, info.custom.rules))
    elif info.group == "apiextensions.k8s.io" and info.plural == "customresourcedefinitions":
        errs.causes.extend(validate_crd(obj))
    if errs:
        raise errors.invalid(st.group_kind, md.get("name", ""), errs.causes)
    if warningrecorder.recording():
        warningrecorder.add(_strategy_warnings(obj, info, old, spec, status, memo_key))


def _strategy_warnings(
    obj: Obj, info: ResourceInfo, old: Obj | None, spec: bool, status: str, memo_key: verdicts.Key | None = None
) -> list[str]:
    """The warnings of the write's strategy (kube adds them once validation passed); ``memo_key``: the fields
    the validation's verdict was remembered by (a pod's create then skips warnings it found none of before)."""
    st = info.stored_as
    if info.custom is not None:
        return strategywarnings.finalizer_warnings(obj, old) if spec else []
    if not st.builtin:
        return []
    if st.group == "apiextensions.k8s.io" and st.kind == "CustomResourceDefinition":
        return strategywarnings.crd_warnings(obj, old) if spec else []
    if spec or status == "status":
        return strategywarnings.builtin_warnings(st.group, st.kind, obj, old, status=not spec, memo_key=memo_key)
    return []


class GenericStore:
    """Every write of every resource, and the reads the verbs need.

    Owns: the order of kube's checks (admission, strategy, validation, preconditions, finalizers) and the
    mapping of storage errors to kube's Status errors. Reads come from the watch cache (``cacher_for``),
    writes go to etcd (``storage``) in optimistic-concurrency transactions; the store itself keeps no state
    between calls, so concurrent calls are safe (etcd's revision check is the only lock).
    Callers: endpoints/handlers.py (one call per request) and the in-process controllers.
    Per-resource behaviour kube keeps in separate REST types (pod graceful delete and binding, the
    namespace two-phase delete, the CRD cleanup finalizer) is dispatched from here to registry/pods.py and
    registry/namespaces.py, so a controller deleting a pod gets the same semantics as a client.
    """

    def __init__(
        self,
        registry: Registry,
        storage: Store,
        admission: NamespaceLifecycle,
        cacher_for: Callable[[ResourceInfo], Cacher],
        on_namespace_terminating: Callable[[str], None] | None = None,
    ) -> None:
        self.registry = registry
        self.storage = storage
        self.admission = admission
        self.cacher_for = cacher_for
        #: called with a namespace's name after it was created (the default ServiceAccount goes in at once)
        self.on_namespace_created: Callable[[str], Awaitable[None]] | None = None
        self.on_namespace_terminating = on_namespace_terminating or (lambda name: None)
        #: cluster IPs and node ports of Services (registry/services.py); set by the server
        self.services: ServiceAllocator | None = None
        self.admission_plugins = AdmissionPlugins(registry, storage, cacher_for)

    # --- reads --------------------------------------------------------------------------------------

    async def get(self, info: ResourceInfo, namespace: str | None, name: str, resource_version: str) -> Any:
        """RV unset reads etcd; RV="0" the watch cache as is; RV=N the cache once it reached N."""
        parse_resource_version(resource_version, listing=False)
        try:
            entry = await self.cacher_for(info).get(info.key(namespace, name), resource_version)
        except serr.StorageError as exc:
            raise errors.from_storage(exc, info.group_resource, name) from None
        if entry is None:
            raise errors.not_found(info.group_resource, name)
        return entry

    def holds_heavy(self, info: ResourceInfo, namespace: str | None, name: str) -> bool:
        """Whether the stored object is heavy (big or deep: the watch cache says), so that a light body's
        write of it runs its O(size) stages in the CPU thread as a heavy body's does."""
        return self.cacher_for(info).holds_heavy(info.key(namespace, name))

    async def get_current(self, info: ResourceInfo, namespace: str | None, name: str) -> Obj:
        """The object as etcd has it now (subresource reads that kube serves from storage)."""
        try:
            return await self.storage.get(info.key(namespace, name))
        except serr.StorageError as exc:
            raise errors.from_storage(exc, info.group_resource, name) from None

    async def list(self, info: ResourceInfo, namespace: str | None, opts: ListOptions) -> CacheListResult:
        if opts.continue_token and opts.resource_version not in ("", "0"):
            try:  # kube decodes the token first: a bad one is the error even then
                decode_continue(opts.continue_token, info.collection_key(namespace))
            except serr.StorageError as exc:
                raise errors.from_storage(exc, info.group_resource, "") from None
            raise errors.bad_request("specifying resource version is not allowed when using continue")
        parse_resource_version(opts.resource_version)
        pred = predicate(info, opts.label, opts.field)
        try:
            return await self.cacher_for(info).list(
                key_prefix=info.collection_key(namespace),
                namespace=namespace,
                predicate=None if pred.empty() else pred,
                limit=opts.limit,
                continue_token=opts.continue_token,
                resource_version=opts.resource_version,
                match=opts.resource_version_match,
            )
        except serr.StorageError as exc:
            raise errors.from_storage(exc, info.group_resource, "") from None

    # --- checks shared by the writes ----------------------------------------------------------------

    validate = staticmethod(validate_object)

    def _track(self, old: Obj | None, new: Obj, info: ResourceInfo, manager: str, subresource: str = "") -> None:
        """track_fields for storage-form objects written through ``info``'s version: kube's field manager sees
        the objects in the request's version, so a converted version tracks on their views (``new`` gets the
        result)."""
        convert = version_converter(self.registry, info)
        conversion = info.conversion
        if conversion is None:
            track_fields(old, new, info, manager, subresource, convert)
            return
        view_old = conversion.from_storage(old) if old is not None else None
        view_new = conversion.from_storage(new)
        track_fields(view_old, view_new, info, manager, subresource, convert)
        managed = view_new["metadata"].get("managedFields")
        if managed is None:
            new["metadata"].pop("managedFields", None)
        else:
            new["metadata"]["managedFields"] = managed

    def _prepare_create(
        self, obj: Obj, info: ResourceInfo, first: list[Cause] | None = None, *, validate: bool = True
    ) -> None:
        """rest.BeforeCreate: system fields, strategy, generated name, validation (``first``: see validate; none
        when ``validate`` is off: the caller validates next, as a stage of its own)."""
        md = obj["metadata"]
        for k in _SYSTEM_FIELDS:
            md.pop(k, None)
        md["uid"] = meta.new_uid()
        md["creationTimestamp"] = meta.now_rfc3339()
        if not md.get("name") and md.get("generateName"):  # before the strategy (a Job labels its pods with it)
            md["name"] = meta.generate_name(md["generateName"])
        if info.builtin:
            alphafields.drop_disabled(obj, None, info.stored_as.group, info.stored_as.kind)
        info.strategy.prepare_for_create(obj)
        info.strategy.canonicalize(obj)
        _default(obj, info)
        if validate:
            self.validate(obj, info, first=first)

    def _prepare_update(self, obj: Obj, old: Obj, info: ResourceInfo, *, validate: bool = True) -> None:
        """rest.BeforeUpdate: keep generation and identity, strategy, validation (unless ``validate`` is off)."""
        md, old_md = obj["metadata"], old["metadata"]
        md.pop("selfLink", None)
        if "generation" in old_md:
            md["generation"] = old_md["generation"]
        else:
            md.pop("generation", None)
        if info.builtin:  # before the strategy compares the specs for the generation
            alphafields.drop_disabled(obj, old, info.stored_as.group, info.stored_as.kind)
        info.strategy.prepare_for_update(obj, old)
        info.strategy.canonicalize(obj)
        _keep_identity(md, old_md)
        _default(obj, info)
        if validate:
            self.validate(obj, info, old)

    # --- CREATE -------------------------------------------------------------------------------------

    async def create(
        self, info: ResourceInfo, obj: Obj, namespace: str | None, *, dry_run: bool, manager: str, heavy: bool = False
    ) -> Obj:
        """Store.Create of a decoded object whose namespace the caller has reconciled with the request. ``heavy``:
        a big object, whose O(size) stages run off the event loop (registry/turns.py)."""
        turns = Turns(heavy)
        md = obj["metadata"]
        if namespace is not None:
            await self.admission.admit_create(
                info.group_resource, namespace, md.get("name") or md.get("generateName", "")
            )
        if md.get("resourceVersion"):
            raise errors.bad_request("resourceVersion should not be set on objects to be created")
        generated = not md.get("name") and bool(md.get("generateName"))
        if info.conversion is not None:  # the rest of the write works on the storage form
            obj = info.conversion.to_storage(obj)
        info.strategy.as_field_manager_sees(obj)
        await turns.stage(self._track, None, obj, info, manager)  # before admission, as kube records it
        volatile = await self.admission_plugins.admit(obj, info, namespace)
        first = await draadmin.on_create(obj, info, namespace, self.admission.lookup)
        self._prepare_create(obj, info, validate=False)
        await turns.stage(functools.partial(self.validate, first=first), obj, info)
        await self.admission_plugins.validate(obj, info, namespace)
        allocator = self.services if is_service(info) else None
        ports = await allocator.allocate(obj, dry_run) if allocator is not None else []
        try:
            stored = await self._create_with_retries(obj, info, namespace, dry_run, generated, volatile, turns)
        except BaseException:
            if allocator is not None:
                await allocator.release(obj, dry_run)
            raise
        finally:
            if allocator is not None:
                allocator.done(ports)
        if info.plural == "namespaces" and not info.group and not dry_run and self.on_namespace_created:
            await self.on_namespace_created(stored["metadata"]["name"])
        return stored

    async def create_object(self, info: ResourceInfo, obj: Obj) -> Obj:
        """Create on the server's own behalf (bootstrap objects, controllers): no admission, no field owner."""
        obj = copy_object(obj)
        md = obj.setdefault("metadata", {})
        namespace = md.get("namespace") if info.namespaced else None
        generated = not md.get("name") and bool(md.get("generateName"))
        self._prepare_create(obj, info)
        return await self._create_with_retries(obj, info, namespace, False, generated)

    async def _create_with_retries(
        self,
        obj: Obj,
        info: ResourceInfo,
        namespace: str | None,
        dry_run: bool,
        generated: bool,
        volatile: tuple[str, ...] = (),
        turns: Turns | None = None,
    ) -> Obj:
        md = obj["metadata"]
        attempts = _GENERATE_NAME_ATTEMPTS if generated else 1
        for attempt in range(attempts):
            ordered = (
                stored_form(obj, info, volatile)
                if turns is None
                else await turns.stage(stored_form, obj, info, volatile)
            )
            try:
                offload = CPU_THREAD if turns is not None and turns.heavy else None
                return await self.storage.create(
                    info.key(namespace, md["name"]), ordered, dry_run=dry_run, offload=offload
                )
            except serr.AlreadyExists:
                if attempt + 1 < attempts:
                    md["name"] = meta.generate_name(md["generateName"])
                    continue
                if generated:
                    raise errors.StatusError(
                        409,
                        "AlreadyExists",
                        f'{info.group_resource} "{md["name"]}" already exists, the server was not able to '
                        "generate a unique name for the object",
                        {
                            "name": md["name"],
                            **({"group": info.group} if info.group else {}),
                            "kind": info.plural,
                            "retryAfterSeconds": 1,
                        },
                    ) from None
                raise errors.already_exists(info.group_resource, md["name"]) from None
            except serr.StorageError as exc:
                raise errors.from_storage(exc, info.group_resource, md["name"]) from None
        raise AssertionError("unreachable")

    # --- UPDATE -------------------------------------------------------------------------------------

    async def update(
        self,
        info: ResourceInfo,
        namespace: str | None,
        name: str,
        new_object: NewObject,
        *,
        subresource: str,
        allow_create: bool,
        preconditions: Preconditions | None,
        dry_run: bool,
        manager: str,
        track: bool = True,
        reads_only: bool = False,
        heavy: bool = False,
    ) -> tuple[Obj, bool]:
        """Store.Update: the new object from ``new_object(current)``, then kube's checks, in one txn loop.
        Returns the stored (or, when the last finalizer went, deleted) object and whether it was created.

        ``track``: record field ownership as an Update by ``manager`` (server-side apply records its own).
        ``reads_only``: ``new_object`` does not change the current object it is given (a PUT's does not look at
        it): the checks here do not either, so no private copy of it is made (storage.Store.guaranteed_update).
        ``heavy``: a big body, whose O(size) stages run off the event loop (registry/turns.py); a write whose
        stages held the loop becomes one too.
        """
        delete_instead: list[Obj] = []
        conversion = info.conversion
        turns = Turns(heavy)

        async def try_update(existing: Obj | None) -> Obj:
            if conversion is None:
                new = await new_object(existing)
            else:  # the caller patches/applies in its version; the checks below run on the storage form
                new = conversion.to_storage(
                    await new_object(conversion.from_storage(existing) if existing is not None else None)
                )
            await turns.pause_if_held()
            if existing is None:
                if not allow_create:
                    raise errors.not_found(info.group_resource, name)
                if namespace is not None:
                    await self.admission.admit_create(info.group_resource, namespace, name)
                new["metadata"].pop("resourceVersion", None)
                if track:
                    info.strategy.as_field_manager_sees(new)
                    self._track(None, new, info, manager)
                await self.admission_plugins.admit(new, info, namespace)
                self._prepare_create(new, info, await draadmin.on_create(new, info, namespace, self.admission.lookup))
                await self.admission_plugins.validate(new, info, namespace)
                if self.services is not None and is_service(info):  # a PUT that creates a Service
                    self.services.done(await self.services.allocate(new, dry_run))
                return stored_form(new, info)
            new_rv = new["metadata"].get("resourceVersion", "")
            existing_rv = existing["metadata"].get("resourceVersion", "")
            if not new_rv:
                if not info.allow_unconditional_update:
                    errs = FieldErrors()
                    errs.invalid("metadata.resourceVersion", 0, "must be specified for an update")
                    raise errors.invalid(GroupKind(info.group, info.plural), name, errs.causes)
            elif new_rv != existing_rv:
                parse_resource_version(new_rv)
                raise errors.conflict(info.group_resource, name, errors.OPTIMISTIC_LOCK_MESSAGE)
            if subresource in ("status", "finalize", "approval"):
                first = await draadmin.on_status(new, existing, info, namespace, self.admission.lookup)
                new = self._subresource_update(subresource, new, existing, info, first)
                await self.admission_plugins.validate_update(new, existing, info, subresource)
            elif subresource in ("ephemeralcontainers", "resize"):
                await self.admission_plugins.admit_update(new, info, subresource)
                new = self._pod_spec_update(subresource, new, existing, info)
                await self.admission_plugins.validate_update(new, existing, info, subresource)
            else:
                if info.builtin and (info.group, info.plural) == ("", "pods") and not subresource:
                    pod_admission.admit_pod_update(new, existing)
                self._prepare_update(new, existing, info, validate=False)
                await turns.stage(self.validate, new, info, existing)
                await self.admission_plugins.validate_update(new, existing, info, subresource)
                if self.services is not None and is_service(info) and not subresource:
                    self.services.done(self.services.carry_over(new, existing))
            if self._should_delete_during_update(new, existing, info):
                delete_instead.append(existing)
                raise _DeleteInstead()
            await turns.pause_if_held()
            if track:
                await turns.stage(self._track, existing, new, info, manager, subresource)
            return await turns.stage(stored_form, new, info)

        key = info.key(namespace, name)
        try:
            return await self.storage.guaranteed_update(
                key,
                try_update,
                ignore_not_found=allow_create,
                preconditions=preconditions,
                dry_run=dry_run,
                cached=self.cacher_for(info).peek(key),
                reads_only=reads_only,
                offload=CPU_THREAD if turns.heavy else None,
            )
        except _DeleteInstead:
            rv = delete_instead[-1]["metadata"]["resourceVersion"]
            try:
                pre = Preconditions(resource_version=rv)
                deleted = await self.storage.delete(key, preconditions=pre, dry_run=dry_run)
            except serr.StorageError as exc:
                raise errors.from_storage(exc, info.group_resource, name) from None
            await self._released(info, deleted, dry_run)
            return deleted, False
        except serr.PreconditionFailed as exc:
            raise errors.conflict(
                info.group_resource,
                name,
                f"StorageError: invalid object, Code: 4, Key: {key}, ResourceVersion: 0, AdditionalErrorMsg: "
                f"{exc.message}",
            ) from None
        except serr.StorageError as exc:
            raise errors.from_storage(exc, info.group_resource, name) from None

    def _subresource_update(
        self, subresource: str, new: Obj, existing: Obj, info: ResourceInfo, first: list[Cause] | None = None
    ) -> Obj:
        """status: the status and the metadata the kind's status strategy lets change (registry/statusupdate.py);
        approval (CSRs): only status.conditions; finalize (namespaces): only spec.finalizers (and metadata)."""
        if subresource == "approval":
            out = copy_object(existing)
            conditions = (new.get("status") or {}).get("conditions")
            status = out.setdefault("status", {})
            if conditions is None:
                status.pop("conditions", None)
            else:
                status["conditions"] = conditions
            _carry_managed_fields(out, new)
            statusupdate.fill_condition_times(
                status.get("conditions"), (existing.get("status") or {}).get("conditions")
            )
            self.validate(out, info, existing, spec=False, status="approval")
            return out
        if subresource == "status":
            out = statusupdate.status_update(new, existing, info)
            md, old_md = out["metadata"], existing["metadata"]
            md.pop("selfLink", None)
            if "generation" in old_md:
                md["generation"] = old_md["generation"]
            else:
                md.pop("generation", None)
            _keep_identity(md, old_md)
            self.validate(out, info, existing, spec=False, status="status", first=first)
            return out
        # namespaces/finalize: the finalize strategy keeps the old status and takes the rest of the body
        md, old_md = new["metadata"], existing["metadata"]
        for k in ("uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "generation"):
            if k in old_md:
                md[k] = old_md[k]
        if "status" in existing:
            new["status"] = existing["status"]
        info.strategy.canonicalize(new)
        self.validate(new, info, existing, spec=False)
        return new

    def _pod_spec_update(self, subresource: str, new: Obj, existing: Obj, info: ResourceInfo) -> Obj:
        """pods/ephemeralcontainers and pods/resize: the old pod with what the subresource may change
        (registry/podupdates.py), validated as kube validates these updates."""
        if subresource == "ephemeralcontainers":
            out = podupdates.ephemeral_containers_update(new, existing)
            check = podupdates.validate_ephemeral_containers_update
        else:
            out = podupdates.resize_update(new, existing)
            check = podupdates.validate_resize
        _carry_managed_fields(out, new)
        errs = FieldErrors()
        md = out["metadata"]
        validation.validate_object_meta(md, namespaced=True, name_validator=validation.NAME_VALIDATORS[info.name_rule],
                                        errs=errs)  # fmt: skip
        validation.validate_object_meta_update(md, existing["metadata"], errs)
        check(out, existing, errs)
        if errs:
            raise errors.invalid(info.group_kind, md.get("name", ""), errs.causes)
        return out

    @staticmethod
    def _should_delete_during_update(new: Obj, existing: Obj, info: ResourceInfo) -> bool:
        """registry.ShouldDeleteDuringUpdate (+ namespaces: spec.finalizers must be empty too)."""
        old_md = existing["metadata"]
        if new["metadata"].get("finalizers") or not old_md.get("deletionTimestamp"):
            return False
        if info.plural == "namespaces" and not namespaces.should_delete_during_update(new):
            return False
        return not old_md.get("deletionGracePeriodSeconds")

    # --- DELETE -------------------------------------------------------------------------------------

    async def delete(self, info: ResourceInfo, namespace: str | None, name: str, opts: DeleteOptions) -> Obj:
        """Store.Delete: preconditions, finalizers (mark as deleting) or removal; returns the response body."""
        if info.plural == "namespaces" and not info.group:
            return await namespaces.delete(self.storage, info, name, opts, self.on_namespace_terminating)
        key = info.key(namespace, name)
        crd = info.group == "apiextensions.k8s.io" and info.plural == "customresourcedefinitions"
        cached = None if opts.dry_run or crd else self.cacher_for(info).peek(key)
        if cached is not None:
            try:
                return await self._delete(info, key, name, opts, cached, from_cache=True)
            except _StaleCache:
                pass  # decide again on etcd's state
        try:
            existing = await self.storage.get(key)
        except serr.StorageError as exc:
            raise errors.from_storage(exc, info.group_resource, name) from None
        return await self._delete(info, key, name, opts, existing, from_cache=False)

    async def _delete(
        self, info: ResourceInfo, key: str, name: str, opts: DeleteOptions, existing: Obj, from_cache: bool
    ) -> Obj:
        """Store.Delete's decisions on ``existing``. ``from_cache``: it is the watch cache's object (kube reads
        etcd here; the etcd read and its decode were ~12% of a pod delete): every write below is a txn whose
        revision check catches a stale one, and then, or where a decision would answer without a write,
        _StaleCache sends the caller to etcd's state."""
        check = _same_state(existing) if from_cache else None
        try:
            _check_delete_preconditions(existing, opts.preconditions, info)
        except StatusError:
            if from_cache:  # judged on the cache's state: etcd's decides
                raise _StaleCache() from None
            raise
        if info.kind == "Pod" and not info.group:
            graceful = await pods.delete_gracefully(self.storage, info, key, name, existing, opts, check)
            if graceful is not None:
                return graceful
        gc_finalizer = ""
        if info.group == "apiextensions.k8s.io" and info.plural == "customresourcedefinitions":
            if not existing["metadata"].get("deletionTimestamp"):  # the CRD REST's first DELETE
                return await self._mark_deleting(info, key, name, "", opts, extra_finalizer=CRD_CLEANUP_FINALIZER)
        if info.kind != "Event":
            if opts.propagation_policy == "Orphan" or opts.orphan_dependents:
                gc_finalizer = "orphan"
            elif opts.propagation_policy == "Foreground":
                gc_finalizer = "foregroundDeletion"
        if existing["metadata"].get("finalizers") or gc_finalizer:
            if check is not None:
                check(None)  # marking reads etcd itself, but whether to mark was decided on the cache's object
            return await self._mark_deleting(info, key, name, gc_finalizer, opts)
        try:
            deleted = await self.storage.delete(
                key, preconditions=opts.preconditions, dry_run=opts.dry_run, known=existing, validate=check
            )
        except serr.PreconditionFailed as exc:
            raise errors.conflict(info.group_resource, name, exc.message) from None
        except serr.StorageError as exc:
            raise errors.from_storage(exc, info.group_resource, name) from None
        await self._released(info, deleted, opts.dry_run)
        if info.return_deleted_object:
            return deleted
        md = deleted["metadata"]
        return deleted_status(md.get("name", ""), info.group, info.plural, md.get("uid", ""))

    async def _mark_deleting(
        self, info: ResourceInfo, key: str, name: str, gc_finalizer: str, opts: DeleteOptions, extra_finalizer: str = ""
    ) -> Obj:
        """markAsDeleting: deletionTimestamp (once), grace 0, generation+1, GC finalizer; the object stays."""

        def mark(existing: Obj | None) -> Obj:
            assert existing is not None
            md = existing["metadata"]
            if not md.get("deletionTimestamp"):
                md["deletionTimestamp"] = meta.now_rfc3339()
                if md.get("generation", 0) > 0:
                    md["generation"] += 1
            md["deletionGracePeriodSeconds"] = 0
            if gc_finalizer:
                finalizers = [f for f in md.get("finalizers", []) if f not in ("orphan", "foregroundDeletion")]
                md["finalizers"] = [*finalizers, gc_finalizer]
            if extra_finalizer and extra_finalizer not in md.get("finalizers", []):
                md["finalizers"] = [*md.get("finalizers", []), extra_finalizer]
            return restored_form(existing, info)

        try:
            updated, _ = await self.storage.guaranteed_update(
                key, mark, preconditions=opts.preconditions, dry_run=opts.dry_run
            )
        except serr.PreconditionFailed as exc:
            raise errors.conflict(info.group_resource, name, exc.message) from None
        except serr.StorageError as exc:
            raise errors.from_storage(exc, info.group_resource, name) from None
        return updated

    async def delete_collection(
        self, info: ResourceInfo, namespace: str | None, pred: SelectionPredicate | None, opts: DeleteOptions
    ) -> ListResult:
        """Store.DeleteCollection: list, then delete each (objects already gone are skipped)."""
        try:
            result = await self.storage.list(
                info.collection_key(namespace), predicate=None if pred is None or pred.empty() else pred.matches
            )
        except serr.StorageError as exc:
            raise errors.from_storage(exc, info.group_resource, "") from None
        for item in result.items:
            md = item["metadata"]
            try:
                await self.delete(info, md.get("namespace"), md["name"], opts)
            except StatusError as exc:
                if exc.code != 404:
                    raise
        return result

    # --- finalizers ---------------------------------------------------------------------------------

    async def finalize_namespace(self, name: str) -> None:
        """The namespace controller's last step: drop the ``kubernetes`` finalizer (which deletes it)."""
        info = self.registry.get("", "v1", "namespaces")
        assert info is not None
        await self._finalize(info, info.key(None, name), namespaces.drop_kubernetes_finalizer)

    async def remove_finalizer(self, info: ResourceInfo, namespace: str | None, name: str, finalizer: str) -> None:
        """A controller's last step: drop its finalizer (which deletes an object that is being deleted)."""

        def drop(obj: Obj) -> None:
            md = obj["metadata"]
            md["finalizers"] = [f for f in md.get("finalizers", []) if f != finalizer]
            if not md["finalizers"]:
                del md["finalizers"]

        await self._finalize(info, info.key(namespace, name), drop)

    async def _finalize(self, info: ResourceInfo, key: str, mutate: Callable[[Obj], None]) -> None:
        """Update finalizers; when none are left on an object being deleted, delete it instead (kube's
        ShouldDeleteDuringUpdate), guarded by the resourceVersion that was checked."""
        seen: list[Obj] = []

        def update(existing: Obj | None) -> Obj:
            assert existing is not None
            new = copy_object(existing)
            mutate(new)
            if self._should_delete_during_update(new, existing, info):
                seen.append(existing)
                raise _DeleteInstead()
            return new

        try:
            await self.storage.guaranteed_update(key, update)
        except _DeleteInstead:
            rv = seen[-1]["metadata"]["resourceVersion"]
            with contextlib.suppress(serr.NotFound):
                deleted = await self.storage.delete(key, preconditions=Preconditions(resource_version=rv))
                await self._released(info, deleted, False)
        except serr.NotFound:
            pass

    async def _released(self, info: ResourceInfo, deleted: Obj, dry_run: bool) -> None:
        """What a deleted object held elsewhere goes with it (a Service's cluster IPs)."""
        if self.services is not None and is_service(info):
            await self.services.release(deleted, dry_run)


class _StaleCache(Exception):
    """A delete decided on the watch cache's object met another state in etcd (or must answer without a
    write): decide again on etcd's."""


def _same_state(cached: Obj) -> Callable[[Obj | None], None]:
    """A check for writes decided on ``cached``: passes only for an object at ``cached``'s resourceVersion."""
    rv = cached["metadata"].get("resourceVersion")

    def check(current: Obj | None) -> None:
        if current is None or current["metadata"].get("resourceVersion") != rv:
            raise _StaleCache()

    return check


class _DeleteInstead(Exception):
    """An update removed the last finalizer of an object being deleted: delete it instead of writing."""


def _check_delete_preconditions(existing: Obj, pre: Preconditions | None, info: ResourceInfo) -> None:
    """rest.BeforeDelete's precondition check (note: kube names the Kind here, not the resource)."""
    if pre is None:
        return
    md = existing["metadata"]
    gr = GroupResource(info.group, info.kind)
    name = md.get("name", "")
    if pre.uid is not None and pre.uid != md.get("uid", ""):
        raise errors.conflict(
            gr,
            name,
            f"the UID in the precondition ({pre.uid}) does not match the UID in record ({md.get('uid', '')}). "
            "The object might have been deleted and then recreated",
        )
    if pre.resource_version is not None and pre.resource_version != md.get("resourceVersion", ""):
        raise errors.conflict(
            gr,
            name,
            f"the ResourceVersion in the precondition ({pre.resource_version}) does not match the "
            f"ResourceVersion in record ({md.get('resourceVersion', '')}). The object might have been modified",
        )
