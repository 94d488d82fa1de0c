"""OpenAPI v3 and v2 documents: kube's model definitions and paths, and what kubectl does with them.

The definitions and the paths of built-in resources were checked, while writing this, to be equal to kube's
committed ``api/openapi-spec`` (v3 and v2) for every path aiokube serves (``encoding/codegen/gen_openapi_docs.py
--check`` does it for the definitions); the hashes below are those of a real kube-apiserver 1.36.3's documents.
/openapi/v2 is served as JSON (gzip, ETag); its gnostic protobuf form is tested in ``test_openapi_protobuf.py``.
"""

from __future__ import annotations

import asyncio
import email.utils
import gzip
import hashlib
import json
import os
import re
import shutil
import tempfile
import time
import uuid
from collections.abc import Iterator
from typing import Any

import orjson
import pytest

from aiokube.apiserver.endpoints.openapi import OpenAPI, group_version_doc, swagger_doc
from aiokube.apiserver.registry.resources import CustomSpec, Registry, ResourceInfo, Subresource
from aiokube.apiserver.server import APIServer
from aiokube.encoding import k8s_openapi
from aiokube.encoding.k8s_schema import MESSAGES
from tests.conftest import API, KUBECTL, run_cmd

CORE = "io.k8s.api.core.v1."
META = "io.k8s.apimachinery.pkg.apis.meta.v1."


@pytest.fixture(scope="module")
def openapi() -> OpenAPI:
    return OpenAPI(Registry())


def v3(openapi: OpenAPI, path: str) -> dict[str, Any]:
    body = openapi.document(path)
    assert body is not None, path
    return orjson.loads(body)


def schemas(openapi: OpenAPI, path: str) -> dict[str, Any]:
    return v3(openapi, path)["components"]["schemas"]


# --- model definitions ------------------------------------------------------------------------------------


def test_container_ports_is_a_map_keyed_by_port_and_protocol(openapi: OpenAPI) -> None:
    container = schemas(openapi, "api/v1")[CORE + "Container"]
    assert container["required"] == ["name"]
    assert container["description"] == "A single application container that you want to run within a pod."
    ports = container["properties"]["ports"]
    assert ports["type"] == "array"
    assert ports["items"] == {"$ref": "#/components/schemas/io.k8s.api.core.v1.ContainerPort"}
    assert ports["x-kubernetes-list-type"] == "map"
    assert ports["x-kubernetes-list-map-keys"] == ["containerPort", "protocol"]
    assert ports["x-kubernetes-patch-strategy"] == "merge"
    assert ports["x-kubernetes-patch-merge-key"] == "containerPort"
    assert container["properties"]["name"] == {
        "description": "Name of the container specified as a DNS_LABEL. Each container in a pod must have a unique "
        "name (DNS_LABEL). Cannot be updated.",
        "type": "string",
        "default": "",
    }
    # a reference with siblings is wrapped in allOf (kube-openapi builder3), struct defaults are {}
    assert container["properties"]["resources"]["allOf"] == [
        {"$ref": "#/components/schemas/io.k8s.api.core.v1.ResourceRequirements"}
    ]
    assert container["properties"]["resources"]["default"] == {}
    policy = container["properties"]["imagePullPolicy"]
    assert policy["enum"] == ["Always", "IfNotPresent", "Never"]
    assert '\n\nPossible enum values:\n - `"Always"` means that kubelet always attempts' in policy["description"]
    port = schemas(openapi, "api/v1")[CORE + "ContainerPort"]
    assert port["required"] == ["containerPort"]
    assert port["properties"]["containerPort"] == {
        "description": "Number of port to expose on the pod's IP address. This must be a valid port number, "
        "0 < x < 65536.",
        "type": "integer",
        "format": "int32",
        "default": 0,
    }
    assert port["properties"]["protocol"]["default"] == "TCP"


def test_patch_strategies_of_pod_spec_and_deployment_spec(openapi: OpenAPI) -> None:
    spec = schemas(openapi, "api/v1")[CORE + "PodSpec"]["properties"]
    assert spec["volumes"]["x-kubernetes-patch-strategy"] == "merge,retainKeys"
    assert spec["volumes"]["x-kubernetes-patch-merge-key"] == "name"
    assert spec["volumes"]["x-kubernetes-list-map-keys"] == ["name"]
    assert spec["containers"]["x-kubernetes-patch-merge-key"] == "name"
    assert spec["nodeSelector"]["additionalProperties"] == {"type": "string"}
    assert spec["nodeSelector"]["x-kubernetes-map-type"] == "atomic"
    strategy = schemas(openapi, "apis/apps/v1")["io.k8s.api.apps.v1.DeploymentSpec"]["properties"]["strategy"]
    assert strategy["x-kubernetes-patch-strategy"] == "retainKeys"
    assert strategy["allOf"] == [{"$ref": "#/components/schemas/io.k8s.api.apps.v1.DeploymentStrategy"}]


