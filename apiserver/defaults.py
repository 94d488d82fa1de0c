"""API defaulting and the default-on mutating admission plugins, as kube-apiserver 1.36 applies them.

kube decodes every v1 body into Go structs and runs the generated defaulters
(pkg/apis/<group>/v1/zz_generated.defaults.go, which call the ``SetDefaults_*`` functions of defaults.go on
every nested type), then converts to the internal type and back. It does the same when it reads an object
back from etcd, so defaults also land on what the registry strategy and admission wrote. aiokube keeps
objects in v1 JSON form, so :func:`apply_defaults` does both on the JSON dict: the defaulters, and the few
v1 -> internal -> v1 round-trip effects a client can see (``spec.serviceAccount`` mirrors
``serviceAccountName``; a negative pod ``terminationGracePeriodSeconds`` becomes 1; pre-1.8 init-container
annotations are dropped; ``podIP``/``podIPs`` and node ``podCIDR``/``podCIDRs`` agree; StatefulSet
``volumeClaimTemplates`` get ``apiVersion``/``kind``; resource quantities come out in Quantity's canonical
form). Call it on create and update after decoding and again after the strategy's prepare step, as kube's
decode from storage would: it is idempotent.

Go semantics in JSON terms: a missing key, ``null`` and the Go zero value (``""``, ``0``, ``false``) of a
non-pointer field all mean "unset"; for a pointer field only missing/``null`` does (``""`` is set).

Feature gates are 1.36's defaults: ImageVolume (GA), EnvFiles and PodLevelResources (beta, on),
JobPodReplacementPolicy (GA); MaxUnavailableStatefulSet and PodLogsQuerySplitStreams are off.

Left out, because kube does not do it while defaulting:
- Service ``clusterIP``/``clusterIPs``, ``ipFamilies``, ``ipFamilyPolicy`` (``SingleStack``, or
  ``RequireDualStack`` for headless services without selector), ``nodePort`` and ``healthCheckNodePort``
  are set by the service REST allocator (pkg/registry/core/service/storage/alloc.go).
- Strategy work (pkg/registry/.../strategy.go): pod ``status`` (phase, qosClass), ``generation``, the
  DaemonSet ``deprecated.daemonset.template.generation`` annotation, Job selector and controller-uid labels.
- ConfigMap ``data: {}`` (invisible: ``omitempty``) and PodLogOptions (not a stored object).

Admission (plugin/pkg/admission/...): :func:`admit_pod` runs ServiceAccount, Priority,
DefaultTolerationSeconds and RuntimeClass on pod create, :func:`admit_pod_update` the update-time parts;
:func:`admit_node` is TaintNodesByCondition and :func:`admit_storage_protection` StorageObjectInUseProtection.
Forbidden outcomes raise :class:`AdmissionForbidden` (a ValueError) carrying kube's inner message; the
caller wraps it as ``pods "<name>" is forbidden: <message>`` with code 403.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any, NamedTuple

Obj = dict[str, Any]

RBAC_GROUP = "rbac.authorization.k8s.io"
_MAX_INT32 = 2**31 - 1
_MAX_INT64 = 2**63 - 1


# --------------------------------------------------------------------------------------------------------
# JSON access with Go's zero-value semantics


def _sub(parent: Obj, key: str) -> Obj:
    """A non-pointer struct field: always there in Go, so create it when missing or null."""
    value = parent.get(key)
    if isinstance(value, dict):
        return value
    if value is None:
        parent[key] = value = {}
        return value
    return {}  # wrong JSON type: typed decoding reports it; default a throwaway


def _opt(parent: Obj, key: str) -> Obj | None:
    """A pointer struct field: None when nil."""
    value = parent.get(key)
    return value if isinstance(value, dict) else None


def _items(parent: Obj | None, key: str) -> Iterator[Obj]:
    """The struct elements of a list field."""
    if parent is None:
        return
    value = parent.get(key)
    if isinstance(value, list):
        for item in value:
            if isinstance(item, dict):
                yield item


def _default(obj: Obj, key: str, value: Any) -> None:
    """Set a non-pointer field whose Go zero value ("", 0, false) or absence means unset."""
    current = obj.get(key)
    if current is None or current == "" or (current == 0 and not isinstance(current, bool)):
        obj[key] = value


def _default_ptr(obj: Obj, key: str, value: Any) -> None:
    """Set a pointer field when nil (missing or null); an explicit zero value is kept."""
    if obj.get(key) is None:
        obj[key] = value


# --------------------------------------------------------------------------------------------------------
# resource.Quantity (k8s.io/apimachinery/pkg/api/resource): parsing, canonical form, RoundUp, Add, Cmp

DECIMAL_SI, BINARY_SI, DECIMAL_EXPONENT = "DecimalSI", "BinarySI", "DecimalExponent"
_DEC_SUFFIXES = {"": 0, "n": -9, "u": -6, "m": -3, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18}
_BIN_SUFFIXES = {"Ki": 10, "Mi": 20, "Gi": 30, "Ti": 40, "Pi": 50, "Ei": 60}
_DEC_BY_EXP = {e: s for s, e in _DEC_SUFFIXES.items()}
_BIN_BY_EXP = {e: s for s, e in _BIN_SUFFIXES.items()}
_SUFFIX_CHARS = frozenset("eEinumkKMGTP")
_DIGITS = frozenset("0123456789")
_EXP_DIGITS = re.compile(r"[+-]?[0-9]+")
#: Exponents and digit counts beyond these are left as written (Go would do unbounded big-number work).
_MAX_EXPONENT = 1000
_MAX_DIGITS = 1000


class Quantity(NamedTuple):
    """value = unscaled * 10**scale; ``text`` is the string Go keeps when the input was already canonical."""

    unscaled: int
    scale: int
    format: str
    text: str | None = None

    def __str__(self) -> str:
        return self.text or self.canonical()

    def aligned(self, other: Quantity) -> tuple[int, int]:
        scale = min(self.scale, other.scale)
        return self.unscaled * 10 ** (self.scale - scale), other.unscaled * 10 ** (other.scale - scale)

    def add(self, other: Quantity) -> Quantity:
        """Quantity.Add: the receiver's format wins unless it is zero; the cached string is dropped."""
        a, b = self.aligned(other)
        fmt = other.format if self.unscaled == 0 else self.format
        return Quantity(a + b, min(self.scale, other.scale), fmt)

    def cmp(self, other: Quantity) -> int:
        a, b = self.aligned(other)
        return (a > b) - (a < b)

    def round_up(self, scale: int) -> Quantity:
        """Quantity.RoundUp: away from zero; a value already at that precision keeps its string."""
        if self.scale >= scale:
            return self
        step = 10 ** (scale - self.scale)
        magnitude = -(-abs(self.unscaled) // step)
        return Quantity(magnitude if self.unscaled >= 0 else -magnitude, scale, self.format)

    def canonical(self) -> str:
        """Quantity.CanonicalizeBytes."""
        if self.unscaled == 0:
            return "0"
        fmt = self.format
        integer: int | None = None
        if fmt == BINARY_SI:
            if self.scale >= 0:
                integer = self.unscaled * 10**self.scale
            elif self.unscaled % 10**-self.scale == 0:
                integer = self.unscaled // 10**-self.scale
            if integer is None or -1024 < integer < 1024:
                fmt = DECIMAL_SI
        if fmt == BINARY_SI:
            assert integer is not None
            mantissa, power = abs(integer), 0
            while mantissa % 1024 == 0:
                mantissa //= 1024
                power += 1
            sign = "-" if integer < 0 else ""
            return f"{sign}{mantissa}{_BIN_BY_EXP.get(power * 10, '')}"
        mantissa, exponent = abs(self.unscaled), self.scale
        while mantissa % 10 == 0:
            mantissa //= 10
            exponent += 1
        while exponent % 3:
            mantissa *= 10
            exponent -= 1
        sign = "-" if self.unscaled < 0 else ""
        if fmt == DECIMAL_SI:
            suffix = _DEC_BY_EXP.get(exponent, "")
        else:
            suffix = f"e{exponent}" if exponent else ""
        return f"{sign}{mantissa}{suffix}"


def _split_quantity(text: str) -> tuple[bool, str, str, str] | None:
    """parseQuantityString: (positive, numerator, denominator, suffix), leading zeros stripped."""
    positive, pos, end = True, 0, len(text)
    if pos < end and text[0] in "+-":
        positive = text[0] == "+"
        pos = 1
    while pos < end and text[pos] == "0":
        pos += 1
    if pos >= end:
        return positive, "0", "", ""
    start = pos
    while pos < end and text[pos] in _DIGITS:
        pos += 1
    num = text[start:pos] or "0"
    denom = ""
    if pos < end and text[pos] == ".":
        pos += 1
        start = pos
        while pos < end and text[pos] in _DIGITS:
            pos += 1
        denom = text[start:pos]
    suffix_start = pos
    while pos < end and text[pos] in _SUFFIX_CHARS:
        pos += 1
    if pos < end and text[pos] in "+-":
        pos += 1
    while pos < end and text[pos] in _DIGITS:
        pos += 1
    if pos < end:
        return None
    return positive, num, denom, text[suffix_start:]


def _interpret_suffix(suffix: str) -> tuple[int, int, str] | None:
    if suffix in _DEC_SUFFIXES:
        return 10, _DEC_SUFFIXES[suffix], DECIMAL_SI
    if suffix in _BIN_SUFFIXES:
        return 2, _BIN_SUFFIXES[suffix], BINARY_SI
    if len(suffix) > 1 and suffix[0] in "eE" and _EXP_DIGITS.fullmatch(suffix[1:]):
        parsed = int(suffix[1:])
        if abs(parsed) > _MAX_INT64:
            return None
        return 10, (parsed + 2**31) % 2**32 - 2**31, DECIMAL_EXPONENT  # Go's int32() wraps
    return None


def parse_quantity(value: Any) -> Quantity | None:
    """resource.ParseQuantity (after Quantity.UnmarshalJSON's trim); None when Go would reject it."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        return None
    text = str(value).strip()
    if not text:
        return None
    if text == "0":
        return Quantity(0, 0, DECIMAL_SI, "0")
    split = _split_quantity(text)
    if split is None:
        return None
    positive, num, denom, suffix = split
    if len(num) + len(denom) > _MAX_DIGITS:
        return None
    interpreted = _interpret_suffix(suffix)
    if interpreted is None:
        return None
    base, exponent, fmt = interpreted
    if abs(exponent) > _MAX_EXPONENT:
        return None
    # the int64 fast path, which keeps the input string when it is already canonical
    mantissa, scale = 1, 0
    if fmt == BINARY_SI:
        precision = 15 - len(num) - int(exponent * 3 / 10) - 1 if exponent >= 0 and not denom else -1
        mantissa = 1 << exponent if precision >= 0 else 1
    else:
        scale = exponent
        precision = 18 - (len(num) + len(denom))
    if precision >= 0:
        scale -= len(denom)
        if scale >= -9:
            shifted = num + denom
            digits = int(shifted)
            result = digits * mantissa
            if result <= _MAX_INT64:
                if fmt == BINARY_SI:
                    keep = exponent % 10 == 0 and digits & 7 != 0
                else:
                    keep = scale % 3 == 0 and not shifted.endswith("000") and shifted[0] != "0"
                return Quantity(result if positive else -result, scale, fmt, text if keep else None)
    # the arbitrary-precision path: rounded up to nano, BinarySI capped at MaxInt64
    unscaled, scale = int(num + denom), -len(denom)
    if base == 10:
        scale += exponent
    else:
        unscaled <<= exponent
    if unscaled and scale < -9:
        shift = -9 - scale
        unscaled = 1 if shift > len(str(unscaled)) else -(-unscaled // 10**shift)
        scale = -9
    if fmt == BINARY_SI:
        if scale >= 0 and unscaled * 10**scale > _MAX_INT64:
            unscaled, scale = _MAX_INT64, 0
        elif scale < 0 and unscaled > _MAX_INT64 * 10**-scale:
            unscaled, scale = _MAX_INT64, 0
        if unscaled and scale < 0 and unscaled < 10**-scale:
            fmt = DECIMAL_SI
    return Quantity(unscaled if positive else -unscaled, scale, fmt)


def canonical_quantity(value: Any) -> Any:
    """What kube stores for a ResourceList entry: SetDefaults_ResourceList's RoundUp to milli, then the
    canonical text (``"0.5"`` -> ``"500m"``, ``"1024Mi"`` -> ``"1Gi"``). Unparsable values are returned
    unchanged for validation to report."""
    q = parse_quantity(value)
    return value if q is None else str(q.round_up(-3))


def _resource_list(parent: Obj | None, key: str) -> None:
    if parent is None:
        return
    rl = parent.get(key)
    if isinstance(rl, dict):
        for name, value in rl.items():
            rl[name] = canonical_quantity(value)


def _resource_requirements(parent: Obj, key: str) -> None:
    req = _opt(parent, key)
    _resource_list(req, "limits")
    _resource_list(req, "requests")


# --------------------------------------------------------------------------------------------------------
# Image references (github.com/distribution/reference, via pkg/util/parsers.ParseImageName)

_ALNUM = r"[a-z0-9]+"
_SEPARATOR = r"(?:[._]|__|[-]+)"
_DOMAIN_COMPONENT = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
_DOMAIN_NAME = rf"{_DOMAIN_COMPONENT}(?:\.{_DOMAIN_COMPONENT})*"
_DOMAIN_AND_PORT = rf"(?:{_DOMAIN_NAME}|\[(?:[a-fA-F0-9:]+)\])(?::[0-9]+)?"
_PATH_COMPONENT = rf"{_ALNUM}(?:{_SEPARATOR}{_ALNUM})*"
_REMOTE_NAME = rf"{_PATH_COMPONENT}(?:/{_PATH_COMPONENT})*"
_TAG = r"[\w][\w.-]{0,127}"
_DIGEST = r"[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][0-9a-fA-F]{32,}"
_REFERENCE = re.compile(rf"((?:{_DOMAIN_AND_PORT}/)?{_REMOTE_NAME})(?::({_TAG}))?(?:@({_DIGEST}))?", re.ASCII)
_NAME = re.compile(rf"(?:({_DOMAIN_AND_PORT})/)?({_REMOTE_NAME})", re.ASCII)
_IDENTIFIER = re.compile(r"[a-f0-9]{64}")
_DIGEST_HEX = {
    "sha256": re.compile(r"[a-f0-9]{64}"),
    "sha384": re.compile(r"[a-f0-9]{96}"),
    "sha512": re.compile(r"[a-f0-9]{128}"),
}


def _split_docker_domain(name: str) -> tuple[str, str]:
    """splitDockerDomain: Docker Hub unless the first element looks like a host."""
    maybe_domain, sep, maybe_remote = name.partition("/")
    if not sep:
        return "docker.io", "library/" + name
    if maybe_domain == "localhost":
        domain, remote = maybe_domain, maybe_remote
    elif maybe_domain == "index.docker.io":
        domain, remote = "docker.io", maybe_remote
    elif "." in maybe_domain or ":" in maybe_domain or maybe_domain.lower() != maybe_domain:
        domain, remote = maybe_domain, maybe_remote
    else:
        domain, remote = "docker.io", name
    if domain == "docker.io" and "/" not in remote:
        remote = "library/" + remote
    return domain, remote


def image_tag(image: str) -> str:
    """The tag ParseImageName reports: "latest" when neither tag nor digest is given, "" when unparsable."""
    if _IDENTIFIER.fullmatch(image):
        return ""
    domain, remainder = _split_docker_domain(image)
    remote = remainder.split(":", 1)[0]
    if remote.lower() != remote:
        return ""
    match = _REFERENCE.fullmatch(f"{domain}/{remainder}")
    if match is None:
        return ""
    name = _NAME.fullmatch(match.group(1))
    if name is None or len(name.group(2)) > 255:
        return ""
    tag, digest = match.group(2) or "", match.group(3) or ""
    if digest:
        algorithm, _, encoded = digest.partition(":")
        hex_re = _DIGEST_HEX.get(algorithm)
        if hex_re is None or not hex_re.fullmatch(encoded):
            return ""
    return tag or ("" if digest else "latest")


def _pull_policy(image: Any) -> str:
    return "Always" if isinstance(image, str) and image_tag(image) == "latest" else "IfNotPresent"


# --------------------------------------------------------------------------------------------------------
# core/v1: pod specs and their nested types

_VOLUME_SOURCES = (
    "hostPath", "emptyDir", "gcePersistentDisk", "awsElasticBlockStore", "gitRepo", "secret", "nfs", "iscsi",
    "glusterfs", "persistentVolumeClaim", "rbd", "flexVolume", "cinder", "cephfs", "flocker", "downwardAPI",
    "fc", "azureFile", "configMap", "vsphereVolume", "quobyte", "azureDisk", "photonPersistentDisk",
    "projected", "portworxVolume", "scaleIO", "storageos", "csi", "ephemeral", "image",
)  # fmt: skip
_INIT_CONTAINER_ANNOTATIONS = (
    "pod.beta.kubernetes.io/init-containers",
    "pod.alpha.kubernetes.io/init-containers",
    "pod.beta.kubernetes.io/init-container-statuses",
    "pod.alpha.kubernetes.io/init-container-statuses",
)
_FILE_MODE = 0o644  # Secret/ConfigMap/DownwardAPI/Projected VolumeSourceDefaultMode


def _drop_init_container_annotations(meta: Obj | None) -> None:
    """Conversion's dropInitContainerAnnotations (pods and pod templates)."""
    annotations = meta.get("annotations") if meta else None
    if isinstance(annotations, dict):
        for key in _INIT_CONTAINER_ANNOTATIONS:
            annotations.pop(key, None)


def _field_ref(parent: Obj | None) -> None:
    ref = _opt(parent, "fieldRef") if parent is not None else None
    if ref is not None:
        _default(ref, "apiVersion", "v1")


def _http_get(handler: Obj | None) -> None:
    get = _opt(handler, "httpGet") if handler is not None else None
    if get is not None:
        _default(get, "path", "/")
        _default(get, "scheme", "HTTP")


def _probe(probe: Obj | None) -> None:
    if probe is None:
        return
    _default(probe, "timeoutSeconds", 1)
    _default(probe, "periodSeconds", 10)
    _default(probe, "successThreshold", 1)
    _default(probe, "failureThreshold", 3)
    _http_get(probe)
    grpc = _opt(probe, "grpc")
    if grpc is not None:
        _default_ptr(grpc, "service", "")


def _container(c: Obj) -> None:
    """SetDefaults_Container and the generated walk over ports, env, resources, probes and lifecycle."""
    _default(c, "imagePullPolicy", _pull_policy(c.get("image")))
    _default(c, "terminationMessagePath", "/dev/termination-log")
    _default(c, "terminationMessagePolicy", "File")
    for port in _items(c, "ports"):
        _default(port, "protocol", "TCP")
    for env in _items(c, "env"):
        source = _opt(env, "valueFrom")
        if source is not None:
            _field_ref(source)
            file_ref = _opt(source, "fileKeyRef")
            if file_ref is not None:
                _default_ptr(file_ref, "optional", False)
    _resource_requirements(c, "resources")
    for key in ("livenessProbe", "readinessProbe", "startupProbe"):
        _probe(_opt(c, key))
    lifecycle = _opt(c, "lifecycle")
    if lifecycle is not None:
        _http_get(_opt(lifecycle, "postStart"))
        _http_get(_opt(lifecycle, "preStop"))


def _host_path(parent: Obj) -> None:
    host_path = _opt(parent, "hostPath")
    if host_path is not None:
        _default_ptr(host_path, "type", "")


def _legacy_sources(parent: Obj) -> None:
    """In-tree volume plugin defaults shared by pod volumes and PersistentVolumes."""
    iscsi = _opt(parent, "iscsi")
    if iscsi is not None:
        _default(iscsi, "iscsiInterface", "default")
    rbd = _opt(parent, "rbd")
    if rbd is not None:
        _default(rbd, "pool", "rbd")
        _default(rbd, "user", "admin")
        _default(rbd, "keyring", "/etc/ceph/keyring")
    azure = _opt(parent, "azureDisk")
    if azure is not None:
        _default_ptr(azure, "cachingMode", "ReadWrite")
        _default_ptr(azure, "fsType", "ext4")
        _default_ptr(azure, "readOnly", False)
        _default_ptr(azure, "kind", "Shared")
    scale_io = _opt(parent, "scaleIO")
    if scale_io is not None:
        _default(scale_io, "storageMode", "ThinProvisioned")
        _default(scale_io, "fsType", "xfs")


def _pvc_spec(spec: Obj) -> None:
    _default_ptr(spec, "volumeMode", "Filesystem")
    _resource_requirements(spec, "resources")


def _volume(v: Obj) -> None:
    if all(v.get(key) is None for key in _VOLUME_SOURCES):
        v["emptyDir"] = {}
    image = _opt(v, "image")
    if image is not None:
        _default(image, "pullPolicy", _pull_policy(image.get("reference")))
    _host_path(v)
    for key in ("secret", "configMap"):
        source = _opt(v, key)
        if source is not None:
            _default_ptr(source, "defaultMode", _FILE_MODE)
    downward = _opt(v, "downwardAPI")
    if downward is not None:
        _default_ptr(downward, "defaultMode", _FILE_MODE)
        for item in _items(downward, "items"):
            _field_ref(item)
    projected = _opt(v, "projected")
    if projected is not None:
        _default_ptr(projected, "defaultMode", _FILE_MODE)
        for source in _items(projected, "sources"):
            for item in _items(_opt(source, "downwardAPI"), "items"):
                _field_ref(item)
            token = _opt(source, "serviceAccountToken")
            if token is not None:
                _default_ptr(token, "expirationSeconds", 3600)
    _legacy_sources(v)
    ephemeral = _opt(v, "ephemeral")
    template = _opt(ephemeral, "volumeClaimTemplate") if ephemeral is not None else None
    if template is not None:
        _pvc_spec(_sub(template, "spec"))


def _pod_spec(spec: Obj) -> None:
    """SetDefaults_PodSpec plus the generated walk shared by pods and every pod template."""
    _default(spec, "dnsPolicy", "ClusterFirst")
    _default(spec, "restartPolicy", "Always")
    _default_ptr(spec, "securityContext", {})
    _default_ptr(spec, "terminationGracePeriodSeconds", 30)
    _default(spec, "schedulerName", "default-scheduler")
    for volume in _items(spec, "volumes"):
        _volume(volume)
    for key in ("initContainers", "containers", "ephemeralContainers"):
        for container in _items(spec, key):
            _container(container)
    _resource_list(spec, "overhead")
    _resource_requirements(spec, "resources")
    # conversion: serviceAccount is an alias of serviceAccountName, which wins; output mirrors it
    name = spec.get("serviceAccountName") or spec.get("serviceAccount")
    if name:
        spec["serviceAccountName"] = spec["serviceAccount"] = name


def _pod_template(template: Obj) -> None:
    _drop_init_container_annotations(_opt(template, "metadata"))
    _pod_spec(_sub(template, "spec"))


def _parsed(rl: Any) -> dict[str, Quantity]:
    out: dict[str, Quantity] = {}
    if isinstance(rl, dict):
        for name, value in rl.items():
            q = parse_quantity(value)
            if q is not None:
                out[name] = q
    return out


def _add_into(total: dict[str, Quantity], more: Mapping[str, Quantity]) -> None:
    for name, q in more.items():
        total[name] = total[name].add(q) if name in total else q


def _max_into(total: dict[str, Quantity], more: Mapping[str, Quantity]) -> None:
    for name, q in more.items():
        if name not in total or q.cmp(total[name]) > 0:
            total[name] = q


def _aggregate_containers(spec: Obj, which: str) -> dict[str, Quantity]:
    """component-helpers AggregateContainerRequests/Limits: containers summed, sidecars (restartable init
    containers) added, and the peak of any init container's phase as a floor."""
    total: dict[str, Quantity] = {}
    for c in _items(spec, "containers"):
        _add_into(total, _parsed((_opt(c, "resources") or {}).get(which)))
    sidecars: dict[str, Quantity] = {}
    init_peak: dict[str, Quantity] = {}
    for c in _items(spec, "initContainers"):
        own = _parsed((_opt(c, "resources") or {}).get(which))
        if c.get("restartPolicy") == "Always":
            _add_into(total, own)
            _add_into(sidecars, own)
            current = sidecars
        else:
            current = dict(own)
            _add_into(current, sidecars)
        _max_into(init_peak, current)
    _max_into(total, init_peak)
    return total


def _pod_level_supported(name: str) -> bool:
    return name in ("cpu", "memory") or name.startswith("hugepages-")


def _pod_level_resources(spec: Obj) -> None:
    """defaultHugePagePodLimits and defaultPodRequests (PodLevelResources, on in 1.36)."""
    resources = _opt(spec, "resources")
    if resources is None:
        return
    limits = resources.get("limits") if isinstance(resources.get("limits"), dict) else None
    requests = resources.get("requests") if isinstance(resources.get("requests"), dict) else None
    if limits or requests:
        pod_limits = dict(limits or {})
        for name, q in _aggregate_containers(spec, "limits").items():
            if name.startswith("hugepages-") and name not in (requests or {}) and name not in pod_limits:
                pod_limits[name] = str(q)
        if pod_limits:
            resources["limits"] = limits = pod_limits
    if limits:
        pod_requests = dict(requests or {})
        for name, q in _aggregate_containers(spec, "requests").items():
            if name in ("cpu", "memory") and name not in pod_requests:  # overcommittable pod-level resources
                pod_requests[name] = str(q)
        for name, value in limits.items():
            if _pod_level_supported(name) and name not in pod_requests:
                pod_requests[name] = value
        if pod_requests:
            resources["requests"] = pod_requests


def _primary_address(obj: Obj, one: str, many: str, key: str | None) -> None:
    """Conversion of podIP/podIPs (key "ip") and node podCIDR/podCIDRs (plain strings): a scalar that
    disagrees with the list's head replaces the list, and the scalar always echoes the head."""
    single = obj.get(one) or ""
    plural = obj.get(many) if isinstance(obj.get(many), list) else []
    head = plural[0] if plural else None
    if key is not None:
        head = head.get(key) if isinstance(head, dict) else None
    if single and (not plural or head != single):
        obj[many] = [{key: single}] if key is not None else [single]
    elif plural:
        if head:
            obj[one] = head
        else:
            obj.pop(one, None)


def _pod(obj: Obj) -> None:
    _drop_init_container_annotations(_opt(obj, "metadata"))
    spec = _sub(obj, "spec")
    # SetDefaults_Pod: requests default to limits (pods only, not templates)
    for key in ("containers", "initContainers"):
        for c in _items(spec, key):
            resources = _opt(c, "resources") or {}
            limits = resources.get("limits")
            if isinstance(limits, dict) and limits:
                requests = _sub(resources, "requests")
                for name, value in limits.items():
                    requests.setdefault(name, value)
    _pod_level_resources(spec)
    _default_ptr(spec, "enableServiceLinks", True)
    if spec.get("hostNetwork") is True:
        for key in ("containers", "initContainers"):
            for c in _items(spec, key):
                for port in _items(c, "ports"):
                    if not port.get("hostPort"):
                        port["hostPort"] = port.get("containerPort", 0)
    _pod_spec(spec)
    grace = spec.get("terminationGracePeriodSeconds")
    if isinstance(grace, int) and not isinstance(grace, bool) and grace < 0:
        spec["terminationGracePeriodSeconds"] = 1
    status = _opt(obj, "status")
    if status is not None:
        for key in ("initContainerStatuses", "containerStatuses", "ephemeralContainerStatuses"):
            for cs in _items(status, key):
                _resource_list(cs, "allocatedResources")
                _resource_requirements(cs, "resources")
        _resource_list(status, "allocatedResources")
        _resource_requirements(status, "resources")
        _primary_address(status, "podIP", "podIPs", "ip")


def _pod_template_object(obj: Obj) -> None:
    _pod_template(_sub(obj, "template"))


def _replication_controller(obj: Obj) -> None:
    spec = _sub(obj, "spec")
    template = _opt(spec, "template")
    labels = (_opt(template, "metadata") or {}).get("labels") if template is not None else None
    if isinstance(labels, dict):
        if not spec.get("selector"):
            spec["selector"] = dict(labels)
        meta = _sub(obj, "metadata")
        if not meta.get("labels"):
            meta["labels"] = dict(labels)
    _default_ptr(spec, "replicas", 1)
    if template is not None:
        _pod_template(template)


def _service(obj: Obj) -> None:
    spec = _sub(obj, "spec")
    _default(spec, "sessionAffinity", "None")
    if spec["sessionAffinity"] == "None":
        spec.pop("sessionAffinityConfig", None)
    elif spec["sessionAffinity"] == "ClientIP":
        config = _opt(spec, "sessionAffinityConfig")
        client_ip = _opt(config, "clientIP") if config is not None else None
        if client_ip is None or client_ip.get("timeoutSeconds") is None:
            spec["sessionAffinityConfig"] = {"clientIP": {"timeoutSeconds": 10800}}
    _default(spec, "type", "ClusterIP")
    svc_type = spec["type"]
    for port in _items(spec, "ports"):
        _default(port, "protocol", "TCP")
        if port.get("targetPort") in (None, 0, "") and not isinstance(port.get("targetPort"), bool):
            port["targetPort"] = port.get("port", 0)
    externally_accessible = svc_type in ("LoadBalancer", "NodePort") or (
        svc_type == "ClusterIP" and bool(spec.get("externalIPs"))
    )
    if externally_accessible:
        _default(spec, "externalTrafficPolicy", "Cluster")
    if svc_type in ("NodePort", "LoadBalancer", "ClusterIP"):
        _default_ptr(spec, "internalTrafficPolicy", "Cluster")
    if svc_type == "LoadBalancer":
        _default_ptr(spec, "allocateLoadBalancerNodePorts", True)
        status = _opt(obj, "status")
        for ingress in _items(_opt(status, "loadBalancer") if status else None, "ingress"):
            if ingress.get("ip"):
                _default_ptr(ingress, "ipMode", "VIP")


def _endpoints(obj: Obj) -> None:
    for subset in _items(obj, "subsets"):
        for port in _items(subset, "ports"):
            _default(port, "protocol", "TCP")


def _namespace(obj: Obj) -> None:
    meta = _sub(obj, "metadata")
    name = meta.get("name")
    if isinstance(name, str) and name:
        labels = _sub(meta, "labels")
        labels["kubernetes.io/metadata.name"] = name
    _default(_sub(obj, "status"), "phase", "Active")


def _node(obj: Obj) -> None:
    status = _opt(obj, "status")
    if status is not None:
        if isinstance(status.get("capacity"), dict) and status.get("allocatable") is None:
            status["allocatable"] = dict(status["capacity"])
        _resource_list(status, "capacity")
        _resource_list(status, "allocatable")
    spec = _opt(obj, "spec")
    if spec is not None:
        _primary_address(spec, "podCIDR", "podCIDRs", None)


def _secret(obj: Obj) -> None:
    _default(obj, "type", "Opaque")


def _persistent_volume(obj: Obj) -> None:
    _default(_sub(obj, "status"), "phase", "Pending")
    spec = _sub(obj, "spec")
    _default(spec, "persistentVolumeReclaimPolicy", "Retain")
    _default_ptr(spec, "volumeMode", "Filesystem")
    _resource_list(spec, "capacity")
    _host_path(spec)
    _legacy_sources(spec)


def _persistent_volume_claim(obj: Obj) -> None:
    status = _sub(obj, "status")
    _default(status, "phase", "Pending")
    _pvc_spec(_sub(obj, "spec"))
    _resource_list(status, "capacity")
    _resource_list(status, "allocatedResources")


# --------------------------------------------------------------------------------------------------------
# apps/v1, batch/v1, rbac/v1, discovery/v1


def _deployment(obj: Obj) -> None:
    spec = _sub(obj, "spec")
    _default_ptr(spec, "replicas", 1)
    strategy = _sub(spec, "strategy")
    _default(strategy, "type", "RollingUpdate")
    if strategy["type"] == "RollingUpdate":
        rolling = _sub(strategy, "rollingUpdate")
        _default_ptr(rolling, "maxUnavailable", "25%")
        _default_ptr(rolling, "maxSurge", "25%")
    _default_ptr(spec, "revisionHistoryLimit", 10)
    _default_ptr(spec, "progressDeadlineSeconds", 600)
    _pod_template(_sub(spec, "template"))


def _daemon_set(obj: Obj) -> None:
    spec = _sub(obj, "spec")
    strategy = _sub(spec, "updateStrategy")
    _default(strategy, "type", "RollingUpdate")
    if strategy["type"] == "RollingUpdate":
        rolling = _sub(strategy, "rollingUpdate")
        _default_ptr(rolling, "maxUnavailable", 1)
        _default_ptr(rolling, "maxSurge", 0)
    _default_ptr(spec, "revisionHistoryLimit", 10)
    _pod_template(_sub(spec, "template"))


def _stateful_set(obj: Obj) -> None:
    spec = _sub(obj, "spec")
    _default(spec, "podManagementPolicy", "OrderedReady")
    strategy = _sub(spec, "updateStrategy")
    if not strategy.get("type"):
        strategy["type"] = "RollingUpdate"
        _default_ptr(strategy, "rollingUpdate", {})
    rolling = _opt(strategy, "rollingUpdate")
    if strategy["type"] == "RollingUpdate" and rolling is not None:
        _default_ptr(rolling, "partition", 0)
    retention = _sub(spec, "persistentVolumeClaimRetentionPolicy")
    _default(retention, "whenDeleted", "Retain")
    _default(retention, "whenScaled", "Retain")
    _default_ptr(spec, "replicas", 1)
    _default_ptr(spec, "revisionHistoryLimit", 10)
    _pod_template(_sub(spec, "template"))
    for claim in _items(spec, "volumeClaimTemplates"):
        _persistent_volume_claim(claim)
        claim["apiVersion"], claim["kind"] = "v1", "PersistentVolumeClaim"  # conversion sets them


def _replica_set(obj: Obj) -> None:
    spec = _sub(obj, "spec")
    _default_ptr(spec, "replicas", 1)
    _pod_template(_sub(spec, "template"))


def _pod_failure_policy(spec: Obj) -> None:
    for rule in _items(_opt(spec, "podFailurePolicy"), "rules"):
        for pattern in _items(rule, "onPodConditions"):
            _default(pattern, "status", "True")


def _job(obj: Obj) -> None:
    spec = _sub(obj, "spec")
    if spec.get("completions") is None and spec.get("parallelism") is None:
        spec["completions"] = 1
    _default_ptr(spec, "parallelism", 1)
    _default_ptr(spec, "backoffLimit", _MAX_INT32 if spec.get("backoffLimitPerIndex") is not None else 6)
    template = _sub(spec, "template")
    labels = (_opt(template, "metadata") or {}).get("labels")
    meta = _sub(obj, "metadata")
    if isinstance(labels, dict) and not meta.get("labels"):
        meta["labels"] = dict(labels)
    _default_ptr(spec, "completionMode", "NonIndexed")
    _default_ptr(spec, "suspend", False)
    replacement = "Failed" if _opt(spec, "podFailurePolicy") is not None else "TerminatingOrFailed"
    _default_ptr(spec, "podReplacementPolicy", replacement)
    _default_ptr(spec, "manualSelector", False)
    _pod_failure_policy(spec)
    _pod_template(template)


def _cron_job(obj: Obj) -> None:
    spec = _sub(obj, "spec")
    _default(spec, "concurrencyPolicy", "Allow")
    _default_ptr(spec, "suspend", False)
    _default_ptr(spec, "successfulJobsHistoryLimit", 3)
    _default_ptr(spec, "failedJobsHistoryLimit", 1)
    job_spec = _sub(_sub(spec, "jobTemplate"), "spec")  # SetDefaults_Job does not run on the job template
    _pod_failure_policy(job_spec)
    _pod_template(_sub(job_spec, "template"))


def _role_binding(obj: Obj) -> None:
    _default(_sub(obj, "roleRef"), "apiGroup", RBAC_GROUP)
    for subject in _items(obj, "subjects"):
        if not subject.get("apiGroup") and subject.get("kind") in ("User", "Group"):
            subject["apiGroup"] = RBAC_GROUP


def _endpoint_slice(obj: Obj) -> None:
    for port in _items(obj, "ports"):
        _default_ptr(port, "name", "")
        _default_ptr(port, "protocol", "TCP")


_DEFAULTERS: dict[tuple[str, str], Callable[[Obj], None]] = {
    ("", "Pod"): _pod,
    ("", "PodTemplate"): _pod_template_object,
    ("", "ReplicationController"): _replication_controller,
    ("", "Service"): _service,
    ("", "Endpoints"): _endpoints,
    ("", "Namespace"): _namespace,
    ("", "Node"): _node,
    ("", "Secret"): _secret,
    ("", "PersistentVolume"): _persistent_volume,
    ("", "PersistentVolumeClaim"): _persistent_volume_claim,
    ("apps", "Deployment"): _deployment,
    ("apps", "DaemonSet"): _daemon_set,
    ("apps", "StatefulSet"): _stateful_set,
    ("apps", "ReplicaSet"): _replica_set,
    ("batch", "Job"): _job,
    ("batch", "CronJob"): _cron_job,
    (RBAC_GROUP, "RoleBinding"): _role_binding,
    (RBAC_GROUP, "ClusterRoleBinding"): _role_binding,
    ("discovery.k8s.io", "EndpointSlice"): _endpoint_slice,
}
# ConfigMap, Event, ServiceAccount, Role, ClusterRole and coordination.k8s.io Lease have no visible defaults.


def apply_defaults(group: str, kind: str, obj: dict[str, Any]) -> None:
    """Mutate a v1 JSON object in place with kube 1.36's decode-time defaults for its kind (and the items
    of a ``<Kind>List``). Idempotent; unknown kinds are left alone."""
    group = "" if group == "core" else group
    fn = _DEFAULTERS.get((group, kind))
    if fn is not None:
        fn(obj)
    elif kind.endswith("List") and (fn := _DEFAULTERS.get((group, kind[:-4]))) is not None:
        for item in _items(obj, "items"):
            fn(item)


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
        "defaultMode": _FILE_MODE,
    }


