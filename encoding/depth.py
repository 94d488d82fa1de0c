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
quarter of the stack), or in a main thread whose stack may grow that far (RLIMIT_STACK at exec: the
``aiokube`` command raises it and executes itself again, apiserver/launch.py). ``aiokube serve`` runs its event
loop in the main thread so (apiserver/cli.py; its ``--max-nesting-depth`` defaults to kube's 10,000), or in such a
thread where the limit cannot be raised; a server started elsewhere (a test's event loop, an embedding program)
keeps :data:`SAFE_DEPTH`.

Why kube's limit costs no other client much: reading, writing, storing and watching a 10,000-deep value is
linear here (encoding/deepjson.py; managed fields hold paths past 32 elements as interned chains,
fieldpath.DeepPath, where sets of full path tuples were O(depth^2): ~12 s and gigabytes for one update), and
every heavy value (encoding/weight.py: more than 1,000 brackets, or big) is worked on in the apiserver's CPU
thread: a write's steps and response, a GET's decode and encoding, the watch cache's decode of another
server's events and the JSON its watchers share, YAML output in pieces (README, Known differences).
"""

from __future__ import annotations

import resource
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


def main_stack_is_deep() -> bool:
    """Whether the main thread's stack may grow to :data:`STACK_SIZE`: Linux lets it grow to RLIMIT_STACK, and
    keeps the room free below it for the limit as it was when the program was executed (so a limit raised
    since, without executing again, is trusted here but not safe: apiserver/launch.py executes again)."""
    soft = resource.getrlimit(resource.RLIMIT_STACK)[0]
    return soft == resource.RLIM_INFINITY or soft >= STACK_SIZE


def enter_deep(limit: int = KUBE_MAX_DEPTH) -> None:
    """Allow ``limit`` levels (at most kube's) in a thread with a deep stack: the recursion limit raised, and
    threads started from then on given :data:`STACK_SIZE` stacks (``threading.stack_size`` is process-wide): the
    executor threads that parse big bodies or encode big responses walk the same values."""
    global MAX_DEPTH
    threading.stack_size(STACK_SIZE)
    sys.setrecursionlimit(max(sys.getrecursionlimit(), RECURSION_LIMIT))
    MAX_DEPTH = min(limit, KUBE_MAX_DEPTH)


def run_deep(fn: Callable[..., T], *args: Any, limit: int = KUBE_MAX_DEPTH) -> T:
    """Run ``fn(*args)`` in a new thread with a :data:`STACK_SIZE` stack, :func:`enter_deep` done, and return its
    result (or raise its exception). The calling thread only waits (signals are still delivered to it: see
    apiserver/cli.py)."""
    enter_deep(limit)
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