def test_patch_metadata_agrees_with_the_protobuf_schema_table() -> None:
    """encoding/k8s_schema.py (Go struct tags and markers) and kube's OpenAPI say the same, field by field."""
    keys = ("x-kubernetes-patch-strategy", "x-kubernetes-patch-merge-key", "x-kubernetes-list-type")
    checked = 0
    for message, rows in MESSAGES.items():
        name = "io.k8s." + message.removeprefix("k8s.io.")
        props = k8s_openapi.DEFINITIONS.get(name, {}).get("properties") or {}
        for json_name, _number, _type, flags in rows:
            if json_name not in props or "inline" in flags.split(","):
                continue
            want: dict[str, Any] = {}
            for flag in flags.split(","):
                key, _, value = flag.partition("=")
                if key == "patchStrategy":
                    want["x-kubernetes-patch-strategy"] = value.replace("+", ",")
                elif key == "patchMergeKey":
                    want["x-kubernetes-patch-merge-key"] = value
                elif key == "listType":
                    want["x-kubernetes-list-type"] = value
                elif key == "listMapKey":
                    want.setdefault("x-kubernetes-list-map-keys", []).append(value)
            prop = props[json_name]
            got = {k: prop[k] for k in (*keys, "x-kubernetes-list-map-keys") if k in prop}
            assert got == want, f"{name}.{json_name}"
            checked += 1
    assert checked > 1000


def test_special_types(openapi: OpenAPI) -> None:
    s = schemas(openapi, "api/v1")
    assert s[META + "Time"]["type"] == "string" and s[META + "Time"]["format"] == "date-time"
    assert s[META + "MicroTime"]["format"] == "date-time"
    assert s["io.k8s.apimachinery.pkg.api.resource.Quantity"]["oneOf"] == [{"type": "string"}, {"type": "number"}]
    ios = s["io.k8s.apimachinery.pkg.util.intstr.IntOrString"]
    assert ios["format"] == "int-or-string" and ios["oneOf"] == [{"type": "integer"}, {"type": "string"}]
    assert s[META + "FieldsV1"]["type"] == "object"
    assert s["io.k8s.apimachinery.pkg.runtime.RawExtension"]["type"] == "object"
    created = s[META + "ObjectMeta"]["properties"]["creationTimestamp"]
    assert created["allOf"] == [{"$ref": "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.Time"}]
    resources = s[CORE + "ResourceRequirements"]["properties"]["limits"]
    assert resources["additionalProperties"] == {
        "$ref": "#/components/schemas/io.k8s.apimachinery.pkg.api.resource.Quantity"
    }
    # OpenAPI v2 has the v2 forms (no oneOf) and no defaults
    v2 = swagger_doc(Registry())["definitions"]
    assert v2["io.k8s.apimachinery.pkg.api.resource.Quantity"]["type"] == "string"
    assert v2["io.k8s.apimachinery.pkg.util.intstr.IntOrString"] == {
        "description": ios["description"],
        "type": "string",
        "format": "int-or-string",
    }


def test_kinds_carry_their_group_version_kind(openapi: OpenAPI) -> None:
    apps = schemas(openapi, "apis/apps/v1")
    assert apps["io.k8s.api.apps.v1.Deployment"]["x-kubernetes-group-version-kind"] == [
        {"group": "apps", "kind": "Deployment", "version": "v1"}
    ]
    # types registered in every group version: core/v1 and the document's own group version only
    assert apps[META + "DeleteOptions"]["x-kubernetes-group-version-kind"] == [
        {"group": "", "kind": "DeleteOptions", "version": "v1"},
        {"group": "apps", "kind": "DeleteOptions", "version": "v1"},
    ]
    for group, versions in Registry().group_versions().items():
        for version in versions:
            path = f"apis/{group}/{version}" if group else f"api/{version}"
            gvks = {
                (g["group"], g["version"], g["kind"])
                for s in schemas(openapi, path).values()
                for g in s.get("x-kubernetes-group-version-kind", ())
            }
            for info in Registry().resources_in(group, version):
                assert (group, version, info.kind) in gvks
                # a review is only created: no list kind
                assert ((group, version, info.kind + "List") in gvks) == ("list" in info.verbs)


def _refs(x: Any, out: set[str]) -> set[str]:
    if isinstance(x, dict):
        for k, v in x.items():
            if k == "$ref" and isinstance(v, str):  # JSONSchemaProps has a property named "$ref"
                out.add(v)
            else:
                _refs(v, out)
    elif isinstance(x, list):
        for v in x:
            _refs(v, out)
    return out


