"""Security contexts of pods and containers (pkg/apis/core/validation: validatePodSpecSecurityContext,
ValidateSecurityContext, validateSeccompProfileField, ValidateAppArmorProfileField): user and group ids within
int32, the seccomp and AppArmor profile types and their localhost profiles, and the combinations kube refuses.
"""

from __future__ import annotations

from typing import Any

from aiokube.apiserver.errors import FieldErrors
from aiokube.apiserver.registry.validation import fields as f

Obj = dict[str, Any]

_PROFILE_TYPES = ["Localhost", "RuntimeDefault", "Unconfined"]
_PROC_MOUNTS = ["Default", "Unmasked"]
_FS_GROUP_CHANGE_POLICIES = ["Always", "OnRootMismatch"]
_SUPPLEMENTAL_GROUPS_POLICIES = ["Merge", "Strict"]
_SELINUX_CHANGE_POLICIES = ["MountOption", "Recursive"]


def _id(value: Any, path: str, errs: FieldErrors) -> None:
    """validation.IsValidUserID / IsValidGroupID."""
    if isinstance(value, int) and not 0 <= value <= f.MAX_INT32:
        errs.invalid(path, value, f.inclusive_range_error(0, f.MAX_INT32))


def _descending_path(value: str, path: str, errs: FieldErrors) -> None:
    """validateLocalDescendingPath: relative, without '..'."""
    if value.startswith("/"):
        errs.invalid(path, value, "must be a relative path")
    if ".." in value.replace("\\", "/").split("/"):
        errs.invalid(path, value, "must not contain '..'")


def _seccomp(profile: Any, path: str, errs: FieldErrors) -> None:
    if not isinstance(profile, dict):
        return
    kind = profile.get("type", "")
    if not kind:
        errs.required(f"{path}.type", "type is required when seccompProfile is set")
    elif kind not in _PROFILE_TYPES:
        errs.not_supported(f"{path}.type", kind, _PROFILE_TYPES)
    local = profile.get("localhostProfile")
    if kind == "Localhost":
        if local is None:
            errs.required(f"{path}.localhostProfile", "must be set when seccomp type is Localhost")
        else:
            _descending_path(local, f"{path}.localhostProfile", errs)
    elif local is not None:
        errs.invalid(f"{path}.localhostProfile", profile, "can only be set when seccomp type is Localhost")


def _apparmor(profile: Any, path: str, errs: FieldErrors) -> None:
    if not isinstance(profile, dict):
        return
    kind, local = profile.get("type", ""), profile.get("localhostProfile")
    if kind == "Localhost":
        if local is None or (local.strip() == local and not local):
            errs.required(f"{path}.localhostProfile", "must be set when AppArmor type is Localhost")
        elif local.strip() != local:
            errs.invalid(f"{path}.localhostProfile", local, "must not be padded with whitespace")
        if isinstance(local, str) and len(local) > 4095:
            errs.too_long(f"{path}.localhostProfile", 4095)
    elif kind in ("RuntimeDefault", "Unconfined"):
        if local is not None:
            errs.invalid(f"{path}.localhostProfile", local, "can only be set when AppArmor type is Localhost")
    elif not kind:
        errs.required(f"{path}.type", "type is required when appArmorProfile is set")
    else:
        errs.not_supported(f"{path}.type", kind, _PROFILE_TYPES)


def validate_container_security_context(sc: Any, host_users: bool, path: str, errs: FieldErrors) -> None:
    """ValidateSecurityContext (a kube-apiserver started with --allow-privileged, as clusters run)."""
    if not isinstance(sc, dict):
        return
    _id(sc.get("runAsUser"), f"{path}.runAsUser", errs)
    _id(sc.get("runAsGroup"), f"{path}.runAsGroup", errs)
    proc_mount = sc.get("procMount")
    if proc_mount is not None:
        if proc_mount not in _PROC_MOUNTS:
            errs.not_supported(f"{path}.procMount", proc_mount, _PROC_MOUNTS)
        if host_users and proc_mount == "Unmasked":
            errs.invalid(f"{path}.procMount", proc_mount, "`hostUsers` must be false to use `Unmasked`")
    _seccomp(sc.get("seccompProfile"), f"{path}.seccompProfile", errs)
    if sc.get("allowPrivilegeEscalation") is False:
        if sc.get("privileged") is True:
            errs.invalid(path, sc, "cannot set `allowPrivilegeEscalation` to false and `privileged` to true")
        for cap in f.list_at(f.obj_at(sc, "capabilities"), "add"):
            if cap == "CAP_SYS_ADMIN":
                errs.invalid(path, sc, "cannot set `allowPrivilegeEscalation` to false and `capabilities.Add` "
                                       "CAP_SYS_ADMIN")  # fmt: skip
    _apparmor(sc.get("appArmorProfile"), f"{path}.appArmorProfile", errs)


def validate_pod_security_context(sc: Any, path: str, errs: FieldErrors) -> None:
    """validatePodSpecSecurityContext."""
    if not isinstance(sc, dict):
        return
    _id(sc.get("fsGroup"), f"{path}.fsGroup", errs)
    _id(sc.get("runAsUser"), f"{path}.runAsUser", errs)
    _id(sc.get("runAsGroup"), f"{path}.runAsGroup", errs)
    for i, gid in enumerate(f.list_at(sc, "supplementalGroups")):
        _id(gid, f"{path}.supplementalGroups[{i}]", errs)
    if sc.get("shareProcessNamespace") and sc.get("hostPID"):
        errs.invalid(f"{path}.shareProcessNamespace", True, "ShareProcessNamespace and HostPID cannot both be enabled")
    policy = sc.get("fsGroupChangePolicy")
    if policy is not None and policy not in _FS_GROUP_CHANGE_POLICIES:
        errs.not_supported(f"{path}.fsGroupChangePolicy", policy, _FS_GROUP_CHANGE_POLICIES)
    _seccomp(sc.get("seccompProfile"), f"{path}.seccompProfile", errs)
    _apparmor(sc.get("appArmorProfile"), f"{path}.appArmorProfile", errs)
    policy = sc.get("supplementalGroupsPolicy")
    if policy is not None and policy not in _SUPPLEMENTAL_GROUPS_POLICIES:
        errs.not_supported(f"{path}.supplementalGroupsPolicy", policy, _SUPPLEMENTAL_GROUPS_POLICIES)
    policy = sc.get("seLinuxChangePolicy")
    if policy is not None and policy not in _SELINUX_CHANGE_POLICIES:
        errs.not_supported(f"{path}.seLinuxChangePolicy", policy, _SELINUX_CHANGE_POLICIES)
