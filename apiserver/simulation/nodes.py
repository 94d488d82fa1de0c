"""Simulated nodes: the Node objects a kubelet registers, their status, and their Leases in
``kube-node-lease`` renewed at the kubelet's cadence (every 10 s, valid 40 s)."""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiokube.apiserver.simulation.client import ApiError, KubeClient

Obj = dict[str, Any]
log = logging.getLogger(__name__)

LEASE_NAMESPACE = "kube-node-lease"
#: kubelet: nodeLeaseDurationSeconds 40, renewed every quarter of it
LEASE_DURATION = 40
RENEW_INTERVAL = 10.0
#: kubelet's nodeStatusReportFrequency: with leases, an unchanged status is posted every 5 minutes
STATUS_REPORT_INTERVAL = 300.0
#: the label every simulated node carries (kwok's nodes carry type=kwok)
SIMULATED_LABEL = "node.aiokube.io/simulated"
#: taints kube's node lifecycle controller takes off a node that is Ready
UNREADY_TAINTS = ("node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable")
KUBELET_VERSION = "v1.36.0"
CAPACITY = {
    "cpu": "32",
    "memory": "256Gi",
    "pods": "110",
    "ephemeral-storage": "100Gi",
    "hugepages-1Gi": "0",
    "hugepages-2Mi": "0",
}


