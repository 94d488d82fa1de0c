"""The three classic PATCH types (apiserver/patching/patch.py), as pure functions.

Expectations come from RFC 7386 / RFC 6902 appendix A (as kube's json-patch.v4 library applies them) and from
running kube's own strategicpatch and json-patch code on the same inputs; errors are what
k8s.io/apiserver/pkg/endpoints/handlers/patch.go answers.
"""

from __future__ import annotations

import copy
import random
from typing import Any

import orjson
import pytest

from aiokube.apiserver.patching.patch import (
    PANIC_MESSAGE,
    UNPROCESSABLE_MESSAGE,
    PatchError,
    apply_json_patch,
    apply_merge_patch,
    copy_value,
    go_sprint,
)
from aiokube.apiserver.patching.strategic import apply_strategic_merge_patch, go_stable_sort
from aiokube.encoding import protobuf
from aiokube.encoding.k8s_schema import MESSAGES

POD = "k8s.io.api.core.v1.Pod"
DEPLOYMENT = "k8s.io.api.apps.v1.Deployment"
PROBE = 'struct { APIVersion string "json:\\"apiVersion,omitempty\\""; Kind string "json:\\"kind,omitempty\\"" }'


def pod() -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "web", "labels": {"app": "web", "tier": "front"}, "finalizers": ["a/x", "b/y", "c/z"]},
        "spec": {
            "containers": [
                {
                    "name": "app",
                    "image": "app:1",
                    "env": [{"name": "MODE", "value": "prod"}, {"name": "DEBUG", "value": "0"}],
                    "ports": [{"containerPort": 80, "protocol": "TCP"}, {"containerPort": 443, "protocol": "TCP"}],
                },
                {"name": "sidecar", "image": "proxy:1"},
            ],
            "volumes": [{"name": "data", "emptyDir": {}}, {"name": "conf", "configMap": {"name": "cm"}}],
            "nodeSelector": {"disk": "ssd", "zone": "a"},
        },
    }


APP = pod()["spec"]["containers"][0]


def deployment() -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "d"},
        "spec": {
            "replicas": 2,
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}},
            "template": {
                "metadata": {"labels": {"app": "d"}},
                "spec": {"containers": [{"name": "app", "image": "a:1"}]},
            },
        },
        "status": {"conditions": [{"type": "Available", "status": "True"}, {"type": "Progressing", "status": "True"}]},
    }


def raises(fn: Any, *args: Any, **kwargs: Any) -> PatchError:
    with pytest.raises(PatchError) as info:
        fn(*args, **kwargs)
    return info.value


# --- patch metadata in the schema table ---------------------------------------------------------------


def _flags(msg: str, field: str) -> list[str]:
    return next(r[3] for r in MESSAGES[msg] if r[0] == field).split(",")


def test_schema_table_carries_patch_metadata() -> None:
    assert _flags("k8s.io.api.core.v1.PodSpec", "volumes") == [
        "repeated",
        "omitempty",
        "patchStrategy=merge+retainKeys",
        "patchMergeKey=name",
        "listType=map",
        "listMapKey=name",
    ]
    ports = _flags("k8s.io.api.core.v1.Container", "ports")
    assert "patchMergeKey=containerPort" in ports
    assert [f for f in ports if f.startswith("listMapKey=")] == ["listMapKey=containerPort", "listMapKey=protocol"]
    assert _flags("k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta", "finalizers") == [
        "repeated",
        "omitempty",
        "patchStrategy=merge",
        "listType=set",
    ]
    assert "patchStrategy=retainKeys" in _flags("k8s.io.api.apps.v1.DeploymentSpec", "strategy")
    assert _flags("k8s.io.api.core.v1.Container", "args") == ["repeated", "omitempty", "listType=atomic"]


def test_codec_ignores_patch_flags() -> None:
    fields, _ = protobuf._fields("k8s.io.api.core.v1.PodSpec")
    volumes = next(f for f in fields if f.json == "volumes")
    assert volumes.repeated and volumes.omitempty and not volumes.ptr and not volumes.inline


# --- JSON merge patch (RFC 7386) ----------------------------------------------------------------------

