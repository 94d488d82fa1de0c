"""kube-apiserver's APF configuration ensurer (pkg/registry/flowcontrol/ensurer, run every minute by the
priority-and-fairness-config-producer hook): a missing mandatory or suggested FlowSchema or priority level is
created again; a mandatory one gets its fixed spec back (the exempt level keeps its ``spec.exempt``) and its
``apf.kubernetes.io/autoupdate-spec`` annotation reset to "true"; a suggested one whose annotation says true
(or has none and was never changed: generation 1) gets its spec back and the annotation written; an object
annotated true that is no longer bootstrap configuration is deleted. Changes a client makes to these objects
are thus accepted and, within the period, reverted, as kube's are."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from aiokube.apiserver.errors import StatusError
from aiokube.apiserver.registry import apf_bootstrap, bootstrap
from aiokube.apiserver.registry.meta import copy_object
from aiokube.apiserver.registry.options import DeleteOptions
from aiokube.apiserver.registry.resources import ResourceInfo
from aiokube.apiserver.registry.store import GenericStore
from aiokube.apiserver.registry.validation import apfmandatory
from aiokube.storage import errors as serr

Obj = dict[str, Any]
log = logging.getLogger(__name__)

GROUP = "flowcontrol.apiserver.k8s.io"
MANAGER = "api-priority-and-fairness-config-producer-v1"
ANNOTATION = "apf.kubernetes.io/autoupdate-spec"
PERIOD_SECONDS = 60.0
_TRUE = ("1", "t", "T", "TRUE", "true", "True")
_FALSE = ("0", "f", "F", "FALSE", "false", "False")


def _parse_bool(value: Any) -> bool | None:
    """strconv.ParseBool, None for what it refuses."""
    return True if value in _TRUE else False if value in _FALSE else None


def _comparable(kind: str, obj: Obj) -> Any:
    spec = obj.get("spec") or {}
    if kind == "FlowSchema":
        return apfmandatory.semantic(apfmandatory.flow_schema_spec(spec))
    return apfmandatory.semantic(apfmandatory.priority_level_spec(spec))


def _spec_equalish(boot: Obj, current: Obj) -> bool:
    """flowSchemaSpecEqual / plcSpecEqualish: Semantic.DeepEqual of the specs, the exempt level's
    ``spec.exempt`` taken from the current object."""
    expected = boot
    if boot.get("kind") == "PriorityLevelConfiguration" and boot["metadata"]["name"] == "exempt":
        exempt = (current.get("spec") or {}).get("exempt")
        if not isinstance(exempt, dict):
            return False
        expected = {**boot, "spec": {**boot["spec"], "exempt": exempt}}
    return _comparable(boot["kind"], expected) == _comparable(boot["kind"], current)


def revise(current: Obj, boot: Obj, *, mandatory: bool) -> Obj | None:
    """strategy.ReviseIfNeeded: the object to write back, or None when ``current`` is as it should be."""
    md = current["metadata"]
    annotations = md.get("annotations") or {}
    auto = True
    if not mandatory:
        parsed = _parse_bool(annotations.get(ANNOTATION))
        auto = parsed if parsed is not None else md.get("generation") == 1
    update_annotation = _parse_bool(annotations.get(ANNOTATION)) is not auto
    spec_changed = auto and not _spec_equalish(boot, current)
    if not (update_annotation or spec_changed):
        return None
    out = copy_object(current)
    if spec_changed:
        out["spec"] = copy_object(boot["spec"])
    if update_annotation:
        out["metadata"]["annotations"] = {**annotations, ANNOTATION: "true" if auto else "false"}
    return out


async def _ensure_one(generic: GenericStore, info: ResourceInfo, boot: Obj, *, mandatory: bool) -> None:
    name = boot["metadata"]["name"]
    try:
        current = await generic.get_current(info, None, name)
    except StatusError as exc:
        if exc.code != 404:
            raise
        if info.kind == "FlowSchema":
            await bootstrap.ensure_flow_schema(generic, info, boot)
        else:
            await bootstrap.create_quietly(generic, info, boot)
        return
    revised = revise(current, boot, mandatory=mandatory)
    if revised is None:
        return

    async def write_back(existing: Obj | None) -> Obj:
        if existing is None:
            raise StatusError(404, "NotFound", "gone")
        return revised  # its resourceVersion: a concurrent change is a conflict, looked at next time

    with contextlib.suppress(StatusError):
        await generic.update(info, None, name, write_back, subresource="", allow_create=False, preconditions=None,
                             dry_run=False, manager=MANAGER)  # fmt: skip


async def _remove_unwanted(generic: GenericStore, info: ResourceInfo, wanted: set[str]) -> None:
    """RemoveUnwantedObjects: objects annotated true (parsed as Go parses it) that no bootstrap object names."""
    for obj in (await generic.storage.list(info.collection_key(None))).items:
        md = obj["metadata"]
        if md["name"] in wanted or _parse_bool((md.get("annotations") or {}).get(ANNOTATION)) is not True:
            continue
        with contextlib.suppress(StatusError):
            await generic.delete(info, None, md["name"], DeleteOptions())


async def ensure(generic: GenericStore) -> None:
    """One pass, in kube's order: the suggested objects, the mandatory ones, then the unwanted removed."""
    levels = generic.registry.get(GROUP, "v1", "prioritylevelconfigurations")
    schemas = generic.registry.get(GROUP, "v1", "flowschemas")
    assert levels is not None and schemas is not None
    plcs, fss = apf_bootstrap.priority_levels(), apf_bootstrap.flow_schemas()
    for info, boots, mandatory in ((levels, plcs[2:], False), (schemas, fss[2:], False), (levels, plcs[:2], True),
                                   (schemas, fss[:2], True)):  # fmt: skip
        for boot in boots:
            await _ensure_one(generic, info, boot, mandatory=mandatory)
    await _remove_unwanted(generic, schemas, {b["metadata"]["name"] for b in fss})
    await _remove_unwanted(generic, levels, {b["metadata"]["name"] for b in plcs})


async def run(generic: GenericStore, period: float = PERIOD_SECONDS) -> None:
    """Every ``period`` (the server made the objects on start)."""
    while True:
        await asyncio.sleep(period)
        try:
            await ensure(generic)
        except (StatusError, serr.StorageError) as exc:
            log.warning("APF bootstrap ensurer ran into an error, will retry later: %s", exc)
