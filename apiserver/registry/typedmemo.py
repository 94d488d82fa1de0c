"""Remembered decodes of the part of a typed body that is not metadata.

Clients and controllers send many bodies that differ in metadata only: the objects a ReplicaSet or a load
generator creates from one template, and an update that GETs an object, changes a label and PUTs it back. For
those, decode_object's typed check, defaulting and canonical form of everything but metadata (a pod's: ~110 us
of a ~1.3 ms create, twice that in a PUT) give what they gave before, so they are remembered by that part's
JSON (:func:`body`, the form storedform's hints use); metadata is still checked, defaulted and made canonical
per request. Two sources fill the memo: whole decodes, and every object written in stored form (a stored
object's rest decodes to itself: defaulting and the canonical form are idempotent, which
tests/test_typedmemo.py checks for every built-in type's sample), so a GET-modify-PUT of metadata finds its
object.

It holds only where defaulting treats metadata apart from the rest: kinds whose defaults copy labels between
the template and the object (ReplicationController, Job) are always decoded whole. A Pod's only metadata default
(dropping old init-container annotations) and a Namespace's (its name label) read metadata alone, so they run
per request on it.
"""

from __future__ import annotations

from typing import Any

from aiokube.apiserver.defaulting import apply_defaults, drop_init_container_annotations
from aiokube.encoding import canonical, deepjson
from aiokube.encoding.protobuf import META

Obj = dict[str, Any]
Key = tuple[str, str, str, bytes]

OBJECT_META = META + "ObjectMeta"

#: (group, kind) whose defaults move values between metadata and the rest of the object
WHOLE_ONLY = frozenset({("", "ReplicationController"), ("batch", "Job")})

_BOUND_BYTES = 32 << 20
#: (schema, group, kind, the rest's JSON as sent) -> the rest, checked, defaulted and canonical (JSON)
_MEMO: dict[Key, bytes] = {}
_held = 0


def body(obj: Obj) -> bytes:
    """An object's fields but metadata, in order, as JSON (pairs: one dumps, no dict built)."""
    return deepjson.dumps([(k, v) for k, v in obj.items() if k != "metadata"])


def key(raw: Obj, schema: str, group: str, kind: str) -> Key | None:
    """The memo key of a body, or None when this kind is never remembered or the body is not plain JSON."""
    if (group, kind) in WHOLE_ONLY:
        return None
    try:
        return (schema, group, kind, body(raw))
    except TypeError:
        return None


def lookup(memo_key: Key | None) -> bytes | None:
    return _MEMO.get(memo_key) if memo_key is not None else None


def metadata_only(raw: Obj) -> Obj:
    """What the typed check looks at on a hit: metadata alone (the rest passed it when it was remembered)."""
    return {"metadata": raw["metadata"]} if "metadata" in raw else {}


def _put(memo_key: Key, rest: bytes) -> None:
    global _held
    size = len(rest) + len(memo_key[3])
    if _held + size > _BOUND_BYTES:
        _MEMO.clear()
        _held = 0
    _MEMO[memo_key] = rest
    _held += size


def remember(memo_key: Key | None, decoded: Obj, unknown: list[str]) -> bytes | None:
    """Keep the rest of a whole decode, unless the rest had unknown fields (their warnings come per request);
    returns that rest's :func:`body` when it was computed."""
    if memo_key is None or any(not p.startswith("metadata.") for p in unknown):
        return None
    try:
        rest = body(decoded)
    except TypeError:
        return None
    _put(memo_key, rest)
    return rest


def remember_stored(rest: bytes, schema: str, group: str, kind: str) -> None:
    """An object in stored form was written: a body whose rest is ``rest`` decodes to ``rest``."""
    if (group, kind) not in WHOLE_ONLY:
        _put((schema, group, kind, rest), rest)