# RFC 7386 appendix A, the cases whose target is an object (kube patches objects).
RFC7386 = [
    ({"a": "b"}, {"a": "c"}, {"a": "c"}),
    ({"a": "b"}, {"b": "c"}, {"a": "b", "b": "c"}),
    ({"a": "b"}, {"a": None}, {}),
    ({"a": "b", "b": "c"}, {"a": None}, {"b": "c"}),
    ({"a": ["b"]}, {"a": "c"}, {"a": "c"}),
    ({"a": "c"}, {"a": ["b"]}, {"a": ["b"]}),
    ({"a": {"b": "c"}}, {"a": {"b": "d", "c": None}}, {"a": {"b": "d"}}),
    ({"a": [{"b": "c"}]}, {"a": [1]}, {"a": [1]}),
    ({"e": None}, {"a": 1}, {"e": None, "a": 1}),
    ({}, {"a": {"bb": {"ccc": None}}}, {"a": {"bb": {}}}),
]


@pytest.mark.parametrize("shared", [False, True])
@pytest.mark.parametrize(("doc", "patch", "want"), RFC7386)
def test_merge_patch_rfc7386(doc: dict[str, Any], patch: Any, want: dict[str, Any], shared: bool) -> None:
    original = copy.deepcopy(doc)
    got = apply_merge_patch(doc, copy.deepcopy(patch), shared=shared)
    assert got == want and list(got) == list(want)  # the same keys in the same order either way
    assert doc == original  # pure


def test_shared_merge_patch_copies_only_the_patched_paths() -> None:
    doc, body = pod(), b'{"metadata":{"labels":{"tier":null,"new":"x"}}}'
    got = apply_merge_patch(doc, body, shared=True)
    assert got["spec"] is doc["spec"]  # left alone: shared
    assert got["metadata"] is not doc["metadata"] and got["metadata"]["labels"] is not doc["metadata"]["labels"]
    assert doc["metadata"]["labels"] == pod()["metadata"]["labels"]
    assert orjson.dumps(got) == orjson.dumps(apply_merge_patch(pod(), body))


def test_merge_patch_raw_body_and_json_patch_v4_null_pruning() -> None:
    got = apply_merge_patch(pod(), b'{"metadata":{"labels":{"tier":null,"new":"x"}},"spec":{"nodeSelector":null}}')
    assert got["metadata"]["labels"] == {"app": "web", "new": "x"}
    assert "nodeSelector" not in got["spec"]
    # nulls inside a non-object value that replaces an object are kept (json-patch.v4 prunes only what it merges)
    got = apply_merge_patch({"a": {"x": 1}, "b": 1}, {"a": [{"k": None}], "b": [{"k": None}]})
    assert got == {"a": [{"k": None}], "b": [{}]}


@pytest.mark.parametrize("field_validation", ["", "Ignore"])
def test_merge_patch_null_body_is_invalid_json_patch(field_validation: str) -> None:
    err = raises(apply_merge_patch, pod(), b"null", field_validation=field_validation)
    assert (err.code, err.reason, err.message) == (400, "BadRequest", "Invalid JSON Patch")


def test_merge_patch_non_object_bodies() -> None:
    # default fieldValidation (Warn): kube decodes the body strictly into map[string]interface{} first
    err = raises(apply_merge_patch, pod(), b'"x"')
    assert (err.code, err.message) == (
        400,
        "error decoding patch: json: cannot unmarshal string into Go value of type map[string]interface {}",
    )
    err = raises(apply_merge_patch, pod(), b"[1]", field_validation="Strict")
    assert err.message == (
        "error decoding patch: json: cannot unmarshal array into Go value of type map[string]interface {}"
    )
    # fieldValidation=Ignore: MergePatch itself; a scalar is ErrBadJSONPatch, an array becomes the document
    assert raises(apply_merge_patch, pod(), b"12", field_validation="Ignore").message == "Invalid JSON Patch"
    err = raises(apply_merge_patch, pod(), b'[{"b":1,"a":null}]', field_validation="Ignore")
    assert (err.code, err.reason) == (422, "Invalid")
    detail = f"couldn't get version/kind; json parse error: json: cannot unmarshal array into Go value of type {PROBE}"
    assert err.message == f' "" is invalid: patch: Invalid value: "[{{\\"b\\":1}}]": {detail}'
    assert err.details == {
        "causes": [
            {"reason": "FieldValueInvalid", "message": f'Invalid value: "[{{\\"b\\":1}}]": {detail}', "field": "patch"}
        ]
    }


def test_merge_patch_malformed_json() -> None:
    err = raises(apply_merge_patch, pod(), b'{"a":')
    assert (err.code, err.reason, err.message) == (
        400,
        "BadRequest",
        "error decoding patch: unexpected end of JSON input",
    )
    err = raises(apply_merge_patch, pod(), b"{x}", field_validation="Ignore")
    assert err.message == "Invalid JSON Patch"


