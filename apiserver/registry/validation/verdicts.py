"""Remembered clean verdicts of the type validators that read an object's fields beside metadata only.

The pods of one template (a ReplicaSet's, a load generator's) and GET-modify-PUTs of labels send the same spec
again and again; a pod's validation (~100 us of a ~0.75 ms create, bench/write_path) then finds what it found
before. Only "no errors" is remembered, by the JSON of the fields beside metadata (new and, on update, old),
with the names admission makes up at random replaced by placeholders (typedmemo.abstract_body), so the pods
of one template share a verdict: the validators check such a name's format, which every name of that form
passes alike, and compare names for equality, which the one-to-one replacement keeps. Errors are always
computed again, so their messages are never stale.

The same key serves the strategy's warnings of a pod's create (:func:`quiet`): a pod spec that warned nothing
warns nothing again beside the same annotations (kube's pod spec warnings read no other metadata; the pod's
name is checked apart). They cost ~50 us of a ~0.77 ms pod create in a profile of bench/write_path's creates
(a defaulted pod: its token volume's projected paths, its containers' env), as much as validation did.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aiokube.apiserver.admission import pods as pod_admission
from aiokube.apiserver.errors import FieldErrors
from aiokube.apiserver.registry import typedmemo
from aiokube.apiserver.registry.validation import dispatch, podannotations, security

Obj = dict[str, Any]
Key = tuple[str, str, bytes, bytes | None, tuple[Any, ...]]

#: (group, kind) whose validator reads of metadata only what a function gives (nor anything but the two
#: objects), so its verdict is a function of the rest's JSON and that: (what finds the random names in an object
#: of the kind, what of its metadata the validator reads). Add a kind only after reading its validator.
REST_ONLY: dict[tuple[str, str], tuple[Callable[[Obj], tuple[str, ...]], Callable[[Obj | None], tuple[Any, ...]]]] = {
    ("", "Pod"): (pod_admission.token_volume_names, podannotations.read),
}

_BOUND_BYTES = 16 << 20
_CLEAN: set[Key] = set()
_held = 0


def _remember_clean(key: Key) -> None:
    global _held
    size = len(key[2]) + len(key[3] or b"") + 64 * len(key[4][0] + key[4][1])
    if _held + size > _BOUND_BYTES:
        _CLEAN.clear()
        _held = 0
    _CLEAN.add(key)
    _held += size


def validate(group: str, kind: str, obj: Obj, old: Obj | None, errs: FieldErrors) -> Key | None:
    """dispatch.validate, skipped when it found nothing wrong with the same fields before; the key of the
    fields it was remembered (or looked up) by, None for a kind or an object not remembered."""
    found_in = REST_ONLY.get((group, kind))
    if found_in is None:
        dispatch.validate(group, kind, obj, old, errs)
        return None
    random_names, metadata_read = found_in
    volatile = tuple(dict.fromkeys(random_names(obj) + (random_names(old) if old is not None else ())))
    rest = typedmemo.abstract_body(obj, volatile)
    old_rest = typedmemo.abstract_body(old, volatile) if old is not None else None
    read = (metadata_read(obj), metadata_read(old))
    key = None if rest is None or (old is not None and old_rest is None) else (group, kind, rest, old_rest, read)
    if key is not None and key in _CLEAN:
        return key
    found = len(errs.causes)
    dispatch.validate(group, kind, obj, old, errs)
    if key is not None and len(errs.causes) == found:
        _remember_clean(key)
    return key


QuietKey = tuple[Key, tuple[tuple[str, Any], ...]]
_QUIET: set[QuietKey] = set()
_QUIET_BOUND = 4096


def quiet(key: Key | None, annotations: Obj, warnings: Callable[[], list[str]]) -> list[str]:
    """``warnings()`` (a pod spec's, reading of metadata only ``annotations``), skipped when the same fields
    (``key``, from :func:`validate`) beside the same annotations warned nothing before."""
    if key is None:
        return warnings()
    quiet_key = (key, tuple(annotations.items()))
    if quiet_key in _QUIET:
        return []
    found = warnings()
    if not found:
        if len(_QUIET) >= _QUIET_BOUND:  # its keys are held by _CLEAN too: a count bounds it
            _QUIET.clear()
        _QUIET.add(quiet_key)
    return found


def allow_privileged(allowed: bool) -> None:
    """kube's --allow-privileged for this process; the remembered verdicts were made under the old setting."""
    if security.ALLOW_PRIVILEGED != allowed:
        security.ALLOW_PRIVILEGED = allowed
        _CLEAN.clear()
