"""pods/log, exec, attach, portforward, proxy, ephemeralcontainers and resize, nodes/proxy, services/proxy and
componentstatuses, answered as a kube-apiserver 1.36 with no kubelet, scheduler or controller-manager answers them.

The expected texts were captured from a real kube-apiserver 1.36.2 (built from the tree in /work/k8s by
../shared/kube-reference) against the same objects; addresses and ports here are local ones where nothing
listens, so the dial errors are real.
"""

from __future__ import annotations

import asyncio
import datetime
import socket
import ssl
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import orjson
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from aiokube.apiserver.registry.componentstatus import probe_https
from aiokube.storage.store import Store
from tests.conftest import API

SMP = {"Content-Type": "application/strategic-merge-patch+json"}
JSON_PATCH = {"Content-Type": "application/json-patch+json"}
MERGE = {"Content-Type": "application/merge-patch+json"}


def free_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def refused(port: int) -> str:
    return f"dial tcp 127.0.0.1:{port}: connect: connection refused"


async def make_pod(api: API, ns: str, name: str, spec: dict, **meta: object) -> dict:
    pod = {"metadata": {"name": name, **meta}, "spec": spec}
    status, body, _ = await api.post(f"/api/v1/namespaces/{ns}/pods", pod)
    assert status == 201, body
    return body


async def make_node(api: API, name: str, status: dict) -> None:
    await api.delete(f"/api/v1/nodes/{name}")
    code, body, _ = await api.post("/api/v1/nodes", {"metadata": {"name": name}, "status": status})
    assert code == 201, body


@pytest.fixture
async def sa(api: API, ns: str) -> str:
    """The namespace, with the default ServiceAccount pods need."""
    await api.post(f"/api/v1/namespaces/{ns}/serviceaccounts", {"metadata": {"name": "default"}})
    return ns


@pytest.fixture
async def kubelet_node(api: API, ns: str) -> AsyncIterator[tuple[str, int]]:
    """A Node whose kubelet endpoint is a loopback port where nothing listens."""
    name, port = f"{ns}-node", free_port()
    await make_node(api, name, {"addresses": [{"type": "InternalIP", "address": "127.0.0.1"}],
                                "daemonEndpoints": {"kubeletEndpoint": {"Port": port}}})  # fmt: skip
    yield name, port
    await api.delete(f"/api/v1/nodes/{name}")


# --- pods/log ---------------------------------------------------------------------------------------------------


async def test_log_of_a_pod_without_a_node_is_204_and_its_container_is_checked_first(api: API, sa: str) -> None:
    ns = sa
    await make_pod(api, ns, "one", {"containers": [{"name": "c", "image": "busybox"}]})
    many = {"initContainers": [{"name": "i", "image": "busybox"}],
            "containers": [{"name": "c", "image": "busybox"}, {"name": "d", "image": "x"}]}  # fmt: skip
    await make_pod(api, ns, "many", many)
    status, body, headers = await api.get(f"/api/v1/namespaces/{ns}/pods/one/log")
    assert status == 204 and body is None and "Content-Type" not in headers
    status, body, _ = await api.get(f"/api/v1/namespaces/{ns}/pods/many/log")
    assert status == 400 and body["reason"] == "BadRequest"
    assert body["message"] == "a container name must be specified for pod many, choose one of: [i c d]"
    status, body, _ = await api.get(f"/api/v1/namespaces/{ns}/pods/many/log", params={"container": "zz"})
    assert status == 400 and body["message"] == "container zz is not valid for pod many"
    status, body, _ = await api.get(f"/api/v1/namespaces/{ns}/pods/nope/log")
    assert status == 404 and body["message"] == 'pods "nope" not found'
    status, body, _ = await api.post(f"/api/v1/namespaces/{ns}/pods/one/log", {})
    assert status == 405 and body["reason"] == "MethodNotAllowed"


