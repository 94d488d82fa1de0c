"""The compiled canonical form (encoding/canonical.py) against its reference, the protobuf round trip.

Stored objects are what canonical() returns, so the two must agree byte for byte (key order included) on
every built-in type: the samples of every served type, and objects generated from each kind's schema.
"""

from __future__ import annotations

import copy
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aiokube.apiserver.defaulting import apply_defaults
from aiokube.apiserver.registry.resources import Registry
from aiokube.apiserver.registry.storedform import remember_canonical, stored_form
from aiokube.encoding import canonical, protobuf, typed
from aiokube.encoding.k8s_schema import KINDS
from aiokube.encoding.protobuf import (
    DURATION,
    FIELDS_V1,
    INT_OR_STRING,
    MICRO_TIME,
    QUANTITY,
    RAW_EXTENSION,
    TIME,
)
from tests.samples import samples


def reference(obj: dict[str, Any], msg: str) -> bytes:
    typed.COMPILED = False
    try:
        return orjson.dumps(typed.canonical(obj, msg))
    finally:
        typed.COMPILED = True


def compiled(obj: dict[str, Any], msg: str) -> bytes:
    return orjson.dumps(typed.canonical(obj, msg))


@pytest.mark.parametrize("path", list(samples()))
def test_samples_agree_with_the_protobuf_round_trip(path: str) -> None:
    obj = samples()[path]
    msg = KINDS[(obj["apiVersion"], obj["kind"])]
    given_copy = copy.deepcopy(obj)
    assert compiled(obj, msg) == reference(obj, msg)
    assert obj == given_copy  # the input is not changed


@pytest.mark.parametrize("kind", sorted(KINDS, key=str))
def test_empty_objects_agree(kind: tuple[str, str]) -> None:
    msg = KINDS[kind]
    for obj in ({}, {"metadata": {}}, {"metadata": None, "spec": None, "status": None}):
        assert compiled(obj, msg) == reference(obj, msg)


def test_zero_values_and_time_precision() -> None:
    msg = KINDS[("v1", "Event")]
    obj = {
        "metadata": {"name": "e", "creationTimestamp": "2026-01-02T03:04:05.678+02:00", "generation": 0},
        "count": 0,
        "firstTimestamp": "1970-01-01T00:00:00Z",
        "eventTime": "2026-01-02T03:04:05.123456789Z",
        "series": {"count": 2, "lastObservedTime": "2026-01-02T03:04:05.5Z"},
        "related": None,
    }
    out = orjson.loads(compiled(obj, msg))
    assert out["metadata"]["creationTimestamp"] == "2026-01-02T01:04:05Z"
    assert out["firstTimestamp"] is None
    assert out["eventTime"] == "2026-01-02T03:04:05.123456Z"
    assert compiled(obj, msg) == reference(obj, msg)


def test_ints_wrap_as_the_wire_does_and_junk_is_a_protobuf_error() -> None:
    msg = KINDS[("v1", "Pod")]
    obj = {"spec": {"priority": 2**32 + 5, "terminationGracePeriodSeconds": -(2**63)}}
    assert compiled(obj, msg) == reference(obj, msg)
    with pytest.raises(protobuf.ProtobufError):
        canonical.message({"spec": {"priority": "x"}}, msg)


# --- generated objects ------------------------------------------------------------------------------------

_TIMES = st.sampled_from(
    ["2026-11-23T10:00:00Z", "2026-11-23T10:00:00.123456Z", "2001-02-03T04:05:06+01:00", "", "1970-01-01T00:00:00Z"]
)
_SPECIAL: dict[str, st.SearchStrategy[Any]] = {
    TIME: _TIMES,
    MICRO_TIME: _TIMES,
    QUANTITY: st.sampled_from(["1", "100m", "1Gi", "0", "1.5", ""]) | st.integers(0, 10**6),
    INT_OR_STRING: st.integers(-(2**31), 2**31 - 1) | st.sampled_from(["http", "50%", ""]),
    DURATION: st.sampled_from(["1s", "1m30s", "0s", "2h0m0s"]),
    FIELDS_V1: st.dictionaries(st.sampled_from(["f:a", "f:b", "."]), st.just({}), max_size=2),
    RAW_EXTENSION: st.dictionaries(
        st.sampled_from(["a", "b"]), st.integers(-(2**63), 2**63 - 1) | st.text(max_size=3), max_size=2
    ),
}
_SCALAR: dict[str, st.SearchStrategy[Any]] = {
    "string": st.text(max_size=4),
    "bool": st.booleans(),
    "int32": st.integers(-(2**31), 2**31 - 1),
    "int64": st.integers(-(2**63), 2**63 - 1),
    "double": st.floats(allow_nan=False, allow_infinity=False),
    "bytes": st.binary(max_size=6).map(lambda b: __import__("base64").b64encode(b).decode()),
}


