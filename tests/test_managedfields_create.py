"""A create's managed fields from one walk (managedfields._set_created) against kube's general Update chain
(compare → RecursiveDifference → strip → FieldsV1), which aiokube still runs for every other write: the same
entry for the sample of every built-in type, for random objects under the deduced type, for a typed Pod with
random extra fields and list items (duplicate keys, nulls, empty maps), and under a CRD's schema."""

from __future__ import annotations

import copy
from typing import Any

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from aiokube.apiserver.defaulting import apply_defaults
from aiokube.apiserver.patching import managedfields as mf
from aiokube.encoding import typed
from aiokube.encoding.k8s_schema import KINDS
from tests.samples import samples

NOW = "2026-12-04T10:00:00Z"


def _generic(new: dict[str, Any], t: mf.TypeInfo, reset: Any) -> Any:
    """The entries the general chain writes for a create (what update_managed_fields did for every write)."""
    obj = copy.deepcopy(new)
    managed: dict[str, Any] = {}
    times: dict[str, Any] = {}
    try:
        mf._update_chain(t.empty_object(), obj, managed, times, "creator", "v1", NOW, t, "", reset)
    except mf.TypedError:
        return None
    mf._set_managed(obj, managed, times)
    return obj["metadata"].get("managedFields")


def _fast(new: dict[str, Any], t: mf.TypeInfo, reset: Any) -> Any:
    obj = copy.deepcopy(new)
    mf.update_managed_fields(None, obj, "creator", "v1", NOW, t, reset_fields=reset)
    return obj["metadata"].get("managedFields")


def _same(new: dict[str, Any], t: mf.TypeInfo, reset: Any = None) -> None:
    assert orjson.dumps(_fast(new, t, reset)) == orjson.dumps(_generic(new, t, reset))


def test_every_sample_type() -> None:
    checked = 0
    for sample in samples().values():
        msg = KINDS.get((sample["apiVersion"], sample["kind"]))
        if msg is None:
            continue
        obj = copy.deepcopy(sample)
        group = sample["apiVersion"].split("/")[0] if "/" in sample["apiVersion"] else ""
        apply_defaults(group, sample["kind"], obj)
        created = typed.canonical(obj, msg)
        reset = mf.reset_field_set(["status"]) if "status" in created else None
        _same(created, mf.builtin_type(msg), reset)
        checked += 1
    assert checked >= 50


_scalars = st.one_of(st.none(), st.booleans(), st.integers(-3, 3), st.sampled_from(["", "a", "b"]))
_json = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(["a", "b", "c", "name"]), inner,
                                                                max_size=3),
    max_leaves=12,
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(["metadata", "spec", "data", "status", "x"]), _json, max_size=4))
def test_random_objects_deduced(body: dict[str, Any]) -> None:
    body.setdefault("metadata", {"name": "n"})
    if not isinstance(body["metadata"], dict):
        body["metadata"] = {"name": "n"}
    _same(body, mf.deduced_type(), mf.reset_field_set(["status"]))


_container = st.fixed_dictionaries(
    {"name": st.sampled_from(["a", "b", "c"])},
    optional={"image": st.sampled_from(["", "nginx"]), "args": st.lists(st.sampled_from(["x", "y"]), max_size=2),
              "ports": st.lists(st.fixed_dictionaries({"containerPort": st.sampled_from([80, 9, 10])},
                                                      optional={"protocol": st.sampled_from(["TCP", "UDP"])}),
                                max_size=3),
              "env": st.lists(st.fixed_dictionaries({"name": st.sampled_from(["A", "B"])},
                                                    optional={"value": st.sampled_from(["", "1"])}), max_size=3),
              "resources": st.sampled_from([{}, {"limits": {}}, {"limits": {"cpu": "1"}}])},
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(
    st.lists(_container, max_size=3),
    st.dictionaries(st.sampled_from(["a", "b"]), st.sampled_from(["", "1"]), max_size=2),
    st.sampled_from([None, {}, {"phase": "Pending"}]),
    st.lists(st.sampled_from(["a.example", "b.example"]), max_size=3),
)
def test_random_pods(
    containers: list[Any], labels: dict[str, str], status: Any, finalizers: list[str]
) -> None:
    msg = KINDS[("v1", "Pod")]
    pod: dict[str, Any] = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "labels": labels,
                           "finalizers": finalizers}, "spec": {"containers": containers}}  # fmt: skip
    if status is not None:
        pod["status"] = status
    _same(pod, mf.builtin_type(msg), mf.reset_field_set(["status"]))
    _same(pod, mf.builtin_type(msg), None)


