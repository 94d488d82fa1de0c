"""The volume sources' own checks (pkg/apis/core/validation validateVolumeSource), for the sources users write
by hand: emptyDir, hostPath, secret, configMap, persistentVolumeClaim, nfs, downwardAPI and projected (secret,
configMap, downwardAPI and serviceAccountToken sources). Checked for the first source a volume names only, as
kube does (a second one is refused as such). The other sources (cloud disks, iSCSI, CSI, ephemeral, image, a
projection's clusterTrustBundle and podCertificate, a resource field's divisor) are accepted unchecked."""

from __future__ import annotations

import posixpath
from collections.abc import Callable
from typing import Any

from aiokube.apiserver.errors import FieldErrors
from aiokube.apiserver.registry.validation import fields as f

Obj = dict[str, Any]

_FILE_MODE_MSG = "must be a number between 0 and 0777 (octal), both inclusive"
_HOST_PATH_TYPES = ["", "BlockDevice", "CharDevice", "Directory", "DirectoryOrCreate", "File", "FileOrCreate", "Socket"]
_VOLUME_FIELD_PATHS = ["metadata.annotations", "metadata.labels", "metadata.name", "metadata.namespace", "metadata.uid"]
_DOWNWARD_LABELS = frozenset((
    "metadata.annotations", "metadata.labels", "metadata.name", "metadata.namespace", "metadata.uid", "spec.nodeName",
    "spec.restartPolicy", "spec.serviceAccountName", "spec.schedulerName", "status.phase", "status.hostIP",
    "status.hostIPs", "status.podIP", "status.podIPs",
))  # fmt: skip
_RESOURCE_FIELDS = ["limits.cpu", "limits.ephemeral-storage", "limits.memory", "requests.cpu",
                    "requests.ephemeral-storage", "requests.memory"]  # fmt: skip
_HUGEPAGES_PREFIXES = ("limits.hugepages-", "requests.hugepages-")


def _mode(value: Any, path: str, errs: FieldErrors) -> None:
    if isinstance(value, int) and not 0 <= value <= 0o777:
        errs.invalid(path, value, _FILE_MODE_MSG)


def _no_backsteps(target: str, path: str, errs: FieldErrors) -> None:
    """validatePathNoBacksteps: one error however many ``..`` there are."""
    if ".." in target.split("/"):
        errs.invalid(path, target, "must not contain '..'")


def local_non_reserved_path(target: str, path: str, errs: FieldErrors) -> None:
    """ValidateLocalNonReservedPath: relative, no ``..`` element, not starting with ``..``."""
    if posixpath.isabs(target):
        errs.invalid(path, target, "must be a relative path")
    _no_backsteps(target, path, errs)
    if target.startswith("..") and not target.startswith("../"):
        errs.invalid(path, target, "must not start with '..'")


def _key_to_path(item: Obj, path: str, errs: FieldErrors) -> None:
    """validateKeyToPath."""
    if not item.get("key"):
        errs.required(f"{path}.key")
    target = item.get("path") or ""
    if not target:
        errs.required(f"{path}.path")
    local_non_reserved_path(target, f"{path}.path", errs)
    _mode(item.get("mode"), f"{path}.mode", errs)


def _items(source: Obj, path: str, errs: FieldErrors) -> list[Obj]:
    items = [i if isinstance(i, dict) else {} for i in f.list_at(source, "items")]
    for i, item in enumerate(items):
        _key_to_path(item, f"{path}.items[{i}]", errs)
    return items


def _subscripted(label: str) -> tuple[str, str] | None:
    """fieldpath.SplitMaybeSubscriptedPath: ``metadata.labels['key']`` → (path, key)."""
    if not label.endswith("']"):
        return None
    head, sep, key = label[:-2].partition("['")
    return (head, key) if sep and head else None


def _object_field(selector: Obj, path: str, errs: FieldErrors) -> None:
    """validateObjectFieldSelector with the volume's expressions (after ConvertDownwardAPIFieldLabel)."""
    version, label = selector.get("apiVersion", ""), selector.get("fieldPath", "")
    if not version:
        errs.required(f"{path}.apiVersion")
        return
    if not label:
        errs.required(f"{path}.fieldPath")
        return
    error = None
    split = _subscripted(label)
    if version != "v1":
        error = f"unsupported pod version: {version}"
    elif split is not None and split[0] not in ("metadata.annotations", "metadata.labels"):
        error = f"field label does not support subscript: {label}"
    elif split is None and label not in _DOWNWARD_LABELS and label != "spec.host":
        error = f"field label not supported: {label}"
    if error is not None:
        errs.invalid(f"{path}.fieldPath", label, f"error converting fieldPath: {error}")
    elif split is not None:
        f.qualified_name(split[1].lower() if split[0] == "metadata.annotations" else split[1], path, errs)
    elif (internal := "spec.nodeName" if label == "spec.host" else label) not in _VOLUME_FIELD_PATHS:
        errs.not_supported(f"{path}.fieldPath", internal, _VOLUME_FIELD_PATHS)


