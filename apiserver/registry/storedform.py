"""The form an object has in etcd and the view a request's version gets of it.

kube converts to the storage version and encodes with its storage codec; aiokube keeps JSON dicts, so the
stored form is kube's canonical JSON for typed objects (encoding/typed) and kube's field order otherwise.
The registry writes only what :func:`stored_form` returns.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from aiokube.apiserver.defaulting import apply_defaults
from aiokube.apiserver.registry import typedmemo
from aiokube.apiserver.registry.meta import order_object
from aiokube.apiserver.registry.resources import ResourceInfo
from aiokube.encoding import canonical, protobuf, typed
from aiokube.encoding.k8s_schema import KINDS
from aiokube.encoding.protobuf import META

OBJECT_META = META + "ObjectMeta"

Obj = dict[str, Any]


def schema_of(info: ResourceInfo) -> str | None:
    """The protobuf message describing a built-in type (its Go type), if aiokube has its schema."""
    if not info.builtin or not protobuf.has_schema(info.api_version, info.kind):
        return None
    return KINDS[(info.api_version, info.kind)]


#: id -> (object, its non-metadata fields as JSON) of request bodies decoded into canonical form, so that
#: stored_form need not compute it again when admission and the strategy left those fields alone (the
#: second canonical form of a 5,000-address Endpoints was ~15 ms of its PUT)
_CANONICAL: dict[int, tuple[Obj, bytes]] = {}
_CANONICAL_BOUND = 1024
_CANONICAL_BYTES = 64 << 20
_held = 0


_body = typedmemo.body


def remember_canonical(obj: Obj, body: bytes | None = None) -> None:
    """``obj`` is in canonical form now (and defaulted): stored_form may reuse all but its metadata. ``body``:
    ``_body(obj)`` when the caller has it."""
    if body is None:
        try:
            body = _body(obj)
        except TypeError:
            return
    global _held
    if len(_CANONICAL) >= _CANONICAL_BOUND or _held + len(body) > _CANONICAL_BYTES:
        _CANONICAL.clear()  # bodies whose write never came (errors): held objects stay bounded
        _held = 0
    _CANONICAL[id(obj)] = (obj, body)
    _held += len(body)


def _forget(obj: Obj) -> tuple[Obj, bytes] | None:
    global _held
    hint = _CANONICAL.pop(id(obj), None) if _CANONICAL else None
    if hint is not None:
        _held -= len(hint[1])
    return hint


def decoded_with_defaults(obj: Obj) -> bool:
    """Whether ``obj`` is a body decode_object defaulted (kube validates such an object as admission left it,
    without defaulting again)."""
    hint = _CANONICAL.get(id(obj)) if _CANONICAL else None
    return hint is not None and hint[0] is obj


def as_typed(obj: Obj, info: ResourceInfo) -> Obj:
    """A built-in object made outside decode_object (a server-side apply's merged result) as kube's conversion
    to the Go type holds it: defaulted and canonical (an empty string sent is the field left out), so the
    strategy and validation compare what kube compares. Other objects, and converted versions, as they are."""
    schema = schema_of(info)
    if schema is None or not info.builtin or info.conversion is not None:
        return obj
    apply_defaults(info.group, info.kind, obj)
    out = typed.canonical(obj, schema)
    remember_canonical(out)
    return out


def _with_stored_metadata(obj: Obj, info: ResourceInfo) -> Obj:
    """``obj`` whose fields but metadata are in stored form (defaulted, canonical): a shallow copy with its
    metadata defaulted and made canonical (defaults are idempotent)."""
    if (info.group, info.kind) in typedmemo.WHOLE_ONLY:  # its metadata defaults read the rest
        apply_defaults(info.group, info.kind, obj)
        metadata = obj["metadata"]
    else:
        metadata = typedmemo.metadata_defaulted(obj, info.group, info.kind)
    out = dict(obj)
    out["metadata"] = canonical.message(metadata, OBJECT_META)
    return out


def stored_form(obj: Obj, info: ResourceInfo, volatile: tuple[str, ...] = ()) -> Obj:
    """What is written to etcd: kube's canonical JSON for typed objects, else kube's top-level field order.
    ``obj`` is in storage form (a converted version's request is converted before). ``volatile``: strings in
    it that admission made up at random (see typedmemo.stored_key)."""
    info = info.stored_as
    schema = schema_of(info)
    if schema is not None:
        hint = _forget(obj)
        if hint is not None and hint[0] is obj and isinstance(obj.get("metadata"), dict):
            try:
                same = _body(obj) == hint[1]
            except TypeError:
                same = False
            if same:
                # only metadata can have changed since the decode made the rest canonical and defaulted (defaults
                # are idempotent): default and canonicalize just it
                typedmemo.remember_stored(hint[1], schema, info.group, info.kind)
                return _with_stored_metadata(obj, info)
    memo_key = None
    if schema is not None and info.builtin:
        # the objects of one template after admission: their rest was made stored form before
        memo_key = typedmemo.stored_key(obj, schema, info.group, info.kind, volatile)
        hit = typedmemo.lookup_stored(memo_key, volatile)
        if hit is not None:
            typedmemo.remember_stored(hit, schema, info.group, info.kind)
            if typedmemo.is_identity(memo_key):
                # admission and the strategy left the rest in stored form already (a template's pods): only
                # metadata is defaulted and made canonical, the rest is shared, not decoded again
                return _with_stored_metadata(obj, info)
            return typedmemo.assemble(obj, hit, info.group, info.kind)
    if info.builtin:
        apply_defaults(info.group, info.kind, obj)  # as kube's decode from storage does, after the strategy
    if schema is not None:
        out = typed.canonical(obj, schema)
        try:
            rest = _body(out)
        except TypeError:
            return out
        typedmemo.remember_stored(rest, schema, info.group, info.kind)
        typedmemo.remember_stored_form(memo_key, rest, volatile)
        return out
    if info.custom is not None:  # custom resources are stored in their storage version
        obj["apiVersion"] = f"{info.group}/{info.custom.storage_version}"
        integral_floats_as_ints(obj)
    return order_object(obj, info.fields)


_INT64 = 1 << 63


def integral_floats_as_ints(value: Any) -> None:
    """kube holds a custom resource as decoded JSON: Go's encoding/json writes a float64 without a fraction
    as an integer (``1.0`` is ``1``), and it is read back from storage as an int64; so such floats become
    ints here, in place (beyond int64 they stay floats)."""
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, float):
                if item.is_integer() and -_INT64 <= item < _INT64:
                    value[key] = int(item)
            elif isinstance(item, dict | list):
                integral_floats_as_ints(item)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            if isinstance(item, float):
                if item.is_integer() and -_INT64 <= item < _INT64:
                    value[i] = int(item)
            elif isinstance(item, dict | list):
                integral_floats_as_ints(item)


def restored_form(obj: Obj, info: ResourceInfo) -> Obj:
    """stored_form of an object read from storage whose metadata alone changed since (a deletion mark, a
    finalizer): the rest is in stored form already, so only metadata is made canonical (the whole canonical
    form and defaults of a pod were ~10% of its DELETE)."""
    if schema_of(info.stored_as) is None or not isinstance(obj.get("metadata"), dict):
        return stored_form(obj, info)
    out = dict(obj)
    out["metadata"] = canonical.message(obj["metadata"], OBJECT_META)
    return out


def version_view(info: ResourceInfo, obj: Obj) -> Obj:
    """A custom resource as the requested version serves it (kube's "None" conversion: the apiVersion)."""
    if info.custom is None or obj.get("apiVersion") == info.api_version:
        return obj
    return {**obj, "apiVersion": info.api_version}


def read_view(info: ResourceInfo) -> Callable[[Obj], Obj] | None:
    """How a stored object is shown in ``info``'s version: a built-in conversion, a custom resource's apiVersion
    rewrite, or None when the stored form is what this version serves (storage versions: no work at all)."""
    if info.conversion is not None:
        return info.conversion.from_storage
    if info.custom is not None and info.version != info.custom.storage_version:
        return functools.partial(version_view, info)
    return None
