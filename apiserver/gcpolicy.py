"""When this server's cycle collector runs: young objects are scanned once or twice, then frozen; full
collections are rare and scheduled.

What the server keeps (the watch caches' objects, the typed memos, indexes) is acyclic JSON that reference
counting frees; the cycle collector finds next to nothing in it. With CPython's schedule it still walked it
again and again: during bench/write_path (10 operations x 2,000 requests) the collector ran 38 times, found 10
objects, and cost 1.15 s of the server's 17.5 s of CPU, with event-loop pauses of 275 ms (a generation-1
collection) and 606 ms (a full one: every time a quarter of the long-lived objects is new, which steady writes
bring about every ~20 s). A watch event delivered late by 600 ms breaks the watch SLO's 100 ms p99 by itself.

The policy (:func:`tune`):

- generation 0 is collected every :data:`GEN0_THRESHOLD` net container allocations, and what survives it is
  frozen (``gc.freeze``): it leaves the collector's lists, so it is never scanned again, while reference
  counting still frees it the moment it is dropped. Each kept object is scanned once, pauses stay at the size
  of one generation-0 batch (~10 ms). Until 2026-12-05 the survivors of every generation-1 collection (every
  second one) were frozen, each kept object scanned twice: 6,000 pod creates spent 14-16 µs each in the
  collector that way, 9 µs now (``AIOKUBE_GC_FREEZE_AFTER=1`` restores it: README, *Performance*);
- automatic full collections are off: every :data:`DEEP_INTERVAL` seconds the frozen objects are unfrozen,
  one full collection reclaims the cycles that died after they were frozen (an exception's traceback, a
  closed watcher's task: objects that were alive at a freeze), and the survivors are frozen again. That
  pause is a full collection's, as CPython's own would be, once per interval instead of every ~20 s;
- ``AIOKUBE_GC_FREEZE=0`` in the environment keeps CPython's schedule with :data:`GC_THRESHOLDS` instead
  (the previous policy; bench/gc_policy.py runs both).
"""

from __future__ import annotations

import asyncio
import gc
import os
import time
from typing import Any

from aiokube.storage.fastmetrics import FastHistogram

#: CPython's default (700 allocations) collected generation 0 every few requests, and full collections
#: walked every cached object: 3,000 pod creates spent 977 ms in 1,784 collections (13 full ones, 686 ms);
#: with these thresholds 53 ms in 10. The fallback schedule when freezing is off.
GC_THRESHOLDS = (50_000, 20, 20)
GEN0_THRESHOLD = 50_000
#: seconds between full collections of everything (frozen objects included)
DEEP_INTERVAL = 900.0
#: generation-1 collections before a full one: never, automatically (deep_collect does them)
_NO_FULL = 1 << 30


#: every collection's pause, by generation (Go's go_gc_duration_seconds is its pauses' summary)
PAUSES = FastHistogram(
    "python_gc_duration_seconds",
    "Seconds each run of the cycle collector held the process, by generation.",
    ["generation"],
    (0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
    register=True,
)
_GENERATIONS = [PAUSES.labels(str(g)) for g in range(3)]
_started = [0.0]


def _time_pause(phase: str, info: dict[str, Any]) -> None:
    if phase == "start":
        _started[0] = time.perf_counter()
    else:
        _GENERATIONS[info["generation"]].observe(time.perf_counter() - _started[0])


def freezing() -> bool:
    return os.environ.get("AIOKUBE_GC_FREEZE", "1") != "0"


def _freeze_survivors(phase: str, info: dict[str, Any]) -> None:
    if phase == "stop" and info["generation"] >= FREEZE_AFTER[0]:
        gc.freeze()


#: the youngest generation whose collections' survivors are frozen (``AIOKUBE_GC_FREEZE_AFTER``, 0 or 1)
FREEZE_AFTER = [int(os.environ.get("AIOKUBE_GC_FREEZE_AFTER", "0"))]


def deep_collect() -> int:
    """One full collection over every object, frozen ones included, then its survivors frozen again; the
    number of unreachable objects found."""
    gc.unfreeze()
    found = gc.collect()
    gc.freeze()
    return found


def collect_all() -> int:
    """A full collection as ``gc.collect()`` means one (``/debug/pprof/heap?gc=1``): of every object, the frozen
    ones too once :func:`tune` freezes them; the number of unreachable objects found."""
    return deep_collect() if _freezes[0] else gc.collect()


_freezes = [False]


def tune(loop: asyncio.AbstractEventLoop | None = None) -> None:
    """Apply the policy to this process (once, after start-up): start-up's objects (modules, schemas) are
    frozen first; with ``loop``, full collections are scheduled on it."""
    if _time_pause not in gc.callbacks:
        gc.callbacks.append(_time_pause)
    gc.collect()
    gc.freeze()
    if not freezing():
        gc.set_threshold(*GC_THRESHOLDS)
        return
    gc.set_threshold(GEN0_THRESHOLD, 1, _NO_FULL)
    _freezes[0] = True
    if _freeze_survivors not in gc.callbacks:
        gc.callbacks.append(_freeze_survivors)
    if loop is not None:

        def deep() -> None:
            deep_collect()
            loop.call_later(DEEP_INTERVAL, deep)

        loop.call_later(DEEP_INTERVAL, deep)