async def test_log_options_are_decoded_and_validated_as_kube_does(api: API, sa: str) -> None:
    ns = sa
    await make_pod(api, ns, "one", {"containers": [{"name": "c", "image": "busybox"}]})
    url = f"/api/v1/namespaces/{ns}/pods/one/log"
    status, body, _ = await api.get(url, params={"tailLines": "abc"})
    assert status == 400 and body["message"] == 'strconv.ParseInt: parsing "abc": invalid syntax'
    status, body, _ = await api.get(url, params={"sinceTime": "yesterday"})
    assert status == 400 and body["message"] == (
        'parsing time "yesterday" as "2006-01-02T15:04:05Z07:00": cannot parse "yesterday" as "2006"'
    )
    status, body, _ = await api.get(url, params={"sinceTime": "2024-13-01T00:00:00Z"})
    assert status == 400 and body["message"] == 'parsing time "2024-13-01T00:00:00Z": month out of range'
    status, body, _ = await api.get(url, params={"tailLines": "-1", "limitBytes": "0", "sinceSeconds": "0"})
    assert status == 422 and body["details"]["kind"] == "PodLogOptions"
    assert body["message"] == (
        'PodLogOptions "one" is invalid: [tailLines: Invalid value: -1: must be greater than or equal to 0, '
        "limitBytes: Invalid value: 0: must be greater than 0, sinceSeconds: Invalid value: 0: must be greater than 0]"
    )
    status, body, _ = await api.get(url, params={"sinceSeconds": "5", "sinceTime": "2024-01-01T00:00:00Z"})
    assert status == 422 and body["details"]["causes"] == [{
        "reason": "FieldValueForbidden", "field": "[]",
        "message": "Forbidden: at most one of `sinceTime` or `sinceSeconds` may be specified",
    }]  # fmt: skip
    status, body, _ = await api.get(url, params={"stream": "Stdout"})  # PodLogsQuerySplitStreams is alpha, off
    assert status == 422
    assert body["message"] == 'PodLogOptions "one" is invalid: stream: Forbidden: may not be specified'


async def test_log_of_a_pod_on_a_node_dials_its_kubelet(api: API, sa: str, kubelet_node: tuple[str, int]) -> None:
    ns, (node, port) = sa, kubelet_node
    await make_pod(api, ns, "p", {"nodeName": node, "containers": [{"name": "c", "image": "busybox"}]})
    params = {"follow": "1", "tailLines": "5", "timestamps": "true", "sinceTime": "2024-05-01T10:00:00+02:00"}
    status, body, _ = await api.get(f"/api/v1/namespaces/{ns}/pods/p/log", params=params)
    assert status == 500 and "reason" not in body and "details" not in body
    url = (f"https://127.0.0.1:{port}/containerLogs/{ns}/p/c?follow=true&sinceTime=2024-05-01T08%3A00%3A00Z"
           "&tailLines=5&timestamps=true")  # fmt: skip
    assert body["message"] == f'Get "{url}": {refused(port)}'


async def test_a_missing_node_or_address_fails_as_kube_reports_it(api: API, sa: str) -> None:
    ns = sa
    await make_node(api, f"{ns}-bare", {})
    await make_pod(api, ns, "gone", {"nodeName": f"{ns}-missing", "containers": [{"name": "c", "image": "x"}]})
    await make_pod(api, ns, "bare", {"nodeName": f"{ns}-bare", "containers": [{"name": "c", "image": "x"}]})
    for sub in ("log", "exec", "attach", "portforward"):
        method = api.get if sub == "log" else api.post
        status, body, _ = await method(f"/api/v1/namespaces/{ns}/pods/gone/{sub}")
        # kube's store names a miss after the request's resource
        assert status == 404 and body["message"] == f'pods "{ns}-missing" not found', sub
        assert body["details"] == {"name": f"{ns}-missing", "kind": "pods"}
        status, body, _ = await method(f"/api/v1/namespaces/{ns}/pods/bare/{sub}")
        assert status == 500 and body["message"] == "no preferred addresses found; known addresses: []", sub
    await api.delete(f"/api/v1/nodes/{ns}-bare")


# --- exec, attach, portforward ----------------------------------------------------------------------------------


