"""The volume sources' own checks (pkg/apis/core/validation validateVolumeSource): every source a pod may
name, checked for the first source a volume names only, as kube does (a second one is refused as such). Not
checked: a projection's clusterTrustBundle and podCertificate sources (alpha and beta features)."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable
from typing import Any

from aiokube.apiserver.errors import FieldErrors
from aiokube.apiserver.registry.validation import downwardapi
from aiokube.apiserver.registry.validation import fields as f
from aiokube.apiserver.registry.validation.claimspec import validate_claim_spec
from aiokube.apiserver.registry.validation.objectmeta import is_dns1123_subdomain, validate_template_object_meta

Obj = dict[str, Any]

_FILE_MODE_MSG = "must be a number between 0 and 0777 (octal), both inclusive"
_HOST_PATH_TYPES = ["", "BlockDevice", "CharDevice", "Directory", "DirectoryOrCreate", "File", "FileOrCreate", "Socket"]
_PARTITION_MSG = "must be between 1 and 255, inclusive"
_IQN = re.compile(r"iqn\.\d{4}-\d{2}\.([A-Za-z0-9\-.]+)(:[^,;*&$|\s]+)$")
_EUI = re.compile(r"^eui.[A-Za-z0-9]{16}$")
_NAA = re.compile(r"^naa.[A-Za-z0-9]{32}$")
_CACHING_MODES = ["None", "ReadOnly", "ReadWrite"]
_DISK_KINDS = ["Dedicated", "Managed", "Shared"]
_PULL_POLICIES = ["Always", "IfNotPresent", "Never"]
_MANAGED_URI = "/subscriptions/{sub-id}/resourcegroups/{group-name}/providers/microsoft.compute/disks/{disk-id}"
_BLOB_URI = "https://{account-name}.blob.core.windows.net/{container-name}/{disk-name}.vhd"


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


def _downward_file(item: Obj, path: str, errs: FieldErrors) -> None:
    """validateDownwardAPIVolumeFile (``path``: the source's, as kube reports the file's fields)."""
    target = item.get("path") or ""
    if not target:
        errs.required(f"{path}.path")
    local_non_reserved_path(target, f"{path}.path", errs)
    field_ref, resource_ref = item.get("fieldRef"), item.get("resourceFieldRef")
    if isinstance(field_ref, dict):
        downwardapi.object_field(field_ref, f"{path}.fieldRef", errs, downwardapi.VOLUME_FIELD_PATHS)
        if resource_ref is not None:
            errs.invalid(path, "resource", "fieldRef and resourceFieldRef can not be specified simultaneously")
    elif isinstance(resource_ref, dict):
        downwardapi.resource_field(resource_ref, f"{path}.resourceFieldRef", errs, volume=True)
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
            if ref.get("fieldPath") not in downwardapi.VOLUME_FIELD_PATHS or not _clean_file(item, paths):
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


def _git_repo(source: Obj, path: str, errs: FieldErrors) -> None:
    if not source.get("repository"):
        errs.required(f"{path}.repository")
    directory = source.get("directory") or ""
    if posixpath.isabs(directory):
        errs.invalid(f"{path}.directory", directory, "must be a relative path")
    _no_backsteps(directory, f"{path}.directory", errs)


def _disk(name_key: str) -> Callable[[Obj, str, FieldErrors], None]:
    """gcePersistentDisk's and awsElasticBlockStore's: the disk's name, a partition up to 255."""

    def check(source: Obj, path: str, errs: FieldErrors) -> None:
        if not source.get(name_key):
            errs.required(f"{path}.{name_key}")
        partition = source.get("partition", 0)
        if isinstance(partition, int) and not 0 <= partition <= 255:
            errs.invalid(f"{path}.partition", partition, _PARTITION_MSG)

    return check


def _iscsi_name(value: str, path: str, errs: FieldErrors) -> bool:
    """The IQN/EUI/NAA formats; False when none of the prefixes."""
    if not value.startswith(("iqn", "eui", "naa")):
        return False
    pattern = _IQN if value.startswith("iqn") else _EUI if value.startswith("eui") else _NAA
    if not pattern.search(value):
        errs.invalid(path, value, "must be valid format")
    return True