def test_documents_hold_exactly_the_definitions_they_reference(openapi: OpenAPI) -> None:
    index = orjson.loads(openapi.index())
    for path in index["paths"]:
        doc = v3(openapi, path)
        names = set(doc["components"].get("schemas", {}))  # omitted when empty, as kube's
        refs = {r.removeprefix("#/components/schemas/") for r in _refs(doc, set())}
        assert refs == names, path
    v2 = orjson.loads(openapi.swagger_v2())
    refs = _refs(v2, set())
    assert {r.removeprefix("#/definitions/") for r in refs if r.startswith("#/definitions/")} == set(v2["definitions"])
    assert {r.removeprefix("#/parameters/") for r in refs if r.startswith("#/parameters/")} == set(v2["parameters"])


# --- paths and operations ---------------------------------------------------------------------------------


def test_operations_are_kubes(openapi: OpenAPI) -> None:
    paths = v3(openapi, "apis/apps/v1")["paths"]
    item = paths["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"]
    patch = item["patch"]
    assert patch["operationId"] == "patchAppsV1NamespacedDeployment" and patch["tags"] == ["apps_v1"]
    assert patch["description"] == "partially update the specified Deployment"
    assert patch["x-kubernetes-action"] == "patch"
    assert patch["x-kubernetes-group-version-kind"] == {"group": "apps", "version": "v1", "kind": "Deployment"}
    assert [p["name"] for p in patch["parameters"]] == ["dryRun", "fieldManager", "fieldValidation", "force"]
    assert list(patch["requestBody"]["content"]) == [  # a Go map: sorted
        "application/apply-patch+yaml",
        "application/json-patch+json",
        "application/merge-patch+json",
        "application/strategic-merge-patch+json",
    ]
    assert [(p["name"], p["in"]) for p in item["parameters"]] == [
        ("name", "path"),
        ("namespace", "path"),
        ("pretty", "query"),
    ]
    assert list(patch["responses"]) == ["200", "201", "401"]
    scale = paths["/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale"]["put"]
    assert scale["operationId"] == "replaceAppsV1NamespacedDeploymentScale"
    assert scale["x-kubernetes-group-version-kind"] == {"group": "autoscaling", "version": "v1", "kind": "Scale"}
    listing = paths["/apis/apps/v1/deployments"]["get"]
    assert listing["operationId"] == "listAppsV1DeploymentForAllNamespaces"
    assert "application/json;stream=watch" in listing["responses"]["200"]["content"]
    watch = paths["/apis/apps/v1/watch/namespaces/{namespace}/deployments"]["get"]
    assert watch["operationId"] == "watchAppsV1NamespacedDeploymentList" and watch["x-kubernetes-action"] == "watchlist"
    core = v3(openapi, "api/v1")["paths"]
    assert core["/api/v1/namespaces/{namespace}/pods/{name}/binding"]["post"]["operationId"] == (
        "createCoreV1NamespacedPodBinding"
    )
    assert core["/api/v1/namespaces/{name}/finalize"]["put"]["operationId"] == "replaceCoreV1NamespaceFinalize"
    pod_delete = core["/api/v1/namespaces/{namespace}/pods/{name}"]["delete"]["responses"]["200"]
    assert pod_delete["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/io.k8s.api.core.v1.Pod"
    }
    assert "delete" not in core["/api/v1/namespaces"]  # namespaces have no deletecollection


# hashes of a real kube-apiserver 1.36.3's documents (its /openapi/v3 index): byte-for-byte the same, group
# version documents included where aiokube serves all of kube's resources of the group version
KUBE_HASHES = {
    "api": "ED9F684FA66CF56306B7A40F68FE46D7FECC61460268AB059DDC1A6214EBF758"
    "14D2CB9498669BBFE0F34C7FC123DA6067D917AA40C1CDC13873FAF959A92855",
    "apis": "43949F06BF2FFE09B0919CEAFD9CC6E788098E24233761681D0EAFBE4C3A02A3"
    "02B6F90859F71CE7B5040A4D4C490E66A2ED2CB5CE4132667BBC924D6C167E1E",
    "version": "A7C72E0A0AAC295A9AEBF8E67009D4E39DC8A23F0FA66C42E86B81877E36773D"
    "8912294BEEF14BDD0CE3AC841AF900038EE6BCF6136AEEE4CD8F5B53D0B50711",
    "apis/apps": "5427594C93FDDC4F3A70E59F9EC2611244C6E203050E3E1FA2E571073B66DFE5"
    "8341AC699F7EB037DC56B8E11B18E1D45861E429A64BEDF10D04D26FC0A79BE1",
    "apis/rbac.authorization.k8s.io": "6FA5A13BEC166CB9C0D0D1338B434F1DC81780005E137B41AC89D12ED29684D4"
    "7E00DFBEE231D8C063F12727FB143B7FC5E75023488EA7317A2769C1BCF5E5CB",
    "apis/coordination.k8s.io/v1": "F4B60C341AAC1BC7FA7BA35E198F650E5795EFC2354C798E03816A6A59A01DFA"
    "FDBB7E23D202CF639A5C4A040196A92C5F2D65199B571A901ED1E36587974313",
    "apis/discovery.k8s.io/v1": "2C1A37B5B6F7C0D8BE623A8C456B709445F276C24497758FF9056D4C2A4BF137"
    "CCC2141A9DAF143E013C026A2F4B87B1998220873381091A01854B40C2156DEF",
    "apis/rbac.authorization.k8s.io/v1": "108CAC4056092BE4B10A4DB1AC6D558B1E951FA5BDBC4B61C62BB698F6E8F2B8"
    "AD718BF921E2E1EFEBA7977785C9F3708341701780283B7A18B1089CD5BCD474",
    "apis/apiextensions.k8s.io/v1": "6C9DF3015B218AB67F286E8196A6611D1D3DE8988C9DBBF1C8E0A952783F9237"
    "3549200479E50326D86639915ACAFDA17093CDB8B6548830634470988C3DAB3F",
    # the service-account issuer's discovery routes (kube 1.36.2's index)
    ".well-known/openid-configuration": "2229F3F580F0094E93546AAA4BD0A73EBC192B2573C524F570BF28D4FC68958C"
    "223F134CC2DCBE743C1519291EBFC9EE73DF3864C18CB5AA5F19CEE89EE71E1F",
    "openid/v1/jwks": "CBD756BEFDF9BD2BA46A334CC54F7426D81B791218F7798FEA3918C6D5C6452C"
    "5BEA2F0DB923E8DC33C81CCDA0726F6189A0CF66E2A399830333CEB3278153B5",
}  # fmt: skip


