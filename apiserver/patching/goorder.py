"""The key order of a patched object as kube prints it in a patch's error (``patch: Invalid value: "{...}"``):
evanphx/json-patch holds the document as Go maps where it worked on it, and raw bytes elsewhere, so the
objects it went into come out with sorted keys and the rest as they were stored.

- a merge patch (MergePatch): the top level, and each object the patch merged into, sorted; a value the patch
  brought whole (a key the object lacked, or an object or list over something else) with every object in it
  sorted (its nulls were pruned through maps); what the patch left alone in the stored order;
- a JSON patch: the top level and every object or list an operation's path went through, sorted; the values
  operations put there as the patch wrote them.
"""

from __future__ import annotations

from typing import Any

Obj = dict[str, Any]


def _sorted_deep(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _sorted_deep(value[k]) for k in sorted(value)}
    if isinstance(value, list):
        return [_sorted_deep(v) for v in value]
    return value


def after_merge_patch(patched: Any, patch: Any, original: Any) -> Any:
    """``patched`` in MergePatch's order, ``patch`` the merge patch, ``original`` the object it was applied to."""
    if not isinstance(patched, dict) or not isinstance(patch, dict):
        return patched
    out = {}
    for key in sorted(patched):
        value = patched[key]
        if key not in patch:
            out[key] = value
            continue
        was = original.get(key) if isinstance(original, dict) else None
        if isinstance(was, dict) and isinstance(patch[key], dict):
            out[key] = after_merge_patch(value, patch[key], was)
        elif isinstance(was, dict) and isinstance(patch[key], list):
            out[key] = value  # the patch's list, as it was written
        else:
            out[key] = _sorted_deep(value)
    return out


def after_json_patch(patched: Any, operations: Any) -> Any:
    """``patched`` in the JSON patch's order (``operations``: the patch document)."""
    touched: dict[str, Any] = {}
    for op in operations if isinstance(operations, list) else ():
        for key in ("path", "from"):
            path = op.get(key) if isinstance(op, dict) else None
            if isinstance(path, str) and path.startswith("/"):
                node = touched
                for part in [p.replace("~1", "/").replace("~0", "~") for p in path[1:].split("/")][:-1]:
                    node = node.setdefault(part, {})
    return _through(patched, touched)


def _through(value: Any, touched: dict[str, Any]) -> Any:
    if isinstance(value, dict):
        return {k: _through(value[k], touched[k]) if k in touched else value[k] for k in sorted(value)}
    if isinstance(value, list):
        return [_through(v, touched[str(i)]) if str(i) in touched else v for i, v in enumerate(value)]
    return value
