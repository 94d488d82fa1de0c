"""What the tenth session's heavy-value offloading adds to light requests and events, each on and off in one
process (process CPU per operation, best of ``--rounds`` rounds of ``--budget`` CPU seconds); ``off`` is the
code without the check, reproduced here:

1. per watch-cache event: ``Entries.offloads`` (is the stored value heavy?) before a pod's entry is made,
   against making it directly (the decode of another server's event, the usual case for a replica);
2. per read of etcd: ``Store._decode`` (a coroutine and the heaviness check) against ``decode_from_storage``;
3. per patch or apply: the watch cache's ``holds_heavy`` (the key, a dict lookup) against nothing;
4. per GET from the cache: the heavy flag read by ``Output.object_response_async`` against nothing.

Heavy values themselves are measured end to end by bench/deep_reads.py. Writes
``bench/results/session10_changes.json`` and ``.png``. Usage: ``python -m bench.session10_changes``
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import orjson

from aiokube.storage.store import Store, decode_from_storage
from aiokube.watchcache.entries import Entries
from aiokube.watchcache.objects import CachedObject
from aiokube.watchcache.store import CacheStore

from .common import pod, run_micro_items
from .session_changes import per_op
from .write_shortcuts import PODS

Rows = dict[str, tuple[float, float]]
KEY = "/registry/pods/bench/p-0"
VALUE = orjson.dumps(pod("bench", "p-0", labels={"app": "web"}))
OFFLOAD = ThreadPoolExecutor(1)


def _attrs(obj: dict[str, Any]) -> tuple[dict[str, str], dict[str, str]]:
    return (obj.get("metadata") or {}).get("labels") or {}, {}


class _NoWrites:
    """What Entries asks of the storage: this process wrote nothing (another server's events)."""

    def take_written(self, key: str, revision: int, value: bytes) -> None:
        return None


def _run(coro: Coroutine[Any, Any, Any]) -> Any:
    """A coroutine that never suspends, driven without an event loop (the cost of awaiting it)."""
    try:
        coro.send(None)
    except StopIteration as stop:
        return stop.value
    raise AssertionError("it suspended")


def event_entries(rounds: int, budget: float) -> Rows:
    entries = Entries(_NoWrites(), _attrs, OFFLOAD)  # type: ignore[arg-type]

    def on() -> None:
        if entries.offloads(VALUE):
            raise AssertionError("a pod is light")
        entries.light(KEY, VALUE, 5)

    def off() -> None:
        entries.light(KEY, VALUE, 5)

    return {"a pod's event into an entry": (per_op(on, rounds, budget), per_op(off, rounds, budget))}


def etcd_reads(rounds: int, budget: float) -> Rows:
    store = Store.__new__(Store)  # no client: only _decode is called
    store.offload = OFFLOAD

    def on() -> None:
        _run(store._decode(VALUE, 5, KEY))

    def off() -> None:
        decode_from_storage(VALUE, 5, KEY)

    return {"a pod read from etcd, decoded": (per_op(on, rounds, budget), per_op(off, rounds, budget))}


def patch_check(rounds: int, budget: float) -> Rows:
    cache = CacheStore("/registry/pods/", ())
    obj = orjson.loads(VALUE)
    cache.upsert(CachedObject(KEY, obj, 5, {}, {}))

    def on() -> None:
        entry = cache.get(PODS.key("bench", "p-0"))
        if entry is not None and entry.heavy:
            raise AssertionError("a pod is light")

    def off() -> None:
        pass

    return {"holds_heavy of a patch's object": (per_op(on, rounds, budget), per_op(off, rounds, budget))}


def get_flag(rounds: int, budget: float) -> Rows:
    entry = CachedObject(KEY, orjson.loads(VALUE), 5, {}, {})

    def on() -> None:
        heavy = False
        heavy = heavy or (isinstance(entry, CachedObject) and entry.heavy)

    def off() -> None:
        heavy = False  # noqa: F841

    return {"a GET's heavy flag": (per_op(on, rounds, budget), per_op(off, rounds, budget))}


ITEMS: dict[str, Callable[[int, float], Rows]] = {
    "events": event_entries,
    "etcd reads": etcd_reads,
    "patch": patch_check,
    "get": get_flag,
}


def main(argv: list[str] | None = None) -> None:
    title = "tenth session's heavy-value checks on light work: CPU per operation, on vs off"
    run_micro_items("session10_changes", __doc__ or "", ITEMS, argv, title=title, switch="the checks removed")


if __name__ == "__main__":
    main()