def test_index_hashes_and_caching(openapi: OpenAPI) -> None:
    index = orjson.loads(openapi.index())
    for path, entry in index["paths"].items():
        url = entry["serverRelativeURL"]
        body = openapi.document(path)
        assert body is not None and url == f"/openapi/v3/{path}?hash={hashlib.sha512(body).hexdigest().upper()}"
        assert url.endswith(f"?hash={openapi.document_hash(path)}")
        assert openapi.document(path) is body  # cached bytes
    for path, want in KUBE_HASHES.items():
        assert index["paths"][path]["serverRelativeURL"].endswith("?hash=" + want), path
    assert not openapi.index().endswith(b"\n")
    # a registry change rebuilds only the group versions whose resources changed
    registry = Registry()
    o = OpenAPI(registry)
    core, apps = o.document("api/v1"), o.document("apis/apps/v1")
    info = registry.get("apps", "v1", "deployments")
    assert info is not None
    registry.remove(info)
    assert o.document("api/v1") is core
    apps_after = o.document("apis/apps/v1")
    assert apps_after is not None and apps_after != apps and b"/deployments" not in apps_after


def test_swagger_v2(openapi: OpenAPI) -> None:
    body = openapi.swagger_v2()
    assert openapi.swagger_v2() is body
    assert openapi.swagger_v2_etag() == '"' + hashlib.sha512(body).hexdigest().upper() + '"'
    doc = orjson.loads(body)
    assert doc["swagger"] == "2.0" and doc["info"] == {"title": "Kubernetes", "version": "1.36"}
    assert doc["security"] == [{"BearerToken": []}]
    assert b"#/components/" not in body

    def check_v2(schema: dict[str, Any]) -> None:
        assert "allOf" not in schema and "default" not in schema and "oneOf" not in schema
        for sub in (schema.get("properties") or {}).values():
            check_v2(sub)
        for key in ("items", "additionalProperties"):
            if isinstance(schema.get(key), dict):
                check_v2(schema[key])

    for definition in doc["definitions"].values():
        check_v2(definition)
    container = doc["definitions"][CORE + "Container"]["properties"]
    assert container["ports"]["items"] == {"$ref": "#/definitions/io.k8s.api.core.v1.ContainerPort"}
    assert container["resources"] == {
        "description": "Compute Resources required by this container. Cannot be updated. More info: "
        "https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/",
        "$ref": "#/definitions/io.k8s.api.core.v1.ResourceRequirements",
    }
    assert doc["definitions"][CORE + "PodSpec"]["properties"]["volumes"]["x-kubernetes-patch-strategy"] == (
        "merge,retainKeys"
    )
    item = doc["paths"]["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"]
    patch = item["patch"]
    assert patch["operationId"] == "patchAppsV1NamespacedDeployment" and patch["schemes"] == ["https"]
    assert patch["consumes"][2] == "application/strategic-merge-patch+json"
    # kube's shared parameters: "<name>-<base64 of FNV-1 64 of the parameter's JSON>"; fieldValidation and
    # dryRun stay inline (kubectl looks for them)
    assert {"$ref": "#/parameters/body-78PwaGsr"} in patch["parameters"]
    assert {"$ref": "#/parameters/force-tOGGb0Yi"} in patch["parameters"]
    assert any(p.get("name") == "fieldValidation" and p["in"] == "query" for p in patch["parameters"])
    assert {"$ref": "#/parameters/pretty-tJGM1-ng"} in item["parameters"]
    assert doc["parameters"]["namespace-vgWSWtn3"]["description"] == (
        "object name and auth scope, such as for teams and projects"
    )
    assert {"/api/", "/apis/", "/apis/apps/", "/api/v1/", "/version/"} <= set(doc["paths"])
    # rebuilt when the registry changes; the same bytes keep their ETag and Last-Modified (clients' caches hold)
    modified, etag = openapi.swagger_v2_modified(), openapi.swagger_v2_etag()
    openapi.registry.generation += 1
    try:
        assert openapi.swagger_v2() == body
        assert openapi.swagger_v2_modified() == modified and openapi.swagger_v2_etag() == etag
        assert gzip.decompress(openapi.swagger_v2_gzip()) == body
    finally:
        openapi.registry.generation -= 1