async def test_connecting_to_a_pod_without_a_host(api: API, sa: str) -> None:
    ns = sa
    await make_pod(api, ns, "one", {"containers": [{"name": "c", "image": "busybox"}]})
    await make_pod(api, ns, "two", {"containers": [{"name": "c", "image": "x"}, {"name": "d", "image": "x"}]})
    base = f"/api/v1/namespaces/{ns}/pods"
    for method in ("GET", "POST"):
        for sub in ("exec", "attach", "portforward"):
            status, body, _ = await api.request(method, f"{base}/one/{sub}?command=ls")
            assert status == 400 and body["message"] == "pod one does not have a host assigned", (method, sub)
    status, body, _ = await api.post(f"{base}/two/exec?command=ls")
    assert status == 400 and body["message"] == "a container name must be specified for pod two, choose one of: [c d]"
    status, body, _ = await api.post(f"{base}/two/attach?container=zz")
    assert status == 400 and body["message"] == "container zz is not valid for pod two"
    status, body, _ = await api.post(f"{base}/two/exec?command=ls&container=c&dryRun=All")
    assert status == 400 and body["message"] == "dryRun is not supported"
    status, body, _ = await api.put(f"{base}/one/exec", {})
    assert status == 405 and body["message"] == "the server does not allow this method on the requested resource"
    status, body, _ = await api.post(f"{base}/one/portforward?ports=80,x")
    assert status == 400
    assert body["message"] == 'cannot convert to []int32: strconv.ParseUint: parsing "x": invalid syntax'
    status, body, _ = await api.post(f"{base}/nope/exec")
    assert status == 404 and body["message"] == 'pods "nope" not found'


async def test_connecting_to_a_pod_on_an_unreachable_kubelet(
    api: API, sa: str, kubelet_node: tuple[str, int]
) -> None:
    ns, (node, port) = sa, kubelet_node
    await make_pod(api, ns, "p", {"nodeName": node, "containers": [{"name": "c", "image": "busybox"}]})
    base = f"/api/v1/namespaces/{ns}/pods/p"
    status, body, _ = await api.post(f"{base}/exec?command=ls&stdout=1")
    assert status == 400 and body["message"] == "Upgrade request required"
    spdy = {"Connection": "Upgrade", "Upgrade": "SPDY/3.1", "X-Stream-Protocol-Version": "v4.channel.k8s.io"}
    for sub in ("exec?command=ls", "attach?stdout=1", "portforward?ports=80"):
        status, body, _ = await api.post(f"{base}/{sub}", headers=spdy)
        message = f"error dialing backend: {refused(port)}"
        assert status == 500 and body == {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                                          "message": message, "code": 500}, sub  # fmt: skip


async def test_a_v5_websocket_exec_gets_the_error_on_its_error_channel(
    api: API, sa: str, kubelet_node: tuple[str, int], http_session: aiohttp.ClientSession
) -> None:
    """kube translates WebSocket v5 exec/attach to SPDY itself: the upgrade succeeds, an empty message names the
    first open channel, and what the kubelet dial met arrives as a Status on channel 3."""
    ns, (node, port) = sa, kubelet_node
    await make_pod(api, ns, "p", {"nodeName": node, "containers": [{"name": "c", "image": "busybox"}]})
    url = f"{api.base}/api/v1/namespaces/{ns}/pods/p/exec?command=ls&command=-l&stdout=1&stderr=1"
    async with http_session.ws_connect(url, protocols=("v5.channel.k8s.io", "v4.channel.k8s.io")) as ws:
        assert ws.protocol == "v5.channel.k8s.io"
        first, second = await ws.receive_bytes(timeout=5), await ws.receive_bytes(timeout=5)
    assert first == b"\x01"
    assert second[:1] == b"\x03"
    kubelet = f"https://127.0.0.1:{port}/exec/{ns}/p/c?command=ls&command=-l&error=1&output=1"
    cause = f'error sending request: Post "{kubelet}": {refused(port)}'
    status = {"metadata": {}, "status": "Failure", "message": f"Internal error occurred: {cause}",
              "reason": "InternalError", "details": {"causes": [{"message": cause}]}, "code": 500}  # fmt: skip
    assert second[1:] == orjson.dumps(status).replace(b"&", b"\\u0026")  # Go's encoding/json escapes &


# --- proxies ----------------------------------------------------------------------------------------------------


