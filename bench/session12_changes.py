"""What the twelfth session changed on the write path, on and off in one process (process CPU per operation,
best of ``--rounds`` rounds of ``--budget`` CPU seconds):

1. per pod create: the strategy's warnings of a pod whose spec (beside its annotations) warned nothing before,
   skipped by the validation verdict's key (on, registry/validation/verdicts.quiet) or computed (off). The pods
   are a template's as kube stores them (tests/fixtures/kube-1.36/pod_create.json: the token volume's projected
   sources, tolerations, defaults) with admission's random volume name each; the validation that yields the key
   runs in both. A pod whose spec is new costs the memo a tuple and a set insert (the second row).

Writes ``bench/results/session12_changes.json`` and ``.png``. Usage: ``python -m bench.session12_changes``
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from aiokube.apiserver.errors import FieldErrors
from aiokube.apiserver.registry import strategywarnings
from aiokube.apiserver.registry.validation import verdicts

from .common import run_micro_items
from .session_changes import per_op

Rows = dict[str, tuple[float, float]]
Obj = dict[str, Any]
FIXTURE = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "kube-1.36" / "pod_create.json"


def _pods(count: int, image: str = "") -> list[Obj]:
    """``count`` pods of kube's created pod, each named apart with its own random token volume name (and its own
    image when ``image`` is given: every spec new)."""
    kube = json.loads(FIXTURE.read_text())
    token = next(v["name"] for v in kube["spec"]["volumes"] if v["name"].startswith("kube-api-access-"))
    text = json.dumps(kube)
    out = []
    for i in range(count):
        name = f"kube-api-access-{'bcdfg'[i % 5]}{'hjklm'[i // 5 % 5]}{'npqrs'[i // 25 % 5]}{'tvwxz'[i // 125 % 5]}z"
        pod = json.loads(text.replace(token, name))
        pod["metadata"]["name"] = f"p-{i}"
        if image:
            pod["spec"]["containers"][0]["image"] = f"{image}:{i}"
        out.append(pod)
    return out


def _warnings(pods: list[Obj], memo: bool) -> Any:
    counter = iter(range(10**9))

    def once() -> None:
        pod = pods[next(counter) % len(pods)]
        errs = FieldErrors()
        key = verdicts.validate("", "Pod", pod, None, errs)
        assert not errs.causes
        if strategywarnings.builtin_warnings("", "Pod", pod, None, memo_key=key if memo else None):
            raise AssertionError("kube's pod warns nothing")

    return once


def pod_create_warnings(rounds: int, budget: float) -> Rows:
    template = _pods(100)
    fresh = _pods(20000, image="nginx")
    rows = {}
    for label, pods in (("pods of one template", template), ("every spec new", fresh)):
        on = per_op(_warnings(copy.deepcopy(pods), True), rounds, budget)
        off = per_op(_warnings(copy.deepcopy(pods), False), rounds, budget)
        rows[f"validation and warnings, {label}"] = (on, off)
    return rows


ITEMS = {"pod create": pod_create_warnings}


def main(argv: list[str] | None = None) -> None:
    title = "twelfth session: a pod create's strategy warnings remembered as quiet, CPU per operation, on vs off"
    run_micro_items("session12_changes", __doc__ or "", ITEMS, argv, title=title, switch="without the memo")


if __name__ == "__main__":
    main()
