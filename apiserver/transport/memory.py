"""Handing memory back to the OS once connections that held a lot of it are dropped.

A watch whose client stops reading holds up to ``HIGH_WATER`` (256 KiB) of unsent frames in its transport
(plus what pending writes cost around them) until the watch cache closes it as too slow. 500 such watchers
took a server from 100 to 517 MB; dropping their connections freed the buffers, but glibc kept much of the
heap's pages and RSS stayed well above where it started. ``malloc_trim(0)`` returns free pages. It walks the
heap (~13 ms for a 1 GB heap, holding malloc's lock, the GIL released by ctypes), so it runs in a worker
thread, once per burst of dropped connections: a second after the last one (at most 10 s after the first).
What stays is pymalloc's arenas with a few live objects each, which later allocations reuse. Elsewhere than
glibc it does nothing. ``aiokube_malloc_trims_total`` counts the trims.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import ctypes.util
import logging
import time
from collections.abc import Iterable
from typing import Any

from prometheus_client import REGISTRY
from prometheus_client.core import CounterMetricFamily, Metric
from prometheus_client.registry import Collector

log = logging.getLogger(__name__)


def _load_trim() -> Any:
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        trim = libc.malloc_trim
        trim.argtypes = [ctypes.c_size_t]
        trim.restype = ctypes.c_int
        return trim
    return None


class HeapTrimmer(Collector):
    """``soon()`` after dropping a connection with a big buffer: one ``malloc_trim`` per burst of them."""

    def __init__(self, quiet: float = 1.0, max_delay: float = 10.0) -> None:
        self.quiet = quiet
        self.max_delay = max_delay
        self.trims = 0
        self._trim = _load_trim()
        self._handle: asyncio.TimerHandle | None = None
        self._first = 0.0
        self._running = False

    def soon(self) -> None:
        if self._trim is None:
            return
        loop = asyncio.get_running_loop()
        now = time.monotonic()
        if self._handle is None:
            self._first = now
        else:
            self._handle.cancel()
        delay = min(self.quiet, max(self._first + self.max_delay - now, 0.0))
        self._handle = loop.call_later(delay, self._run, loop)

    def _run(self, loop: asyncio.AbstractEventLoop) -> None:
        self._handle = None
        if self._running:  # a trim is under way: this burst gets one after it
            self.soon()
            return
        self._running = True
        loop.run_in_executor(None, self._trim, 0).add_done_callback(self._done)

    def _done(self, future: asyncio.Future[Any]) -> None:
        self._running = False
        self.trims += 1
        if not future.cancelled() and future.exception() is not None:
            log.debug("malloc_trim failed: %s", future.exception())

    def describe(self) -> Iterable[Metric]:
        return []

    def collect(self) -> Iterable[Metric]:
        family = CounterMetricFamily(
            "aiokube_malloc_trims_total",
            "[ALPHA] aiokube: times the heap's free pages were given back to the OS after connections holding "
            "large buffers (watchers that stopped reading) were dropped.",
        )
        family.add_metric([], self.trims)
        yield family


TRIMMER = HeapTrimmer()
REGISTRY.register(TRIMMER)