async def test_pod_and_node_proxies_refuse_loopback_and_redirect_the_bare_path(api: API, sa: str) -> None:
    ns = sa
    await make_pod(api, ns, "p", {"containers": [{"name": "c", "image": "busybox", "ports": [{"containerPort": 80}]}]})
    status, body, _ = await api.request("PATCH", f"/api/v1/namespaces/{ns}/pods/p/status",
                                        {"status": {"podIPs": [{"ip": "127.0.0.1"}]}}, headers=MERGE)  # fmt: skip
    assert status == 200, body
    base = f"/api/v1/namespaces/{ns}/pods"
    status, body, _ = await api.get(f"{base}/p/proxy/some/path")
    assert status == 400 and body["message"] == "address not allowed"
    status, body, _ = await api.get(f"{base}/a:b:c:d/proxy/")
    assert status == 400 and body["message"] == 'invalid pod request "a:b:c:d"'
    status, body, _ = await api.get(f"{base}/ftp:p:80/proxy/")
    assert status == 400 and body["message"] == 'invalid pod request "ftp:p:80"'
    status, body, _ = await api.request("OPTIONS", f"{base}/nope/proxy/x")
    assert status == 404 and body["message"] == 'pods "nope" not found'
    node = f"{ns}-n"
    await make_node(api, node, {"addresses": [{"type": "InternalIP", "address": "127.0.0.1"}]})
    status, body, _ = await api.get(f"/api/v1/nodes/{node}/proxy/metrics")
    assert status == 400 and body["message"] == "address not allowed"
    status, body, _ = await api.get("/api/v1/nodes/nope/proxy/")
    assert status == 404 and body["message"] == 'nodes "nope" not found'
    await api.delete(f"/api/v1/nodes/{node}")


async def test_proxy_redirects_the_bare_path_before_dialing(
    api: API, sa: str, http_session: aiohttp.ClientSession
) -> None:
    ns = sa
    await make_pod(api, ns, "p", {"containers": [{"name": "c", "image": "busybox"}]})
    await api.request("PATCH", f"/api/v1/namespaces/{ns}/pods/p/status", {"status": {"podIPs": [{"ip": "10.0.0.1"}]}},
                      headers=MERGE)  # fmt: skip
    async with http_session.get(f"{api.base}/api/v1/namespaces/{ns}/pods/p/proxy?x=1", allow_redirects=False) as r:
        assert r.status == 301 and r.headers["Location"] == f"/api/v1/namespaces/{ns}/pods/p/proxy/?x=1"


async def test_service_proxy_follows_endpoints_to_pods_and_dials_them(api: API, sa: str, store: Store) -> None:
    ns = sa
    port = free_port()
    base = f"/api/v1/namespaces/{ns}/services"
    status, body, _ = await api.get(f"{base}/web/proxy/")
    assert status == 404 and body["message"] == 'services "web" not found'  # the Endpoints, named as kube names it
    svc = {"metadata": {"name": "web"}, "spec": {"ports": [{"name": "http", "port": 80, "targetPort": 8080}]}}
    assert (await api.post(base, svc))[0] == 201
    status, body, _ = await api.get(f"{base}/web:81/proxy/")
    assert status == 503 and body["message"] == 'no service port 81 found for service "web"'
    await make_pod(api, ns, "backend", {"containers": [{"name": "c", "image": "busybox"}]})
    await api.request("PATCH", f"/api/v1/namespaces/{ns}/pods/backend/status",
                      {"status": {"podIPs": [{"ip": "127.0.0.1"}]}}, headers=MERGE)  # fmt: skip
    endpoints = {"metadata": {"name": "web"}, "subsets": [{
        "addresses": [{"ip": "10.0.0.9", "targetRef": {"kind": "Pod", "name": "backend", "namespace": ns}}],
        "ports": [{"name": "http", "port": port}]}]}  # fmt: skip
    status, created, headers = await api.post(f"/api/v1/namespaces/{ns}/endpoints", endpoints)
    assert status == 201
    deprecated = "v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice"
    assert headers.getall("Warning") == [f'299 - "{deprecated}"']
    # kube refuses loopback addresses in Endpoints (an older server's would stay): put one there in etcd, where
    # this test can dial
    created["subsets"][0]["addresses"][0]["ip"] = "127.0.0.1"
    assert (await api.post(f"/api/v1/namespaces/{ns}/endpoints", {**created, "metadata": {"name": "x"}}))[0] == 422
    await store.client.put(f"/registry/services/endpoints/{ns}/web".encode(), orjson.dumps(created))
    for _ in range(100):  # the watch cache has it
        cached = (await api.get(f"/api/v1/namespaces/{ns}/endpoints/web?resourceVersion=0"))[1]
        if cached["subsets"] == created["subsets"]:
            break
        await asyncio.sleep(0.05)
    status, body, _ = await api.get(f"{base}/web/proxy/")  # no port: the unnamed one, which this service lacks
    assert status == 503 and body["message"] == 'no endpoints available for service "web"'
    for path in ("web:80/proxy/x", "web:http/proxy/x", "https:web:http/proxy/"):
        status, body, _ = await api.get(f"{base}/{path}")
        assert status == 503 and body["reason"] == "ServiceUnavailable", path
        assert body["message"] == f"error trying to reach service: {refused(port)}", path
    status, body, _ = await api.get(f"{base}/web:other/proxy/")
    assert status == 503 and body["message"] == 'no endpoints available for service "web:other"'
    upgrade = {"Connection": "Upgrade", "Upgrade": "websocket"}
    status, body, _ = await api.get(f"{base}/web:80/proxy/ws", headers=upgrade)
    assert status == 500 and body["message"] == f"error dialing backend: {refused(port)}"
    # something answers there: aiokube says it does not forward, instead of pretending
    server = await asyncio.start_server(lambda r, w: w.close(), "127.0.0.1", port)
    try:
        status, body, _ = await api.get(f"{base}/web:http/proxy/")
        assert status == 503 and "aiokube does not forward requests" in body["message"]
    finally:
        server.close()
        await server.wait_closed()