# --- custom resources -------------------------------------------------------------------------------------

CRON_SCHEMA: dict[str, Any] = {
    "description": "CronTab runs a command on a schedule.",
    "type": "object",
    "properties": {
        "spec": {
            "type": "object",
            "required": ["cronSpec"],
            "properties": {
                "cronSpec": {"type": "string", "description": "The cron schedule.", "pattern": "^[0-9*/ ,-]+$"},
                "replicas": {"type": "integer", "default": 1, "minimum": 1},
                "port": {"x-kubernetes-int-or-string": True, "description": "A port number or name."},
                "tags": {"type": "array", "items": {"type": "string"}, "x-kubernetes-list-type": "set"},
                "template": {
                    "type": "object",
                    "x-kubernetes-embedded-resource": True,
                    "x-kubernetes-preserve-unknown-fields": True,
                },
                "choice": {"type": "string", "nullable": True, "oneOf": [{"pattern": "^a"}, {"pattern": "^b"}]},
            },
        },
        "status": {"type": "object", "properties": {"replicas": {"type": "integer"}}},
    },
}  # fmt: skip


def cron_registry(schema: dict[str, Any]) -> Registry:
    registry = Registry()
    scale = {"specReplicasPath": ".spec.replicas", "statusReplicasPath": ".status.replicas"}
    custom = CustomSpec("crontabs.stable.example.com", "v1", schema=schema, status=True, scale=scale)
    registry.add(
        ResourceInfo(
            group="stable.example.com", version="v1", kind="CronTab", plural="crontabs", singular="crontab",
            namespaced=True, builtin=False, custom=custom,
            subresources=(Subresource("status", "CronTab", ("get", "patch", "update")),),
        )
    )  # fmt: skip
    return registry


def test_custom_resource_schema_v3() -> None:
    doc = group_version_doc(cron_registry(CRON_SCHEMA), "stable.example.com", "v1")
    assert doc["info"] == {"title": "Kubernetes CRD Swagger", "version": "v0.1.0"}
    s = doc["components"]["schemas"]
    kind = s["com.example.stable.v1.CronTab"]
    assert list(kind["properties"]) == ["apiVersion", "kind", "metadata", "spec", "status"]
    assert kind["description"] == "CronTab runs a command on a schedule."
    assert kind["properties"]["metadata"] == {
        "description": k8s_openapi.METADATA_DESCRIPTIONS["PartialObjectMetadata"],
        "allOf": [{"$ref": "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"}],
    }
    assert kind["properties"]["apiVersion"]["type"] == "string"
    assert kind["x-kubernetes-group-version-kind"] == [
        {"group": "stable.example.com", "kind": "CronTab", "version": "v1"}
    ]
    spec = kind["properties"]["spec"]["properties"]
    assert spec["port"] == {
        "description": "A port number or name.",
        "anyOf": [{"type": "integer"}, {"type": "string"}],
        "x-kubernetes-int-or-string": True,
    }
    assert spec["replicas"] == {"type": "integer", "default": 1, "minimum": 1}
    assert spec["tags"]["x-kubernetes-list-type"] == "set"
    template = spec["template"]
    assert template["required"] == ["kind", "apiVersion"] and set(template["properties"]) == {
        "apiVersion",
        "kind",
        "metadata",
    }
    lst = s["com.example.stable.v1.CronTabList"]
    assert lst["required"] == ["items"]
    assert lst["properties"]["items"]["items"] == {"$ref": "#/components/schemas/com.example.stable.v1.CronTab"}
    assert {"io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta", "io.k8s.api.autoscaling.v1.Scale"} <= set(s)
    paths = doc["paths"]
    assert set(paths) == {
        "/apis/stable.example.com/v1/crontabs",
        "/apis/stable.example.com/v1/namespaces/{namespace}/crontabs",
        "/apis/stable.example.com/v1/namespaces/{namespace}/crontabs/{name}",
        "/apis/stable.example.com/v1/namespaces/{namespace}/crontabs/{name}/status",
        "/apis/stable.example.com/v1/namespaces/{namespace}/crontabs/{name}/scale",
    }
    patch = paths["/apis/stable.example.com/v1/namespaces/{namespace}/crontabs/{name}"]["patch"]
    assert patch["operationId"] == "patchStableExampleComV1NamespacedCronTab"
    assert patch["tags"] == ["stableExampleCom_v1"]
    assert list(patch["requestBody"]["content"]) == [
        "application/apply-patch+yaml",
        "application/json-patch+json",
        "application/merge-patch+json",
    ]
    assert any(p["name"] == "fieldValidation" for p in patch["parameters"])
    scale = paths["/apis/stable.example.com/v1/namespaces/{namespace}/crontabs/{name}/scale"]["get"]
    assert scale["operationId"] == "readStableExampleComV1NamespacedCronTabScale"
    assert scale["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/io.k8s.api.autoscaling.v1.Scale"
    }
    everything = paths["/apis/stable.example.com/v1/crontabs"]["get"]
    assert everything["operationId"] == "listStableExampleComV1CronTabForAllNamespaces"