def _is_mirror_pod(pod: Obj) -> bool:
    annotations = (_opt(pod, "metadata") or {}).get("annotations")
    return isinstance(annotations, dict) and MIRROR_POD_ANNOTATION in annotations


def pod_service_account_name(pod: dict[str, Any]) -> str | None:
    """The ServiceAccount :func:`admit_pod` needs looked up, or None for a mirror pod (which may not use one)."""
    if _is_mirror_pod(pod):
        return None
    spec = _opt(pod, "spec") or {}
    return spec.get("serviceAccountName") or spec.get("serviceAccount") or DEFAULT_SERVICE_ACCOUNT


def _pod_secret_names(spec: Obj) -> Iterator[str]:
    """podutil.VisitPodSecretNames over all containers (empty names skipped)."""
    for ref in _items(spec, "imagePullSecrets"):
        yield ref.get("name") or ""
    for key in ("initContainers", "containers", "ephemeralContainers"):
        for c in _items(spec, key):
            for env_from in _items(c, "envFrom"):
                yield (_opt(env_from, "secretRef") or {}).get("name") or ""
            for env in _items(c, "env"):
                yield (_opt(_opt(env, "valueFrom") or {}, "secretKeyRef") or {}).get("name") or ""
    for volume in _items(spec, "volumes"):
        if (secret := _opt(volume, "secret")) is not None:
            yield secret.get("secretName") or ""
        elif (azure := _opt(volume, "azureFile")) is not None:
            yield azure.get("secretName") or ""
        elif (projected := _opt(volume, "projected")) is not None:
            for source in _items(projected, "sources"):
                yield (_opt(source, "secret") or {}).get("name") or ""
        elif (csi := _opt(volume, "csi")) is not None:
            yield (_opt(csi, "nodePublishSecretRef") or {}).get("name") or ""
        else:
            for key in ("cephfs", "cinder", "flexVolume", "rbd", "scaleIO", "iscsi", "storageos"):
                if (source := _opt(volume, key)) is not None:
                    yield (_opt(source, "secretRef") or {}).get("name") or ""
                    break


