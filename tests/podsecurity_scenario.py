"""PodSecurity admission as kube-apiserver 1.36 answers it: namespaces labelled for each mode, level and version
(and labels that do not parse), pods and Deployments that break every check of the baseline and restricted
levels, updates that do and do not change what runs, and raised enforce levels over existing pods. Each step's
status, message and ``Warning`` headers.

``tests/fixtures/kube-1.36/podsecurity.json`` holds kube's answers; tests/test_podsecurity.py replays the steps
against aiokube. To record again::

    python -m tests.podsecurity_scenario https://127.0.0.1:16443 anchor-token

``{s}`` in a path or body is the run's suffix (namespaces are cluster-scoped). The reference refuses privileged
containers (``--allow-privileged`` off), so no step sets one.
"""

from __future__ import annotations

import json
import ssl
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from tests.warnings_scenario import parse_warnings

FIXTURE = Path(__file__).parent / "fixtures" / "kube-1.36" / "podsecurity.json"
P = "pod-security.kubernetes.io/"
MERGE, SMP = "application/merge-patch+json", "application/strategic-merge-patch+json"
Step = tuple[str, str, str, Any, str]


def _pod(name: str, spec: dict[str, Any] | None = None, containers: list[Any] | None = None,
         meta: dict[str, Any] | None = None) -> dict[str, Any]:  # fmt: skip
    return {"metadata": {"name": name, **(meta or {})},
            "spec": {"containers": containers or [{"name": "c", "image": "nginx"}], **(spec or {})}}  # fmt: skip


_GOOD = {"allowPrivilegeEscalation": False, "runAsNonRoot": True, "capabilities": {"drop": ["ALL"]},
         "seccompProfile": {"type": "RuntimeDefault"}}  # fmt: skip
PODS = [
    _pod("plain"),
    _pod("good", containers=[{"name": "c", "image": "nginx", "securityContext": _GOOD}]),
    _pod("bad1", {"hostNetwork": True, "hostPID": True, "volumes": [
        {"name": "h", "hostPath": {"path": "/"}}, {"name": "n", "nfs": {"server": "s", "path": "/"}},
        {"name": "g", "gitRepo": {"repository": "r"}}]}, [
        {"name": "a", "image": "nginx",
         "ports": [{"containerPort": 80, "hostPort": 80}, {"containerPort": 8081, "hostPort": 8081}],
         "securityContext": {"runAsUser": 0, "capabilities": {"add": ["NET_ADMIN", "SYS_TIME", "CHOWN"]}}},
        {"name": "b", "image": "nginx", "securityContext": {"allowPrivilegeEscalation": True, "runAsNonRoot": False}},
    ]),
    _pod("bad2", {"hostUsers": False, "securityContext": {
        "seccompProfile": {"type": "Unconfined"}, "appArmorProfile": {"type": "Unconfined"},
        "seLinuxOptions": {"type": "spc_t", "user": "u"}, "runAsNonRoot": False, "runAsUser": 0,
        "sysctls": [{"name": "kernel.msgmax", "value": "1"}, {"name": "net.ipv4.tcp_syncookies", "value": "1"}]}},
        [{"name": "a", "image": "nginx", "securityContext": {
            "seccompProfile": {"type": "Localhost", "localhostProfile": "p"}, "procMount": "Unmasked",
            "seLinuxOptions": {"role": "r"}}}],
        {"annotations": {"container.apparmor.security.beta.kubernetes.io/a": "unconfined",
                         "seccomp.security.alpha.kubernetes.io/pod": "unconfined"}}),
    _pod("bad3", {"initContainers": [{"name": "i", "image": "busybox"}]}, [
        {"name": "a", "image": "nginx", "readinessProbe": {"httpGet": {"port": 80, "host": "1.2.3.4"}},
         "lifecycle": {"preStop": {"httpGet": {"port": 80, "host": "evil"}}}},
        {"name": "b", "image": "nginx", "livenessProbe": {"tcpSocket": {"port": 80, "host": "5.6.7.8"}}},
    ]),
    _pod("bad5", {"securityContext": {
        "seccompProfile": {"type": "RuntimeDefault"}, "runAsNonRoot": True,
        "seLinuxOptions": {"type": "container_engine_t"},
        "sysctls": [{"name": "net.ipv4.tcp_rmem", "value": "4096 87380 6291456"},
                    {"name": "kernel.sem", "value": "1"}]}},
        [{"name": "a", "image": "nginx", "securityContext": {
            "seccompProfile": {"type": "Unconfined"}, "appArmorProfile": {"type": "Unconfined"}, "runAsUser": 0}},
         {"name": "b", "image": "nginx", "securityContext": {
             "appArmorProfile": {"type": "Localhost", "localhostProfile": "x"}, "seLinuxOptions": {"type": "bad_t"},
             "windowsOptions": {"hostProcess": False}}}]),
    _pod("bad6", {"os": {"name": "windows"}, "securityContext": {"runAsNonRoot": True}}),
    _pod("bad4", containers=[{"name": "a", "image": "nginx", "securityContext": {
        **_GOOD, "capabilities": {"drop": ["ALL"], "add": ["NET_BIND_SERVICE", "NET_RAW"]}}}]),
]  # fmt: skip