def test_merge_patch_strict_errors_are_duplicate_fields() -> None:
    found: list[str] = []
    got = apply_merge_patch({}, b'{"a":{"b":1,"b":2},"c":[{"d":1,"d":2}]}', strict_errors=found)
    assert got == {"a": {"b": 2}, "c": [{"d": 2}]}
    assert found == ['duplicate field "a.b"', 'duplicate field "c[0].d"']
    found.clear()
    apply_merge_patch({}, b'{"a":1,"a":2}', field_validation="Ignore", strict_errors=found)
    assert found == []


# --- JSON patch (RFC 6902) ----------------------------------------------------------------------------

# RFC 6902 appendix A (objects only), applied as json-patch.v4 applies them.
RFC6902 = [
    ("A.1", {"foo": "bar"}, [{"op": "add", "path": "/baz", "value": "qux"}], {"foo": "bar", "baz": "qux"}),
    (
        "A.2",
        {"foo": ["bar", "baz"]},
        [{"op": "add", "path": "/foo/1", "value": "qux"}],
        {"foo": ["bar", "qux", "baz"]},
    ),
    ("A.3", {"baz": "qux", "foo": "bar"}, [{"op": "remove", "path": "/baz"}], {"foo": "bar"}),
    ("A.4", {"foo": ["bar", "qux", "baz"]}, [{"op": "remove", "path": "/foo/1"}], {"foo": ["bar", "baz"]}),
    (
        "A.5",
        {"baz": "qux", "foo": "bar"},
        [{"op": "replace", "path": "/baz", "value": "boo"}],
        {"baz": "boo", "foo": "bar"},
    ),
    (
        "A.6",
        {"foo": {"bar": "baz", "waldo": "fred"}, "qux": {"corge": "grault"}},
        [{"op": "move", "from": "/foo/waldo", "path": "/qux/thud"}],
        {"foo": {"bar": "baz"}, "qux": {"corge": "grault", "thud": "fred"}},
    ),
    (
        "A.7",
        {"foo": ["all", "grass", "cows", "eat"]},
        [{"op": "move", "from": "/foo/1", "path": "/foo/3"}],
        {"foo": ["all", "cows", "eat", "grass"]},
    ),
    (
        "A.8",
        {"baz": "qux", "foo": ["a", 2, "c"]},
        [{"op": "test", "path": "/baz", "value": "qux"}, {"op": "test", "path": "/foo/1", "value": 2}],
        {"baz": "qux", "foo": ["a", 2, "c"]},
    ),
    (
        "A.10",
        {"foo": "bar"},
        [{"op": "add", "path": "/child", "value": {"grandchild": {}}}],
        {"foo": "bar", "child": {"grandchild": {}}},
    ),
    (
        "A.11",
        {"foo": "bar"},
        [{"op": "add", "path": "/baz", "value": "qux", "xyz": 123}],
        {"foo": "bar", "baz": "qux"},
    ),
    ("A.14", {"/": 9, "~1": 10}, [{"op": "test", "path": "/~01", "value": 10}], {"/": 9, "~1": 10}),
    (
        "A.16",
        {"foo": ["bar"]},
        [{"op": "add", "path": "/foo/-", "value": ["abc", "def"]}],
        {"foo": ["bar", ["abc", "def"]]},
    ),
    ("copy", {"a": {"b": 1}}, [{"op": "copy", "from": "/a", "path": "/c"}], {"a": {"b": 1}, "c": {"b": 1}}),
    ("escapes", {}, [{"op": "add", "path": "/a~1b~0c", "value": 1}], {"a/b~c": 1}),
]


@pytest.mark.parametrize(("doc", "patch", "want"), [c[1:] for c in RFC6902], ids=[c[0] for c in RFC6902])
def test_json_patch_rfc6902(doc: dict[str, Any], patch: list[Any], want: dict[str, Any]) -> None:
    original = copy.deepcopy(doc)
    assert apply_json_patch(doc, patch) == want
    assert doc == original


def test_copy_is_deep() -> None:
    got = apply_json_patch(
        {"a": {"b": 1}}, [{"op": "copy", "from": "/a", "path": "/c"}, {"op": "add", "path": "/c/x", "value": 2}]
    )
    assert got == {"a": {"b": 1}, "c": {"b": 1, "x": 2}}


