"""Remembered decodes of the part of a typed body that is not metadata.

Clients and controllers create many objects from one template (a ReplicaSet's pods, a load generator's
ConfigMaps): their bodies differ in metadata only. For those, decode_object's typed check, defaulting and
canonical form of everything but metadata (a pod's: ~110 us of a ~1.3 ms create) are the same each time, so
they are remembered by that part's JSON; metadata is still checked, defaulted and made canonical per request.

It holds only where defaulting treats metadata apart from the rest: kinds whose defaults copy labels between
the template and the object (ReplicationController, Job) are always decoded whole. A Pod's only metadata default
(dropping old init-container annotations) and a Namespace's (its name label) read metadata alone, so they run
per request on it. tests/test_typedmemo.py checks the remembered result against the whole decode for every
built-in type's sample.
"""

from __future__ import annotations

from typing import Any

import orjson

from aiokube.apiserver.defaulting import apply_defaults
from aiokube.encoding import canonical
from aiokube.encoding.protobuf import META

Obj = dict[str, Any]

OBJECT_META = META + "ObjectMeta"

#: (group, kind) whose defaults move values between metadata and the rest of the object
WHOLE_ONLY = frozenset({("", "ReplicationController"), ("batch", "Job")})

_BOUND_BYTES = 32 << 20
#: (schema, group, kind, the rest's JSON as sent) -> the rest, checked, defaulted and canonical (JSON)
_MEMO: dict[tuple[str, str, str, bytes], bytes] = {}
_held = 0


def key(raw: Obj, schema: str, group: str, kind: str) -> tuple[str, str, str, bytes] | None:
    """The memo key of a body, or None when this kind is never remembered or the body is not plain JSON."""
    if (group, kind) in WHOLE_ONLY:
        return None
    try:
        rest = orjson.dumps({k: v for k, v in raw.items() if k != "metadata"})
    except TypeError:
        return None
    return (schema, group, kind, rest)


def lookup(memo_key: tuple[str, str, str, bytes] | None) -> bytes | None:
    return _MEMO.get(memo_key) if memo_key is not None else None


def metadata_only(raw: Obj) -> Obj:
    """What the typed check looks at on a hit: metadata alone (the rest passed it when it was remembered)."""
    return {"metadata": raw["metadata"]} if "metadata" in raw else {}


def remember(memo_key: tuple[str, str, str, bytes] | None, decoded: Obj, unknown: list[str]) -> None:
    """Keep the rest of a whole decode, unless the rest had unknown fields (their warnings come per request)."""
    global _held
    if memo_key is None or any(not p.startswith("metadata.") for p in unknown):
        return
    try:
        rest = orjson.dumps({k: v for k, v in decoded.items() if k != "metadata"})
    except TypeError:
        return
    size = len(rest) + len(memo_key[3])
    if _held + size > _BOUND_BYTES:
        _MEMO.clear()
        _held = 0
    _MEMO[memo_key] = rest
    _held += size


def assemble(raw: Obj, hit: bytes, group: str, kind: str) -> Obj:
    """The decoded object from a hit: the remembered rest (a fresh copy) and this body's metadata, defaulted
    and canonical, in the place typed.canonical puts it (after kind and apiVersion, first of the fields)."""
    meta_holder: Obj = {"metadata": raw.get("metadata") or {}}
    apply_defaults(group, kind, meta_holder)  # metadata's own defaults (a stub for the rest: discarded)
    out: Obj = {k: raw[k] for k in ("kind", "apiVersion") if k in raw}
    out["metadata"] = canonical.message(meta_holder["metadata"], OBJECT_META)
    rest = orjson.loads(hit)
    out.update(rest)
    return out
