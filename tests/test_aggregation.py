"""APIServices backed by a Service: their Available condition (kube-aggregator's availability checks), their
group in discovery and the 503 for their paths, as the reference kube-apiserver 1.36 answered the same steps
(an APIService for a missing Service, then the Service, then an EndpointSlice with the wrong port name)."""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

import pytest

from aiokube.apiserver.aggregation import AvailabilityController, version_key
from aiokube.apiserver.server import APIServer
from aiokube.apiserver.transport.discoveryprobe import discovery_probe
from tests.conftest import API

AGGREGATED = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
APISERVICES = "/apis/apiregistration.k8s.io/v1/apiservices"


def _api_service(name: str, group: str, version: str, service: dict[str, Any]) -> dict[str, Any]:
    spec = {"group": group, "version": version, "groupPriorityMinimum": 100, "versionPriority": 100,
            "insecureSkipTLSVerify": True, "service": service}  # fmt: skip
    return {"apiVersion": "apiregistration.k8s.io/v1", "kind": "APIService", "metadata": {"name": name}, "spec": spec}


async def _available(api: API, name: str, reason: str, seconds: float = 10.0) -> dict[str, Any]:
    """The Available condition once its reason is ``reason``."""
    deadline = time.monotonic() + seconds
    while True:
        _, obj, _ = await api.get(f"{APISERVICES}/{name}")
        conditions = [c for c in (obj.get("status") or {}).get("conditions") or [] if c["type"] == "Available"]
        if (conditions and conditions[0]["reason"] == reason) or time.monotonic() > deadline:
            assert conditions and conditions[0]["reason"] == reason, obj
            return conditions[0]
        await asyncio.sleep(0.05)


async def test_an_aggregated_api_without_its_service(api: API, ns: str) -> None:
    group = f"g{uuid.uuid4().hex[:8]}.example.com"
    name = f"v1beta1.{group}"
    body = _api_service(name, group, "v1beta1", {"name": "metrics", "namespace": ns, "port": 443})
    status, created, _ = await api.post(APISERVICES, body)
    assert status == 201, created
    condition = await _available(api, name, "ServiceNotFound")
    assert condition["status"] == "False" and condition["message"] == f'service/metrics in "{ns}" is not present'
    since = condition["lastTransitionTime"]

    # discovery lists the group (its version Stale: never fetched) and its paths answer the proxy's 503
    _, groups, _ = await api.get("/apis")
    entry = {"groupVersion": f"{group}/v1beta1", "version": "v1beta1"}
    assert {"name": group, "versions": [entry], "preferredVersion": entry} in groups["groups"]
    _, aggregated, _ = await api.get("/apis", headers={"Accept": AGGREGATED})
    assert {"metadata": {"name": group}, "versions": [{"version": "v1beta1", "freshness": "Stale"}]} in aggregated[
        "items"
    ]
    status, doc, _ = await api.get(f"/apis/{group}")
    assert status == 200 and doc["kind"] == "APIGroup" and doc["versions"] == [entry]
    for path in (f"/apis/{group}/v1beta1", f"/apis/{group}/v1beta1/namespaces/{ns}/widgets"):
        async with api.session.get(api.base + path) as resp:
            assert resp.status == 503 and await resp.text() == "service unavailable\n"
            assert resp.headers["Content-Type"] == "text/plain; charset=utf-8"
    async with api.session.get(api.base + f"/apis/{group}/v1") as resp:
        assert resp.status == 404

    # the Service, on another port: then on the right one, without endpoints; then endpoints without the port
    service = {"metadata": {"name": "metrics"}, "spec": {"ports": [{"name": "https", "port": 8443}]}}
    status, created, _ = await api.post(f"/api/v1/namespaces/{ns}/services", service)
    assert status == 201, created
    condition = await _available(api, name, "ServicePortError")
    assert condition["message"] == f'service/metrics in "{ns}" is not listening on port 443'
    patch = [{"op": "replace", "path": "/spec/ports/0/port", "value": 443}]
    status, _, _ = await api.request("PATCH", f"/api/v1/namespaces/{ns}/services/metrics", patch,
                                     headers={"Content-Type": "application/json-patch+json"})  # fmt: skip
    assert status == 200
    condition = await _available(api, name, "EndpointsNotFound")
    assert condition["message"] == f'cannot find endpointslices for service/metrics in "{ns}"'
    endpoints = {"metadata": {"name": "metrics-1", "labels": {"kubernetes.io/service-name": "metrics"}},
                 "addressType": "IPv4", "endpoints": [{"addresses": ["10.0.0.9"], "conditions": {"ready": True}}],
                 "ports": [{"name": "other", "port": 4443, "protocol": "TCP"}]}  # fmt: skip
    status, created, _ = await api.post(f"/apis/discovery.k8s.io/v1/namespaces/{ns}/endpointslices", endpoints)
    assert status == 201, created
    condition = await _available(api, name, "MissingEndpoints")
    assert condition["message"] == (
        f'endpointslices for service/metrics in "{ns}" have no addresses with port name "https"'
    )
    assert condition["lastTransitionTime"] == since  # the status stayed False

    status, _, _ = await api.delete(f"{APISERVICES}/{name}")
    assert status == 200
    deadline = time.monotonic() + 5
    while (await api.get(f"/apis/{group}"))[0] != 404:
        assert time.monotonic() < deadline
        await asyncio.sleep(0.05)


async def test_a_failed_discovery_check_names_the_url(api: API, ns: str) -> None:
    """Past the Service's checks kube GETs the group version from it: an ExternalName Service to a closed local
    port fails that GET."""
    group = f"g{uuid.uuid4().hex[:8]}.example.com"
    name = f"v1.{group}"
    service = {"metadata": {"name": "ext"}, "spec": {"type": "ExternalName", "externalName": "localhost"}}
    status, created, _ = await api.post(f"/api/v1/namespaces/{ns}/services", service)
    assert status == 201, created
    body = _api_service(name, group, "v1", {"name": "ext", "namespace": ns, "port": 1})
    assert (await api.post(APISERVICES, body))[0] == 201
    condition = await _available(api, name, "FailedDiscoveryCheck")
    url = f"https://localhost:1/apis/{group}/v1"
    assert condition["status"] == "False" and condition["message"].startswith(
        f"failing or missing response from {url}: "
    )
    await api.delete(f"{APISERVICES}/{name}")


@pytest.mark.parametrize(
    "versions, order",
    [(["v1", "v2beta1", "v1alpha1", "foo", "v10", "v2", "v11beta2", "v11beta1"],
      ["v10", "v2", "v1", "v11beta2", "v11beta1", "v2beta1", "v1alpha1", "foo"])],
)  # fmt: skip
def test_kube_version_order(versions: list[str], order: list[str]) -> None:
    assert sorted(versions, key=version_key) == order


async def test_the_availability_controller_stops_when_cancelled_as_it_wakes(server: APIServer) -> None:
    """A cancel in the same loop turn as a wake-up ends the controller: Python 3.11's ``asyncio.wait_for``
    returned the woken wait instead, the controller looped on, and ``aiokube serve`` hung on SIGTERM."""
    assert server.generic is not None
    controller = AvailabilityController(server.generic, discovery_probe, server._cacher)
    task = asyncio.create_task(controller.run())
    for _ in range(3):  # the controller's first sync done, parked on its wake-up event again
        await asyncio.sleep(0.05)
    controller._wake.set()
    task.cancel()
    done, _ = await asyncio.wait([task], timeout=5)
    assert task in done and task.cancelled()