@pytest.mark.parametrize(
    ("doc", "patch", "detail"),
    [
        # A.9: a failing test
        ({"baz": "qux"}, [{"op": "test", "path": "/baz", "value": "bar"}], "testing value /baz failed: test failed"),
        # A.12: adding to a nonexistent target
        (
            {"foo": "bar"},
            [{"op": "add", "path": "/baz/bat", "value": "qux"}],
            'add operation does not apply: doc is missing path: "/baz/bat": missing value',
        ),
        # A.15: strings and numbers differ
        (
            {"/": 9, "~1": 10},
            [{"op": "test", "path": "/~01", "value": "10"}],
            "testing value /~01 failed: test failed",
        ),
        (
            {"a": {}},
            [{"op": "remove", "path": "/a/b"}],
            "error in remove for path: '/a/b': Unable to remove nonexistent key: b: missing value",
        ),
        (
            {"a": [1]},
            [{"op": "add", "path": "/a/3", "value": 1}],
            "error in add for path: '/a/3': Unable to access invalid index: 3: invalid index referenced",
        ),
        (
            {"a": [1]},
            [{"op": "add", "path": "/a/x", "value": 1}],
            "error in add for path: '/a/x': value was not a proper array index: 'x': "
            'strconv.Atoi: parsing "x": invalid syntax',
        ),
        (
            {},
            [{"op": "add", "path": "", "value": {}}],
            'add operation does not apply: doc is missing path: "": missing value',
        ),
        ({}, [{"op": "frobnicate", "path": "/a"}], "Unexpected kind: frobnicate"),
        ({}, [{"path": "/a"}], "Unexpected kind: unknown"),
        ({}, [{"op": "add", "value": 1}], "add operation failed to decode path: missing value"),
        (
            {"a": [1]},
            [{"op": "replace", "path": "/a/2", "value": 0}],
            "replace operation does not apply: doc is missing key: /a/2: missing value",
        ),
        (
            {"a": 1},
            [{"op": "move", "from": "/b", "path": "/c"}],
            "error in move for path: 'b': Unable to remove nonexistent key: b: missing value",
        ),
        (
            {"a": 1},
            [{"op": "replace", "path": "", "value": 1}],
            "replace operation value must be object or array: %!w(<nil>)",
        ),
    ],
)
def test_json_patch_that_does_not_apply_is_a_generic_422(doc: dict[str, Any], patch: list[Any], detail: str) -> None:
    err = raises(apply_json_patch, doc, patch)
    assert (err.code, err.reason, err.message, err.details) == (422, "Invalid", UNPROCESSABLE_MESSAGE, {})
    assert err.status() == {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": "the server rejected our request due to an error in our request",
        "reason": "Invalid",
        "details": {},
        "code": 422,
    }
    assert err.detail == detail


def test_json_patch_v4_quirks() -> None:
    doc = {"m": {"k": "v"}, "l": [1, 2, 3]}
    # replace of a missing object key adds it; copy from a missing key copies null
    assert apply_json_patch(doc, [{"op": "replace", "path": "/m/new", "value": 1}])["m"] == {"k": "v", "new": 1}
    assert apply_json_patch(doc, [{"op": "copy", "from": "/m/nope", "path": "/m/c"}])["m"] == {"k": "v", "c": None}
    # negative indices count from the end ("-1" on add appends)
    assert apply_json_patch(doc, [{"op": "remove", "path": "/l/-1"}])["l"] == [1, 2]
    assert apply_json_patch(doc, [{"op": "add", "path": "/l/-1", "value": 9}])["l"] == [1, 2, 3, 9]
    assert apply_json_patch(doc, [{"op": "replace", "path": "/l/-3", "value": 0}])["l"] == [0, 2, 3]
    # a path without a leading slash: its first token is ignored
    assert apply_json_patch(doc, [{"op": "add", "path": "x/y", "value": 1}])["y"] == 1
    # test: a missing key equals null; a null the patch itself added needs "value": null
    apply_json_patch(doc, [{"op": "test", "path": "/m/nope", "value": None}])
    apply_json_patch(doc, [{"op": "test", "path": "/m/nope"}])
    apply_json_patch(doc, [{"op": "add", "path": "/n", "value": None}, {"op": "test", "path": "/n", "value": None}])
    err = raises(apply_json_patch, doc, [{"op": "add", "path": "/n", "value": None}, {"op": "test", "path": "/n"}])
    assert err.detail == "testing value /n failed: test failed"
    # numbers are compared with their type: 80 is not 80.0
    raises(apply_json_patch, {"p": 80}, [{"op": "test", "path": "/p", "value": 80.0}])