def _scalar(type_: str) -> st.SearchStrategy[Any]:
    return _SCALAR.get(type_, st.integers(0, 2**31 - 1))


def _value(type_: str, depth: int) -> st.SearchStrategy[Any]:
    if type_ in _SPECIAL:
        return _SPECIAL[type_]
    if "." in type_:
        return _message(type_, depth + 1)
    return _scalar(type_)


def _message(msg: str, depth: int = 0) -> st.SearchStrategy[Any]:
    if depth > 4:
        return st.just({})
    ordered, _ = protobuf._fields(msg)
    fields: dict[str, st.SearchStrategy[Any]] = {}
    for f in ordered:
        if f.inline:
            continue
        if f.map_key:
            # null map values of special types are left out: the reference encodes them as {} ("{}" for a
            # Quantity), the compiled plan as a missing value (the zero value, as Go decodes null)
            item = _value(f.map_value, depth)
            item = item if f.map_value in _SPECIAL else item | st.none()
            value = st.dictionaries(st.text(max_size=3), item, max_size=3)
        elif f.repeated:
            value = st.lists(_value(f.type, depth), max_size=2)
        else:
            value = _value(f.type, depth)
        fields[f.json] = value | st.none()
    if not fields:
        return st.just({})
    return st.fixed_dictionaries({}, optional=fields)


@pytest.mark.parametrize("kind", sorted(KINDS, key=str))
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_generated_objects_agree(kind: tuple[str, str], data: st.DataObject) -> None:
    msg = KINDS[kind]
    obj = data.draw(_message(msg))
    assert compiled(obj, msg) == reference(obj, msg)


def _stored_versions() -> list[str]:
    """Samples of storage versions (a converted version's request body is converted before stored_form)."""
    registry = Registry()
    return [p for p, s in samples().items() if (i := registry.by_kind(s["apiVersion"], s["kind"])) and not i.conversion]


@pytest.mark.parametrize("path", _stored_versions())
def test_stored_form_reuses_a_decoded_body_only_while_it_is_unchanged(
    path: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """registry/storedform: a body decoded into canonical form is not canonicalized again when only its
    metadata changed since; any other change, and the result is the full canonical form again."""

    sample = samples()[path]
    group = sample["apiVersion"].split("/")[0] if "/" in sample["apiVersion"] else ""
    info = Registry().by_kind(sample["apiVersion"], sample["kind"])
    assert info is not None, (group, sample["kind"])
    msg = KINDS[(sample["apiVersion"], sample["kind"])]

    canonical_whole = typed.canonical

    def decoded() -> dict[str, Any]:  # as endpoints/bodies.decode_object leaves a body
        raw = copy.deepcopy(sample)
        apply_defaults(group, sample["kind"], raw)
        obj = typed.canonical(raw, msg)
        remember_canonical(obj)
        return obj

    obj = decoded()
    obj["metadata"]["uid"] = "u-1"  # what the registry adds, out of Go order
    obj["metadata"]["labels"] = {"z": "1", **(obj["metadata"].get("labels") or {})}
    full = copy.deepcopy(obj)
    apply_defaults(group, sample["kind"], full)
    expected = orjson.dumps(typed.canonical(full, msg))
    changed = decoded()
    changed["extra"] = {"not": "in the schema"}  # a top-level change: the hint must not be used
    whole: list[str] = []
    monkeypatch.setattr(typed, "canonical", lambda o, m: whole.append(m) or canonical_whole(o, m))
    assert orjson.dumps(stored_form(obj, info)) == expected
    assert whole == []  # only the metadata was canonicalized
    assert "extra" not in stored_form(changed, info)
    assert whole == [msg]


def test_reorder_puts_keys_where_the_message_writes_them() -> None:
    spec = {"tolerations": [{"key": "k"}], "unknownField": 1, "containers": [{"name": "a"}], "priority": 1,
            "volumes": [{"name": "v"}]}  # fmt: skip
    inner = spec["containers"]
    canonical.reorder(spec, "k8s.io.api.core.v1.PodSpec")
    assert list(spec) == ["volumes", "containers", "tolerations", "priority", "unknownField"]
    assert spec["containers"] is inner  # shallow: values untouched
    known = {k: v for k, v in spec.items() if k != "unknownField"}
    written = list(canonical.message(known, "k8s.io.api.core.v1.PodSpec"))
    assert [k for k in written if k in spec] == [k for k in spec if k != "unknownField"]
