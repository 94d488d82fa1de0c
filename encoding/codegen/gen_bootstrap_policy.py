#!/usr/bin/env python3
"""Generate ``apiserver/authorization/bootstrap_policy.json``: the RBAC objects kube-apiserver's
``rbac/bootstrap-roles`` post-start hook creates, read from kube's own golden files.

Usage::

    python encoding/codegen/gen_bootstrap_policy.py <path-to-kubernetes-tree> \
        > apiserver/authorization/bootstrap_policy.json

The hook creates ``ClusterRoles() + ControllerRoles()``, ``ClusterRoleBindings() + ControllerRoleBindings()``,
``NamespaceRoles()`` and ``NamespaceRoleBindings()``; plugin/pkg/auth/authorizer/rbac/bootstrappolicy/testdata
holds each list as YAML (default feature gates), sorted by name. Kept as they are there (labels, the
``autoupdate`` annotation, ``rules: null`` of the aggregated roles); dropped: what the server fills itself
(creationTimestamp, resourceVersion, uid, managedFields), apiVersion/kind (the loader adds them) and the
OpenShift fork's ``system:openshift:*`` carries, which upstream kube does not have.

The output is JSON, one object per line. Needs PyYAML.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import yaml

TESTDATA = "plugin/pkg/auth/authorizer/rbac/bootstrappolicy/testdata"
#: output key -> golden files, in the order the hook appends them
SOURCES: dict[str, tuple[str, ...]] = {
    "clusterRoles": ("cluster-roles.yaml", "controller-roles.yaml"),
    "clusterRoleBindings": ("cluster-role-bindings.yaml", "controller-role-bindings.yaml"),
    "roles": ("namespace-roles.yaml",),
    "roleBindings": ("namespace-role-bindings.yaml",),
}
SERVER_FILLED = ("creationTimestamp", "resourceVersion", "uid", "managedFields", "generation")
OPENSHIFT_PREFIX = "system:openshift:"


def _clean(obj: dict[str, Any]) -> dict[str, Any] | None:
    meta = obj.get("metadata") or {}
    if str(meta.get("name", "")).startswith(OPENSHIFT_PREFIX):
        return None
    for key in SERVER_FILLED:
        meta.pop(key, None)
    return {k: v for k, v in obj.items() if k not in ("apiVersion", "kind")}


def load(tree: Path) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for key, files in SOURCES.items():
        items: list[dict[str, Any]] = []
        for name in files:
            doc = yaml.safe_load((tree / TESTDATA / name).read_text())
            items += [c for c in map(_clean, doc.get("items") or []) if c is not None]
        out[key] = items
    return out


def render(policy: dict[str, list[dict[str, Any]]]) -> str:
    lines = ["{"]
    for i, (key, items) in enumerate(policy.items()):
        lines.append(f"{json.dumps(key)}: [")
        rows = [json.dumps(o, separators=(",", ":")) for o in items]
        lines += [row + ("," if j < len(rows) - 1 else "") for j, row in enumerate(rows)]
        lines.append("]" + ("," if i < len(policy) - 1 else ""))
    lines.append("}")
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("tree", type=Path, help="a Kubernetes source tree (holds plugin/pkg/auth/...)")
    args = parser.parse_args()
    if not (args.tree / TESTDATA).is_dir():
        print(f"{args.tree / TESTDATA}: not found", file=sys.stderr)
        return 1
    sys.stdout.write(render(load(args.tree)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