def _validate_mirror_pod(spec: Obj) -> None:
    if spec.get("serviceAccountName") or spec.get("serviceAccount"):
        raise AdmissionForbidden("a mirror pod may not reference service accounts")
    if any(_pod_secret_names(spec)):
        raise AdmissionForbidden("a mirror pod may not reference secrets")
    for volume in _items(spec, "volumes"):
        for source in _items(_opt(volume, "projected"), "sources"):
            if _opt(source, "serviceAccountToken") is not None:
                raise AdmissionForbidden("a mirror pod may not use ServiceAccountToken volume projections")


def _mount_service_account_token(spec: Obj, random_suffix: Callable[[], str]) -> None:
    volume_name = ""
    for volume in _items(spec, "volumes"):
        name = volume.get("name") or ""
        if name.startswith(TOKEN_VOLUME_PREFIX):
            volume_name = name
            break
    has_volume = bool(volume_name)
    if not volume_name:
        volume_name = TOKEN_VOLUME_PREFIX + random_suffix()
    needs_volume = False
    for key in ("initContainers", "containers"):
        for c in _items(spec, key):
            if not any(m.get("mountPath") == TOKEN_MOUNT_PATH for m in _items(c, "volumeMounts")):
                mounts = c.get("volumeMounts") if isinstance(c.get("volumeMounts"), list) else []
                mounts.append({"name": volume_name, "readOnly": True, "mountPath": TOKEN_MOUNT_PATH})
                c["volumeMounts"] = mounts
                needs_volume = True
    if needs_volume and not has_volume:
        volumes = spec.get("volumes") if isinstance(spec.get("volumes"), list) else []
        volumes.append({"name": volume_name, "projected": token_volume_source()})
        spec["volumes"] = volumes


