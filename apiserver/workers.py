"""``aiokube serve --workers N``: N replica processes on one machine, as kube runs several kube-apiservers on
one etcd. Each worker is a full replica (its own watch caches and etcd connections) listening on the same
ports with SO_REUSEPORT, so the kernel spreads connections over them; resourceVersions are etcd revisions,
so a client may move between workers exactly as between kube replicas. This parent starts the embedded etcd
(when no ``--etcd-servers``), makes the PKI once, picks the ports, starts the workers, restarts a worker that
dies (with back-off) and forwards SIGTERM. Work that must happen once runs behind the controllers' Lease."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
import shutil
import signal
import socket
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from aiokube.apiserver.authentication import pki
from aiokube.apiserver.observability.workermetrics import Aggregator
from aiokube.apiserver.secureserving import ADMIN_KUBECONFIG, advertised_host, serving_sans
from aiokube.apiserver.server import ServerConfig
from aiokube.storage.embedded import EmbeddedEtcd

log = logging.getLogger("aiokube.workers")

#: a worker that died is restarted after this many seconds, doubled per crash up to the cap; a worker that
#: ran for STABLE_SECONDS starts again from the first delay
FIRST_BACKOFF, MAX_BACKOFF, STABLE_SECONDS = 1.0, 30.0, 60.0
_READY = re.compile(r"aiokube: serving on ")


def usable_cores() -> int:
    """The default worker count: the cores this process may run on (its CPU affinity, not the machine's)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def reserve_port(host: str, port: int) -> socket.socket:
    """A socket bound with SO_REUSEPORT (not listening, so it takes no connections) that pins the port the
    workers then bind too; port 0 picks a free one."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    return sock


@dataclass
class Worker:
    index: int
    argv: list[str]
    process: asyncio.subprocess.Process | None = None
    started_at: float = 0.0
    backoff: float = FIRST_BACKOFF
    restarts: int = 0
    ready: asyncio.Event = field(default_factory=asyncio.Event)


class Supervisor:
    """Runs the workers until ``stop`` (SIGINT/SIGTERM): see the module docstring."""

    def __init__(self, config: ServerConfig, workers: int, worker_argv: list[str]) -> None:
        self.config = config
        self.count = workers
        self.worker_argv = worker_argv
        self.embedded: EmbeddedEtcd | None = None
        self.workers: list[Worker] = []
        self.port = 0
        self.secure_port = 0
        self._stopping = False
        self._reserved: list[socket.socket] = []
        #: private (0700) directory of the metrics sockets: the parent's aggregator and each worker's page
        self.sock_dir = ""
        self.aggregator: Aggregator | None = None

    async def start(self) -> str:
        """Everything up and every worker serving; returns the start line."""
        cfg = self.config
        endpoints = list(cfg.etcd_servers)
        if not endpoints:
            self.embedded = EmbeddedEtcd(cfg.data_dir, unsafe_no_fsync=cfg.etcd_unsafe_no_fsync)
            endpoints = [await self.embedded.start()]
        if cfg.security.secure_port is not None and not cfg.security.tls_cert_file:
            pki.ensure_pki(cfg.data_dir, serving_sans(cfg.security, cfg.bind_address))  # once, before the workers
        ports: list[str] = []
        if cfg.plain_http:
            self._reserved.append(reserve_port(cfg.bind_address, cfg.port))
            self.port = self._reserved[-1].getsockname()[1]
            ports += ["--port", str(self.port)]
        if cfg.security.secure_port is not None:
            self._reserved.append(reserve_port(cfg.bind_address, cfg.security.secure_port))
            self.secure_port = self._reserved[-1].getsockname()[1]
            ports += ["--secure-port", str(self.secure_port)]
        self.sock_dir = tempfile.mkdtemp(prefix="aiokube-metrics-")
        self.aggregator = Aggregator(self.sock_dir, self.count)
        await self.aggregator.start()
        common = [*self.worker_argv, "--workers", "1", "--reuse-port", "--etcd-servers", ",".join(endpoints), *ports,
                  "--metrics-socket-dir", self.sock_dir]  # fmt: skip
        self.workers = [Worker(i, [*common, "--worker-id", str(i)]) for i in range(self.count)]
        for worker in self.workers:
            await self._spawn(worker)
        await asyncio.wait_for(asyncio.gather(*(w.ready.wait() for w in self.workers)), 120)
        for sock in self._reserved:
            sock.close()
        host = advertised_host(cfg.bind_address)
        urls = [f"http://{host}:{self.port}"] if cfg.plain_http else []
        if self.secure_port:
            urls.append(f"https://{host}:{self.secure_port}")
        etcd = (
            f"embedded etcd at {self.embedded.client_url}, data in {cfg.data_dir}"
            if self.embedded
            else "etcd " + ",".join(endpoints)
        )
        return f"aiokube: serving on {' and '.join(urls)} ({etcd}; {self.count} workers)"

    async def _spawn(self, worker: Worker) -> None:
        worker.ready.clear()
        worker.process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "aiokube.apiserver", *worker.argv, stdout=asyncio.subprocess.PIPE
        )
        worker.started_at = time.monotonic()
        asyncio.get_running_loop().create_task(self._watch(worker, worker.process))

    async def _watch(self, worker: Worker, process: asyncio.subprocess.Process) -> None:
        """Relay the worker's stdout (its start line marks it ready), then restart it if it died on its own."""
        assert process.stdout is not None
        async for raw in process.stdout:
            line = raw.decode(errors="replace").rstrip()
            if _READY.match(line):
                worker.ready.set()
            log.debug("worker %d: %s", worker.index, line)
        code = await process.wait()
        if self._stopping:
            return
        ran = time.monotonic() - worker.started_at
        if ran > STABLE_SECONDS:
            worker.backoff = FIRST_BACKOFF
        log.warning("worker %d (pid %d) exited with %s; restarting in %.0f s", worker.index, process.pid, code,
                    worker.backoff)  # fmt: skip
        print(f"aiokube: worker {worker.index} exited with {code}; restarting in {worker.backoff:.0f} s",
              file=sys.stderr, flush=True)  # fmt: skip
        await asyncio.sleep(worker.backoff)
        worker.backoff = min(MAX_BACKOFF, worker.backoff * 2)
        worker.restarts += 1
        if not self._stopping:
            await self._spawn(worker)

    def kubeconfig_path(self) -> Path:
        return (Path(self.config.data_dir) / ADMIN_KUBECONFIG).absolute()

    async def stop(self) -> None:
        """SIGTERM to every worker (each drains as a single server does), then the embedded etcd."""
        self._stopping = True
        running = [w.process for w in self.workers if w.process is not None and w.process.returncode is None]
        for process in running:
            with contextlib.suppress(ProcessLookupError):
                process.send_signal(signal.SIGTERM)
        timeout = self.config.shutdown_delay + self.config.shutdown_timeout + 10
        for process in running:
            try:
                await asyncio.wait_for(process.wait(), timeout)
            except TimeoutError:
                process.kill()
        if self.aggregator is not None:
            await self.aggregator.stop()
        if self.sock_dir:
            shutil.rmtree(self.sock_dir, ignore_errors=True)
        if self.embedded is not None:
            await self.embedded.stop()
