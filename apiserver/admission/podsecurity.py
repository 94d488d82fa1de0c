"""The PodSecurity admission plugin (k8s.io/pod-security-admission), default-on in kube 1.36, free of I/O.

A namespace's ``pod-security.kubernetes.io/{enforce,audit,warn}[-version]`` labels choose a level (privileged,
baseline, restricted) and a policy version ("latest" or "v1.N") per mode; without labels everything is
privileged (kube's default configuration: no exemptions). Pods violating the enforce level are forbidden on
create and on updates that change a container's image or add an ephemeral container; pods and the templates of
workloads violating the warn level get a warning (the audit level writes audit annotations, and aiokube writes
no audit log). Labels that do not parse make the namespace invalid. Raising a namespace's enforce level warns
about the existing pods it would forbid.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from aiokube.apiserver.admission.podsecuritychecks import BASELINE, CHECKS, RESTRICTED, CheckFn, Version
from aiokube.apiserver.errors import FieldErrors
from aiokube.storage.fastmetrics import FastCounter

Obj = dict[str, Any]

PRIVILEGED = "privileged"
LEVELS = (PRIVILEGED, BASELINE, RESTRICTED)
LATEST: Version = (1 << 30, 0)
PREFIX = "pod-security.kubernetes.io/"
ENFORCE, AUDIT, WARN = "enforce", "audit", "warn"
#: the resources whose pod template is checked (warn and audit only), beside pods
POD_TEMPLATE_RESOURCES = frozenset((
    ("", "replicationcontrollers"), ("", "podtemplates"), ("apps", "replicasets"), ("apps", "deployments"),
    ("apps", "statefulsets"), ("apps", "daemonsets"), ("batch", "jobs"), ("batch", "cronjobs"),
))  # fmt: skip
#: pod subresources the plugin lets through (the others, ephemeralcontainers and resize, are checked)
IGNORED_POD_SUBRESOURCES = frozenset(("exec", "attach", "binding", "eviction", "log", "portforward", "proxy", "status"))
#: EvaluatePodsInNamespace's bounds: pods, and seconds (kube's defaults)
MAX_PODS_TO_CHECK = 3000
POD_CHECK_SECONDS = 1.0
#: the newest policy version this server knows (kube's API version): newer ones are counted as "future"
SERVER_VERSION: Version = (1, 36)

EVALUATIONS = FastCounter(
    "pod_security_evaluations_total",
    "[ALPHA] Number of policy evaluations that occurred, not counting ignored or exempt requests.",
    ["decision", "mode", "policy_level", "policy_version", "request_operation", "resource", "subresource"],
)
EXEMPTIONS = FastCounter(
    "pod_security_exemptions_total",
    "[ALPHA] Number of exempt requests, not counting ignored or out of scope requests.",
    ["request_operation", "resource", "subresource"],
)
for _operation in ("create", "update"):  # kube's counter starts with these series (there are no exemptions here)
    for _resource in ("controller", "pod"):
        EXEMPTIONS.labels(_operation, _resource, "")


@dataclass(frozen=True)
class LevelVersion:
    level: str = PRIVILEGED
    version: Version = LATEST

    def __str__(self) -> str:
        version = "latest" if self.version == LATEST else f"v{self.version[0]}.{self.version[1]}"
        return f"{self.level}:{version}"


@dataclass(frozen=True)
class Policy:
    enforce: LevelVersion = LevelVersion()
    audit: LevelVersion = LevelVersion()
    warn: LevelVersion = LevelVersion()


def _parse_version(text: str) -> Version | None:
    if text == "latest":
        return LATEST
    if not text.startswith("v1.") or not text[3:].isascii() or not text[3:].isdigit():
        return None
    minor = text[3:]
    if len(minor) > 1 and minor[0] == "0":
        return None
    return (1, int(minor))


def policy_of(labels: Obj | None, errs: FieldErrors | None = None) -> Policy:
    """PolicyToEvaluate: the namespace's policy from its labels (kube's defaults elsewhere), the errors of the
    labels that do not parse into ``errs``. A bad enforce level enforces restricted; bad audit and warn levels are
    privileged; a bad version is "latest". An enforce level set above the warn level, with no warn level given,
    warns at it too."""
    errs = errs if errs is not None else FieldErrors()
    labels = labels or {}
    found: dict[str, LevelVersion] = {ENFORCE: LevelVersion(), AUDIT: LevelVersion(), WARN: LevelVersion()}
    enforce_level_set = False
    for mode in (ENFORCE, AUDIT, WARN):
        level, version = found[mode].level, found[mode].version
        key = PREFIX + mode
        if key in labels:
            value = labels[key]
            if value in LEVELS:
                level = value
                enforce_level_set = enforce_level_set or mode == ENFORCE
            else:
                errs.invalid(f"metadata.labels[{key}]", value, "must be one of privileged, baseline, restricted")
                level = RESTRICTED if mode == ENFORCE else PRIVILEGED
        if key + "-version" in labels:
            value = labels[key + "-version"]
            parsed = _parse_version(value)
            if parsed is None:
                errs.invalid(f"metadata.labels[{key}-version]", value, 'must be "latest" or "v1.x"')
            version = parsed or LATEST
        found[mode] = LevelVersion(level, version)
    warn, enforce = found[WARN], found[ENFORCE]
    if PREFIX + WARN not in labels and enforce_level_set and LEVELS.index(enforce.level) > LEVELS.index(warn.level):
        warn = LevelVersion(enforce.level, warn.version if PREFIX + WARN + "-version" in labels else enforce.version)
    return Policy(enforce, found[AUDIT], warn)


def _checks_at(level: str, version: Version) -> list[CheckFn]:
    """The checks of ``level`` as they read at ``version``, baseline ones first, each group by check ID; a
    restricted check's overrides take the baseline checks they name out."""
    chosen: dict[str, tuple[str, CheckFn, tuple[str, ...]]] = {}
    for check in CHECKS:
        if level == BASELINE and check.level != BASELINE:
            continue
        usable = [v for v in check.versions if v[0] <= version]
        if usable:
            _, fn, overrides = usable[-1]
            chosen[check.id] = (check.level, fn, overrides)
    overridden = {o for lvl, _, overrides in chosen.values() if lvl == RESTRICTED for o in overrides}
    order = sorted(i for i, c in chosen.items() if c[0] == BASELINE) + sorted(
        i for i, c in chosen.items() if c[0] == RESTRICTED
    )
    return [chosen[i][1] for i in order if i not in overridden]


