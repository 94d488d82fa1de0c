"""The warnings kube's type strategies add to writes, replayed from kube-apiserver 1.36's answers
(tests/warnings_scenario.py, tests/fixtures/kube-1.36/strategy_warnings.json), and how they reach clients."""

from __future__ import annotations

import asyncio
import json
import subprocess
import time
from typing import Any

import pytest

from aiokube.apiserver.registry import warningrecorder
from aiokube.apiserver.registry.strategywarnings import addresses, kinds, podspec, tlspair
from aiokube.apiserver.server import APIServer
from tests.conftest import API, KUBECTL
from tests.warnings_scenario import CLEANUP, FIXTURE, STEPS, fill, parse_warnings

RECORDED = {step["name"]: step for step in json.loads(FIXTURE.read_text())}


async def _send(api: API, method: str, path: str, body: Any, ctype: str) -> tuple[int, list[str]]:
    status, _, headers = await api.request(
        method, path, body, headers={"Content-Type": ctype or "application/json"}
    )
    return status, parse_warnings(headers.getall("Warning", []))


async def test_every_step_warns_as_kube_does(api: API, ns: str) -> None:
    """Each write of the scenario, in order, gets kube's status and its Warning headers in kube's order: pods
    and every kind with a pod template (the name, node labels, annotations, volumes, overlapping paths, ports,
    environment, quantities, IPs), updates only when the generation moved (a ReplicationController's about the
    template it replaces), status writes, the other kinds' checks, custom resources' finalizers and CRD formats."""
    try:
        for name, method, path, body, ctype in STEPS:
            target = path.replace("{ns}", ns)
            status, warnings = await _send(api, method, target, fill(body, ns), ctype)
            deadline = time.monotonic() + 10
            while status == 404 and name.startswith("cr_") and time.monotonic() < deadline:
                await asyncio.sleep(0.1)  # the CRD is not served yet
                status, warnings = await _send(api, method, target, fill(body, ns), ctype)
            want = RECORDED[name]
            assert (status, [w.replace(ns, "{ns}") for w in warnings]) == (want["status"], want["warnings"]), name
    finally:
        for path in CLEANUP:
            await api.delete(path.replace("{ns}", ns))


def test_scenario_recording_is_complete() -> None:
    """The fixture answers every step (a step added without recording it again would pass unnoticed)."""
    assert [name for name, *_ in STEPS] == list(RECORDED)


async def test_warnings_ride_on_errors_after_them(api: API, ns: str) -> None:
    """kube records a strategy's warnings once validation passed: a create that then fails (the name is taken)
    still carries them, as kube's answer does; one that fails validation carries none."""
    body = {"metadata": {"name": "dup"}, "spec": {"containers": [{"name": "c", "image": "i"}],
                                                  "nodeSelector": {"beta.kubernetes.io/os": "linux"}}}  # fmt: skip
    warning = 'spec.nodeSelector[beta.kubernetes.io/os]: deprecated since v1.14; use "kubernetes.io/os" instead'
    assert await _send(api, "POST", f"/api/v1/namespaces/{ns}/pods", body, "") == (201, [warning])
    assert await _send(api, "POST", f"/api/v1/namespaces/{ns}/pods", body, "") == (409, [warning])
    body["spec"]["containers"] = []
    body["metadata"]["name"] = "other"
    assert await _send(api, "POST", f"/api/v1/namespaces/{ns}/pods", body, "") == (422, [])


async def test_dry_run_and_apply_warn_too(api: API, ns: str) -> None:
    """A dry-run create and a server-side apply go through the same strategy."""
    pvc = {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "c"},
           "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1.5"}}}}  # fmt: skip
    want = ['spec.resources.requests[storage]: fractional byte value "1500m" is invalid, must be an integer']
    path = f"/api/v1/namespaces/{ns}/persistentvolumeclaims"
    assert await _send(api, "POST", f"{path}?dryRun=All", pvc, "") == (201, want)
    apply = f"{path}/c?fieldManager=m"
    assert await _send(api, "PATCH", apply, pvc, "application/apply-patch+yaml") == (201, want)


