"""Resources served in two versions over one storage: core/v1 and events.k8s.io/v1 Events, autoscaling/v2 and
autoscaling/v1 HorizontalPodAutoscalers. Written in one version, read, listed and watched in the other, in JSON
and protobuf, with the answers of a real kube-apiserver 1.36 (tests/conversions_scenario.py)."""

from __future__ import annotations

import asyncio
import copy
import json
import struct
from typing import Any

import aiohttp
import orjson
import pytest
from prometheus_client import REGISTRY

from aiokube.apiserver.server import APIServer
from aiokube.encoding import protobuf
from tests.conftest import API, KUBECTL, load_fixture, run_cmd
from tests.conversions_scenario import STEPS, USER_AGENT, normalize, request_body

PB = "application/vnd.kubernetes.protobuf"
RECORDED = {step["name"]: step for step in load_fixture("kube-1.36/conversions.json")}


async def _call(api: API, method: str, path: str, body: Any, headers: dict[str, str]) -> tuple[int, Any]:
    data = orjson.dumps(body) if body is not None else None
    status, answer, _ = await api.request(method, path, data=data, headers={"User-Agent": USER_AGENT, **headers})
    return status, answer


async def test_every_step_answers_as_kube_does(api: API, ns: str) -> None:
    """Each request of the scenario, in order, gets kube's status and body (objects field by field, Status
    messages, managedFields, lists, field-selector errors), normalized only for uids, resourceVersions, server
    timestamps and the namespace's name."""
    answers: dict[str, Any] = {}
    for name, method, path, body, headers in STEPS:
        status, answer = await _call(api, method, path.replace("{ns}", ns), request_body(body, answers, ns), headers)
        answers[name] = answer
        want = RECORDED[name]
        assert (status, normalize(answer, ns)) == (want["status"], want["response"]), name


def _event(ns: str, name: str) -> dict[str, Any]:
    return {"metadata": {"name": name}, "involvedObject": {"kind": "Pod", "name": "p", "namespace": ns},
            "reason": "Pulled", "message": "pulled", "source": {"component": "kubelet"}, "count": 1,
            "type": "Normal"}  # fmt: skip


async def _watch_lines(api: API, path: str, rv: str, count: int) -> list[dict[str, Any]]:
    params = {"watch": "1", "resourceVersion": rv, "timeoutSeconds": "10"}
    out: list[dict[str, Any]] = []
    async with api.session.get(api.base + path, params=params) as resp:
        assert resp.status == 200
        while len(out) < count:
            line = await resp.content.readline()
            assert line, "the watch ended early"
            out.append(orjson.loads(line))
    return out


async def test_a_core_event_watched_through_both_versions(api: API, ns: str) -> None:
    """One storage, one cache: a change to a core Event reaches a core watcher and an events.k8s.io watcher,
    each in its version (involvedObject/message there, regarding/note here)."""
    core, v1 = f"/api/v1/namespaces/{ns}/events", f"/apis/events.k8s.io/v1/namespaces/{ns}/events"
    _, listed, _ = await api.get(v1)
    rv = listed["metadata"]["resourceVersion"]
    watches = [asyncio.create_task(_watch_lines(api, path, rv, 3)) for path in (core, v1)]
    await asyncio.sleep(0.2)
    assert (await api.post(core, _event(ns, "w1")))[0] == 201
    assert (await api.request("PATCH", f"{core}/w1", {"message": "again"},
                              headers={"Content-Type": "application/merge-patch+json"}))[0] == 200  # fmt: skip
    assert (await api.delete(f"{v1}/w1"))[0] == 200
    core_events, v1_events = await asyncio.wait_for(asyncio.gather(*watches), 10)
    assert [e["type"] for e in core_events] == [e["type"] for e in v1_events] == ["ADDED", "MODIFIED", "DELETED"]
    for c, e in zip(core_events, v1_events, strict=True):
        assert c["object"]["apiVersion"] == "v1" and e["object"]["apiVersion"] == "events.k8s.io/v1"
        assert c["object"]["metadata"] == e["object"]["metadata"]
        assert e["object"]["regarding"] == c["object"]["involvedObject"] == {"kind": "Pod", "namespace": ns,
                                                                             "name": "p"}  # fmt: skip
        assert e["object"]["note"] == c["object"]["message"]
        assert e["object"]["deprecatedSource"] == {"component": "kubelet"} and e["object"]["deprecatedCount"] == 1
        assert "involvedObject" not in e["object"] and "regarding" not in c["object"]
    assert [e["object"]["note"] for e in v1_events] == ["pulled", "again", "again"]


