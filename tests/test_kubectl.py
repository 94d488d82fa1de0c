"""The real kubectl against a live aiokube server: every command users reach for, output checked."""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import socket
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from aiokube.apiserver.server import APIServer
from tests.conftest import API, KUBECTL, run_cmd

pytestmark = pytest.mark.skipif(not os.path.exists(KUBECTL), reason=f"kubectl not found at {KUBECTL}")


@pytest.fixture(scope="module")
def kube_cache() -> Iterator[str]:
    path = tempfile.mkdtemp(prefix="kubectl-cache-")
    yield path
    shutil.rmtree(path, ignore_errors=True)


class Kubectl:
    def __init__(self, server: APIServer, cache: str, namespace: str) -> None:
        self.base = [KUBECTL, "--server", server.url, "--cache-dir", cache]
        self.namespace = namespace

    async def __call__(self, *args: str, stdin: str | None = None, ok: bool = True, ns: bool = True) -> str:
        argv = [*self.base, *(["-n", self.namespace] if ns else []), *args]
        code, out, err = await run_cmd(*argv, input_data=stdin.encode() if stdin is not None else None)
        if ok:
            assert code == 0, f"kubectl {' '.join(args)} failed: {err}"
            return out
        assert code != 0, f"kubectl {' '.join(args)} should have failed: {out}"
        return err

    async def json(self, *args: str) -> dict:
        return json.loads(await self(*args, "-o", "json"))


@pytest.fixture
async def kubectl(server: APIServer, kube_cache: str, ns: str) -> Kubectl:
    return Kubectl(server, kube_cache, ns)


def deployment(name: str, image: str = "nginx:1.25", replicas: int = 1) -> dict:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "labels": {"app": name}},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {"containers": [{"name": "web", "image": image, "ports": [{"containerPort": 80}]}]},
            },
        },
    }


def table(out: str) -> list[list[str]]:
    return [line.split() for line in out.strip().splitlines()]


def columns(out: str) -> list[dict[str, str]]:
    """kubectl's table rows by header, cut at the header's column starts (cells may hold spaces)."""
    header, *lines = out.rstrip("\n").splitlines()
    names = re.split(r"\s{2,}", header.strip())  # tabwriter pads with 3 spaces; "NOMINATED NODE" has one
    starts = [header.index(name) for name in names]
    ends = [*starts[1:], None]
    return [{n: line[a:b].strip() for n, a, b in zip(names, starts, ends, strict=True)} for line in lines]


async def test_get_tables_wide_name_json_yaml(kubectl: Kubectl) -> None:
    await kubectl("create", "configmap", "cm1", "--from-literal=a=b", "--from-literal=c=d")
    await kubectl("create", "deployment", "web", "--image=nginx:1.25", "--replicas=2")
    rows = table(await kubectl("get", "configmaps"))
    assert rows[0] == ["NAME", "DATA", "AGE"]
    assert ["cm1", "2"] == rows[[r[0] for r in rows].index("cm1")][:2]
    rows = table(await kubectl("get", "deployments"))
    assert rows[0] == ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"]
    assert rows[1][:4] == ["web", "0/2", "0", "0"]
    wide = table(await kubectl("get", "deployments", "-o", "wide"))
    assert wide[0] == ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE", "CONTAINERS", "IMAGES", "SELECTOR"]
    assert wide[1][5:] == ["nginx", "nginx:1.25", "app=web"]
    assert (await kubectl("get", "deployments", "-o", "name")).strip() == "deployment.apps/web"
    obj = await kubectl.json("get", "deployment", "web")
    assert obj["spec"]["replicas"] == 2 and obj["metadata"]["generation"] == 1
    assert obj["spec"]["strategy"]["type"] == "RollingUpdate"  # kube's defaults
    doc = yaml.safe_load(await kubectl("get", "configmap", "cm1", "-o", "yaml"))
    assert doc["data"] == {"a": "b", "c": "d"}


