"""CRD printer columns (apiserver/apiextensions/jsonpath.py): client-go JSONPath and the cells kube's
table convertor computes."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest

from aiokube.apiserver.apiextensions.jsonpath import JSONPathError, printer_cells
from tests.crdhelpers import Obj

ROW = {
    "metadata": {
        "name": "w",
        "labels": {"app": "web", "app.kubernetes.io/name": "x"},
        "creationTimestamp": "2024-01-01T00:00:00Z",
    },
    "spec": {
        "replicas": 3,
        "ratio": 2.75,
        "flag": True,
        "obj": {"b": 1, "a": [1]},
        "nothing": None,
        "list": ["a", "b", "c"],
    },
    "status": {"conditions": [{"type": "Progressing", "status": "False"}, {"type": "Ready", "status": "True"}]},
}
NOW = datetime(2024, 1, 3, 5, 0, 0, tzinfo=UTC)


def cells(*columns: tuple[str, str], obj: Obj | None = None) -> list[Any]:
    cols = [{"name": f"c{i}", "type": t, "jsonPath": p} for i, (p, t) in enumerate(columns)]
    return printer_cells(obj or ROW, cols, now=NOW)


def test_printer_cells_by_type() -> None:
    assert cells(
        (".spec.replicas", "integer"),
        (".spec.ratio", "integer"),
        (".spec.replicas", "number"),
        (".spec.flag", "boolean"),
        (".spec.replicas", "string"),
        (".spec.ratio", "string"),
        (".spec.obj", "string"),
        (".spec.nothing", "string"),
        (".spec.nothing", "integer"),
        (".spec.missing", "string"),
        (".spec.flag", "integer"),
    ) == [3, 2, 3.0, True, "3", "2.75", '{"a":[1],"b":1}', "<no value>", None, None, None]


def test_printer_cells_paths() -> None:
    assert cells(
        ('.status.conditions[?(@.type=="Ready")].status', "string"),
        (".metadata.labels.app", "string"),
        ("{.spec.replicas}", "integer"),
        (".spec.list[1]", "string"),
        (".spec.list[-1]", "string"),
        (".spec.list[*]", "string"),
        (".status.conditions[*].type", "string"),
        (".metadata.labels['app\\.kubernetes\\.io/name']", "string"),
        (".spec.list[7]", "string"),
        ('.spec.list[?(@=="b")]', "string"),
    ) == ["True", "web", 3, "b", "c", "a", "Progressing", "x", None, "b"]


def test_printer_filter_with_incomparable_values_gives_no_cell() -> None:
    obj = {"status": {"conditions": [{"type": 1, "status": "x"}, {"type": "Ready", "status": "True"}]}}
    assert cells(('.status.conditions[?(@.type=="Ready")].status', "string"), obj=obj) == [None]


def test_printer_date_columns_are_ages() -> None:
    obj = {"a": "2024-01-03T04:59:30Z", "b": "2024-01-03T04:50:00+00:00", "c": "yesterday", "d": "", "e": 5}
    assert cells(
        (".metadata.creationTimestamp", "date"), (".a", "date"), (".b", "date"), obj=obj | {"metadata": ROW["metadata"]}
    ) == ["2d5h", "30s", "10m"]
    assert cells((".c", "date"), (".d", "date"), (".e", "date"), obj=obj) == ["<invalid>", "<unknown>", None]


def test_printer_rejects_what_kube_cannot_parse() -> None:
    with pytest.raises(JSONPathError, match=re.escape('unrecognized column definition ".spec.list[x]"')):
        cells((".spec.list[x]", "string"))