# --- ephemeralcontainers ----------------------------------------------------------------------------------------


async def test_ephemeral_containers_are_the_only_change_the_subresource_makes(api: API, sa: str) -> None:
    ns = sa
    created = await make_pod(api, ns, "p", {"containers": [{"name": "c", "image": "busybox"}]}, labels={"a": "b"})
    url = f"/api/v1/namespaces/{ns}/pods/p/ephemeralcontainers"
    debugger = {"name": "debugger", "image": "busybox", "stdin": True, "tty": True}
    patch = {"metadata": {"labels": {"a": "changed"}}, "status": {"phase": "Running"},
             "spec": {"activeDeadlineSeconds": 5, "containers": [{"name": "c", "image": "nginx"}],
                      "ephemeralContainers": [debugger]}}  # fmt: skip
    status, pod, _ = await api.request("PATCH", f"{url}?fieldManager=kubectl-debug", patch, headers=SMP)
    assert status == 200, pod
    assert pod["spec"]["ephemeralContainers"] == [{
        "name": "debugger", "image": "busybox", "resources": {}, "terminationMessagePath": "/dev/termination-log",
        "terminationMessagePolicy": "File", "imagePullPolicy": "Always", "stdin": True, "tty": True,
    }]  # fmt: skip
    assert pod["metadata"]["labels"] == {"a": "b"} and pod["status"] == created["status"]
    assert pod["spec"]["containers"][0]["image"] == "busybox" and "activeDeadlineSeconds" not in pod["spec"]
    assert pod["metadata"]["generation"] == 2
    entry = pod["metadata"]["managedFields"][-1]
    assert entry["manager"] == "kubectl-debug" and entry["subresource"] == "ephemeralcontainers"
    assert list(entry["fieldsV1"]) == ["f:spec"]
    status, got, _ = await api.get(url)
    assert status == 200 and got["kind"] == "Pod" and got["spec"]["ephemeralContainers"][0]["name"] == "debugger"
    status, _, _ = await api.post(url, {})
    assert status == 405