def _resource_field(selector: Obj, path: str, errs: FieldErrors) -> None:
    """validateContainerResourceFieldSelector for a volume (its divisor is not checked here)."""
    resource = selector.get("resource", "")
    if not selector.get("containerName"):
        errs.required(f"{path}.containerName")
    elif not resource:
        errs.required(f"{path}.resource")
    elif resource not in _RESOURCE_FIELDS and not resource.startswith(_HUGEPAGES_PREFIXES):
        errs.not_supported(f"{path}.resource", resource, _RESOURCE_FIELDS)


def _downward_file(item: Obj, path: str, errs: FieldErrors) -> None:
    """validateDownwardAPIVolumeFile (``path``: the source's, as kube reports the file's fields)."""
    target = item.get("path") or ""
    if not target:
        errs.required(f"{path}.path")
    local_non_reserved_path(target, f"{path}.path", errs)
    field_ref, resource_ref = item.get("fieldRef"), item.get("resourceFieldRef")
    if isinstance(field_ref, dict):
        _object_field(field_ref, f"{path}.fieldRef", errs)
        if resource_ref is not None:
            errs.invalid(path, "resource", "fieldRef and resourceFieldRef can not be specified simultaneously")
    elif isinstance(resource_ref, dict):
        _resource_field(resource_ref, f"{path}.resourceFieldRef", errs)
    else:
        errs.required(path, "one of fieldRef and resourceFieldRef is required")
    _mode(item.get("mode"), f"{path}.mode", errs)


def _empty_dir(source: Obj, path: str, errs: FieldErrors) -> None:
    limit = f.quantity(source.get("sizeLimit"))
    if limit is not None and limit.cmp(f.ZERO) < 0:
        errs.forbidden(f"{path}.sizeLimit", "SizeLimit field must be a valid resource quantity")


def _host_path(source: Obj, path: str, errs: FieldErrors) -> None:
    target = source.get("path") or ""
    if not target:
        errs.required(f"{path}.path")
        return
    _no_backsteps(target, f"{path}.path", errs)
    kind = source.get("type")
    if kind is not None and kind not in _HOST_PATH_TYPES:
        errs.not_supported(f"{path}.type", kind, _HOST_PATH_TYPES)


def _secret(source: Obj, path: str, errs: FieldErrors) -> None:
    if not source.get("secretName"):
        errs.required(f"{path}.secretName")
    _mode(source.get("defaultMode"), f"{path}.defaultMode", errs)
    _items(source, path, errs)


def _config_map(source: Obj, path: str, errs: FieldErrors) -> None:
    if not source.get("name"):
        errs.required(f"{path}.name")
    _mode(source.get("defaultMode"), f"{path}.defaultMode", errs)
    _items(source, path, errs)


def _claim(source: Obj, path: str, errs: FieldErrors) -> None:
    if not source.get("claimName"):
        errs.required(f"{path}.claimName")


def _nfs(source: Obj, path: str, errs: FieldErrors) -> None:
    if not source.get("server"):
        errs.required(f"{path}.server")
    target = source.get("path") or ""
    if not target:
        errs.required(f"{path}.path")
    if not posixpath.isabs(target):
        errs.invalid(f"{path}.path", target, "must be an absolute path")


def _downward_api(source: Obj, path: str, errs: FieldErrors) -> None:
    _mode(source.get("defaultMode"), f"{path}.defaultMode", errs)
    for item in f.list_at(source, "items"):
        _downward_file(item if isinstance(item, dict) else {}, path, errs)


def _claim_paths(paths: set[str], target: str, shown: Any, path: str, errs: FieldErrors) -> None:
    """A projected file's path, which no other source of the volume may use."""
    if target in paths:
        errs.invalid(path, shown, "conflicting duplicate paths")
    paths.add(target)