def _limit_secret_references(sa: Obj, spec: Obj) -> None:
    """ServiceAccount.Validate with kubernetes.io/enforce-mountable-secrets=true on the ServiceAccount."""
    sa_name = (_opt(sa, "metadata") or {}).get("name", "")
    mountable = {s.get("name") for s in _items(sa, "secrets")}
    suffix = f"is not allowed because service account {sa_name} does not reference that secret"
    for volume in _items(spec, "volumes"):
        secret = _opt(volume, "secret")
        if secret is not None and secret.get("secretName", "") not in mountable:
            raise AdmissionForbidden(f'volume with secret.secretName="{secret.get("secretName", "")}" {suffix}')
    for key, label in (("initContainers", "init container"), ("containers", "container")):
        for c in _items(spec, key):
            cname = c.get("name", "")
            for env in _items(c, "env"):
                ref = _opt(_opt(env, "valueFrom") or {}, "secretKeyRef")
                if ref is not None and ref.get("name", "") not in mountable:
                    raise AdmissionForbidden(
                        f"{label} {cname} with envVar {env.get('name', '')} referencing "
                        f'secret.secretName="{ref.get("name", "")}" {suffix}'
                    )
            for env_from in _items(c, "envFrom"):
                ref = _opt(env_from, "secretRef")
                if ref is not None and ref.get("name", "") not in mountable:
                    raise AdmissionForbidden(
                        f'{label} {cname} with envFrom referencing secret.secretName="{ref.get("name", "")}" {suffix}'
                    )
    pull = {s.get("name") for s in _items(sa, "imagePullSecrets")}
    for i, ref in enumerate(_items(spec, "imagePullSecrets")):
        if ref.get("name", "") not in pull:
            raise AdmissionForbidden(
                f'imagePullSecrets[{i}].name="{ref.get("name", "")}" is not allowed because service account '
                f"{sa_name} does not reference that imagePullSecret"
            )


