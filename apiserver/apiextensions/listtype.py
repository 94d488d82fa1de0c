"""List-type invariants of custom resources (apiextensions-apiserver ``pkg/apiserver/schema/listtype/validation.go``).

``x-kubernetes-list-type: set`` items and ``map`` keys must be unique; kube reports the second occurrence
of each as ``Duplicate value``. Keys compare as Go's ``map[interface{}]`` would (type and value), compound
values by their JSON.
"""

from __future__ import annotations

from typing import Any

from aiokube.apiserver.apiextensions.field import child_path, duplicate, index_path, invalid, key_path
from aiokube.apiserver.apiextensions.structural import Obj, Schema, additional_properties_of, items_of, props_of
from aiokube.apiserver.errors import Cause
from aiokube.apiserver.golang import go_json, go_type_name


class _Unspecified:
    """unspecifiedKeyValue: a list-map item without its key."""


_UNSPECIFIED = _Unspecified()


def _set_key(x: Any) -> Any:
    """Go map[interface{}] identity of a scalar; compound values compare by their JSON."""
    if isinstance(x, dict | list):
        return ("json", go_json(x))
    if x is _UNSPECIFIED:
        return ("unspecified",)
    return (go_type_name(x), x)


def _non_unique(values: list[Any]) -> list[int]:
    """validateListSet: the index of each value's second occurrence."""
    if len(values) <= 1:
        return []
    seen: dict[Any, int] = {}
    out = []
    for i, x in enumerate(values):
        k = _set_key(x)
        seen[k] = seen.get(k, 0) + 1
        if seen[k] == 2:
            out.append(i)
    return out


def _validate_list_map(path: str, s: Schema, arr: list[Any]) -> list[Cause]:
    for i, x in enumerate(arr):
        if x is not None and not isinstance(x, dict):
            return [invalid(index_path(path, i), x, "must be an object for an array of list-type map")]
    if len(arr) <= 1:
        return []
    key_fields = s.get("x-kubernetes-list-map-keys") or []
    if len(key_fields) == 1:
        kf = key_fields[0]
        keys = [_UNSPECIFIED if x is None or kf not in x else x[kf] for x in arr]
        return [
            duplicate(index_path(path, i), {} if keys[i] is _UNSPECIFIED else {kf: keys[i]}) for i in _non_unique(keys)
        ]
    compound = [{} if x is None else {k: x[k] for k in key_fields if k in x} for x in arr]
    return [duplicate(index_path(path, i), compound[i]) for i in _non_unique(compound)]


def _list_value(path: str, s: Schema, v: Any, out: list[Cause]) -> None:
    if isinstance(v, list):
        lt = s.get("x-kubernetes-list-type")
        if lt == "set":
            out.extend(duplicate(index_path(path, i), v[i]) for i in _non_unique(v))
        elif lt == "map":
            out.extend(_validate_list_map(path, s, v))
        items = items_of(s)
        if items is not None:
            for i, item in enumerate(v):
                _list_value(index_path(path, i), items, item, out)
    elif isinstance(v, dict):
        validate_list_sets_and_maps(path, s, v, out)


def validate_list_sets_and_maps(path: str, s: Schema | None, obj: Obj | None, out: list[Cause]) -> None:
    """ValidateListSetsAndMaps."""
    if s is None or obj is None:
        return
    _, ap = additional_properties_of(s)
    if ap is not None:
        for k, v in obj.items():
            _list_value(key_path(path, k), ap, v, out)
    props = props_of(s)
    if props:
        for k, v in obj.items():
            if k in props:
                _list_value(child_path(path, k), props[k], v, out)
