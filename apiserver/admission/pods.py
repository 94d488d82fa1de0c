"""Pod and node admission plugins kube runs by default (plugin/pkg/admission/...).

:func:`admit_pod` runs ServiceAccount, Priority, DefaultTolerationSeconds and RuntimeClass on pod create,
:func:`admit_pod_update` the update-time parts; :func:`admit_node` is TaintNodesByCondition and
:func:`admit_storage_protection` StorageObjectInUseProtection. Forbidden outcomes raise
:class:`AdmissionForbidden` (a ValueError) carrying kube's inner message; the caller wraps it as
``pods "<name>" is forbidden: <message>`` with code 403.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from aiokube.apiserver.defaulting import FILE_MODE
from aiokube.apiserver.golang import pointer_field, struct_field, struct_items
from aiokube.encoding import canonical

POD_SPEC = "k8s.io.api.core.v1.PodSpec"
CONTAINER = "k8s.io.api.core.v1.Container"

Obj = dict[str, Any]

RBAC_GROUP = "rbac.authorization.k8s.io"
_MAX_INT32 = 2**31 - 1
_MAX_INT64 = 2**63 - 1

# --------------------------------------------------------------------------------------------------------
# Admission: ServiceAccount, Priority, DefaultTolerationSeconds, RuntimeClass (pods); TaintNodesByCondition;
# StorageObjectInUseProtection

MIRROR_POD_ANNOTATION = "kubernetes.io/config.mirror"
ENFORCE_MOUNTABLE_SECRETS_ANNOTATION = "kubernetes.io/enforce-mountable-secrets"
DEFAULT_SERVICE_ACCOUNT = "default"
TOKEN_VOLUME_PREFIX = "kube-api-access-"
TOKEN_MOUNT_PATH = "/var/run/secrets/kubernetes.io/serviceaccount"
#: serviceaccount.WarnOnlyBoundTokenExpirationSeconds (1h7s: the kubelet refreshes, the server can warn).
TOKEN_EXPIRATION_SECONDS = 3607
#: names.SimpleNameGenerator's alphabet (no vowels, no confusable digits), for ``random_suffix``.
NAME_SUFFIX_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"
#: Built-in classes created by the scheduling bootstrap hook of every kube-apiserver.
SYSTEM_PRIORITY_CLASSES: dict[str, Obj] = {
    "system-node-critical": {"value": 2000001000, "preemptionPolicy": "PreemptLowerPriority"},
    "system-cluster-critical": {"value": 2000000000, "preemptionPolicy": "PreemptLowerPriority"},
}
_TRUE_STRINGS = frozenset(("1", "t", "T", "TRUE", "true", "True"))  # strconv.ParseBool


class AdmissionForbidden(ValueError):
    """An admission plugin's refusal; str() is kube's inner message, to be wrapped as a 403 Forbidden."""


class ServiceAccountMissing(AdmissionForbidden):
    """The pod's ServiceAccount does not exist (the serviceaccount controller has not created it yet)."""


def token_volume_source() -> Obj:
    """TokenVolumeSource: the projected volume of a bound token, the cluster CA and the namespace."""
    return {
        "sources": [
            {"serviceAccountToken": {"expirationSeconds": TOKEN_EXPIRATION_SECONDS, "path": "token"}},
            {"configMap": {"name": "kube-root-ca.crt", "items": [{"key": "ca.crt", "path": "ca.crt"}]}},
            {
                "downwardAPI": {
                    "items": [
                        {"path": "namespace", "fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"}}
                    ]
                }
            },
        ],
        "defaultMode": FILE_MODE,
    }


def token_volume_names(pod: Obj) -> tuple[str, ...]:
    """The names of a pod's volumes in the form the ServiceAccount admission makes up at random
    (TOKEN_VOLUME_PREFIX and 5 characters of NAME_SUFFIX_ALPHABET), whether it made them or not: each such name
    passes every format check alike."""
    spec = pod.get("spec")
    if not isinstance(spec, dict):
        return ()
    n = len(TOKEN_VOLUME_PREFIX)
    return tuple(
        name
        for volume in struct_items(spec, "volumes")
        if isinstance(name := volume.get("name"), str)
        and len(name) == n + 5
        and name.startswith(TOKEN_VOLUME_PREFIX)
        and all(ch in NAME_SUFFIX_ALPHABET for ch in name[n:])
    )