def _clean_file(item: Any, paths: set[str]) -> bool:
    """A projected file that passes every check (a relative path without '..', no other source's, a valid mode),
    without building a field path; the path is then taken."""
    if type(item) is not dict:
        return False
    target, mode = item.get("path"), item.get("mode")
    if not target or type(target) is not str or target[0] == "/" or ".." in target or target in paths:
        return False
    if mode is not None and not (type(mode) is int and 0 <= mode <= 0o777):
        return False
    paths.add(target)
    return True


def _clean_projection(projection: Any, paths: set[str]) -> bool:
    """One projected source of a common kind that passes every check (what admission's kube-api-access volume
    holds): the fast path of every pod create, no field path built."""
    if type(projection) is not dict or len(projection) != 1:
        return False
    ((key, part),) = projection.items()
    if type(part) is not dict:
        return False
    if key == "serviceAccountToken":
        seconds, target = part.get("expirationSeconds", 0), part.get("path")
        return type(seconds) is int and 600 <= seconds <= 1 << 32 and bool(target) and _clean_file(part, paths)
    items = part.get("items") or []
    if type(items) is not list:
        return False
    if key in ("secret", "configMap"):
        return bool(part.get("name")) and all(type(i) is dict and i.get("key") and _clean_file(i, paths) for i in items)
    if key == "downwardAPI":
        for item in items:
            ref = item.get("fieldRef") if type(item) is dict else None
            if type(ref) is not dict or item.get("resourceFieldRef") is not None or ref.get("apiVersion") != "v1":
                return False
            if ref.get("fieldPath") not in _VOLUME_FIELD_PATHS or not _clean_file(item, paths):
                return False
        return True
    return False


def _projected(source: Obj, path: str, errs: FieldErrors) -> None:
    """validateProjectedVolumeSource and validateProjectionSources (the full walk only when the fast one finds
    something to report)."""
    mode, sources = source.get("defaultMode"), source.get("sources") or []
    if mode is None or (type(mode) is int and 0 <= mode <= 0o777):
        seen: set[str] = set()
        if type(sources) is list and all(_clean_projection(p, seen) for p in sources):
            return
    _mode(mode, f"{path}.defaultMode", errs)
    paths: set[str] = set()
    for i, projection in enumerate(f.list_at(source, "sources")):
        projection = projection if isinstance(projection, dict) else {}
        spath = f"{path}.sources[{i}]"
        count = 0
        for key in ("secret", "configMap"):
            part = projection.get(key)
            if not isinstance(part, dict):
                continue
            count += 1
            if not part.get("name"):
                errs.required(f"{spath}.{key}.name")
            for item in _items(part, f"{spath}.{key}", errs):
                if item.get("path"):
                    _claim_paths(paths, item["path"], part.get("name", ""), path, errs)
        part = projection.get("downwardAPI")
        if isinstance(part, dict):
            count += 1
            for item in f.list_at(part, "items"):
                item = item if isinstance(item, dict) else {}
                _downward_file(item, f"{spath}.downwardAPI", errs)
                if item.get("path"):
                    _claim_paths(paths, item["path"], item["path"], path, errs)
        part = projection.get("serviceAccountToken")
        if isinstance(part, dict):
            count += 1
            seconds = part.get("expirationSeconds", 0)
            if isinstance(seconds, int) and seconds < 600:
                errs.invalid(f"{spath}.serviceAccountToken.expirationSeconds", seconds,
                             "may not specify a duration less than 10 minutes")  # fmt: skip
            if isinstance(seconds, int) and seconds > 1 << 32:
                errs.invalid(f"{spath}.serviceAccountToken.expirationSeconds", seconds,
                             "may not specify a duration larger than 2^32 seconds")  # fmt: skip
            if not part.get("path"):
                errs.required(f"{path}.path")
            else:
                local_non_reserved_path(part["path"], f"{path}.path", errs)
        count += sum(1 for key in ("clusterTrustBundle", "podCertificate") if projection.get(key) is not None)
        if count > 1:
            errs.forbidden(spath, "may not specify more than 1 volume type per source")


#: volume source key → its checks
SOURCES: dict[str, Callable[[Obj, str, FieldErrors], None]] = {
    "emptyDir": _empty_dir,
    "hostPath": _host_path,
    "secret": _secret,
    "configMap": _config_map,
    "persistentVolumeClaim": _claim,
    "nfs": _nfs,
    "downwardAPI": _downward_api,
    "projected": _projected,
}
