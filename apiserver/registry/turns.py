"""The event loop handed back between the stages of one write, once the write has held it for a while.

A write's stages (field ownership, admission, the strategy and validation, the stored form) run back to back
on the event loop, and for a big object each is O(size) Python work: a 2.7 MB ConfigMap of 100,000 keys held
the loop ~300 ms in one piece, during which no other client got an answer (not even ``/healthz``). Between
stages, a write that has held the loop longer than :data:`HOLD_SECONDS` since it last let go waits one turn
(``asyncio.sleep(0)``): other requests' ready work runs, and the loop is held at most as long as the longest
stage instead of their sum. Small writes never reach the threshold and pay a clock read per stage.

Waiting a turn between stages opens no new race: every stage already meets the awaits of admission and
storage, and the write's transaction checks the revision it started from.

A heavy write (a big body, or one that has held the loop for :data:`HOLD_SECONDS` once) runs its O(size) stages
(field ownership, validation, the stored form: ~40 ms each for a ConfigMap of 100,000 keys) in
:data:`CPU_THREAD` instead (:meth:`Turns.stage`): the loop gets the GIL back every switch interval (5 ms)
meanwhile, so other clients wait a few ms instead of the longest stage. What those stages share with the
loop's own requests are memos whose single dict operations the GIL keeps whole; a race between two of them
can only miscount a memo's bound. Stages that draw random names or UIDs stay on the loop.
"""

from __future__ import annotations

import asyncio
import contextvars
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")

#: how long a write may hold the event loop before its next stage waits a turn
HOLD_SECONDS = 0.005


#: one thread, so that at most one such piece of work competes with the loop (others wait for it): the
#: decodes of big bodies (endpoints/bodies.py) and the stages of heavy writes
CPU_THREAD = ThreadPoolExecutor(max_workers=1, thread_name_prefix="aiokube-parse")


async def in_cpu_thread(fn: Callable[..., T], *args: object) -> T:
    """``fn(*args)`` in :data:`CPU_THREAD`, in this request's context (its requester: registry/requester.py),
    as ``asyncio.to_thread`` runs it in the default executor."""
    context = contextvars.copy_context()
    return await asyncio.get_running_loop().run_in_executor(CPU_THREAD, context.run, fn, *args)


async def off_loop(heavy: bool, fn: Callable[..., T], *args: object) -> T:
    """``fn(*args)``: in :data:`CPU_THREAD` for heavy work (a big or deeply nested body: endpoints/bodies.is_heavy),
    else here, at once."""
    if heavy:
        return await in_cpu_thread(fn, *args)
    return fn(*args)


class Turns:
    """One write's time on the event loop since it last let go (or was made), and whether it is heavy."""

    __slots__ = ("heavy", "since")

    def __init__(self, heavy: bool = False) -> None:
        self.since = time.perf_counter()
        self.heavy = heavy

    async def pause_if_held(self) -> None:
        if time.perf_counter() - self.since >= HOLD_SECONDS:
            self.heavy = True  # it held the loop that long: its next O(size) stages go to the thread
            await asyncio.sleep(0)
            self.since = time.perf_counter()

    async def stage(self, fn: Callable[..., T], *args: object) -> T:
        """``fn(*args)``: in :data:`CPU_THREAD` for a heavy write, else here (then a turn if held)."""
        if self.heavy:
            result = await in_cpu_thread(fn, *args)
            self.since = time.perf_counter()
            return result
        result = fn(*args)
        await self.pause_if_held()
        return result
