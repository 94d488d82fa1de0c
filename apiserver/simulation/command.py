"""The command lines: ``aiokube simulate``, ``aiokube serve --simulate-nodes`` and ``aiokube bench density``'s
flags (the density run itself is density.py, imported only when asked: it loads matplotlib)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path

from aiokube.apiserver.simulation import podstatus
from aiokube.apiserver.simulation.client import KubeClient
from aiokube.apiserver.simulation.simulator import Simulation, SimulationConfig

log = logging.getLogger(__name__)


def add_target_arguments(p: argparse.ArgumentParser) -> None:
    """Which API server: a kubeconfig, or a URL (with a token); as kubectl's flags."""
    p.add_argument("--kubeconfig", default="", help="kubeconfig of the API server (its current context)")
    p.add_argument("--server", default="", help="API server URL (overrides the kubeconfig's)")
    p.add_argument("--token", default="", help="bearer token for --server")
    p.add_argument("--insecure-skip-tls-verify", action="store_true", help="do not verify the server's certificate")


def add_simulate_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--nodes", type=int, default=10, help="simulated nodes (default 10)")
    p.add_argument("--node-prefix", default="sim-node-", help="node names: PREFIX0..PREFIX<N-1> (default sim-node-)")
    p.add_argument(
        "--no-controllers",
        action="store_true",
        help="no Deployment/ReplicaSet/Job controllers (the target runs kube-controller-manager)",
    )
    p.add_argument("--no-scheduler", action="store_true", help="no scheduler stand-in (the target runs one)")
    p.add_argument(
        "--job-pod-seconds",
        type=float,
        default=podstatus.JOB_RUN_SECONDS,
        help=f"how long a Job's pod runs unless its {podstatus.RUN_SECONDS} annotation says (default 1)",
    )
    p.add_argument("--log-level", default="info", choices=["debug", "info", "warning", "error"])
    add_target_arguments(p)


def add_density_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--pods", type=int, default=3000, help="pods to create (default 3000)")
    p.add_argument("--nodes", type=int, default=100, help="simulated nodes (default 100)")
    p.add_argument("--qps", type=float, default=100.0, help="pod creations per second (default 100)")
    p.add_argument("--out", default="", help="directory of density.json/.md/.png (default bench/out)")
    p.add_argument("--progress-every", type=float, default=5.0, help="seconds between progress lines (default 5)")
    p.add_argument("--timeout", type=float, default=600.0, help="seconds to wait for all pods running (default 600)")
    p.add_argument(
        "--no-simulate",
        action="store_true",
        help="do not start `aiokube simulate` (the target has nodes, a scheduler and kubelets of its own)",
    )
    p.add_argument(
        "--server-workers",
        type=int,
        default=1,
        help="--workers of the aiokube server started when no --server/--kubeconfig is given (default 1)",
    )
    p.add_argument("--keep", action="store_true", help="keep the test namespace and its pods")
    add_target_arguments(p)


def client_from_args(args: argparse.Namespace) -> KubeClient:
    return KubeClient.connect(args.server, args.kubeconfig, args.token, args.insecure_skip_tls_verify)


def config_from_args(args: argparse.Namespace) -> SimulationConfig:
    return SimulationConfig(
        nodes=args.nodes,
        prefix=args.node_prefix,
        controllers=not args.no_controllers,
        scheduler=not args.no_scheduler,
        job_run_seconds=args.job_pod_seconds,
    )


async def _simulate(args: argparse.Namespace) -> None:
    client = client_from_args(args)
    sim = Simulation(client, config_from_args(args))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await sim.start()
        print(f"aiokube simulate: {args.nodes} nodes ready on {client.server}", flush=True)
        await stop.wait()
    finally:
        await sim.stop()
        await client.close()


def simulate_main(args: argparse.Namespace) -> int:
    """``aiokube simulate``: a separate process, a plain client of the API (like kwok)."""
    if args.nodes < 1:
        print("aiokube simulate: --nodes must be at least 1", file=sys.stderr)
        return 2
    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        asyncio.run(_simulate(args))
    except (OSError, ValueError, TimeoutError) as exc:
        print(f"aiokube simulate: {exc}", file=sys.stderr)
        return 1
    return 0


@contextlib.asynccontextmanager
async def in_process(nodes: int, url: str, kubeconfig: Path | None) -> AsyncIterator[Simulation | None]:
    """``aiokube serve --simulate-nodes N``: the simulation on the server's loop, a client of the server over
    loopback (plain HTTP when served, else HTTPS with the admin kubeconfig). Nothing when ``nodes`` is 0."""
    if nodes <= 0:
        yield None
        return
    client = KubeClient(url) if url else KubeClient.connect(kubeconfig=str(kubeconfig))
    sim = Simulation(client, SimulationConfig(nodes=nodes))
    try:
        await sim.start()
        print(f"aiokube: simulating {nodes} nodes (scheduler, kubelets, controllers)", flush=True)
        yield sim
    finally:
        await sim.stop()
        await client.close()