def test_custom_resource_schema_v2() -> None:
    doc = swagger_doc(cron_registry(CRON_SCHEMA))
    kind = doc["definitions"]["com.example.stable.v1.CronTab"]
    spec = kind["properties"]["spec"]["properties"]
    assert spec["port"] == {"description": "A port number or name.", "x-kubernetes-int-or-string": True}
    assert spec["replicas"] == {"type": "integer", "minimum": 1}  # defaults pruned
    assert spec["choice"] == {"pattern": "^a"} or "oneOf" not in spec["choice"]
    assert "type" not in spec["choice"]  # nullable: kubectl cannot cope with the type
    assert spec["template"] == {"x-kubernetes-embedded-resource": True, "x-kubernetes-preserve-unknown-fields": True}
    assert kind["properties"]["metadata"]["$ref"] == "#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"
    # a root preserving unknown fields is published to v2 as a bare object
    loose = swagger_doc(cron_registry({"type": "object", "x-kubernetes-preserve-unknown-fields": True}))
    assert loose["definitions"]["com.example.stable.v1.CronTab"] == {
        "type": "object",
        "x-kubernetes-group-version-kind": [{"group": "stable.example.com", "kind": "CronTab", "version": "v1"}],
    }


def test_build_time_and_size() -> None:
    o = OpenAPI(Registry())
    t0 = time.perf_counter()
    index = o.index()
    t1 = time.perf_counter()
    v2 = o.swagger_v2()
    t2 = time.perf_counter()
    total = sum(len(o.document(p) or b"") for p in orjson.loads(index)["paths"])
    print(f"openapi v3: {total} bytes in {1000 * (t1 - t0):.0f} ms; v2: {len(v2)} bytes in {1000 * (t2 - t1):.0f} ms")
    assert t1 - t0 < 5 and t2 - t1 < 5
    t3 = time.perf_counter()
    for _ in range(1000):
        o.document("api/v1")
    assert time.perf_counter() - t3 < 0.1  # serving is a lookup


# --- the real kubectl -------------------------------------------------------------------------------------

needs_kubectl = pytest.mark.skipif(not os.path.exists(KUBECTL), reason=f"kubectl not found at {KUBECTL}")


@pytest.fixture
def cache_dir() -> Iterator[str]:
    path = tempfile.mkdtemp(prefix="kubectl-cache-")
    yield path
    shutil.rmtree(path, ignore_errors=True)


async def kubectl(server: APIServer, cache: str, *args: str, stdin: str | None = None) -> tuple[str, str]:
    argv = [KUBECTL, "--server", server.url, "--cache-dir", cache, *args]
    code, out, err = await run_cmd(*argv, input_data=stdin.encode() if stdin is not None else None)
    assert code == 0, f"kubectl {' '.join(args)} failed: {err}"
    return out, err


@needs_kubectl
async def test_kubectl_explain_pods(server: APIServer, cache_dir: str) -> None:
    out, _ = await kubectl(server, cache_dir, "explain", "pods")
    assert out.startswith("KIND:       Pod\nVERSION:    v1\n\nDESCRIPTION:\n    Pod is a collection of containers that")
    assert "\n  metadata\t<ObjectMeta>\n    Standard object's metadata. More info:\n" in out
    assert "\n  spec\t<PodSpec>\n" in out and "\n  status\t<PodStatus>\n" in out
    out, _ = await kubectl(server, cache_dir, "explain", "pods.spec.containers.ports")
    assert "FIELD: ports <[]ContainerPort>" in out
    assert "    List of ports to expose from the container. Not specifying a port here DOES\n" in out
    assert "  containerPort\t<integer> -required-\n    Number of port to expose on the pod's IP address." in out
    assert "  protocol\t<string>\n  enum: SCTP, TCP, UDP\n    Protocol for port. Must be UDP, TCP, or SCTP." in out
    assert "  hostIP\t<string>\n" in out and "  name\t<string>\n" in out


