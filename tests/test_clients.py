"""Real clients, unmodified: /usr/bin/kubectl and the official ``kubernetes`` Python client."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import tempfile
import time

import pytest

from aiokube.apiserver.server import APIServer
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


async def test_python_client_strategic_patch_status_and_scale(server: APIServer, ns: str) -> None:
    """patch_namespaced_deployment sends a strategic merge patch (the client's choice for a dict body)."""
    from kubernetes import client

    def scenario() -> dict:
        with _python_client(server) as api_client:
            apps = client.AppsV1Api(api_client)
            template = client.V1PodTemplateSpec(
                metadata=client.V1ObjectMeta(labels={"app": "sp"}),
                spec=client.V1PodSpec(
                    containers=[
                        client.V1Container(name="web", image="nginx:1.25", env=[client.V1EnvVar(name="A", value="1")])
                    ]
                ),
            )
            apps.create_namespaced_deployment(
                ns,
                client.V1Deployment(
                    metadata=client.V1ObjectMeta(name="sp"),
                    spec=client.V1DeploymentSpec(
                        selector=client.V1LabelSelector(match_labels={"app": "sp"}), template=template
                    ),
                ),
            )
            patch = {
                "spec": {"template": {"spec": {"containers": [{"name": "web", "env": [{"name": "B", "value": "2"}]}]}}}
            }
            patched = apps.patch_namespaced_deployment("sp", ns, patch)
            scaled = apps.patch_namespaced_deployment_scale("sp", ns, {"spec": {"replicas": 4}})
            status = apps.patch_namespaced_deployment_status("sp", ns, {"status": {"observedGeneration": 7}})
            final = apps.read_namespaced_deployment("sp", ns)
            container = patched.spec.template.spec.containers[0]
            return {
                "image": container.image,
                "env": [(e.name, e.value) for e in container.env],
                "scale": scaled.spec.replicas,
                "status_gen": status.status.observed_generation,
                "replicas": final.spec.replicas,
                "generation": final.metadata.generation,
            }

    result = await asyncio.to_thread(scenario)
    # env merges by name (the new entry first, as kube's strategic merge orders it), the image is kept
    assert result["image"] == "nginx:1.25" and sorted(result["env"]) == [("A", "1"), ("B", "2")]
    assert result["scale"] == 4 and result["replicas"] == 4
    assert result["status_gen"] == 7
    assert result["generation"] == 3  # the template patch and the scale; the status patch does not count


async def test_python_client_custom_objects(server: APIServer, ns: str, api: API) -> None:
    """CustomObjectsApi CRUD, merge patch, status and scale against a CRD registered through the client."""
    from kubernetes import client
    from kubernetes.client.rest import ApiException

    group = f"py{ns[-6:]}.example.com"
    crd = {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": f"gadgets.{group}"},
        "spec": {
            "group": group,
            "scope": "Namespaced",
            "names": {"plural": "gadgets", "singular": "gadget", "kind": "Gadget", "listKind": "GadgetList"},
            "versions": [
                {
                    "name": "v1",
                    "served": True,
                    "storage": True,
                    "subresources": {
                        "status": {},
                        "scale": {"specReplicasPath": ".spec.replicas", "statusReplicasPath": ".status.replicas"},
                    },
                    "schema": {
                        "openAPIV3Schema": {
                            "type": "object",
                            "properties": {
                                "spec": {
                                    "type": "object",
                                    "required": ["size"],
                                    "properties": {
                                        "size": {"type": "string", "enum": ["S", "M", "L"]},
                                        "replicas": {"type": "integer", "minimum": 0, "default": 1},
                                    },
                                },
                                "status": {"type": "object", "properties": {"replicas": {"type": "integer"}}},
                            },
                        }
                    },
                }
            ],
        },
    }

    def scenario() -> dict:
        with _python_client(server) as api_client:
            ext = client.ApiextensionsV1Api(api_client)
            ext.create_custom_resource_definition(crd)
            custom = client.CustomObjectsApi(api_client)
            body = {"apiVersion": f"{group}/v1", "kind": "Gadget", "metadata": {"name": "g1"}, "spec": {"size": "M"}}
            for _ in range(100):  # established asynchronously, as in kube
                try:
                    created = custom.create_namespaced_custom_object(group, "v1", ns, "gadgets", body)
                    break
                except ApiException as exc:
                    if exc.status != 404:
                        raise
                    time.sleep(0.05)
            try:
                bad = {**body, "metadata": {"name": "g2"}, "spec": {"size": "XL"}}
                custom.create_namespaced_custom_object(group, "v1", ns, "gadgets", bad)
                invalid = None
            except ApiException as exc:
                invalid = (exc.status, json.loads(exc.body))
            patched = custom.patch_namespaced_custom_object(group, "v1", ns, "gadgets", "g1", {"spec": {"size": "L"}})
            status = custom.patch_namespaced_custom_object_status(
                group, "v1", ns, "gadgets", "g1", {"status": {"replicas": 2}}
            )
            scale = custom.patch_namespaced_custom_object_scale(
                group, "v1", ns, "gadgets", "g1", {"spec": {"replicas": 5}}
            )
            listed = custom.list_namespaced_custom_object(group, "v1", ns, "gadgets")
            got = custom.get_namespaced_custom_object(group, "v1", ns, "gadgets", "g1")
            custom.delete_namespaced_custom_object(group, "v1", ns, "gadgets", "g1")
            ext.delete_custom_resource_definition(f"gadgets.{group}")
            return {
                "default": created["spec"]["replicas"],
                "invalid": invalid,
                "size": patched["spec"]["size"],
                "status": status["status"],
                "scale": (scale["kind"], scale["spec"]["replicas"], scale["status"]["replicas"]),
                "listed": [i["metadata"]["name"] for i in listed["items"]],
                "replicas": got["spec"]["replicas"],
            }

    result = await asyncio.to_thread(scenario)
    assert result["default"] == 1  # the schema's default
    status, body = result["invalid"]
    assert (status, body["reason"]) == (422, "Invalid")
    assert body["details"]["causes"][0]["field"] == "spec.size"
    assert body["details"]["causes"][0]["message"].startswith('Unsupported value: "XL"')
    assert result["size"] == "L" and result["status"] == {"replicas": 2}
    assert result["scale"] == ("Scale", 5, 2)
    assert result["listed"] == ["g1"] and result["replicas"] == 5
    for _ in range(100):  # the CRD's routes go once its objects are gone
        status, _, _ = await api.get(f"/apis/{group}/v1/namespaces/{ns}/gadgets")
        if status == 404:
            break
        await asyncio.sleep(0.05)
    assert status == 404
