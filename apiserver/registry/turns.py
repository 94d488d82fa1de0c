"""The event loop handed back between the stages of one write, once the write has held it for a while.

A write's stages (field ownership, admission, the strategy and validation, the stored form) run back to back
on the event loop, and for a big object each is O(size) Python work: a 2.7 MB ConfigMap of 100,000 keys held
the loop ~300 ms in one piece, during which no other client got an answer (not even ``/healthz``). Between
stages, a write that has held the loop longer than :data:`HOLD_SECONDS` since it last let go waits one turn
(``asyncio.sleep(0)``): other requests' ready work runs, and the loop is held at most as long as the longest
stage instead of their sum. Small writes never reach the threshold and pay a clock read per stage.

Waiting a turn between stages opens no new race: every stage already meets the awaits of admission and
storage, and the write's transaction checks the revision it started from.
"""

from __future__ import annotations

import asyncio
import time

#: how long a write may hold the event loop before its next stage waits a turn
HOLD_SECONDS = 0.005


class Turns:
    """One write's time on the event loop since it last let go (or was made)."""

    __slots__ = ("since",)

    def __init__(self) -> None:
        self.since = time.perf_counter()

    async def pause_if_held(self) -> None:
        if time.perf_counter() - self.since >= HOLD_SECONDS:
            await asyncio.sleep(0)
            self.since = time.perf_counter()
