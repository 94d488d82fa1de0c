"""The default-on admission plugins kube runs around the strategy, with what they read (the watch cache, etcd,
the authorizer): mutating ones after decoding and before the strategy, validating ones after its validation
(apiserver/admission holds the plugins themselves, free of I/O)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

from aiokube.apiserver import errors
from aiokube.apiserver.admission import certificates, defaultclass, limitranger, podsecurity
from aiokube.apiserver.admission import pods as pod_admission
from aiokube.apiserver.authorization.attributes import Attributes
from aiokube.apiserver.errors import FieldErrors, GroupKind
from aiokube.apiserver.quantity import Quantity, parse_quantity
from aiokube.apiserver.registry import meta, requester, turns, warningrecorder
from aiokube.apiserver.registry.resources import Registry, ResourceInfo
from aiokube.storage import errors as serr
from aiokube.storage.store import Store
from aiokube.watchcache.cacher import Cacher

Obj = dict[str, Any]
#: LimitRanger's live-lookup memo: its size and how long an answer holds (kube: an LRU of 10,000, 30 s)
_LIVE_LOOKUPS = 10_000
_LIVE_TTL = 30.0


def token_suffix() -> str:
    """The 5 random characters of a pod's ``kube-api-access-xxxxx`` volume (utilrand.String)."""
    return meta.random_suffix(5)


