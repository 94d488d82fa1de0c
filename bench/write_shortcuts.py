"""The 2026-12-05 write-path shortcuts, each on and off in one process: process CPU per operation of the
function changed (best of ``--rounds`` rounds of ``--budget`` CPU seconds), off by switching the shortcut out:

1. a canonical body keeps its own parsed values (typedmemo.own_rest): decode_object of a pod as a GET-modify-PUT
   sends it back, against decoding the memo's copy of the rest;
2. a template pod's stored form shares the admitted fields (admission puts its fields where PodSpec has them,
   typedmemo.is_identity): stored_form of an admitted pod, against assembling a decoded copy;
3. a create's metadata FieldsV1 remembered by metadata's shape (createfields._metadata_part): created_fields_v1
   of a pod, against walking its metadata;
4. a pod's deletion mark on the cached pod with a copy of its metadata only (registry/pods.py), against
   the private copy of the whole pod it was made on (a decode of its stored bytes);
5. the stored bytes of an object this server wrote, kept with it (Store.stored_bytes) for the next update
   from the watch cache's object, against encoding that object again;
6. a managed-fields entry's FieldsV1 shared from the memo (fieldpath.to_fields_v1), against the fresh copy
   (a decode of the remembered JSON) each entry got.

Warm micro-measurements: in the server, with cold caches, the decodes and encodes skipped cost 2-5x these
figures (bench/write_path.py measures the requests end to end). Tried and dropped the same day: a write's JSON
answer spliced from its stored bytes and resourceVersion instead of encoding the written object took 3.4 vs
3.5 us warm and, timed inside the server over 1,000 pod creates, 15.5 vs 16.8 us: cold memory costs the
splice what it costs the encoding.

Writes ``bench/results/write_shortcuts.json`` and ``.png``. Usage: ``python -m bench.write_shortcuts``
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import orjson

from aiokube.apiserver.admission import pods as pod_admission
from aiokube.apiserver.endpoints import bodies
from aiokube.apiserver.patching import createfields, fieldpath
from aiokube.apiserver.patching import managedfields as mf
from aiokube.apiserver.registry import storedform, typedmemo
from aiokube.apiserver.registry.resources import Registry
from aiokube.apiserver.registry.store import field_type
from aiokube.storage import store as storage_store

from .common import pod, run_micro_items
from .session_changes import per_op

Obj = dict[str, Any]
Rows = dict[str, tuple[float, float]]
REGISTRY = Registry()
PODS = REGISTRY.get("", "v1", "pods")
JSON = "application/json"


@contextmanager
def switched(owner: Any, name: str, replacement: Any) -> Iterator[None]:
    """``owner.name`` replaced for the duration (the shortcut switched off)."""
    real = getattr(owner, name)
    setattr(owner, name, replacement)
    try:
        yield
    finally:
        setattr(owner, name, real)


def _both(on: Callable[[], Any], off: Callable[[], Any], switch: tuple[Any, str, Any], rounds: int, budget: float
          ) -> tuple[float, float]:  # fmt: skip
    a = per_op(on, rounds, budget)
    with switched(*switch):
        b = per_op(off, rounds, budget)
    return a, b


def _template_body(i: int) -> Obj:
    body = pod("bench", f"p-{i}", labels={"app": "web", "tier": "frontend"})
    body.pop("status")
    for key in ("uid", "creationTimestamp", "namespace", "resourceVersion"):
        body["metadata"].pop(key, None)
    return body


def _admitted(i: int) -> Obj:
    decoded = bodies.decode_object(orjson.dumps(_template_body(i)), JSON, PODS, REGISTRY).obj
    pod_admission.admit_pod(decoded, "bench", {"metadata": {"name": "default"}}, lambda: f"x{i % 10}zzz")
    decoded["status"] = {"phase": "Pending", "qosClass": "Burstable"}
    return decoded


def own_rest(rounds: int, budget: float) -> Rows:
    stored = storedform.stored_form(_admitted(0), PODS, ("kube-api-access-x0zzz",))
    stored["metadata"]["resourceVersion"] = "7"
    put = orjson.dumps({**stored, "metadata": {**stored["metadata"], "labels": {"app": "web", "rev": "b"}}})
    bodies.decode_object(put, JSON, PODS, REGISTRY)  # remembered

    def decode() -> None:
        bodies.decode_object(put, JSON, PODS, REGISTRY)

    off = (typedmemo, "own_rest", lambda *a: None)
    return {"decode of a pod sent back (PUT body)": _both(decode, decode, off, rounds, budget)}


def stored_identity(rounds: int, budget: float) -> Rows:
    admitted = [_admitted(i) for i in range(10)]
    storedform.stored_form(copy.deepcopy(admitted[0]), PODS, ("kube-api-access-x0zzz",))  # remembered
    counter = iter(range(10**9))

    def store() -> None:
        i = next(counter) % 10
        storedform.stored_form(admitted[i], PODS, (f"kube-api-access-x{i}zzz",))

    return {"stored form of a template pod": _both(store, store, (typedmemo, "is_identity", lambda k: False),
                                                   rounds, budget)}  # fmt: skip


def metadata_fields(rounds: int, budget: float) -> Rows:
    t = field_type(PODS)
    pods = [storedform.stored_form(_admitted(i), PODS, (f"kube-api-access-x{i}zzz",)) for i in range(10)]
    for i, p in enumerate(pods):
        p["metadata"].update(uid=f"u-{i}", creationTimestamp="2026-12-05T00:00:00Z")
    empty = t.empty_object(shared=True)
    reset = mf.reset_field_set(["status"])
    counter = iter(range(10**9))

    def created() -> None:
        createfields.created_fields_v1(pods[next(counter) % 10], empty, t, reset)

    return {"a pod create's FieldsV1": _both(created, created, (createfields, "_metadata_part", lambda *a: None),
                                             rounds, budget)}  # fmt: skip


def deletion_mark(rounds: int, budget: float) -> Rows:
    cached = storedform.stored_form(_admitted(2), PODS, ("kube-api-access-x2zzz",))
    mf.update_managed_fields(None, cached, "kubectl", "v1", "2026-12-05T00:00:00Z", field_type(PODS))
    cached["metadata"].update(uid="u", creationTimestamp="2026-12-05T00:00:00Z", resourceVersion="9")
    data = storage_store.encode_for_storage(cached)

    def mark(current: Obj) -> Obj:
        meta = dict(current["metadata"])
        meta.update(deletionTimestamp="2026-12-05T00:00:30Z", deletionGracePeriodSeconds=30)
        return storedform.restored_form({**current, "metadata": meta}, PODS)

    def on() -> None:
        mark(cached)

    def off() -> None:  # guaranteed_update's private copy without reads_only
        mark(storage_store.decode_from_storage(data, 9))

    return {"a pod's deletion mark": (per_op(on, rounds, budget), per_op(off, rounds, budget))}


def stored_bytes(rounds: int, budget: float) -> Rows:
    cached = storedform.stored_form(_admitted(3), PODS, ("kube-api-access-x3zzz",))
    mf.update_managed_fields(None, cached, "kubectl", "v1", "2026-12-05T00:00:00Z", field_type(PODS))
    cached["metadata"].update(uid="u", creationTimestamp="2026-12-05T00:00:00Z")
    data = storage_store.encode_for_storage(cached)
    cached["metadata"]["resourceVersion"] = "9"
    store = storage_store.Store(None)  # type: ignore[arg-type]  # no etcd call is made
    store._remember_stored("/registry/pods/bench/p", cached, data)

    def on() -> None:
        store.stored_bytes("/registry/pods/bench/p", cached)

    def off() -> None:
        storage_store.encode_for_storage(cached)

    assert store.stored_bytes("/registry/pods/bench/p", cached) == storage_store.encode_for_storage(cached)
    return {"a written pod's stored bytes": (per_op(on, rounds, budget), per_op(off, rounds, budget))}


def shared_fields(rounds: int, budget: float) -> Rows:
    pod_obj = storedform.stored_form(_admitted(4), PODS, ("kube-api-access-x4zzz",))
    t = field_type(PODS)
    created = createfields.created_fields_v1(pod_obj, t.empty_object(shared=True), t, mf.reset_field_set(["status"]))
    fs = fieldpath.from_fields_v1(created)
    raw = orjson.dumps(fieldpath.to_fields_v1(fs))

    def on() -> None:
        fieldpath.to_fields_v1(fs)

    def off() -> None:  # what the memo handed out before: a decode of the set's JSON
        orjson.loads(raw)

    return {"a pod's FieldsV1 from the memo": (per_op(on, rounds, budget), per_op(off, rounds, budget))}


ITEMS: dict[str, Callable[[int, float], Rows]] = {
    "own rest": own_rest,
    "stored identity": stored_identity,
    "metadata fields": metadata_fields,
    "deletion mark": deletion_mark,
    "stored bytes": stored_bytes,
    "shared fields": shared_fields,
}


def main(argv: list[str] | None = None) -> None:
    title = "write-path shortcuts of 2026-12-05: CPU per operation, on vs off"
    run_micro_items("write_shortcuts", __doc__ or "", ITEMS, argv, title=title, switch="each shortcut switched out")


if __name__ == "__main__":
    main()