async def test_an_hpa_written_in_v2_is_watched_in_v1(api: API, ns: str) -> None:
    v1, v2 = (f"/apis/autoscaling/{v}/namespaces/{ns}/horizontalpodautoscalers" for v in ("v1", "v2"))
    _, listed, _ = await api.get(v1)
    watch = asyncio.create_task(_watch_lines(api, v1, listed["metadata"]["resourceVersion"], 2))
    await asyncio.sleep(0.2)
    target = {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"}
    hpa = {"metadata": {"name": "w"}, "spec": {"scaleTargetRef": target,
           "maxReplicas": 3, "metrics": [{"type": "Pods", "pods": {"metric": {"name": "qps"},
                                          "target": {"type": "AverageValue", "averageValue": "10"}}}]}}  # fmt: skip
    assert (await api.post(v2, hpa))[0] == 201
    assert (await api.delete(f"{v2}/w"))[0] == 200
    added, deleted = await asyncio.wait_for(watch, 10)
    assert (added["type"], deleted["type"]) == ("ADDED", "DELETED")
    obj = added["object"]
    assert obj["apiVersion"] == "autoscaling/v1" and "targetCPUUtilizationPercentage" not in obj["spec"]
    metrics = '[{"type":"Pods","pods":{"metricName":"qps","targetAverageValue":"10"}}]'
    assert obj["metadata"]["annotations"] == {"autoscaling.alpha.kubernetes.io/metrics": metrics}
    assert obj["status"] == {"currentReplicas": 0, "desiredReplicas": 0}


def _pb_frames(stream: bytes) -> list[tuple[str, dict[str, Any]]]:
    frames, i = [], 0
    while i < len(stream):
        (n,) = struct.unpack(">I", stream[i : i + 4])
        fields = protobuf.parse_fields(stream[i + 4 : i + 4 + n])  # WatchEvent{type, object: RawExtension{raw}}
        raw = protobuf.parse_fields(fields[2][0])[1][0]
        frames.append((fields[1][0].decode(), protobuf.decode_object(raw)))
        i += 4 + n
    return frames


async def test_protobuf_in_each_version(api: API, ns: str) -> None:
    """GET, LIST and WATCH in protobuf are the JSON objects of the request's version; a protobuf body creates
    in events.k8s.io/v1 as client-go's event recorders send it."""
    v1 = f"/apis/events.k8s.io/v1/namespaces/{ns}/events"
    body = {"apiVersion": "events.k8s.io/v1", "kind": "Event", "metadata": {"name": "pb", "namespace": ns},
            "eventTime": "2024-01-01T00:00:00.123456Z", "reportingController": "example.com/c",
            "reportingInstance": "c-1", "action": "Sync", "reason": "Synced",
            "regarding": {"kind": "Pod", "name": "p", "namespace": ns}, "note": "done", "type": "Normal"}  # fmt: skip
    async with api.session.post(api.base + v1, data=protobuf.encode_object(body),
                                headers={"Content-Type": PB, "Accept": PB}) as resp:  # fmt: skip
        assert resp.status == 201 and resp.headers["Content-Type"] == PB
        created = protobuf.decode_object(await resp.read())
    assert created["apiVersion"] == "events.k8s.io/v1" and created["note"] == "done"
    for path in (f"{v1}/pb", f"/api/v1/namespaces/{ns}/events/pb"):
        async with api.session.get(api.base + path, headers={"Accept": PB}) as resp:
            as_pb = protobuf.decode_object(await resp.read())
        _, as_json, _ = await api.get(path)
        assert as_pb == as_json
    assert as_json["message"] == "done" and as_json["reportingComponent"] == "example.com/c"
    async with api.session.get(api.base + v1, headers={"Accept": PB}) as resp:
        listed = protobuf.decode_object(await resp.read())
    assert listed["kind"] == "EventList" and listed["apiVersion"] == "events.k8s.io/v1"
    assert [i["note"] for i in listed["items"]] == ["done"]
    params = {"watch": "1", "resourceVersion": "0", "timeoutSeconds": "1"}
    async with api.session.get(api.base + v1, params=params, headers={"Accept": f"{PB};stream=watch"}) as resp:
        frames = _pb_frames(await resp.read())
    assert [(t, o["apiVersion"], o["kind"]) for t, o in frames[:1]] == [("ADDED", "events.k8s.io/v1", "Event")]
    assert frames[0][1]["regarding"]["name"] == "p"


async def test_each_event_is_serialized_once_per_version_and_format(api: API, ns: str, server: APIServer) -> None:
    """20 watchers, 5 per (version, format): every event is converted and encoded once per version and format,
    however many watch it (the watch cache keeps the events.k8s.io view and its bytes on the stored entry)."""
    paths = {"v1": f"/api/v1/namespaces/{ns}/events",
             "events.k8s.io/v1": f"/apis/events.k8s.io/v1/namespaces/{ns}/events"}
    _, listed, _ = await api.get(paths["v1"])
    params = {"watch": "1", "resourceVersion": listed["metadata"]["resourceVersion"]}
    events = 40
    got: dict[tuple[str, str, int], bytes] = {}
    session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0))

    async def watcher(version: str, fmt: str, i: int) -> None:
        accept = f"{PB};stream=watch" if fmt == "protobuf" else "application/json"
        data = bytearray()
        async with session.get(api.base + paths[version], params=params, headers={"Accept": accept}) as resp:
            while (data.count(b"ADDED") if fmt == "protobuf" else data.count(b"\n")) < events:
                chunk = await resp.content.readany()
                assert chunk, "the watch ended early"
                data += chunk
        got[(version, fmt, i)] = bytes(data)

    def serializations() -> tuple[float, float]:
        return tuple(REGISTRY.get_sample_value("aiokube_serializations_total", {"encoder": e, "resource": "events"})
                     or 0.0 for e in ("json", "protobuf"))  # fmt: skip

    try:
        tasks = [asyncio.create_task(watcher(v, f, i)) for v in paths for f in ("json", "protobuf") for i in range(5)]
        await asyncio.sleep(0.5)
        before = serializations()
        for i in range(events):
            assert (await api.post(paths["v1"], _event(ns, f"e{i:03}")))[0] == 201
        await asyncio.wait_for(asyncio.gather(*tasks), 30)
        after = serializations()
    finally:
        await session.close()
    assert (after[0] - before[0], after[1] - before[1]) == (2 * events, 2 * events)  # two versions, each once
    for version in paths:
        for fmt in ("json", "protobuf"):
            assert len({got[(version, fmt, i)] for i in range(5)}) == 1  # the same bytes for every watcher
    first = [orjson.loads(line)["object"] for line in got[("events.k8s.io/v1", "json", 0)].splitlines()]
    assert [o["apiVersion"] for o in first] == ["events.k8s.io/v1"] * events
    assert [o["regarding"]["name"] for o in first] == ["p"] * events


