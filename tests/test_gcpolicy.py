"""The cycle collector's policy (apiserver/gcpolicy.py), each case in a fresh interpreter: it changes
process-wide collector state that the test process must keep."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import urllib.request
from pathlib import Path

from tests.serverproc import start_server


def _run(script: str, **env: str) -> None:
    import os

    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script)], env={**os.environ, **env}, capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]


def test_survivors_of_a_collection_are_frozen_and_a_deep_collection_reclaims_cycles() -> None:
    _run("""
        import gc
        from aiokube.apiserver import gcpolicy
        gcpolicy.tune()
        assert gc.get_threshold() == (gcpolicy.GEN0_THRESHOLD, 1, 1 << 30)
        frozen = gc.get_freeze_count()
        kept = [{"n": i, "l": [i]} for i in range(200_000)]  # enough young containers for collections to run
        assert gc.get_freeze_count() > frozen + 100_000, gc.get_freeze_count()  # a generation-0 collection froze them
        assert gc.get_count()[2] == 0  # no automatic full collection
        class Node:
            pass
        a, b = Node(), Node()
        a.peer, b.peer = b, a  # a cycle, alive at the next freeze
        gc.collect(0)
        assert gc.is_tracked(a) and not any(o is a for o in gc.get_objects())  # frozen: out of the lists
        del a, b
        assert gc.collect() == 0  # a plain full collection does not see frozen objects
        assert gcpolicy.collect_all() >= 2  # the deep one does (pprof's heap?gc=1 takes it)
        assert gc.get_freeze_count() > 100_000  # and froze what is alive again
        del kept
        """)


def test_freezing_off_keeps_the_generational_schedule() -> None:
    _run("""
        import gc
        from aiokube.apiserver import gcpolicy
        gcpolicy.tune()
        assert gc.get_threshold() == gcpolicy.GC_THRESHOLDS
        after_start = gc.get_freeze_count()
        kept = [{"n": i, "l": [i]} for i in range(200_000)]
        assert gc.get_freeze_count() == after_start  # only start-up's objects were frozen
        """, AIOKUBE_GC_FREEZE="0")  # fmt: skip


def test_a_served_process_reports_its_collector_pauses(tmp_path: Path) -> None:
    server = start_server(tmp_path / "data")
    try:
        with urllib.request.urlopen(f"{server.url}/metrics", timeout=30) as resp:
            page = resp.read().decode()
    finally:
        server.stop()
    counts = {
        line.split('generation="')[1][0]: float(line.rsplit(" ", 1)[1])
        for line in page.splitlines()
        if line.startswith("python_gc_duration_seconds_count")
    }
    assert counts.get("2", 0) >= 1  # start-up's full collection, timed
    assert "# TYPE python_gc_duration_seconds histogram" in page
