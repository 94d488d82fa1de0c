"""A container's volume mounts and block devices (ValidateVolumeMounts, ValidateVolumeDevices): each names a
valid volume of the pod, at a unique path, never both a mount and a device; a mount's subpaths, propagation and
recursive read-only mode."""

from __future__ import annotations

import posixpath
from typing import Any

from aiokube.apiserver.errors import FieldErrors
from aiokube.apiserver.registry.validation import fields as f

Obj = dict[str, Any]

_PROPAGATIONS = ["Bidirectional", "HostToContainer", "None"]
_RECURSIVE_READ_ONLY = ["Disabled", "Enabled", "IfPossible"]
_BIDIRECTIONAL_MSG = "Bidirectional mount propagation is available only to privileged containers"
_BLOCK_MSG = "can only use volume source type of PersistentVolumeClaim or Ephemeral for block mode"


def _descending(value: str, path: str, errs: FieldErrors) -> None:
    """validateLocalDescendingPath."""
    if posixpath.isabs(value):
        errs.invalid(path, value, "must be a relative path")
    if ".." in value.split("/"):
        errs.invalid(path, value, "must not contain '..'")


def validate_mounts(c: Obj, volumes: dict[str, Obj], path: str, errs: FieldErrors) -> None:
    """ValidateVolumeMounts; ``volumes``: the pod's valid volumes by name. The subpath, propagation and
    recursive read-only errors are reported at the list's path, as kube reports them."""
    devices = {d.get("name"): d.get("devicePath") for d in f.list_at(c, "volumeDevices") if isinstance(d, dict)}
    privileged = f.obj_at(c, "securityContext").get("privileged") is True
    seen: set[str] = set()
    for i, mount in enumerate(f.list_at(c, "volumeMounts")):
        if not isinstance(mount, dict):
            continue
        mpath = f"{path}[{i}]"
        name, mount_path = mount.get("name", ""), mount.get("mountPath", "")
        if not name:
            errs.required(f"{mpath}.name")
        if name not in volumes:
            errs.not_found(f"{mpath}.name", name)
        if not mount_path:
            errs.required(f"{mpath}.mountPath")
        if mount_path in seen:
            errs.invalid(f"{mpath}.mountPath", mount_path, "must be unique")
        seen.add(mount_path)
        if name in devices:
            errs.invalid(f"{mpath}.name", name, "must not already exist in volumeDevices")
        if mount_path in devices.values():
            errs.invalid(f"{mpath}.mountPath", mount_path, "must not already exist as a path in volumeDevices")
        sub_path, expr = mount.get("subPath") or "", mount.get("subPathExpr") or ""
        if sub_path:
            _descending(sub_path, f"{path}.subPath", errs)
        if expr:
            if sub_path:
                errs.invalid(f"{mpath}.subPathExpr", expr, "subPathExpr and subPath are mutually exclusive")
            _descending(expr, f"{path}.subPathExpr", errs)
        propagation = mount.get("mountPropagation")
        if propagation is not None:
            if propagation not in _PROPAGATIONS:
                errs.not_supported(f"{path}.mountPropagation", propagation, _PROPAGATIONS)
            if propagation == "Bidirectional" and not privileged:
                errs.forbidden(f"{path}.mountPropagation", _BIDIRECTIONAL_MSG)
        _recursive_read_only(mount, f"{path}.recursiveReadOnly", errs)


def _recursive_read_only(mount: Obj, path: str, errs: FieldErrors) -> None:
    """validateMountRecursiveReadOnly."""
    mode = mount.get("recursiveReadOnly")
    if mode is None or mode == "Disabled":
        return
    if mode not in _RECURSIVE_READ_ONLY:
        errs.not_supported(path, mode, _RECURSIVE_READ_ONLY)
        return
    if not mount.get("readOnly"):
        errs.forbidden(path, "may only be specified when readOnly is true")
    if mount.get("mountPropagation") not in (None, "None"):
        errs.forbidden(path, "may only be specified when mountPropagation is None or not specified")


def validate_devices(c: Obj, volumes: dict[str, Obj], path: str, errs: FieldErrors) -> None:
    """ValidateVolumeDevices: a device is a claim's or an ephemeral volume's (block mode)."""
    mounts = {m.get("name"): m.get("mountPath") for m in f.list_at(c, "volumeMounts") if isinstance(m, dict)}
    paths: set[str] = set()
    names: set[str] = set()
    for i, device in enumerate(f.list_at(c, "volumeDevices")):
        if not isinstance(device, dict):
            continue
        dpath = f"{path}[{i}]"
        name, device_path = device.get("name", ""), device.get("devicePath", "")
        volume = volumes.get(name)
        if not name:
            errs.required(f"{dpath}.name")
        if name in names:
            errs.invalid(f"{dpath}.name", name, "must be unique")
        if volume is not None and volume.get("persistentVolumeClaim") is None and volume.get("ephemeral") is None:
            errs.invalid(f"{dpath}.name", name, _BLOCK_MSG)
        if volume is None:
            errs.not_found(f"{dpath}.name", name)
        if not device_path:
            errs.required(f"{dpath}.devicePath")
        if device_path in paths:
            errs.invalid(f"{dpath}.devicePath", device_path, "must be unique")
        if device_path and ".." in device_path.split("/"):
            errs.invalid(f"{dpath}.devicePath", device_path, "can not contain backsteps ('..')")
        else:
            paths.add(device_path)
        if name in mounts:
            errs.invalid(f"{dpath}.name", name, "must not already exist in volumeMounts")
        if device_path in mounts.values():
            errs.invalid(f"{dpath}.devicePath", device_path, "must not already exist as a path in volumeMounts")
        if name:
            names.add(name)
