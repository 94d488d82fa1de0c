"""The whole simulated cluster: N nodes with their kubelets, the scheduler stand-in and the Deployment,
ReplicaSet and Job controllers, over shared informers (one watch per resource for all of them)."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any

from aiokube.apiserver.simulation import podstatus
from aiokube.apiserver.simulation.client import KubeClient
from aiokube.apiserver.simulation.deployment import DeploymentController
from aiokube.apiserver.simulation.informer import Informer
from aiokube.apiserver.simulation.job import JobController
from aiokube.apiserver.simulation.kubelet import Kubelets
from aiokube.apiserver.simulation.nodes import RENEW_INTERVAL, NodeAgent, SimNode
from aiokube.apiserver.simulation.owners import OwnedPods
from aiokube.apiserver.simulation.replicaset import ReplicaSetController
from aiokube.apiserver.simulation.scheduler import Scheduler

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SimulationConfig:
    """``nodes`` simulated nodes named ``<prefix>0..N-1``; ``controllers``: run the Deployment, ReplicaSet and
    Job controllers (off when the target has a kube-controller-manager); ``scheduler`` likewise."""

    nodes: int
    prefix: str = "sim-node-"
    controllers: bool = True
    scheduler: bool = True
    job_run_seconds: float = podstatus.JOB_RUN_SECONDS
    renew_interval: float = RENEW_INTERVAL


class Simulation:
    """Start with ``await sim.start()`` (returns once the nodes are registered and the informers synced), stop
    with ``await sim.stop()``; or ``await sim.run()`` until cancelled."""

    def __init__(self, client: KubeClient, config: SimulationConfig) -> None:
        self.client = client
        self.config = config
        self.nodes = [SimNode(f"{config.prefix}{i}", i) for i in range(config.nodes)]
        names = [n.name for n in self.nodes]
        self.pods = Informer(client, "/api/v1/pods")
        self.node_informer = Informer(client, "/api/v1/nodes")
        self.informers = [self.pods, self.node_informer]
        self.agent = NodeAgent(client, self.nodes, renew_interval=config.renew_interval)
        self.kubelets = Kubelets(client, self.pods, self.nodes, job_run_seconds=config.job_run_seconds)
        self.parts: list[Any] = [self.agent, self.kubelets]
        if config.scheduler:
            self.parts.append(Scheduler(client, self.pods, self.node_informer, names))
        if config.controllers:
            owned = OwnedPods()
            self.pods.add_handler(owned.handler)
            deployments = Informer(client, "/apis/apps/v1/deployments")
            replicasets = Informer(client, "/apis/apps/v1/replicasets")
            jobs = Informer(client, "/apis/batch/v1/jobs")
            self.informers += [deployments, replicasets, jobs]
            self.parts += [
                DeploymentController(client, deployments, replicasets),
                ReplicaSetController(client, replicasets, self.pods, owned),
                JobController(client, jobs, self.pods, owned),
            ]
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self, timeout: float = 60.0) -> None:
        self._tasks = [asyncio.create_task(part.run()) for part in (*self.informers, *self.parts)]
        ready = asyncio.ensure_future(
            asyncio.gather(self.agent.registered.wait(), *(i.synced.wait() for i in self.informers))
        )
        done, _ = await asyncio.wait([ready, *self._tasks], timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        if ready in done:
            return
        ready.cancel()
        errors = [t.exception() for t in done if not t.cancelled() and t.exception() is not None]
        await self.stop()
        raise errors[0] if errors else TimeoutError(f"the simulation was not ready in {timeout:.0f} s")

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []

    async def run(self) -> None:
        await self.start()
        log.info("simulating %d nodes", len(self.nodes))
        try:
            await asyncio.gather(*self._tasks)
        finally:
            await self.stop()
