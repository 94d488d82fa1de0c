"""deploy/prometheus: promtool checks and unit tests, and a real Prometheus scraping the test server.

The end-to-end test starts ``prometheus`` (Debian's package, ``make tools``) on a free loopback port with a
temporary TSDB, scrapes the session's aiokube every second with the SLO recording and alert rules loaded,
makes some traffic (LIST, WATCH, POST, GET, PATCH of configmaps) and waits until Prometheus's query API
shows it: ``apiserver_request_total``, the watch SLO histogram and the recorded SLIs computed from them.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import shutil
import socket
import subprocess
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families

from aiokube.apiserver.server import APIServer
from tests.conftest import API, run_cmd

DEPLOY = Path(__file__).resolve().parent.parent / "deploy" / "prometheus"
RULES = sorted((DEPLOY / "rules").glob("*.yml"))
UNIT_TESTS = sorted((DEPLOY / "tests").glob("*.yml"))
PROMTOOL = shutil.which("promtool")
PROMETHEUS = shutil.which("prometheus") or ("/usr/bin/prometheus" if Path("/usr/bin/prometheus").exists() else None)

needs_promtool = pytest.mark.skipif(
    PROMTOOL is None, reason="promtool is not installed (Debian package 'prometheus'; `make tools` installs it)"
)
needs_prometheus = pytest.mark.skipif(
    PROMETHEUS is None, reason="prometheus is not installed (Debian package 'prometheus'; `make tools` installs it)"
)

# Label names as kube-apiserver 1.36 exports them (reference/kube-apiserver-1.36/metrics.txt), and aiokube's own.
REQUEST_TOTAL_LABELS = {
    "verb", "dry_run", "group", "version", "resource", "subresource", "scope", "component", "code", "system_client",
}  # fmt: skip
SLI_LABELS = {"verb", "group", "version", "resource", "subresource", "scope", "component", "le"}
WATCH_LATENCY_LABELS = {"group", "resource", "encoder", "le"}


def promtool(*args: str) -> subprocess.CompletedProcess[str]:
    assert PROMTOOL is not None
    return subprocess.run([PROMTOOL, *args], capture_output=True, text=True, timeout=60, check=False)


@needs_promtool
def test_promtool_check_config() -> None:
    """The scrape config and, through rule_files, both rule files."""
    res = promtool("check", "config", str(DEPLOY / "prometheus.yml"))
    assert res.returncode == 0, res.stdout + res.stderr
    assert "WARNING" not in res.stdout + res.stderr, res.stdout + res.stderr


@needs_promtool
def test_promtool_check_rules() -> None:
    assert [p.name for p in RULES] == ["aiokube-slo-alerts.yml", "aiokube-slo-recording.yml"]
    res = promtool("check", "rules", *map(str, RULES))
    assert res.returncode == 0, res.stdout + res.stderr


@needs_promtool
def test_promtool_test_rules() -> None:
    """Synthetic series: every alert fires, stays quiet and resolves as deploy/prometheus/tests/ expects."""
    assert UNIT_TESTS, "no promtool unit tests under deploy/prometheus/tests"
    res = promtool("test", "rules", *map(str, UNIT_TESTS))
    assert res.returncode == 0, res.stdout + res.stderr
    assert res.stdout.count("SUCCESS") == len(UNIT_TESTS), res.stdout


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Prometheus:
    """A prometheus server process and its HTTP API."""

    def __init__(self, session: aiohttp.ClientSession, port: int, log: Path) -> None:
        self.session = session
        self.base = f"http://127.0.0.1:{port}"
        self.log = log

    async def query(self, promql: str) -> list[dict[str, Any]]:
        async with self.session.get(self.base + "/api/v1/query", params={"query": promql}) as resp:
            body = await resp.json()
        assert body["status"] == "success", (promql, body)
        return body["data"]["result"]

    async def api(self, path: str) -> Any:
        async with self.session.get(self.base + path) as resp:
            body = await resp.json()
        assert body["status"] == "success", (path, body)
        return body["data"]

    def logs(self) -> str:
        return self.log.read_text(errors="replace")[-4000:] if self.log.exists() else ""


@pytest.fixture
async def prometheus(
    server: APIServer, http_session: aiohttp.ClientSession, tmp_path: Path
) -> AsyncIterator[Prometheus]:
    assert PROMETHEUS is not None
    port = free_port()
    config = {
        # a /metrics page after the whole suite has a series per (verb, resource) the tests touched (~1 MB) and
        # on a loaded 2-core box took over 2 s to write in two full runs: 5 s lets every scrape finish
        "global": {"scrape_interval": "5s", "scrape_timeout": "5s", "evaluation_interval": "1s"},
        "rule_files": [str(p) for p in RULES],
        "scrape_configs": [{"job_name": "aiokube", "static_configs": [{"targets": [f"127.0.0.1:{server.port}"]}]}],
    }
    (tmp_path / "prometheus.yml").write_text(yaml.safe_dump(config))
    log = tmp_path / "prometheus.log"
    with log.open("wb") as log_file:
        proc = await asyncio.create_subprocess_exec(
            PROMETHEUS,
            f"--config.file={tmp_path / 'prometheus.yml'}",
            f"--storage.tsdb.path={tmp_path / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}",
            "--storage.tsdb.retention.time=1h",
            stdin=asyncio.subprocess.DEVNULL,
            stdout=log_file,
            stderr=log_file,
        )
    prom = Prometheus(http_session, port, log)
    try:
        deadline = time.monotonic() + 20
        while True:
            assert proc.returncode is None, f"prometheus exited with {proc.returncode}:\n{prom.logs()}"
            with contextlib.suppress(aiohttp.ClientError):
                async with http_session.get(prom.base + "/-/ready") as resp:
                    if resp.status == 200:
                        break
            assert time.monotonic() < deadline, f"prometheus not ready after 20 s:\n{prom.logs()}"
            await asyncio.sleep(0.1)
        yield prom
    finally:
        if proc.returncode is None:
            proc.terminate()  # SIGTERM: Prometheus shuts down cleanly (closes the TSDB)
            try:
                await asyncio.wait_for(proc.wait(), 15)
            except TimeoutError:
                proc.kill()
                await proc.wait()
                pytest.fail(f"prometheus did not stop within 15 s of SIGTERM:\n{prom.logs()}")
        assert proc.returncode == 0, f"prometheus exited with {proc.returncode}:\n{prom.logs()}"


async def wait_for(what: str, check: Any, prom: Prometheus, seconds: float = 15.0) -> Any:
    """Poll ``check()``, which returns (done, detail), until done; then return detail. Fail after ``seconds``."""
    deadline = time.monotonic() + seconds
    while True:
        done, detail = await check()
        if done:
            return detail
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}; last seen: {detail!r}\nprometheus log:\n{prom.logs()}")
        await asyncio.sleep(0.25)


def by_labels(result: list[dict[str, Any]], *names: str) -> dict[tuple[str, ...], float]:
    return {tuple(r["metric"].get(n, "") for n in names): float(r["value"][1]) for r in result}


async def make_traffic(api: API, ns: str, count: int, prefix: str = "cm") -> None:
    """LIST, a WATCH that receives ``count`` ADDED and one MODIFIED, POSTs, GETs and a PATCH of configmaps."""
    base = f"/api/v1/namespaces/{ns}/configmaps"
    status, body, _ = await api.get(base)
    assert status == 200, body
    params = {"watch": "1", "resourceVersion": body["metadata"]["resourceVersion"], "timeoutSeconds": "2"}
    async with api.session.get(api.base + base, params=params) as watch:
        assert watch.status == 200
        for i in range(count):
            status, body, _ = await api.post(base, {"metadata": {"name": f"{prefix}-{i}"}, "data": {"i": str(i)}})
            assert status == 201, body
            status, body, _ = await api.get(f"{base}/{prefix}-{i}")
            assert status == 200, body
        status, body, _ = await api.request(
            "PATCH", f"{base}/{prefix}-0", data=b'{"data":{"i":"patched"}}',
            headers={"Content-Type": "application/merge-patch+json"},
        )  # fmt: skip
        assert status == 200, body
        events = []
        while len(events) < count + 1:
            line = await asyncio.wait_for(watch.content.readline(), 10)
            assert line, f"watch ended after {len(events)} events"
            events.append(json.loads(line)["type"])
        assert events == ["ADDED"] * count + ["MODIFIED"]
        # read to the end: the server closes the watch after timeoutSeconds, and counts it then
        while await asyncio.wait_for(watch.content.readline(), 10):
            pass


@needs_prometheus
async def test_prometheus_scrapes_aiokube(prometheus: Prometheus, api: API, ns: str) -> None:
    prom = prometheus

    async def scraped() -> Any:
        result = await prom.query('up{job="aiokube"}')
        targets = (await prom.api("/api/v1/targets"))["activeTargets"]  # lastError says why a scrape failed
        return bool(result) and result[0]["value"][1] == "1", (result, [t.get("lastError") for t in targets])

    await wait_for("the first scrape of aiokube", scraped, prom)
    count = 5
    await make_traffic(api, ns, count, "first")

    async def requests_counted() -> Any:
        result = await prom.query(
            'sum by (verb, code, scope) (apiserver_request_total{job="aiokube",resource="configmaps"})'
        )
        seen = by_labels(result, "verb", "code", "scope")
        want = {
            ("POST", "201", "resource"): count,
            ("GET", "200", "resource"): count,
            ("PATCH", "200", "resource"): 1,
            ("LIST", "200", "namespace"): 1,
            ("WATCH", "200", "namespace"): 1,
        }
        return all(seen.get(k, 0) >= v for k, v in want.items()), seen

    await wait_for("apiserver_request_total for the traffic", requests_counted, prom)

    async def watch_histogram() -> Any:
        buckets = await prom.query('apiserver_watch_event_latency_seconds_bucket{job="aiokube",resource="configmaps"}')
        counted = await prom.query('sum(apiserver_watch_event_latency_seconds_count{resource="configmaps"})')
        n = float(counted[0]["value"][1]) if counted else 0.0
        return bool(buckets) and n >= count + 1, (buckets, n)

    buckets, _ = await wait_for("the watch SLO histogram apiserver_watch_event_latency_seconds", watch_histogram, prom)
    # Prometheus drops empty labels (group="" of the core group); the page itself is checked below
    assert set(buckets[0]["metric"]) - {"__name__", "job", "instance"} == WATCH_LATENCY_LABELS - {"group"}
    assert len({b["metric"]["le"] for b in buckets}) == 18  # 17 boundaries (up to 120 s) and +Inf

    # A series that appears with a value has no increase yet for rate(): more traffic, now that Prometheus has
    # seen every series, gives the recording rules (p99 SLIs, slow ratios) something to compute from.
    await make_traffic(api, ns, count, "second")
    recorded = {
        'aiokube:watch_event_latency:p99_1m{resource="configmaps"}': "watch",
        'aiokube:mutating_request_latency:p99_5m{resource="configmaps",verb="POST"}': "mutating",
        'aiokube:mutating_requests_slow:ratio_rate5m{resource="configmaps",verb="PATCH"}': "mutating ratio",
        'aiokube:readonly_resource_request_latency:p99_5m{resource="configmaps",verb="GET"}': "single read",
        # scope pinned: earlier tests' cluster-wide LISTs of configmaps make a second series, NaN without traffic
        'aiokube:readonly_collection_request_latency:p99_5m{resource="configmaps",verb="LIST",scope="namespace"}': (
            "collection"
        ),
        'aiokube:watch_events_slow:ratio_rate5m{resource="configmaps"}': "watch ratio",
    }

    base = f"/api/v1/namespaces/{ns}/configmaps"

    async def rules_recorded() -> Any:
        values = {}
        for promql in recorded:
            result = await prom.query(promql)
            assert len(result) <= 1, (promql, result)  # one series per query, or result[0] is arbitrary
            values[promql] = float(result[0]["value"][1]) if result else None
        ok = all(v is not None and math.isfinite(v) and v >= 0 for v in values.values())
        if not ok:  # keep some reads coming while the rules catch up with the scrapes
            await api.get(base)
            await api.get(f"{base}/second-0")
        return ok, values

    values = await wait_for("the SLO recording rules on the scraped data", rules_recorded, prom, seconds=30)
    for promql, v in values.items():
        if "ratio" in promql:
            assert 0 <= v <= 1, (promql, v)
        else:
            assert v < 60, (promql, v)  # seconds; the largest finite bucket of either histogram is 60

    # every rule evaluates without error against aiokube's real series (label values, le format)
    groups = (await prom.api("/api/v1/rules"))["groups"]
    assert {g["file"] for g in groups} == {str(p) for p in RULES}
    bad = [(r["name"], r.get("lastError")) for g in groups for r in g["rules"] if r["health"] != "ok"]
    assert not bad, bad

    async def target_up() -> Any:
        # health is the last scrape's: on a loaded box one scrape may overrun its 2 s timeout (lastError says)
        targets = (await prom.api("/api/v1/targets"))["activeTargets"]
        seen = [(t["labels"]["job"], t["health"], t.get("lastError", "")) for t in targets]
        return [s[:2] for s in seen] == [("aiokube", "up")], seen

    await wait_for("the aiokube target to be up", target_up, prom, seconds=20)


async def test_metrics_page_lints_clean(server: APIServer, api: API, ns: str) -> None:
    """``promtool check metrics`` exits 0 on aiokube's /metrics (kube's own page exits 3 with 4 lints)."""
    await make_traffic(api, ns, 2)
    async with api.session.get(server.url + "/metrics") as resp:
        assert resp.status == 200
        assert resp.headers["Content-Type"].startswith("text/plain; version=0.0.4")
        page = await resp.text()
    families = {f.name: f for f in text_string_to_metric_families(page)}
    for name, labels in (
        ("apiserver_request", REQUEST_TOTAL_LABELS),  # the parser strips _total from counter names
        ("apiserver_request_sli_duration_seconds", SLI_LABELS),
        ("apiserver_watch_event_latency_seconds", WATCH_LATENCY_LABELS),
    ):
        assert name in families, f"{name} missing from /metrics"
        samples = [s for s in families[name].samples if s.name.endswith(("_total", "_bucket"))]
        assert samples, f"{name} has no samples"
        assert set(samples[0].labels) == labels, (name, samples[0].labels)
    if PROMTOOL is None:
        pytest.skip("promtool is not installed (Debian package 'prometheus'; `make tools` installs it)")
    rc, out, err = await run_cmd(PROMTOOL, "check", "metrics", input_data=page.encode())
    lints = (out + err).strip()
    print(f"promtool check metrics: exit {rc}" + (f"\n{lints}" if lints else ", no lints"))
    assert rc == 0, f"promtool check metrics exit {rc}:\n{lints}"