@needs_kubectl
async def test_kubectl_explain_deployment_strategy(server: APIServer, cache_dir: str) -> None:
    out, _ = await kubectl(server, cache_dir, "explain", "deployment.spec.strategy")
    assert out.startswith(
        "GROUP:      apps\nKIND:       Deployment\nVERSION:    v1\n\nFIELD: strategy <DeploymentStrategy>"
    )
    assert "The deployment strategy to use to replace existing pods with new ones." in out
    assert "  rollingUpdate\t<RollingUpdateDeployment>\n" in out
    assert "  type\t<string>\n  enum: Recreate, RollingUpdate\n" in out


async def wait_established(api: API, name: str) -> None:
    for _ in range(100):
        _, got, _ = await api.get(f"/apis/apiextensions.k8s.io/v1/customresourcedefinitions/{name}")
        conds = {c["type"]: c["status"] for c in (got.get("status") or {}).get("conditions", [])}
        if conds.get("Established") == "True":
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"{name} not established")


@needs_kubectl
async def test_kubectl_explain_a_custom_resource(server: APIServer, api: API, cache_dir: str) -> None:
    group = f"s{uuid.uuid4().hex[:8]}.example.com"
    crd = {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": f"crontabs.{group}"},
        "spec": {
            "group": group,
            "scope": "Namespaced",
            "names": {"plural": "crontabs", "singular": "crontab", "kind": "CronTab"},
            "versions": [{"name": "v1", "served": True, "storage": True, "schema": {"openAPIV3Schema": CRON_SCHEMA}}],
        },
    }
    status, body, _ = await api.post("/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd)
    assert status == 201, body
    try:
        await wait_established(api, f"crontabs.{group}")
        out, _ = await kubectl(server, cache_dir, "explain", f"crontabs.{group}")
        assert out.startswith(f"GROUP:      {group}\nKIND:       CronTab\nVERSION:    v1\n\nDESCRIPTION:\n")
        assert "    CronTab runs a command on a schedule.\n" in out
        assert "\n  metadata\t<ObjectMeta>\n    Standard object's metadata." in out
        assert "\n  spec\t<Object>\n" in out and "\n  status\t<Object>\n" in out
        out, _ = await kubectl(server, cache_dir, "explain", f"crontabs.{group}.spec")
        assert "  cronSpec\t<string> -required-\n    The cron schedule.\n" in out
        assert "  tags\t<[]string>\n" in out and "  replicas\t<integer>\n" in out
    finally:
        await api.delete(f"/apis/apiextensions.k8s.io/v1/customresourcedefinitions/crontabs.{group}")


def deployment(ns: str, containers: list[dict[str, Any]]) -> str:
    return json.dumps(
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "web", "namespace": ns},
            "spec": {
                "replicas": 1,
                "selector": {"matchLabels": {"app": "web"}},
                "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": containers}},
            },
        }
    )


@needs_kubectl
async def test_kubectl_apply_uses_the_patch_metadata(server: APIServer, api: API, ns: str, cache_dir: str) -> None:
    env = [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}, {"name": "C", "value": "3"}]
    web = {"name": "web", "image": "nginx:1.25", "env": env}
    sidecar = {"name": "sidecar", "image": "busybox:1.36"}
    await kubectl(server, cache_dir, "apply", "-f", "-", stdin=deployment(ns, [web, sidecar]))
    reordered = {**web, "env": [env[2], env[0], env[1]]}
    _, err = await kubectl(server, cache_dir, "apply", "-f", "-", "-v=8", stdin=deployment(ns, [reordered]))
    assert "error calculating patch" not in err and "/openapi/v3/apis/apps/v1?hash=" in err
    assert "/openapi/v2" not in err
    m = re.search(r'"Request Body" body=("\{.*\}")\n(?:.*\n)?.*PATCH .*/deployments/web\?', err)
    assert m, err
    patch = json.loads(json.loads(m.group(1)))
    # kubectl's three-way strategic merge patch, computed from the OpenAPI patch metadata (merge keys "name")
    assert patch["spec"] == {
        "template": {
            "spec": {
                "$setElementOrder/containers": [{"name": "web"}],
                "containers": [
                    {"$setElementOrder/env": [{"name": "C"}, {"name": "A"}, {"name": "B"}], "name": "web"},
                    {"$patch": "delete", "name": "sidecar"},
                ],
            }
        }
    }
    status, got, _ = await api.get(f"/apis/apps/v1/namespaces/{ns}/deployments/web")
    assert status == 200
    (container,) = got["spec"]["template"]["spec"]["containers"]
    assert container["name"] == "web" and [e["name"] for e in container["env"]] == ["C", "A", "B"]


# --- HTTP: conditional GETs, hashes, negotiation ---------------------------------------------------------


