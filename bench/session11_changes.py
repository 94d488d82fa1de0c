"""What the eleventh session's kube semantics add to requests, each on and off in one process (process CPU per
operation, best of ``--rounds`` rounds of ``--budget`` CPU seconds); ``off`` does without it:

1. per pod create: the strategy's warnings (kinds.pod_on_create: name, node labels, annotations, volumes,
   overlapping paths, ports, environment, quantities, IPs) of the bench's pod in its stored form;
2. per Deployment create: the same for its pod template;
3. per request: the warning recorder the edge starts and stops (a list, a context variable set and reset);
4. per Endpoints write: kube's validation of its 100 addresses and a port (new: there was none);
5. per pod create: LimitRanger's lookup of the namespace's LimitRanges (twice: defaults, then limits), in a
   namespace without any (the watch cache has none; the live lookup's answer remembered), against nothing;
6. per LIST or WATCH with selectors: parsing a label and a field selector as kube's parsers do, the parsed
   requirements remembered (on) or parsed each time (off; the port of labels.Parse is slower than the
   approximate parser it replaced: 5.8 vs 4.1 us for ``app=web``).

A pod's update computes no warnings (kube skips them on that path). Writes ``bench/results/session11_changes.json``
and ``.png``. Usage: ``python -m bench.session11_changes``
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from aiokube.apiserver.errors import FieldErrors
from aiokube.apiserver.registry import warningrecorder
from aiokube.apiserver.registry.admissionplugins import AdmissionPlugins
from aiokube.apiserver.registry.resources import Registry
from aiokube.apiserver.registry.strategywarnings import kinds
from aiokube.apiserver.registry.validation.endpoints import validate_endpoints
from aiokube.storage.selection import FieldSelector, LabelSelector, parse_field_requirements, parse_label_requirements

from .common import pod, run_micro_items
from .session_changes import per_op

Rows = dict[str, tuple[float, float]]
POD = pod("bench", "p-0", labels={"app": "web"})


def _nothing() -> None:
    pass


def pod_create(rounds: int, budget: float) -> Rows:
    def on() -> None:
        if kinds.pod_on_create(POD):
            raise AssertionError("the bench's pod warns nothing")

    return {"a pod's create warnings": (per_op(on, rounds, budget), per_op(_nothing, rounds, budget))}


def deployment_create(rounds: int, budget: float) -> Rows:
    template = {"metadata": {"labels": {"app": "web"}}, "spec": POD["spec"]}
    deployment = {"metadata": {"name": "web"}, "spec": {"replicas": 3, "template": template}}

    def on() -> None:
        kinds.workload_on_create(deployment)

    return {"a Deployment's create warnings": (per_op(on, rounds, budget), per_op(_nothing, rounds, budget))}


def recorder(rounds: int, budget: float) -> Rows:
    def on() -> None:
        recorded: list[str] = []
        token = warningrecorder.start(recorded)
        warningrecorder.stop(token)

    return {"the request's recorder": (per_op(on, rounds, budget), per_op(_nothing, rounds, budget))}


def endpoints(rounds: int, budget: float) -> Rows:
    addresses = [{"ip": f"10.1.{i // 250}.{i % 250 + 1}", "nodeName": "node-1"} for i in range(100)]
    obj = {"subsets": [{"addresses": addresses, "ports": [{"port": 80, "protocol": "TCP"}]}]}

    def on() -> None:
        errs = FieldErrors()
        validate_endpoints(obj, None, errs)
        if errs:
            raise AssertionError(errs.causes)

    return {"100-address Endpoints validated": (per_op(on, rounds, budget), per_op(_nothing, rounds, budget))}


class _ReadyCacher:
    """What the lookup asks of a watch cache: listed, holding no LimitRange."""

    def __init__(self) -> None:
        self.ready = asyncio.Event()
        self.ready.set()
        self.cache: dict[str, Any] = {}


def limit_range_lookup(rounds: int, budget: float) -> Rows:
    registry = Registry()
    cacher = _ReadyCacher()
    admission = AdmissionPlugins(registry, None, lambda info: cacher)  # type: ignore[arg-type]
    admission._live_ranges["bench"] = (float("inf"), [])  # its live lookup found none (kube's memo, 30 s)

    def on() -> None:
        for _ in range(2):
            coro = admission._limit_ranges("bench")
            try:
                coro.send(None)
            except StopIteration:
                pass

    return {"a pod create's LimitRange lookups": (per_op(on, rounds, budget), per_op(_nothing, rounds, budget))}


def selectors(rounds: int, budget: float) -> Rows:
    labels, fields = "app=web,tier in (frontend,backend),!canary", "spec.nodeName=node-1,status.phase!=Running"

    def on() -> None:
        LabelSelector.parse(labels)
        FieldSelector.parse(fields)

    def off() -> None:
        LabelSelector(parse_label_requirements(labels))
        FieldSelector(parse_field_requirements(fields))

    return {"a label and a field selector parsed": (per_op(on, rounds, budget), per_op(off, rounds, budget))}


ITEMS: dict[str, Callable[[int, float], Rows]] = {
    "pods": pod_create,
    "deployments": deployment_create,
    "requests": recorder,
    "endpoints": endpoints,
    "limit ranges": limit_range_lookup,
    "selectors": selectors,
}


def main(argv: list[str] | None = None) -> None:
    title = "eleventh session's strategy warnings and Endpoints validation: CPU per operation, on vs off"
    run_micro_items("session11_changes", __doc__ or "", ITEMS, argv, title=title, switch="without them")


if __name__ == "__main__":
    main()
