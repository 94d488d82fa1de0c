"""The 2026-12-04 afternoon's hot-path changes, each on and off in one process: process CPU per operation of
the function changed (best of ``--rounds`` rounds of ``--budget`` CPU seconds), the replaced code reproduced
here. Shortcuts:

1. a pod's validation verdict remembered (registry/validation/verdicts.py) against running the validator:
   pods of one template (admission's random volume names differ), and a spec seen for the first time (the
   memo's own cost);
2. deep copies of JSON by an orjson round trip (patching.patch.copy_value) against copy.deepcopy (what
   server-side apply took) and a Python walk (what the classic patches took); and (2026-12-04 evening) the
   top-level maps of strings of ConfigMaps and Secrets copied as maps against the whole object's round trip,
   and a merge patch that shares what it leaves alone with the stored object against one on a deep copy;
   And (evening) a create's FieldsV1 of a map of scalars written without the walk (patching/createfields.py);
   And (evening) a checked storage write measuring depth by orjson's write of the wrapped value;
3. a watcher group's flush without ``typing.cast`` per member, per 1,000 members;
4. ResourceInfo's derived names cached and the served group-versions a set, against building them per call.

And the cost of two fidelity changes (off is the old, non-kube output): custom resources' JSON with sorted
keys, and YAML by go-yaml's rules (encoding/goyamlwrite.py) against PyYAML's safe_dump.

The DELETE that decides on the watch cache's object is measured end to end instead: bench/write_path.py
``--baseline cfd5c7c`` (bench/results/write_path_since_cfd5c7c.json).

Writes ``bench/results/session_changes.json`` and ``.png``. Usage: ``python -m bench.session_changes``
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any, cast

import orjson
import yaml

from aiokube.apiserver.errors import FieldErrors, GroupResource
from aiokube.apiserver.patching import createfields
from aiokube.apiserver.patching import managedfields as mf
from aiokube.apiserver.patching.fieldpath import MISSING, field_pe
from aiokube.apiserver.patching.patch import apply_merge_patch, copy_value
from aiokube.apiserver.registry.resources import Registry
from aiokube.apiserver.registry.validation import dispatch, verdicts
from aiokube.apiserver.transport.directsink import DirectSink
from aiokube.encoding import deepjson, depth, goyamlwrite
from aiokube.encoding.jsonenc import go_escape
from aiokube.encoding.k8s_schema import KINDS
from aiokube.storage.store import encode_for_storage

from .common import pod, run_micro_items

Obj = dict[str, Any]
Rows = dict[str, tuple[float, float]]


def per_op(fn: Callable[[], Any], rounds: int, budget: float) -> float:
    """Process CPU (ms) per call, best of ``rounds`` rounds of ``budget`` CPU seconds."""
    best = float("inf")
    for _ in range(rounds):
        n, c0 = 0, time.process_time()
        while time.process_time() - c0 < budget:
            fn()
            n += 1
        best = min(best, (time.process_time() - c0) / n)
    return best * 1000


def _pod_of_template(i: int, image: str = "nginx:1.27") -> Obj:
    """A pod as validation sees it after admission: the template's spec, admission's random volume name."""
    p = pod("bench", f"p-{i}")
    volume = f"kube-api-access-{'bcdfg'[i % 5]}{'hjklm'[i // 5 % 5]}{'npqrs'[i // 25 % 5]}xz"
    spec = p["spec"]  # the defaults a stored pod has
    spec.update(terminationGracePeriodSeconds=30, serviceAccountName="default")
    spec["containers"][0].update(image=image, terminationMessagePolicy="File", imagePullPolicy="IfNotPresent")
    spec["volumes"] = [{"name": volume, "projected": {"defaultMode": 420, "sources": [
        {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}}]}}]  # fmt: skip
    spec["containers"][0]["volumeMounts"] = [
        {"name": volume, "readOnly": True, "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount"}
    ]
    return p


def verdict_memo(rounds: int, budget: float) -> Rows:
    template = [_pod_of_template(i) for i in range(100)]
    fresh = [_pod_of_template(i, image=f"nginx:{i}") for i in range(20000)]
    assert all(not _errors(verdicts.validate, p) for p in template[:3])
    counter = iter(range(10**9))

    def on_template() -> None:
        verdicts.validate("", "Pod", template[next(counter) % 100], None, FieldErrors())

    def off_template() -> None:
        dispatch.validate("", "Pod", template[next(counter) % 100], None, FieldErrors())

    def on_fresh() -> None:  # every spec new to the memo: it costs a dump and a set insert
        verdicts.validate("", "Pod", fresh[next(counter) % len(fresh)], None, FieldErrors())

    def off_fresh() -> None:
        dispatch.validate("", "Pod", fresh[next(counter) % len(fresh)], None, FieldErrors())

    return {"pods of one template": (per_op(on_template, rounds, budget), per_op(off_template, rounds, budget)),
            "a spec seen first": (per_op(on_fresh, 1, budget), per_op(off_fresh, 1, budget))}  # fmt: skip


def _errors(validate: Callable[..., None], p: Obj) -> list[Any]:
    errs = FieldErrors()
    validate("", "Pod", p, None, errs)
    return errs.causes


def _configmap(keys: int, size: int) -> Obj:
    value = "v" * max(size // keys - 12, 1)
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "namespace": "bench"},
            "data": {f"key-{k:05d}": value for k in range(keys)}}  # fmt: skip


def _walk(v: Any) -> Any:
    """The classic patches' copy before (patching/patch.py copy_value)."""
    if isinstance(v, dict):
        return {k: _walk(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_walk(x) for x in v]
    return v


def deep_copies(rounds: int, budget: float) -> Rows:
    out: Rows = {}
    for name, obj in (("2 KB pod", pod("bench", "p")), ("0.9 MB ConfigMap", _configmap(5000, 900_000))):
        on = per_op(lambda obj=obj: copy_value(obj), rounds, budget)
        out[f"{name} vs deepcopy (apply)"] = (on, per_op(lambda obj=obj: copy.deepcopy(obj), rounds, budget))
        out[f"{name} vs walk (patches)"] = (on, per_op(lambda obj=obj: _walk(obj), rounds, budget))
        out[f"{name}: string maps as maps vs round trip"] = (
            on, per_op(lambda obj=obj: orjson.loads(orjson.dumps(obj)), rounds, budget))  # fmt: skip
    # (evening) a merge patch whose result is only written out shares what the patch leaves alone
    labelled, body = pod("bench", "p"), b'{"metadata":{"labels":{"rev":"c"}}}'
    out["merge patch of a pod's label: shared vs copied"] = (
        per_op(lambda: apply_merge_patch(labelled, body, shared=True), rounds, budget),
        per_op(lambda: apply_merge_patch(labelled, body), rounds, budget),
    )
    return out


def group_flush(rounds: int, budget: float) -> Rows:
    members = [SimpleNamespace(sink=None) for _ in range(1000)]

    def on() -> None:
        for w in members:
            sink: DirectSink | None = w.sink  # type: ignore[assignment]
            if sink is None:
                continue

    def off() -> None:
        for w in members:
            sink = cast(DirectSink | None, w.sink)
            if sink is None:
                continue

    return {"1,000 members' sinks": (per_op(on, rounds, budget), per_op(off, rounds, budget))}


def registry_names(rounds: int, budget: float) -> Rows:
    registry = Registry()
    info = registry.get("", "v1", "pods")
    assert info is not None
    infos = list(registry)
    return {
        "ResourceInfo.group_resource": (per_op(lambda: info.group_resource, rounds, budget),
                                        per_op(lambda: GroupResource(info.group, info.plural), rounds, budget)),
        "Registry.has_group_version": (
            per_op(lambda: registry.has_group_version("apps", "v1"), rounds, budget),
            per_op(lambda: any(i.group == "apps" and i.version == "v1" for i in infos), rounds, budget)),
    }  # fmt: skip


def _custom_resource() -> Obj:
    spec = {f"field{k:02d}": {"zeta": k, "alpha": [str(k)] * 3, "mid": {"b": 1, "a": 2}} for k in range(40)}
    return {"apiVersion": "example.com/v1", "kind": "Widget",
            "metadata": {"name": "w", "namespace": "default", "uid": "u", "resourceVersion": "1",
                         "labels": {"b": "1", "a": "2"}}, "spec": spec}  # fmt: skip


def fidelity_costs(rounds: int, budget: float) -> Rows:
    cr, pod_obj = _custom_resource(), pod("bench", "p")
    return {
        "CR JSON, sorted keys (kube's) vs as stored": (
            per_op(lambda: go_escape(orjson.dumps(cr, option=orjson.OPT_SORT_KEYS)), rounds, budget),
            per_op(lambda: go_escape(orjson.dumps(cr)), rounds, budget)),
        "pod YAML, go-yaml's rules vs PyYAML": (
            per_op(lambda: goyamlwrite.dump(pod_obj), rounds, budget),
            per_op(lambda: yaml.safe_dump(orjson.loads(orjson.dumps(pod_obj)), sort_keys=True,
                                          default_flow_style=False).encode(), rounds, budget)),
    }  # fmt: skip


def created_maps(rounds: int, budget: float) -> Rows:
    """A create's FieldsV1 of a ConfigMap's data seen for the first time (the memo emptied before each call):
    the map path (patching/createfields.py) against the walk that built a tree of path elements."""
    t = mf.builtin_type(KINDS[("v1", "ConfigMap")])

    def walked(value: Obj) -> Obj:
        createfields._CREATED.clear()
        tree: dict[Any, Any] = {}
        createfields._Owned().compare(MISSING, value, t.field("data"), tree, field_pe("data"))
        return createfields._fields_v1(tree)

    def mapped(value: Obj) -> Obj | None:
        createfields._CREATED.clear()
        return createfields._created_part("data", MISSING, value, t)

    out: Rows = {}
    for keys in (20, 5000, 100_000):
        data = {f"key-{k:06d}": "v" * 20 for k in range(keys)}
        assert mapped(data) == {"f:data": walked(data)["f:data"]}
        out[f"data of {keys:,} keys, seen first"] = (
            per_op(lambda data=data: mapped(data), rounds, budget),
            per_op(lambda data=data: walked(data), rounds, budget),
        )
    return out


def checked_writes(rounds: int, budget: float) -> Rows:
    """A checked storage write (storage/store.py encode_for_storage) of an object with more brackets than the
    depth limit (a pod with three managers): orjson's write of the value wrapped in lists measures the depth,
    against the Python height walk it replaced (the depth merge's first version)."""
    managed = [{"manager": f"m{i}", "operation": "Update", "apiVersion": "v1", "fieldsType": "FieldsV1",
                "fieldsV1": {"f:spec": {f"f:k{j}": {} for j in range(80)}}} for i in range(3)]  # fmt: skip
    obj = pod("bench", "p")
    obj["metadata"]["managedFields"] = managed

    def walked() -> bytes:
        data = orjson.dumps(obj)
        if data.count(b"{") + data.count(b"[") > depth.MAX_DEPTH and deepjson.height(obj) > depth.MAX_DEPTH:
            raise AssertionError("too deep")
        return data

    data = walked()
    assert data.count(b"{") + data.count(b"[") > depth.MAX_DEPTH and encode_for_storage(obj, checked=True) == data
    return {"pod with three managers": (per_op(lambda: encode_for_storage(obj, checked=True), rounds, budget),
                                        per_op(walked, rounds, budget))}  # fmt: skip


ITEMS: dict[str, Callable[[int, float], Rows]] = {
    "verdicts": verdict_memo,
    "deep copy": deep_copies,
    "group flush": group_flush,
    "registry": registry_names,
    "cost": fidelity_costs,
    "created fields": created_maps,
    "checked write": checked_writes,
}


def main(argv: list[str] | None = None) -> None:
    title = "this session's hot-path changes: CPU per operation, on vs off (log)"
    switch = "the replaced code reproduced"
    run_micro_items("session_changes", __doc__ or "", ITEMS, argv, title=title, switch=switch, log=True)


if __name__ == "__main__":
    main()