def is_mirror_pod(pod: Obj) -> bool:
    annotations = (pointer_field(pod, "metadata") or {}).get("annotations")
    return isinstance(annotations, dict) and MIRROR_POD_ANNOTATION in annotations


def pod_service_account_name(pod: dict[str, Any]) -> str | None:
    """The ServiceAccount :func:`admit_pod` needs looked up, or None for a mirror pod (which may not use one)."""
    if is_mirror_pod(pod):
        return None
    spec = pointer_field(pod, "spec") or {}
    return spec.get("serviceAccountName") or spec.get("serviceAccount") or DEFAULT_SERVICE_ACCOUNT


def _pod_secret_names(spec: Obj) -> Iterator[str]:
    """podutil.VisitPodSecretNames over all containers (empty names skipped)."""
    for ref in struct_items(spec, "imagePullSecrets"):
        yield ref.get("name") or ""
    for key in ("initContainers", "containers", "ephemeralContainers"):
        for c in struct_items(spec, key):
            for env_from in struct_items(c, "envFrom"):
                yield (pointer_field(env_from, "secretRef") or {}).get("name") or ""
            for env in struct_items(c, "env"):
                yield (pointer_field(pointer_field(env, "valueFrom") or {}, "secretKeyRef") or {}).get("name") or ""
    for volume in struct_items(spec, "volumes"):
        if (secret := pointer_field(volume, "secret")) is not None:
            yield secret.get("secretName") or ""
        elif (azure := pointer_field(volume, "azureFile")) is not None:
            yield azure.get("secretName") or ""
        elif (projected := pointer_field(volume, "projected")) is not None:
            for source in struct_items(projected, "sources"):
                yield (pointer_field(source, "secret") or {}).get("name") or ""
        elif (csi := pointer_field(volume, "csi")) is not None:
            yield (pointer_field(csi, "nodePublishSecretRef") or {}).get("name") or ""
        else:
            for key in ("cephfs", "cinder", "flexVolume", "rbd", "scaleIO", "iscsi", "storageos"):
                if (source := pointer_field(volume, key)) is not None:
                    yield (pointer_field(source, "secretRef") or {}).get("name") or ""
                    break


def _validate_mirror_pod(spec: Obj) -> None:
    if spec.get("serviceAccountName") or spec.get("serviceAccount"):
        raise AdmissionForbidden("a mirror pod may not reference service accounts")
    if any(_pod_secret_names(spec)):
        raise AdmissionForbidden("a mirror pod may not reference secrets")
    for volume in struct_items(spec, "volumes"):
        for source in struct_items(pointer_field(volume, "projected"), "sources"):
            if pointer_field(source, "serviceAccountToken") is not None:
                raise AdmissionForbidden("a mirror pod may not use ServiceAccountToken volume projections")


def _mount_service_account_token(spec: Obj, random_suffix: Callable[[], str]) -> None:
    volume_name = ""
    for volume in struct_items(spec, "volumes"):
        name = volume.get("name") or ""
        if name.startswith(TOKEN_VOLUME_PREFIX):
            volume_name = name
            break
    has_volume = bool(volume_name)
    if not volume_name:
        volume_name = TOKEN_VOLUME_PREFIX + random_suffix()
    needs_volume = False
    for key in ("initContainers", "containers"):
        for c in struct_items(spec, key):
            if not any(m.get("mountPath") == TOKEN_MOUNT_PATH for m in struct_items(c, "volumeMounts")):
                mounts = c.get("volumeMounts") if isinstance(c.get("volumeMounts"), list) else None
                if mounts is None:
                    mounts = c["volumeMounts"] = []
                    canonical.reorder(c, CONTAINER)  # where kube's Container has it
                mounts.append({"name": volume_name, "readOnly": True, "mountPath": TOKEN_MOUNT_PATH})
                needs_volume = True
    if needs_volume and not has_volume:
        volumes = spec.get("volumes") if isinstance(spec.get("volumes"), list) else []
        volumes.append({"name": volume_name, "projected": token_volume_source()})
        spec["volumes"] = volumes


