"""Real clients, unmodified: /usr/bin/kubectl and the official ``kubernetes`` Python client."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import tempfile

import pytest

from apiserver.server import APIServer
from tests.conftest import API, KUBECTL, run_cmd

pytestmark = pytest.mark.skipif(not os.path.exists(KUBECTL), reason=f"kubectl not found at {KUBECTL}")


@pytest.fixture(scope="module")
def kube_cache() -> str:
    path = tempfile.mkdtemp(prefix="kubectl-cache-")
    yield path
    shutil.rmtree(path, ignore_errors=True)


async def kubectl(server: APIServer, cache: str, *args: str, stdin: bytes | None = None) -> tuple[int, str, str]:
    return await run_cmd(KUBECTL, "--server", server.url, "--cache-dir", cache, *args, input_data=stdin)


async def test_kubectl_get_ns_lists_default_namespaces(server: APIServer, kube_cache: str) -> None:
    code, out, err = await kubectl(server, kube_cache, "get", "ns")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].split()[0] == "NAME"
    names = {line.split()[0] for line in lines[1:]}
    assert {"default", "kube-system", "kube-public", "kube-node-lease"} <= names


async def test_kubectl_configmap_create_get_replace_delete(
    server: APIServer, kube_cache: str, ns: str, tmp_path
) -> None:
    manifest = tmp_path / "cm.json"
    cm = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "kcm", "namespace": ns}, "data": {"a": "b"}}
    manifest.write_text(json.dumps(cm))
    code, out, err = await kubectl(server, kube_cache, "create", "-f", str(manifest))
    assert code == 0, err
    assert out.strip() == "configmap/kcm created"

    code, out, err = await kubectl(server, kube_cache, "get", "configmap", "kcm", "-n", ns, "-o", "json")
    assert code == 0, err
    got = json.loads(out)
    assert got["data"] == {"a": "b"} and got["metadata"]["namespace"] == ns and got["metadata"]["uid"]
    rv = int(got["metadata"]["resourceVersion"])

    cm["data"] = {"a": "c"}
    manifest.write_text(json.dumps(cm))
    code, out, err = await kubectl(server, kube_cache, "replace", "-f", str(manifest))
    assert code == 0, err
    assert out.strip() == "configmap/kcm replaced"
    code, out, err = await kubectl(server, kube_cache, "get", "cm", "kcm", "-n", ns, "-o", "json")
    replaced = json.loads(out)
    assert replaced["data"] == {"a": "c"} and int(replaced["metadata"]["resourceVersion"]) > rv

    # a second create is refused with kube's AlreadyExists error
    code, out, err = await kubectl(server, kube_cache, "create", "-f", str(manifest))
    assert code != 0 and 'configmaps "kcm" already exists' in err

    code, out, err = await kubectl(server, kube_cache, "delete", "configmap", "kcm", "-n", ns)
    assert code == 0, err
    assert out.strip() == 'configmap "kcm" deleted'
    code, out, err = await kubectl(server, kube_cache, "get", "configmap", "kcm", "-n", ns)
    assert code != 0 and 'configmaps "kcm" not found' in err


async def test_kubectl_get_reports_server_errors(server: APIServer, kube_cache: str, ns: str, tmp_path) -> None:
    manifest = tmp_path / "bad.yaml"
    manifest.write_text(f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: Bad_Name\n  namespace: {ns}\n")
    code, _, err = await kubectl(server, kube_cache, "create", "-f", str(manifest))
    assert code != 0 and 'ConfigMap "Bad_Name" is invalid' in err


def _python_client(server: APIServer):
    from kubernetes import client

    cfg = client.Configuration()
    cfg.host = server.url
    return client.ApiClient(cfg)


async def test_python_client_configmap_and_deployment(server: APIServer, ns: str, api: API) -> None:
    from kubernetes import client
    from kubernetes.client.rest import ApiException

    def scenario() -> dict:
        with _python_client(server) as api_client:
            core = client.CoreV1Api(api_client)
            apps = client.AppsV1Api(api_client)
            cm = core.create_namespaced_config_map(
                ns, client.V1ConfigMap(metadata=client.V1ObjectMeta(name="pycm"), data={"k": "v"})
            )
            read = core.read_namespaced_config_map("pycm", ns)
            listed = core.list_namespaced_config_map(ns)
            dep = apps.create_namespaced_deployment(
                ns,
                client.V1Deployment(
                    metadata=client.V1ObjectMeta(name="pydep"),
                    spec=client.V1DeploymentSpec(
                        replicas=2,
                        selector=client.V1LabelSelector(match_labels={"app": "py"}),
                        template=client.V1PodTemplateSpec(
                            metadata=client.V1ObjectMeta(labels={"app": "py"}),
                            spec=client.V1PodSpec(containers=[client.V1Container(name="c", image="nginx")]),
                        ),
                    ),
                ),
            )
            dep_read = apps.read_namespaced_deployment("pydep", ns)
            deps = apps.list_namespaced_deployment(ns)
            core.delete_namespaced_config_map("pycm", ns)
            apps.delete_namespaced_deployment("pydep", ns)
            try:
                core.read_namespaced_config_map("pycm", ns)
                missing = None
            except ApiException as exc:
                missing = exc.status
            return {
                "cm_uid": cm.metadata.uid,
                "read_data": read.data,
                "read_uid": read.metadata.uid,
                "listed": [i.metadata.name for i in listed.items],
                "dep_gen": dep.metadata.generation,
                "dep_replicas": dep_read.spec.replicas,
                "deps": [d.metadata.name for d in deps.items],
                "missing": missing,
            }

    result = await asyncio.to_thread(scenario)
    assert result["read_data"] == {"k": "v"} and result["read_uid"] == result["cm_uid"]
    assert result["listed"] == ["pycm"]
    assert result["dep_gen"] == 1 and result["dep_replicas"] == 2 and result["deps"] == ["pydep"]
    assert result["missing"] == 404
    status, _, _ = await api.get(f"/apis/apps/v1/namespaces/{ns}/deployments/pydep")
    assert status == 404
