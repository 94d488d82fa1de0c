"""``aiokube serve`` (also ``python -m aiokube.apiserver``): run the API server until SIGINT/SIGTERM."""

from __future__ import annotations

import argparse
import asyncio
import importlib
import importlib.util
import logging
import os
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import yaml

from aiokube.apiserver import cluster, gcpolicy, golang
from aiokube.apiserver.authentication import kubeconfig, pki
from aiokube.apiserver.secureserving import (
    ADMIN_KUBECONFIG,
    AUTHORIZATION_MODES,
    DEFAULT_ISSUER,
    SecurityConfig,
    advertised_host,
    is_loopback,
)
from aiokube.apiserver.server import APIServer, ServerConfig, version_info
from aiokube.apiserver.simulation import command as simulation
from aiokube.apiserver.workers import Supervisor, usable_cores
from aiokube.encoding import depth
from aiokube.storage.etcd import EtcdTLS
from aiokube.watchcache.cacher import CacherConfig

#: uvloop where it is built (not on Windows); the plain asyncio loop otherwise
uvloop = importlib.import_module("uvloop") if importlib.util.find_spec("uvloop") else None


def version_string() -> str:
    """``aiokube --version``: the package's version and the kube-apiserver version it serves as."""
    git_version = version_info()["gitVersion"]
    return f"aiokube {git_version.rsplit('+aiokube.', 1)[-1]} (serves as kube-apiserver {git_version.split('+')[0]})"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="aiokube", description="An asyncio kube-apiserver backed by etcd.")
    parser.add_argument("--version", action="version", version=version_string())
    sub = parser.add_subparsers(dest="command")
    serve = sub.add_parser("serve", help="serve the Kubernetes API (default)")
    add_serve_arguments(serve)
    kc = sub.add_parser("kubeconfig", help="print a kubeconfig for the server of a data dir")
    kc.add_argument("--data-dir", default=".aiokube", help="the server's data directory (default ./.aiokube)")
    kc.add_argument("--user", default="", help="mint a client certificate for this user instead of the admin's")
    kc.add_argument("--group", action="append", default=[], help="a group of --user (repeatable)")
    kc.add_argument("--server", default="", help="server URL (default: the one in <data-dir>/admin.kubeconfig)")
    cl = sub.add_parser("cluster", help="a local 3-member etcd cluster, N replicas and a front (up|down|status|run)")
    cluster.add_arguments(cl)
    sim = sub.add_parser("simulate", help="simulated nodes, kubelets, scheduler and controllers (a client, like kwok)")
    simulation.add_simulate_arguments(sim)
    bench = sub.add_parser("bench", help="benchmarks against an API server (density)")
    benches = bench.add_subparsers(dest="bench", required=True)
    density = benches.add_parser("density", help="create pods at a set rate; pod startup and API call latency SLOs")
    simulation.add_density_arguments(density)
    return parser


def print_kubeconfig(args: argparse.Namespace) -> int:
    """``aiokube kubeconfig``: the admin kubeconfig, or one for ``--user``/``--group`` (a client certificate
    signed by the data dir's CA: how to test RBAC as someone else)."""
    admin = Path(args.data_dir) / ADMIN_KUBECONFIG
    server = args.server
    if not server:
        if not admin.exists():
            print(f"aiokube: {admin} does not exist: start the server first or pass --server", file=sys.stderr)
            return 1
        config = yaml.safe_load(admin.read_text())
        server = config["clusters"][0]["cluster"]["server"]
    ca = pki.ensure_pki(args.data_dir)
    if not args.user:
        print(kubeconfig.kubeconfig(server, ca.ca_cert_pem, ca.admin_cert_pem, ca.admin_key_pem), end="")
        return 0
    cert, key = pki.mint_client_cert(ca, args.user, args.group)
    print(kubeconfig.kubeconfig(server, ca.ca_cert_pem, cert, key, user=args.user), end="")
    return 0