async def test_kubectl_prints_them(server: APIServer, ns: str) -> None:
    """What a user sees: kubectl prints each warning on stderr as ``Warning: ...``."""
    env = [{"name": "A", "value": "1"}, {"name": "A", "value": "2"}]
    manifest = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": ns},
                "spec": {"containers": [{"name": "c", "image": "i", "env": env}]}}  # fmt: skip
    proc = await asyncio.to_thread(
        subprocess.run,
        [KUBECTL, "--server", server.url, "create", "-f", "-"],
        input=json.dumps(manifest), capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert (
        'Warning: spec.containers[0].env[1]: hides previous definition of "A", which may be dropped when using apply'
        in proc.stderr
    )


def test_nothing_is_recorded_outside_a_request() -> None:
    """The server's own writes (controllers) have no recorder: the store does not compute warnings for them."""
    assert not warningrecorder.recording()
    warningrecorder.add(["dropped"])  # no error, nowhere to go
    into: list[str] = []
    token = warningrecorder.start(into)
    try:
        assert warningrecorder.recording()
        warningrecorder.add(["kept"])
    finally:
        warningrecorder.stop(token)
    assert into == ["kept"] and not warningrecorder.recording()


@pytest.mark.parametrize(
    ("value", "want"),
    [
        ("10.0.0.1", []),
        ("2001:db8::1", []),
        ("2001:DB8::1", ['f: IPv6 address "2001:DB8::1" should be in RFC 5952 canonical format ("2001:db8::1")']),
        ("010.0.0.1", ['f: non-standard IP address "010.0.0.1" is invalid: use "10.0.0.1"']),
        ("::ffff:1.2.3.4", ['f: non-standard IP address "::ffff:1.2.3.4" is invalid: use "1.2.3.4"']),
        ("not an ip", []),
    ],
)
def test_ip_warnings(value: str, want: list[str]) -> None:
    assert addresses.ip_warnings("f", value) == want


@pytest.mark.parametrize(
    ("value", "want"),
    [
        ("10.0.0.0/8", []),
        ("10.0.0.1/8", ['f: CIDR value "10.0.0.1/8" is ambiguous in this context (should be "10.0.0.0/8" or '
                        '"10.0.0.1/32"?)']),
        ("010.0.0.0/8", ['f: non-standard CIDR value "010.0.0.0/8" is invalid: use "10.0.0.0/8"']),
        ("10.0.0.0/08", ['f: non-standard CIDR value "10.0.0.0/08" is invalid: use "10.0.0.0/8"']),
        ("2001:DB8::/32", ['f: IPv6 CIDR value "2001:DB8::/32" should be in RFC 5952 canonical format '
                           '("2001:db8::/32")']),
    ],
)  # fmt: skip
def test_cidr_warnings(value: str, want: list[str]) -> None:
    assert addresses.cidr_warnings("f", value) == want


@pytest.mark.parametrize(
    ("value", "want"),
    [("1", None), ("1Gi", None), ("1500m", "1500m"), ("1.5", "1500m"), ("0.9999", None), ("1.0001", "1000100u")],
)
def test_fractional_bytes_follow_go_milli_value(value: str, want: str | None) -> None:
    """MilliValue rounds up: 0.9999 bytes is 1000 milli-bytes and gets no warning, as in kube."""
    assert podspec.fractional_bytes(value) == want


def test_tls_pair_texts() -> None:
    assert tlspair.key_pair_error("", "") == "tls: failed to find any PEM data in certificate input"
    import base64

    other = base64.b64encode(b"-----BEGIN OTHER-----\nAAAA\n-----END OTHER-----\n").decode()
    assert tlspair.key_pair_error(other, "") == (
        'tls: failed to find "CERTIFICATE" PEM block in certificate input after skipping PEM blocks of the '
        "following types: [OTHER]"
    )


def test_pod_update_has_no_warnings_but_templates_do() -> None:
    """kube skips a pod's update warnings (a busy path); a workload's template is checked when the generation
    moved."""
    template = {"spec": {"containers": [], "terminationGracePeriodSeconds": -1}}
    old = {"metadata": {"generation": 1}, "spec": {"template": template}}
    assert kinds.workload_on_update({"metadata": {"generation": 1}, "spec": {"template": template}}, old) == []
    assert kinds.workload_on_update({"metadata": {"generation": 2}, "spec": {"template": template}}, old) == [
        "spec.template.spec.terminationGracePeriodSeconds: must be >= 0; negative values are invalid and will be "
        "treated as 1"
    ]


async def test_a_deprecated_kind_warns_first_then_decoding_then_the_strategy(api: API, ns: str) -> None:
    """kube's recorder order (checked on kube 1.36): the deprecated version's warning (recorded as the request
    is routed), then the body's unknown fields, then the strategy's warnings."""
    body = {"metadata": {"name": "e"}, "bogus": 1, "subsets": [{"addresses": [{"ip": "2001:DB8::1"}]}]}
    assert await _send(api, "POST", f"/api/v1/namespaces/{ns}/endpoints", body, "") == (201, [
        "v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice",
        'unknown field "bogus"',
        'subsets[0].addresses[0].ip: IPv6 address "2001:DB8::1" should be in RFC 5952 canonical format ("2001:db8::1")',
    ])  # fmt: skip


def _naive_overlaps(paths: list[str]) -> list[tuple[int, int]]:
    """kube's checkForOverlap, pair by pair."""
    out = []
    for i, path in enumerate(paths):
        for j in range(i):
            other = paths[j]
            if path and other and ((other + "/").startswith(path + "/") or (path + "/").startswith(other + "/")):
                out.append((i, j))
    return out


def _naive_ports(ports: list[tuple[int, str, int]]) -> list[tuple[int, int, str]]:
    """kube's port comparison, pair by pair: (this, earlier, which warning)."""
    out = []
    for i, (cp, ip, hp) in enumerate(ports):
        for j in range(i):
            ocp, oip, ohp = ports[j]
            if cp != ocp:
                continue
            if ip == oip and hp == ohp:
                out.append((i, j, "duplicate"))
            elif hp == 0 or ohp == 0:
                out.append((i, j, "overlapping"))
            elif hp == ohp and (ip == "") != (oip == ""):
                out.append((i, j, "dangerously ambiguous"))
    return out


def test_indexed_pair_checks_find_what_kube_compares_pairwise() -> None:
    """The indexed overlap and port checks (kube compares every pair) find the same pairs, in kube's order."""
    import random

    rng = random.Random(7)
    for _ in range(300):
        paths = ["/".join(rng.choice("ab") for _ in range(rng.randint(1, 3))) for _ in range(rng.randint(1, 12))]
        items = [{"key": f"k{i}", "path": p} for i, p in enumerate(paths)]
        got = podspec.overlapping_path_warnings([{"name": "v", "configMap": {"name": "c", "items": items}}])
        want = [f'volume "v" (ConfigMap "c"): overlapping paths: "{paths[i]}" with "{paths[j]}"'
                for i, j in _naive_overlaps(paths)]  # fmt: skip
        assert got == want, paths
        ports = [(rng.choice((80, 81)), rng.choice(("", "10.0.0.1")), rng.choice((0, 8080, 8081)))
                 for _ in range(rng.randint(1, 10))]  # fmt: skip
        declared = [{"containerPort": cp, "protocol": "TCP", **({"hostIP": ip} if ip else {}),
                     **({"hostPort": hp} if hp else {})} for cp, ip, hp in ports]  # fmt: skip
        spec = {"containers": [{"name": "c", "ports": declared}]}
        got = [w for w in podspec.pod_spec_warnings("", spec, {}) if "definition with" in w]
        want = [f"spec.containers[0].ports[{i}]: {what} port definition with spec.containers[0].ports[{j}]"
                for i, j, what in _naive_ports(ports)]  # fmt: skip
        assert got == want, ports


def test_huge_pair_checks_stay_bounded() -> None:
    """100,000 items of one volume and 50,000 ports of one number: kube's pairwise checks would run ~10^10
    comparisons (hours here); indexed, they finish, and make no more warnings than kube's recorder writes."""
    items = [{"key": f"k{i}", "path": f"d{i % 100}/f{i}"} for i in range(100_000)]
    assert podspec.overlapping_path_warnings([{"name": "v", "configMap": {"name": "c", "items": items}}]) == []
    same = [{"key": f"k{i}", "path": "p"} for i in range(100_000)]
    many = podspec.overlapping_path_warnings([{"name": "v", "configMap": {"name": "c", "items": same}}])
    assert len(many) == podspec.MAX_WARNINGS
    ports = [{"containerPort": 80, "protocol": "TCP", "hostPort": 1 + i % 60000, "hostIP": "10.0.0.1"}
             for i in range(50_000)]  # fmt: skip
    assert podspec.pod_spec_warnings("", {"containers": [{"name": "c", "ports": ports}]}, {}) == []


def test_tls_pair_of_hostile_pem_is_linear() -> None:
    """20,000 BEGIN lines with one END at the end (a regular expression pairing them, or decoding every body to
    the END, took 16-36 s)."""
    import base64

    data = base64.b64encode(b"-----BEGIN A-----\n" * 20_000 + b"-----END A-----\n").decode()
    assert tlspair.key_pair_error(data, "").startswith('tls: failed to find "CERTIFICATE" PEM block')
