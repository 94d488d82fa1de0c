"""REST handlers for resources: get, list, watch, create, update, patch, delete, deletecollection and the
status, scale, binding and finalize subresources.

Each parses what kube's handlers (k8s.io/apiserver/pkg/endpoints/handlers) parse, in their order, calls the
generic store (registry/store.py) and writes the negotiated response; the kube semantics of the write live in
the store, so controllers get the same behaviour without HTTP.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from aiohttp import web

from aiokube.apiserver import errors
from aiokube.apiserver.authorization.cachesource import RBAC_GROUP
from aiokube.apiserver.endpoints import options, patcher
from aiokube.apiserver.endpoints.bodies import (
    Decoded,
    Parsed,
    decode_object,
    decode_object_async,
    is_heavy,
    parse_body_async,
    read_body,
)
from aiokube.apiserver.endpoints.connect import ConnectHandlers
from aiokube.apiserver.endpoints.filters import user_of
from aiokube.apiserver.endpoints.output import Output, cached
from aiokube.apiserver.endpoints.requestinfo import RequestInfo
from aiokube.apiserver.endpoints.responses import REQUEST_LEADING_WARNINGS, REQUEST_WARNINGS
from aiokube.apiserver.endpoints.watch import serve_watch
from aiokube.apiserver.errors import GroupKind, GroupResource
from aiokube.apiserver.patching import managedfields as mf
from aiokube.apiserver.patching import scalefields
from aiokube.apiserver.patching.patch import json_kind
from aiokube.apiserver.registry import eviction as evictions
from aiokube.apiserver.registry import meta, pods, reviews, scale, tokenrequest
from aiokube.apiserver.registry.componentstatus import ComponentStatuses
from aiokube.apiserver.registry.meta import copy_object
from aiokube.apiserver.registry.options import META_GROUP, WriteOptions
from aiokube.apiserver.registry.resources import ResourceInfo
from aiokube.apiserver.registry.selection import predicate
from aiokube.apiserver.registry.store import (
    GenericStore,
    NewObject,
    field_type,
    reset_fields,
    track_fields,
    version_converter,
)
from aiokube.apiserver.registry.storedform import as_typed, schema_of
from aiokube.apiserver.registry.turns import off_loop
from aiokube.encoding import negotiation
from aiokube.encoding.decode import DecodeError, decode_json
from aiokube.encoding.negotiation import ROUTE_PRODUCES, ROUTE_PRODUCES_STREAM, route_accepts
from aiokube.storage.store import Preconditions

if TYPE_CHECKING:
    from aiokube.apiserver.secureserving import Security

Obj = dict[str, Any]
Handler = Callable[[web.Request, RequestInfo, ResourceInfo], Awaitable[web.StreamResponse]]


def field_manager(request: web.Request, opts: WriteOptions) -> str:
    """?fieldManager, else the User-Agent's product name (kube's prefixFromUserAgent)."""
    if opts.field_manager:
        return opts.field_manager
    return mf.manager_from_user_agent(request.headers.get("User-Agent", ""))


def body_namespace(ri: RequestInfo, info: ResourceInfo, obj_meta: Obj) -> str | None:
    """rest.EnsureObjectNamespaceMatchesRequestNamespace: the body's namespace is the request's."""
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


def _check_name(name: str, ri: RequestInfo) -> None:
    if name != ri.name:
        raise errors.bad_request(f"the name of the object ({name}) does not match the name on the URL ({ri.name})")


async def _apply_configuration(body: bytes, opts: WriteOptions, heavy: bool) -> Parsed:
    """applyPatcher's reading of the configuration: yaml.Unmarshal into a map (duplicate keys noted for the
    strict reading, which comes after the apply)."""
    try:
        parsed = await parse_body_async(body, negotiation.YAML, opts.field_validation, heavy)
    except DecodeError as exc:
        raise errors.bad_request(f"error decoding YAML: error converting YAML to JSON: {exc.message}") from None
    if parsed.value is not None and not isinstance(parsed.value, dict):
        raise errors.bad_request(
            "error decoding YAML: error unmarshaling JSON: while decoding JSON: json: cannot unmarshal "
            f"{json_kind(parsed.value)} into Go value of type map[string]interface {{}}"
        )
    return parsed


def _check_duplicates(duplicates: list[str], opts: WriteOptions) -> None:
    """fieldValidation=Strict refuses an applied configuration with duplicate keys, once the apply succeeded."""
    if duplicates and opts.field_validation == "Strict":
        raise errors.bad_request(
            "error strict decoding YAML: error converting YAML to JSON: yaml: unmarshal errors:\n  "
            + "\n  ".join(duplicates)
        )


class RESTHandlers:
    """One method per verb of a resource endpoint, called by the server's router with the parsed
    RequestInfo and the resource's registry entry; each returns the response or raises a StatusError
    (the router writes it as kube's Status). Stateless apart from the store: safe to run concurrently."""

    def __init__(
        self, store: GenericStore, security: Security, component_statuses: ComponentStatuses | None = None
    ) -> None:
        self.store = store
        self.registry = store.registry
        self.security = security
        self.connecters = ConnectHandlers(store)
        #: componentstatuses, computed when read (registry/componentstatus.py); None: served empty of servers
        self.component_statuses = component_statuses

    # --- dispatch ------------------------------------------------------------------------------------

    async def handle(self, request: web.Request, ri: RequestInfo, info: ResourceInfo) -> web.StreamResponse:
        verb = ri.verb
        sub = info.subresource(ri.subresource) if ri.subresource else None
        if info.custom is None and not (sub is not None and sub.connect):
            # built-in resources are go-restful routes: its Accept check comes first (connecters produce */*)
            produces = ROUTE_PRODUCES_STREAM if verb in ("list", "watch") and not ri.subresource else ROUTE_PRODUCES
            if sub is not None and sub.options:
                produces = ("text/plain", *produces)  # pods/log
            if not route_accepts(request.headers.get("Accept"), produces):
                raise errors.route_not_acceptable(produces)
        listed_watch = verb == "watch" and "list" in info.verbs and not ri.legacy_watch  # the list route
        if info.deprecation and not ri.subresource and (verb in info.verbs or listed_watch):
            recorded = request.setdefault(REQUEST_WARNINGS, [])
            recorded.append(info.deprecation)  # every route of a deprecated kind warns, first
            request[REQUEST_LEADING_WARNINGS] = len(recorded)
        if ri.subresource:
            return await self._subresource(request, ri, info)
        if len(ri.parts) > 2:  # an empty subresource segment (".../name//x"): no route takes it
            raise errors.resource_not_found()
        if ri.name and verb == "create":
            raise errors.method_not_allowed()
        if not ri.name and verb in ("update", "patch"):
            raise errors.method_not_allowed()
        if verb not in info.verbs:
            # kube installs a route per verb its storage offers: an item path with none is no path at all
            if ri.name and not {"get", "update", "patch", "delete"} & set(info.verbs):
                raise errors.resource_not_found()
            if verb == "watch" and "list" in info.verbs:  # ?watch=1 reaches the list route; watch/... has none
                if ri.legacy_watch:
                    raise errors.resource_not_found()
                raise errors.method_not_supported(info.group_resource, "watch")
            raise errors.method_not_allowed()
        if not info.namespaced and ri.namespace and info.plural != "namespaces":
            raise errors.resource_not_found()
        if not info.stored and verb in ("get", "list"):
            return await self._computed(request, ri, info)
        handler: Handler | None = {
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
        if sub.connect:  # a route per connect method (proxies: HEAD and OPTIONS too)
            if request.method not in sub.connect:
                raise errors.method_not_allowed()
            return await self.connecters.connect(request, ri, info, sub)
        if len(ri.parts) > 3:
            raise errors.resource_not_found()
        verb = ri.verb
        if verb not in sub.verbs or request.method == "HEAD":
            raise errors.method_not_allowed()
        if sub.options:  # pods/log: a GET with options, streamed from the kubelet
            return await self.connecters.log(request, ri)
        if sub.name == "binding":
            return await self.bind(request, ri, info)
        if sub.name == "eviction":
            return await self.evict(request, ri, info)
        if sub.name == "token":
            return await self.token_request(request, ri, info)
        if verb == "get":
            if sub.name == "scale":
                return await self._scale_get(request, ri, info)
            return await self.get(request, ri, info)
        if verb == "update":
            return await self.update(request, ri, info, subresource=sub.name)
        if verb == "patch":
            return await self.patch(request, ri, info, subresource=sub.name)
        raise errors.method_not_supported(GroupResource(info.group, f"{info.plural}/{sub.name}"), verb)

    @staticmethod
    def _namespace(ri: RequestInfo, info: ResourceInfo) -> str | None:
        return ri.namespace if info.namespaced else None

    # --- reads ---------------------------------------------------------------------------------------

    async def get(self, request: web.Request, ri: RequestInfo, info: ResourceInfo) -> web.StreamResponse:
        out = Output(request, info)
        rv = request.query.get("resourceVersion", "")
        return await out.object_response_async(await self.store.get(info, self._namespace(ri, info), ri.name, rv))

    async def list(self, request: web.Request, ri: RequestInfo, info: ResourceInfo) -> web.StreamResponse:
        out = Output(request, info)
        opts = options.list_options(request, info)
        namespace = ri.namespace if info.namespaced and ri.namespace else None
        result = await self.store.list(info, namespace, opts)
        list_meta: Obj = {"resourceVersion": str(result.revision)}
        if result.continue_token:
            list_meta["continue"] = result.continue_token
        if result.remaining_item_count is not None:
            list_meta["remainingItemCount"] = result.remaining_item_count
        return await out.list_response(info.list_kind, list_meta, result.entries)

    async def watch(self, request: web.Request, ri: RequestInfo, info: ResourceInfo) -> web.StreamResponse:
        opts = options.list_options(request, info, watch=True)
        pred = predicate(info, opts.label, opts.field)
        out = Output(request, info, stream=True)
        return await serve_watch(request, ri, info, self.store.cacher_for(info), pred, out)

    async def _computed(self, request: web.Request, ri: RequestInfo, info: ResourceInfo) -> web.StreamResponse:
        """GET and LIST of resources read from elsewhere than etcd: componentstatuses probe the control plane."""
        out = Output(request, info)
        statuses = self.component_statuses
        if ri.name:
            if statuses is None:
                raise errors.not_found(GroupResource(info.group, info.singular), ri.name)
            return out.object_response(await statuses.get(ri.name))
        opts = options.list_options(request, info)
        items = await statuses.list() if statuses is not None else []
        pred = predicate(info, opts.label, opts.field)
        if not pred.empty():
            items = [i for i in items if pred.matches(i)]
        return await out.list_response(info.list_kind, {}, [cached(i) for i in items])

    # --- scale and binding subresources ----------------------------------------------------------------

    async def _scale_get(self, request: web.Request, ri: RequestInfo, info: ResourceInfo) -> web.StreamResponse:
        out = Output(request, info)
        obj = await self.store.get_current(info, self._namespace(ri, info), ri.name)
        return out.object_response(scale.scale_of(obj, info))

    async def _scale_write(
        self,
        request: web.Request,
        ri: RequestInfo,
        info: ResourceInfo,
        opts: WriteOptions,
        *,
        body: bytes | None = None,
        patch: tuple[str, bytes] | None = None,
        apply: tuple[Obj, bool, list[str]] | None = None,
    ) -> web.StreamResponse:
        """PUT/PATCH .../scale, or a server-side apply of a Scale (``apply``: the configuration, force, its
        duplicate keys): the replicas of the Scale become the object's, through its own update. The field
        manager works on the Scale (patching/scalefields.py)."""
        body_scale: Any = None
        if body is not None:
            try:
                body_scale = decode_json(body) if body.strip() else {}
            except DecodeError as exc:
                raise errors.bad_request(exc.message) from None
            if not isinstance(body_scale, dict):
                raise errors.bad_request("decoded object cannot be converted to Scale")
        manager = field_manager(request, opts)
        mappings = scale.replicas_mappings(info, self.registry)

        async def new_object(existing: Obj | None) -> Obj:
            if existing is None:
                raise errors.not_found(info.group_resource, ri.name)
            parent_fields = existing["metadata"].get("managedFields")
            current = scale.scale_of(existing, info)
            current["metadata"]["managedFields"] = scalefields.to_subresource(parent_fields, mappings)
            now = meta.now_rfc3339()
            if apply is not None:
                config, force, duplicates = apply
                custom = info.custom is not None
                if custom and not current["metadata"]["managedFields"]:
                    raise scale.custom_apply_error("failed to create manager for existing fields: failed to convert "
                                                   "live object (/; autoscaling/v1, Kind=Scale)")  # fmt: skip
                new_scale = mf.apply(current, config, manager, scalefields.SCALE_VERSION, now, scale.SCALE_TYPE,
                                     force, kind="Scale", subresource="scale")  # fmt: skip
                if custom and not scale.same_scale(new_scale, current):
                    config_md = config.get("metadata") if isinstance(config.get("metadata"), dict) else {}
                    where = f"{config_md.get('namespace', '')}/{config_md.get('name', '')}; autoscaling/v1, Kind=Scale"
                    raise scale.custom_apply_error(f"failed to convert new object ({where})")
                _check_duplicates(duplicates, opts)
            else:
                if patch is not None:
                    media, doc = patch
                    new_scale = patcher.apply_patch(media, current, doc, scale.SCALE_SCHEMA, opts.field_validation, [])
                else:
                    new_scale = copy_object(body_scale)
                mf.update_managed_fields(current, new_scale, manager, scalefields.SCALE_VERSION, now,
                                         scale.SCALE_TYPE, "scale")  # fmt: skip
            updated = scale.scaled(existing, new_scale, info, ri.name, check_version=body is not None)
            scale_fields = (new_scale.get("metadata") or {}).get("managedFields")
            entries = scalefields.to_parent(parent_fields, scale_fields, mappings, info.api_version)
            if entries:
                updated["metadata"]["managedFields"] = entries
            else:
                updated["metadata"].pop("managedFields", None)
            return updated

        result, _ = await self._update(request, ri, info, opts, new_object, subresource="scale", track=False)
        return Output(request, info).object_response(scale.scale_of(result, info))

    async def bind(self, request: web.Request, ri: RequestInfo, info: ResourceInfo) -> web.StreamResponse:
        """POST pods/NAME/binding, or POST bindings naming the pod in the body (registry/core/pod/storage
        BindingREST, both): set spec.nodeName and the PodScheduled condition."""
        out = Output(request, info)
        opts = options.write_options(request, "CreateOptions")
        body = await read_body(request)
        try:
            binding = decode_json(body)
        except DecodeError as exc:
            raise errors.bad_request(exc.message) from None
        name = ri.name
        if info.kind == "Binding":  # the bindings collection: the pod is the binding's name
            name = ((binding.get("metadata") or {}) if isinstance(binding, dict) else {}).get("name", "")
            pods_info = self.registry.get("", "v1", "pods")
            assert pods_info is not None
            info = pods_info
        await pods.bind(self.store.storage, info, ri.namespace, name, binding, opts.dry_run)
        status_obj = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "code": 201}
        return out.object_response(status_obj, 201)

    async def evict(self, request: web.Request, ri: RequestInfo, info: ResourceInfo) -> web.StreamResponse:
        """POST pods/NAME/eviction with a policy/v1 Eviction (JSON, YAML or protobuf): registry/eviction.py."""
        out = Output(request, info)
        opts = options.write_options(request, "CreateOptions")
        policy = self.registry.get("policy", "v1", "poddisruptionbudgets")
        assert policy is not None
        body = await read_body(request)
        media = options.input_media_type(request, info)
        evict_info = dataclasses.replace(policy, kind="Eviction", plural="pods", fields=("deleteOptions",))
        eviction = (await decode_object_async(body, media, evict_info, self.registry, opts.field_validation)).obj
        if (eviction.get("metadata") or {}).get("name") != ri.name:
            raise errors.bad_request("name in URL does not match name in Eviction object")
        delete_opts = evictions.delete_options(eviction, opts.dry_run)
        result = await evictions.evict(
            self.store, info, ri.namespace, ri.name, delete_opts, field_manager(request, opts)
        )
        return out.object_response(result, 201)

    async def token_request(self, request: web.Request, ri: RequestInfo, info: ResourceInfo) -> web.StreamResponse:
        """POST serviceaccounts/NAME/token with a TokenRequest: a signed token (registry/tokenrequest.py)."""
        reviews_info = self.registry.get("authentication.k8s.io", "v1", "tokenreviews")
        assert reviews_info is not None
        token_info = dataclasses.replace(reviews_info, kind="TokenRequest", plural="serviceaccounts", namespaced=True)
        out = Output(request, token_info)
        opts = options.write_options(request, "CreateOptions")
        body = await read_body(request)
        media = options.input_media_type(request, info)
        token_request = (await decode_object_async(body, media, token_info, self.registry, opts.field_validation)).obj
        tokenrequest.validate(token_request, ri.name, ri.namespace)
        track_fields(None, token_request, token_info, field_manager(request, opts), subresource="token")
        account = await self.store.get_current(info, ri.namespace, ri.name)
        ref = token_request["spec"].get("boundObjectRef")
        bound = None
        if ref:
            plural = tokenrequest.BOUND_KINDS.get(ref.get("kind", ""), "")
            core = plural and "/" not in ref.get("apiVersion", "")
            bound_info = self.registry.get("", "v1", plural) if core else None
            obj = None
            if bound_info is not None:
                with contextlib.suppress(errors.StatusError):
                    obj = await self.store.get_current(bound_info, ri.namespace, ref.get("name", ""))
            bound = tokenrequest.bound_object(ref, ri.name, obj)
        sec = self.security
        answer, warnings = tokenrequest.answer(
            token_request,
            account,
            bound,
            sec.token_issuer(),
            sec.api_audiences,
            sec.config.service_account_max_token_expiration,
        )
        return out.object_response(answer, 201, warnings)

    # --- writes --------------------------------------------------------------------------------------

    async def create(self, request: web.Request, ri: RequestInfo, info: ResourceInfo) -> web.StreamResponse:
        if info.kind == "Binding" and not info.group:
            return await self.bind(request, ri, info)
        out = Output(request, info)
        opts = options.write_options(request, "CreateOptions")
        media = options.input_media_type(request, info)
        body = await read_body(request)
        heavy = is_heavy(body, media)
        decoded = await decode_object_async(body, media, info, self.registry, opts.field_validation, heavy=heavy)
        namespace = body_namespace(ri, info, decoded.obj["metadata"])
        if not info.stored:  # a review: answered, not stored
            answer = reviews.answer(info, decoded.obj, namespace, user_of(request), self.security)
            return out.object_response(answer, 201, decoded.warnings)
        manager = field_manager(request, opts)
        if info.group == RBAC_GROUP:
            self.security.check_rbac_write(user_of(request), info, decoded.obj, namespace or "", None, "")
        stored = await self.store.create(
            info, decoded.obj, namespace, dry_run=opts.dry_run, manager=manager, heavy=heavy
        )
        return await out.object_response_async(stored, 201, decoded.warnings, heavy=heavy)

    async def _update(
        self,
        request: web.Request,
        ri: RequestInfo,
        info: ResourceInfo,
        opts: WriteOptions,
        new_object: NewObject,
        *,
        subresource: str,
        allow_create: bool = False,
        preconditions: Preconditions | None = None,
        track: bool = True,
        reads_only: bool = False,
        heavy: bool = False,
    ) -> tuple[Obj, bool]:
        if info.group == RBAC_GROUP and not subresource:
            new_object = self._checked_rbac_write(request, ri, info, new_object)
        return await self.store.update(
            info,
            self._namespace(ri, info),
            ri.name,
            new_object,
            subresource=subresource,
            allow_create=allow_create,
            preconditions=preconditions,
            dry_run=opts.dry_run,
            manager=field_manager(request, opts),
            track=track,
            reads_only=reads_only,
            heavy=heavy,
        )

    def _checked_rbac_write(
        self, request: web.Request, ri: RequestInfo, info: ResourceInfo, new_object: NewObject
    ) -> NewObject:
        """kube's RBAC storages check the updated role or binding against the writer's own permissions."""
        user = user_of(request)

        async def checked(existing: Obj | None) -> Obj:
            obj = await new_object(existing)
            self.security.check_rbac_write(user, info, obj, ri.namespace, existing, ri.name)
            return obj

        return checked

    async def update(
        self, request: web.Request, ri: RequestInfo, info: ResourceInfo, subresource: str = ""
    ) -> web.StreamResponse:
        out = Output(request, info)
        opts = options.write_options(request, "UpdateOptions")
        body = await read_body(request)
        if subresource == "scale":
            return await self._scale_write(request, ri, info, opts, body=body)
        media = options.input_media_type(request, info)
        heavy = is_heavy(body, media)
        decoded = await decode_object_async(body, media, info, self.registry, opts.field_validation, heavy=heavy)
        md = decoded.obj["metadata"]
        body_namespace(ri, info, md)
        name = md.get("name", "")
        if not name:
            raise errors.bad_request(
                f"the name of the object ({ri.name} based on URL) was undeterminable: name must be provided"
            )
        _check_name(name, ri)
        first = [decoded.obj]

        async def new_object(existing: Obj | None) -> Obj:
            # the decoded object itself the first time; a retry (the cache's object was stale) decodes the body
            # again, instead of every PUT keeping a copy through JSON (~1 us a pod warm, 5 ms a MB, 60 ms at 9,990
            # levels: bench/results/session9_changes)
            if first:
                return first.pop()
            again = await decode_object_async(body, media, info, self.registry, opts.field_validation, heavy=heavy)
            body_namespace(ri, info, again.obj["metadata"])
            return again.obj

        result, created = await self._update(
            request,
            ri,
            info,
            opts,
            new_object,
            subresource=subresource,
            allow_create=info.allow_create_on_update and not subresource,
            preconditions=Preconditions(uid=md["uid"]) if md.get("uid") else None,
            reads_only=True,
            heavy=heavy,
        )
        return await out.object_response_async(result, 201 if created else 200, decoded.warnings, heavy=heavy)

    async def patch(
        self, request: web.Request, ri: RequestInfo, info: ResourceInfo, subresource: str = ""
    ) -> web.StreamResponse:
        out = Output(request, info)
        opts = options.write_options(request, "PatchOptions")
        media = negotiation.content_type_of(request.headers.get("Content-Type"))
        accepted = patcher.patch_types(info)
        if media not in accepted:
            if info.custom is None:  # go-restful's route for the PATCH consumes only the patch types
                raise errors.route_unsupported_media_type()
            raise errors.unsupported_media_type(", ".join(accepted))
        body = await read_body(request)
        if media == patcher.APPLY_PATCH:
            return await self._apply(request, ri, info, opts, out, body, subresource)
        if request.query.get("force") is not None:
            raise errors.invalid(
                GroupKind(META_GROUP, "PatchOptions"),
                "",
                [errors.Cause("FieldValueForbidden", "force", "Forbidden: may not be specified for non-apply patch")],
            )
        if subresource == "scale":
            return await self._scale_write(request, ri, info, opts, patch=(media, body))
        warnings: list[str] = []
        heavy = is_heavy(body, media) or self.store.holds_heavy(info, self._namespace(ri, info), ri.name)

        def patched_object(existing: Obj) -> Decoded:
            strict: list[str] = []
            patched = patcher.apply_patch(
                media, existing, body, schema_of(info), opts.field_validation, strict, read_only=True
            )
            return patcher.decode_patched(
                patched, media, body, info, self.registry, opts.field_validation, strict, existing
            )

        async def new_object(existing: Obj | None) -> Obj:
            if existing is None:
                raise errors.not_found(info.group_resource, ri.name)
            # a heavy patch (deep or big) is applied and decoded in the CPU thread, as a heavy body is decoded
            decoded = await off_loop(heavy, patched_object, existing)
            warnings[:] = decoded.warnings
            body_namespace(ri, info, decoded.obj["metadata"])
            _check_name(decoded.obj["metadata"].get("name", ""), ri)
            return decoded.obj

        # the three patch types read the current object (a merge shares it, the others copy it): no private copy
        result, _ = await self._update(
            request, ri, info, opts, new_object, subresource=subresource, reads_only=True, heavy=heavy
        )
        return await out.object_response_async(result, 200, warnings, heavy=heavy)

    async def _apply(
        self,
        request: web.Request,
        ri: RequestInfo,
        info: ResourceInfo,
        opts: WriteOptions,
        out: Output,
        body: bytes,
        subresource: str = "",
    ) -> web.StreamResponse:
        """Server-side apply (``application/apply-patch+yaml``): creates or merges, with field ownership. Through
        a subresource it only merges (404 when nothing is there), and the subresource's strategy keeps what it
        may not change, whose fields its appliers never own (store.reset_fields)."""
        if not opts.field_manager:
            raise errors.invalid(
                GroupKind(META_GROUP, "PatchOptions"),
                "",
                [errors.Cause("FieldValueRequired", "fieldManager", "Required value: is required for apply patch")],
            )
        force = options.parse_bool(request.query.get("force"))
        heavy = is_heavy(body, negotiation.YAML) or self.store.holds_heavy(info, self._namespace(ri, info), ri.name)
        parsed = await _apply_configuration(body, opts, heavy)
        duplicates, parsed.duplicates = parsed.duplicates, []
        if subresource == "scale":
            return await self._scale_write(request, ri, info, opts, apply=(parsed.value or {}, force, duplicates))
        config = parsed.value if isinstance(parsed.value, dict) else {}
        applied, warnings = config, []
        if (config.get("apiVersion"), config.get("kind")) == (info.api_version, info.kind):  # else mf.apply's 400
            decode = functools.partial(
                decode_object, body, negotiation.YAML, info, self.registry, opts.field_validation, defaults=False,
                parsed=parsed,
            )  # fmt: skip
            decoded = await off_loop(heavy, decode)
            applied, warnings = decoded.obj, decoded.warnings
        type_info = field_type(info)
        manager = opts.field_manager
        convert = version_converter(self.registry, info)

        reset = reset_fields(info, subresource)

        def merged_object(existing: Obj | None) -> Obj:
            live = copy_object(existing) if existing is not None else None  # in the request's version
            merged = mf.apply(
                live, applied, manager, info.api_version, meta.now_rfc3339(), type_info, force, reset_fields=reset,
                convert=convert, subresource=subresource, kind=info.kind,
            )  # fmt: skip
            _check_duplicates(duplicates, opts)
            # applyPatch's checks of the merged object: the request's namespace and name
            body_namespace(ri, info, merged.setdefault("metadata", {}))
            name = merged["metadata"].get("name")
            if not name:
                raise errors.bad_request(
                    f"the name of the object ({ri.name} based on URL) was undeterminable: name must be provided"
                )
            _check_name(name, ri)
            return as_typed(merged, info)

        async def new_object(existing: Obj | None) -> Obj:
            if existing is None and subresource:  # kube's subresource storages never create on update
                raise errors.not_found(info.group_resource, ri.name)
            # a heavy configuration (deep or big) is merged in the CPU thread, as a heavy body is decoded
            return await off_loop(heavy, merged_object, existing)

        result, created = await self._update(
            request,
            ri,
            info,
            opts,
            new_object,
            subresource=subresource,
            allow_create=not subresource,
            track=False,
            heavy=heavy,
        )
        return await out.object_response_async(result, 201 if created else 200, [*warnings, *duplicates], heavy=heavy)

    async def delete(self, request: web.Request, ri: RequestInfo, info: ResourceInfo) -> web.StreamResponse:
        out = Output(request, info)
        opts = await options.delete_options(request)
        return out.object_response(await self.store.delete(info, self._namespace(ri, info), ri.name, opts))

    async def delete_collection(self, request: web.Request, ri: RequestInfo, info: ResourceInfo) -> web.StreamResponse:
        out = Output(request, info)
        list_opts = options.list_options(request, info)
        opts = await options.delete_options(request)
        pred = predicate(info, list_opts.label, list_opts.field)
        result = await self.store.delete_collection(info, ri.namespace or None, pred, opts)
        items = [cached(i) for i in result.items]
        return await out.list_response(info.list_kind, {"resourceVersion": str(result.revision)}, items)
