"""Security contexts of pods and containers (pkg/apis/core/validation: validatePodSpecSecurityContext,
ValidateSecurityContext, validateSeccompProfileField, ValidateAppArmorProfileField): user and group ids within
int32, the seccomp and AppArmor profile types and their localhost profiles, and the combinations kube refuses.
"""

from __future__ import annotations

import re
from typing import Any

from aiokube.apiserver.errors import FieldErrors
from aiokube.apiserver.registry.validation import fields as f

Obj = dict[str, Any]

_PROFILE_TYPES = ["Localhost", "RuntimeDefault", "Unconfined"]
_PROC_MOUNTS = ["Default", "Unmasked"]
#: kube's --allow-privileged (capabilities.AllowPrivileged, process-wide as kube's): privileged containers and
#: HostProcess pods. kube's flag defaults to false; aiokube's to true, as clusters run (kubeadm sets it).
#: Set through verdicts.allow_privileged, which forgets the verdicts made under the other setting.
ALLOW_PRIVILEGED = True
_FS_GROUP_CHANGE_POLICIES = ["Always", "OnRootMismatch"]
_SUPPLEMENTAL_GROUPS_POLICIES = ["Merge", "Strict"]
_SELINUX_CHANGE_POLICIES = ["MountOption", "Recursive"]


def _id(value: Any, path: str, errs: FieldErrors) -> None:
    """validation.IsValidUserID / IsValidGroupID."""
    if isinstance(value, int) and not 0 <= value <= f.MAX_INT32:
        errs.invalid(path, value, f.inclusive_range_error(0, f.MAX_INT32))


def descending_path(value: str, path: str, errs: FieldErrors) -> None:
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
            descending_path(local, f"{path}.localhostProfile", errs)
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
    """ValidateSecurityContext (privileged containers refused without --allow-privileged)."""
    if not isinstance(sc, dict):
        return
    if sc.get("privileged") is True and not ALLOW_PRIVILEGED:
        errs.forbidden(f"{path}.privileged", "disallowed by cluster policy")
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
    windows_options(sc.get("windowsOptions"), f"{path}.windowsOptions", errs)
    _apparmor(sc.get("appArmorProfile"), f"{path}.appArmorProfile", errs)


def validate_pod_security_context(spec: Obj, path: str, errs: FieldErrors, *, host_sysctls: bool = False) -> None:
    """validatePodSpecSecurityContext. kube's internal PodSecurityContext also holds v1's spec-level host
    namespace fields (hostNetwork, hostPID, hostIPC, shareProcessNamespace), read here from the v1 spec; it is
    never nil (the conversion makes one), so its checks run without a ``securityContext`` too. ``host_sysctls``
    allows sysctls of a namespace the pod shares with the host (an update of a spec that had one)."""
    raw = spec.get("securityContext")
    sc = raw if isinstance(raw, dict) else {}
    _id(sc.get("fsGroup"), f"{path}.fsGroup", errs)
    _id(sc.get("runAsUser"), f"{path}.runAsUser", errs)
    _id(sc.get("runAsGroup"), f"{path}.runAsGroup", errs)
    for i, gid in enumerate(f.list_at(sc, "supplementalGroups")):
        _id(gid, f"{path}.supplementalGroups[{i}]", errs)
    if spec.get("shareProcessNamespace") is True and spec.get("hostPID") is True:
        errs.invalid(f"{path}.shareProcessNamespace", True, "ShareProcessNamespace and HostPID cannot both be enabled")
    sysctls = f.list_at(sc, "sysctls")
    if sysctls:
        _sysctls(sysctls, spec, f"{path}.sysctls", errs, host_sysctls)
    policy = sc.get("fsGroupChangePolicy")
    if policy is not None and policy not in _FS_GROUP_CHANGE_POLICIES:
        errs.not_supported(f"{path}.fsGroupChangePolicy", policy, _FS_GROUP_CHANGE_POLICIES)
    _seccomp(sc.get("seccompProfile"), f"{path}.seccompProfile", errs)
    windows_options(sc.get("windowsOptions"), f"{path}.windowsOptions", errs)
    _apparmor(sc.get("appArmorProfile"), f"{path}.appArmorProfile", errs)
    policy = sc.get("supplementalGroupsPolicy")
    if policy is not None and policy not in _SUPPLEMENTAL_GROUPS_POLICIES:
        errs.not_supported(f"{path}.supplementalGroupsPolicy", policy, _SUPPLEMENTAL_GROUPS_POLICIES)
    policy = sc.get("seLinuxChangePolicy")
    if policy is not None and policy not in _SELINUX_CHANGE_POLICIES:
        errs.not_supported(f"{path}.seLinuxChangePolicy", policy, _SELINUX_CHANGE_POLICIES)


# --- sysctls ------------------------------------------------------------------------------------------------

_SYSCTL_SEGMENT = "[a-z0-9]([-_a-z0-9]*[a-z0-9])?"
_SYSCTL_FMT = f"^({_SYSCTL_SEGMENT}[\\./])*{_SYSCTL_SEGMENT}$"
_SYSCTL = re.compile(_SYSCTL_FMT.replace("$", r"\Z"))
_SYSCTL_MSG = f"must have at most 253 characters and match regex {_SYSCTL_FMT}"
#: component-helpers' sysctl namespaces: whole names, then prefixes (followed by a dot)
_IPC_SYSCTLS = frozenset((
    "kernel.sem", "kernel.shmall", "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced", "kernel.msgmax",
    "kernel.msgmnb", "kernel.msgmni",
))  # fmt: skip
_NAMESPACE_PREFIXES = (("net.", "Net"), ("fs.mqueue.", "IPC"))


