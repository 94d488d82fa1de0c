"""A corpus of managed-fields outcomes: create, update by another manager, server-side apply, for the
sample of every served built-in type (tests/samples.py).

``tests/fixtures/managedfields_corpus.json`` holds what the implementation before the write-path work
(7db74e6, a round trip through the protobuf codec for the canonical form, and path-set managed fields)
computed for it; tests/test_managedfields_corpus.py checks today's code computes the same bytes. To
regenerate from that revision (bench/common.baseline_code extracts it)::

    PYTHONPATH=bench/out/code-<rev>:. python -m tests.managedfields_corpus > tests/fixtures/managedfields_corpus.json
"""

from __future__ import annotations

import copy
import sys
from typing import Any

import orjson

from aiokube.apiserver.defaulting import apply_defaults
from aiokube.apiserver.patching import managedfields as mf
from aiokube.encoding import typed
from aiokube.encoding.k8s_schema import KINDS
from tests.samples import samples

T1, T2, T3 = "2026-11-23T10:00:00Z", "2026-11-23T10:05:00Z", "2026-11-23T10:10:00Z"


def _group(api_version: str) -> str:
    return api_version.split("/", 1)[0] if "/" in api_version else ""


def _changed(obj: dict[str, Any]) -> dict[str, Any]:
    """What a controller's PUT might do: a label more, an annotation changed, one field of the body gone."""
    out = copy.deepcopy(obj)
    md = out["metadata"]
    md["labels"] = {**(md.get("labels") or {}), "controlled": "yes"}
    md["annotations"] = {**(md.get("annotations") or {}), "note": "changed"}
    for key in ("spec", "data", "rules", "subsets", "webhooks"):
        body = out.get(key)
        if isinstance(body, dict) and body:
            body.pop(sorted(body)[0])
            break
    return out


def _applied(obj: dict[str, Any]) -> dict[str, Any]:
    """An apply configuration: name, a label of its own and the first field of the body."""
    out = {"apiVersion": obj["apiVersion"], "kind": obj["kind"],
           "metadata": {"name": obj["metadata"]["name"], "labels": {"applied": "true"}}}  # fmt: skip
    for key in ("spec", "data", "rules", "subsets"):
        if key in obj:
            body = obj[key]
            out[key] = {sorted(body)[0]: body[sorted(body)[0]]} if isinstance(body, dict) and body else body
            break
    return out


def corpus() -> dict[str, Any]:
    out: dict[str, Any] = {}
    for path, sample in samples().items():
        msg = KINDS.get((sample["apiVersion"], sample["kind"]))
        if msg is None:  # a type the revision that made the fixture had no schema for
            continue
        t = mf.builtin_type(msg)
        api_version = sample["apiVersion"]
        obj = copy.deepcopy(sample)
        obj["metadata"] = {**obj["metadata"], "uid": "00000000-0000-4000-8000-000000000001",
                           "creationTimestamp": "2026-11-23T09:00:00Z", "resourceVersion": "5"}  # fmt: skip
        apply_defaults(_group(api_version), sample["kind"], obj)
        created = typed.canonical(obj, msg)
        reset = mf.reset_field_set(["status"]) if "status" in created else None
        mf.update_managed_fields(None, created, "kubectl-create", api_version, T1, t, reset_fields=reset)
        updated = typed.canonical(_changed(created), msg)
        mf.update_managed_fields(created, updated, "controller", api_version, T2, t, reset_fields=reset)
        applied = mf.apply(updated, _applied(sample), "applier", api_version, T3, t, True, kind=sample["kind"])
        out[path] = {"create": created, "update": updated, "apply": applied}
    return out


def main() -> None:
    sys.stdout.buffer.write(orjson.dumps(corpus(), option=orjson.OPT_INDENT_2) + b"\n")


if __name__ == "__main__":
    main()