async def test_ephemeral_container_mistakes_get_kubes_field_errors(api: API, sa: str) -> None:
    ns = sa
    await make_pod(api, ns, "p", {"containers": [{"name": "c", "image": "busybox"}]})
    url = f"/api/v1/namespaces/{ns}/pods/p/ephemeralcontainers"

    async def invalid(patch: object, headers: dict[str, str] = SMP) -> str:
        status, body, _ = await api.request("PATCH", url, patch, headers=headers)
        assert status == 422 and body["reason"] == "Invalid" and body["details"]["kind"] == "Pod", body
        return body["message"]

    forbidden = "Forbidden: cannot be set for an Ephemeral Container"
    got = await invalid({"spec": {"ephemeralContainers": [{
        "name": "x", "image": "busybox", "ports": [{"containerPort": 80}], "resources": {"limits": {"cpu": "1"}},
        "readinessProbe": {"exec": {"command": ["true"]}}, "lifecycle": {"postStart": {"exec": {"command": ["true"]}}},
    }]}})  # fmt: skip
    assert got == (f'Pod "p" is invalid: [spec.ephemeralContainers[0].ports: {forbidden}, '
                   f"spec.ephemeralContainers[0].resources: {forbidden}, spec.ephemeralContainers[0].readinessProbe: "
                   f"{forbidden}, spec.ephemeralContainers[0].lifecycle: {forbidden}]")  # fmt: skip
    assert await invalid({"spec": {"ephemeralContainers": [{"name": "x"}]}}) == (
        'Pod "p" is invalid: spec.ephemeralContainers[0].image: Required value'
    )
    got = await invalid({"spec": {"ephemeralContainers": [{
        "name": "c", "image": "busybox", "targetContainerName": "nope",
        "volumeMounts": [{"name": "v", "mountPath": "/v", "subPath": "s"}]}]}})  # fmt: skip
    assert got == ('Pod "p" is invalid: [spec.ephemeralContainers[0].volumeMounts[0].name: Not found: "v", '
                   'spec.ephemeralContainers[0].name: Duplicate value: "c", '
                   'spec.ephemeralContainers[0].targetContainerName: Not found: "nope", '
                   f"spec.ephemeralContainers[0].volumeMounts[0].subPath: {forbidden}]")  # fmt: skip
    assert (await invalid({"spec": {"ephemeralContainers": [{"name": "Bad_Name", "image": "x"}]}})).startswith(
        'Pod "p" is invalid: spec.ephemeralContainers[0].name: Invalid value: "Bad_Name": a lowercase RFC 1123 label'
    )
    ok = {"spec": {"ephemeralContainers": [{"name": "debugger", "image": "busybox"}]}}
    assert (await api.request("PATCH", url, ok, headers=SMP))[0] == 200
    assert await invalid({"spec": {"ephemeralContainers": [{"name": "other", "image": "busybox"}]}}, MERGE) == (
        'Pod "p" is invalid: spec.ephemeralContainers: Forbidden: existing ephemeral containers "debugger" may not '
        "be removed\n"
    )
    changed = await invalid({"spec": {"ephemeralContainers": [{"name": "debugger", "image": "alpine"}]}})
    assert changed.startswith('Pod "p" is invalid: spec.ephemeralContainers: Forbidden: existing ephemeral '
                              'containers "debugger" may not be changed\n')  # fmt: skip
    assert '\n- "image": "busybox",\n+ "image": "alpine",\n' in changed  # kube names Go fields ("Image")


# --- resize -----------------------------------------------------------------------------------------------------


async def test_resize_changes_only_resources(api: API, sa: str) -> None:
    ns = sa
    resources = {"requests": {"cpu": "100m", "memory": "64Mi"}, "limits": {"cpu": "200m", "memory": "128Mi"}}
    created = await make_pod(api, ns, "r", {
        "initContainers": [{"name": "init", "image": "busybox", "resources": {"requests": {"cpu": "100m"}}}],
        "containers": [{"name": "c", "image": "busybox", "resources": resources}, {"name": "d", "image": "busybox"}],
    })  # fmt: skip
    url = f"/api/v1/namespaces/{ns}/pods/r/resize"
    patch = {"metadata": {"labels": {"a": "b"}}, "status": {"phase": "Running"},
             "spec": {"activeDeadlineSeconds": 5, "containers": [{"name": "c", "image": "nginx",
                                                                  "resources": {"requests": {"cpu": "150m"}}}],
                      "initContainers": [{"name": "init", "resources": {"requests": {"cpu": "0.2"}}}]}}  # fmt: skip
    status, pod, _ = await api.request("PATCH", url, patch, headers=SMP)
    assert status == 200, pod
    container = pod["spec"]["containers"][0]
    assert container["resources"] == {"limits": {"cpu": "200m", "memory": "128Mi"},
                                      "requests": {"cpu": "150m", "memory": "64Mi"}}  # fmt: skip
    assert container["image"] == "busybox" and "activeDeadlineSeconds" not in pod["spec"]
    assert pod["spec"]["initContainers"][0]["resources"] == {"requests": {"cpu": "200m"}}
    assert "labels" not in pod["metadata"] and pod["status"] == created["status"]
    assert pod["metadata"]["generation"] == 2 and pod["metadata"]["managedFields"][-1]["subresource"] == "resize"
    status, got, _ = await api.get(url)
    assert status == 200 and got["spec"]["containers"][0]["resources"]["requests"]["cpu"] == "150m"


