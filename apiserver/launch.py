"""The ``aiokube`` command's first step: a main thread whose stack carries kube's nesting depth.

kube's 10,000 levels need a large C stack (encoding/depth.py). A thread can be given one, but the event loop
then runs outside the main thread, where Python runs no signal handlers — /debug/pprof/profile's SIGPROF
sampler among them: sampled from another thread, the loop of a server creating ConfigMaps showed 85% of its
CPU in ``Runner.run`` (the sampler sees the loop only where it lets go of the GIL, mostly in epoll). Linux lets
the main thread's stack grow to RLIMIT_STACK, with room kept for it as the limit was when the program was
executed; so the command raises the soft limit and executes itself again before it imports the server
(~30 ms; the imports take ~0.9 s). Where the hard limit is lower, nothing changes: the loop runs in a
large-stack thread. The limit is inherited, so the replicas of ``--workers`` and the embedded etcd get it too.
"""

from __future__ import annotations

import importlib
import os
import resource
import sys

from aiokube.encoding import depth

#: set for the program executed again, so that it never tries twice
AGAIN_ENV = "AIOKUBE_DEEP_STACK_EXEC"


def deep_main_stack() -> None:
    """Execute this program again with RLIMIT_STACK at :data:`depth.STACK_SIZE`, if it is lower and may be
    raised; return where nothing is to be done (or it failed once already)."""
    if os.environ.pop(AGAIN_ENV, None) is not None or depth.main_stack_is_deep():
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_STACK)
    if hard != resource.RLIM_INFINITY and hard < depth.STACK_SIZE:
        return
    try:
        resource.setrlimit(resource.RLIMIT_STACK, (depth.STACK_SIZE, hard))
    except (ValueError, OSError):
        return
    os.environ[AGAIN_ENV] = "1"
    sys.stdout.flush()
    sys.stderr.flush()
    try:
        os.execv(sys.executable, sys.orig_argv)
    except OSError:  # the limit stays raised, but this process's stack had no room kept for it
        os.environ.pop(AGAIN_ENV, None)
        resource.setrlimit(resource.RLIMIT_STACK, (soft, hard))


def main() -> int:
    """The ``aiokube`` command (apiserver/cli.py), run in a process with a deep main stack where possible."""
    deep_main_stack()
    # imported only now, by name: the server's imports (~0.9 s) would otherwise come before the exec, twice
    cli = importlib.import_module("aiokube.apiserver.cli")
    return int(cli.main())
