"""Service cluster IPs and node ports, allocated as kube 1.36 does (IPAddress objects, 10.96.0.0/12)."""

from __future__ import annotations

import ipaddress

from tests.conftest import API

CIDR = ipaddress.ip_network("10.96.0.0/12")
PORTS = [{"port": 80, "protocol": "TCP", "targetPort": 8080}]


async def _ip_owner(api: API, ip: str) -> tuple[int, dict]:
    status, body, _ = await api.get(f"/apis/networking.k8s.io/v1/ipaddresses/{ip}")
    return status, body


async def test_cluster_ips_are_allocated_recorded_and_released(api: API, ns: str) -> None:
    base = f"/api/v1/namespaces/{ns}/services"
    status, svc, _ = await api.post(
        base, {"metadata": {"name": "web"}, "spec": {"selector": {"app": "w"}, "ports": PORTS}}
    )
    assert status == 201, svc
    spec = svc["spec"]
    ip = spec["clusterIP"]
    assert ipaddress.ip_address(ip) in CIDR and spec["clusterIPs"] == [ip]
    assert spec["ipFamilies"] == ["IPv4"] and spec["ipFamilyPolicy"] == "SingleStack" and spec["type"] == "ClusterIP"
    status, owner = await _ip_owner(api, ip)
    assert status == 200 and owner["spec"]["parentRef"] == {"resource": "services", "namespace": ns,
                                                            "name": "web"}  # fmt: skip
    assert owner["metadata"]["labels"]["ipaddress.kubernetes.io/managed-by"] == "ipallocator.k8s.io"

    # an IP asked for: granted once, then taken
    wanted = str(CIDR.network_address + 77)
    status, fixed, _ = await api.post(
        base, {"metadata": {"name": "fixed"}, "spec": {"clusterIP": wanted, "ports": PORTS}}
    )
    assert status == 201 and fixed["spec"]["clusterIPs"] == [wanted]
    status, body, _ = await api.post(
        base, {"metadata": {"name": "again"}, "spec": {"clusterIP": wanted, "ports": PORTS}}
    )
    assert status == 422 and body["details"]["causes"][0]["message"].endswith("provided IP is already allocated")
    status, body, _ = await api.post(
        base, {"metadata": {"name": "out"}, "spec": {"clusterIP": "1.2.3.4", "ports": PORTS}}
    )
    assert status == 422 and "not in the valid range" in body["message"]

    # the IP may not change; an update without it keeps it
    status, updated, _ = await api.put(
        f"{base}/web", {**svc, "spec": {**svc["spec"], "clusterIP": "", "clusterIPs": None}}
    )
    assert status == 200 and updated["spec"]["clusterIP"] == ip
    status, body, _ = await api.put(f"{base}/web", {**updated, "spec": {**updated["spec"], "clusterIP": wanted,
                                                                        "clusterIPs": [wanted]}})  # fmt: skip
    assert status == 422 and "may not change once set" in body["message"]

    status, _, _ = await api.delete(f"{base}/web")
    assert status == 200
    status, _ = await _ip_owner(api, ip)
    assert status == 404


async def test_headless_external_name_and_node_ports(api: API, ns: str) -> None:
    base = f"/api/v1/namespaces/{ns}/services"
    status, headless, _ = await api.post(
        base, {"metadata": {"name": "h"}, "spec": {"clusterIP": "None", "ports": PORTS}}
    )
    assert status == 201 and headless["spec"]["clusterIPs"] == ["None"]
    assert headless["spec"]["ipFamilyPolicy"] == "RequireDualStack"  # headless, no selector
    assert headless["spec"]["ipFamilies"] == ["IPv4", "IPv6"]  # no IP to allocate: both families, as kube 1.36
    spec6 = {"clusterIP": "None", "ipFamilies": ["IPv6"], "ports": PORTS}
    status, six, _ = await api.post(base, {"metadata": {"name": "h6"}, "spec": spec6})
    assert status == 201 and six["spec"]["ipFamilies"] == ["IPv6", "IPv4"]
    external = {"type": "ExternalName", "externalName": "example.com"}
    status, ext, _ = await api.post(base, {"metadata": {"name": "x"}, "spec": external})
    assert status == 201 and "clusterIP" not in ext["spec"] and "ipFamilies" not in ext["spec"]

    status, np, _ = await api.post(base, {"metadata": {"name": "np"}, "spec": {"type": "NodePort", "ports": PORTS}})
    assert status == 201, np
    port = np["spec"]["ports"][0]["nodePort"]
    assert 30000 <= port <= 32767
    clash = {"metadata": {"name": "np2"}, "spec": {"type": "NodePort", "ports": [{**PORTS[0], "nodePort": port}]}}
    status, body, _ = await api.post(base, clash)
    assert status == 422 and body["details"]["causes"] == [{
        "reason": "FieldValueInvalid", "field": "spec.ports[0].nodePort",
        "message": f"Invalid value: {port}: provided port is already allocated"}]  # fmt: skip
    # back to ClusterIP: the node port goes; an update that keeps NodePort keeps the port
    status, same, _ = await api.put(f"{base}/np", {**np, "metadata": {**np["metadata"], "labels": {"a": "b"}}})
    assert status == 200 and same["spec"]["ports"][0]["nodePort"] == port


async def test_the_kubernetes_service_and_default_service_cidr(api: API) -> None:
    status, svc, _ = await api.get("/api/v1/namespaces/default/services/kubernetes")
    assert status == 200 and svc["spec"]["clusterIP"] == "10.96.0.1"
    assert svc["spec"]["ports"] == [{"name": "https", "protocol": "TCP", "port": 443, "targetPort": 6443}]
    assert svc["metadata"]["labels"] == {"component": "apiserver", "provider": "kubernetes"}
    status, cidr, _ = await api.get("/apis/networking.k8s.io/v1/servicecidrs/kubernetes")
    assert status == 200 and cidr["spec"]["cidrs"] == ["10.96.0.0/12"]
    assert cidr["status"]["conditions"][0]["type"] == "Ready"


async def test_a_put_that_creates_a_service_allocates_too(api: API, ns: str) -> None:
    """Services allow create on update: the PUT gets its cluster IP (a retried claim is its own, not a clash)."""
    base = f"/api/v1/namespaces/{ns}/services"
    wanted = str(CIDR.network_address + 99)
    status, svc, _ = await api.put(
        f"{base}/put", {"metadata": {"name": "put"}, "spec": {"clusterIP": wanted, "ports": PORTS}}
    )
    assert status == 201 and svc["spec"]["clusterIPs"] == [wanted], svc
    status, svc, _ = await api.put(f"{base}/put2", {"metadata": {"name": "put2"}, "spec": {"ports": PORTS}})
    assert status == 201 and ipaddress.ip_address(svc["spec"]["clusterIP"]) in CIDR
    status, owner = await _ip_owner(api, svc["spec"]["clusterIP"])
    assert status == 200 and owner["spec"]["parentRef"]["name"] == "put2"