def test_json_patch_limits() -> None:
    ops = [{"op": "test", "path": "/a", "value": 1}] * 10000
    assert apply_json_patch({"a": 1}, ops) == {"a": 1}
    err = raises(apply_json_patch, {"a": 1}, ops + ops[:1])
    assert (err.code, err.reason, err.message) == (
        413,
        "RequestEntityTooLarge",
        "Request entity too large: The allowed maximum operations in a JSON patch is 10000, got 10001",
    )
    err = raises(
        apply_json_patch, {"a": "x" * 1000}, [{"op": "copy", "from": "/a", "path": "/b"}] * 3, max_copy_bytes=2500
    )
    assert err.code == 422
    assert err.detail == (
        "Unable to complete the copy, the accumulated size increase of copy is 3006, exceeding the limit 2500"
    )


def test_json_patch_body_errors() -> None:
    err = raises(apply_json_patch, {}, b'[{"op":')
    assert (err.code, err.reason, err.message) == (
        400,
        "BadRequest",
        "error decoding patch: unexpected end of JSON input",
    )
    assert raises(apply_json_patch, {}, b"[x]", field_validation="Ignore").message == (
        "invalid character 'x' looking for beginning of value"
    )
    # strict decoding into []handlers.jsonPatchOp (fieldValidation unset = Warn)
    assert raises(apply_json_patch, {}, {"op": "add"}).message == (
        "error decoding patch: json: cannot unmarshal object into Go value of type []handlers.jsonPatchOp"
    )
    assert raises(apply_json_patch, {}, [{"op": "add", "path": 1}]).message == (
        "error decoding patch: json: cannot unmarshal number into Go struct field jsonPatchOp.path of type string"
    )
    # fieldValidation=Ignore: jsonpatch.DecodePatch's own texts
    assert raises(apply_json_patch, {}, {"op": "add"}, field_validation="Ignore").message == (
        "json: cannot unmarshal object into Go value of type jsonpatch.Patch"
    )
    assert raises(apply_json_patch, {}, ["x"], field_validation="Ignore").message == (
        "json: cannot unmarshal string into Go value of type jsonpatch.Operation"
    )
    assert apply_json_patch({"a": 1}, b"null") == {"a": 1}


def test_json_patch_strict_errors() -> None:
    found: list[str] = []
    got = apply_json_patch(
        {}, b'[{"op":"add","path":"/x","value":{"a":1,"a":2},"foo":1,"op":"add"}]', strict_errors=found
    )
    assert got == {"x": {"a": 2}}
    assert found == [
        'json patch duplicate field "[0].value.a"',
        'json patch unknown field "[0].foo"',
        'json patch duplicate field "[0].op"',
    ]


def test_json_patch_replacing_the_root_with_an_array_does_not_decode() -> None:
    err = raises(apply_json_patch, {"a": 1}, [{"op": "replace", "path": "", "value": ["<a>"]}])
    assert err.code == 422
    # Go's json.Marshal escapes <, > and &; %q then escapes the backslashes
    assert err.message.startswith(r' "" is invalid: patch: Invalid value: "[\"\\u003ca\\u003e\"]": couldn')
    assert apply_json_patch({"a": 1}, [{"op": "replace", "path": "", "value": {"b": 2}}]) == {"b": 2}


def test_json_patch_panics_become_500() -> None:
    err = raises(apply_json_patch, {"a": [None]}, [{"op": "test", "path": "/a", "value": [None]}])
    assert (err.code, err.message, err.plain_text) == (500, PANIC_MESSAGE, True)
    assert raises(apply_json_patch, {}, [{"op": "test", "path": ""}]).code == 500


# --- strategic merge patch ----------------------------------------------------------------------------


def smp(patch: Any, doc: dict[str, Any] | None = None, schema: str = POD, **kwargs: Any) -> dict[str, Any]:
    doc = pod() if doc is None else doc
    original = copy.deepcopy(doc)
    out = apply_strategic_merge_patch(doc, patch, schema, **kwargs)
    assert doc == original  # pure
    return out


def names(obj: dict[str, Any]) -> list[str]:
    return [c["name"] for c in obj["spec"]["containers"]]


def test_containers_merge_by_name() -> None:
    got = smp({"spec": {"containers": [{"name": "sidecar", "image": "proxy:2"}, {"name": "log", "image": "log:1"}]}})
    assert got["spec"]["containers"] == [
        APP,
        {"name": "sidecar", "image": "proxy:2"},
        {"name": "log", "image": "log:1"},
    ]
    # an item the live list does not have, alone in the patch, goes first (mergeSortedSlice)
    got = smp({"spec": {"containers": [{"name": "log", "image": "log:1"}]}})
    assert names(got) == ["log", "app", "sidecar"]
    assert got["apiVersion"] == "v1" and got["metadata"] == pod()["metadata"]


