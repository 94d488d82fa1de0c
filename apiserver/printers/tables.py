"""Server-side printing: ``as=Table`` and ``as=PartialObjectMetadata[List]`` conversions.

The default convertor is kube's (registry/rest/table.go): columns Name and Created At. Types with their own
printers get their columns from :data:`aiokube.apiserver.printers.builtin.BUILTIN_PRINTERS`, custom resources
from their CRD's ``additionalPrinterColumns`` (:mod:`aiokube.apiserver.apiextensions.jsonpath`);
:data:`PRINTERS` lets callers add more. Imports point one way: this convertor imports the printers.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aiokube.apiserver.apiextensions.jsonpath import JSONPathError, parse_jsonpath, printer_cells
from aiokube.apiserver.apiextensions.structural import OBJECT_META
from aiokube.apiserver.printers.builtin import BUILTIN_PRINTERS, pod_row_conditions
from aiokube.apiserver.printers.builtin_more import LIST_ORDER, MORE_PRINTERS
from aiokube.apiserver.printers.columns import CREATION_DESCRIPTION, NAME_DESCRIPTION, Printer, column
from aiokube.apiserver.registry.resources import ResourceInfo
from aiokube.encoding import canonical
from aiokube.encoding.jsonenc import sorted_copy
from aiokube.encoding.protobuf import ProtobufError

Obj = dict[str, Any]

#: per (group, resource): column definitions and the function computing a row's cells
PRINTERS: dict[tuple[str, str], Printer] = {}


DEFAULT_COLUMNS = [
    column("Name", "string", "name", NAME_DESCRIPTION),
    column("Created At", "date", "", CREATION_DESCRIPTION),
]


def _default_cells(obj: Obj) -> list[Any]:
    md = obj.get("metadata") or {}
    return [md.get("name", ""), md.get("creationTimestamp")]


def partial_metadata(obj: Obj, version: str = "v1", *, unstructured: bool = False) -> Obj:
    """``unstructured``: a custom resource, whose metadata is a map until kube decodes it into the typed
    ObjectMeta here (Go field order, labels and annotations in key order)."""
    meta = obj.get("metadata", {})
    if unstructured and isinstance(meta, dict):
        try:
            meta = canonical.message(meta, OBJECT_META)
        except ProtobufError:
            pass  # validated on write; keep what is stored rather than fail a read
    return {"kind": "PartialObjectMetadata", "apiVersion": f"meta.k8s.io/{version}", "metadata": meta}


def _row_object(obj: Obj, include: str, version: str, view: Callable[[Obj], Obj] | None, custom: bool) -> Obj | None:
    if include == "None":
        return None
    if include == "Object":
        shown = obj if view is None else view(obj)
        return sorted_copy(shown) if custom else shown  # written by its own (unstructured) encoder
    return partial_metadata(obj, version, unstructured=custom)


def _custom_printer(info: ResourceInfo) -> Printer:
    """A CRD's additionalPrinterColumns (default: Age), after Name (apiextensions tableconvertor)."""
    assert info.custom is not None
    specs = list(info.custom.printer_columns) or [
        {"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"}
    ]
    columns = [column("Name", "string", "name", NAME_DESCRIPTION)] + [
        column(
            c.get("name", ""),
            c.get("type", "string"),
            c.get("format", ""),
            # kube describes a column without a description by its path
            c.get("description") or f"Custom resource definition column (in JSONPath format): {c.get('jsonPath', '')}",
            c.get("priority", 0),
        )
        for c in specs
    ]

    try:
        for spec in specs:
            parse_jsonpath(spec.get("jsonPath", ""))
    except JSONPathError:  # kube falls back to the default table for a column it cannot parse
        return DEFAULT_COLUMNS, _default_cells

    def cells(obj: Obj) -> list[Any]:
        return [(obj.get("metadata") or {}).get("name", ""), *map(_go_number, printer_cells(obj, specs))]

    return columns, cells


def _go_number(value: Any) -> Any:
    """Go writes an integral float64 without a fraction (3, not 3.0) below 1e21."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e21:
        return int(value)
    return value


def printer_for(info: ResourceInfo) -> Printer:
    """The printer of the resource (a version served by conversion prints as its storage: kube prints the
    internal object whatever the version)."""
    if info.custom is not None:
        return _custom_printer(info)
    info = info.stored_as
    key = (info.group, info.plural)
    return BUILTIN_PRINTERS.get(key) or MORE_PRINTERS.get(key) or PRINTERS.get(key) or (DEFAULT_COLUMNS, _default_cells)


def _row_conditions(info: ResourceInfo) -> Callable[[Obj], list[Obj] | None] | None:
    """printPod also marks a finished pod's row Completed; no other printer sets row conditions."""
    if info.custom is None and info.conversion is None and (info.group, info.plural) == ("", "pods"):
        return pod_row_conditions
    return None


def to_table(
    info: ResourceInfo,
    objects: list[Obj],
    list_meta: Obj,
    *,
    version: str = "v1",
    include_object: str = "Metadata",
    no_headers: bool = False,
    view: Callable[[Obj], Obj] | None = None,
) -> Obj:
    """A Table of stored objects; ``view`` shows one in the request's version (includeObject=Object)."""
    columns, cells = printer_for(info)
    conditions = _row_conditions(info)
    custom = info.custom is not None
    order = LIST_ORDER.get((info.stored_as.group, info.stored_as.kind)) if not custom else None
    if order is not None and len(objects) > 1:
        objects = sorted(objects, key=order)
    rows = []
    for obj in objects:
        row: Obj = {"cells": cells(obj)}
        if conditions is not None and (found := conditions(obj)):
            row["conditions"] = found
        # a RawExtension under omitempty: a struct, never omitted; empty (includeObject=None) it is null
        row["object"] = _row_object(obj, include_object, version, view, custom)
        rows.append(row)
    table: Obj = {"kind": "Table", "apiVersion": f"meta.k8s.io/{version}", "metadata": list_meta}
    table["columnDefinitions"] = None if no_headers else columns  # a Go nil slice: null, not left out
    table["rows"] = rows
    return table


def to_partial_list(objects: list[Obj], list_meta: Obj, version: str = "v1", *, unstructured: bool = False) -> Obj:
    return {
        "kind": "PartialObjectMetadataList",
        "apiVersion": f"meta.k8s.io/{version}",
        "metadata": list_meta,
        # each item keeps its TypeMeta, as in kube
        "items": [partial_metadata(o, version, unstructured=unstructured) for o in objects],
    }