def _limit_secret_references(sa: Obj, spec: Obj) -> None:
    """ServiceAccount.Validate with kubernetes.io/enforce-mountable-secrets=true on the ServiceAccount."""
    sa_name = (pointer_field(sa, "metadata") or {}).get("name", "")
    mountable = {s.get("name") for s in struct_items(sa, "secrets")}
    suffix = f"is not allowed because service account {sa_name} does not reference that secret"
    for volume in struct_items(spec, "volumes"):
        secret = pointer_field(volume, "secret")
        if secret is not None and secret.get("secretName", "") not in mountable:
            raise AdmissionForbidden(f'volume with secret.secretName="{secret.get("secretName", "")}" {suffix}')
    for key, label in (("initContainers", "init container"), ("containers", "container")):
        for c in struct_items(spec, key):
            cname = c.get("name", "")
            for env in struct_items(c, "env"):
                ref = pointer_field(pointer_field(env, "valueFrom") or {}, "secretKeyRef")
                if ref is not None and ref.get("name", "") not in mountable:
                    raise AdmissionForbidden(
                        f"{label} {cname} with envVar {env.get('name', '')} referencing "
                        f'secret.secretName="{ref.get("name", "")}" {suffix}'
                    )
            for env_from in struct_items(c, "envFrom"):
                ref = pointer_field(env_from, "secretRef")
                if ref is not None and ref.get("name", "") not in mountable:
                    raise AdmissionForbidden(
                        f'{label} {cname} with envFrom referencing secret.secretName="{ref.get("name", "")}" {suffix}'
                    )
    pull = {s.get("name") for s in struct_items(sa, "imagePullSecrets")}
    for i, ref in enumerate(struct_items(spec, "imagePullSecrets")):
        if ref.get("name", "") not in pull:
            raise AdmissionForbidden(
                f'imagePullSecrets[{i}].name="{ref.get("name", "")}" is not allowed because service account '
                f"{sa_name} does not reference that imagePullSecret"
            )


def _service_account_admission(
    pod: Obj, spec: Obj, namespace: str, sa: Obj | None, random_suffix: Callable[[], str]
) -> None:
    if is_mirror_pod(pod):
        _validate_mirror_pod(spec)
        return
    name = spec.get("serviceAccountName") or spec.get("serviceAccount") or DEFAULT_SERVICE_ACCOUNT
    spec["serviceAccountName"] = spec["serviceAccount"] = name
    if sa is None:
        raise ServiceAccountMissing(
            f'error looking up service account {namespace}/{name}: serviceaccount "{name}" not found'
        )
    automount = spec.get("automountServiceAccountToken")
    if automount is None:
        automount = sa.get("automountServiceAccountToken")
    if automount is None or automount is True:
        _mount_service_account_token(spec, random_suffix)
    if not spec.get("imagePullSecrets"):
        pull = [{"name": s.get("name", "")} for s in struct_items(sa, "imagePullSecrets")]
        if pull:
            spec["imagePullSecrets"] = pull


def _priority_admission(spec: Obj, priority_classes: Mapping[str, Obj] | None) -> None:
    classes = {**SYSTEM_PRIORITY_CLASSES, **(priority_classes or {})}
    class_name = spec.get("priorityClassName") or ""
    if class_name:
        pc = classes.get(class_name)
        if pc is None:
            raise AdmissionForbidden(f"no PriorityClass with name {class_name} was found")
    else:
        defaults = [(c.get("value", 0), n) for n, c in classes.items() if c.get("globalDefault")]
        pc = None
        if defaults:
            class_name = min(defaults)[1]
            pc = classes[class_name]
    priority = pc.get("value", 0) if pc is not None else 0
    policy = (pc.get("preemptionPolicy") if pc is not None else None) or "PreemptLowerPriority"
    if class_name:
        spec["priorityClassName"] = class_name
    given = spec.get("priority")
    if given is not None and given != priority:
        raise AdmissionForbidden(
            f"the integer value of priority ({given}) must not be provided in pod spec; "
            f"priority admission controller computed {priority} from the given PriorityClass name"
        )
    spec["priority"] = priority
    given_policy = spec.get("preemptionPolicy")
    if given_policy is not None and given_policy != policy:
        raise AdmissionForbidden(
            f"the string value of PreemptionPolicy ({given_policy}) must not be provided in pod spec; "
            f"priority admission controller computed {policy} from the given PriorityClass name"
        )
    spec["preemptionPolicy"] = policy