def _iscsi(source: Obj, path: str, errs: FieldErrors) -> None:
    if not source.get("targetPortal"):
        errs.required(f"{path}.targetPortal")
    iqn = source.get("iqn") or ""
    if not iqn:
        errs.required(f"{path}.iqn")
    elif not _iscsi_name(iqn, f"{path}.iqn", errs):
        errs.invalid(f"{path}.iqn", iqn, "must be valid format starting with iqn, eui, or naa")
    lun = source.get("lun", 0)
    if isinstance(lun, int) and not 0 <= lun <= 255:
        errs.invalid(f"{path}.lun", lun, f.inclusive_range_error(0, 255))
    if (source.get("chapAuthDiscovery") or source.get("chapAuthSession")) and source.get("secretRef") is None:
        errs.required(f"{path}.secretRef")
    initiator = source.get("initiatorName")
    if isinstance(initiator, str):
        if not initiator.startswith(("iqn", "eui", "naa")):
            errs.invalid(f"{path}.initiatorname", initiator, "must be valid format starting with iqn, eui, or naa")
        _iscsi_name(initiator, f"{path}.initiatorname", errs)


def _fc(source: Obj, path: str, errs: FieldErrors) -> None:
    wwns, wwids = f.list_at(source, "targetWWNs"), f.list_at(source, "wwids")
    if not wwns and not wwids:
        errs.required(f"{path}.targetWWNs", "must specify either targetWWNs or wwids, but not both")
    if wwns and wwids:
        errs.invalid(f"{path}.targetWWNs", wwns, "targetWWNs and wwids can not be specified simultaneously")
    if wwns:
        lun = source.get("lun")
        if lun is None:
            errs.required(f"{path}.lun", "lun is required if targetWWNs is specified")
        elif isinstance(lun, int) and not 0 <= lun <= 255:
            errs.invalid(f"{path}.lun", lun, f.inclusive_range_error(0, 255))


def _required(*keys: str) -> Callable[[Obj, str, FieldErrors], None]:
    """Sources whose checks are only required fields."""

    def check(source: Obj, path: str, errs: FieldErrors) -> None:
        for key in keys:
            if not source.get(key):
                errs.required(f"{path}.{key}")

    return check


def _flocker(source: Obj, path: str, errs: FieldErrors) -> None:
    name, uuid = source.get("datasetName") or "", source.get("datasetUUID") or ""
    if not name and not uuid:
        errs.required(path, "one of datasetName and datasetUUID is required")
    if name and uuid:
        errs.invalid(path, "resource", "datasetName and datasetUUID can not be specified simultaneously")
    if "/" in name:
        errs.invalid(f"{path}.datasetName", name, "must not contain '/'")


def _with_secret_ref(*keys: str) -> Callable[[Obj, str, FieldErrors], None]:
    """cinder's: required fields and, when a secret is named, its name."""
    required = _required(*keys)

    def check(source: Obj, path: str, errs: FieldErrors) -> None:
        required(source, path, errs)
        if isinstance(source.get("secretRef"), dict) and not source["secretRef"].get("name"):
            errs.required(f"{path}.secretRef.name")

    return check


def _flex(source: Obj, path: str, errs: FieldErrors) -> None:
    if not source.get("driver"):
        errs.required(f"{path}.driver")
    for key in f.obj_at(source, "options"):
        namespace = key.split("/", 1)[0] if "/" in key else key
        if ("." + namespace.lower()).endswith((".kubernetes.io", ".k8s.io")):
            errs.invalid(f"{path}.options[{key}]", key, "kubernetes.io and k8s.io namespaces are reserved")


def _azure_disk(source: Obj, path: str, errs: FieldErrors) -> None:
    if not source.get("diskName"):
        errs.required(f"{path}.diskName")
    uri = source.get("diskURI") or ""
    if not uri:
        errs.required(f"{path}.diskURI")
    caching, kind = source.get("cachingMode"), source.get("kind")
    if caching is not None and caching not in _CACHING_MODES:
        errs.not_supported(f"{path}.cachingMode", caching, _CACHING_MODES)
    if kind is not None and kind not in _DISK_KINDS:
        errs.not_supported(f"{path}.kind", kind, _DISK_KINDS)
    if kind == "Managed" and not uri.startswith("/subscriptions/"):
        errs.not_supported(f"{path}.diskURI", uri, [_MANAGED_URI])
    if kind is not None and kind != "Managed" and not uri.startswith("https://"):
        errs.not_supported(f"{path}.diskURI", uri, [_BLOB_URI])


