"""The pytest plugin and server helpers of ``aiokube.apiserver.testing`` with the clients operator authors use:
a sample suite run by pytest in a child process (the plugin as installed: the ``pytest11`` entry point, its
fixtures and ``--aiokube-etcd-servers``), a kopf operator, lightkube and kubernetes_asyncio against the
plugin's fixtures, the reset (etcd back to its post-start bytes, watchers told), and ``async with serve()``."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import aiohttp
import pytest
from kopf.testing import KopfRunner
from kubernetes import client, config
from kubernetes_asyncio import client as aclient
from kubernetes_asyncio import config as aconfig
from kubernetes_asyncio import watch as awatch
from lightkube import AsyncClient, KubeConfig
from lightkube.models.meta_v1 import ObjectMeta
from lightkube.resources.core_v1 import ConfigMap

from aiokube.apiserver.testing import ServerThread, serve, server
from aiokube.storage.embedded import EmbeddedEtcd
from aiokube.storage.etcd import EtcdClient
from aiokube.storage.keys import prefix_range_end

pytest_plugins = ["pytester"]
T = TypeVar("T")

WIDGETS_CRD = {
    "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
    "metadata": {"name": "widgets.example.com"},
    "spec": {"group": "example.com", "scope": "Namespaced",
             "names": {"plural": "widgets", "singular": "widget", "kind": "Widget"},
             "versions": [{"name": "v1", "served": True, "storage": True, "subresources": {"status": {}},
                           "schema": {"openAPIV3Schema": {"type": "object",
                                                          "x-kubernetes-preserve-unknown-fields": True}}}]},
}  # fmt: skip

OPERATOR = '''
import kopf

@kopf.on.startup()
def configure(settings: kopf.OperatorSettings, **_):
    settings.posting.enabled = False  # no Events: the test reads the status

@kopf.on.login()
def login(**kwargs):
    return kopf.login_with_kubeconfig(**kwargs)  # $KUBECONFIG as the operator starts (the kubeconfig fixture's)

@kopf.on.create("example.com", "v1", "widgets")
@kopf.on.update("example.com", "v1", "widgets")
def reconcile(spec, patch, **_):
    patch.status["replicas"] = spec.get("size", 0) * 2
    patch.status["phase"] = "Ready"
'''

SAMPLE_SUITE = '''
import json
import os
import urllib.request
from pathlib import Path

import yaml
from kubernetes import client, config
from kubernetes.client.rest import ApiException


def core(kubeconfig):
    return client.CoreV1Api(config.new_client_from_config(config_file=str(kubeconfig)))


def test_a_writes(kube_apiserver, kubeconfig, kube_namespace):
    assert os.environ["KUBECONFIG"] == str(kubeconfig)
    assert kube_namespace.startswith("test-a-writes-")
    api = core(kubeconfig)
    assert api.read_namespaced_service_account("default", kube_namespace).metadata.name == "default"
    api.create_namespaced_config_map(kube_namespace, {"metadata": {"name": "left-behind"}})
    api.patch_namespace("default", {"metadata": {"labels": {"touched": "yes"}}})
    api.delete_namespaced_service("kubernetes", "default")
    Path("namespace-of-a").write_text(kube_namespace)


def test_b_reset(kube_apiserver, kubeconfig, kube_reset):
    api = core(kubeconfig)
    assert "left-behind" not in [c.metadata.name for c in api.list_config_map_for_all_namespaces().items]
    try:
        api.read_namespace(Path("namespace-of-a").read_text())
        raise AssertionError("the namespace of test a survived the reset")
    except ApiException as exc:
        assert exc.status == 404
    assert "touched" not in (api.read_namespace("default").metadata.labels or {})
    assert api.read_namespaced_service("kubernetes", "default").spec.cluster_ip == "10.96.0.1"
    assert {"/registry/namespaces/default", "/registry/services/specs/default/kubernetes"} <= set(kube_reset.restored)
    print(f"RESET {len(kube_reset.keys)} keys in {kube_reset.seconds * 1000:.1f} ms")


def test_c_credentials(kube_apiserver, kubeconfig):
    cluster = yaml.safe_load(kubeconfig.read_text())["clusters"][0]["cluster"]
    assert cluster["server"] == kube_apiserver.secure_url
    review = client.AuthenticationV1Api(config.new_client_from_config(config_file=str(kubeconfig)))
    status = review.create_self_subject_review({"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"})
    assert "system:masters" in status.status.user_info.groups
    dana = core(kube_apiserver.kubeconfig_for("dana", ["qa"]))
    try:
        dana.list_namespaced_pod("default")
        raise AssertionError("RBAC let dana list pods")
    except ApiException as exc:
        assert exc.status == 403


def test_d_plain_http(kube_apiserver):
    with urllib.request.urlopen(kube_apiserver.url + "/version") as resp:
        assert json.loads(resp.read())["gitVersion"].startswith("v1.36.")
    print(f"START {kube_apiserver.start_seconds:.3f} s ETCD {kube_apiserver.etcd_url}")
'''


@pytest.fixture(scope="module")
def kube_apiserver() -> Iterator[ServerThread]:
    """The plugin's fixture, at module scope here: the rest of this repository's suite never sees the server."""
    with server() as srv:
        yield srv


@pytest.fixture
def kopf_logging() -> Iterator[None]:
    """kopf's CLI reconfigures logging for the whole process (a root handler, the root level, ``asyncio``'s
    logger silenced): put it back for the tests after this one."""
    root, aio = logging.getLogger(), logging.getLogger("asyncio")
    saved = (root.handlers[:], root.level, aio.handlers[:], aio.propagate)
    yield
    root.handlers[:], aio.handlers[:] = saved[0], saved[2]
    root.setLevel(saved[1])
    aio.propagate = saved[3]


def wait_for(probe: Callable[[], T], timeout: float = 30.0) -> T:
    """``probe()`` once it is truthy (or its last value after ``timeout``: the assertion then says what it was)."""
    deadline = time.monotonic() + timeout
    while not (value := probe()) and time.monotonic() < deadline:
        time.sleep(0.05)
    return value


def test_sample_suite_through_the_installed_plugin(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_sample=SAMPLE_SUITE)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-s", "-q", timeout=120)
    result.assert_outcomes(passed=4)
    result.stdout.fnmatch_lines(["*RESET * keys in * ms*", "*START * s ETCD http://127.0.0.1:*"])


async def test_sample_suite_on_a_given_etcd(pytester: pytest.Pytester, tmp_path: Path) -> None:
    """``--aiokube-etcd-servers``: the session's server bootstraps into that etcd instead of one of its own."""
    etcd = EmbeddedEtcd(tmp_path / "etcd", unsafe_no_fsync=True)
    await etcd.start()
    try:
        pytester.makepyfile(test_sample=SAMPLE_SUITE)
        args = ("-p", "no:cacheprovider", "-s", "-q", "-k", "plain_http", f"--aiokube-etcd-servers={etcd.client_url}")
        result = await asyncio.to_thread(pytester.runpytest_subprocess, *args, timeout=120)
        result.assert_outcomes(passed=1, deselected=3)
        result.stdout.fnmatch_lines([f"*ETCD {etcd.client_url}*"])
        etcd_client = EtcdClient([etcd.client_url])
        await etcd_client.connect()
        try:
            resp = await etcd_client.range(b"/registry/namespaces/", prefix_range_end(b"/registry/namespaces/"))
            assert {kv.key for kv in resp.kvs} >= {b"/registry/namespaces/default", b"/registry/namespaces/kube-system"}
        finally:
            await etcd_client.close()
    finally:
        await etcd.stop()


