"""Discovery documents, compared with those of a real kube-apiserver 1.36 for the resources both serve."""

from __future__ import annotations

from tests.conftest import API, load_fixture


def _by_name(doc: dict) -> dict[str, dict]:
    return {r["name"]: r for r in doc["resources"]}


async def test_core_v1_resource_list_matches_kube(api: API) -> None:
    status, doc, _ = await api.get("/api/v1")
    assert status == 200 and doc["kind"] == "APIResourceList" and doc["groupVersion"] == "v1"
    assert "apiVersion" not in doc  # kube's legacy core list has none
    ours, ref = _by_name(doc), _by_name(load_fixture("kube-1.36/api_v1.json"))
    for name in ("configmaps", "namespaces", "pods", "nodes", "secrets", "services", "endpoints", "events",
                 "serviceaccounts", "persistentvolumeclaims", "persistentvolumes", "pods/status",
                 "namespaces/finalize", "namespaces/status"):  # fmt: skip
        assert ours[name] == ref[name], name
    names = [r["name"] for r in doc["resources"]]
    assert names == sorted(names)


async def test_apps_v1_resource_list_matches_kube(api: API) -> None:
    status, doc, _ = await api.get("/apis/apps/v1")
    assert status == 200 and doc["apiVersion"] == "v1"
    ours, ref = _by_name(doc), _by_name(load_fixture("kube-1.36/apis_apps_v1.json"))
    for name in ("deployments", "replicasets", "statefulsets", "daemonsets", "deployments/status"):
        assert ours[name] == ref[name], name


async def test_group_lists_and_versions(api: API) -> None:
    status, doc, _ = await api.get("/api")
    assert status == 200 and doc["kind"] == "APIVersions" and doc["versions"] == ["v1"]
    status, doc, _ = await api.get("/apis")
    groups = [g["name"] for g in doc["groups"]]
    assert groups[:2] == ["apps", "batch"]
    assert {"rbac.authorization.k8s.io", "coordination.k8s.io", "discovery.k8s.io"} <= set(groups)
    status, group, _ = await api.get("/apis/apps")
    assert status == 200 and group["preferredVersion"] == {"groupVersion": "apps/v1", "version": "v1"}
    status, version, _ = await api.get("/version")
    assert status == 200 and version["major"] == "1" and version["gitVersion"].startswith("v1.36.")


async def test_aggregated_discovery_with_etag(api: API) -> None:
    accept = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json"
    status, doc, headers = await api.get("/apis", headers={"Accept": accept})
    assert status == 200
    assert headers["Content-Type"] == "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
    assert doc["kind"] == "APIGroupDiscoveryList" and doc["apiVersion"] == "apidiscovery.k8s.io/v2"
    apps = next(i for i in doc["items"] if i["metadata"]["name"] == "apps")
    deploy = next(r for r in apps["versions"][0]["resources"] if r["resource"] == "deployments")
    assert deploy["scope"] == "Namespaced" and deploy["shortNames"] == ["deploy"] and deploy["categories"] == ["all"]
    etag = headers["ETag"]
    status, _, headers = await api.get("/apis", headers={"Accept": accept, "If-None-Match": etag})
    assert status == 304
    status, core, _ = await api.get("/api", headers={"Accept": accept})
    assert core["items"][0]["metadata"] == {} and core["items"][0]["versions"][0]["version"] == "v1"


async def test_openapi_v3_advertises_server_side_field_validation(api: API) -> None:
    status, index, _ = await api.get("/openapi/v3")
    assert status == 200 and "api/v1" in index["paths"] and "apis/apps/v1" in index["paths"]
    url = index["paths"]["apis/apps/v1"]["serverRelativeURL"]
    status, doc, _ = await api.get(url)
    assert status == 200
    patch = doc["paths"]["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"]["patch"]
    assert patch["x-kubernetes-group-version-kind"] == {"group": "apps", "version": "v1", "kind": "Deployment"}
    assert any(p["name"] == "fieldValidation" and p["in"] == "query" for p in patch["parameters"])