def metadata_defaulted(obj: Obj, group: str, kind: str) -> Obj:
    """``obj``'s metadata with its own defaults applied (kinds outside WHOLE_ONLY: they read metadata alone),
    without defaulting the rest again: the defaulter runs on a stub holding the metadata."""
    metadata = obj.get("metadata") or {}
    # a pod: its defaulter's one metadata step (the whole defaulter on a stub defaulted a spec too: 3.1 vs 0.8 us,
    # bench/results/session9_changes)
    if kind == "Pod" and not group:
        drop_init_container_annotations(metadata)
        return metadata
    holder: Obj = {"metadata": metadata}
    apply_defaults(group, kind, holder)
    return holder["metadata"]


#: raw NUL bytes never occur in orjson's output (JSON escapes them), so these cannot clash with an object's text
_PLACEHOLDERS = tuple(b"\x00%d\x00" % i for i in range(4))


def _abstract(data: bytes, volatile: tuple[str, ...]) -> bytes:
    for text, placeholder in zip(volatile, _PLACEHOLDERS, strict=False):
        data = data.replace(text.encode(), placeholder)
    return data


def _concrete(data: bytes, volatile: tuple[str, ...]) -> bytes:
    for text, placeholder in zip(volatile, _PLACEHOLDERS, strict=False):
        data = data.replace(placeholder, text.encode())
    return data


def abstract_body(obj: Obj, volatile: tuple[str, ...]) -> bytes | None:
    """:func:`body` with ``volatile`` strings (names admission made up at random, such as a pod's
    ``kube-api-access-xxxxx`` volume) replaced by placeholders, so the pods of one template share it; None when
    there are more of them than placeholders or the object is not plain JSON."""
    if len(volatile) > len(_PLACEHOLDERS):
        return None
    try:
        return _abstract(body(obj), volatile)
    except TypeError:
        return None


def stored_key(obj: Obj, schema: str, group: str, kind: str, volatile: tuple[str, ...]) -> Key | None:
    """The key of an object about to be written (after admission and the strategy) in the memo of stored
    forms: :func:`abstract_body`. Defaults and the canonical form treat the volatile strings as opaque text, so
    the result holds for every replacement."""
    if (group, kind) in WHOLE_ONLY:
        return None
    rest = abstract_body(obj, volatile)
    return None if rest is None else ("stored " + schema, group, kind, rest)


def lookup_stored(memo_key: Key | None, volatile: tuple[str, ...]) -> bytes | None:
    hit = _MEMO.get(memo_key) if memo_key is not None else None
    return _concrete(hit, volatile) if hit is not None else None


def is_identity(memo_key: Key) -> bool:
    """Whether the stored form remembered under ``memo_key`` is the key's own rest: the object's fields but
    metadata were in stored form already (admission and the strategy added only what is canonical)."""
    return _MEMO.get(memo_key) == memo_key[3]


def remember_stored_form(memo_key: Key | None, rest: bytes, volatile: tuple[str, ...]) -> None:
    if memo_key is not None:
        _put(memo_key, _abstract(rest, volatile))


def own_rest(raw: Obj, memo_key: Key | None, hit: bytes | None) -> list[tuple[str, Any]] | None:
    """``raw``'s fields but metadata when they are the remembered rest already (a body that was in canonical
    form: a GET-modify-PUT, a patched object), for :func:`assemble` to use instead of decoding a copy of the
    rest (the decode of a 2 KB pod's rest: 10-30 us in the server, ~3% of an update); None otherwise."""
    if hit is None or memo_key is None or hit != memo_key[3]:
        return None
    return [(k, v) for k, v in raw.items() if k != "metadata"]


def assemble(raw: Obj, hit: bytes, group: str, kind: str, rest: list[tuple[str, Any]] | None = None) -> Obj:
    """The decoded object from a hit: the remembered rest (a fresh copy, or ``rest``: the body's own values,
    :func:`own_rest`, handed over by a caller that holds the only reference to them) and this body's metadata,
    defaulted and canonical, in the place typed.canonical puts it (after kind and apiVersion, first of the
    fields)."""
    out: Obj = {k: raw[k] for k in ("kind", "apiVersion") if k in raw}
    out["metadata"] = canonical.message(metadata_defaulted(raw, group, kind), OBJECT_META)
    out.update(deepjson.loads(hit) if rest is None else rest)
    return out