def _service_account_admission(
    pod: Obj, spec: Obj, namespace: str, sa: Obj | None, random_suffix: Callable[[], str]
) -> None:
    if _is_mirror_pod(pod):
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
        pull = [{"name": s.get("name", "")} for s in _items(sa, "imagePullSecrets")]
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
    spec = _sub(pod, "spec")
    # mutating phase
    _service_account_admission(pod, spec, namespace, service_account, random_suffix)
    _priority_admission(spec, priority_classes)
    _default_toleration_seconds(spec)
    runtime_class = spec.get("runtimeClassName")
    if runtime_class is not None and runtime_class not in (runtime_classes or {}):
        raise AdmissionForbidden(f'pod rejected: RuntimeClass "{runtime_class}" not found')
    # validating phase: ServiceAccount.Validate's mountable-secrets check, when the account asks for it
    if service_account is not None and not _is_mirror_pod(pod):
        annotations = (_opt(service_account, "metadata") or {}).get("annotations") or {}
        if annotations.get(ENFORCE_MOUNTABLE_SECRETS_ANNOTATION) in _TRUE_STRINGS:
            _limit_secret_references(service_account, spec)


def admit_pod_update(pod: dict[str, Any], old_pod: dict[str, Any]) -> None:
    """The update-time parts: Priority keeps the stored priority/preemptionPolicy when the new object
    omits them; DefaultTolerationSeconds adds its tolerations again if they were removed."""
    spec = _sub(pod, "spec")
    old_spec = _opt(old_pod, "spec") or {}
    for key in ("priority", "preemptionPolicy"):
        if spec.get(key) is None and old_spec.get(key) is not None:
            spec[key] = old_spec[key]
    _default_toleration_seconds(spec)


def admit_node(node: dict[str, Any]) -> None:
    """TaintNodesByCondition on node create: a new node starts tainted not-ready:NoSchedule."""
    spec = _sub(node, "spec")
    taints = spec.get("taints") if isinstance(spec.get("taints"), list) else []
    if not any(
        isinstance(t, dict) and t.get("key") == "node.kubernetes.io/not-ready" and t.get("effect") == "NoSchedule"
        for t in taints
    ):
        taints.append({"key": "node.kubernetes.io/not-ready", "effect": "NoSchedule"})
    spec["taints"] = taints


def admit_storage_protection(kind: str, obj: dict[str, Any]) -> None:
    """StorageObjectInUseProtection on create: PVs and PVCs get their protection finalizer."""
    finalizer = {
        "PersistentVolume": "kubernetes.io/pv-protection",
        "PersistentVolumeClaim": "kubernetes.io/pvc-protection",
    }
    if kind not in finalizer:
        return
    meta = _sub(obj, "metadata")
    finalizers = meta.get("finalizers") if isinstance(meta.get("finalizers"), list) else []
    if finalizer[kind] not in finalizers:
        finalizers.append(finalizer[kind])
    meta["finalizers"] = finalizers
