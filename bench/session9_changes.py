"""The ninth session's in-process write-path changes, each on and off in one process (process CPU per
operation of the function changed, best of ``--rounds`` rounds of ``--budget`` CPU seconds); the replaced code
is reproduced here:

1. a pod's metadata defaulted alone (typedmemo.metadata_defaulted), against the pod defaulter run on a stub
   holding the metadata (which defaulted an empty spec too);
2. the alpha-field drops of a pod create (alphafields.drop_disabled), against the lists built per field and
   the old object's looked through when there is none;
3. a PUT's preparation for a retry: none (the rare retry decodes the body again), against the JSON copy of
   the decoded pod every PUT kept;
4. what the changes add: ``bodies.is_heavy`` on a pod's body (two byte counts) against the size check it
   replaced, and a GET's encoding under ``deepjson.C_ONLY`` (a context variable set and reset) against the
   encoding alone.

bench/write_path.py measures requests end to end. Writes ``bench/results/session9_changes.json`` and ``.png``.
Usage: ``python -m bench.session9_changes``
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson

from aiokube.apiserver.defaulting import apply_defaults
from aiokube.apiserver.endpoints import bodies
from aiokube.apiserver.registry import alphafields, typedmemo
from aiokube.encoding import deepjson
from aiokube.encoding.encoders import encoder_for

from .common import run_micro_items
from .session_changes import per_op
from .write_shortcuts import PODS, REGISTRY, _admitted, _template_body

Obj = dict[str, Any]
Rows = dict[str, tuple[float, float]]


def metadata_defaults(rounds: int, budget: float) -> Rows:
    obj = _admitted(0)

    def on() -> None:
        typedmemo.metadata_defaulted(obj, "", "Pod")

    def off() -> None:
        holder: Obj = {"metadata": obj["metadata"]}
        apply_defaults("", "Pod", holder)

    return {"a pod's metadata defaulted": (per_op(on, rounds, budget), per_op(off, rounds, budget))}


def _old_drop_pod_spec_fields(spec: Obj, old: Obj | None) -> None:
    """alphafields._drop_pod_spec_fields before the change."""
    containers, sources = alphafields._containers, alphafields._sources
    if not any((c.get("lifecycle") or {}).get("stopSignal") is not None for c in containers(old)):
        for c in containers(spec):
            lifecycle = c.get("lifecycle")
            if isinstance(lifecycle, dict) and lifecycle.pop("stopSignal", None) is not None and not lifecycle:
                del c["lifecycle"]
    for key in ("clusterTrustBundle", "podCertificate"):
        if not any(s.get(key) is not None for s in sources(old)):
            for source in sources(spec):
                source.pop(key, None)
    if (old or {}).get("schedulingGroup") is None:
        spec.pop("schedulingGroup", None)


def alpha_drops(rounds: int, budget: float) -> Rows:
    obj = _admitted(1)  # admitted: its projected token volume is there

    def on() -> None:
        alphafields.drop_disabled(obj, None, "", "Pod")

    def off() -> None:
        _old_drop_pod_spec_fields(obj["spec"], None)

    return {"a pod create's alpha-field drops": (per_op(on, rounds, budget), per_op(off, rounds, budget))}


def retry_copy(rounds: int, budget: float) -> Rows:
    obj = bodies.decode_object(orjson.dumps(_template_body(2)), bodies.JSON, PODS, REGISTRY).obj

    def on() -> None:
        [obj]  # noqa: B018  # what a PUT keeps for its first try

    def off() -> None:
        deepjson.dumps(obj)
        [obj]  # noqa: B018

    return {"a PUT's copy for a retry": (per_op(on, rounds, budget), per_op(off, rounds, budget))}


def added_costs(rounds: int, budget: float) -> Rows:
    body = orjson.dumps(_template_body(3))
    limit = bodies.INLINE_JSON_BYTES
    encoder = encoder_for("json", "pods")
    obj = _admitted(3)

    def heavy_on() -> None:
        bodies.is_heavy(body, bodies.JSON)

    def heavy_off() -> None:
        len(body) > limit  # noqa: B015

    def encode() -> None:
        encoder.plain(obj)

    def encode_c_only() -> None:
        token = deepjson.C_ONLY.set(True)
        try:
            encoder.plain(obj)
        finally:
            deepjson.C_ONLY.reset(token)

    return {
        "is_heavy of a pod's body (added)": (per_op(heavy_on, rounds, budget), per_op(heavy_off, rounds, budget)),
        "a GET's pod encoding under C_ONLY (added)": (per_op(encode_c_only, rounds, budget),
                                                      per_op(encode, rounds, budget)),
    }  # fmt: skip


ITEMS: dict[str, Callable[[int, float], Rows]] = {
    "metadata defaults": metadata_defaults,
    "alpha drops": alpha_drops,
    "retry copy": retry_copy,
    "added": added_costs,
}


def main(argv: list[str] | None = None) -> None:
    title = "ninth session's write-path changes: CPU per operation, on vs off"
    run_micro_items("session9_changes", __doc__ or "", ITEMS, argv, title=title, switch="the replaced code")


if __name__ == "__main__":
    main()