async def test_resize_mistakes_get_kubes_field_errors(api: API, sa: str) -> None:
    ns = sa
    resources = {"requests": {"cpu": "100m", "memory": "64Mi"}, "limits": {"cpu": "200m", "memory": "128Mi"}}
    await make_pod(api, ns, "r", {"containers": [{"name": "c", "image": "x", "resources": resources},
                                                 {"name": "d", "image": "x"}]})  # fmt: skip
    await make_pod(api, ns, "be", {"containers": [{"name": "c", "image": "x"}]})
    guaranteed = {"limits": {"cpu": "1", "memory": "1Gi"}}
    await make_pod(api, ns, "g", {"containers": [{"name": "c", "image": "x", "resources": guaranteed}]})

    async def resize(name: str, patch: object, headers: dict[str, str] = SMP) -> tuple[int, dict]:
        status, body, _ = await api.request("PATCH", f"/api/v1/namespaces/{ns}/pods/{name}/resize", patch,
                                            headers=headers)  # fmt: skip
        return status, body

    def c(resources: dict) -> dict:
        return {"spec": {"containers": [{"name": "c", "resources": resources}]}}

    cases = [
        ("r", [{"op": "remove", "path": "/spec/containers/0/resources/limits"}], JSON_PATCH,
         "spec.containers[0].resources.limits: Forbidden: resource limits cannot be removed"),
        ("r", c({"requests": {"cpu": "300m"}}), SMP,
         'spec.containers[0].resources.requests: Invalid value: "300m": '
         "must be less than or equal to cpu limit of 200m"),
        ("r", c({"requests": {"memory": "-1"}}), SMP,
         'spec.containers[0].resources.requests[memory]: Invalid value: "-1": must be greater than or equal to 0'),
        ("r", [{"op": "add", "path": "/spec/containers/-", "value": {"name": "e", "image": "x"}}], JSON_PATCH,
         "spec.containers: Forbidden: containers may not be added or removed on resize"),
        ("r", [{"op": "replace", "path": "/spec/containers/1/name", "value": "zz"}], JSON_PATCH,
         "spec.containers[1].name: Forbidden: containers may not be renamed or reordered on resize"),
        ("r", c({"requests": {"nvidia.com/gpu": "1"}, "limits": {"nvidia.com/gpu": "1"}}), SMP,
         "spec: Forbidden: only cpu and memory resources are mutable"),
        ("be", c({"requests": {"cpu": "100m"}}), SMP,
         'spec: Invalid value: "BestEffort": Pod QOS Class may not change as a result of resizing'),
        ("g", c({"requests": {"cpu": "500m"}}), SMP,
         'spec: Invalid value: "Guaranteed": Pod QOS Class may not change as a result of resizing'),
    ]  # fmt: skip
    for name, patch, headers, message in cases:
        status, body = await resize(name, patch, headers)
        assert status == 422 and body["message"] == f'Pod "{name}" is invalid: {message}', (patch, body)
    status, body = await resize("g", c({"requests": {"cpu": "2"}, "limits": {"cpu": "2"}}))
    assert status == 200 and body["status"]["qosClass"] == "Guaranteed"
    status, body = await resize("nope", {})
    assert status == 404 and body["message"] == 'pods "nope" not found'


# --- componentstatuses ------------------------------------------------------------------------------------------

DEPRECATED = ['299 - "v1 ComponentStatus is deprecated in v1.19+"']


