"""CRD schema defaulting (apiextensions-apiserver ``pkg/apiserver/schema/defaulting/algorithm.go``).

Sets the ``default:`` values of a structural schema into a custom resource, as kube's decoder does after
pruning. Exists apart from :mod:`aiokube.apiserver.defaulting`, which defaults the built-in types.
"""

from __future__ import annotations

import copy
from typing import Any

from aiokube.apiserver.apiextensions.structural import (
    Schema,
    additional_properties_of,
    default_of,
    is_nullable,
    items_of,
    props_of,
)


def _is_non_nullable_null(x: Any, s: Schema | None) -> bool:
    return x is None and s is not None and not is_nullable(s)


def apply_defaults(obj: Any, schema: Schema | None) -> None:
    """Set ``default:`` values in place: missing fields, and nulls where null is not allowed.

    Recurses through properties, additionalProperties and items, so defaults inside list items and map
    values apply too; defaults are deep-copied so objects never share them.
    """
    if schema is None:
        return
    if isinstance(obj, dict):
        props = props_of(schema)
        for k, prop in props.items():
            dflt = default_of(prop)
            if dflt is None:
                continue
            if k not in obj or _is_non_nullable_null(obj[k], prop):
                obj[k] = copy.deepcopy(dflt)
        has_ap, ap = additional_properties_of(schema)
        for k in list(obj):
            if k in props:
                apply_defaults(obj[k], props[k])
            elif has_ap:
                if _is_non_nullable_null(obj[k], ap):
                    obj[k] = copy.deepcopy(default_of(ap))
                apply_defaults(obj[k], ap)
    elif isinstance(obj, list):
        items = items_of(schema)
        for i in range(len(obj)):
            if _is_non_nullable_null(obj[i], items):
                obj[i] = copy.deepcopy(default_of(items))
            apply_defaults(obj[i], items)
