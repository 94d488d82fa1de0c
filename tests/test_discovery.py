"""Discovery documents, compared with those of a real kube-apiserver 1.36 for the resources both serve."""

from __future__ import annotations

import pytest

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
                 "namespaces/finalize", "namespaces/status", "componentstatuses", "pods/attach", "pods/exec",
                 "pods/log", "pods/portforward", "pods/proxy", "pods/ephemeralcontainers", "pods/resize",
                 "nodes/proxy", "services/proxy", "serviceaccounts/token"):  # fmt: skip
        assert ours[name] == ref[name], name
    assert set(ref) == set(ours)
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
    assert groups[:2] == ["apiregistration.k8s.io", "apps"]
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


AGGREGATED = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"


def _aggregated_entries(doc: dict) -> dict[tuple[str, str, str], dict]:
    out = {}
    for group in doc["items"]:
        for version in group["versions"]:
            for entry in version.get("resources", []):  # an aggregated API server's Stale version has none
                out[(group["metadata"].get("name", ""), version["version"], entry["resource"])] = entry
    return out


async def test_every_resource_kube_serves_is_served_with_kubes_discovery_entry(api: API) -> None:
    """Aggregated discovery (what kubectl reads) entry by entry against kube 1.36's, for every resource of every
    group version: nothing may be missing or differ."""
    ours: dict[tuple[str, str, str], dict] = {}
    kube: dict[tuple[str, str, str], dict] = {}
    for path, fixture in (("/api", "api_aggregated.json"), ("/apis", "apis_aggregated.json")):
        status, doc, _ = await api.get(path, headers={"Accept": AGGREGATED})
        assert status == 200
        ours.update(_aggregated_entries(doc))
        kube.update(_aggregated_entries(load_fixture(f"kube-1.36/{fixture}")))
    assert set(kube) - set(ours) == set()
    for key in sorted(kube):
        assert ours[key] == kube[key], key
    extra = set(ours) - set(kube)
    assert all(key[0].endswith(".example.com") or "." in key[0] for key in extra), extra  # only CRDs' groups


@pytest.mark.parametrize(
    ("path", "fixture"),
    [
        ("/apis/events.k8s.io/v1", "apis_events.k8s.io_v1.json"),
        ("/apis/autoscaling/v1", "apis_autoscaling_v1.json"),
        ("/apis/autoscaling", "apis_autoscaling.json"),
    ],
)
async def test_versions_served_by_conversion_in_legacy_discovery(api: API, path: str, fixture: str) -> None:
    """The versions kube serves over another version's storage list that storage's hash (the storage version is
    what the hash names), and autoscaling prefers v2, as captured from kube 1.36."""
    status, doc, _ = await api.get(path)
    assert status == 200
    assert doc == load_fixture(f"kube-1.36/{fixture}")


async def test_group_order_is_kubes(api: API) -> None:
    _, doc, _ = await api.get("/apis")
    ours = [g["name"] for g in doc["groups"]]
    kube = [g["metadata"]["name"] for g in load_fixture("kube-1.36/apis_aggregated.json")["items"]]
    served = [g for g in kube if g in ours]
    assert ours[: len(served)] == served
    assert set(kube) - set(ours) == set()


async def test_every_legacy_discovery_document_is_kubes(api: API) -> None:
    """/api/v1, /apis, and each /apis/<group> and /apis/<group>/<version> equal to kube 1.36's (captured from the
    reference: ``legacy_discovery.json``), storage version hashes included; custom resources' groups aside."""
    kube = load_fixture("kube-1.36/legacy_discovery.json")
    for path, doc in kube.items():
        status, ours, _ = await api.get(path)
        assert status == 200, path
        if path == "/apis":
            ours = {**ours, "groups": [g for g in ours["groups"] if g["name"] in {k["name"] for k in doc["groups"]}]}
        assert ours == doc, path