_CHECKS_AT: dict[tuple[str, Version], list[CheckFn]] = {}
_NEWEST = max(v[0] for check in CHECKS for v in check.versions)


def violations(lv: LevelVersion, meta: Obj, spec: Obj) -> list[tuple[str, str]]:
    """EvaluatePod at ``lv``: each failed check's (reason, detail), in kube's order."""
    if lv.level == PRIVILEGED:
        return []
    version = min(lv.version, _NEWEST)
    checks = _CHECKS_AT.get((lv.level, version))
    if checks is None:
        checks = _CHECKS_AT[(lv.level, version)] = _checks_at(lv.level, version)
    return [result for check in checks if (result := check(meta, spec)) is not None]


def detail_text(found: Iterable[tuple[str, str]]) -> str:
    """AggregateCheckResult.ForbiddenDetail: "reason (detail), reason (detail)"."""
    return ", ".join(f"{reason} ({detail})" if detail else reason for reason, detail in found)


def record(decision: str, lv: LevelVersion, mode: str, operation: str, pod: bool, subresource: str) -> None:
    """RecordEvaluation: a privileged level is always "latest", versions past the server's "future"."""
    if lv.version == LATEST or lv.level == PRIVILEGED:
        version = "latest"
    else:
        version = "future" if lv.version > SERVER_VERSION else str(lv).split(":", 1)[1]
    resource = "pod" if pod else "controller"
    EVALUATIONS.labels(decision, mode, lv.level, version, operation, resource, subresource)[0] += 1


def forbidden_text(lv: LevelVersion, found: list[tuple[str, str]]) -> str:
    return f'violates PodSecurity "{lv}": {detail_text(found)}'


