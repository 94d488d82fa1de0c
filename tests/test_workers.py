"""``aiokube serve --workers 2``: two replica processes on the same ports and one embedded etcd; clients
moving between them read their writes; a worker killed with SIGKILL is restarted while the other serves;
``/metrics`` on either worker is the sum over both (and does not fall when a worker restarts); ``/debug/pprof``
says which worker answered."""

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
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import API, run_cmd
from tests.serverproc import AIOKUBE
from tests.test_prometheus import PROMTOOL

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
    for _ in range(100):  # each worker writes its identity Lease once it serves (as kube's controller does)
        status, leases = await fresh(url, "GET", LEASES + "?labelSelector=apiserver.kubernetes.io/identity")
        if status != 200 or len(leases["items"]) == 2:  # type: ignore[index]
            break
        await asyncio.sleep(0.1)
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


async def scrape(url: str, path: str = "/metrics") -> tuple[str, dict[str, str]]:
    """One GET on a new connection: (body, headers)."""
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(force_close=True)) as session:
        async with session.get(url + path) as resp:
            assert resp.status == 200, resp.status
            return await resp.text(), dict(resp.headers)


def sample(page: str, name: str, **labels: str) -> float:
    """The value of the one sample ``name`` whose labels include ``labels`` (0 when there is none)."""
    found = [
        s.value
        for family in text_string_to_metric_families(page)
        for s in family.samples
        if s.name == name and labels.items() <= s.labels.items()
    ]
    assert len(found) <= 1, (name, labels, found)
    return found[0] if found else 0.0


async def lists(url: str, path: str, n: int) -> None:
    for _ in range(n):
        status, _ = await fresh(url, "GET", path)
        assert status == 200


async def test_metrics_are_summed_over_workers(served: tuple[subprocess.Popen[bytes], str]) -> None:
    """30 LISTs on new connections (the kernel spreads them over both workers): every page says 30, whichever
    worker serves it."""
    _, url = served
    await lists(url, "/api/v1/namespaces/kube-public/limitranges", 30)
    workers_seen = set()
    for tries in range(64):
        if tries >= 8 and len(workers_seen) == 2:
            break
        page, headers = await scrape(url)
        assert headers["X-Aiokube-Metrics"] == "2/2 workers"
        workers_seen.add(headers["X-Aiokube-Worker"])
        match = {"verb": "LIST", "resource": "limitranges", "scope": "namespace"}
        assert sample(page, "apiserver_request_total", code="200", **match) == 30
        assert sample(page, "apiserver_request_duration_seconds_count", **match) == 30
        assert sample(page, "apiserver_request_duration_seconds_bucket", le="+Inf", **match) == 30
        assert sample(page, "aiokube_metrics_workers", answered="true") == 2
        # the same objects in each worker's watch cache: a max, not a sum
        assert sample(page, "apiserver_resource_objects", group="", resource="namespaces") == 4
    assert workers_seen == {"0", "1"}  # (8 connections all met one worker 1 time in 128: up to 64 are tried)
    if PROMTOOL:
        rc, out, err = await run_cmd(PROMTOOL, "check", "metrics", input_data=page.encode())
        assert rc == 0, out + err


async def test_pprof_says_which_worker_answered(served: tuple[subprocess.Popen[bytes], str]) -> None:
    proc, url = served
    pids = children(proc.pid)
    answered: dict[str, str] = {}
    for _ in range(64):  # the kernel spreads connections by a hash of their ports: 8 tries all met one worker once
        _, headers = await scrape(url, "/debug/pprof/goroutine")
        pid, index = headers["X-Aiokube-Worker-Pid"], headers["X-Aiokube-Worker"]
        assert int(pid) in pids
        assert answered.setdefault(pid, index) == index
        if len(answered) == 2:
            break
    assert sorted(answered.values()) == ["0", "1"]


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


async def test_counters_do_not_fall_when_a_worker_restarts(served: tuple[subprocess.Popen[bytes], str]) -> None:
    """A worker killed with SIGKILL comes back with zeroed counters; the page keeps the old incarnation's counts
    (a fall would be a counter reset to Prometheus, and rate() would count the other worker's total again)."""
    proc, url = served
    deadline = time.monotonic() + 40
    while (await scrape(url))[1]["X-Aiokube-Metrics"] != "2/2 workers":  # a worker the last test restarted
        assert time.monotonic() < deadline
        await asyncio.sleep(0.2)
    await lists(url, "/api/v1/namespaces/kube-public/resourcequotas", 20)
    match = {"verb": "LIST", "resource": "resourcequotas", "scope": "namespace", "code": "200"}
    page, _ = await scrape(url)
    assert sample(page, "apiserver_request_total", **match) == 20
    before = children(proc.pid)
    os.kill(before[0], signal.SIGKILL)
    while True:
        now = children(proc.pid)
        try:
            page, headers = await scrape(url)
        except aiohttp.ClientError:
            continue  # a connection the dying worker had accepted
        assert sample(page, "apiserver_request_total", **match) == 20  # also while the worker is down
        if len(now) == 2 and before[0] not in now and headers["X-Aiokube-Metrics"] == "2/2 workers":
            break
        assert time.monotonic() < deadline, "the worker was not restarted"
        await asyncio.sleep(0.2)
