"""endpoints/typedmemo: a body whose non-metadata part was decoded before is decoded from the memo — checked,
defaulted and canonical exactly as a whole decode makes it (byte for byte), for every built-in type's sample, with
metadata that differs between the bodies (names, labels, annotations kube's defaults touch), and never for a body
whose rest differs, or had unknown fields (their warnings come each time)."""

from __future__ import annotations

import copy
from typing import Any

import orjson
import pytest

from aiokube.apiserver.admission import pods as pod_admission
from aiokube.apiserver.endpoints import bodies
from aiokube.apiserver.errors import StatusError
from aiokube.apiserver.registry import typedmemo
from aiokube.apiserver.registry.resources import Registry
from aiokube.apiserver.registry.storedform import schema_of, stored_form
from tests.samples import samples

REGISTRY = Registry()
JSON = "application/json"


def _typed() -> list[str]:
    out = []
    for path, sample in samples().items():
        info = REGISTRY.by_kind(sample["apiVersion"], sample["kind"])
        if info is not None and info.conversion is None and schema_of(info) is not None:
            out.append(path)
    return out


def _body(sample: dict[str, Any], name: str, extra_meta: dict[str, Any]) -> bytes:
    obj = copy.deepcopy(sample)
    obj["metadata"] = {**obj.get("metadata", {}), "name": name, **extra_meta}
    return orjson.dumps(obj)


def _decode(body: bytes, info: Any, field_validation: str = "") -> bodies.Decoded:
    return bodies.decode_object(body, JSON, info, REGISTRY, field_validation)


@pytest.mark.parametrize("path", _typed())
def test_a_remembered_decode_equals_the_whole_decode(path: str, monkeypatch: pytest.MonkeyPatch) -> None:
    sample = samples()[path]
    info = REGISTRY.by_kind(sample["apiVersion"], sample["kind"])
    typedmemo._MEMO.clear()
    _decode(_body(sample, "first", {}), info)  # remembers the rest
    second = _body(sample, "second", {"labels": {"other": "x"}, "annotations": {
        "pod.beta.kubernetes.io/init-containers": "[]", "kept": "y"}})  # fmt: skip
    remembered = (typedmemo.key(orjson.loads(second) | {"apiVersion": info.api_version, "kind": info.kind},
                                schema_of(info), info.group, info.kind))  # fmt: skip
    hits: list[bytes] = []
    lookup = typedmemo.lookup

    def counted(k: Any) -> bytes | None:
        hit = lookup(k)
        if hit is not None:
            hits.append(hit)
        return hit

    monkeypatch.setattr(typedmemo, "lookup", counted)
    via_memo = _decode(second, info).obj
    if (info.group, info.kind) in typedmemo.WHOLE_ONLY:
        assert remembered is None and not hits
    else:
        assert hits, "the second body's rest was not found"
    monkeypatch.setattr(typedmemo, "lookup", lambda k: None)
    whole = _decode(second, info).obj
    assert orjson.dumps(via_memo) == orjson.dumps(whole)


def test_a_different_rest_or_unknown_fields_are_not_remembered() -> None:
    info = REGISTRY.get("", "v1", "configmaps")
    typedmemo._MEMO.clear()
    base = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}, "data": {"k": "v"}}
    _decode(orjson.dumps(base), info)
    assert len(typedmemo._MEMO) == 1
    changed = _decode(orjson.dumps({**base, "data": {"k": "w"}}), info).obj
    assert changed["data"] == {"k": "w"} and len(typedmemo._MEMO) == 2
    unknown = {**base, "data": {"k": "u"}, "bogus": 1}
    first = _decode(orjson.dumps(unknown), info, "Warn")
    again = _decode(orjson.dumps(unknown), info, "Warn")
    assert first.warnings == again.warnings == ['unknown field "bogus"']
    assert len(typedmemo._MEMO) == 2


def test_an_error_in_metadata_is_found_on_a_hit() -> None:
    info = REGISTRY.get("", "v1", "configmaps")
    typedmemo._MEMO.clear()
    base = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}, "data": {"k": "v"}}
    _decode(orjson.dumps(base), info)
    bad = orjson.dumps({**base, "metadata": {"name": "b", "labels": {"x": 1}}})
    with pytest.raises(StatusError) as on_hit:
        _decode(bad, info)
    typedmemo._MEMO.clear()
    with pytest.raises(StatusError) as whole:
        _decode(bad, info)
    assert on_hit.value.code == whole.value.code == 400
    assert on_hit.value.message == whole.value.message
    expected = "cannot unmarshal number into Go struct field ObjectMeta.metadata.labels of type string"
    assert expected in whole.value.message