def warning_text(lv: LevelVersion, found: list[tuple[str, str]]) -> str:
    return f'would violate PodSecurity "{lv}": {detail_text(found)}'


def significant_pod_update(new: Obj, old: Obj) -> bool:
    """isSignificantPodUpdate: a container's image changed, containers added or removed, an ephemeral container
    added or its image changed."""
    spec, old_spec = new.get("spec") or {}, old.get("spec") or {}
    for kind in ("containers", "initContainers"):
        items, old_items = spec.get(kind) or [], old_spec.get(kind) or []
        if len(items) != len(old_items) or any(
            a.get("image") != b.get("image") for a, b in zip(items, old_items, strict=True)
        ):
            return True
    old_ephemeral = {c.get("name"): c for c in old_spec.get("ephemeralContainers") or ()}
    for c in spec.get("ephemeralContainers") or ():
        before = old_ephemeral.get(c.get("name"))
        if before is None or before.get("image") != c.get("image"):
            return True
    return False


def template_of(group: str, plural: str, obj: Obj) -> Obj | None:
    """The pod template a workload carries (DefaultPodSpecExtractor), None without one."""
    spec = obj.get("spec") or {}
    if (group, plural) == ("", "podtemplates"):
        return obj.get("template")
    if (group, plural) == ("batch", "cronjobs"):
        return ((spec.get("jobTemplate") or {}).get("spec") or {}).get("template")
    return spec.get("template")


def namespace_enforce_raised(new: Policy, old: Policy) -> bool:
    """Whether a namespace update's enforce level calls for checking its pods (ValidateNamespace)."""
    if new.enforce == old.enforce or new.enforce.level == PRIVILEGED:
        return False
    return not (
        new.enforce.version == old.enforce.version
        and LEVELS.index(new.enforce.level) <= LEVELS.index(old.enforce.level)
    )


def existing_pod_warnings(
    namespace: str, enforce: LevelVersion, pods: list[Obj], seconds: float = POD_CHECK_SECONDS
) -> list[str]:
    """EvaluatePodsInNamespace: one warning per distinct set of failed checks, naming the first pod (by name)
    and how many others, pods of one controller after those of others (kube's prioritizePods); at most
    :data:`MAX_PODS_TO_CHECK` pods, and no more once ``seconds`` have gone (the pod being checked counts)."""
    first, rest, seen_controllers = [], [], set()
    for pod in pods:
        owner = next((r for r in pod["metadata"].get("ownerReferences") or () if r.get("controller")), None)
        if owner is None:
            first.append(pod)
        elif owner.get("uid") in seen_controllers:
            rest.append(pod)
        else:
            seen_controllers.add(owner.get("uid"))
            first.append(pod)
    ordered = first + rest
    checked = ordered[:MAX_PODS_TO_CHECK]
    counts: dict[str, list[Any]] = {}  # reasons -> [first pod name, count]
    deadline = time.monotonic() + seconds
    for i, pod in enumerate(checked):
        found = violations(enforce, pod["metadata"], pod.get("spec") or {})
        if found:
            reasons = ", ".join(reason for reason, _ in found)
            name = pod["metadata"].get("name", "")
            entry = counts.setdefault(reasons, [name, 0])
            entry[0] = min(entry[0], name)
            entry[1] += 1
        if time.monotonic() > deadline:
            checked = checked[: i + 1]
            break
    warnings = []
    if len(checked) < len(ordered):
        warnings.append(f"new PodSecurity enforce level only checked against the first {len(checked)} of "
                        f"{len(ordered)} existing pods")  # fmt: skip
    if counts:
        warnings.append(
            f'existing pods in namespace "{namespace}" violate the new PodSecurity enforce level "{enforce}"'
        )
    decorated = []
    for reasons, (name, count) in counts.items():
        if count == 1:
            decorated.append(f"{name}: {reasons}")
        elif count == 2:
            decorated.append(f"{name} (and 1 other pod): {reasons}")
        else:
            decorated.append(f"{name} (and {count - 1} other pods): {reasons}")
    return warnings + sorted(decorated)