async def test_pods_table_and_defaults(kubectl: Kubectl) -> None:
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p1", "labels": {"app": "x"}},
           "spec": {"containers": [{"name": "c", "image": "busybox:1.36", "command": ["sleep", "3600"]}]}}  # fmt: skip
    await kubectl("create", "-f", "-", stdin=json.dumps(pod))
    rows = table(await kubectl("get", "pods"))
    assert rows[0] == ["NAME", "READY", "STATUS", "RESTARTS", "AGE"]
    assert rows[1][:4] == ["p1", "0/1", "Pending", "0"]
    (wide,) = columns(await kubectl("get", "pods", "-o", "wide"))
    assert list(wide)[5:] == ["IP", "NODE", "NOMINATED NODE", "READINESS GATES"]
    assert (wide["NAME"], wide["IP"], wide["NODE"], wide["READINESS GATES"]) == ("p1", "<none>", "<none>", "<none>")
    got = await kubectl.json("get", "pod", "p1")
    spec = got["spec"]
    assert spec["restartPolicy"] == "Always" and spec["dnsPolicy"] == "ClusterFirst"
    assert spec["terminationGracePeriodSeconds"] == 30 and spec["serviceAccountName"] == "default"
    assert spec["containers"][0]["imagePullPolicy"] == "IfNotPresent"
    assert got["status"]["qosClass"] == "BestEffort"