@pytest.mark.parametrize("path", _typed())
def test_a_stored_object_decodes_to_itself(path: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """What makes remembering written objects right: a body that is an object in stored form (as a client's
    GET-modify-PUT sends it back) decodes, the whole way, to the same rest; and stored_form remembers it."""
    sample = samples()[path]
    info = REGISTRY.by_kind(sample["apiVersion"], sample["kind"])
    typedmemo._MEMO.clear()
    monkeypatch.setattr(typedmemo, "lookup", lambda k: None)
    first = _decode(_body(sample, "stored", {}), info).obj
    stored = stored_form(first, info)
    again = _decode(orjson.dumps(stored), info).obj
    assert typedmemo.body(again) == typedmemo.body(stored)
    assert typedmemo._MEMO.get((schema_of(info), info.group, info.kind, typedmemo.body(stored))) in (
        None if (info.group, info.kind) in typedmemo.WHOLE_ONLY else typedmemo.body(stored),
    )


def _admitted_pod(name: str, suffix: str) -> dict[str, Any]:
    """A pod decoded and through kube's admission chain (its token volume named with ``suffix``), as
    GenericStore.create has it when it calls stored_form."""
    info = REGISTRY.get("", "v1", "pods")
    pod = _decode(_body(samples()["api/v1/pods"], name, {"namespace": "ns"}), info).obj
    account = {"metadata": {"name": "default", "namespace": "ns"}}
    pod_admission.admit_pod(pod, "ns", account, lambda: suffix)
    pod["status"] = {"phase": "Pending", "qosClass": "Burstable"}
    return pod


def test_stored_forms_of_one_template_are_remembered_apart_from_random_names(monkeypatch: pytest.MonkeyPatch) -> None:
    info = REGISTRY.get("", "v1", "pods")
    typedmemo._MEMO.clear()
    first = stored_form(_admitted_pod("a", "bcdfg"), info, ("kube-api-access-bcdfg",))
    hits: list[bytes] = []
    lookup = typedmemo.lookup_stored

    def counted(k: Any, volatile: tuple[str, ...]) -> bytes | None:
        hit = lookup(k, volatile)
        if hit is not None:
            hits.append(hit)
        return hit

    monkeypatch.setattr(typedmemo, "lookup_stored", counted)
    second = stored_form(_admitted_pod("b", "xz279"), info, ("kube-api-access-xz279",))
    assert hits and b"kube-api-access-xz279" in hits[0] and b"bcdfg" not in hits[0]
    monkeypatch.setattr(typedmemo, "lookup_stored", lambda k, v: None)
    whole = stored_form(_admitted_pod("b", "xz279"), info, ("kube-api-access-xz279",))
    assert orjson.dumps(second) == orjson.dumps(whole)
    assert first["spec"]["volumes"][-1]["name"] == "kube-api-access-bcdfg"
    assert second["spec"]["volumes"][-1]["name"] == "kube-api-access-xz279"


@pytest.mark.parametrize("path", _typed())
def test_a_remembered_stored_form_equals_the_whole_one(path: str, monkeypatch: pytest.MonkeyPatch) -> None:
    sample = samples()[path]
    info = REGISTRY.by_kind(sample["apiVersion"], sample["kind"])
    typedmemo._MEMO.clear()

    def written(name: str) -> dict[str, Any]:
        obj = _decode(_body(sample, name, {"labels": {"n": name}}), info).obj
        obj["metadata"]["uid"] = name  # changed after the decode, as the registry does
        return copy.deepcopy(obj)  # not the decoded object: its hint does not hold

    stored_form(written("one"), info)
    hits: list[Any] = []
    lookup = typedmemo.lookup_stored
    monkeypatch.setattr(typedmemo, "lookup_stored", lambda k, v: hits.append(k) or lookup(k, v))
    via_memo = stored_form(written("two"), info)
    assert (lookup(hits[0], ()) is None) == ((info.group, info.kind) in typedmemo.WHOLE_ONLY)
    monkeypatch.setattr(typedmemo, "lookup_stored", lambda k, v: None)
    assert orjson.dumps(via_memo) == orjson.dumps(stored_form(written("two"), info))


@pytest.mark.parametrize("path", ["api/v1/pods", "api/v1/configmaps", "apis/apps/v1/deployments"])
def test_a_canonical_body_is_assembled_from_its_own_values(path: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A body whose rest is the remembered rest already (a GET-modify-PUT, a patched object) keeps its own
    parsed values instead of a decoded copy of the memo's bytes, with the same result byte for byte."""
    sample = samples()[path]
    info = REGISTRY.by_kind(sample["apiVersion"], sample["kind"])
    typedmemo._MEMO.clear()
    stored = stored_form(_decode(_body(sample, "one", {}), info).obj, info)
    body = orjson.dumps({**stored, "metadata": {**stored["metadata"], "labels": {"changed": "yes"}}})
    copies: list[bytes] = []
    loads = typedmemo.deepjson.loads
    monkeypatch.setattr(typedmemo.deepjson, "loads", lambda data: copies.append(data) or loads(data))
    via_own = _decode(body, info).obj
    assert not copies, "the memo's rest was decoded although the body's own rest is the same"
    monkeypatch.setattr(typedmemo, "lookup", lambda k: None)
    assert orjson.dumps(via_own) == orjson.dumps(_decode(body, info).obj)
    assert via_own["metadata"]["labels"] == {"changed": "yes"}


def test_admission_leaves_a_template_pod_in_stored_form() -> None:
    """What lets stored_form share an admitted pod's fields instead of decoding the memo's copy: kube's
    admission adds its fields (service account, priority, tolerations) where PodSpec has them, so the
    admitted rest is its own stored form."""
    info = REGISTRY.get("", "v1", "pods")
    typedmemo._MEMO.clear()
    stored_form(_admitted_pod("a", "bcdfg"), info, ("kube-api-access-bcdfg",))
    pod = _admitted_pod("b", "xz279")
    key = typedmemo.stored_key(pod, schema_of(info), "", "Pod", ("kube-api-access-xz279",))
    assert key is not None and typedmemo.is_identity(key)
    second = stored_form(pod, info, ("kube-api-access-xz279",))
    assert second["spec"] is pod["spec"]  # shared, not a copy
    typedmemo._MEMO.clear()
    assert orjson.dumps(stored_form(_admitted_pod("b", "xz279"), info, ("kube-api-access-xz279",))) == orjson.dumps(
        second
    )