async def _raw(api: API, path: str, **headers: str) -> tuple[int, bytes, Any]:
    async with api.session.get(api.base + path, headers=headers, allow_redirects=False, auto_decompress=False) as r:
        return r.status, await r.read(), r.headers


async def test_http_openapi_v3_hash_redirect_and_caching(api: API) -> None:
    status, body, headers = await _raw(api, "/openapi/v3")
    assert status == 200 and headers["Content-Type"] == "text/plain; charset=utf-8"  # Go sniffs it, as kube's
    url = orjson.loads(body)["paths"]["apis/apps/v1"]["serverRelativeURL"]
    digest = url.split("hash=")[1]
    status, body, headers = await _raw(api, url)
    assert status == 200 and hashlib.sha512(body).hexdigest().upper() == digest
    assert headers["ETag"] == f'"{digest}"' and headers["Cache-Control"] == "public, immutable"
    assert headers["Content-Type"] == "application/json" and headers["Vary"] == "Accept"
    expires = email.utils.parsedate_to_datetime(headers["Expires"]).timestamp()
    assert 364 * 86400 < expires - time.time() < 366 * 86400
    assert orjson.loads(body)["openapi"] == "3.0.0"
    # without ?hash: no immutability promised (kube's default Cache-Control for everything else)
    status, _, headers = await _raw(api, "/openapi/v3/apis/apps/v1")
    assert status == 200 and headers["Cache-Control"] == "no-cache, private" and "Expires" not in headers
    # a stale hash is sent to the current document
    status, _, headers = await _raw(api, "/openapi/v3/apis/apps/v1?hash=0123")
    assert status == 301 and headers["Location"] == url
    # conditional GETs
    status, body, headers = await _raw(api, url, **{"If-None-Match": f'"{digest}"'})
    assert status == 304 and body == b"" and "Content-Type" not in headers
    status, _, _ = await _raw(api, url, **{"If-None-Match": '"other"'})
    assert status == 200
    since = email.utils.formatdate(time.time() + 5, usegmt=True)
    status, _, _ = await _raw(api, "/openapi/v3", **{"If-Modified-Since": since})
    assert status == 304
    # kube-openapi's negotiation: JSON or gnostic protobuf, nothing else
    status, _, _ = await _raw(api, url, Accept="text/html")
    assert status == 406
    status, _, headers = await _raw(api, url, Accept="application/*;q=0.9, text/html")
    assert status == 200 and headers["Content-Type"] == "application/json"
    # kube 1.36 answers an unknown group-version with an empty 404 (no body, no Content-Type)
    for unknown in ("/openapi/v3/apis/nothing.example.com/v1", "/openapi/v3/x", "/openapi/v3/apis/apps/v1/extra"):
        status, body, headers = await _raw(api, unknown)
        assert (status, body) == (404, b"") and "Content-Type" not in headers


async def test_http_openapi_v2_json_gzip_and_etag(api: API, server: APIServer) -> None:
    status, body, headers = await _raw(api, "/openapi/v2", **{"Accept-Encoding": "identity"})
    assert status == 200 and headers["Content-Type"] == "application/json" and "Content-Encoding" not in headers
    assert body == server.openapi.swagger_v2() and orjson.loads(body)["swagger"] == "2.0"
    etag = headers["ETag"]
    assert etag == '"' + hashlib.sha512(body).hexdigest().upper() + '"'
    status, zipped, headers = await _raw(api, "/openapi/v2", **{"Accept-Encoding": "gzip"})
    assert status == 200 and headers["Content-Encoding"] == "gzip" and gzip.decompress(zipped) == body
    assert len(zipped) < len(body) / 5
    status, _, _ = await _raw(api, "/openapi/v2", **{"If-None-Match": etag})
    assert status == 304
    status, _, _ = await _raw(api, "/openapi/v2", Accept="text/html")
    assert status == 406


def test_token_request_is_kubes_definition(openapi: OpenAPI) -> None:
    """serviceaccounts/token takes and answers io.k8s.api.authentication.v1.TokenRequest (kube's name, with
    its spec and status), in v3 and v2 alike."""
    path = "/api/v1/namespaces/{namespace}/serviceaccounts/{name}/token"
    name = "io.k8s.api.authentication.v1.TokenRequest"
    doc = v3(openapi, "api/v1")
    body = doc["paths"][path]["post"]["requestBody"]["content"]["*/*"]["schema"]
    assert body == {"$ref": f"#/components/schemas/{name}"}
    kind = doc["components"]["schemas"][name]
    assert {"spec", "status"} <= set(kind["properties"])
    assert kind["x-kubernetes-group-version-kind"] == [
        {"group": "authentication.k8s.io", "kind": "TokenRequest", "version": "v1"}
    ]
    v2 = swagger_doc(Registry())
    assert v2["paths"][path]["post"]["parameters"][0]["schema"] == {"$ref": f"#/definitions/{name}"}
    assert not [k for k in v2["definitions"] if k.startswith("io.k8s.authentication.")]