def _sysctl_namespace(name: str) -> str:
    """sysctl.GetNamespace: "Net", "IPC" or "" for a name (slashes as separators normalized, a '*' ends it)."""
    first = next((i for i, c in enumerate(name) if c in "./"), -1)
    if first != -1 and name[first] == "/":
        name = name.translate(str.maketrans("./", "/."))
    name = name.split("*", 1)[0]
    if name in _IPC_SYSCTLS:
        return "IPC"
    for prefix, namespace in _NAMESPACE_PREFIXES:
        if name.startswith(prefix):
            return namespace
    return ""


def _host_sysctl_error(name: str, spec: Obj) -> str | None:
    """ValidateHostSysctl: the sysctl is of a namespace the pod shares with the host."""
    namespace = _sysctl_namespace(name)
    if spec.get("hostNetwork") is True and namespace == "Net":
        return "may not be specified when 'hostNetwork' is true"
    if spec.get("hostIPC") is True and namespace == "IPC":
        return "may not be specified when 'hostIPC' is true"
    return None


def has_host_sysctl(spec: Obj) -> bool:
    """Whether a stored pod spec has a sysctl of a namespace it shares with the host (kube's update ratchet:
    then its updates may keep, and add, such sysctls)."""
    sysctls = f.list_at(f.obj_at(spec, "securityContext"), "sysctls")
    return any(isinstance(s, dict) and _host_sysctl_error(s.get("name", ""), spec) is not None for s in sysctls)


def _sysctls(sysctls: list[Any], spec: Obj, path: str, errs: FieldErrors, host_sysctls: bool) -> None:
    """validateSysctls: names set, valid and unique, and (unless ``host_sysctls``) none of a namespace the pod
    shares with the host."""
    names: set[str] = set()
    for i, sysctl in enumerate(sysctls):
        name = sysctl.get("name", "") if isinstance(sysctl, dict) else ""
        npath = f"{path}[{i}].name"
        if not name:
            errs.required(npath)
        elif len(name) > 253 or not _SYSCTL.match(name):
            errs.invalid(npath, name, _SYSCTL_MSG)
        elif name in names:
            errs.duplicate(npath, name)
        if not host_sysctls and (error := _host_sysctl_error(name, spec)) is not None:
            errs.invalid(npath, name, error)
        names.add(name)


# --- Windows ------------------------------------------------------------------------------------------------

_GMSA_MAX = 64 * 1024
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_NETBIOS = re.compile(r'^[^\\/:*?"<>|.][^\\/:*?"<>|]{0,14}\Z')
_DNS_LABEL = "[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?"
_WINDOWS_DOMAIN_DNS = re.compile(rf"^{_DNS_LABEL}(?:\.{_DNS_LABEL})*\Z")
_BAD_USER_CHARS = re.compile(r'["/\\:;|=,+*?<>@\[\]]')
_DOTS_SPACES = re.compile(r"^[. ]+\Z")


def _run_as_user_name(name: str, path: str, errs: FieldErrors) -> None:
    if not name:
        errs.invalid(path, name, "runAsUserName cannot be an empty string")
        return
    if _CONTROL.search(name):
        errs.invalid(path, name, "runAsUserName cannot contain control characters")
        return
    parts = name.split("\\")
    if len(parts) > 2:
        errs.invalid(path, name, "runAsUserName cannot contain more than one backslash")
        return
    domain, user = (parts[0], parts[1]) if len(parts) == 2 else ("", parts[0])
    if len(domain.encode()) >= 256:
        errs.invalid(path, name, "runAsUserName's Domain length must be under 256 characters")
    if len(parts) == 2 and not (_NETBIOS.match(domain) or _WINDOWS_DOMAIN_DNS.match(domain)):
        errs.invalid(path, name, "runAsUserName's Domain doesn't match the NetBios nor the DNS format")
    if not user:
        errs.invalid(path, name, "runAsUserName's User cannot be empty")
    elif len(user.encode()) > 104:
        errs.invalid(path, name, "runAsUserName's User length must not be longer than 104 characters")
    if _DOTS_SPACES.match(user):
        errs.invalid(path, name, "runAsUserName's User cannot contain only periods or spaces")
    if _BAD_USER_CHARS.search(user):
        errs.invalid(path, name, "runAsUserName's User cannot contain the following characters: \"/\\:;|=,+*?<>@[]")


def windows_options(options: Any, path: str, errs: FieldErrors) -> None:
    """validateWindowsSecurityContextOptions: the gMSA credential spec's name and size, runAsUserName's form."""
    if not isinstance(options, dict):
        return
    name = options.get("gmsaCredentialSpecName")
    if isinstance(name, str):
        f.dns1123_subdomain(name, f"{path}.gmsaCredentialSpecName", errs)
    spec = options.get("gmsaCredentialSpec")
    if isinstance(spec, str):
        if not spec:
            errs.invalid(f"{path}.gmsaCredentialSpec", spec, "gmsaCredentialSpec cannot be an empty string")
        elif len(spec.encode()) > _GMSA_MAX:
            errs.invalid(f"{path}.gmsaCredentialSpec", spec, "gmsaCredentialSpec size must be under 64 KiB")
    user = options.get("runAsUserName")
    if isinstance(user, str):
        _run_as_user_name(user, f"{path}.runAsUserName", errs)