def test_env_merges_by_name_and_ports_by_container_port() -> None:
    got = smp(
        {
            "spec": {
                "containers": [{"name": "app", "env": [{"name": "DEBUG", "value": "1"}, {"name": "NEW", "value": "x"}]}]
            }
        }
    )
    assert got["spec"]["containers"][0]["env"] == [
        {"name": "MODE", "value": "prod"},
        {"name": "DEBUG", "value": "1"},
        {"name": "NEW", "value": "x"},
    ]
    got = smp(
        {
            "spec": {
                "containers": [
                    {"name": "app", "ports": [{"containerPort": 8080}, {"containerPort": 80, "name": "http"}]}
                ]
            }
        }
    )
    assert got["spec"]["containers"][0]["ports"] == [
        {"containerPort": 8080},
        {"containerPort": 80, "protocol": "TCP", "name": "http"},
        {"containerPort": 443, "protocol": "TCP"},
    ]


def test_patch_delete_of_a_list_element() -> None:
    assert smp({"spec": {"containers": [{"name": "sidecar", "$patch": "delete"}]}})["spec"]["containers"] == [APP]
    assert names(smp({"spec": {"containers": [{"name": "nope", "$patch": "delete"}]}})) == ["app", "sidecar"]


def test_patch_replace_of_a_list_and_of_a_map() -> None:
    got = smp({"spec": {"containers": [{"name": "only", "image": "o:1"}, {"$patch": "replace"}]}})
    assert got["spec"]["containers"] == [{"name": "only", "image": "o:1"}]
    assert smp({"spec": {"nodeSelector": {"$patch": "replace", "gpu": "yes"}}})["spec"]["nodeSelector"] == {
        "gpu": "yes"
    }
    assert smp({"spec": {"nodeSelector": {"$patch": "delete"}}})["spec"]["nodeSelector"] == {}


def test_set_element_order() -> None:
    assert names(smp({"spec": {"$setElementOrder/containers": [{"name": "sidecar"}, {"name": "app"}]}})) == [
        "sidecar",
        "app",
    ]
    got = smp(
        {
            "spec": {
                "$setElementOrder/containers": [{"name": "sidecar"}, {"name": "log"}, {"name": "app"}],
                "containers": [{"name": "log", "image": "log:1"}],
            }
        }
    )
    assert names(got) == ["sidecar", "log", "app"]
    # what kubectl apply sends when a container is replaced by another
    got = smp(
        {
            "spec": {
                "$setElementOrder/containers": [{"name": "log"}, {"name": "app"}],
                "containers": [{"name": "log", "image": "log:1"}, {"name": "sidecar", "$patch": "delete"}],
            }
        }
    )
    assert got["spec"]["containers"] == [{"name": "log", "image": "log:1"}, APP]
    got = smp({"metadata": {"$setElementOrder/finalizers": ["c/z", "a/x", "b/y"]}})
    assert got["metadata"]["finalizers"] == ["c/z", "a/x", "b/y"]


def test_set_element_order_with_server_only_items() -> None:
    # kube's "set elements order in a list with server-only items 3", on containers
    doc = {
        "spec": {
            "containers": [
                {"name": "1", "other": "a"},
                {"name": "2", "value": "2"},
                {"name": "7"},
                {"name": "9"},
                {"name": "8"},
                {"name": "3", "value": "3"},
                {"name": "4", "value": "4"},
            ]
        }
    }
    got = smp({"spec": {"$setElementOrder/containers": [{"name": n} for n in "2143"]}}, doc)
    assert names(got) == ["2", "1", "7", "9", "8", "4", "3"]


def test_set_element_order_sees_go_slice_aliasing() -> None:
    # Deleting "d" frees the last slot of the live list's array and appending "g" writes into it, so when the
    # merged list is ordered, the live order kube consults already has "g" after "e" (strategicpatch reuses
    # the array): g lands last, not first.
    doc = {"spec": {"containers": [{"name": n} for n in "faed"]}}
    patch = {
        "spec": {
            "$setElementOrder/containers": [{"name": "g"}, {"name": "c"}],
            "containers": [{"name": "b", "$patch": "delete"}, {"name": "d", "$patch": "delete"}, {"name": "g"}],
        }
    }
    assert names(smp(patch, doc)) == ["f", "a", "e", "g"]


