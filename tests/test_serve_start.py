"""Starting ``aiokube serve``: it says it is starting and, once it answers, that it is ready with a command to
try; a data dir in use makes a second server say at once which process holds it, leaving the dir's files
alone (before, etcd waited on its database lock and the server gave up after 30 s blaming etcd)."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
from pathlib import Path

import pytest

from aiokube.apiserver.server import cancel_all
from aiokube.storage.embedded import DataDirInUse, EmbeddedEtcd
from tests.conftest import KUBECTL

AIOKUBE = str(Path(sys.executable).parent / "aiokube")


def files(root: Path) -> dict[str, tuple[int, int]]:
    """Every file under ``root`` outside etcd's own directory: (size, mtime in ns)."""
    out = {}
    for p in root.rglob("*"):
        if p.is_file() and "etcd" not in p.relative_to(root).parts[:1]:
            st = p.stat()
            out[str(p.relative_to(root))] = (st.st_size, st.st_mtime_ns)
    return out


async def test_second_server_names_the_holder_and_touches_nothing(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    first = EmbeddedEtcd(data_dir, unsafe_no_fsync=True)
    await first.start()
    try:
        before = files(data_dir)
        assert "etcd-ports.json" in before and "aiokube.lock" in before
        with pytest.raises(DataDirInUse, match=rf"in use by pid {os.getpid()} \("):
            EmbeddedEtcd(data_dir).lock()
        proc = await asyncio.create_subprocess_exec(
            AIOKUBE, "serve", "--port", "0", "--secure-port", "0", "--data-dir", str(data_dir),
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        out, err = await asyncio.wait_for(proc.communicate(), 30)
        assert proc.returncode == 1, (out, err)
        assert f"data dir {data_dir} is in use by pid {os.getpid()}" in err.decode()
        assert b"serving on" not in out
        assert files(data_dir) == before  # no PKI made, no ports file rewritten, no kubeconfig
        assert first.process is not None and first.process.poll() is None
    finally:
        await first.stop()
    second = EmbeddedEtcd(data_dir)
    second.lock()  # free once the first has stopped
    second.unlock()


async def test_an_etcd_holding_the_database_is_named_too(tmp_path: Path) -> None:
    """An etcd that no aiokube holds the dir for (started by hand, or left by an older aiokube)."""
    data_dir = tmp_path / "data"
    stray = EmbeddedEtcd(data_dir, unsafe_no_fsync=True)
    await stray.start()
    stray.unlock()  # as if its aiokube were gone
    try:
        assert stray.process is not None
        pattern = rf"etcd's database .*/member/snap/db is locked by pid {stray.process.pid} \(.*etcd "
        with pytest.raises(DataDirInUse, match=pattern):
            EmbeddedEtcd(data_dir).lock()
    finally:
        await stray.stop()


async def test_start_says_starting_then_ready_with_a_command_that_works(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    proc = await asyncio.create_subprocess_exec(
        AIOKUBE, "serve", "--workers", "1", "--port", "0", "--secure-port", "0", "--data-dir", str(data_dir),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert proc.stdout is not None and proc.stderr is not None
    try:
        starting = (await asyncio.wait_for(proc.stderr.readline(), 60)).decode()
        assert starting == "aiokube: starting (an embedded etcd, 1 worker); wait for 'aiokube: ready'\n"
        lines = [(await asyncio.wait_for(proc.stdout.readline(), 60)).decode().rstrip() for _ in range(3)]
        assert lines[0].startswith("aiokube: serving on http://127.0.0.1:")
        kubeconfig = data_dir.absolute() / "admin.kubeconfig"
        assert lines[1] == f"aiokube: export KUBECONFIG={kubeconfig}"
        m = re.fullmatch(r"aiokube: ready in \d+\.\d s; try: KUBECONFIG=(\S+) kubectl get namespaces", lines[2])
        assert m and m.group(1) == str(kubeconfig), lines[2]
        kubectl = await asyncio.create_subprocess_exec(
            KUBECTL, "get", "namespaces", "-o", "name", env={**os.environ, "KUBECONFIG": m.group(1)},
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        out, err = await asyncio.wait_for(kubectl.communicate(), 60)
        assert kubectl.returncode == 0, err
        assert "namespace/default" in out.decode().split(), out
    finally:
        proc.send_signal(signal.SIGTERM)
        await asyncio.wait_for(proc.wait(), 30)


async def test_shutdown_goes_on_past_a_task_that_ignores_its_cancel() -> None:
    """server.stop's controllers: one that swallows its cancel is left behind after the grace, the others end."""
    relent = asyncio.Event()

    async def stubborn() -> None:
        while not relent.is_set():
            try:
                await asyncio.sleep(3600)
            except asyncio.CancelledError:
                continue  # what a woken asyncio.wait_for did on Python 3.11

    polite = asyncio.create_task(asyncio.sleep(3600), name="polite")
    rude = asyncio.create_task(stubborn(), name="rude")
    await asyncio.sleep(0)
    loop = asyncio.get_running_loop()
    started = loop.time()
    left = await cancel_all([polite, rude], 0.5, "controller")
    assert left == [rude] and polite.cancelled() and loop.time() - started < 2
    relent.set()
    rude.cancel()
    await asyncio.wait([rude], timeout=5)
    assert rude.done()