def add_serve_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--bind-address", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8080, help="port to listen on; 0 picks a free one (default 8080)")
    p.add_argument(
        "--etcd-servers",
        default="",
        help="comma-separated etcd URLs of an external cluster; without it an embedded etcd is started",
    )
    p.add_argument("--data-dir", default=".aiokube", help="data directory of the embedded etcd (default ./.aiokube)")
    p.add_argument("--etcd-request-timeout", type=float, default=5.0, help="seconds an etcd request may take")
    p.add_argument("--etcd-cafile", default="", help="SSL Certificate Authority file used to secure etcd communication")
    p.add_argument("--etcd-certfile", default="", help="SSL certification file used to secure etcd communication")
    p.add_argument("--etcd-keyfile", default="", help="SSL key file used to secure etcd communication")
    p.add_argument(
        "--etcd-compaction-interval",
        type=float,
        default=300.0,
        help="seconds between etcd compactions, as kube-apiserver's flag (0 disables)",
    )
    p.add_argument(
        "--watch-cache",
        default="true",
        choices=["true", "false"],
        help="serve LIST/GET from the watch cache (default true); false reads etcd, as kube's flag",
    )
    p.add_argument(
        "--allow-privileged",
        default="true",
        choices=["true", "false"],
        help="allow privileged containers and HostProcess pods, as kube-apiserver's flag (default true here, as "
        "clusters set it; kube's own default is false)",
    )
    p.add_argument(
        "--profiling",
        default="true",
        choices=["true", "false"],
        help="serve /debug/pprof (CPU sampling profile, heap) as kube-apiserver's flag (default true)",
    )
    p.add_argument(
        "--shutdown-delay-duration",
        type=float,
        default=0.0,
        help="seconds to keep serving after SIGTERM while /readyz fails, so load balancers drain (default 0)",
    )
    p.add_argument("--log-level", default="info", choices=["debug", "info", "warning", "error"])
    p.add_argument(
        "--workers",
        type=int,
        default=None,
        help="replica processes sharing the ports and one etcd (default: the usable cores; 1 = this process)",
    )
    p.add_argument(
        "--max-nesting-depth",
        type=int,
        default=depth.KUBE_MAX_DEPTH,
        help=f"deepest nesting of a request body (default {depth.KUBE_MAX_DEPTH}, kube's decoders' limit; past "
        f"{depth.SAFE_DEPTH} the event loop runs in a thread with a {depth.STACK_SIZE >> 20} MiB stack (virtual) "
        "and heavy values are worked on in the CPU thread; see README, Known differences)",
    )
    # set by the --workers parent on its workers
    p.add_argument("--reuse-port", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--worker-id", default="", help=argparse.SUPPRESS)
    p.add_argument("--metrics-socket-dir", default="", help=argparse.SUPPRESS)
    # set by `aiokube cluster` on its replicas (one host): the name kube's identity Lease hashes
    p.add_argument("--replica-name", default="", help=argparse.SUPPRESS)
    p.add_argument(
        "--simulate-nodes",
        type=int,
        default=0,
        help="also run N simulated nodes with kubelets, a scheduler and controllers, in this process as a "
        "client of the server (aiokube simulate --help)",
    )
    add_overload_arguments(p)
    add_security_arguments(p)


def add_overload_arguments(p: argparse.ArgumentParser) -> None:
    """kube-apiserver's overload protection flags (same names, defaults and meaning)."""
    p.add_argument(
        "--max-requests-inflight",
        type=int,
        default=400,
        help="with priority and fairness: summed with --max-mutating-requests-inflight into the server's "
        "concurrency limit; without: the limit of read-only requests in flight (0: none) (default 400)",
    )
    p.add_argument(
        "--max-mutating-requests-inflight",
        type=int,
        default=200,
        help="see --max-requests-inflight; without priority and fairness: the limit of mutating requests in "
        "flight (0: none) (default 200)",
    )
    p.add_argument(
        "--request-timeout",
        default="1m0s",
        help="how long a non-long-running request may take before it gets 504 (a Go duration; default 1m0s)",
    )
    p.add_argument(
        "--enable-priority-and-fairness",
        default="true",
        choices=["true", "false"],
        help="API Priority and Fairness over the FlowSchemas and PriorityLevelConfigurations (default true); "
        "false: the max-in-flight limits",
    )


def add_security_arguments(p: argparse.ArgumentParser) -> None:
    """kube-apiserver's secure serving, authentication and authorization flags (same names and meaning)."""
    p.add_argument(
        "--secure-port", type=int, default=6443, help="HTTPS port (default 6443; 0 picks a free one and prints it)"
    )
    p.add_argument(
        "--plain-http",
        default="auto",
        choices=["auto", "true", "false"],
        help="serve --port as plain HTTP with full access, as kube's old insecure port (auto: only when "
        "--bind-address is a loopback address; true with another address is refused)",
    )
    p.add_argument("--tls-cert-file", default="", help="serving certificate (PEM); default: generated in --data-dir")
    p.add_argument("--tls-private-key-file", default="", help="key of --tls-cert-file (PEM)")
    p.add_argument(
        "--tls-san", action="append", default=[], help="extra DNS name or IP of the generated serving certificate"
    )
    p.add_argument(
        "--client-ca-file",
        default="",
        help="CA whose client certificates authenticate (CN = user, O = groups); default: the generated CA",
    )
    p.add_argument("--token-auth-file", default="", help="static bearer tokens, kube's CSV: token,user,uid,\"groups\"")
    p.add_argument(
        "--service-account-signing-key-file",
        default="",
        help="private key that signs ServiceAccount tokens (PEM); default: generated in --data-dir",
    )
    p.add_argument(
        "--service-account-key-file",
        action="append",
        default=[],
        help="public (or private) key that verifies ServiceAccount tokens; repeatable; default: the signing key",
    )
    p.add_argument(
        "--service-account-issuer",
        action="append",
        default=[],
        help="issuer of ServiceAccount tokens; the first signs, all are accepted "
        "(default https://kubernetes.default.svc.cluster.local)",
    )
    p.add_argument("--api-audiences", default="", help="comma-separated token audiences (default: the issuers)")
    p.add_argument(
        "--service-account-max-token-expiration",
        default="",
        help="longest TokenRequest validity, a Go duration such as 48h (default: no limit)",
    )
    p.add_argument(
        "--anonymous-auth",
        default="true",
        choices=["true", "false"],
        help="requests without credentials are system:anonymous (default true, as kube)",
    )
    p.add_argument(
        "--authorization-mode",
        default="RBAC",
        help="comma-separated ordered authorizers: RBAC, AlwaysAllow, AlwaysDeny (default RBAC)",
    )


def config_from_args(args: argparse.Namespace) -> ServerConfig:
    return ServerConfig(
        bind_address=args.bind_address,
        port=args.port,
        etcd_servers=[u for u in args.etcd_servers.split(",") if u.strip()],
        data_dir=args.data_dir,
        etcd_request_timeout=args.etcd_request_timeout,
        etcd_tls=etcd_tls(args),
        compaction_interval=args.etcd_compaction_interval,
        cacher=CacherConfig(serve_reads=args.watch_cache == "true"),
        profiling=args.profiling == "true",
        allow_privileged=args.allow_privileged == "true",
        shutdown_delay=args.shutdown_delay_duration,
        plain_http=plain_http(args.plain_http, args.bind_address),
        publish_root_ca=True,
        reuse_port=args.reuse_port,
        replica_name=args.replica_name
        or (f"{socket.gethostname()}/worker-{args.worker_id}" if args.worker_id else ""),
        worker_id=args.worker_id,
        metrics_socket_dir=args.metrics_socket_dir,
        security=security_config(args),
        **overload_config(args),
    )


def etcd_tls(args: argparse.Namespace) -> EtcdTLS | None:
    """The etcd client's TLS files; only for an external etcd (the embedded one speaks plain gRPC on loopback)."""
    if not (args.etcd_cafile or args.etcd_certfile or args.etcd_keyfile):
        return None
    if not args.etcd_servers:
        raise SystemExit("aiokube: --etcd-cafile, --etcd-certfile and --etcd-keyfile need --etcd-servers")
    if bool(args.etcd_certfile) != bool(args.etcd_keyfile):
        raise SystemExit("aiokube: --etcd-certfile and --etcd-keyfile must be given together")
    return EtcdTLS(args.etcd_cafile, args.etcd_certfile, args.etcd_keyfile)


def overload_config(args: argparse.Namespace) -> dict[str, Any]:
    """kube's validation of the overload flags (server_run_options.go)."""
    if args.max_requests_inflight < 0:
        raise SystemExit("aiokube: --max-requests-inflight can not be negative value")
    if args.max_mutating_requests_inflight < 0:
        raise SystemExit("aiokube: --max-mutating-requests-inflight can not be negative value")
    apf = args.enable_priority_and_fairness == "true"
    if apf and args.max_requests_inflight + args.max_mutating_requests_inflight <= 0:
        raise SystemExit(
            "aiokube: --max-requests-inflight plus --max-mutating-requests-inflight must be positive when "
            "--enable-priority-and-fairness is true"
        )
    try:
        timeout = golang.parse_duration(args.request_timeout)
    except ValueError as exc:
        raise SystemExit(f"aiokube: --request-timeout: {exc}") from None
    if timeout is not None and timeout < 0:
        raise SystemExit("aiokube: --request-timeout can not be negative value")
    return {
        "max_requests_inflight": args.max_requests_inflight,
        "max_mutating_requests_inflight": args.max_mutating_requests_inflight,
        "request_timeout": timeout or 0.0,
        "enable_priority_and_fairness": apf,
    }


def plain_http(flag: str, bind_address: str) -> bool:
    """Plain HTTP has full access (no authentication), so it is served only on a loopback address."""
    loopback = is_loopback(bind_address)
    if flag == "true" and not loopback:
        raise SystemExit(
            f"aiokube: refusing to serve plain HTTP on {bind_address}: plain HTTP has full access and is only "
            "served on a loopback address; use --plain-http=false (HTTPS is on --secure-port) or a loopback "
            "--bind-address"
        )
    return flag == "true" or (flag == "auto" and loopback)


def security_config(args: argparse.Namespace) -> SecurityConfig:
    modes = [m.strip() for m in args.authorization_mode.split(",") if m.strip()]
    for mode in modes:
        if mode not in AUTHORIZATION_MODES:
            raise SystemExit(f"aiokube: authorization-mode {mode!r} is not a valid mode (one of {AUTHORIZATION_MODES})")
    if (args.tls_cert_file == "") != (args.tls_private_key_file == ""):
        raise SystemExit("aiokube: --tls-cert-file and --tls-private-key-file must be given together")
    try:
        max_expiration = golang.parse_duration(args.service_account_max_token_expiration) or 0.0
    except ValueError as exc:
        raise SystemExit(f"aiokube: --service-account-max-token-expiration: {exc}") from None
    issuers = args.service_account_issuer or [DEFAULT_ISSUER]
    return SecurityConfig(
        secure_port=args.secure_port,
        tls_cert_file=args.tls_cert_file,
        tls_private_key_file=args.tls_private_key_file,
        tls_sans=[s for v in args.tls_san for s in v.split(",") if s],
        client_ca_file=args.client_ca_file,
        token_auth_file=args.token_auth_file,
        service_account_signing_key_file=args.service_account_signing_key_file,
        service_account_key_files=list(args.service_account_key_file),
        service_account_issuers=issuers,
        api_audiences=[a for a in args.api_audiences.split(",") if a] or list(issuers),
        service_account_max_token_expiration=max_expiration,
        anonymous_auth=args.anonymous_auth == "true",
        authorization_modes=modes,
    )


def process_age() -> float:
    """Seconds since this process started (imports included), from /proc on Linux; since import elsewhere."""
    try:
        fields = Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()
        started = int(fields[19]) / os.sysconf("SC_CLK_TCK")  # field 22: start time, in clock ticks since boot
        return time.clock_gettime(time.CLOCK_BOOTTIME) - started
    except (OSError, ValueError, IndexError, AttributeError):
        return time.monotonic() - _IMPORTED


_IMPORTED = time.monotonic()


def print_starting(config: ServerConfig, workers: int) -> None:
    """On stderr at once: a start takes seconds (longer on a first run), and commands typed meanwhile fail."""
    what = "an embedded etcd" if not config.etcd_servers else "etcd " + ",".join(config.etcd_servers)
    print(f"aiokube: starting ({what}, {workers} worker{'s' if workers > 1 else ''}); wait for 'aiokube: ready'",
          file=sys.stderr, flush=True)  # fmt: skip


def print_ready(plain_url: str, kubeconfig_path: Path | None) -> None:
    """The last start line: the server answers from now on, and a command to try."""
    if kubeconfig_path is not None:
        hint = f"KUBECONFIG={kubeconfig_path} kubectl get namespaces"
    else:
        hint = f"kubectl --server {plain_url} get namespaces"
    print(f"aiokube: ready in {process_age():.1f} s; try: {hint}", flush=True)


async def serve(config: ServerConfig, simulate_nodes: int = 0) -> None:
    server = APIServer(config)
    stop = asyncio.Event()
    on_stop_signals(stop.set)
    await server.start()
    gcpolicy.tune(asyncio.get_running_loop())
    etcd = (
        f"embedded etcd at {server.embedded.client_url}, data in {config.data_dir}"
        if server.embedded
        else ("etcd " + ",".join(config.etcd_servers))
    )
    urls = " and ".join(u for u in (server.url if config.plain_http else "", server.secure_url) if u)
    print(f"aiokube: serving on {urls} ({etcd})", flush=True)
    kubeconfig_path = (Path(config.data_dir) / ADMIN_KUBECONFIG).absolute()
    if server.secure_port:
        print(f"aiokube: export KUBECONFIG={kubeconfig_path}", flush=True)
    print_ready(server.url if config.plain_http else "", kubeconfig_path if server.secure_port else None)
    try:
        async with simulation.in_process(simulate_nodes, server.url if config.plain_http else "", kubeconfig_path):
            await stop.wait()
    finally:
        print("aiokube: shutting down", flush=True)
        await server.stop()


async def supervise(config: ServerConfig, workers: int, argv: list[str], simulate_nodes: int = 0) -> None:
    """``--workers N``: the parent of N replica processes (workers.py)."""
    supervisor = Supervisor(config, workers, argv)
    stop = asyncio.Event()
    on_stop_signals(stop.set)
    try:
        line = await supervisor.start()
        print(line, flush=True)
        if supervisor.secure_port:
            print(f"aiokube: export KUBECONFIG={supervisor.kubeconfig_path()}", flush=True)
        plain = f"http://{advertised_host(config.bind_address)}:{supervisor.port}" if config.plain_http else ""
        print_ready(plain, supervisor.kubeconfig_path() if supervisor.secure_port else None)
        async with simulation.in_process(simulate_nodes, plain, supervisor.kubeconfig_path()):
            await stop.wait()
    finally:
        print("aiokube: shutting down", flush=True)
        await supervisor.stop()


#: what SIGINT and SIGTERM do when the event loop runs outside the main thread (see run_loop)
_stop_callbacks: list[Callable[[], None]] = []
_stop_signalled = False


def on_stop_signals(callback: Callable[[], None]) -> None:
    """Have SIGINT and SIGTERM call ``callback`` on the running loop: the loop's own signal handlers in the
    main thread, else the main thread's handlers (installed by run_loop) hand it over."""
    loop = asyncio.get_running_loop()
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, callback)
        return
    _stop_callbacks.append(lambda: loop.call_soon_threadsafe(callback))
    if _stop_signalled:
        _stop_callbacks[-1]()


