"""The ``/metrics`` page rendered off the event loop.

A page of ~1 MB costs ~0.3 s of CPU to collect and format in prometheus-client (pure Python: a namedtuple and a
dict per sample, then a string per line); done on the loop, every client waits that long. So the page is
formatted in a thread. The thread holds the GIL while it formats, but hands it back every switch interval
(5 ms) when the loop wants it, so the loop serves its clients between slices (bench/metrics_page.py measures
the stall both ways).

Not every collector may run in a thread: prometheus-client's own metrics lock their children and values, and
aiokube's plain-integer families (:class:`~.metrics.FastHistogram`, :class:`~.metrics.FastCounter`) copy their
dict in one C call, but collectors that walk structures only the loop mutates (the watch caches, APF's queues)
could see a dict change size under them. Those are registered with :func:`register_on_loop`: they are
collected on the loop just before the thread starts (they are small: a few families of a few series each),
and the thread's pass over the registry gets those families instead of calling them again.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable, Iterable
from contextvars import ContextVar

from prometheus_client import REGISTRY
from prometheus_client.core import Metric
from prometheus_client.registry import Collector

#: in the thread formatting a page: the families each on-loop collector gave on the loop (by id of its proxy)
COLLECTED: ContextVar[dict[int, list[Metric]] | None] = ContextVar("aiokube_metrics_collected", default=None)
#: whether pages are formatted in a thread (off: on the loop, as before; the benchmark's switch)
OFF_LOOP = True
#: the GIL's switch interval while a page is formatted: the loop waits up to one interval each time it wants the
#: GIL back from the formatting thread (5 ms by default, several times per request it serves meanwhile)
RENDER_SWITCH_INTERVAL = 0.0005
_rendering = 0
_interval = 0.005


class OnLoop(Collector):
    """A collector that must run on the event loop, as registered in :data:`REGISTRY`."""

    def __init__(self, inner: Collector) -> None:
        self.inner = inner

    def describe(self) -> Iterable[Metric]:
        return self.inner.describe()

    def collect(self) -> Iterable[Metric]:
        collected = COLLECTED.get()
        if collected is not None and id(self) in collected:
            return collected[id(self)]
        return self.inner.collect()


ON_LOOP: list[OnLoop] = []


def register_on_loop(collector: Collector) -> None:
    proxy = OnLoop(collector)
    ON_LOOP.append(proxy)
    REGISTRY.register(proxy)


async def render(encode: Callable[..., bytes], registry: object = REGISTRY) -> bytes:
    """``encode(registry)`` (a prometheus-client encoder) in a thread, the on-loop collectors collected first."""
    if not OFF_LOOP:
        return encode(registry)
    collected = {id(proxy): list(proxy.inner.collect()) for proxy in ON_LOOP}
    token = COLLECTED.set(collected)
    global _rendering, _interval
    if not _rendering:
        _interval = sys.getswitchinterval()
        sys.setswitchinterval(RENDER_SWITCH_INTERVAL)
    _rendering += 1
    try:
        return await asyncio.to_thread(encode, registry)  # the thread runs in a copy of this context
    finally:
        COLLECTED.reset(token)
        _rendering -= 1
        if not _rendering:
            sys.setswitchinterval(_interval)