async def test_apply_twice_label_annotate_patch_scale_replace(kubectl: Kubectl, tmp_path: Path) -> None:
    manifest = tmp_path / "web.yaml"
    manifest.write_text(yaml.safe_dump(deployment("web")))
    assert (await kubectl("apply", "-f", str(manifest))).strip() == "deployment.apps/web created"
    first = await kubectl.json("get", "deployment", "web")
    assert "kubectl.kubernetes.io/last-applied-configuration" in first["metadata"]["annotations"]
    manifest.write_text(yaml.safe_dump(deployment("web", image="nginx:1.27", replicas=3)))
    assert (await kubectl("apply", "-f", str(manifest))).strip() == "deployment.apps/web configured"
    second = await kubectl.json("get", "deployment", "web")
    assert second["spec"]["replicas"] == 3
    assert second["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.27"
    assert second["metadata"]["generation"] == 2
    assert (await kubectl("apply", "-f", str(manifest))).strip() == "deployment.apps/web unchanged"

    assert (await kubectl("label", "deployment", "web", "tier=front")).strip() == "deployment.apps/web labeled"
    assert (await kubectl("annotate", "deployment", "web", "owner=me")).strip() == "deployment.apps/web annotated"
    got = await kubectl.json("get", "deployment", "web")
    assert got["metadata"]["labels"]["tier"] == "front" and got["metadata"]["annotations"]["owner"] == "me"

    # strategic merge: containers merge by name, so the sidecar is added and web keeps its image
    patch = {"spec": {"template": {"spec": {"containers": [{"name": "sidecar", "image": "busybox"}]}}}}
    assert "patched" in await kubectl("patch", "deployment", "web", "-p", json.dumps(patch))
    containers = (await kubectl.json("get", "deployment", "web"))["spec"]["template"]["spec"]["containers"]
    assert {c["name"]: c["image"] for c in containers} == {"web": "nginx:1.27", "sidecar": "busybox"}
    await kubectl("patch", "deployment", "web", "--type=merge", "-p", '{"metadata":{"labels":{"tier":null}}}')
    ops = [
        {"op": "test", "path": "/spec/replicas", "value": 3},
        {"op": "replace", "path": "/spec/replicas", "value": 4},
    ]

    await kubectl("patch", "deployment", "web", "--type=json", "-p", json.dumps(ops))
    got = await kubectl.json("get", "deployment", "web")
    assert "tier" not in got["metadata"]["labels"] and got["spec"]["replicas"] == 4
    err = await kubectl("patch", "deployment", "web", "--type=json", "-p",
                        '[{"op":"test","path":"/spec/replicas","value":9}]', ok=False)  # fmt: skip
    # kube answers a failed test op with a generic 422 (the op's error is in details.causes)
    assert "The request is invalid: the server rejected our request due to an error in our request" in err

    assert (await kubectl("scale", "deployment", "web", "--replicas=5")).strip() == "deployment.apps/web scaled"
    assert (await kubectl.json("get", "deployment", "web"))["spec"]["replicas"] == 5

    got = await kubectl.json("get", "deployment", "web")  # an edit-style replace
    got["spec"]["template"]["spec"]["containers"][0]["image"] = "nginx:1.28"
    assert (await kubectl("replace", "-f", "-", stdin=json.dumps(got))).strip() == "deployment.apps/web replaced"
    got["metadata"]["resourceVersion"] = "1"
    assert "the object has been modified" in await kubectl("replace", "-f", "-", stdin=json.dumps(got), ok=False)


async def test_server_side_apply_conflict_and_force(kubectl: Kubectl, tmp_path: Path) -> None:
    manifest = tmp_path / "ssa.yaml"
    manifest.write_text(yaml.safe_dump(deployment("ssa", replicas=2)))
    await kubectl("apply", "--server-side", "--field-manager=alice", "-f", str(manifest))
    got = await kubectl.json("get", "deployment", "ssa", "--show-managed-fields")
    assert any(m["manager"] == "alice" and m["operation"] == "Apply" for m in got["metadata"]["managedFields"])
    manifest.write_text(yaml.safe_dump(deployment("ssa", replicas=7)))
    err = await kubectl("apply", "--server-side", "--field-manager=bob", "-f", str(manifest), ok=False)
    assert "conflict" in err.lower() and "alice" in err and ".spec.replicas" in err
    await kubectl("apply", "--server-side", "--field-manager=bob", "--force-conflicts", "-f", str(manifest))
    got = await kubectl.json("get", "deployment", "ssa", "--show-managed-fields")
    assert got["spec"]["replicas"] == 7
    owners = {m["manager"] for m in got["metadata"]["managedFields"]}
    assert "bob" in owners


async def test_selectors_delete_by_label_and_api_resources(kubectl: Kubectl) -> None:
    for i in range(3):
        await kubectl("create", "configmap", f"sel{i}", f"--from-literal=i={i}")
        await kubectl("label", "configmap", f"sel{i}", f"group={'even' if i % 2 == 0 else 'odd'}")
    assert table(await kubectl("get", "cm", "-l", "group=even", "-o", "name")) == [
        ["configmap/sel0"], ["configmap/sel2"],
    ]  # fmt: skip
    assert table(await kubectl("get", "cm", "--field-selector", "metadata.name=sel1", "-o", "name")) == [
        ["configmap/sel1"]
    ]
    out = await kubectl("delete", "cm", "-l", "group=even")
    assert sorted(out.split("\n")[:2]) == ['configmap "sel0" deleted', 'configmap "sel2" deleted']
    assert table(await kubectl("get", "cm", "-l", "group", "-o", "name")) == [["configmap/sel1"]]
    resources = table(await kubectl("api-resources", ns=False))
    assert resources[0][:3] == ["NAME", "SHORTNAMES", "APIVERSION"]
    names = {r[0] for r in resources[1:]}
    assert {"pods", "deployments", "configmaps", "customresourcedefinitions", "leases"} <= names


async def test_get_all(kubectl: Kubectl) -> None:
    await kubectl("create", "deployment", "allweb", "--image=nginx")
    await kubectl("create", "service", "clusterip", "allsvc", "--tcp=80:80")
    out = await kubectl("get", "all")
    assert "deployment.apps/allweb" in out and "service/allsvc" in out


async def test_get_pods_watch_sees_update(kubectl: Kubectl, api: API, ns: str) -> None:
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "watched"},
           "spec": {"containers": [{"name": "c", "image": "busybox"}]}}  # fmt: skip
    await kubectl("create", "-f", "-", stdin=json.dumps(pod))
    proc = await asyncio.create_subprocess_exec(
        *kubectl.base, "-n", ns, "get", "pods", "-w", stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    assert proc.stdout is not None
    lines = [await asyncio.wait_for(proc.stdout.readline(), 20) for _ in range(2)]
    assert lines[0].split()[0] == b"NAME" and lines[1].split()[0] == b"watched"
    await asyncio.sleep(0.3)
    _, cur, _ = await api.get(f"/api/v1/namespaces/{ns}/pods/watched")
    cur["status"]["phase"] = "Running"
    status, _, _ = await api.put(f"/api/v1/namespaces/{ns}/pods/watched/status", cur)
    assert status == 200
    line = await asyncio.wait_for(proc.stdout.readline(), 20)
    assert line.split()[:3] == [b"watched", b"0/1", b"Running"]
    proc.kill()
    await proc.wait()


async def test_delete_namespace_returns(server: APIServer, kube_cache: str) -> None:
    name = f"gone-{uuid.uuid4().hex[:6]}"
    k = Kubectl(server, kube_cache, name)
    await k("create", "namespace", name, ns=False)
    await k("create", "configmap", "x", "--from-literal=a=b")
    out = await k("delete", "namespace", name, "--timeout=30s", ns=False)
    assert out.strip() == f'namespace "{name}" deleted'
    assert "not found" in await k("get", "namespace", name, ns=False, ok=False)


CRD = {
    "apiVersion": "apiextensions.k8s.io/v1",
    "kind": "CustomResourceDefinition",
    "metadata": {"name": "crontabs.stable.example.com"},
    "spec": {
        "group": "stable.example.com",
        "scope": "Namespaced",
        "names": {"plural": "crontabs", "singular": "crontab", "kind": "CronTab", "shortNames": ["ct"]},
        "versions": [
            {
                "name": "v1",
                "served": True,
                "storage": True,
                "schema": {
                    "openAPIV3Schema": {
                        "type": "object",
                        "properties": {
                            "spec": {
                                "type": "object",
                                "required": ["cronSpec"],
                                "properties": {
                                    "cronSpec": {"type": "string", "pattern": "^[0-9*/ ,-]+$"},
                                    "image": {"type": "string"},
                                    "replicas": {"type": "integer", "minimum": 1, "maximum": 10, "default": 1},
                                },
                            },
                            "status": {"type": "object", "properties": {"replicas": {"type": "integer"}}},
                        },
                    }
                },
                "subresources": {
                    "status": {},
                    "scale": {"specReplicasPath": ".spec.replicas", "statusReplicasPath": ".status.replicas"},
                },
                "additionalPrinterColumns": [
                    {"name": "Spec", "type": "string", "jsonPath": ".spec.cronSpec"},
                    {"name": "Replicas", "type": "integer", "jsonPath": ".spec.replicas"},
                    {"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"},
                ],
            }
        ],
    },
}


async def test_crd_lifecycle(kubectl: Kubectl, api: API, ns: str) -> None:
    crd = json.loads(json.dumps(CRD))
    suffix = uuid.uuid4().hex[:6]
    crd["spec"]["group"] = group = f"stable{suffix}.example.com"
    crd["metadata"]["name"] = f"crontabs.{group}"
    crd["spec"]["names"]["shortNames"] = [f"ct{suffix}"]
    await kubectl("apply", "-f", "-", stdin=json.dumps(crd), ns=False)
    for _ in range(50):
        _, got, _ = await api.get(f"/apis/apiextensions.k8s.io/v1/customresourcedefinitions/crontabs.{group}")
        conds = {c["type"]: c["status"] for c in (got.get("status") or {}).get("conditions", [])}
        if conds.get("Established") == "True":
            break
        await asyncio.sleep(0.1)
    assert conds == {"NamesAccepted": "True", "Established": "True"}
    # kube's crdregistration controller: an APIService for the CRD's group version, kept in sync (made right
    # after the CRD is established, Available a moment later: poll, as a client would)
    for _ in range(50):
        status, api_service, _ = await api.get(f"/apis/apiregistration.k8s.io/v1/apiservices/v1.{group}")
        if status == 200 and (api_service.get("status") or {}).get("conditions"):
            break
        await asyncio.sleep(0.1)
    assert status == 200 and api_service["spec"] == {"group": group, "version": "v1", "groupPriorityMinimum": 1000,
                                                     "versionPriority": 100}  # fmt: skip
    assert api_service["metadata"]["labels"] == {"kube-aggregator.kubernetes.io/automanaged": "true"}
    assert api_service["status"]["conditions"][0]["reason"] == "Local"
    cr = {"apiVersion": f"{group}/v1", "kind": "CronTab", "metadata": {"name": "job1"},
          "spec": {"cronSpec": "*/5 * * * *", "image": "busybox"}}  # fmt: skip
    await kubectl("apply", "-f", "-", stdin=json.dumps(cr))
    (row,) = columns(await kubectl("get", f"crontabs.{group}"))
    assert list(row) == ["NAME", "SPEC", "REPLICAS", "AGE"]
    assert (row["NAME"], row["SPEC"], row["REPLICAS"]) == ("job1", "*/5 * * * *", "1")
    assert row["AGE"][-1] == "s" and row["AGE"][:-1].isdigit()
    obj = await kubectl.json("get", f"ct{suffix}", "job1")
    assert obj["spec"]["replicas"] == 1  # defaulted from the schema
    bad = {**cr, "metadata": {"name": "bad"}, "spec": {"cronSpec": "x", "replicas": 20}}
    err = await kubectl("apply", "-f", "-", stdin=json.dumps(bad), ok=False)
    assert "is invalid" in err and "spec.replicas" in err
    await kubectl("scale", f"crontabs.{group}", "job1", "--replicas=3")
    assert (await kubectl.json("get", f"crontabs.{group}", "job1"))["spec"]["replicas"] == 3
    await kubectl("delete", "crd", f"crontabs.{group}", ns=False)
    assert await api.gone(f"/apis/{group}/v1/namespaces/{ns}/crontabs")
    assert await api.gone(f"/apis/apiregistration.k8s.io/v1/apiservices/v1.{group}")


async def test_kubectl_drain_cordons_and_evicts(kubectl: Kubectl, api: API, ns: str) -> None:
    """kubectl drain: cordon (PATCH), list the node's pods (field selector), evict each (pods/eviction, with
    DeleteOptions), wait until they are gone (budgets: tests/test_eviction.py)."""
    node = f"drain-{uuid.uuid4().hex[:6]}"
    await api.post("/api/v1/nodes", {"metadata": {"name": node}})
    await api.post(f"/api/v1/namespaces/{ns}/serviceaccounts", {"metadata": {"name": "default"}})
    for name in ("p1", "p2"):
        pod = {"metadata": {"name": name}, "spec": {"nodeName": node, "containers": [{"name": "c", "image": "b"}]}}
        status, body, _ = await api.post(f"/api/v1/namespaces/{ns}/pods", pod)
        assert status == 201, body
    out = await kubectl("drain", node, "--force", "--ignore-daemonsets", "--grace-period=0", "--timeout=30s", ns=False)
    assert f"node/{node} cordoned" in out and "pod/p1 evicted" in out and f"node/{node} drained" in out
    _, got, _ = await api.get(f"/api/v1/nodes/{node}")
    assert got["spec"]["unschedulable"] is True
    _, pods, _ = await api.get(f"/api/v1/namespaces/{ns}/pods")
    assert pods["items"] == []
    await api.delete(f"/api/v1/nodes/{node}")


_CAPTURES = Path(__file__).parent / "fixtures" / "kube-1.36"
_API_RESOURCE_COLUMNS = ["NAME", "SHORTNAMES", "APIVERSION", "NAMESPACED", "KIND", "VERBS", "CATEGORIES"]


def _api_resource_rows(printed: str) -> list[list[str]]:
    """The cells of ``kubectl api-resources -o wide`` output, cut at its header's column starts."""
    lines = printed.splitlines()
    starts = [lines[0].index(c) for c in _API_RESOURCE_COLUMNS] + [None]
    return [[line[starts[i] : starts[i + 1]].strip() for i in range(len(_API_RESOURCE_COLUMNS))] for line in lines[1:]]


async def test_kubectl_api_resources_prints_what_it_prints_against_kube(kubectl: Kubectl) -> None:
    """Compared with what the same kubectl printed against the reference kube-apiserver 1.36 (captured:
    ``kubectl_api_resources_wide.txt``, ``kubectl_api_versions.txt``). Custom resources of other tests may be
    listed too: built-in groups' rows are compared (and, alone, the text is the capture's)."""
    expected_text = (_CAPTURES / "kubectl_api_resources_wide.txt").read_text()
    expected = _api_resource_rows(expected_text)
    out = await kubectl("api-resources", "-o", "wide", ns=False)
    ours = _api_resource_rows(out)
    builtin_groups = {row[2] for row in expected}
    assert [row for row in ours if row[2] in builtin_groups] == expected
    if len(ours) == len(expected):
        assert out == expected_text
    kube_versions = (_CAPTURES / "kubectl_api_versions.txt").read_text().split()
    versions = (await kubectl("api-versions", ns=False)).split()
    builtin = {k.split("/")[0] for k in kube_versions}
    assert [v for v in versions if v.split("/")[0] in builtin] == kube_versions


async def test_kubectl_logs_exec_attach_port_forward_without_a_host(kubectl: Kubectl, api: API, ns: str) -> None:
    """What kubectl prints against kube 1.36 for a pod no scheduler placed (captured from a real one)."""
    await api.post(f"/api/v1/namespaces/{ns}/serviceaccounts", {"metadata": {"name": "default"}})
    await kubectl("run", "web", "--image=busybox")
    assert await kubectl("logs", "web") == ""  # kube answers 204: no node, no log yet
    no_host = "Error from server (BadRequest): pod web does not have a host assigned\n"
    assert await kubectl("exec", "web", "--", "ls", ok=False) == no_host
    assert (await kubectl("attach", "web", ok=False)).endswith(no_host)
    err = await kubectl("port-forward", "web", "8080", ok=False)
    assert err == "error: unable to forward port because pod is not running. Current status=Pending\n"
    two = [{"name": "a", "image": "b"}, {"name": "c", "image": "d"}]
    pod = {"metadata": {"name": "two"}, "spec": {"containers": two}}
    await api.post(f"/api/v1/namespaces/{ns}/pods", pod)
    assert await kubectl("exec", "two", "-c", "zz", "--", "ls", ok=False) == (
        "Error from server (BadRequest): container zz is not valid for pod two\n"
    )


async def test_kubectl_against_a_pod_whose_kubelet_is_unreachable(kubectl: Kubectl, api: API, ns: str) -> None:
    """The pod's node lists a loopback kubelet port where nothing listens: kube's dial errors, as kubectl prints
    them (exec and attach go over a v5 WebSocket, which kube translates, so the error arrives in-stream)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    node = f"{ns}-node"
    await api.post("/api/v1/nodes", {"metadata": {"name": node}, "status": {
        "addresses": [{"type": "InternalIP", "address": "127.0.0.1"}],
        "daemonEndpoints": {"kubeletEndpoint": {"Port": port}}}})  # fmt: skip
    await api.post(f"/api/v1/namespaces/{ns}/serviceaccounts", {"metadata": {"name": "default"}})
    pod = {"metadata": {"name": "web"}, "spec": {"nodeName": node, "containers": [{"name": "c", "image": "b"}]}}
    await api.post(f"/api/v1/namespaces/{ns}/pods", pod)
    kubelet, refused = f"https://127.0.0.1:{port}", f"dial tcp 127.0.0.1:{port}: connect: connection refused"
    assert await kubectl("logs", "web", ok=False) == (
        f'Error from server: Get "{kubelet}/containerLogs/{ns}/web/c": {refused}\n'
    )
    assert await kubectl("exec", "web", "--", "ls", ok=False) == (
        f'error: Internal error occurred: error sending request: Post "{kubelet}/exec/{ns}/web/c?command=ls&error=1'
        f'&output=1": {refused}\n'
    )
    status, body, _ = await api.request("PATCH", f"/api/v1/namespaces/{ns}/pods/web/status",
                                        {"status": {"phase": "Running"}},
                                        headers={"Content-Type": "application/merge-patch+json"})  # fmt: skip
    assert status == 200, body
    err = await kubectl("port-forward", "web", "8080", ok=False)
    assert err.endswith(f"error: error upgrading connection: error dialing backend: {refused}\n")
    await api.delete(f"/api/v1/nodes/{node}")


async def test_kubectl_get_componentstatuses(server: APIServer, kube_cache: str) -> None:
    code, out, err = await run_cmd(KUBECTL, "--server", server.url, "--cache-dir", kube_cache, "get", "cs")
    assert code == 0 and err == "Warning: v1 ComponentStatus is deprecated in v1.19+\n"
    rows = {row["NAME"]: row for row in columns(out)}
    assert list(next(iter(rows.values()))) == ["NAME", "STATUS", "MESSAGE", "ERROR"]
    assert rows["etcd-0"]["STATUS"] == "Healthy" and rows["etcd-0"]["MESSAGE"] == "ok"
    assert rows["scheduler"]["STATUS"] == "Unhealthy"
    assert rows["scheduler"]["MESSAGE"].startswith('Get "https://127.0.0.1:10259/healthz": dial tcp 127.0.0.1:10259')


async def test_kubectl_debug_adds_an_ephemeral_container(kubectl: Kubectl, api: API, ns: str) -> None:
    """kubectl debug patches pods/NAME/ephemeralcontainers; without a kubelet the container never starts, but the
    pod gets it, as with kube."""
    await api.post(f"/api/v1/namespaces/{ns}/serviceaccounts", {"metadata": {"name": "default"}})
    await kubectl("run", "web", "--image=busybox")
    out = await kubectl("debug", "web", "--image=busybox", "--profile=general")
    name = re.fullmatch(r"Defaulting debug container name to (debugger-[a-z0-9]{5})\.\n", out)
    assert name is not None, out
    pod = await kubectl.json("get", "pod", "web")
    (container,) = pod["spec"]["ephemeralContainers"]
    assert container["name"] == name.group(1) and container["image"] == "busybox"
    assert pod["metadata"]["generation"] == 2