def _stop_signal(signum: int, frame: object) -> None:
    global _stop_signalled
    _stop_signalled = True
    for callback in _stop_callbacks:
        callback()


def run_loop(main: Coroutine[Any, Any, None], max_depth: int = depth.SAFE_DEPTH) -> None:
    """``asyncio.run(main)``; with a ``max_depth`` past the safe one, in the main thread if its stack may grow
    deep enough (apiserver/launch.py), else in a thread with a large stack (encoding/depth.py), the main thread
    waiting and forwarding SIGINT and SIGTERM (and /debug/pprof's sampler then sees the loop less well)."""
    if max_depth <= depth.SAFE_DEPTH:
        depth.MAX_DEPTH = max(1, max_depth)
        asyncio.run(main)
        return
    if threading.current_thread() is threading.main_thread() and depth.main_stack_is_deep():
        depth.enter_deep(max_depth)
        asyncio.run(main)
        return
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, _stop_signal)
    depth.run_deep(asyncio.run, main, limit=max_depth)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or (argv[0].startswith("-") and argv[0] not in ("--version", "-h", "--help")):
        argv.insert(0, "serve")
    serve_args: list[str] = []
    if argv[0] == "cluster" and "--" in argv:  # `aiokube cluster up [flags] -- [aiokube serve flags]`
        at = argv.index("--")
        argv, serve_args = argv[:at], argv[at + 1 :]
    args = build_parser().parse_args(argv)
    if args.command == "kubeconfig":
        return print_kubeconfig(args)
    if args.command == "cluster":
        args.serve_args = serve_args
        return cluster.main(args)
    if args.command == "simulate":
        return simulation.simulate_main(args)
    if args.command == "bench":  # density.py loads matplotlib: imported only here
        return importlib.import_module("aiokube.apiserver.simulation.density").main(args)
    workers = usable_cores() if args.workers is None else args.workers
    if not 1 <= args.max_nesting_depth <= depth.KUBE_MAX_DEPTH:
        print(f"aiokube: --max-nesting-depth must be between 1 and {depth.KUBE_MAX_DEPTH}", file=sys.stderr)
        return 2
    if workers < 1:
        print("aiokube: --workers must be at least 1", file=sys.stderr)
        return 2
    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if uvloop is not None:
        uvloop.install()
    try:
        config = config_from_args(args)
        if not args.worker_id:  # a worker's parent has said it
            print_starting(config, workers)
        simulate = 0 if args.worker_id else args.simulate_nodes  # the --workers parent runs it, once
        if workers > 1:
            run_loop(supervise(config, workers, argv[1:], simulate), args.max_nesting_depth)
        else:
            run_loop(serve(config, simulate), args.max_nesting_depth)
    except (OSError, RuntimeError, TimeoutError) as exc:
        print(f"aiokube: {exc}", file=sys.stderr)
        return 1
    return 0
