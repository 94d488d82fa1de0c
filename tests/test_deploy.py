"""deploy/: the Kubernetes manifests pass ``kubectl apply --dry-run=server`` against aiokube itself (the
ServiceMonitor through a CRD with the operator's types) and hang together (selectors, ports, probes, etcd
members); the plain Prometheus scrape config passes promtool; the systemd unit passes systemd-analyze; the image
builds and runs (``make soak``, needs a docker daemon)."""

from __future__ import annotations

import shutil
import ssl
import subprocess
import time
import urllib.request
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from aiokube.apiserver.server import APIServer
from tests.conftest import FIXTURES, KUBECTL, run_cmd
from tests.test_prometheus import PROMTOOL

ROOT = Path(__file__).resolve().parent.parent
KUBERNETES = ROOT / "deploy" / "kubernetes"
APISERVER = {"app.kubernetes.io/name": "aiokube", "app.kubernetes.io/component": "apiserver"}
ETCD = {"app.kubernetes.io/name": "aiokube", "app.kubernetes.io/component": "etcd"}


def objects() -> dict[tuple[str, str], dict[str, Any]]:
    """(kind, name) → object, over every manifest."""
    out = {}
    for path in sorted(KUBERNETES.glob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text()):
            if doc:
                out[(doc["kind"], doc["metadata"]["name"])] = doc
    return out


@pytest.fixture
async def kubectl(server: APIServer, tmp_path: Path) -> AsyncIterator[list[str]]:
    """kubectl against the session server, with the ServiceMonitor CRD installed for the test."""
    base = [KUBECTL, "--server", server.url, "--cache-dir", str(tmp_path / "cache")]
    crd = str(FIXTURES / "servicemonitor-crd.yaml")
    rc, _, err = await run_cmd(*base, "apply", "-f", crd)
    assert rc == 0, err
    rc, _, err = await run_cmd(*base, "wait", "--for=condition=Established", "--timeout=30s",
                                 "crd/servicemonitors.monitoring.coreos.com")  # fmt: skip
    assert rc == 0, err
    yield base
    await run_cmd(*base, "delete", "-f", crd, "--wait=false")


async def test_manifests_pass_a_server_dry_run(kubectl: list[str], ns: str) -> None:
    rc, out, err = await run_cmd(*kubectl, "apply", "--dry-run=server", "-n", ns, "-f", str(KUBERNETES))
    assert rc == 0, out + err
    applied = sorted(line.removesuffix(" created (server dry run)") for line in out.splitlines())
    assert applied == [
        "configmap/aiokube-prometheus",
        "deployment.apps/aiokube",
        "networkpolicy.networking.k8s.io/aiokube-etcd",
        "poddisruptionbudget.policy/aiokube",
        "poddisruptionbudget.policy/aiokube-etcd",
        "service/aiokube",
        "service/aiokube-etcd",
        "service/aiokube-etcd-client",
        "serviceaccount/aiokube",
        "servicemonitor.monitoring.coreos.com/aiokube",
        "statefulset.apps/aiokube-etcd",
    ], out
    rc, out, err = await run_cmd(*kubectl, "get", "deploy,sts,svc,pdb,cm,servicemonitors", "-n", ns, "-o", "name")
    assert rc == 0 and "aiokube" not in out, out + err  # a dry run: nothing stored


async def test_a_misspelt_field_fails_the_dry_run(kubectl: list[str], ns: str, tmp_path: Path) -> None:
    """What the dry run is worth: the server's strict field validation and the CRD's schema answer."""
    monitor = yaml.safe_load((KUBERNETES / "servicemonitor.yaml").read_text())
    monitor["spec"]["endpoints"][0]["intervall"] = "5s"
    bad = tmp_path / f"bad-{uuid.uuid4().hex[:6]}.yaml"
    bad.write_text(yaml.safe_dump(monitor))
    rc, out, err = await run_cmd(*kubectl, "apply", "--dry-run=server", "-n", ns, "-f", str(bad))
    assert rc != 0 and 'unknown field "spec.endpoints[0].intervall"' in err, out + err


def test_manifests_hang_together() -> None:
    objs = objects()
    deploy = objs[("Deployment", "aiokube")]
    pod = deploy["spec"]["template"]
    assert deploy["spec"]["replicas"] >= 2 and deploy["spec"]["selector"]["matchLabels"] == APISERVER
    assert pod["metadata"]["labels"] == APISERVER
    container = pod["spec"]["containers"][0]
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    args = dict(a.removeprefix("--").split("=", 1) for a in container["args"] if "=" in a)
    assert ports["https"] == int(args["secure-port"]) and args["plain-http"] == "false"
    for probe, path in (("readinessProbe", "/readyz"), ("livenessProbe", "/livez"), ("startupProbe", "/livez")):
        assert container[probe]["httpGet"] == {"path": path, "port": "https", "scheme": "HTTPS"}
    for kind, name in (("Service", "aiokube"), ("PodDisruptionBudget", "aiokube")):
        spec = objs[(kind, name)]["spec"]
        assert spec["selector"].get("matchLabels", spec["selector"]) == APISERVER, (kind, name)
    assert [p["targetPort"] for p in objs[("Service", "aiokube")]["spec"]["ports"]] == ["https"]
    monitor = objs[("ServiceMonitor", "aiokube")]["spec"]
    assert monitor["selector"]["matchLabels"] == objs[("Service", "aiokube")]["metadata"]["labels"]
    assert [e["port"] for e in monitor["endpoints"]] == ["https"]
    # etcd: 3 members, each in --initial-cluster under its StatefulSet name; aiokube reaches them through the
    # client Service, which selects the members
    sts = objs[("StatefulSet", "aiokube-etcd")]
    assert sts["spec"]["replicas"] == 3 and sts["spec"]["serviceName"] == "aiokube-etcd"
    etcd = sts["spec"]["template"]["spec"]["containers"][0]
    etcd_args = dict(a.removeprefix("--").split("=", 1) for a in etcd["args"])
    members = [m.split("=")[0] for m in etcd_args["initial-cluster"].split(",")]
    assert members == [f"aiokube-etcd-{i}" for i in range(3)]
    assert args["etcd-servers"] == "http://aiokube-etcd-client:2379"
    assert sts["spec"]["selector"]["matchLabels"] == ETCD
    assert objs[("Service", "aiokube-etcd-client")]["spec"]["selector"] == ETCD
    assert objs[("Service", "aiokube-etcd")]["spec"]["clusterIP"] == "None"
    volumes = {v["name"]: v for v in pod["spec"]["volumes"]}
    assert volumes["pki"]["secret"]["secretName"] == "aiokube-pki"
    assert args["token-auth-file"].startswith("/etc/aiokube/tokens/")