def test_retain_keys_switches_the_volume_source() -> None:
    got = smp(
        {"spec": {"volumes": [{"name": "data", "$retainKeys": ["configMap", "name"], "configMap": {"name": "other"}}]}}
    )
    assert got["spec"]["volumes"] == [
        {"name": "data", "configMap": {"name": "other"}},
        {"name": "conf", "configMap": {"name": "cm"}},
    ]
    # without $retainKeys the old source stays beside the new one
    got = smp({"spec": {"volumes": [{"name": "data", "configMap": {"name": "other"}}]}})
    assert got["spec"]["volumes"][0] == {"name": "data", "emptyDir": {}, "configMap": {"name": "other"}}


def test_retain_keys_on_deployment_strategy() -> None:
    got = smp({"spec": {"strategy": {"$retainKeys": ["type"], "type": "Recreate"}}}, deployment(), DEPLOYMENT)
    assert got["spec"]["strategy"] == {"type": "Recreate"}


def test_delete_from_primitive_list_and_set_semantics_of_finalizers() -> None:
    assert smp({"metadata": {"$deleteFromPrimitiveList/finalizers": ["b/y"]}})["metadata"]["finalizers"] == [
        "a/x",
        "c/z",
    ]
    assert smp({"metadata": {"finalizers": ["d/w", "a/x"]}})["metadata"]["finalizers"] == ["d/w", "a/x", "b/y", "c/z"]
    # a list without a patch strategy is replaced
    got = smp(
        {"spec": {"containers": [{"name": "app", "command": ["x"]}]}},
        {"spec": {"containers": [{"name": "app", "command": ["a", "b"]}]}},
    )
    assert got["spec"]["containers"] == [{"name": "app", "command": ["x"]}]


def test_null_deletes_a_field() -> None:
    got = smp({"metadata": {"labels": {"tier": None, "env": "prod"}, "annotations": {"a": None, "b": "1"}}})
    assert got["metadata"]["labels"] == {"app": "web", "env": "prod"}
    assert got["metadata"]["annotations"] == {"b": "1"}  # nulls in a new map are dropped
    assert "nodeSelector" not in smp({"spec": {"nodeSelector": None}})["spec"]


def test_deployment_conditions_merge_by_type() -> None:
    got = smp(
        {
            "status": {
                "conditions": [{"type": "Progressing", "status": "False"}, {"type": "ReplicaFailure", "status": "True"}]
            }
        },
        deployment(),
        DEPLOYMENT,
    )
    assert got["status"]["conditions"] == [
        {"type": "Available", "status": "True"},
        {"type": "Progressing", "status": "False"},
        {"type": "ReplicaFailure", "status": "True"},
    ]
    got = smp(
        {"spec": {"template": {"spec": {"containers": [{"name": "app", "image": "a:2"}]}}}}, deployment(), DEPLOYMENT
    )
    assert got["spec"]["template"]["spec"]["containers"] == [{"name": "app", "image": "a:2"}]


def test_inline_fields_and_case_insensitive_lookup() -> None:
    # Volume's inline VolumeSource fields are Volume's own; field names match case-insensitively as in Go
    got = smp({"Spec": {"Containers": [{"name": "log"}]}}, {"Spec": {"Containers": [{"name": "app"}]}})
    assert got == {"Spec": {"Containers": [{"name": "log"}, {"name": "app"}]}}