def rfc3339(at: float | None = None) -> str:
    return datetime.fromtimestamp(time.time() if at is None else at, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def micro_time(at: float | None = None) -> str:
    """metav1.MicroTime (a Lease's renewTime)."""
    return datetime.fromtimestamp(time.time() if at is None else at, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass
class SimNode:
    """One simulated node: its name, address and pod CIDR (its pods get addresses from it)."""

    name: str
    index: int
    next_ip: int = field(default=1)

    @property
    def ip(self) -> str:
        return f"10.{64 + self.index // 250}.{self.index % 250}.1"

    @property
    def pod_cidr(self) -> str:
        return f"10.{128 + self.index // 256}.{self.index % 256}.0/24"

    def pod_ip(self) -> str:
        """The next address of the node's /24 (wrapping: addresses of deleted pods are reused)."""
        self.next_ip = self.next_ip % 254 + 1
        base = self.pod_cidr.rsplit(".", 1)[0]
        return f"{base}.{self.next_ip}"


def node_conditions(now: str) -> list[Obj]:
    """The kubelet's conditions of a healthy node (setters.go: reasons and messages as it writes them)."""

    def cond(kind: str, status: str, reason: str, message: str) -> Obj:
        return {
            "type": kind,
            "status": status,
            "lastHeartbeatTime": now,
            "lastTransitionTime": now,
            "reason": reason,
            "message": message,
        }

    return [
        cond("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
        cond("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
        cond("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
        cond("Ready", "True", "KubeletReady", "kubelet is posting ready status"),
    ]


def node_object(node: SimNode) -> Obj:
    now = rfc3339()
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {
            "name": node.name,
            "labels": {
                "kubernetes.io/hostname": node.name,
                "kubernetes.io/os": "linux",
                "kubernetes.io/arch": "amd64",
                "beta.kubernetes.io/os": "linux",
                "beta.kubernetes.io/arch": "amd64",
                SIMULATED_LABEL: "true",
            },
            "annotations": {
                "node.alpha.kubernetes.io/ttl": "0",
                "volumes.kubernetes.io/controller-managed-attach-detach": "true",
            },
        },
        "spec": {"podCIDR": node.pod_cidr, "podCIDRs": [node.pod_cidr]},
        "status": node_status(node, now),
    }


def node_status(node: SimNode, now: str) -> Obj:
    return {
        "capacity": dict(CAPACITY),
        "allocatable": dict(CAPACITY),
        "conditions": node_conditions(now),
        "addresses": [{"type": "InternalIP", "address": node.ip}, {"type": "Hostname", "address": node.name}],
        "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
        "nodeInfo": {
            "machineID": f"{node.index:032x}",
            "systemUUID": f"{node.index:08x}-0000-4000-8000-000000000000",
            "bootID": f"{node.index:08x}-0000-4000-8000-b00700000000",
            "kernelVersion": "6.1.0-simulated",
            "osImage": "aiokube simulated node",
            "containerRuntimeVersion": "containerd://2.0.0",
            "kubeletVersion": KUBELET_VERSION,
            "kubeProxyVersion": "",
            "operatingSystem": "linux",
            "architecture": "amd64",
        },
        "images": [],
    }


def lease_object(node: SimNode, owner_uid: str, renew: str) -> Obj:
    """What the kubelet's lease controller writes: held by the node, owned by the Node object."""
    return {
        "apiVersion": "coordination.k8s.io/v1",
        "kind": "Lease",
        "metadata": {
            "name": node.name,
            "namespace": LEASE_NAMESPACE,
            "ownerReferences": [{"apiVersion": "v1", "kind": "Node", "name": node.name, "uid": owner_uid}],
        },
        "spec": {"holderIdentity": node.name, "leaseDurationSeconds": LEASE_DURATION, "renewTime": renew},
    }


class NodeAgent:
    """Registers the nodes (or takes over existing ones of the same names, posting their status) and keeps
    them alive: each node's Lease is renewed every ``renew_interval`` seconds (renewals spread evenly over the
    interval), its status posted every ``status_interval``. ``registered`` is set once all nodes exist."""

    def __init__(
        self,
        client: KubeClient,
        nodes: list[SimNode],
        renew_interval: float = RENEW_INTERVAL,
        status_interval: float = STATUS_REPORT_INTERVAL,
    ) -> None:
        self.client = client
        self.nodes = nodes
        self.renew_interval = renew_interval
        self.status_interval = status_interval
        self.registered = asyncio.Event()
        self._uids: dict[str, str] = {}
        self._leases: dict[str, Obj] = {}

    async def register(self, node: SimNode) -> None:
        obj = node_object(node)
        try:
            created = await self.client.create("/api/v1/nodes", obj)
        except ApiError as exc:
            if exc.status != 409:
                raise
            created = await self.post_status(node)
        if not (created.get("status") or {}).get("conditions"):  # a server that drops status on create
            created = await self.post_status(node)
        self._uids[node.name] = created["metadata"]["uid"]
        await self.untaint(created)

    async def untaint(self, node: Obj) -> None:
        """Remove the ``not-ready`` taint the API server's TaintNodesByCondition admission puts on a new node:
        kube's node lifecycle controller does once the node reports Ready, and a bare API server has none."""
        taints = (node.get("spec") or {}).get("taints") or []
        kept = [t for t in taints if t.get("key") not in UNREADY_TAINTS]
        if len(kept) != len(taints):
            patch = {"spec": {"taints": kept or None}}
            await self.client.merge_patch(f"/api/v1/nodes/{node['metadata']['name']}", patch)

    async def post_status(self, node: SimNode) -> Obj:
        return await self.client.merge_patch(
            f"/api/v1/nodes/{node.name}/status", {"status": node_status(node, rfc3339())}
        )

    async def renew(self, node: SimNode) -> None:
        """Update the lease (the kubelet's Update of its last copy; GET again on a conflict, create if gone)."""
        path = f"/apis/coordination.k8s.io/v1/namespaces/{LEASE_NAMESPACE}/leases/{node.name}"
        lease = self._leases.get(node.name)
        for _ in range(3):
            if lease is None:
                fresh = lease_object(node, self._uids.get(node.name, ""), micro_time())
                try:
                    lease = await self.client.create(path.rsplit("/", 1)[0], fresh)
                    break
                except ApiError as exc:
                    if exc.status != 409:
                        raise
                    lease = await self.client.get(path)
            assert lease is not None
            lease["spec"]["renewTime"] = micro_time()
            lease["spec"]["holderIdentity"] = node.name
            lease["spec"]["leaseDurationSeconds"] = LEASE_DURATION
            try:
                lease = await self.client.update(path, lease)
                break
            except ApiError as exc:
                if exc.status not in (404, 409):
                    raise
                lease = None if exc.status == 404 else await self.client.get(path)
        self._leases[node.name] = lease  # type: ignore[assignment]

    async def _keep_alive(self, node: SimNode, offset: float) -> None:
        await asyncio.sleep(offset)
        last_status = time.monotonic()
        while True:
            started = time.monotonic()
            try:
                await self.renew(node)
                if started - last_status >= self.status_interval:
                    await self.post_status(node)
                    last_status = started
            except Exception as exc:
                log.warning("node %s: lease renewal failed: %s", node.name, exc)
                self._leases.pop(node.name, None)
            await asyncio.sleep(max(0.0, self.renew_interval - (time.monotonic() - started)))

    async def run(self) -> None:
        sem = asyncio.Semaphore(16)

        async def one(node: SimNode) -> None:
            async with sem:
                await self.register(node)
                await self.renew(node)

        await asyncio.gather(*(one(n) for n in self.nodes))
        self.registered.set()
        step = self.renew_interval / max(len(self.nodes), 1)
        async with asyncio.TaskGroup() as tg:
            for i, node in enumerate(self.nodes):
                tg.create_task(self._keep_alive(node, i * step))