async def test_componentstatuses_probe_the_control_plane(api: API) -> None:
    status, body, headers = await api.get("/api/v1/componentstatuses")
    assert status == 200 and headers.getall("Warning") == DEPRECATED
    assert body["kind"] == "ComponentStatusList" and body["metadata"] == {}
    items = {i["metadata"]["name"]: i for i in body["items"]}
    assert set(items) == {"controller-manager", "scheduler", "etcd-0"}
    assert items["etcd-0"] == {"metadata": {"name": "etcd-0"},
                               "conditions": [{"type": "Healthy", "status": "True", "message": "ok"}]}  # fmt: skip
    for name, port in (("controller-manager", 10257), ("scheduler", 10259)):
        condition = items[name]["conditions"][0]
        assert condition["type"] == "Healthy" and condition["status"] == "False"
        assert condition["message"] == f'Get "https://127.0.0.1:{port}/healthz": {refused(port)}'
    status, body, headers = await api.get("/api/v1/componentstatuses/etcd-0")
    assert status == 200 and body["kind"] == "ComponentStatus" and headers.getall("Warning") == DEPRECATED
    status, body, headers = await api.get("/api/v1/componentstatuses/nope")
    assert status == 404 and body["message"] == 'componentstatus "nope" not found'
    assert headers.getall("Warning") == DEPRECATED
    status, body, _ = await api.get("/api/v1/componentstatuses", params={"fieldSelector": "metadata.name=etcd-0"})
    assert [i["metadata"]["name"] for i in body["items"]] == ["etcd-0"]
    status, body, _ = await api.get("/api/v1/componentstatuses", params={"labelSelector": "a=b"})
    assert status == 200 and body["items"] == []
    status, body, headers = await api.get("/api/v1/componentstatuses", params={"watch": "1"})
    assert status == 405 and body["message"] == 'watch is not supported on resources of kind "componentstatuses"'
    assert headers.getall("Warning") == DEPRECATED
    status, body, headers = await api.post("/api/v1/componentstatuses", {})
    assert status == 405 and "Warning" not in headers
    status, _, _ = await api.get("/api/v1/watch/componentstatuses")
    assert status == 404


#: GET /api/v1/componentstatuses/etcd-0 as protobuf, from a kube-apiserver 1.36.2 with a healthy etcd
KUBE_ETCD_0_PB = bytes.fromhex(
    "6b3873000a150a027631120f436f6d706f6e656e74537461747573122f0a160a06657463642d3012001a0022002a0032003800420012"
    "150a074865616c7468791204547275651a026f6b22001a002200"
)


async def test_componentstatuses_table_and_protobuf(api: API, http_session: aiohttp.ClientSession) -> None:
    table = "application/json;as=Table;v=v1;g=meta.k8s.io"
    status, body, _ = await api.get("/api/v1/componentstatuses/etcd-0", headers={"Accept": table})
    assert status == 200 and [c["name"] for c in body["columnDefinitions"]] == ["Name", "Status", "Message", "Error"]
    assert body["rows"][0]["cells"] == ["etcd-0", "Healthy", "ok", ""]
    pb = {"Accept": "application/vnd.kubernetes.protobuf"}
    async with http_session.get(f"{api.base}/api/v1/componentstatuses/etcd-0", headers=pb) as resp:
        assert resp.status == 200 and resp.headers["Content-Type"] == "application/vnd.kubernetes.protobuf"
        assert await resp.read() == KUBE_ETCD_0_PB


def _self_signed() -> tuple[str, str]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(1).not_valid_before(now).not_valid_after(now + datetime.timedelta(days=1))
            .sign(key, hashes.SHA256()))  # fmt: skip
    folder = Path(tempfile.mkdtemp(prefix="cs-tls-"))
    (folder / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (folder / "key.pem").write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                       serialization.NoEncryption()))  # fmt: skip
    return str(folder / "cert.pem"), str(folder / "key.pem")


@pytest.mark.parametrize(("answer", "condition"), [
    (b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", {"type": "Healthy", "status": "True", "message": "ok"}),
    (b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 4\r\n\r\nsick",
     {"type": "Healthy", "status": "False", "message": "HTTP probe failed with statuscode: 500"}),
])  # fmt: skip
async def test_a_healthz_that_answers_is_probed_over_tls(answer: bytes, condition: dict) -> None:
    """kube's HTTP prober: TLS without verification, 2xx healthy with the body, other codes unhealthy."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*_self_signed())
    requests: list[bytes] = []

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        requests.append(await reader.readuntil(b"\r\n\r\n"))
        writer.write(answer)
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0, ssl=context)
    port = server.sockets[0].getsockname()[1]
    try:
        assert await probe_https(port) == condition
    finally:
        server.close()
        await server.wait_closed()
    assert requests[0].startswith(b"GET /healthz HTTP/1.1\r\n")
