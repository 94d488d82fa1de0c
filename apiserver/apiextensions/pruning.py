"""Pruning a custom resource against its structural schema, as kube's decoder does.

Mirrors ``apiserver/customresource_handler.go`` ``unstructuredSchemaCoercer.apply``: structural pruning
(``schema/pruning/algorithm.go``), dropping non-nullable nulls without default
(``schema/defaulting/prunenulls.go``) and coercing the ObjectMeta of embedded resources
(``schema/objectmeta/coerce.go``). Exists so the body decoder can report kube's ``unknown field "…"`` paths
and store what kube would store.
"""

from __future__ import annotations

from typing import Any

from aiokube.apiserver.apiextensions.field import child_path, index_path, key_path
from aiokube.apiserver.apiextensions.structural import (
    META_FIELDS,
    OBJECT_META,
    Obj,
    Schema,
    additional_properties_of,
    default_of,
    is_embedded_resource,
    is_nullable,
    items_of,
    preserves_unknown_fields,
    props_of,
)
from aiokube.encoding import typed


class Pruner:
    """One structural pruning walk (pruning/algorithm.go): removes, in place, what the schema does not
    specify and collects the pruned paths in ``unknown``. Used by :func:`prune` and by CRD validation of
    ``default:`` values; single use, not shared."""

    def __init__(self) -> None:
        self.unknown: list[str] = []

    @staticmethod
    def _k(parent: str, key: str) -> str:
        return f"{parent}.{key}" if parent else key

    def prune(self, x: Any, s: Schema | None, path: str, embedded: bool = False) -> None:
        if preserves_unknown_fields(s):
            self.skip(x, s, path, embedded)
            return
        if isinstance(x, dict):
            if s is None:
                for k in list(x):
                    self.unknown.append(self._k(path, k))
                    del x[k]
                return
            props = props_of(s)
            has_ap, ap = additional_properties_of(s)
            emb = embedded or is_embedded_resource(s)
            for k in list(x):
                if emb and k in META_FIELDS:
                    continue
                if k in props:
                    self.prune(x[k], props[k], self._k(path, k))
                elif has_ap:
                    self.prune(x[k], ap, self._k(path, k))
                else:
                    if k not in META_FIELDS or path:
                        self.unknown.append(self._k(path, k))
                    del x[k]
        elif isinstance(x, list):
            items = items_of(s)
            for i, v in enumerate(x):
                self.prune(v, items, f"{path}[{i}]")

    def skip(self, x: Any, s: Schema | None, path: str, embedded: bool = False) -> None:
        if s is None:
            return
        if isinstance(x, dict):
            props = props_of(s)
            has_ap, ap = additional_properties_of(s)
            emb = embedded or is_embedded_resource(s)
            for k in list(x):
                if emb and k in META_FIELDS:
                    continue
                if k in props:
                    self.prune(x[k], props[k], self._k(path, k))
                elif has_ap:
                    self.prune(x[k], ap, self._k(path, k))
        elif isinstance(x, list):
            items = items_of(s)
            for i, v in enumerate(x):
                self.skip(v, items, f"{path}[{i}]")


def _field_schema(k: str, s: Schema | None) -> Schema | None:
    if s is None:
        return None
    props = props_of(s)
    if k in props:
        return props[k]
    return additional_properties_of(s)[1]


def _drop_nulls(x: Any, s: Schema | None) -> None:
    """PruneNonNullableNullsWithoutDefaults: such nulls are what Go's typed decoding would drop."""
    if isinstance(x, dict):
        for k in list(x):
            sub = _field_schema(k, s)
            if x[k] is None and sub is not None and not is_nullable(sub) and default_of(sub) is None:
                del x[k]
            else:
                _drop_nulls(x[k], sub)
    elif isinstance(x, list):
        items = items_of(s)
        for v in x:
            _drop_nulls(v, items)


def _coerce_embedded(x: Any, s: Schema | None, path: str, unknown: list[str]) -> None:
    """objectmeta.Coerce below the root: embedded ObjectMeta is decoded as Go's, unknown fields dropped."""
    if s is None:
        return
    if isinstance(x, dict):
        if is_embedded_resource(s) and isinstance(x.get("metadata"), dict):
            meta = x["metadata"]
            try:
                bad = typed.check(meta, OBJECT_META)
            except typed.TypedError:
                bad = None  # left alone: validate() reports it as kube's strategy would
            if bad is not None:
                prefix = child_path(path, "metadata")
                unknown.extend(f"{prefix}.{p}" for p in bad)
                canon = typed.canonical(meta, OBJECT_META)
                if canon.get("creationTimestamp") is None:
                    canon.pop("creationTimestamp", None)
                x["metadata"] = canon
        props = props_of(s)
        has_ap, ap = additional_properties_of(s)
        for k, v in x.items():
            if k in props:
                _coerce_embedded(v, props[k], child_path(path, k), unknown)
            elif has_ap:
                _coerce_embedded(v, ap, key_path(path, k), unknown)
    elif isinstance(x, list):
        items = items_of(s)
        for i, v in enumerate(x):
            _coerce_embedded(v, items, index_path(path, i), unknown)


def prune(obj: Obj, schema: Schema | None, *, drop_nulls: bool = True) -> list[str]:
    """Remove what the schema does not specify, in place, as kube's decoder does; return the pruned paths.

    The root's apiVersion, kind and metadata are never pruned (the root is treated as an embedded
    resource). The paths are what kube reports as ``unknown field "<path>"`` (warnings, or 400 with
    ``fieldValidation=Strict``): pruned fields sorted, then unknown ObjectMeta fields of embedded resources.
    With ``drop_nulls`` (kube always does it) nulls of non-nullable fields without a default go too.
    """
    pruner = Pruner()
    pruner.prune(obj, schema if schema is not None else {}, "", embedded=True)
    if drop_nulls:
        _drop_nulls(obj, schema)
    meta_unknown: list[str] = []
    _coerce_embedded(obj, schema, "", meta_unknown)
    return sorted(pruner.unknown) + sorted(meta_unknown)