@pytest.mark.parametrize(
    ("patch", "code", "reason", "message"),
    [
        (
            {"spec": {"containers": [{"image": "x"}]}},
            500,
            "",
            "map: map[image:x] does not contain declared merge key: name",
        ),
        (
            {"spec": {"containers": [{"$patch": "merge"}]}},
            500,
            "",
            "merging lists cannot yet be specified in the patch",
        ),
        ({"metadata": {"$patch": "foo"}}, 500, "", "unknown patch type: foo in map: map[$patch:foo]"),
        ({"metadata": {"$patch": 1}}, 500, "", "unknown patch type: %!s(int64=1) in map: map[$patch:1]"),
        (
            {"spec": {"nope": {"a": 1}}},  # an unknown field both sides have as maps: no metadata to merge with
            500,
            "",
            'unable to find api field in struct PodSpec for the json field "nope"',
        ),
        ({"metadata": {"finalizers": [1]}}, 500, "", "list element types are not identical: [[a/x b/y c/z] [1]]"),
        (
            {"spec": {"volumes": [{"name": "data", "$retainKeys": ["name"], "configMap": {}}]}},
            400,
            "BadRequest",
            "invalid patch format of retainKeys",
        ),
        ({"metadata": {"$retainKeys": "name"}}, 400, "BadRequest", "invalid patch format of retainKeys"),
        (
            {"metadata": {"$setElementOrderfinalizers": []}},
            400,
            "BadRequest",
            "invalid patch format of setElementOrder list",
        ),
        ({"metadata": {"$deleteFromPrimitiveListx": []}}, 400, "BadRequest", "invalid patch format of primitive list"),
        ({"metadata": {"ownerReferences": [[1]]}}, 422, "Invalid", UNPROCESSABLE_MESSAGE),  # lists of lists
        (
            {"metadata": {"$setElementOrder/finalizers": ["a/x", "b/y"], "finalizers": ["b/y", "a/x"]}},
            500,
            "",
            "The order in patch list:\n[b/y a/x]\n doesn't match $setElementOrder list:\n[a/x b/y]\n",
        ),
        (
            {"metadata": {"$setElementOrder/finalizers": "x"}},
            500,
            "",
            "expected a []interface {}, but received a string",
        ),
    ],
)
def test_strategic_merge_patch_errors(patch: Any, code: int, reason: str, message: str) -> None:
    doc = pod()
    doc["spec"]["nope"] = {}
    doc["metadata"]["ownerReferences"] = []
    err = raises(apply_strategic_merge_patch, doc, patch, POD)
    assert (err.code, err.reason, err.message) == (code, reason, message)


def test_strategic_merge_patch_body_errors() -> None:
    err = raises(apply_strategic_merge_patch, pod(), b"[1]", POD)
    assert (err.code, err.reason, err.message) == (
        400,
        "BadRequest",
        "json: cannot unmarshal array into Go value of type map[string]interface {}",
    )
    assert raises(apply_strategic_merge_patch, pod(), b'{"a"', POD).message == "unexpected end of JSON input"
    assert apply_strategic_merge_patch(pod(), b"null", POD) == pod()
    found: list[str] = []
    apply_strategic_merge_patch(pod(), b'{"metadata":{"labels":{"a":"1","a":"2"}}}', POD, strict_errors=found)
    assert found == ['duplicate field "metadata.labels.a"']


def test_strategic_merge_patch_for_a_type_without_schema_is_415() -> None:
    err = raises(apply_strategic_merge_patch, {"spec": {}}, {"spec": {"a": 1}}, "example.com.v1.Widget")
    assert (err.code, err.reason, err.message) == (
        415,
        "UnsupportedMediaType",
        "the body of the request was in an unknown format - accepted media types include: "
        "application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml",
    )


# --- Go helpers ---------------------------------------------------------------------------------------


def test_go_formatting() -> None:
    assert go_sprint({"b": [1, 2.5, None], "a": {"c": True}}) == "map[a:map[c:true] b:[1 2.5 <nil>]]"
    assert go_sprint(1e6) == "1e+06" and go_sprint(123456.0) == "123456" and go_sprint(1e-5) == "1e-05"
    assert (
        go_sprint("x", "s") == "x" and go_sprint(None, "s") == "%!s(<nil>)" and go_sprint(True, "s") == "%!s(bool=true)"
    )


def test_go_stable_sort_is_a_stable_sort() -> None:
    rng = random.Random(7)
    for n in (0, 1, 19, 20, 21, 45, 130):
        data = [(rng.randint(0, 5), i) for i in range(n)]
        got = list(data)
        go_stable_sort(got, lambda a, b: a[0] < b[0])
        assert got == sorted(data, key=lambda x: x[0])


def test_copy_value_is_deep_whatever_the_shape() -> None:
    """ConfigMaps' and Secrets' maps of strings are copied as maps (their strings shared), anything else by
    value: no container of the copy is one of the original's."""
    cm = {"kind": "ConfigMap", "metadata": {"name": "a", "labels": {"x": "y"}}, "data": {"k": "v" * 100},
          "binaryData": {"b": "AAAA"}}  # fmt: skip
    cr = {"kind": "Thing", "data": {"nested": {"deep": [1, {"two": 2}]}}, "spec": {"n": 2**70}}
    for original in (cm, cr, [cm, cr], {"stringData": {"a": "b"}, "data": {"x": None}}):
        copied = copy_value(original)
        assert copied == original

        def containers(v: Any) -> list[Any]:
            inner = v.values() if isinstance(v, dict) else v if isinstance(v, list) else ()
            return [v, *(c for x in inner for c in containers(x))] if isinstance(v, dict | list) else []

        ids = {id(c) for c in containers(original)}
        assert not any(id(c) in ids for c in containers(copied))