class AdmissionPlugins:
    """kube's default-on admission plugins around the store's writes, with what they read.

    Creates (``admit`` before the strategy, ``validate`` after its validation): nodes tainted, storage-protection
    finalizers, claims' and Ingresses' default classes, a pod's ServiceAccount, priority and tolerations,
    LimitRanger, CertificateSubjectRestriction, PodSecurity. Updates (``admit_update``, ``validate_update``):
    LimitRanger on claims and pod resizes, PersistentVolumeClaimResize, CertificateApproval/Signing (asking
    ``allows``, the server's authorizer), PodSecurity. Objects are read from the watch caches (kube's
    informers), then etcd; nothing here writes."""

    def __init__(self, registry: Registry, storage: Store, cacher_for: Callable[[ResourceInfo], Cacher]) -> None:
        self.registry = registry
        self.storage = storage
        self.cacher_for = cacher_for
        #: LimitRanger's live lookups when the watch cache has none for a namespace: (expiry, ranges)
        self._live_ranges: dict[str, tuple[float, list[Obj]]] = {}
        #: the server's authorizer, for the plugins that ask it (the certificate ones); None allows everything
        self.allows: Callable[[Attributes], bool] | None = None

    async def admit(self, obj: Obj, info: ResourceInfo, namespace: str | None) -> tuple[str, ...]:
        """The default-on mutating admission plugins for a create (kube runs them before the strategy).
        Returns the names they made up at random (for stored_form's memo)."""
        made: list[str] = []
        if not info.builtin:
            return ()
        if info.group == "storage.k8s.io" and info.plural == "volumeattributesclasses":
            pod_admission.admit_storage_protection(info.kind, obj)
            return ()
        if info.group == "networking.k8s.io" and info.plural == "ingresses":
            if defaultclass.ingress_needs_class(obj):
                classes = await self._objects("networking.k8s.io", "v1", "ingressclasses")
                default = defaultclass.newest_default(classes, (defaultclass.INGRESS_DEFAULT,))
                if default is not None:
                    obj.setdefault("spec", {})["ingressClassName"] = default
            return ()
        if info.group:
            return ()
        if info.plural == "nodes":
            pod_admission.admit_node(obj)
        elif info.plural in ("persistentvolumeclaims", "persistentvolumes"):
            if info.plural == "persistentvolumeclaims" and defaultclass.claim_needs_class(obj):
                classes = await self._objects("storage.k8s.io", "v1", "storageclasses")
                keys = (defaultclass.STORAGE_DEFAULT, defaultclass.STORAGE_DEFAULT_BETA)
                default = defaultclass.newest_default(classes, keys)
                if default is not None:
                    obj.setdefault("spec", {})["storageClassName"] = default
            pod_admission.admit_storage_protection(info.kind, obj)
        elif info.plural == "pods" and namespace is not None:
            ranges = await self._limit_ranges(namespace)
            if ranges:  # LimitRanger comes before ServiceAccount in kube's plugin order
                limitranger.mutate_pod(obj, ranges)
            sa_name = pod_admission.pod_service_account_name(obj)
            account = await self.service_account(namespace, sa_name) if sa_name else None

            def suffix() -> str:
                text = token_suffix()
                made.append(pod_admission.TOKEN_VOLUME_PREFIX + text)
                return text

            try:
                pod_admission.admit_pod(obj, namespace, account, suffix)
            except pod_admission.AdmissionForbidden as exc:
                raise errors.forbidden(info.group_resource, obj["metadata"].get("name", ""), str(exc)) from None
        return tuple(made)

    async def validate(self, obj: Obj, info: ResourceInfo, namespace: str | None) -> None:
        """The default-on validating admission of a create (kube runs it after the strategy's validation):
        LimitRanger's minimums, maximums and ratios for pods and claims, CertificateSubjectRestriction's for
        CSRs."""
        if info.builtin and info.group == certificates.GROUP and info.plural == "certificatesigningrequests":
            if (text := certificates.subject_restriction_error(obj)) is not None:
                raise errors.forbidden(info.group_resource, obj["metadata"].get("name", ""), text)
            return
        if not info.builtin:
            return
        if not info.group and info.plural in ("pods", "persistentvolumeclaims") and namespace is not None:
            ranges = await self._limit_ranges(namespace)
            check = limitranger.validate_pod if info.plural == "pods" else limitranger.validate_claim
            if ranges and (found := check(obj, ranges)):
                name = obj["metadata"].get("name", "")
                raise errors.forbidden(info.group_resource, name, limitranger.forbidden_text(found))
        await self._pod_security(obj, None, info, namespace, "")

    async def admit_update(self, new: Obj, info: ResourceInfo, subresource: str) -> None:
        """The default-on mutating admission of an update: LimitRanger's defaults for a pod's resize (the
        containers' resources a resize removed come back from the namespace's LimitRanges)."""
        if subresource != "resize" or not _is_core(info, "pods"):
            return
        namespace = new["metadata"].get("namespace")
        ranges = await self._limit_ranges(namespace) if namespace else []
        if ranges:
            limitranger.mutate_pod(new, ranges)

    async def validate_update(self, new: Obj, old: Obj, info: ResourceInfo, subresource: str = "") -> None:
        """The default-on validating admission of an update, in kube's order: LimitRanger (a claim's storage
        request, on any update but through a subresource, and a pod's resources on its resize, within the
        namespace's LimitRanges), then PersistentVolumeClaimResize (a claim's request may grow only when it is
        bound and its class, the same before and after, allows volume expansion)."""
        if info.builtin and info.group == certificates.GROUP and info.plural == "certificatesigningrequests":
            self._signer_allowed(new, old, info, subresource)
            return
        claim = not subresource and _is_core(info, "persistentvolumeclaims")
        if not claim and not (subresource == "resize" and _is_core(info, "pods")):
            if info.builtin:
                await self._pod_security(new, old, info, new["metadata"].get("namespace"), subresource)
            return
        name = new["metadata"].get("name", "")
        namespace = new["metadata"].get("namespace")
        ranges = await self._limit_ranges(namespace) if namespace else []
        check = limitranger.validate_claim if claim else limitranger.validate_pod
        if ranges and (found := check(new, ranges)):
            raise errors.forbidden(info.group_resource, name, limitranger.forbidden_text(found))
        if not claim:
            await self._pod_security(new, old, info, namespace, subresource)
            return
        new_size, old_size = _request(new), _request(old)
        if new_size is None or new_size.cmp(old_size or _ZERO) <= 0:
            return
        if (old.get("status") or {}).get("phase") != "Bound":
            raise errors.forbidden(info.group_resource, name, "Only bound persistent volume claims can be expanded")
        cls, old_cls = _claim_class(new), _claim_class(old)
        allowed = False
        if cls and cls == old_cls:
            classes = {
                c["metadata"].get("name"): c for c in await self._objects("storage.k8s.io", "v1", "storageclasses")
            }
            allowed = (classes.get(cls) or {}).get("allowVolumeExpansion") is True
        if not allowed:
            raise errors.forbidden(
                info.group_resource,
                name,
                "only dynamically provisioned pvc can be resized and the storageclass that provisions the pvc must "
                "support resize",
            )

    async def _pod_security(
        self, obj: Obj, old: Obj | None, info: ResourceInfo, namespace: str | None, subresource: str
    ) -> None:
        """PodSecurity (admission/podsecurity.py): a namespace's labels checked, a pod held to its namespace's
        enforce level (on create, and on updates that change what runs), pods and workloads' templates warned
        about at its warn level."""
        resource = (info.group, info.plural)
        if resource == ("", "namespaces"):
            if not subresource:
                await self._namespace_pod_security(obj, old)
            return
        is_pod = resource == ("", "pods")
        if not namespace or not (is_pod or resource in podsecurity.POD_TEMPLATE_RESOURCES):
            return
        if subresource in podsecurity.IGNORED_POD_SUBRESOURCES if is_pod else subresource:
            return
        if is_pod and old is not None and not podsecurity.significant_pod_update(obj, old):
            return
        namespace_obj = await self._namespace(namespace)
        if namespace_obj is None:
            return
        errs = FieldErrors()
        policy = podsecurity.policy_of(namespace_obj["metadata"].get("labels"), errs)
        privileged, operation = podsecurity.PRIVILEGED, "create" if old is None else "update"

        def record(decision: str, lv: podsecurity.LevelVersion, mode: str) -> None:
            podsecurity.record(decision, lv, mode, operation, is_pod, subresource)

        if not errs and policy.warn.level == privileged and policy.audit.level == privileged:
            if not is_pod:
                return
            if policy.enforce.level == privileged:
                record("allow", policy.enforce, podsecurity.ENFORCE)
                return
        template = obj if is_pod else podsecurity.template_of(info.group, info.plural, obj)
        if not isinstance(template, dict):
            return
        meta, spec = template.get("metadata") or {}, template.get("spec") or {}
        results: dict[podsecurity.LevelVersion, list[tuple[str, str]]] = {}

        def evaluate(lv: podsecurity.LevelVersion) -> list[tuple[str, str]]:
            if lv not in results:
                results[lv] = podsecurity.violations(lv, meta, spec)
            return results[lv]

        if is_pod:
            found = evaluate(policy.enforce)
            record("deny" if found else "allow", policy.enforce, podsecurity.ENFORCE)
            if found:
                if evaluate(policy.audit):
                    record("deny", policy.audit, podsecurity.AUDIT)
                name = obj["metadata"].get("name", "")
                raise errors.forbidden(info.group_resource, name, podsecurity.forbidden_text(policy.enforce, found))
        if evaluate(policy.audit):  # kube writes it as an audit annotation; aiokube has no audit log
            record("deny", policy.audit, podsecurity.AUDIT)
        if found := evaluate(policy.warn):
            record("deny", policy.warn, podsecurity.WARN)
            if warningrecorder.recording():
                warningrecorder.add([podsecurity.warning_text(policy.warn, found)])

    async def _namespace_pod_security(self, namespace: Obj, old: Obj | None) -> None:
        """ValidateNamespace: labels that do not parse are invalid (on an update, unless the old ones were
        invalid alike); a raised enforce level warns about the pods it would forbid."""
        errs = FieldErrors()
        policy = podsecurity.policy_of(namespace["metadata"].get("labels"), errs)
        old_errs = FieldErrors()
        old_policy = podsecurity.policy_of(old["metadata"].get("labels"), old_errs) if old is not None else None
        if errs and (old is None or not old_errs or errs.causes != old_errs.causes):
            raise errors.invalid(GroupKind("", "Namespace"), namespace["metadata"].get("name", ""), errs.causes)
        if old_policy is None or not podsecurity.namespace_enforce_raised(policy, old_policy):
            return
        info = self.registry.get("", "v1", "pods")
        assert info is not None
        cacher = self.cacher_for(info)
        if not cacher.ready.is_set():
            await cacher.wait_ready(timeout=10)
        name = namespace["metadata"].get("name", "")
        pods = [entry.obj for entry in cacher.cache.list(name)[0]]
        if warningrecorder.recording():  # up to 3,000 pods, a second: not on the event loop
            found = await turns.off_loop(len(pods) > 50, podsecurity.existing_pod_warnings, name, policy.enforce, pods)
            warningrecorder.add(found)

    async def _cached(self, info: ResourceInfo, key: str) -> Obj | None:
        """An object from the resource's watch cache once it has listed (kube's informers), else None."""
        cacher = self.cacher_for(info)
        if cacher.ready.is_set():
            cached = await cacher.get(key, "0")
            if cached is not None:
                return cached.obj
        return None

    async def _namespace(self, name: str) -> Obj | None:
        """A namespace from the watch cache, else etcd (kube's namespace getter)."""
        info = self.registry.get("", "v1", "namespaces")
        assert info is not None
        key = info.key(None, name)
        if (cached := await self._cached(info, key)) is not None:
            return cached
        try:
            return await self.storage.get(key)
        except serr.NotFound:
            return None
        except serr.StorageError as exc:
            raise errors.from_storage(exc, info.group_resource, name) from None

    def _signer_allowed(self, new: Obj, old: Obj, info: ResourceInfo, subresource: str) -> None:
        """CertificateApproval and CertificateSigning: the requester may approve (sign) for the stored CSR's
        signer, asked of the authorizer as kube asks it (the server's own writes pass)."""
        verb = certificates.approval_verb(subresource, new, old)
        user = requester.current()
        if not verb or user is None or self.allows is None:
            return
        signer = (old.get("spec") or {}).get("signerName", "")
        if not any(self.allows(attrs) for attrs in certificates.signer_checks(user, verb, signer)):
            name = new["metadata"].get("name", "")
            raise errors.forbidden(info.group_resource, name, certificates.forbidden_signer_text(verb, signer))

    async def _limit_ranges(self, namespace: str) -> list[Obj]:
        """The namespace's LimitRanges from the watch cache (kube's informer), by name."""
        info = self.registry.get("", "v1", "limitranges")
        assert info is not None
        cacher = self.cacher_for(info)
        if not cacher.ready.is_set():
            await cacher.wait_ready(timeout=10)
        prefix = info.collection_key(namespace)
        ranges = [e.obj for e in cacher.cache.values() if e.key.startswith(prefix)] if len(cacher.cache) else []
        if not ranges:  # kube then asks the API, remembering the answer for 30 s (a range just created)
            expires, ranges = self._live_ranges.get(namespace, (0.0, []))
            if expires < time.monotonic():
                try:
                    ranges = (await self.storage.list(prefix)).items
                except serr.StorageError as exc:
                    raise errors.from_storage(exc, info.group_resource, "") from None
                if len(self._live_ranges) >= _LIVE_LOOKUPS:
                    self._live_ranges.pop(next(iter(self._live_ranges)))
                self._live_ranges[namespace] = (time.monotonic() + _LIVE_TTL, ranges)
        return sorted(ranges, key=lambda obj: obj["metadata"].get("name", ""))

    async def _objects(self, group: str, version: str, plural: str) -> list[Obj]:
        """The objects of a cluster-scoped resource as the watch cache holds them (kube's plugins read their
        informers), once it has listed them."""
        info = self.registry.get(group, version, plural)
        assert info is not None
        cacher = self.cacher_for(info)
        if not cacher.ready.is_set():
            await cacher.wait_ready(timeout=10)
        return [entry.obj for entry in cacher.cache.values()]

    async def service_account(self, namespace: str, name: str) -> Obj | None:
        """The pod's ServiceAccount: from the watch cache, as kube's admission reads its informer, then (not
        there yet) from etcd, as kube's live lookup. kube waits up to ~1.5 s for ``default``, which its
        controller creates right after the namespace; aiokube creates it with the namespace, so one retry
        covers a race. (An etcd read per pod create was 6% of its CPU.)"""
        info = self.registry.get("", "v1", "serviceaccounts")
        assert info is not None
        key = info.key(namespace, name)
        if (cached := await self._cached(info, key)) is not None:
            return cached
        for attempt in range(2 if name == pod_admission.DEFAULT_SERVICE_ACCOUNT else 1):
            if attempt:
                await asyncio.sleep(0.1)
            try:
                return await self.storage.get(key)
            except serr.NotFound:
                continue
            except serr.StorageError as exc:
                raise errors.from_storage(exc, info.group_resource, name) from None
        return None


_ZERO = parse_quantity("0")


def _is_core(info: ResourceInfo, plural: str) -> bool:
    return info.builtin and not info.group and info.plural == plural


def _request(claim: Obj) -> Quantity | None:
    return parse_quantity((((claim.get("spec") or {}).get("resources") or {}).get("requests") or {}).get("storage"))


def _claim_class(claim: Obj) -> str:
    """GetPersistentVolumeClaimClass: the beta annotation first, then the field."""
    annotations = (claim.get("metadata") or {}).get("annotations") or {}
    if defaultclass.BETA_STORAGE_CLASS in annotations:
        return annotations[defaultclass.BETA_STORAGE_CLASS]
    return (claim.get("spec") or {}).get("storageClassName") or ""