@pytest.mark.skipif(PROMTOOL is None, reason="promtool is not installed (`make tools`)")
async def test_prometheus_scrape_config_passes_promtool(tmp_path: Path) -> None:
    """``--syntax-only``: the certificate and token files it names exist only in the pod. Debian's Prometheus is
    built without Kubernetes service discovery; there the rest of the config (auth, TLS, relabelling) is checked
    with the discovery replaced by a static target."""
    assert PROMTOOL is not None
    config = objects()[("ConfigMap", "aiokube-prometheus")]["data"]["prometheus.yml"]
    path = tmp_path / "prometheus.yml"
    path.write_text(config)
    rc, out, err = await run_cmd(PROMTOOL, "check", "config", "--syntax-only", str(path))
    if rc != 0 and "field kubernetes_sd_configs not found" in out + err:
        doc = yaml.safe_load(config)
        for job in doc["scrape_configs"]:
            assert job.pop("kubernetes_sd_configs")[0]["role"] == "endpoints"
            job["static_configs"] = [{"targets": ["aiokube:443"]}]
        path.write_text(yaml.safe_dump(doc))
        rc, out, err = await run_cmd(PROMTOOL, "check", "config", "--syntax-only", str(path))
    assert rc == 0, out + err


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
def test_systemd_unit_passes_systemd_analyze(tmp_path: Path) -> None:
    unit = (ROOT / "deploy" / "systemd" / "aiokube.service").read_text()
    # the unit's ExecStart names where it installs aiokube; point it at this checkout's for the check
    aiokube = Path(shutil.which("aiokube") or ROOT / ".venv" / "bin" / "aiokube")
    (tmp_path / "aiokube.service").write_text(unit.replace("/opt/aiokube/bin/aiokube", str(aiokube)))
    res = subprocess.run(["systemd-analyze", "verify", str(tmp_path / "aiokube.service")], capture_output=True,
                         text=True, timeout=60, check=False)  # fmt: skip
    # an unknown key or a bad value is a warning on stderr, with exit status 0
    assert res.returncode == 0 and not (res.stdout + res.stderr).strip(), res.stdout + res.stderr


def docker_works() -> bool:
    docker = shutil.which("docker")
    return bool(docker) and subprocess.run([docker, "info"], capture_output=True, timeout=30).returncode == 0  # type: ignore[list-item]


@pytest.mark.soak
@pytest.mark.skipif(not docker_works(), reason="no docker daemon answers (`docker info`)")
def test_image_builds_and_serves_with_its_embedded_etcd() -> None:
    tag = "aiokube:test-soak"
    build = subprocess.run(["docker", "build", "-f", str(ROOT / "deploy" / "Dockerfile"), "-t", tag, str(ROOT)],
                           capture_output=True, text=True, timeout=1800, check=False)  # fmt: skip
    assert build.returncode == 0, build.stdout[-3000:] + build.stderr[-3000:]
    version = subprocess.run(["docker", "run", "--rm", "--entrypoint", "aiokube", tag, "--version"],
                             capture_output=True, text=True, timeout=120, check=False)  # fmt: skip
    assert version.returncode == 0 and version.stdout.startswith("aiokube "), version.stdout + version.stderr
    user = subprocess.run(["docker", "run", "--rm", "--entrypoint", "id", tag, "-u"], capture_output=True, text=True,
                          timeout=120, check=False)  # fmt: skip
    assert user.stdout.strip() not in ("", "0"), user.stdout + user.stderr
    run = subprocess.run(["docker", "run", "-d", "--rm", "-p", "127.0.0.1::6443", tag], capture_output=True,
                         text=True, timeout=120, check=True)  # fmt: skip
    container = run.stdout.strip()
    try:
        port = subprocess.run(["docker", "port", container, "6443"], capture_output=True, text=True, timeout=60,
                              check=True).stdout.split(":")[-1].strip()  # fmt: skip
        context = ssl.create_default_context()
        context.check_hostname, context.verify_mode = False, ssl.CERT_NONE  # its generated CA is inside
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"https://127.0.0.1:{port}/readyz", context=context, timeout=5) as r:
                    assert r.read() == b"ok"
                    break
            except OSError:
                assert time.monotonic() < deadline, "the container did not become ready"
                time.sleep(1)
    finally:
        subprocess.run(["docker", "stop", container], capture_output=True, timeout=120, check=False)