async def test_tables_print_the_stored_event_and_embed_the_versions_object(api: API, ns: str) -> None:
    """kube prints the internal object: the same columns and cells in both versions; includeObject=Object embeds
    the request's version."""
    core, v1 = f"/api/v1/namespaces/{ns}/events", f"/apis/events.k8s.io/v1/namespaces/{ns}/events"
    await api.post(core, _event(ns, "t1"))
    table = "application/json;as=Table;v=v1;g=meta.k8s.io"
    tables = []
    for path in (core, v1):
        _, got, _ = await api.get(path, headers={"Accept": table}, params={"includeObject": "Object"})
        tables.append(got)
    assert tables[0]["columnDefinitions"] == tables[1]["columnDefinitions"]
    assert [c["name"] for c in tables[1]["columnDefinitions"]][:4] == ["Last Seen", "Type", "Reason", "Object"]
    assert [r["cells"] for r in tables[0]["rows"]] == [r["cells"] for r in tables[1]["rows"]]
    assert tables[0]["rows"][0]["cells"][3:7] == ["pod/p", "", "kubelet", "pulled"]
    assert tables[1]["rows"][0]["object"]["apiVersion"] == "events.k8s.io/v1"
    assert tables[1]["rows"][0]["object"]["note"] == "pulled"