def _deployment(pod: dict[str, Any]) -> dict[str, Any]:
    name = pod["metadata"]["name"]
    return {"metadata": {"name": name}, "spec": {"selector": {"matchLabels": {"app": name}},
            "template": {"metadata": {"labels": {"app": name}}, "spec": pod["spec"]}}}  # fmt: skip


NAMESPACES = {
    "r": {P + "enforce": "restricted"},
    "b": {P + "enforce": "baseline", P + "warn": "restricted"},
    "v": {P + "enforce": "restricted", P + "enforce-version": "v1.22"},
    "w": {P + "warn": "baseline", P + "audit": "restricted"},
    "bad": {P + "enforce": "foo", P + "warn-version": "1.2", P + "audit-version": "v1.02"},
    "x": {},
}


def _steps() -> list[Step]:
    steps: list[Step] = [(f"ns {k}", "POST", "/api/v1/namespaces", {"metadata": {"name": f"psa{k}-{{s}}", "labels": v}},
                          "") for k, v in NAMESPACES.items()]  # fmt: skip
    for key in ("r", "b", "v", "w", "x"):
        steps += [(f"pod {key} {p['metadata']['name']}", "POST", f"/api/v1/namespaces/psa{key}-{{s}}/pods", p, "")
                  for p in PODS]  # fmt: skip
    for key in ("r", "b", "w"):
        path = f"/apis/apps/v1/namespaces/psa{key}-{{s}}/deployments"
        steps += [(f"deploy {key} {p['metadata']['name']}", "POST", path, _deployment(p), "") for p in PODS[1:4]]
    plain = "/api/v1/namespaces/psab-{s}/pods/plain"
    x = "/api/v1/namespaces/psax-{s}"
    return [
        *steps,
        ("label plain b", "PATCH", plain, {"metadata": {"labels": {"x": "y"}}}, MERGE),
        ("image plain b", "PATCH", plain, {"spec": {"containers": [{"name": "c", "image": "nginx:2"}]}}, SMP),
        ("raise x baseline", "PATCH", x, {"metadata": {"labels": {P + "enforce": "baseline"}}}, MERGE),
        ("raise x restricted", "PATCH", x, {"metadata": {"labels": {P + "enforce": "restricted"}}}, MERGE),
        ("lower x baseline", "PATCH", x, {"metadata": {"labels": {P + "enforce": "baseline"}}}, MERGE),
        ("bad x", "PATCH", x, {"metadata": {"labels": {P + "enforce": "nope"}}}, MERGE),
        *_subresource_steps(),
    ]


