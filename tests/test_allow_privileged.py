"""``--allow-privileged``: kube's flag (default false in kube, true here as clusters set it). With it off,
privileged containers and HostProcess pods are refused with kube 1.36's texts
(tests/fixtures/kube-1.36/allow_privileged.json, recorded on a reference started with it off)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aiohttp

from tests.conftest import load_fixture
from tests.serverproc import start_server

RECORDED = load_fixture("kube-1.36/allow_privileged.json")


async def _answers(url: str) -> list[list[Any]]:
    out: list[list[Any]] = []
    async with aiohttp.ClientSession() as session:
        base = f"{url}/api/v1/namespaces/default"
        for body in RECORDED["steps"]:
            async with session.post(f"{base}/pods", json=body) as resp:
                out.append([resp.status, (await resp.json()).get("message", "") if resp.status >= 300 else ""])
        template = {"metadata": {"labels": {"a": "b"}}, "spec": RECORDED["steps"][0]["spec"]}
        spec = {"selector": {"matchLabels": {"a": "b"}}, "template": template}
        deployment = {"metadata": {"name": "d"}, "spec": spec}
        async with session.post(f"{url}/apis/apps/v1/namespaces/default/deployments", json=deployment) as resp:
            out.append([resp.status, (await resp.json()).get("message", "")])
    return out


async def test_privileged_refused_as_kube_when_not_allowed(tmp_path: Path) -> None:
    proc = start_server(tmp_path / "off", "--allow-privileged=false", "--authorization-mode", "AlwaysAllow")
    try:
        assert await _answers(proc.url) == RECORDED["kube"]
    finally:
        assert proc.stop() == 0


async def test_privileged_allowed_by_default(tmp_path: Path) -> None:
    proc = start_server(tmp_path / "on", "--authorization-mode", "AlwaysAllow")
    try:
        answers = await _answers(proc.url)
    finally:
        assert proc.stop() == 0
    runs_as = "spec.containers[0].securityContext.runAsUser: Invalid value: -1: must be between 0 and 2147483647"
    assert answers[0][0] == 422 and runs_as in answers[0][1] and "privileged" not in answers[0][1]
    assert [a[0] for a in answers[1:]] == [201, 201, 422]
