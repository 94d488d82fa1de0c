"""REST handlers for resources: get, list, create, update, delete, deletecollection, status/finalize.

Each follows the order of checks of kube's handlers (k8s.io/apiserver/pkg/endpoints/handlers) and generic
registry store (k8s.io/apiserver/pkg/registry/generic/registry/store.go), so the first error a client gets
for a request is the one kube would give.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
from aiohttp import web

from aiokube.apiserver import errors
from aiokube.apiserver.admission import pods as pod_admission
from aiokube.apiserver.admission.namespacelifecycle import NamespaceLifecycle
from aiokube.apiserver.endpoints.bodies import Decoded, decode_object, schema_of, stored_form
from aiokube.apiserver.endpoints.output import Output, cached
from aiokube.apiserver.endpoints.requestinfo import RequestInfo
from aiokube.apiserver.endpoints.responses import success_status
from aiokube.apiserver.errors import FieldErrors, GroupKind, GroupResource, StatusError
from aiokube.apiserver.patching import patch as patches
from aiokube.apiserver.registry import meta, validation
from aiokube.apiserver.registry.resources import Registry, ResourceInfo
from aiokube.encoding import negotiation, protobuf
from aiokube.encoding.decode import DecodeError, decode_json, decode_yaml, summarize
from aiokube.storage import errors as serr
from aiokube.storage.selection import FieldSelector, LabelSelector, SelectionPredicate, SelectorError
from aiokube.storage.store import Preconditions, Store
from aiokube.watchcache.cacher import Cacher

Obj = dict[str, Any]

MAX_REQUEST_BODY_BYTES = 3 * 1024 * 1024
_GENERATE_NAME_ATTEMPTS = 8  # kube: one try plus 7 retries on collision
_META_K8S = "meta.k8s.io"
_SCALE_SCHEMA = "k8s.io.api.autoscaling.v1.Scale"


def _token_suffix() -> str:
    """The 5 random characters of a pod's ``kube-api-access-xxxxx`` volume (utilrand.String)."""
    return meta.random_suffix(5)


@dataclass(slots=True)
class WriteOptions:
    dry_run: bool
    field_validation: str
    field_manager: str


@dataclass(slots=True)
class DeleteOptions:
    dry_run: bool = False
    preconditions: Preconditions | None = None
    propagation_policy: str = ""
    grace_period_seconds: int | None = None
    orphan_dependents: bool | None = None


@dataclass(slots=True)
class ListOptions:
    label: LabelSelector
    field: FieldSelector
    limit: int
    continue_token: str
    resource_version: str
    resource_version_match: str


async def read_body(request: web.Request) -> bytes:
    """The request body, refusing more than 3 MiB the way kube's limitedReadBody does."""
    chunks: list[bytes] = []
    total = 0
    async for chunk in request.content.iter_chunked(1 << 16):
        total += len(chunk)
        if total > MAX_REQUEST_BODY_BYTES:
            raise errors.request_entity_too_large(f"limit is {MAX_REQUEST_BODY_BYTES}")
        chunks.append(chunk)
    return b"".join(chunks)


def parse_resource_version(value: str) -> int:
    """storage.APIObjectVersioner.ParseResourceVersion, as the 400 kube returns for a bad one."""
    if not value or value == "0":
        return 0
    try:
        rv = int(value)
        if rv < 0 or not value.isdigit():
            raise ValueError
        return rv
    except ValueError:
        raise errors.bad_request(
            f'invalid resource version: resourceVersion: Invalid value: "{value}": '
            f'strconv.ParseUint: parsing "{value}": invalid syntax'
        ) from None


JSON_PATCH = "application/json-patch+json"
MERGE_PATCH = "application/merge-patch+json"
STRATEGIC_PATCH = "application/strategic-merge-patch+json"
APPLY_PATCH = "application/apply-patch+yaml"
#: in the order kube lists them in its 415 message
PATCH_TYPES = (JSON_PATCH, MERGE_PATCH, APPLY_PATCH, STRATEGIC_PATCH)


def apply_patch(
    media: str, existing: Obj, body: bytes, schema: str | None, field_validation: str, strict: list[str]
) -> Obj:
    """One of the three classic patch types applied to a copy of ``existing`` (errors are kube's StatusErrors);
    duplicate fields of a strictly decoded patch body are appended to ``strict``."""
    if media == JSON_PATCH:
        return patches.apply_json_patch(existing, body, field_validation=field_validation, strict_errors=strict)
    if media == MERGE_PATCH:
        return patches.apply_merge_patch(existing, body, field_validation=field_validation, strict_errors=strict)
    if schema is None:
        raise patches.unsupported_strategic_merge_patch()
    return patches.apply_strategic_merge_patch(
        existing, body, schema, field_validation=field_validation, strict_errors=strict
    )


def field_type(info: ResourceInfo) -> Any:
    """The managed-fields type of a resource: its Go type, its CRD schema, or deduced from the object."""
    from aiokube.apiserver.patching import managedfields as mf

    schema = schema_of(info)
    if schema is not None:
        return mf.builtin_type(schema)
    if info.custom is not None and info.custom.schema:
        return mf.openapi_type(info.custom.schema)
    return mf.deduced_type()


def track_fields(old: Obj | None, new: Obj, info: ResourceInfo, manager: str, subresource: str = "") -> None:
    """Record the fields this write changed as owned by ``manager`` (operation Update), as kube does.

    The status a strategy resets on the main resource is never owned (the strategy's ResetFields)."""
    from aiokube.apiserver.patching import managedfields as mf

    reset = mf.reset_field_set(["status"]) if info.strategy.has_status and not subresource else None
    mf.update_managed_fields(
        old, new, manager, info.api_version, meta.now_rfc3339(), field_type(info), subresource, reset_fields=reset
    )


def _json_path(obj: Any, path: str) -> Any:
    """The value at a simple ``.a.b.c`` path (CRD scale paths), or None."""
    cur = obj
    for part in path.strip(".").split("."):
        if not part:
            continue
        if not isinstance(cur, dict) or part not in cur:
            return None
        cur = cur[part]
    return cur


def _set_json_path(obj: Obj, path: str, value: Any) -> None:
    parts = [p for p in path.strip(".").split(".") if p]
    cur = obj
    for part in parts[:-1]:
        cur = cur.setdefault(part, {})
    cur[parts[-1]] = value