def _storage_os(source: Obj, path: str, errs: FieldErrors) -> None:
    name = source.get("volumeName") or ""
    if not name:
        errs.required(f"{path}.volumeName")
    else:
        f.dns1123_label(name, f"{path}.volumeName", errs)
    if source.get("volumeNamespace"):
        f.dns1123_label(source["volumeNamespace"], f"{path}.volumeNamespace", errs)
    if isinstance(source.get("secretRef"), dict) and not source["secretRef"].get("name"):
        errs.required(f"{path}.secretRef.name")


def _host_port(pair: str) -> bool:
    """net.SplitHostPort's acceptance: ``host:port`` with one colon outside brackets, or ``[host]:port``."""
    if pair.startswith("["):
        end = pair.find("]")
        return end > 0 and pair[end + 1 : end + 2] == ":" and ":" not in pair[end + 2 :] and "[" not in pair[1:end]
    return pair.count(":") == 1 and "[" not in pair and "]" not in pair


def _quobyte(source: Obj, path: str, errs: FieldErrors) -> None:
    registry = source.get("registry") or ""
    if not registry:
        errs.required(f"{path}.registry", "must be a host:port pair or multiple pairs separated by commas")
    elif len(source.get("tenant") or "") >= 65:
        errs.required(f"{path}.tenant", "must be a UUID and may not exceed a length of 64 characters")
    else:
        for pair in registry.split(","):
            if not _host_port(pair):
                errs.invalid(
                    f"{path}.registry", registry, "must be a host:port pair or multiple pairs separated by commas"
                )
    if not source.get("volume"):
        errs.required(f"{path}.volume")


def _csi(source: Obj, path: str, errs: FieldErrors) -> None:
    f.csi_driver_name(source.get("driver") or "", f"{path}.driver", errs)
    ref = source.get("nodePublishSecretRef")
    if isinstance(ref, dict):
        name = ref.get("name") or ""
        if not name:
            errs.required(f"{path}.nodePublishSecretRef.name")
        for msg in is_dns1123_subdomain(name) if name else ():
            errs.invalid(f"{path}.name", name, msg)  # sic: kube reports it at csi.name


def _ephemeral(source: Obj, path: str, errs: FieldErrors) -> None:
    template = source.get("volumeClaimTemplate")
    if not isinstance(template, dict):
        errs.required(f"{path}.volumeClaimTemplate")
        return
    tpath = f"{path}.volumeClaimTemplate"
    validate_template_object_meta(f.obj_at(template, "metadata"), f"{tpath}.metadata", errs)
    validate_claim_spec(f.obj_at(template, "spec"), f"{tpath}.spec", errs)


def image_source(source: Obj, path: str, errs: FieldErrors, *, pod: bool) -> None:
    """validateImageVolumeSource: a pod's needs its reference (a template's may leave it to admission)."""
    if pod and not source.get("reference"):
        errs.required(f"{path}.reference")
    f.enum(source.get("pullPolicy"), f"{path}.pullPolicy", _PULL_POLICIES, errs)


#: volume source key → its checks
SOURCES: dict[str, Callable[[Obj, str, FieldErrors], None]] = {
    "emptyDir": _empty_dir,
    "hostPath": _host_path,
    "gitRepo": _git_repo,
    "gcePersistentDisk": _disk("pdName"),
    "awsElasticBlockStore": _disk("volumeID"),
    "secret": _secret,
    "nfs": _nfs,
    "iscsi": _iscsi,
    "glusterfs": _required("endpoints", "path"),
    "flocker": _flocker,
    "persistentVolumeClaim": _claim,
    "rbd": _required("monitors", "image"),
    "cinder": _with_secret_ref("volumeID"),
    "cephfs": _required("monitors"),
    "quobyte": _quobyte,
    "downwardAPI": _downward_api,
    "fc": _fc,
    "flexVolume": _flex,
    "configMap": _config_map,
    "azureFile": _required("secretName", "shareName"),
    "vsphereVolume": _required("volumePath"),
    "photonPersistentDisk": _required("pdID"),
    "portworxVolume": _required("volumeID"),
    "azureDisk": _azure_disk,
    "storageos": _storage_os,
    "projected": _projected,
    "scaleIO": _required("gateway", "system", "volumeName"),
    "csi": _csi,
    "ephemeral": _ephemeral,
}
#: where kube reports a source: the checks of gcePersistentDisk at ``persistentDisk`` (sic)
CHECK_PATHS = {"gcePersistentDisk": "persistentDisk"}
#: where kube reports a second source: downwardAPI at ``downwarAPI`` and cephfs at ``cephFS`` (sic)
SECOND_SOURCE_PATHS = {"downwardAPI": "downwarAPI", "cephfs": "cephFS"}
