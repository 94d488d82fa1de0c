"""A field of a named Go type (``type PodPhase string``) with a JSON value of the wrong type is refused in
encoding/json's words, which name the Go type as reflect prints it (``v1.PodPhase``, ``[]v1.Capability``,
``v1.ResourceList``), not the underlying ``string``: the table's ``go=`` flags (encoding/codegen). The
expected messages are what the reference kube-apiserver 1.36 answered for the same pods."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import API

PREFIX = 'Pod in version "v1" cannot be handled as a Pod: json: cannot unmarshal '


def _pod(spec: dict[str, Any] | None = None, container: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    containers = [{"name": "c", "image": "nginx", **(container or {})}]
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "typed"},
            "spec": {"containers": containers, **(spec or {})}, **extra}  # fmt: skip


CASES = [
    (_pod({"restartPolicy": 5}),
     "number into Go struct field PodSpec.spec.restartPolicy of type v1.RestartPolicy"),
    (_pod(status={"phase": 5}),
     "number into Go struct field PodStatus.status.phase of type v1.PodPhase"),
    (_pod(container={"securityContext": {"capabilities": {"add": [1]}}}),
     "number into Go struct field Capabilities.spec.containers.securityContext.capabilities.add of type v1.Capability"),
    (_pod(container={"securityContext": {"capabilities": {"add": "x"}}}),
     "string into Go struct field Capabilities.spec.containers.securityContext.capabilities.add of type "
     "[]v1.Capability"),
    (_pod(container={"resources": {"limits": "x"}}),
     "string into Go struct field ResourceRequirements.spec.containers.resources.limits of type v1.ResourceList"),
    (_pod({"tolerations": [{"effect": ["x"]}]}),
     "array into Go struct field Toleration.spec.tolerations.effect of type v1.TaintEffect"),
    (_pod({"securityContext": {"sysctls": [{"name": 1}]}}),  # a plain string field stays "string"
     "number into Go struct field Sysctl.spec.securityContext.sysctls.name of type string"),
]  # fmt: skip


@pytest.mark.parametrize(("pod", "message"), CASES, ids=[m.split(" of type ")[1] for _, m in CASES])
async def test_named_go_types_in_type_errors(api: API, ns: str, pod: dict[str, Any], message: str) -> None:
    code, body, _ = await api.post(f"/api/v1/namespaces/{ns}/pods", pod)
    assert (code, body["reason"], body["message"]) == (400, "BadRequest", PREFIX + message)