def format_label_selector(selector: Obj, empty: str = "") -> str:
    """LabelSelectorAsSelector(...).String(): requirements sorted by key, ``a=b,c in (d,e),!f``."""
    reqs = [(k, f"{k}={v}") for k, v in (selector.get("matchLabels") or {}).items()]
    for expr in selector.get("matchExpressions") or []:
        key, op, values = expr.get("key", ""), expr.get("operator", ""), sorted(expr.get("values") or [])
        text = {
            "In": f"{key} in ({','.join(values)})",
            "NotIn": f"{key} notin ({','.join(values)})",
            "Exists": key,
            "DoesNotExist": f"!{key}",
        }.get(op)
        if text is not None:
            reqs.append((key, text))
    return ",".join(t for _, t in sorted(reqs, key=lambda r: r[0])) or empty


def _parse_bool(value: str | None) -> bool:
    return (value or "").lower() in ("1", "t", "true")


class RESTHandlers:
    def __init__(
        self,
        registry: Registry,
        store: Store,
        admission: NamespaceLifecycle,
        cacher_for: Callable[[ResourceInfo], Cacher],
        on_namespace_terminating: Callable[[str], None] | None = None,
    ) -> None:
        self.registry = registry
        self.store = store
        self.admission = admission
        self.cacher_for = cacher_for
        #: called with a namespace's name after it was created (the default ServiceAccount goes in at once)
        self.on_namespace_created: Callable[[str], Awaitable[None]] | None = None
        self.on_namespace_terminating = on_namespace_terminating or (lambda name: None)

    # --- dispatch ------------------------------------------------------------------------------------

    async def handle(self, request: web.Request, ri: RequestInfo, info: ResourceInfo) -> web.StreamResponse:
        verb = ri.verb
        if ri.subresource:
            return await self._subresource(request, ri, info)
        if ri.name and verb == "create":
            raise errors.method_not_allowed()
        if not ri.name and verb in ("update", "patch"):
            raise errors.method_not_allowed()
        if verb == "deletecollection" and "deletecollection" not in info.verbs:
            raise errors.method_not_allowed()
        if not info.namespaced and ri.namespace and info.plural != "namespaces":
            raise errors.resource_not_found()
        handler: Callable[[web.Request, RequestInfo, ResourceInfo], Awaitable[web.StreamResponse]] | None = {
            "get": self.get,
            "list": self.list,
            "watch": self.watch,
            "create": self.create,
            "update": self.update,
            "patch": self.patch,
            "delete": self.delete,
            "deletecollection": self.delete_collection,
        }.get(verb)
        if handler is None:
            raise errors.method_not_supported(info.group_resource, verb)
        return await handler(request, ri, info)

    async def _subresource(self, request: web.Request, ri: RequestInfo, info: ResourceInfo) -> web.StreamResponse:
        sub = info.subresource(ri.subresource)
        if sub is None:
            raise errors.resource_not_found()
        verb = ri.verb
        if verb not in sub.verbs:
            raise errors.method_not_allowed()
        if sub.name == "binding":
            return await self.bind(request, ri, info)
        if verb == "get":
            if sub.name == "scale":
                return await self._scale_get(request, ri, info)
            return await self.get(request, ri, info)
        if verb == "update":
            return await self.update(request, ri, info, subresource=sub.name)
        if verb == "patch":
            return await self.patch(request, ri, info, subresource=sub.name)
        raise errors.method_not_supported(GroupResource(info.group, f"{info.plural}/{sub.name}"), verb)

    # --- helpers -------------------------------------------------------------------------------------

    def _object_namespace(self, ri: RequestInfo, info: ResourceInfo) -> str | None:
        return ri.namespace if info.namespaced else None

    def _key(self, ri: RequestInfo, info: ResourceInfo) -> str:
        return info.key(self._object_namespace(ri, info), ri.name)

    def _storage_error(self, exc: serr.StorageError, info: ResourceInfo, name: str) -> StatusError:
        return errors.from_storage(exc, info.group_resource, name)

    @staticmethod
    def _write_options(request: web.Request, kind: str) -> WriteOptions:
        errs = FieldErrors()
        dry_run = request.query.getall("dryRun", [])
        for value in dry_run:
            if value != "All":
                errs.not_supported("dryRun", dry_run, ["All"])
                break
        field_validation = request.query.get("fieldValidation", "")
        if field_validation not in ("", "Ignore", "Warn", "Strict"):
            errs.not_supported("fieldValidation", field_validation, ["", "Ignore", "Strict", "Warn"])
        field_manager = request.query.get("fieldManager", "")
        if len(field_manager) > 128:
            errs.too_long("fieldManager", 128)
        if errs:
            raise errors.invalid(GroupKind(_META_K8S, kind), "", errs.causes)
        return WriteOptions(bool(dry_run), field_validation, field_manager)

    @staticmethod
    def _input_media_type(request: web.Request, info: ResourceInfo | None = None) -> str:
        media = negotiation.content_type_of(request.headers.get("Content-Type"))
        if media not in negotiation.SUPPORTED_INPUT or (
            media == negotiation.PROTOBUF and info is not None and not protobuf.has_schema(info.api_version, info.kind)
        ):
            raise errors.unsupported_media_type(", ".join(negotiation.SUPPORTED_INPUT))
        return media

    @staticmethod
    def _check_body_namespace(ri: RequestInfo, info: ResourceInfo, obj_meta: Obj) -> str | None:
        """rest.EnsureObjectNamespaceMatchesRequestNamespace."""
        if not info.namespaced:
            obj_meta.pop("namespace", None)
            return None
        body_ns = obj_meta.get("namespace", "")
        if body_ns and body_ns != ri.namespace:
            raise errors.bad_request(
                "the namespace of the provided object does not match the namespace sent on the request"
            )
        obj_meta["namespace"] = ri.namespace
        return ri.namespace

    def fields_of(self, info: ResourceInfo) -> Callable[[Obj], dict[str, str]]:
        strategy = info.strategy
        namespaced = info.namespaced

        def fields_of(obj: Obj) -> dict[str, str]:
            md = obj.get("metadata") or {}
            out = {"metadata.name": md.get("name", "")}
            if namespaced:
                out["metadata.namespace"] = md.get("namespace", "")
            out.update(strategy.selectable_fields(obj))
            return out

        return fields_of

    def predicate(self, info: ResourceInfo, label: LabelSelector, field: FieldSelector) -> SelectionPredicate:
        return SelectionPredicate(label, field, self.fields_of(info))

    # --- validation ----------------------------------------------------------------------------------

    @staticmethod
    def _validate(obj: Obj, info: ResourceInfo, old: Obj | None = None) -> None:
        errs = FieldErrors()
        md = obj["metadata"]
        validation.validate_object_meta(
            md,
            namespaced=info.namespaced,
            name_validator=validation.NAME_VALIDATORS[info.name_rule],
            errs=errs,
        )
        if old is not None:
            validation.validate_object_meta_update(md, old["metadata"], errs)
        if info.custom is not None and info.custom.schema:
            from aiokube.apiserver.apiextensions import crdschema

            errs.causes.extend(crdschema.validate(obj, info.custom.schema))
        elif info.group == "apiextensions.k8s.io" and info.plural == "customresourcedefinitions":
            from aiokube.apiserver.apiextensions import crdschema

            errs.causes.extend(crdschema.validate_crd(obj))
        if errs:
            raise errors.invalid(info.group_kind, md.get("name", ""), errs.causes)

    async def _admit_create(self, obj: Obj, info: ResourceInfo, namespace: str | None) -> None:
        """The default-on mutating admission plugins for a create (kube runs them before the strategy)."""
        if not info.builtin or info.group:
            return
        if info.plural == "nodes":
            pod_admission.admit_node(obj)
        elif info.plural == "pods" and namespace is not None:
            sa_name = pod_admission.pod_service_account_name(obj)
            account = await self._service_account(namespace, sa_name) if sa_name else None
            try:
                pod_admission.admit_pod(obj, namespace, account, _token_suffix)
            except pod_admission.AdmissionForbidden as exc:
                raise errors.forbidden(info.group_resource, obj["metadata"].get("name", ""), str(exc)) from None

    async def _service_account(self, namespace: str, name: str) -> Obj | None:
        """The pod's ServiceAccount from etcd. kube waits up to ~1.5 s for ``default``, which its controller
        creates right after the namespace; aiokube creates it with the namespace, so one retry covers a race."""
        info = self.registry.get("", "v1", "serviceaccounts")
        assert info is not None
        for attempt in range(2 if name == pod_admission.DEFAULT_SERVICE_ACCOUNT else 1):
            if attempt:
                await asyncio.sleep(0.1)
            try:
                return await self.store.get(info.key(namespace, name))
            except serr.NotFound:
                continue
            except serr.StorageError as exc:
                raise self._storage_error(exc, info, name) from None
        return None

    def _prepare_create(self, obj: Obj, info: ResourceInfo) -> None:
        """rest.BeforeCreate: system fields, strategy, generated name, validation."""
        md = obj["metadata"]
        for k in ("uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "selfLink"):
            md.pop(k, None)
        md["uid"] = meta.new_uid()
        md["creationTimestamp"] = meta.now_rfc3339()
        info.strategy.prepare_for_create(obj)
        info.strategy.canonicalize(obj)
        if not md.get("name") and md.get("generateName"):
            md["name"] = meta.generate_name(md["generateName"])
        self._validate(obj, info)

    def _prepare_update(self, obj: Obj, old: Obj, info: ResourceInfo) -> None:
        """rest.BeforeUpdate: keep generation and identity, strategy, validation."""
        md, old_md = obj["metadata"], old["metadata"]
        md.pop("selfLink", None)
        if "generation" in old_md:
            md["generation"] = old_md["generation"]
        else:
            md.pop("generation", None)
        info.strategy.prepare_for_update(obj, old)
        info.strategy.canonicalize(obj)
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
        self._validate(obj, info, old)

    # --- GET -----------------------------------------------------------------------------------------

    async def get(self, request: web.Request, ri: RequestInfo, info: ResourceInfo) -> web.StreamResponse:
        """RV unset reads etcd; RV="0" the watch cache as is; RV=N the cache once it reached N."""
        out = Output(request, info)
        resource_version = request.query.get("resourceVersion", "")
        parse_resource_version(resource_version)
        try:
            entry = await self.cacher_for(info).get(self._key(ri, info), resource_version)
        except serr.StorageError as exc:
            raise self._storage_error(exc, info, ri.name) from None
        if entry is None:
            raise errors.not_found(info.group_resource, ri.name)
        return out.object_response(entry)

    # --- LIST ----------------------------------------------------------------------------------------

    def list_options(self, request: web.Request, info: ResourceInfo, *, watch: bool = False) -> ListOptions:
        q = request.query
        try:
            label = LabelSelector.parse(q.get("labelSelector", ""))
            field = FieldSelector.parse(q.get("fieldSelector", ""))
        except SelectorError as exc:
            raise errors.bad_request(exc.message) from None
        field = self._convert_field_labels(info, field)
        limit_text = q.get("limit", "")
        try:
            limit = int(limit_text) if limit_text else 0
        except ValueError:
            raise errors.bad_request(f'strconv.ParseInt: parsing "{limit_text}": invalid syntax') from None
        opts = ListOptions(
            label=label,
            field=field,
            limit=max(limit, 0),
            continue_token=q.get("continue", ""),
            resource_version=q.get("resourceVersion", ""),
            resource_version_match=q.get("resourceVersionMatch", ""),
        )
        if not watch:
            self._validate_list_options(opts)
        return opts

    @staticmethod
    def _validate_list_options(opts: ListOptions) -> None:
        """metainternalversion/validation.ValidateListOptions (the list part; watch.py has the watch part)."""
        errs = FieldErrors()
        match = opts.resource_version_match
        if match:
            if not opts.resource_version:
                errs.forbidden(
                    "resourceVersionMatch", "resourceVersionMatch is forbidden unless resourceVersion is provided"
                )
            if opts.continue_token:
                errs.forbidden("resourceVersionMatch", "resourceVersionMatch is forbidden when continue is provided")
            if match not in ("Exact", "NotOlderThan"):
                errs.not_supported("resourceVersionMatch", match, ["Exact", "NotOlderThan", ""])
            if match == "Exact" and opts.resource_version == "0":
                errs.forbidden(
                    "resourceVersionMatch", 'resourceVersionMatch "exact" is forbidden for resourceVersion "0"'
                )
        if errs:
            raise errors.invalid(GroupKind(_META_K8S, "ListOptions"), "", errs.causes)

    @staticmethod
    def _convert_field_labels(info: ResourceInfo, field: FieldSelector) -> FieldSelector:
        """runtime.Scheme.ConvertFieldLabel: reject labels the type does not support, kube's way."""
        reqs = []
        for req in field.requirements:
            label = req.field
            if info.kind == "Pod" and label == "spec.host":
                req = type(req)("spec.nodeName", req.op, req.value)
                label = req.field
            if label not in info.field_labels:
                style = info.strategy.field_label_style
                if style == "core":
                    raise errors.bad_request(f"field label not supported: {label}")
                if style == "job":
                    raise errors.bad_request(f'field label "{label}" not supported for Job')
                raise errors.bad_request(
                    f'"{label}" is not a known field selector: only "metadata.name", "metadata.namespace"'
                )
            reqs.append(req)
        return FieldSelector(tuple(reqs))

    async def list(self, request: web.Request, ri: RequestInfo, info: ResourceInfo) -> web.StreamResponse:
        out = Output(request, info)
        opts = self.list_options(request, info)
        if opts.continue_token and opts.resource_version not in ("", "0"):
            raise errors.bad_request("specifying resource version is not allowed when using continue")
        parse_resource_version(opts.resource_version)
        namespace = ri.namespace if info.namespaced and ri.namespace else None
        pred = self.predicate(info, opts.label, opts.field)
        try:
            result = await self.cacher_for(info).list(
                key_prefix=info.collection_key(namespace),
                namespace=namespace,
                predicate=None if pred.empty() else pred,
                limit=opts.limit,
                continue_token=opts.continue_token,
                resource_version=opts.resource_version,
                match=opts.resource_version_match,
            )
        except serr.StorageError as exc:
            raise self._storage_error(exc, info, "") from None
        list_meta: Obj = {"resourceVersion": str(result.revision)}
        if result.continue_token:
            list_meta["continue"] = result.continue_token
        if result.remaining_item_count is not None:
            list_meta["remainingItemCount"] = result.remaining_item_count
        return await out.list_response(info.list_kind, list_meta, result.entries)

    async def watch(self, request: web.Request, ri: RequestInfo, info: ResourceInfo) -> web.StreamResponse:
        from aiokube.apiserver.endpoints.watch import serve_watch

        opts = self.list_options(request, info, watch=True)
        pred = self.predicate(info, opts.label, opts.field)
        return await serve_watch(request, ri, info, self.cacher_for(info), pred, Output(request, info, stream=True))

    # --- scale and binding subresources ----------------------------------------------------------------

    def _scale_paths(self, info: ResourceInfo) -> tuple[str, str, str]:
        if info.custom is not None and info.custom.scale is not None:
            sc = info.custom.scale
            return (
                sc.get("specReplicasPath", ".spec.replicas"),
                sc.get("statusReplicasPath", ".status.replicas"),
                (sc.get("labelSelectorPath") or ""),
            )
        return ".spec.replicas", ".status.replicas", ".spec.selector"

    def scale_of(self, obj: Obj, info: ResourceInfo) -> Obj:
        """autoscaling/v1 Scale view of an object (registry/apps/deployment ScaleREST, CR scale paths)."""
        spec_path, status_path, selector_path = self._scale_paths(info)
        md = obj["metadata"]
        scale_md = {k: md[k] for k in ("name", "namespace", "uid", "resourceVersion", "creationTimestamp") if k in md}
        status: Obj = {"replicas": _json_path(obj, status_path) or 0}
        selector = _json_path(obj, selector_path) if selector_path else None
        if isinstance(selector, dict):
            selector = format_label_selector(selector)
        if selector:
            status["selector"] = selector
        spec: Obj = {}
        replicas = _json_path(obj, spec_path)
        if replicas is not None:
            spec["replicas"] = replicas
        return {"kind": "Scale", "apiVersion": "autoscaling/v1", "metadata": scale_md, "spec": spec, "status": status}

    async def _scale_get(self, request: web.Request, ri: RequestInfo, info: ResourceInfo) -> web.StreamResponse:
        out = Output(request, info)
        try:
            obj = await self.store.get(self._key(ri, info))
        except serr.StorageError as exc:
            raise self._storage_error(exc, info, ri.name) from None
        return out.object_response(self.scale_of(obj, info))

    async def _scale_write(
        self,
        request: web.Request,
        ri: RequestInfo,
        info: ResourceInfo,
        opts: WriteOptions,
        out: Output,
        *,
        body: bytes | None = None,
        patch: tuple[str, Any] | None = None,
    ) -> web.StreamResponse:
        """PUT/PATCH .../scale: the replicas of the Scale become the object's, through its own update."""
        spec_path, _, _ = self._scale_paths(info)
        body_scale: Obj | None = None
        if body is not None:
            try:
                body_scale = decode_json(body) if body.strip() else {}
            except DecodeError as exc:
                raise errors.bad_request(exc.message) from None
            if not isinstance(body_scale, dict):
                raise errors.bad_request("decoded object cannot be converted to Scale")

        async def new_object(existing: Obj | None) -> Obj:
            if existing is None:
                raise errors.not_found(info.group_resource, ri.name)
            scale = self.scale_of(existing, info)
            if patch is not None:
                media, doc = patch
                scale = apply_patch(media, scale, doc, _SCALE_SCHEMA, opts.field_validation, [])
            else:
                assert body_scale is not None
                rv = (body_scale.get("metadata") or {}).get("resourceVersion")
                if rv and rv != existing["metadata"].get("resourceVersion"):
                    raise errors.conflict(info.group_resource, ri.name, errors.OPTIMISTIC_LOCK_MESSAGE)
                scale = body_scale
            replicas = (scale.get("spec") or {}).get("replicas", 0)
            if isinstance(replicas, bool) or not isinstance(replicas, int):
                raise errors.bad_request(
                    f'Scale in version "v1" cannot be handled as a Scale: json: cannot unmarshal '
                    f"{type(replicas).__name__} into Go struct field ScaleSpec.spec.replicas of type int32"
                )
            if replicas < 0:
                errs = FieldErrors()
                errs.invalid("spec.replicas", replicas, "must be greater than or equal to 0")
                raise errors.invalid(GroupKind("autoscaling", "Scale"), ri.name, errs.causes)
            new = orjson.loads(orjson.dumps(existing))
            _set_json_path(new, spec_path, replicas)
            return new

        result, _ = await self._update_with(
            info,
            self._object_namespace(ri, info),
            ri.name,
            new_object,
            subresource="scale",
            allow_create=False,
            preconditions=None,
            opts=opts,
            manager=self._manager(request, opts),
        )
        return out.object_response(self.scale_of(result, info))

    async def bind(self, request: web.Request, ri: RequestInfo, info: ResourceInfo) -> web.StreamResponse:
        """POST pods/NAME/binding (registry/core/pod/storage BindingREST): set spec.nodeName, PodScheduled."""
        out = Output(request, info)
        opts = self._write_options(request, "CreateOptions")
        body = await read_body(request)
        try:
            binding = decode_json(body)
        except DecodeError as exc:
            raise errors.bad_request(exc.message) from None
        if not isinstance(binding, dict) or binding.get("kind", "Binding") != "Binding":
            raise errors.bad_request("decoded object cannot be converted to Binding")
        target = (binding.get("target") or {}).get("name", "")
        bmeta = binding.get("metadata") or {}
        if bmeta.get("name", ri.name) != ri.name:
            raise errors.bad_request(
                f"the name of the object ({bmeta.get('name')}) does not match the name on the URL ({ri.name})"
            )
        if not target:
            errs = FieldErrors()
            errs.required("target.name")
            raise errors.invalid(GroupKind("", "Binding"), ri.name, errs.causes)
        key = self._key(ri, info)
        now = meta.now_rfc3339()

        def assign(pod: Obj | None) -> Obj:
            assert pod is not None
            md, spec = pod["metadata"], pod.setdefault("spec", {})
            if md.get("deletionTimestamp"):
                raise errors.conflict(
                    info.group_resource, ri.name, f"pod {ri.name} is being deleted, cannot be assigned to a host"
                )
            if spec.get("nodeName"):
                raise errors.conflict(
                    info.group_resource, ri.name, f'pod {ri.name} is already assigned to node "{spec["nodeName"]}"'
                )
            if spec.get("schedulingGates"):
                raise errors.conflict(
                    info.group_resource, ri.name, f"pod {ri.name} has non-empty .spec.schedulingGates"
                )
            spec["nodeName"] = target
            if bmeta.get("annotations"):
                md.setdefault("annotations", {}).update(bmeta["annotations"])
            status = pod.setdefault("status", {})
            conds = [c for c in status.get("conditions") or [] if c.get("type") != "PodScheduled"]
            conds.append({"type": "PodScheduled", "status": "True", "lastProbeTime": None, "lastTransitionTime": now})
            status["conditions"] = conds
            return stored_form(pod, info)

        try:
            await self.store.guaranteed_update(key, assign, dry_run=opts.dry_run)
        except serr.StorageError as exc:
            raise self._storage_error(exc, info, ri.name) from None
        status_obj = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "code": 201}
        return out.object_response(status_obj, 201)

    # --- CREATE --------------------------------------------------------------------------------------

    async def create(self, request: web.Request, ri: RequestInfo, info: ResourceInfo) -> web.StreamResponse:
        out = Output(request, info)
        opts = self._write_options(request, "CreateOptions")
        media = self._input_media_type(request, info)
        body = await read_body(request)
        decoded = decode_object(body, media, info, self.registry, opts.field_validation)
        obj = decoded.obj
        md = obj["metadata"]
        namespace = self._check_body_namespace(ri, info, md)
        if namespace is not None:
            await self.admission.admit_create(
                info.group_resource, namespace, md.get("name") or md.get("generateName", "")
            )
        if md.get("resourceVersion"):
            raise errors.bad_request("resourceVersion should not be set on objects to be created")
        generated = not md.get("name") and bool(md.get("generateName"))
        track_fields(None, obj, info, self._manager(request, opts))  # before admission, as kube records it
        await self._admit_create(obj, info, namespace)
        self._prepare_create(obj, info)
        stored = await self._create_with_retries(obj, info, namespace, opts.dry_run, generated)
        if info.plural == "namespaces" and not info.group and not opts.dry_run and self.on_namespace_created:
            await self.on_namespace_created(stored["metadata"]["name"])
        return out.object_response(stored, 201, decoded.warnings)

    async def _create_with_retries(
        self, obj: Obj, info: ResourceInfo, namespace: str | None, dry_run: bool, generated: bool
    ) -> Obj:
        md = obj["metadata"]
        attempts = _GENERATE_NAME_ATTEMPTS if generated else 1
        for attempt in range(attempts):
            ordered = stored_form(obj, info)
            try:
                return await self.store.create(info.key(namespace, md["name"]), ordered, dry_run=dry_run)
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
                raise self._storage_error(exc, info, md["name"]) from None
        raise AssertionError("unreachable")

    # --- UPDATE --------------------------------------------------------------------------------------

    async def update(
        self, request: web.Request, ri: RequestInfo, info: ResourceInfo, subresource: str = ""
    ) -> web.StreamResponse:
        out = Output(request, info)
        opts = self._write_options(request, "UpdateOptions")
        body = await read_body(request)
        if subresource == "scale":
            return await self._scale_write(request, ri, info, opts, out, body=body)
        media = self._input_media_type(request, info)
        decoded = decode_object(body, media, info, self.registry, opts.field_validation)
        obj = decoded.obj
        md = obj["metadata"]
        namespace = self._check_body_namespace(ri, info, md)
        if info.plural == "namespaces":
            namespace = None
        name = md.get("name", "")
        if not name:
            raise errors.bad_request(
                f"the name of the object ({ri.name} based on URL) was undeterminable: name must be provided"
            )
        if name != ri.name:
            raise errors.bad_request(f"the name of the object ({name}) does not match the name on the URL ({ri.name})")
        body_json = orjson.dumps(obj)

        async def new_object(existing: Obj | None) -> Obj:
            return orjson.loads(body_json)

        result, created = await self._update_with(
            info,
            namespace,
            name,
            new_object,
            subresource=subresource,
            allow_create=info.allow_create_on_update and not subresource,
            preconditions=Preconditions(uid=md["uid"]) if md.get("uid") else None,
            opts=opts,
            manager=self._manager(request, opts),
        )
        return out.object_response(result, 201 if created else 200, decoded.warnings)

    @staticmethod
    def _manager(request: web.Request, opts: WriteOptions) -> str:
        """?fieldManager, else the User-Agent's product name (kube's prefixFromUserAgent)."""
        if opts.field_manager:
            return opts.field_manager
        from aiokube.apiserver.patching.managedfields import manager_from_user_agent

        return manager_from_user_agent(request.headers.get("User-Agent", ""))

    async def _update_with(
        self,
        info: ResourceInfo,
        namespace: str | None,
        name: str,
        new_object: Callable[[Obj | None], Awaitable[Obj]],
        *,
        subresource: str,
        allow_create: bool,
        preconditions: Preconditions | None,
        opts: WriteOptions,
        manager: str,
        track: bool = True,
    ) -> tuple[Obj, bool]:
        """Store.Update: the new object from ``new_object(current)``, then kube's checks, in one txn loop.

        ``track``: record field ownership as an Update by ``manager`` (server-side apply records its own).
        """
        delete_instead: list[Obj] = []

        async def try_update(existing: Obj | None) -> Obj:
            new = await new_object(existing)
            if existing is None:
                if not allow_create:
                    raise errors.not_found(info.group_resource, name)
                if namespace is not None:
                    await self.admission.admit_create(info.group_resource, namespace, name)
                new["metadata"].pop("resourceVersion", None)
                if track:
                    track_fields(None, new, info, manager)
                await self._admit_create(new, info, namespace)
                self._prepare_create(new, info)
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
            if subresource in ("status", "finalize"):
                new = self._subresource_update(subresource, new, existing, info)
            else:
                if info.builtin and (info.group, info.plural) == ("", "pods") and not subresource:
                    pod_admission.admit_pod_update(new, existing)
                self._prepare_update(new, existing, info)
            if self._should_delete_during_update(new, existing, info):
                delete_instead.append(existing)
                raise _DeleteInstead()
            if track:
                track_fields(existing, new, info, manager, subresource if subresource != "scale" else "")
            return stored_form(new, info)

        key = info.key(namespace, name)
        try:
            return await self.store.guaranteed_update(
                key, try_update, ignore_not_found=allow_create, preconditions=preconditions, dry_run=opts.dry_run
            )
        except _DeleteInstead:
            rv = delete_instead[-1]["metadata"]["resourceVersion"]
            try:
                deleted = await self.store.delete(
                    key, preconditions=Preconditions(resource_version=rv), dry_run=opts.dry_run
                )
            except serr.StorageError as exc:
                raise self._storage_error(exc, info, name) from None
            return deleted, False
        except serr.PreconditionFailed as exc:
            raise errors.conflict(
                info.group_resource,
                name,
                f"StorageError: invalid object, Code: 4, Key: {key}, ResourceVersion: 0, AdditionalErrorMsg: "
                f"{exc.message}",
            ) from None
        except serr.StorageError as exc:
            raise self._storage_error(exc, info, name) from None

    # --- PATCH ---------------------------------------------------------------------------------------

    async def patch(
        self, request: web.Request, ri: RequestInfo, info: ResourceInfo, subresource: str = ""
    ) -> web.StreamResponse:
        out = Output(request, info)
        opts = self._write_options(request, "PatchOptions")
        media = negotiation.content_type_of(request.headers.get("Content-Type"))
        patch_types = [t for t in PATCH_TYPES if info.builtin or t != STRATEGIC_PATCH]
        if media not in patch_types:
            raise errors.unsupported_media_type(", ".join(patch_types))
        body = await read_body(request)
        manager = self._manager(request, opts)
        force = _parse_bool(request.query.get("force"))
        if media == APPLY_PATCH:
            if subresource:
                raise errors.method_not_allowed()
            return await self._apply(request, ri, info, opts, out, body, manager, force)
        if request.query.get("force") is not None:
            raise errors.invalid(
                GroupKind(_META_K8S, "PatchOptions"),
                "",
                [errors.Cause("FieldValueForbidden", "force", "Forbidden: may not be specified for non-apply patch")],
            )
        if subresource == "scale":
            return await self._scale_write(request, ri, info, opts, out, patch=(media, body))
        namespace = self._object_namespace(ri, info)
        warnings: list[str] = []

        async def new_object(existing: Obj | None) -> Obj:
            if existing is None:
                raise errors.not_found(info.group_resource, ri.name)
            strict: list[str] = []
            patched = apply_patch(media, existing, body, schema_of(info), opts.field_validation, strict)
            decoded = self._decode_patched(patched, media, body, info, opts.field_validation, strict)
            warnings[:] = decoded.warnings
            self._check_body_namespace(ri, info, decoded.obj["metadata"])
            if decoded.obj["metadata"].get("name") != ri.name:
                raise errors.bad_request(
                    f"the name of the object ({decoded.obj['metadata'].get('name', '')}) does not match the name "
                    f"on the URL ({ri.name})"
                )
            return decoded.obj

        result, _ = await self._update_with(
            info,
            namespace,
            ri.name,
            new_object,
            subresource=subresource,
            allow_create=False,
            preconditions=None,
            opts=opts,
            manager=manager,
        )
        return out.object_response(result, 200, warnings)

    def _decode_patched(
        self, patched: Obj, media: str, body: bytes, info: ResourceInfo, field_validation: str, strict: list[str]
    ) -> Decoded:
        """The patched object decoded into its type, as handlers/patch.go does: a failure, or with
        fieldValidation=Strict any unknown/duplicate field, is a 422 on field ``patch``; with Warn they warn."""

        def shown() -> str:
            if media == STRATEGIC_PATCH:  # kube prints the patch map with %+v, the others the patched JSON
                with contextlib.suppress(DecodeError):
                    return patches.go_sprint(decode_json(body))
            return orjson.dumps(patched).decode()

        validation_mode = "Ignore" if field_validation == "Ignore" else "Warn"
        try:
            decoded = decode_object(orjson.dumps(patched), negotiation.JSON, info, self.registry, validation_mode)
        except StatusError as exc:
            detail = exc.message.split(f"cannot be handled as a {info.kind}: ", 1)[-1]
            raise patches.invalid_patch(shown(), detail) from None
        problems = [*strict, *decoded.warnings]
        if field_validation == "Strict" and problems:
            raise patches.invalid_patch(shown(), "strict decoding error: " + ", ".join(problems))
        if field_validation != "Ignore":
            decoded.warnings = problems
        return decoded

    async def _apply(
        self,
        request: web.Request,
        ri: RequestInfo,
        info: ResourceInfo,
        opts: WriteOptions,
        out: Output,
        body: bytes,
        manager: str,
        force: bool,
    ) -> web.StreamResponse:
        """Server-side apply (``application/apply-patch+yaml``): creates or merges, with field ownership."""
        from aiokube.apiserver.patching import managedfields as mf

        if not opts.field_manager:
            raise errors.invalid(
                GroupKind(_META_K8S, "PatchOptions"),
                "",
                [errors.Cause("FieldValueRequired", "fieldManager", "Required value: is required for apply patch")],
            )
        decoded = decode_object(body, negotiation.YAML, info, self.registry, opts.field_validation, defaults=False)
        applied = decoded.obj
        namespace = self._check_body_namespace(ri, info, applied["metadata"])
        if applied["metadata"].get("name") and applied["metadata"]["name"] != ri.name:
            raise errors.bad_request(
                f"the name of the object ({applied['metadata']['name']}) does not match the name on the URL ({ri.name})"
            )
        applied["metadata"]["name"] = ri.name
        type_info = field_type(info)

        async def new_object(existing: Obj | None) -> Obj:
            live = orjson.loads(orjson.dumps(existing)) if existing is not None else None
            reset = mf.reset_field_set(["status"]) if info.strategy.has_status else None
            return mf.apply(
                live, applied, manager, info.api_version, meta.now_rfc3339(), type_info, force, reset_fields=reset
            )

        result, created = await self._update_with(
            info,
            namespace,
            ri.name,
            new_object,
            subresource="",
            allow_create=True,
            preconditions=None,
            opts=opts,
            manager=manager,
            track=False,
        )
        return out.object_response(result, 201 if created else 200, decoded.warnings)

    def _subresource_update(self, subresource: str, new: Obj, existing: Obj, info: ResourceInfo) -> Obj:
        """status: only status changes; finalize (namespaces): only spec.finalizers (and metadata) change."""
        if subresource == "status":
            out = orjson.loads(orjson.dumps(existing))
            if "status" in new:
                out["status"] = new["status"]
            else:
                out.pop("status", None)
            self._validate(out, info, existing)
            return out
        # namespaces/finalize: the finalize strategy keeps the old status and takes the rest of the body
        md, old_md = new["metadata"], existing["metadata"]
        for k in ("uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "generation"):
            if k in old_md:
                md[k] = old_md[k]
        if "status" in existing:
            new["status"] = existing["status"]
        info.strategy.canonicalize(new)
        self._validate(new, info, existing)
        return new

    @staticmethod
    def _should_delete_during_update(new: Obj, existing: Obj, info: ResourceInfo) -> bool:
        """registry.ShouldDeleteDuringUpdate (+ namespaces: spec.finalizers must be empty too)."""
        old_md = existing["metadata"]
        if new["metadata"].get("finalizers") or not old_md.get("deletionTimestamp"):
            return False
        if info.plural == "namespaces" and (new.get("spec") or {}).get("finalizers"):
            return False
        return not old_md.get("deletionGracePeriodSeconds")

    # --- DELETE --------------------------------------------------------------------------------------

    async def _delete_options(self, request: web.Request) -> DeleteOptions:
        q = request.query
        opts = DeleteOptions()
        body = await read_body(request)
        if body.strip():
            media = negotiation.content_type_of(request.headers.get("Content-Type"))
            if media not in negotiation.SUPPORTED_INPUT:
                raise errors.unsupported_media_type(", ".join(negotiation.SUPPORTED_INPUT))
            try:
                if media == negotiation.PROTOBUF:
                    raw = protobuf.decode_object(body)
                elif media == negotiation.YAML:
                    raw = decode_yaml(body)
                else:
                    raw = decode_json(body)
            except protobuf.ProtobufError as exc:
                raise errors.bad_request(str(exc)) from None
            except DecodeError as exc:
                raise errors.bad_request(
                    f"couldn't get version/kind; json parse error: {exc.message} ({summarize(body)})"
                ) from None
            if raw is None:
                raw = {}
            if not isinstance(raw, dict):
                raise errors.bad_request("decoded object cannot be converted to DeleteOptions")
            if raw.get("kind") not in (None, "", "DeleteOptions"):
                raise errors.bad_request("decoded object cannot be converted to DeleteOptions")
            pre = raw.get("preconditions") or {}
            if isinstance(pre, dict) and (pre.get("uid") is not None or pre.get("resourceVersion") is not None):
                opts.preconditions = Preconditions(uid=pre.get("uid"), resource_version=pre.get("resourceVersion"))
            opts.propagation_policy = raw.get("propagationPolicy") or ""
            opts.grace_period_seconds = raw.get("gracePeriodSeconds")
            opts.orphan_dependents = raw.get("orphanDependents")
            opts.dry_run = bool(raw.get("dryRun"))
            dry_run_values = raw.get("dryRun") or []
        else:
            dry_run_values = []
        dry_run_values = list(dry_run_values) + q.getall("dryRun", [])
        if "propagationPolicy" in q:
            opts.propagation_policy = q["propagationPolicy"]
        if "gracePeriodSeconds" in q:
            with contextlib.suppress(ValueError):
                opts.grace_period_seconds = int(q["gracePeriodSeconds"])
        if "orphanDependents" in q:
            opts.orphan_dependents = _parse_bool(q["orphanDependents"])
        errs = FieldErrors()
        if any(v != "All" for v in dry_run_values):
            errs.not_supported("dryRun", dry_run_values, ["All"])
        opts.dry_run = bool(dry_run_values)
        policy = opts.propagation_policy
        if policy and policy not in ("Foreground", "Background", "Orphan"):
            errs.not_supported("propagationPolicy", policy, ["Foreground", "Background", "Orphan", "nil"])
        if policy and opts.orphan_dependents is not None:
            errs.invalid("propagationPolicy", policy, "orphanDependents and deletionPropagation cannot be both set")
        if errs:
            raise errors.invalid(GroupKind(_META_K8S, "DeleteOptions"), "", errs.causes)
        return opts

    @staticmethod
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

    async def delete(self, request: web.Request, ri: RequestInfo, info: ResourceInfo) -> web.StreamResponse:
        out = Output(request, info)
        opts = await self._delete_options(request)
        if info.plural == "namespaces":
            return out.object_response(await self.delete_namespace(ri.name, opts))
        return out.object_response(await self.delete_object(info, self._object_namespace(ri, info), ri.name, opts))

    async def delete_object(self, info: ResourceInfo, namespace: str | None, name: str, opts: DeleteOptions) -> Obj:
        """Store.Delete: preconditions, finalizers (mark as deleting) or removal; returns the response body."""
        key = info.key(namespace, name)
        try:
            existing = await self.store.get(key)
        except serr.StorageError as exc:
            raise self._storage_error(exc, info, name) from None
        self._check_delete_preconditions(existing, opts.preconditions, info)
        if info.kind == "Pod" and not info.group:
            graceful = await self._delete_pod_gracefully(info, key, name, existing, opts)
            if graceful is not None:
                return graceful
        gc_finalizer = ""
        if info.group == "apiextensions.k8s.io" and info.plural == "customresourcedefinitions":
            from aiokube.apiserver.apiextensions.controller import CLEANUP_FINALIZER

            if not existing["metadata"].get("deletionTimestamp"):  # the CRD REST's first DELETE
                return await self._mark_deleting(info, key, name, "", opts, extra_finalizer=CLEANUP_FINALIZER)
        if info.kind != "Event":
            if opts.propagation_policy == "Orphan" or opts.orphan_dependents:
                gc_finalizer = "orphan"
            elif opts.propagation_policy == "Foreground":
                gc_finalizer = "foregroundDeletion"
        if existing["metadata"].get("finalizers") or gc_finalizer:
            return await self._mark_deleting(info, key, name, gc_finalizer, opts)
        try:
            deleted = await self.store.delete(key, preconditions=opts.preconditions, dry_run=opts.dry_run)
        except serr.PreconditionFailed as exc:
            raise errors.conflict(info.group_resource, name, exc.message) from None
        except serr.StorageError as exc:
            raise self._storage_error(exc, info, name) from None
        return self._deleted_response(info, deleted)

    @staticmethod
    def _pod_grace(pod: Obj, opts: DeleteOptions) -> int:
        """pod strategy CheckGracefulDelete: options, else the pod's own period; 0 when unscheduled/done."""
        spec = pod.get("spec") or {}
        grace = opts.grace_period_seconds
        if grace is None:
            grace = spec.get("terminationGracePeriodSeconds", 30)
        if not spec.get("nodeName") or (pod.get("status") or {}).get("phase") in ("Failed", "Succeeded"):
            grace = 0
        return 1 if grace < 0 else int(grace)

    async def _delete_pod_gracefully(
        self, info: ResourceInfo, key: str, name: str, existing: Obj, opts: DeleteOptions
    ) -> Obj | None:
        """rest.BeforeDelete for pods: deletionTimestamp = now + grace; with grace 0 the pod is removed
        right after (watchers see MODIFIED then DELETED). None: continue with the normal deletion."""
        grace = self._pod_grace(existing, opts)
        md = existing["metadata"]
        if md.get("deletionTimestamp") and grace and grace >= (md.get("deletionGracePeriodSeconds") or 0):
            return existing  # already terminating, no sooner: nothing to do
        when = datetime.now(UTC) + timedelta(seconds=grace)

        def mark(current: Obj | None) -> Obj:
            assert current is not None
            cmd = current["metadata"]
            if not cmd.get("deletionTimestamp") and cmd.get("generation", 0) > 0:
                cmd["generation"] += 1
            cmd["deletionTimestamp"] = when.strftime("%Y-%m-%dT%H:%M:%SZ")
            cmd["deletionGracePeriodSeconds"] = grace
            return stored_form(current, info)

        try:
            updated, _ = await self.store.guaranteed_update(
                key, mark, preconditions=opts.preconditions, dry_run=opts.dry_run
            )
        except serr.PreconditionFailed as exc:
            raise errors.conflict(info.group_resource, name, exc.message) from None
        except serr.StorageError as exc:
            raise self._storage_error(exc, info, name) from None
        if grace > 0 or updated["metadata"].get("finalizers"):
            return updated
        try:
            rv = updated["metadata"].get("resourceVersion")
            return await self.store.delete(
                key, preconditions=Preconditions(resource_version=rv) if rv else None, dry_run=opts.dry_run
            )
        except serr.StorageError as exc:
            raise self._storage_error(exc, info, name) from None

    def _deleted_response(self, info: ResourceInfo, deleted: Obj) -> Obj:
        if info.return_deleted_object:
            return deleted
        md = deleted["metadata"]
        return success_status(md.get("name", ""), info.group, info.plural, md.get("uid", ""))

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
            return stored_form(existing, info)

        try:
            updated, _ = await self.store.guaranteed_update(
                key, mark, preconditions=opts.preconditions, dry_run=opts.dry_run
            )
        except serr.PreconditionFailed as exc:
            raise errors.conflict(info.group_resource, name, exc.message) from None
        except serr.StorageError as exc:
            raise self._storage_error(exc, info, name) from None
        return updated

    async def delete_namespace(self, name: str, opts: DeleteOptions) -> Obj:
        """The namespace REST's two-phase delete: Terminating first, removal once spec.finalizers is empty."""
        info = self.registry.get("", "v1", "namespaces")
        assert info is not None
        NamespaceLifecycle.admit_namespace_delete(name)
        key = info.key(None, name)
        try:
            existing = await self.store.get(key)
        except serr.StorageError as exc:
            raise self._storage_error(exc, info, name) from None
        pre = opts.preconditions or Preconditions()
        if pre.uid is None:
            pre.uid = existing["metadata"].get("uid", "")

        def terminate(current: Obj | None) -> Obj:
            assert current is not None
            md = current["metadata"]
            if not md.get("deletionTimestamp"):
                md["deletionTimestamp"] = meta.now_rfc3339()
            current.setdefault("status", {})["phase"] = "Terminating"
            if opts.propagation_policy == "Orphan" or opts.orphan_dependents:
                md["finalizers"] = [*md.get("finalizers", []), "orphan"]
            return stored_form(current, info)

        try:
            if not existing["metadata"].get("deletionTimestamp"):
                updated, _ = await self.store.guaranteed_update(key, terminate, preconditions=pre, dry_run=opts.dry_run)
                if not opts.dry_run:
                    self.on_namespace_terminating(name)
                return updated
            if (existing.get("spec") or {}).get("finalizers") or existing["metadata"].get("finalizers"):
                pre.check(key, existing)
                return existing
            return await self.store.delete(key, preconditions=pre, dry_run=opts.dry_run)
        except serr.PreconditionFailed as exc:
            raise errors.conflict(info.group_resource, name, exc.message) from None
        except serr.StorageError as exc:
            raise self._storage_error(exc, info, name) from None

    async def finalize_namespace(self, name: str) -> None:
        """The namespace controller's last step: drop the ``kubernetes`` finalizer (which deletes it)."""
        info = self.registry.get("", "v1", "namespaces")
        assert info is not None

        def drop(ns: Obj) -> None:
            spec = ns.setdefault("spec", {})
            spec["finalizers"] = [f for f in spec.get("finalizers", []) if f != "kubernetes"]
            if not spec["finalizers"]:
                del spec["finalizers"]

        await self._finalize(info, info.key(None, name), drop)

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
            new = orjson.loads(orjson.dumps(existing))
            mutate(new)
            if self._should_delete_during_update(new, existing, info):
                seen.append(existing)
                raise _DeleteInstead()
            return new

        try:
            await self.store.guaranteed_update(key, update)
        except _DeleteInstead:
            rv = seen[-1]["metadata"]["resourceVersion"]
            with contextlib.suppress(serr.NotFound):
                await self.store.delete(key, preconditions=Preconditions(resource_version=rv))
        except serr.NotFound:
            pass

    async def create_object(self, info: ResourceInfo, obj: Obj) -> Obj:
        """Create through the full server-side path (used by bootstrap and controllers)."""
        obj = orjson.loads(orjson.dumps(obj))
        md = obj.setdefault("metadata", {})
        namespace = md.get("namespace") if info.namespaced else None
        generated = not md.get("name") and bool(md.get("generateName"))
        self._prepare_create(obj, info)
        return await self._create_with_retries(obj, info, namespace, False, generated)

    async def delete_collection(self, request: web.Request, ri: RequestInfo, info: ResourceInfo) -> web.StreamResponse:
        out = Output(request, info)
        list_opts = self.list_options(request, info)
        opts = await self._delete_options(request)
        pred = self.predicate(info, list_opts.label, list_opts.field)
        items, revision = await self.delete_matching(info, ri.namespace or None, pred, opts)
        return await out.list_response(info.list_kind, {"resourceVersion": str(revision)}, [cached(i) for i in items])

    async def delete_matching(
        self, info: ResourceInfo, namespace: str | None, pred: SelectionPredicate | None, opts: DeleteOptions
    ) -> tuple[list[Obj], int]:
        """Store.DeleteCollection: list, then delete each (objects already gone are skipped)."""
        try:
            result = await self.store.list(
                info.collection_key(namespace), predicate=None if pred is None or pred.empty() else pred.matches
            )
        except serr.StorageError as exc:
            raise self._storage_error(exc, info, "") from None
        for item in result.items:
            md = item["metadata"]
            try:
                await self.delete_object(info, md.get("namespace"), md["name"], opts)
            except StatusError as exc:
                if exc.code != 404:
                    raise
        return result.items, result.revision


class _DeleteInstead(Exception):
    """An update removed the last finalizer of an object being deleted: delete it instead of writing."""
