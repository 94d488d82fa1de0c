"""A container's environment (ValidateEnv, ValidateEnvFrom) and the volumes its fileKeyRef variables read
(validateFileKeyRefVolumes): names, exactly one source per variable, each source's own checks."""

from __future__ import annotations

from typing import Any

from aiokube.apiserver.errors import FieldErrors
from aiokube.apiserver.registry.validation import downwardapi
from aiokube.apiserver.registry.validation import fields as f
from aiokube.apiserver.registry.validation.objectmeta import name_is_dns_subdomain

Obj = dict[str, Any]

_NAME_MSG = "a valid environment variable name must consist only of printable ASCII characters other than '='"
_SOURCES = ("fieldRef", "resourceFieldRef", "configMapKeyRef", "secretKeyRef", "fileKeyRef")
_ONE_OF = "must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef`, `secretKeyRef` or `fileKeyRef`"
_MORE_THAN_ONE = "may not have more than one field specified at a time"


def _relaxed_name_errors(name: str) -> list[str]:
    """IsRelaxedEnvVarName (RelaxedEnvironmentVariableValidation is on in 1.36)."""
    return [_NAME_MSG] if any(ord(c) > 126 or ord(c) < 32 or c == "=" for c in name) else []


def validate_env(env: list[Any], path: str, errs: FieldErrors) -> None:
    """ValidateEnv: each variable's name, then its valueFrom."""
    for i, var in enumerate(env):
        if not isinstance(var, dict):
            continue
        vpath = f"{path}[{i}]"
        name = var.get("name", "")
        if not name:
            errs.required(f"{vpath}.name")
        for msg in _relaxed_name_errors(name) if name else ():
            errs.invalid(f"{vpath}.name", name, msg)
        if isinstance(var.get("valueFrom"), dict):
            _value_from(var, f"{vpath}.valueFrom", errs)


def _value_from(var: Obj, path: str, errs: FieldErrors) -> None:
    """validateEnvVarValueFrom."""
    source = var["valueFrom"]
    present = [key for key in _SOURCES if isinstance(source.get(key), dict)]
    for key in present:
        ref, rpath = source[key], f"{path}.{key}"
        if key == "fieldRef":
            downwardapi.object_field(ref, rpath, errs, downwardapi.ENV_FIELD_PATHS)
        elif key == "resourceFieldRef":
            downwardapi.resource_field(ref, rpath, errs, volume=False)
        elif key == "fileKeyRef":
            _file_key(ref, rpath, errs)
        else:
            _key_selector(ref, rpath, errs)
    if not present:
        errs.invalid(path, "", _ONE_OF)
    elif var.get("value"):
        errs.invalid(path, "", "may not be specified when `value` is not empty")
    elif len(present) > 1:
        errs.invalid(path, "", _MORE_THAN_ONE)


def _key_selector(ref: Obj, path: str, errs: FieldErrors) -> None:
    """validateConfigMapKeySelector / validateSecretKeySelector."""
    name = ref.get("name") or ""
    for msg in name_is_dns_subdomain(name, False):
        errs.invalid(f"{path}.name", name, msg)
    key = ref.get("key") or ""
    if not key:
        errs.required(f"{path}.key")
    for msg in f.config_map_key_errors(key) if key else ():
        errs.invalid(f"{path}.key", key, msg)


def _file_key(ref: Obj, path: str, errs: FieldErrors) -> None:
    """validateFileKeySelector."""
    key, volume, target = ref.get("key") or "", ref.get("volumeName") or "", ref.get("path") or ""
    if not key:
        errs.required(f"{path}.key")
    for msg in _relaxed_name_errors(key) if key else ():
        errs.invalid(f"{path}.key", key, msg)
    if not volume:
        errs.required(f"{path}.volumeName")
    else:
        f.dns1123_label(volume, f"{path}.volumeName", errs)
    if not target:
        errs.required(f"{path}.path")
    elif ".." in target.split("/"):
        errs.invalid(f"{path}.path", target, "must not contain '..'")


def validate_env_from(sources: list[Any], path: str, errs: FieldErrors) -> None:
    """ValidateEnvFrom: a prefix that is a variable name, exactly one of a ConfigMap or a Secret (reported at the
    list's path, as kube does)."""
    for i, source in enumerate(sources):
        if not isinstance(source, dict):
            continue
        spath = f"{path}[{i}]"
        prefix = source.get("prefix") or ""
        for msg in _relaxed_name_errors(prefix) if prefix else ():
            errs.invalid(f"{spath}.prefix", prefix, msg)
        count = 0
        for key in ("configMapRef", "secretRef"):
            ref = source.get(key)
            if not isinstance(ref, dict):
                continue
            count += 1
            name = ref.get("name") or ""
            if not name:
                errs.required(f"{spath}.{key}.name")
            for msg in name_is_dns_subdomain(name, True) if name else ():
                errs.invalid(f"{spath}.{key}.name", name, msg)
        if not count:
            errs.invalid(path, "", "must specify one of: `configMapRef` or `secretRef`")
        elif count > 1:
            errs.invalid(path, "", _MORE_THAN_ONE)


def validate_file_key_volumes(spec: Obj, path: str, errs: FieldErrors) -> None:
    """validateFileKeyRefVolumes: a fileKeyRef variable reads an emptyDir volume of the pod."""
    volumes = {v.get("name"): v for v in f.list_at(spec, "volumes") if isinstance(v, dict)}
    for key in ("initContainers", "containers", "ephemeralContainers"):
        for i, c in enumerate(f.list_at(spec, key)):
            for j, var in enumerate(f.list_at(c, "env")):
                ref = f.obj_at(var, "valueFrom").get("fileKeyRef")
                if not isinstance(ref, dict):
                    continue
                name = ref.get("volumeName") or ""
                vpath = f"{path}.{key}[{i}].env[{j}].valueFrom.fileKeyRef.volumeName"
                if name not in volumes:
                    errs.not_found(vpath, name)
                elif volumes[name].get("emptyDir") is None:
                    errs.invalid(vpath, name, "referenced volume must be of type emptyDir")
