"""Simulated nodes, kubelets, scheduler and controllers (aiokube.apiserver.simulation) against the session's
server over loopback, real kubectl's ``rollout status``, ``aiokube serve --simulate-nodes`` and a small
``aiokube bench density`` run in child processes."""

from __future__ import annotations

import asyncio
import ipaddress
import json
import re
import sys
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from aiokube.apiserver.server import APIServer
from aiokube.apiserver.simulation import podstatus
from aiokube.apiserver.simulation.client import KubeClient
from aiokube.apiserver.simulation.nodes import LEASE_DURATION, LEASE_NAMESPACE
from aiokube.apiserver.simulation.simulator import Simulation, SimulationConfig
from tests.conftest import API, KUBECTL, run_cmd
from tests.serverproc import start_server

NODES = 3
AIOKUBE = str(Path(sys.executable).parent / "aiokube")


async def eventually(probe: Callable[[], Awaitable[Any]], timeout: float = 30.0) -> Any:
    """probe()'s first truthy value (the simulation works asynchronously)."""
    deadline = time.monotonic() + timeout
    while True:
        value = await probe()
        if value:
            return value
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.1)


@pytest.fixture(scope="module")
async def sim(server: APIServer) -> AsyncIterator[Simulation]:
    """Three simulated nodes (leases renewed every second, for the test) on the session's server."""
    client = KubeClient(server.url)
    config = SimulationConfig(nodes=NODES, prefix=f"sim-{uuid.uuid4().hex[:6]}-", renew_interval=1.0)
    simulation = Simulation(client, config)
    await simulation.start()
    yield simulation
    await simulation.stop()
    for node in simulation.nodes:
        await client.request("DELETE", f"/api/v1/nodes/{node.name}")
    await client.close()


def pod(name: str, annotations: dict[str, str] | None = None, **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "annotations": annotations or {}},
        "spec": {"containers": [{"name": "c", "image": "busybox",
                                 "resources": {"requests": {"cpu": "100m", "memory": "64Mi"}}}], **spec},
    }  # fmt: skip


async def phase_of(api: API, ns: str, name: str, phase: str) -> dict[str, Any] | None:
    status, body, _ = await api.get(f"/api/v1/namespaces/{ns}/pods/{name}")
    return body if status == 200 and body["status"].get("phase") == phase else None


async def test_nodes_are_ready_and_their_leases_renewed(sim: Simulation, api: API) -> None:
    for node in sim.nodes:
        status, body, _ = await api.get(f"/api/v1/nodes/{node.name}")
        assert status == 200, body
        conds = {c["type"]: c for c in body["status"]["conditions"]}
        assert conds["Ready"]["status"] == "True" and conds["Ready"]["reason"] == "KubeletReady"
        assert {conds[k]["status"] for k in ("MemoryPressure", "DiskPressure", "PIDPressure")} == {"False"}
        assert body["status"]["allocatable"]["pods"] == "110" and body["status"]["capacity"]["cpu"] == "32"
        assert body["status"]["nodeInfo"]["kubeletVersion"].startswith("v1.36")
        assert {a["type"] for a in body["status"]["addresses"]} == {"InternalIP", "Hostname"}
        assert not [t for t in body["spec"].get("taints") or [] if t["key"] == "node.kubernetes.io/not-ready"]
    lease_path = f"/apis/coordination.k8s.io/v1/namespaces/{LEASE_NAMESPACE}/leases/{sim.nodes[0].name}"
    status, first, _ = await api.get(lease_path)
    assert status == 200, first
    assert first["spec"]["holderIdentity"] == sim.nodes[0].name
    assert first["spec"]["leaseDurationSeconds"] == LEASE_DURATION == 40
    assert first["metadata"]["ownerReferences"][0]["kind"] == "Node"

    async def renewed() -> bool:
        _, lease, _ = await api.get(lease_path)
        return lease["spec"]["renewTime"] > first["spec"]["renewTime"]

    await eventually(renewed, 15)


