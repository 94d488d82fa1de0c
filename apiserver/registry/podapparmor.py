"""The pod strategy's AppArmor version skew (applyAppArmorVersionSkew): on create, a container with a deprecated
``container.apparmor.security.beta.kubernetes.io/<name>`` annotation and no ``appArmorProfile`` field gets the
field the annotation names, unless the pod-level profile already says the same; kubelets read only the field.
Such an annotation gets kube's deprecation warning, unless the pod-level profile already says what it says."""

from __future__ import annotations

from typing import Any

from aiokube.apiserver.registry import warningrecorder

Obj = dict[str, Any]

APPARMOR_PREFIX = "container.apparmor.security.beta.kubernetes.io/"
_LOCALHOST = "localhost/"
_MAX_LOCALHOST_PROFILE = 4095


def field_for_annotation(annotation: str) -> Obj | None:
    """ApparmorFieldForAnnotation: the profile an annotation value names (None: an unknown value or an empty
    localhost name)."""
    if annotation == "unconfined":
        return {"type": "Unconfined"}
    if annotation == "runtime/default":
        return {"type": "RuntimeDefault"}
    if annotation.startswith(_LOCALHOST) and annotation != _LOCALHOST:
        return {"type": "Localhost", "localhostProfile": annotation.removeprefix(_LOCALHOST)}
    return None


def _valid(profile: Obj) -> bool:
    """ValidateAppArmorProfileField on a profile field_for_annotation made (only Localhost's name can fail)."""
    local = profile.get("localhostProfile")
    return local is None or (local.strip() == local and len(local) <= _MAX_LOCALHOST_PROFILE)


def apply_version_skew(pod: Obj) -> None:
    """Copy each container's AppArmor annotation to its field (not on a Windows pod), in place."""
    spec = pod.get("spec")
    if not isinstance(spec, dict) or (spec.get("os") or {}).get("name") == "windows":
        return
    annotations = (pod.get("metadata") or {}).get("annotations") or {}
    if not any(key.startswith(APPARMOR_PREFIX) for key in annotations):
        return
    pod_profile = (spec.get("securityContext") or {}).get("appArmorProfile")
    for key in ("initContainers", "containers", "ephemeralContainers"):
        for container in spec.get(key) or ():
            if not isinstance(container, dict):
                continue
            annotation = annotations.get(APPARMOR_PREFIX + str(container.get("name", "")))
            security = container.get("securityContext") or {}
            if not isinstance(annotation, str) or security.get("appArmorProfile") is not None:
                continue
            profile = field_for_annotation(annotation)
            if profile is not None and not _valid(profile):
                profile = None
            if profile is not None and profile != pod_profile:
                container["securityContext"] = {**security, "appArmorProfile": profile}
            if profile is None or profile != pod_profile:  # added now, before validation, as kube does
                warningrecorder.add(
                    [
                        f"metadata.annotations[{APPARMOR_PREFIX}{container.get('name', '')}]: "
                        'deprecated since v1.30; use the "appArmorProfile" field instead'
                    ]
                )
