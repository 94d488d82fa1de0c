"""The object of a BOOKMARK event as kube 1.36 writes it.

kube's cacher makes a bookmark's object with the type's constructor (the internal type's zero value), sets its
resourceVersion, and converts it to the watched version: the client gets the Go zero value of every field
that is not ``omitempty`` (a Pod's ``"spec":{"containers":null},"status":{}``) and what conversion fills in
(a Deployment's ``spec.replicas: 0``, a DaemonSet's template-generation annotation). bookmarks.json holds,
per apiVersion/kind, those fields beside kind, apiVersion and metadata.resourceVersion, captured from a real
kube-apiserver 1.36 (a watch with bookmarks on each resource while an object of it is created elsewhere);
kinds with none (a ConfigMap's bookmark is kind, apiVersion and resourceVersion only) and custom resources are
absent. Events are not listed (kube serves their watches from etcd, without bookmarks): theirs carry
kind, apiVersion and resourceVersion.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

import orjson

Obj = dict[str, Any]

#: "apiVersion/kind" -> the zero-value fields of its bookmark, in kube's field order
ZERO_FIELDS: dict[str, bytes] = {
    key: orjson.dumps(fields)
    for key, fields in json.loads(resources.files(__package__).joinpath("bookmarks.json").read_text()).items()
}


def bookmark_object(kind: str, api_version: str, revision: int, annotations: dict[str, str] | None = None) -> Obj:
    """A bookmark's object (a fresh one: the zero fields are kept as JSON and decoded per call)."""
    zero = ZERO_FIELDS.get(f"{api_version}/{kind}")
    fields: Obj = orjson.loads(zero) if zero is not None else {}
    meta: Obj = {"resourceVersion": str(revision)}
    extra_meta = fields.pop("metadata", None) or {}
    if extra_meta.get("annotations") or annotations:
        meta["annotations"] = {**extra_meta.get("annotations", {}), **(annotations or {})}
    return {"kind": kind, "apiVersion": api_version, "metadata": meta, **fields}
