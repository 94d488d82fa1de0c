"""How deep a body may nest: kube's 10,000 levels where it is safe (``aiokube serve``), 200 where it is not.

kube's decoders (encoding/json, sigs.k8s.io/json, go-yaml) stop at 10,000 levels. Python walks values by
recursion: its own frames cost no C stack in 3.11, but recursion through C (the ``json`` module, ``==`` on
nested values, generators consumed by builtins) costs 150-800 bytes of C stack a level (measured: the worst,
recursion through ``any(genexpr)``, passes 10,000 levels in an 8 MiB thread and crashes at 20,000), and the
recursion limit must be raised for 10,000 levels to pass at all, which turns a too-deep recursion on a small
stack from a RecursionError into a segfault.

So the limit is kube's only in a thread this module started with a large stack (:data:`STACK_SIZE`, virtual:
only the pages a deep request touches are ever committed) and the recursion limit raised with it
(:data:`RECURSION_LIMIT`: 4 frames a level and 20,000 to spare, at most ~1 KiB of C stack each is 60 MiB, a
quarter of the stack). ``aiokube serve`` runs its event loop in such a thread (apiserver/cli.py; its
``--max-nesting-depth`` defaults to kube's 10,000); a server started elsewhere (a test's event loop, an
embedding program) keeps :data:`SAFE_DEPTH`.

Why kube's limit costs no other client much: reading, writing, storing and watching a 10,000-deep value is
linear here (encoding/deepjson.py; managed fields hold paths past 32 elements as interned chains,
fieldpath.DeepPath, where sets of full path tuples were O(depth^2): ~12 s and gigabytes for one update), and
every heavy value (encoding/weight.py: more than 1,000 brackets, or big) is worked on in the apiserver's CPU
thread: a write's steps and response, a GET's decode and encoding, the watch cache's decode of another
server's events and the JSON its watchers share, YAML output in pieces (README, Known differences).
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from typing import Any, TypeVar

#: kube's decoders' limit (encoding/json's maxNestingDepth, go-yaml's max depth)
KUBE_MAX_DEPTH = 10_000
#: the limit anywhere else: what a default 8 MiB stack and recursion limit carry with a wide margin
SAFE_DEPTH = 200
STACK_SIZE = 256 * 1024 * 1024
RECURSION_LIMIT = 4 * KUBE_MAX_DEPTH + 20_000

#: the limit in force for this process (bodies deeper are refused with kube's texts)
MAX_DEPTH = SAFE_DEPTH

T = TypeVar("T")


def run_deep(fn: Callable[..., T], *args: Any, limit: int = KUBE_MAX_DEPTH) -> T:
    """Run ``fn(*args)`` in a new thread with a :data:`STACK_SIZE` stack and the recursion limit raised, with
    ``limit`` (at most kube's) in force, and return its result (or raise its exception). Threads started from then
    on get the large stack too (``threading.stack_size`` is process-wide): the executor threads that parse
    big bodies or encode big responses walk the same values. The calling thread only waits (signals are
    still delivered to it: see apiserver/cli.py)."""
    global MAX_DEPTH
    threading.stack_size(STACK_SIZE)
    sys.setrecursionlimit(max(sys.getrecursionlimit(), RECURSION_LIMIT))
    MAX_DEPTH = min(limit, KUBE_MAX_DEPTH)
    result: list[Any] = []
    error: list[BaseException] = []

    def body() -> None:
        try:
            result.append(fn(*args))
        except BaseException as exc:  # handed to the caller
            error.append(exc)

    thread = threading.Thread(target=body, name="aiokube-loop")
    thread.start()
    while thread.is_alive():
        thread.join(0.5)  # wakes for signal handlers of the main thread
    if error:
        raise error[0]
    return result[0]
