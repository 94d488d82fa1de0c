"""``aiokube serve --workers 2``: two replica processes on the same ports and one embedded etcd; clients
moving between them read their writes; a worker killed with SIGKILL is restarted while the other serves."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest

from tests.conftest import API
from tests.serverproc import AIOKUBE

LEASES = "/apis/coordination.k8s.io/v1/namespaces/kube-system/leases"


def children(pid: int) -> list[int]:
    """The parent's worker processes (not its etcd)."""
    out = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            cmdline = Path(f"/proc/{child}/cmdline").read_bytes()
            if b"aiokube.apiserver" in cmdline:
                out.append(int(child))
    return sorted(out)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    data_dir = tmp_path_factory.mktemp("workers") / "data"
    proc = subprocess.Popen(
        [AIOKUBE, "serve", "--workers", "2", "--port", "0", "--secure-port", "0", "--data-dir", str(data_dir)],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    assert proc.stdout is not None
    line = proc.stdout.readline().decode()
    m = re.match(r"aiokube: serving on (http://127\.0\.0\.1:\d+) and https://\S+ \(embedded etcd .*; 2 workers\)", line)
    assert m, line
    yield proc, m.group(1)
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(60) == 0


async def fresh(url: str, method: str, path: str, body: object = None) -> tuple[int, object]:
    """One request on a new connection (the kernel picks the worker per connection)."""
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(force_close=True)) as session:
        status, payload, _ = await API(session, url).request(method, path, body)
        return status, payload


async def test_two_replicas_serve_and_read_their_writes(served: tuple[subprocess.Popen[bytes], str]) -> None:
    proc, url = served
    assert len(children(proc.pid)) == 2
    status, leases = await fresh(url, "GET", LEASES + "?labelSelector=apiserver.kubernetes.io/identity")
    assert status == 200 and len(leases["items"]) == 2, leases  # type: ignore[index]
    for i in range(20):
        body = {"metadata": {"name": f"c{i}"}}
        status, created = await fresh(url, "POST", "/api/v1/namespaces/default/configmaps", body)
        assert status == 201, created
        status, got = await fresh(url, "GET", f"/api/v1/namespaces/default/configmaps/c{i}")
        assert status == 200 and got["metadata"]["uid"] == created["metadata"]["uid"]  # type: ignore[index]
        rv = created["metadata"]["resourceVersion"]  # type: ignore[index]
        status, listed = await fresh(url, "GET", f"/api/v1/namespaces/default/configmaps?resourceVersion={rv}")
        assert status == 200 and f"c{i}" in [o["metadata"]["name"] for o in listed["items"]]  # type: ignore[index]


async def test_a_killed_worker_is_restarted_while_the_other_serves(
    served: tuple[subprocess.Popen[bytes], str],
) -> None:
    proc, url = served
    before = children(proc.pid)
    os.kill(before[0], signal.SIGKILL)
    served_meanwhile = 0
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            status, _ = await fresh(url, "GET", "/api/v1/namespaces/default/configmaps")
            served_meanwhile += status == 200
        except aiohttp.ClientError:
            pass  # a connection the dying worker had accepted
        now = children(proc.pid)
        if len(now) == 2 and before[0] not in now and served_meanwhile >= 5:
            break
        await asyncio.sleep(0.1)
    now = children(proc.pid)
    assert len(now) == 2 and before[0] not in now and before[1] in now, (before, now)
    assert served_meanwhile >= 5