def test_custom_resource_schema() -> None:
    schema = {"type": "object", "properties": {
        "spec": {"type": "object", "properties": {
            "items": {"type": "array", "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["id"],
                      "items": {"type": "object", "properties": {"id": {"type": "integer"}, "v": {"type": "string"}}}},
            "tags": {"type": "array", "x-kubernetes-list-type": "set", "items": {"type": "string"}},
            "free": {"type": "object", "x-kubernetes-preserve-unknown-fields": True},
        }},
    }}  # fmt: skip
    t = mf.openapi_type(schema)
    obj = {"apiVersion": "x.example/v1", "kind": "X", "metadata": {"name": "x"},
           "spec": {"items": [{"id": 2, "v": "b"}, {"id": 10}, {"id": 2}], "tags": ["b", "a", "a"],
                    "free": {"z": {"y": [1, 2]}, "e": {}}}}  # fmt: skip
    _same(obj, t)


def test_maps_of_scalars_without_the_walk() -> None:
    """A top-level map of scalars (a ConfigMap's data) is written without the walk: same entry as the chain,
    whatever the keys (dots, colons, non-ASCII, many of them) and for an empty map (which takes the walk)."""
    cm = mf.builtin_type(KINDS[("v1", "ConfigMap")])
    secret = mf.builtin_type(KINDS[("v1", "Secret")])
    keys = ["a.b", "f:x", "é-ü", "Z", "a", "_", "k-" + "9" * 200, *(f"k{i:05d}" for i in range(3000))]
    for data in ({k: "v" for k in keys}, {}, {"only": ""}):
        obj = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "m"}, "data": data,
               "binaryData": {"b": "AAAA"}}  # fmt: skip
        _same(obj, cm)
        _same({**obj, "kind": "Secret", "type": "Opaque"}, secret)


_meta_scalars = st.one_of(st.none(), st.booleans(), st.integers(0, 2), st.sampled_from(["", "a", NOW]))


@settings(max_examples=300, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(["name", "generateName", "namespace", "uid", "creationTimestamp", "deletionTimestamp",
                         "generation", "resourceVersion", "selfLink"]),
        _meta_scalars, max_size=6),
    st.one_of(st.none(), st.dictionaries(st.sampled_from(["app", "tier", "a/b"]), st.sampled_from(["", "x"]),
                                         max_size=3)),
    st.one_of(st.none(), st.dictionaries(st.sampled_from(["note", "k"]), st.sampled_from(["", "y"]), max_size=2)),
)  # fmt: skip
def test_metadata_remembered_by_shape(scalars: dict[str, Any], labels: Any, annotations: Any) -> None:
    """Objects whose metadata differs in values but not in shape share a remembered FieldsV1 for it: it stays
    what the general chain gives for each (the memo is warm across examples)."""
    meta: dict[str, Any] = dict(scalars)
    if labels is not None:
        meta["labels"] = labels
    if annotations is not None:
        meta["annotations"] = annotations
    pod = typed.canonical({"metadata": {}, "spec": {"containers": [{"name": "c", "image": "i"}]}},
                          KINDS[("v1", "Pod")])  # fmt: skip
    pod["metadata"] = meta
    _same(pod, mf.builtin_type(KINDS[("v1", "Pod")]), mf.reset_field_set(["status"]))