@pytest.mark.skipif(not __import__("os").path.exists(KUBECTL), reason=f"kubectl not found at {KUBECTL}")
async def test_kubectl_reads_events_and_hpas_in_both_versions(api: API, ns: str, server: APIServer) -> None:
    base = [KUBECTL, "--server", server.url, "-n", ns]
    await api.post(f"/apis/events.k8s.io/v1/namespaces/{ns}/events", {
        "metadata": {"name": "k1"}, "eventTime": "2024-01-01T00:00:00.123456Z", "reportingController": "ctl",
        "reportingInstance": "ctl-1", "action": "Scale", "reason": "Scaled", "type": "Warning",
        "regarding": {"kind": "Deployment", "name": "web", "namespace": ns}, "note": "scaled up"})  # fmt: skip
    code, out, err = await run_cmd(*base, "get", "events")
    assert code == 0, err
    header, row = out.splitlines()
    assert header.split() == ["LAST", "SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"]
    assert row.split()[1:] == ["Warning", "Scaled", "deployment/web", "scaled", "up"]
    code, out, err = await run_cmd(*base, "events", "-o", "json")  # kubectl events reads events.k8s.io's peer
    assert code == 0, err
    assert [(i["reason"], i["message"], i["reportingComponent"]) for i in json.loads(out)["items"]] == [
        ("Scaled", "scaled up", "ctl")]  # fmt: skip
    await api.post(f"/apis/autoscaling/v1/namespaces/{ns}/horizontalpodautoscalers", {
        "metadata": {"name": "web"}, "spec": {"scaleTargetRef": {"kind": "Deployment", "name": "web",
                                              "apiVersion": "apps/v1"}, "maxReplicas": 4}})  # fmt: skip
    code, out, err = await run_cmd(*base, "get", "hpa")
    assert code == 0, err
    assert out.splitlines()[1].split()[:6] == ["web", "Deployment/web", "cpu:", "<unknown>/80%", "1", "4"]
    raw = f"/apis/autoscaling/v1/namespaces/{ns}/horizontalpodautoscalers/web"
    code, out, err = await run_cmd(*base, "get", "--raw", raw)
    assert code == 0, err
    got = json.loads(out)
    assert got["apiVersion"] == "autoscaling/v1" and got["spec"]["targetCPUUtilizationPercentage"] == 80


async def test_python_client_events_v1_and_autoscaling_v1(server: APIServer, ns: str) -> None:
    from kubernetes import client

    def scenario() -> tuple[Any, ...]:
        cfg = client.Configuration()
        cfg.host = server.url
        with client.ApiClient(cfg) as api_client:
            events = client.EventsV1Api(api_client)
            created = events.create_namespaced_event(ns, client.EventsV1Event(
                metadata=client.V1ObjectMeta(name="py"), event_time="2024-01-01T00:00:00.123456Z",
                reporting_controller="example.com/py", reporting_instance="py-1", action="Run", reason="Ran",
                regarding=client.V1ObjectReference(kind="Pod", name="p", namespace=ns), note="ran",
                type="Normal"))  # fmt: skip
            core = client.CoreV1Api(api_client).read_namespaced_event("py", ns)
            hpas = client.AutoscalingV1Api(api_client)
            hpas.create_namespaced_horizontal_pod_autoscaler(ns, client.V1HorizontalPodAutoscaler(
                metadata=client.V1ObjectMeta(name="py"), spec=client.V1HorizontalPodAutoscalerSpec(
                    scale_target_ref=client.V1CrossVersionObjectReference(kind="Deployment", name="web",
                                                                          api_version="apps/v1"),
                    max_replicas=3, target_cpu_utilization_percentage=42)))  # fmt: skip
            status = hpas.read_namespaced_horizontal_pod_autoscaler_status("py", ns)
            v2 = client.AutoscalingV2Api(api_client).read_namespaced_horizontal_pod_autoscaler("py", ns)
            return created, core, status, v2

    created, core, status, v2 = await asyncio.to_thread(scenario)
    assert created.note == "ran" and created.regarding.name == "p"
    assert (core.message, core.reporting_component, core.involved_object.kind) == ("ran", "example.com/py", "Pod")
    assert status.spec.target_cpu_utilization_percentage == 42 and status.status.current_replicas == 0
    assert v2.spec.metrics[0].resource.target.average_utilization == 42 and v2.spec.min_replicas == 1


def test_scenario_recording_is_complete() -> None:
    """The fixture answers every step (a step added without recording it again would pass unnoticed)."""
    assert [name for name, *_ in STEPS] == list(RECORDED)
    assert copy.deepcopy(RECORDED["hpa-v2-as-v1"]["response"]["spec"]) == {
        "scaleTargetRef": {"kind": "Deployment", "name": "web", "apiVersion": "apps/v1"}, "minReplicas": 2,
        "maxReplicas": 5, "targetCPUUtilizationPercentage": 60}  # fmt: skip
