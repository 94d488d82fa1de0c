"""etcd 3.5.1's crash-consistency bug (etcd-io/etcd#13766) with etcd's defaults (off) and with
``storage.embedded.CRASH_SAFE_ARGS`` (on): 3 members on loopback under 32 writers (1 KB puts over 1,600 keys), a
member kill -9'd and restarted every 3 s; after the last kill the writers stop and each member's revision is read.
A run whose members do not reach one revision lost applied writes on a member for good.

Prints one line per run and the share of runs that diverged per side; no results file (a correctness check, not
a speed figure). Usage: ``python -m bench.etcd_crash [--runs 2] [--kills 30]``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import signal
import subprocess
import tempfile

from aiokube.storage.embedded import CRASH_SAFE_ARGS, etcd_binary, free_port
from aiokube.storage.etcd import EtcdClient


class Members:
    """Three etcd members in a temporary folder, each restartable."""

    def __init__(self, extra: list[str]) -> None:
        self.folder = tempfile.mkdtemp(prefix="etcd-crash-")
        self.extra = extra
        self.ports = [(free_port(), free_port()) for _ in range(3)]
        self.urls = [f"http://127.0.0.1:{c}" for c, _ in self.ports]
        self.initial = ",".join(f"m{i}=http://127.0.0.1:{p}" for i, (_, p) in enumerate(self.ports))
        self.procs = [self.start(i) for i in range(3)]

    def start(self, i: int) -> subprocess.Popen[bytes]:
        client, peer = (f"http://127.0.0.1:{p}" for p in self.ports[i])
        argv = [
            str(etcd_binary()), "--name", f"m{i}", "--data-dir", f"{self.folder}/m{i}",
            "--listen-client-urls", client, "--advertise-client-urls", client,
            "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
            "--initial-cluster", self.initial, "--initial-cluster-state", "new",
            "--unsafe-no-fsync", "--log-level", "error", *self.extra,
        ]  # fmt: skip
        return subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def kill_and_restart(self, i: int) -> None:
        self.procs[i].send_signal(signal.SIGKILL)
        self.procs[i].wait()
        self.procs[i] = self.start(i)

    def revisions(self) -> list[int]:
        out = []
        for url in self.urls:
            res = subprocess.run([f"{etcd_binary()}ctl", "--endpoints", url, "endpoint", "status", "-w", "json",
                                  "--command-timeout=2s"], capture_output=True, text=True, check=False)  # fmt: skip
            out.append(json.loads(res.stdout)[0]["Status"]["header"]["revision"] if res.returncode == 0 else -1)
        return out

    def close(self) -> None:
        for proc in self.procs:
            proc.kill()
            proc.wait()
        shutil.rmtree(self.folder, ignore_errors=True)


async def one_run(extra: list[str], kills: int) -> list[int]:
    members = Members(extra)
    try:
        await asyncio.sleep(2)
        client = EtcdClient(members.urls, request_timeout=5)
        await client.connect()
        stop = asyncio.Event()

        async def writer(k: int) -> None:
            n = 0
            while not stop.is_set():
                try:
                    await client.put(f"/k/{k}/{n % 50}".encode(), b"x" * 1000)
                except Exception:  # a member is down: try again
                    await asyncio.sleep(0.05)
                n += 1

        tasks = [asyncio.create_task(writer(k)) for k in range(32)]
        for r in range(kills):
            await asyncio.sleep(1.0)
            await asyncio.to_thread(members.kill_and_restart, r % 3)
            await asyncio.sleep(2.0)
        stop.set()
        await asyncio.gather(*tasks)
        await client.close()
        await asyncio.sleep(2)
        return await asyncio.to_thread(members.revisions)
    finally:
        members.close()


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m bench.etcd_crash", description=__doc__.split("\n\n")[0])
    p.add_argument("--runs", type=int, default=2)
    p.add_argument("--kills", type=int, default=30)
    a = p.parse_args(argv or [])
    diverged = {"off": 0, "on": 0}
    for _ in range(a.runs):
        for side, extra in (("off", []), ("on", list(CRASH_SAFE_ARGS))):
            revisions = asyncio.run(one_run(extra, a.kills))
            bad = len(set(revisions)) > 1
            diverged[side] += bad
            mark = " DIVERGED" if bad else ""
            print(f"[etcd_crash] {side}: {a.kills} kills, revisions {revisions}{mark}", flush=True)
    for side, n in diverged.items():
        print(f"[etcd_crash] {side}: {n} of {a.runs} runs diverged", flush=True)


if __name__ == "__main__":
    import sys

    main(sys.argv[1:])