async def test_pod_is_bound_and_runs_with_kube_shaped_status(sim: Simulation, api: API, ns: str) -> None:
    status, body, _ = await api.post(f"/api/v1/namespaces/{ns}/pods", pod("p"))
    assert status == 201, body
    running = await eventually(lambda: phase_of(api, ns, "p", "Running"))
    node = next(n for n in sim.nodes if n.name == running["spec"]["nodeName"])
    st = running["status"]
    assert [c["type"] for c in st["conditions"]] == [
        "PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady", "PodScheduled"]  # fmt: skip
    assert all(c["status"] == "True" for c in st["conditions"])
    assert st["hostIP"] == node.ip and st["hostIPs"] == [{"ip": node.ip}]
    assert ipaddress.ip_address(st["podIP"]) in ipaddress.ip_network(node.pod_cidr)
    assert st["startTime"] and st["qosClass"] == "Burstable"
    (cs,) = st["containerStatuses"]
    assert cs["name"] == "c" and cs["ready"] and cs["started"] and cs["restartCount"] == 0
    assert cs["image"] == "docker.io/library/busybox:latest" and cs["containerID"].startswith("containerd://")
    assert "startedAt" in cs["state"]["running"]

    # a graceful delete (30 s by default) is finished by the kubelet at once, with grace 0
    status, body, _ = await api.delete(f"/api/v1/namespaces/{ns}/pods/p")
    assert status == 200 and body["metadata"]["deletionTimestamp"], body
    assert await api.gone(f"/api/v1/namespaces/{ns}/pods/p", 15)


async def test_pods_end_as_their_annotations_say(sim: Simulation, api: API, ns: str) -> None:
    ok = pod("ok", {podstatus.RUN_SECONDS: "0.5"}, restartPolicy="Never")
    bad = pod("bad", {podstatus.RUN_SECONDS: "0.2", podstatus.EXIT_CODE: "3"}, restartPolicy="Never")
    forever = pod("forever", {podstatus.RUN_SECONDS: "0.2"})  # restartPolicy Always: restarted, never ends
    for p in (ok, bad, forever):
        status, body, _ = await api.post(f"/api/v1/namespaces/{ns}/pods", p)
        assert status == 201, body
    done = await eventually(lambda: phase_of(api, ns, "ok", "Succeeded"))
    term = done["status"]["containerStatuses"][0]["state"]["terminated"]
    assert term["exitCode"] == 0 and term["reason"] == "Completed"
    ready = next(c for c in done["status"]["conditions"] if c["type"] == "Ready")
    assert ready["status"] == "False" and ready["reason"] == "PodCompleted"
    failed = await eventually(lambda: phase_of(api, ns, "bad", "Failed"))
    term = failed["status"]["containerStatuses"][0]["state"]["terminated"]
    assert term["exitCode"] == 3 and term["reason"] == "Error"
    assert await phase_of(api, ns, "forever", "Running")


async def test_unschedulable_pod_says_why(sim: Simulation, api: API, ns: str) -> None:
    status, body, _ = await api.post(f"/api/v1/namespaces/{ns}/pods", pod("picky", nodeSelector={"disk": "ssd"}))
    assert status == 201, body

    async def unschedulable() -> dict[str, Any] | None:
        _, p, _ = await api.get(f"/api/v1/namespaces/{ns}/pods/picky")
        conds = p["status"].get("conditions") or []
        return next((c for c in conds if c.get("reason") == "Unschedulable"), None)

    cond = await eventually(unschedulable)
    assert cond["status"] == "False" and cond["type"] == "PodScheduled"
    assert (
        cond["message"] == f"0/{NODES} nodes are available: {NODES} node(s) didn't match Pod's node affinity/selector."
    )
    # labelling a node makes it fit: the scheduler retries when a node changes
    target = sim.nodes[1].name
    status, body, _ = await api.request("PATCH", f"/api/v1/nodes/{target}", {"metadata": {"labels": {"disk": "ssd"}}},
                                        headers={"Content-Type": "application/merge-patch+json"})  # fmt: skip
    assert status == 200, body
    running = await eventually(lambda: phase_of(api, ns, "picky", "Running"))
    assert running["spec"]["nodeName"] == target