def _default_toleration_seconds(spec: Obj) -> None:
    """Tolerate not-ready/unreachable NoExecute taints for 300 s unless a toleration already covers them."""
    tolerations = spec.get("tolerations") if isinstance(spec.get("tolerations"), list) else []
    for key in ("node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"):
        covered = any(
            isinstance(t, dict) and (t.get("key") or "") in (key, "") and (t.get("effect") or "") in ("NoExecute", "")
            for t in tolerations
        )
        if not covered:
            tolerations.append({"key": key, "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300})
    if tolerations:
        spec["tolerations"] = tolerations


def admit_pod(
    pod: dict[str, Any],
    namespace: str,
    service_account: dict[str, Any] | None,
    random_suffix: Callable[[], str],
    *,
    priority_classes: Mapping[str, dict[str, Any]] | None = None,
    runtime_classes: Mapping[str, dict[str, Any]] | None = None,
) -> None:
    """The default mutating admission chain for a pod create, in kube's plugin order.

    ``service_account`` is the ServiceAccount named by :func:`pod_service_account_name` (None when it does not
    exist: :class:`ServiceAccountMissing`); ``random_suffix`` returns 5 characters of
    :data:`NAME_SUFFIX_ALPHABET` for the token volume's name. ``priority_classes`` and ``runtime_classes``
    are stored PriorityClass/RuntimeClass objects by name (aiokube serves neither; the system priority
    classes always exist). Raises :class:`AdmissionForbidden` as kube refuses."""
    spec = struct_field(pod, "spec")
    # mutating phase
    _service_account_admission(pod, spec, namespace, service_account, random_suffix)
    _priority_admission(spec, priority_classes)
    _default_toleration_seconds(spec)
    canonical.reorder(spec, POD_SPEC)  # the fields added above where kube's PodSpec has them
    runtime_class = spec.get("runtimeClassName")
    if runtime_class is not None and runtime_class not in (runtime_classes or {}):
        raise AdmissionForbidden(f'pod rejected: RuntimeClass "{runtime_class}" not found')
    # validating phase: ServiceAccount.Validate's mountable-secrets check, when the account asks for it
    if service_account is not None and not is_mirror_pod(pod):
        annotations = (pointer_field(service_account, "metadata") or {}).get("annotations") or {}
        if annotations.get(ENFORCE_MOUNTABLE_SECRETS_ANNOTATION) in _TRUE_STRINGS:
            _limit_secret_references(service_account, spec)


def admit_pod_update(pod: dict[str, Any], old_pod: dict[str, Any]) -> None:
    """The update-time parts: Priority keeps the stored priority/preemptionPolicy when the new object
    omits them; DefaultTolerationSeconds adds its tolerations again if they were removed."""
    spec = struct_field(pod, "spec")
    old_spec = pointer_field(old_pod, "spec") or {}
    for key in ("priority", "preemptionPolicy"):
        if spec.get(key) is None and old_spec.get(key) is not None:
            spec[key] = old_spec[key]
    _default_toleration_seconds(spec)


def admit_node(node: dict[str, Any]) -> None:
    """TaintNodesByCondition on node create: a new node starts tainted not-ready:NoSchedule."""
    spec = struct_field(node, "spec")
    taints = spec.get("taints") if isinstance(spec.get("taints"), list) else []
    if not any(
        isinstance(t, dict) and t.get("key") == "node.kubernetes.io/not-ready" and t.get("effect") == "NoSchedule"
        for t in taints
    ):
        taints.append({"key": "node.kubernetes.io/not-ready", "effect": "NoSchedule"})
    spec["taints"] = taints


def admit_storage_protection(kind: str, obj: dict[str, Any]) -> None:
    """StorageObjectInUseProtection on create: PVs, PVCs and VolumeAttributesClasses get their protection
    finalizer."""
    finalizer = {
        "PersistentVolume": "kubernetes.io/pv-protection",
        "PersistentVolumeClaim": "kubernetes.io/pvc-protection",
        "VolumeAttributesClass": "kubernetes.io/vac-protection",
    }
    if kind not in finalizer:
        return
    meta = struct_field(obj, "metadata")
    finalizers = meta.get("finalizers") if isinstance(meta.get("finalizers"), list) else []
    if finalizer[kind] not in finalizers:
        finalizers.append(finalizer[kind])
    meta["finalizers"] = finalizers