def test_kopf_operator_patches_the_status_of_its_custom_resource(
    kube_apiserver: ServerThread, kubeconfig: Path, kube_namespace: str, tmp_path: Path, kopf_logging: None
) -> None:
    api = config.new_client_from_config(config_file=str(kubeconfig))
    ext, objects = client.ApiextensionsV1Api(api), client.CustomObjectsApi(api)
    ext.create_custom_resource_definition(WIDGETS_CRD)
    assert wait_for(lambda: any(c.type == "Established" and c.status == "True" for c in
                                ext.read_custom_resource_definition("widgets.example.com").status.conditions or []))
    operator = tmp_path / "widgets_operator.py"
    operator.write_text(OPERATOR)

    def status() -> dict[str, Any]:
        return objects.get_namespaced_custom_object("example.com", "v1", kube_namespace, "widgets", "w1").get(
            "status") or {}  # fmt: skip

    with KopfRunner(["run", "--standalone", "--namespace", kube_namespace, str(operator)]) as runner:
        body = {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w1"}, "spec": {"size": 3}}
        objects.create_namespaced_custom_object("example.com", "v1", kube_namespace, "widgets", body)
        created = wait_for(lambda: status().get("replicas"))
        objects.patch_namespaced_custom_object("example.com", "v1", kube_namespace, "widgets", "w1",
                                               {"spec": {"size": 5}})  # fmt: skip
        updated = wait_for(lambda: status().get("replicas") == 10 and status())
    assert runner.exit_code == 0, runner.output
    assert created == 6, runner.output
    assert updated == {"replicas": 10, "phase": "Ready"}, runner.output
    assert "Handler 'reconcile' succeeded" in runner.output


async def test_lightkube_crud_and_watch(kubeconfig: Path, kube_namespace: str) -> None:
    kc = AsyncClient(KubeConfig.from_file(kubeconfig))
    try:
        listed = kc.list(ConfigMap, namespace=kube_namespace)
        assert [m.metadata.name async for m in listed] == ["kube-root-ca.crt"]  # the root CA publisher's
        start_rv = (await kc.get(ConfigMap, "kube-root-ca.crt", namespace=kube_namespace)).metadata.resourceVersion
        events: list[tuple[str, str, dict[str, str] | None]] = []

        async def watch() -> None:
            async for op, obj in kc.watch(ConfigMap, namespace=kube_namespace, resource_version=start_rv):
                events.append((op, obj.metadata.name, obj.data))
                if op == "DELETED":
                    return

        watching = asyncio.create_task(watch())
        made = await kc.create(ConfigMap(metadata=ObjectMeta(name="cfg"), data={"a": "1"}), namespace=kube_namespace)
        assert made.metadata.uid and made.metadata.resourceVersion
        got = await kc.get(ConfigMap, "cfg", namespace=kube_namespace)
        assert got.data == {"a": "1"} and got.metadata.uid == made.metadata.uid
        patched = await kc.patch(ConfigMap, "cfg", {"data": {"b": "2"}}, namespace=kube_namespace)
        assert patched.data == {"a": "1", "b": "2"}
        got.data = {"c": "3"}
        await kc.replace(got, namespace=kube_namespace)  # from the stale copy: a conflict
    except Exception as exc:
        assert type(exc).__name__ == "ApiError" and "the object has been modified" in str(exc), exc
    else:
        raise AssertionError("a replace from a stale resourceVersion was accepted")
    try:
        await kc.delete(ConfigMap, "cfg", namespace=kube_namespace)
        await asyncio.wait_for(watching, 30)
        assert events == [("ADDED", "cfg", {"a": "1"}), ("MODIFIED", "cfg", {"a": "1", "b": "2"}),
                          ("DELETED", "cfg", {"a": "1", "b": "2"})]  # fmt: skip
    finally:
        await kc.close()


async def test_kubernetes_asyncio_create_list_watch(kubeconfig: Path, kube_namespace: str) -> None:
    api = await aconfig.new_client_from_config(config_file=str(kubeconfig))
    async with api:
        v1 = aclient.CoreV1Api(api)
        secrets = await v1.list_namespaced_secret(kube_namespace)
        assert secrets.items == []
        body = {"metadata": {"name": "token"}, "stringData": {"password": "hunter2"}}
        made = await v1.create_namespaced_secret(kube_namespace, body)
        assert made.data == {"password": "aHVudGVyMg=="} and made.type == "Opaque"
        seen = []
        w = awatch.Watch()
        rv = secrets.metadata.resource_version
        stream = w.stream(v1.list_namespaced_secret, kube_namespace, resource_version=rv, timeout_seconds=30)
        async with stream:
            async for event in stream:
                seen.append((event["type"], event["object"].metadata.name))
                if event["type"] == "ADDED":
                    await v1.delete_namespaced_secret("token", kube_namespace)
                elif event["type"] == "DELETED":
                    w.stop()
        assert seen == [("ADDED", "token"), ("DELETED", "token")]


async def test_reset_puts_back_the_bytes_and_watchers_see_it(kube_apiserver: ServerThread, kubeconfig: Path) -> None:
    """After a reset every key under /registry holds what it held after start (kube-system's leases apart),
    custom resource types are gone from the API, and a watcher sees the reset as events."""
    api = config.new_client_from_config(config_file=str(kubeconfig))
    core, ext, sched = client.CoreV1Api(api), client.ApiextensionsV1Api(api), client.SchedulingV1Api(api)
    await asyncio.to_thread(kube_apiserver.reset)
    ns = "reset-me"
    await asyncio.to_thread(core.create_namespace, {"metadata": {"name": ns}})
    for i in range(20):
        await asyncio.to_thread(core.create_namespaced_config_map, ns, {"metadata": {"name": f"c{i}"}})
    await asyncio.to_thread(ext.create_custom_resource_definition, WIDGETS_CRD)
    pc = await asyncio.to_thread(sched.read_priority_class, "system-node-critical")
    await asyncio.to_thread(sched.delete_priority_class, "system-node-critical")
    await asyncio.to_thread(core.patch_namespace, "kube-public", {"metadata": {"labels": {"x": "y"}}})
    rv = (await asyncio.to_thread(core.list_namespaced_config_map, ns)).metadata.resource_version

    async with aiohttp.ClientSession() as session:
        url = f"{kube_apiserver.url}/api/v1/namespaces/{ns}/configmaps?watch=1&resourceVersion={rv}"
        async with session.get(url) as watch:
            done = await asyncio.to_thread(kube_apiserver.reset)
            deleted = set()
            while len(deleted) < 21:  # 20 configmaps and kube-root-ca.crt
                event = await asyncio.wait_for(watch.content.readline(), 30)
                deleted.add(json.loads(event)["object"]["metadata"]["name"])
    assert deleted == {f"c{i}" for i in range(20)} | {"kube-root-ca.crt"}
    assert "/registry/priorityclasses/system-node-critical" in done.restored
    assert "/registry/apiextensions.k8s.io/customresourcedefinitions/widgets.example.com" in done.deleted
    back = await asyncio.to_thread(sched.read_priority_class, "system-node-critical")
    assert back.metadata.uid == pc.metadata.uid and back.value == pc.value
    snapshot = kube_apiserver.server.initial if kube_apiserver.server else None
    assert snapshot is not None
    now = await asyncio.to_thread(kube_apiserver.snapshot)
    kept = [k for k in now.values if snapshot.keep(k)]
    assert {k: v for k, v in now.values.items() if k not in kept} == {
        k: v for k, v in snapshot.values.items() if not snapshot.keep(k)
    }
    widgets = f"{kube_apiserver.url}/apis/example.com/v1/widgets"
    async with aiohttp.ClientSession() as session:
        ok = False
        for _ in range(100):  # the CRD controller stops serving the group once it sees the CRD go
            async with session.get(widgets) as resp:
                if resp.status == 404:
                    ok = True
                    break
            await asyncio.sleep(0.05)
        assert ok, "widgets still served after the reset"
    assert len(done.keys) >= 25 and done.seconds > 0


async def test_serve_on_the_running_loop() -> None:
    """``async with serve()``: the server on the caller's loop (here pytest-asyncio's), same API, async."""
    async with serve(publish_root_ca=False) as srv:
        async with aiohttp.ClientSession() as session:
            async with session.get(srv.url + "/readyz") as resp:
                assert resp.status == 200 and await resp.text() == "ok"
            body = {"metadata": {"name": "made-here"}}
            async with session.post(srv.url + "/api/v1/namespaces/default/configmaps", json=body) as resp:
                assert resp.status == 201
        assert (await srv.reset()).deleted == ["/registry/configmaps/default/made-here"]
        assert (await srv.reset()).keys == []
        assert srv.kubeconfig.read_text().startswith("apiVersion: v1")
    assert not srv.data_dir.exists()  # the temporary data dir goes with the server