async def test_kubectl_rollout_status_completes(sim: Simulation, server: APIServer, api: API, ns: str) -> None:
    kubectl = (KUBECTL, "--server", server.url, "-n", ns)
    code, out, err = await run_cmd(*kubectl, "create", "deployment", "web", "--image=nginx:1.27", "--replicas=3")
    assert code == 0, err
    code, out, err = await run_cmd(*kubectl, "rollout", "status", "deployment/web", "--timeout=60s", timeout=90)
    assert code == 0, err
    assert 'deployment "web" successfully rolled out' in out
    _, d, _ = await api.get(f"/apis/apps/v1/namespaces/{ns}/deployments/web")
    st = d["status"]
    assert st["observedGeneration"] == d["metadata"]["generation"]
    assert st["replicas"] == st["updatedReplicas"] == st["readyReplicas"] == st["availableReplicas"] == 3
    conds = {c["type"]: c for c in st["conditions"]}
    assert conds["Available"]["reason"] == "MinimumReplicasAvailable" and conds["Available"]["status"] == "True"
    assert conds["Progressing"]["reason"] == "NewReplicaSetAvailable"
    assert re.fullmatch(r'ReplicaSet "web-[a-z0-9]+" has successfully progressed\.', conds["Progressing"]["message"])

    # a new template rolls out a new ReplicaSet; the old one is scaled to 0
    code, out, err = await run_cmd(*kubectl, "set", "image", "deployment/web", "nginx=nginx:1.28")
    assert code == 0, err
    code, out, err = await run_cmd(*kubectl, "rollout", "status", "deployment/web", "--timeout=60s", timeout=90)
    assert code == 0, err
    _, rss, _ = await api.get(f"/apis/apps/v1/namespaces/{ns}/replicasets")
    assert sorted(rs["spec"]["replicas"] for rs in rss["items"]) == [0, 3]
    revisions = {rs["metadata"]["annotations"]["deployment.kubernetes.io/revision"] for rs in rss["items"]}
    assert revisions == {"1", "2"}


async def test_job_pods_succeed_and_the_job_completes(sim: Simulation, api: API, ns: str) -> None:
    job = {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": "j"},
        "spec": {"completions": 3, "parallelism": 2, "template": {"spec": {
            "restartPolicy": "Never", "containers": [{"name": "w", "image": "busybox"}]}}},
    }  # fmt: skip
    status, body, _ = await api.post(f"/apis/batch/v1/namespaces/{ns}/jobs", job)
    assert status == 201, body

    async def complete() -> dict[str, Any] | None:
        _, j, _ = await api.get(f"/apis/batch/v1/namespaces/{ns}/jobs/j")
        types = [c["type"] for c in j.get("status", {}).get("conditions") or [] if c["status"] == "True"]
        return j if "Complete" in types else None

    done = await eventually(complete, 45)
    st = done["status"]
    assert st["succeeded"] == 3 and st["completionTime"] and st["startTime"] and not st.get("active")
    assert [(c["type"], c["reason"]) for c in st["conditions"]] == [
        ("SuccessCriteriaMet", "CompletionsReached"), ("Complete", "CompletionsReached")]  # fmt: skip
    _, pods, _ = await api.get(f"/api/v1/namespaces/{ns}/pods", params={"labelSelector": "job-name=j"})
    assert [p["status"]["phase"] for p in pods["items"]] == ["Succeeded"] * 3


async def test_serve_simulate_nodes(tmp_path: Path, api: API) -> None:
    srv = await asyncio.to_thread(start_server, tmp_path / "data", "--simulate-nodes", "2")
    try:

        async def ready() -> bool:
            _, nodes, _ = await API(api.session, srv.url).get("/api/v1/nodes")
            return len([n for n in nodes["items"] if n["metadata"]["name"].startswith("sim-node-")]) == 2

        await eventually(ready, 30)
    finally:
        assert await asyncio.to_thread(srv.stop) == 0


async def test_small_density_run(tmp_path: Path) -> None:
    out = tmp_path / "out"
    code, stdout, stderr = await run_cmd(
        AIOKUBE, "bench", "density", "--pods", "60", "--nodes", "5", "--qps", "30", "--progress-every", "2",
        "--out", str(out), timeout=150,
    )  # fmt: skip
    assert code == 0, stdout + stderr
    lines = re.findall(r"^Pods: (\d+) out of 60 created, (\d+) running, (\d+) pending, (\d+) waiting", stdout, re.M)
    assert lines and lines[-1] == ("60", "60", "0", "0"), stdout
    assert "pod startup latency: p50" in stdout
    result = json.loads((out / "density.json").read_text())
    assert result["running"] == 60 and result["startup"]["count"] == 60
    calls = {(r["verb"], r["resource"]) for r in result["api_calls"]}
    assert {("POST", "pods"), ("POST", "pods/binding"), ("PATCH", "pods/status")} <= calls
    assert "| pod startup latency" in (out / "density.md").read_text()
    assert (out / "density.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
