"""``aiokube serve`` (also ``python -m aiokube.apiserver``): run the API server until SIGINT/SIGTERM."""

from __future__ import annotations

import argparse
import asyncio
import gc
import importlib
import importlib.util
import logging
import signal
import sys

from aiokube.apiserver.server import APIServer, ServerConfig, version_info
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
    return parser


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


def config_from_args(args: argparse.Namespace) -> ServerConfig:
    return ServerConfig(
        bind_address=args.bind_address,
        port=args.port,
        etcd_servers=[u for u in args.etcd_servers.split(",") if u.strip()],
        data_dir=args.data_dir,
        etcd_request_timeout=args.etcd_request_timeout,
        compaction_interval=args.etcd_compaction_interval,
        cacher=CacherConfig(serve_reads=args.watch_cache == "true"),
        profiling=args.profiling == "true",
        shutdown_delay=args.shutdown_delay_duration,
    )


#: Python's default (700 allocations) collects generation 0 every few requests, and the heap grows with the
#: watch cache, so full collections walk every cached object: 3,000 pod creates spent 977 ms in 1,784
#: collections (13 full ones, 686 ms, each a pause of the event loop); with these thresholds 53 ms in 10,
#: and server CPU per create went from 1.90 to 1.60 ms. What the server allocates is acyclic JSON; the cycles
#: (tasks, exceptions) are few, so a larger generation 0 costs little memory.
GC_THRESHOLDS = (50_000, 20, 20)


def tune_gc() -> None:
    """Larger collection thresholds, and the objects of start-up (modules, schemas) out of the collector's way."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


async def serve(config: ServerConfig) -> None:
    server = APIServer(config)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await server.start()
    tune_gc()
    etcd = (
        f"embedded etcd at {server.embedded.client_url}, data in {config.data_dir}"
        if server.embedded
        else ("etcd " + ",".join(config.etcd_servers))
    )
    print(f"aiokube: serving on {server.url} ({etcd})", flush=True)
    try:
        await stop.wait()
    finally:
        print("aiokube: shutting down", flush=True)
        await server.stop()


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or (argv[0].startswith("-") and argv[0] not in ("--version", "-h", "--help")):
        argv.insert(0, "serve")
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if uvloop is not None:
        uvloop.install()
    try:
        asyncio.run(serve(config_from_args(args)))
    except (OSError, RuntimeError, TimeoutError) as exc:
        print(f"aiokube: {exc}", file=sys.stderr)
        return 1
    return 0
