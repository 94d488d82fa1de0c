"""What a pod spec's operating system allows (pkg/apis/core/validation: validateOS, validateLinux,
validateWindows, validateWindowsHostProcessPod): ``spec.os.name`` linux or windows; a linux pod without Windows
options, a windows pod without the Linux-only security settings; and HostProcess containers all or none, on
the host network.

kube's internal PodSecurityContext holds v1's spec-level host fields (hostUsers, hostPID, hostIPC,
shareProcessNamespace, hostNetwork): they are read from the v1 spec here, under kube's field paths.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from aiokube.apiserver.errors import FieldErrors
from aiokube.apiserver.registry.validation import fields as f
from aiokube.apiserver.registry.validation import security

Obj = dict[str, Any]

_OS_NAMES = ["linux", "windows"]
_WINDOWS_MSG = "cannot be set for a windows pod"
_LINUX_MSG = "windows options cannot be set for a linux pod"
#: (v1 field of the pod's securityContext, or of the spec when the key is a spec key) validateWindows forbids
_WINDOWS_POD_FIELDS = (
    ("securityContext", "appArmorProfile"), ("securityContext", "seLinuxOptions"), ("", "hostUsers"),
    ("", "hostPID"), ("", "hostIPC"), ("securityContext", "seccompProfile"), ("securityContext", "fsGroup"),
    ("securityContext", "fsGroupChangePolicy"), ("securityContext", "sysctls"), ("", "shareProcessNamespace"),
    ("securityContext", "runAsUser"), ("securityContext", "runAsGroup"), ("securityContext", "supplementalGroups"),
    ("securityContext", "supplementalGroupsPolicy"), ("securityContext", "seLinuxChangePolicy"),
)  # fmt: skip
_WINDOWS_CONTAINER_FIELDS = (
    "appArmorProfile", "seLinuxOptions", "seccompProfile", "capabilities", "readOnlyRootFilesystem", "privileged",
    "allowPrivilegeEscalation", "procMount", "runAsUser", "runAsGroup",
)  # fmt: skip


def _containers(spec: Obj, path: str) -> Iterator[tuple[Obj, str]]:
    """podshelper.VisitContainersWithPath: init containers, containers, then ephemeral containers."""
    for key in ("initContainers", "containers", "ephemeralContainers"):
        for i, c in enumerate(f.list_at(spec, key)):
            if isinstance(c, dict):
                yield c, f"{path}.{key}[{i}]"


def validate_host_process(spec: Obj, path: str, errs: FieldErrors) -> None:
    """validateWindowsHostProcessPod: a container's hostProcess agrees with the pod's; if any container is a
    HostProcess container, all are, the pod is on the host network and privileged pods are allowed."""
    pod_hp = f.obj_at(f.obj_at(spec, "securityContext"), "windowsOptions").get("hostProcess")
    count = host_process = 0
    for c, cpath in _containers(spec, path):
        count += 1
        hp = f.obj_at(f.obj_at(c, "securityContext"), "windowsOptions").get("hostProcess")
        if isinstance(pod_hp, bool) and isinstance(hp, bool) and pod_hp != hp:
            msg = f"pod hostProcess value must be identical if both are specified, was {str(pod_hp).lower()}"
            errs.invalid(f"{cpath}.securityContext.windowsOptions.hostProcess", hp, msg)
        if hp is True or (hp is None and pod_hp is True):
            host_process += 1
    if host_process:
        if host_process != count:
            errs.invalid(path, "", "If pod contains any hostProcess containers then all containers must be HostProcess "
                                   "containers")  # fmt: skip
        if spec.get("hostNetwork") is not True:
            errs.invalid(f"{path}.hostNetwork", False,
                         "hostNetwork must be true if pod contains any hostProcess containers")  # fmt: skip
        if not security.ALLOW_PRIVILEGED:
            errs.forbidden(path, "hostProcess containers are disallowed by cluster policy")


def validate_os(spec: Obj, path: str, errs: FieldErrors) -> None:
    """ValidatePodSpec's ``spec.os`` step: the name, then the chosen OS's rules."""
    os = spec.get("os")
    if not isinstance(os, dict):
        return
    name = os.get("name", "")
    if not name:
        errs.required(f"{path}.os.name")
        return
    if name not in _OS_NAMES:
        errs.not_supported(f"{path}.os", name, _OS_NAMES)
    elif name == "linux":
        _linux(spec, path, errs)
    else:
        _windows(spec, path, errs)


def _linux(spec: Obj, path: str, errs: FieldErrors) -> None:
    if f.obj_at(spec, "securityContext").get("windowsOptions") is not None:
        errs.forbidden(f"{path}.securityContext.windowsOptions", _LINUX_MSG)
    for c, cpath in _containers(spec, path):
        if f.obj_at(c, "securityContext").get("windowsOptions") is not None:
            errs.forbidden(f"{cpath}.securityContext.windowsOptions", _LINUX_MSG)


def _windows(spec: Obj, path: str, errs: FieldErrors) -> None:
    sc = f.obj_at(spec, "securityContext")
    for parent, key in _WINDOWS_POD_FIELDS:
        if parent:
            value = sc.get(key)
            if key == "sysctls" and not value:
                continue
            if value is not None:
                errs.forbidden(f"{path}.{parent}.{key}", _WINDOWS_MSG)
        elif spec.get(key) is not None and (key in ("hostUsers", "shareProcessNamespace") or spec[key] is True):
            errs.forbidden(f"{path}.{key}", _WINDOWS_MSG)
    for c, cpath in _containers(spec, path):
        csc = c.get("securityContext")
        if not isinstance(csc, dict):
            continue
        for key in _WINDOWS_CONTAINER_FIELDS:
            if csc.get(key) is not None:
                errs.forbidden(f"{cpath}.securityContext.{key}", _WINDOWS_MSG)