def _subresource_steps() -> list[Step]:
    """In the namespace enforcing baseline and warning restricted: ephemeral containers (checked), a resize (not
    significant), a dry run, a server-side apply, a PUT that creates nothing, a CronJob's template."""
    pods = "/api/v1/namespaces/psab-{s}/pods"
    apps, batch = "/apis/apps/v1/namespaces/psab-{s}", "/apis/batch/v1/namespaces/psab-{s}"
    cpu = {"requests": {"cpu": "100m"}, "limits": {"cpu": "200m"}}
    spec = {"hostIPC": True, "containers": [{"name": "c", "image": "nginx"}]}
    template = {"metadata": {"labels": {"a": "b"}}, "spec": spec}
    job = {"spec": {"template": {"spec": {**spec, "restartPolicy": "Never"}}}}
    return [
        ("pod b p", "POST", pods, {"metadata": {"name": "p"}, "spec": {"containers": [
            {"name": "c", "image": "nginx", "resources": cpu}]}}, ""),
        ("ephemeral p", "PATCH", f"{pods}/p/ephemeralcontainers", {"spec": {"ephemeralContainers": [
            {"name": "dbg", "image": "busybox", "securityContext": {"capabilities": {"add": ["SYS_PTRACE"]}}}]}}, SMP),
        ("ephemeral p 2", "PATCH", f"{pods}/p/ephemeralcontainers", {"spec": {"ephemeralContainers": [
            {"name": "dbg2", "image": "busybox"}]}}, SMP),
        ("resize p", "PATCH", f"{pods}/p/resize", {"spec": {"containers": [
            {"name": "c", "resources": {"requests": {"cpu": "150m"}}}]}}, SMP),
        ("dry run q", "POST", f"{pods}?dryRun=All", {"metadata": {"name": "q"}, "spec": {
            "hostNetwork": True, "containers": [{"name": "c", "image": "nginx"}]}}, ""),
        ("apply q", "PATCH", f"{pods}/q?fieldManager=m", {"apiVersion": "v1", "kind": "Pod", "metadata": {
            "name": "q"}, "spec": {"hostPID": True, "containers": [{"name": "c", "image": "nginx"}]}},
         "application/apply-patch+yaml"),
        ("put daemonset", "PUT", f"{apps}/daemonsets/d", {"metadata": {"name": "d"}, "spec": {
            "selector": {"matchLabels": {"a": "b"}}, "template": template}}, ""),
        ("cronjob", "POST", f"{batch}/cronjobs", {"metadata": {"name": "cj"}, "spec": {
            "schedule": "* * * * *", "jobTemplate": job}}, ""),
    ]  # fmt: skip


STEPS = _steps()


def fill(value: Any, suffix: str) -> Any:
    return json.loads(json.dumps(value).replace("{s}", suffix)) if value is not None else None


def _send(base: str, token: str, method: str, path: str, body: Any, ctype: str) -> tuple[int, str, list[str]]:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(base + path, data=data, method=method)
    req.add_header("Content-Type", ctype or "application/json")
    req.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(req, context=ssl._create_unverified_context()) as resp:
            resp.read()
            return resp.status, "", parse_warnings(resp.headers.get_all("Warning") or [])
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())["message"], parse_warnings(e.headers.get_all("Warning") or [])


def record(base: str, token: str) -> list[dict[str, Any]]:
    suffix = str(int(time.time()))
    out = []
    for name, method, path, body, ctype in STEPS:
        status, message, warnings = _send(base, token, method, fill(path, suffix), fill(body, suffix), ctype)
        if name.startswith("ns "):  # the reference runs no controllers: pods need the default ServiceAccount
            ns = f"{fill(path, suffix)}/{fill(body, suffix)['metadata']['name']}/serviceaccounts"
            _send(base, token, "POST", ns, {"metadata": {"name": "default"}}, "")
            time.sleep(0.2)
        out.append({"name": name, "status": status, "message": message.replace(suffix, "{s}"),
                    "warnings": [w.replace(suffix, "{s}") for w in warnings]})  # fmt: skip
    return out


if __name__ == "__main__":
    answers = record(sys.argv[1], sys.argv[2])
    FIXTURE.write_text(json.dumps(answers, indent=1) + "\n")
    for a in answers:
        print(a["name"], a["status"], a["message"][:200], *a["warnings"], sep="\n  ")
