"""A container's probes and lifecycle hooks (pkg/apis/core/validation: validateLivenessProbe, validateReadinessProbe,
validateStartupProbe, validateProbe, validateHandler, validateLifecycle): exactly one handler, its port and
command, non-negative periods and thresholds, and the rules each kind of probe adds. Objects are v1 JSON after
defaulting (a probe's zero periods and an httpGet's path and scheme are filled in by then, as in kube).
"""

from __future__ import annotations

from typing import Any

from aiokube.apiserver.errors import FieldErrors
from aiokube.apiserver.registry.validation import fields as f

Obj = dict[str, Any]

#: commonHandler's members in the order validateHandler looks at them
_PROBE_HANDLERS = ("exec", "httpGet", "tcpSocket", "grpc")
_LIFECYCLE_HANDLERS = ("exec", "httpGet", "tcpSocket", "sleep")
_HTTP_SCHEMES = ["HTTP", "HTTPS"]
_PROBE_FIELDS = ("initialDelaySeconds", "timeoutSeconds", "periodSeconds", "successThreshold", "failureThreshold")


def _http_header_name_errors(name: str) -> list[str]:
    """validation.IsHTTPHeaderName."""
    if name and all(c.isascii() and (c.isalnum() or c == "-") for c in name):
        return []
    return [
        "a valid HTTP header must consist of alphanumeric characters or '-' (e.g. 'X-Header-Name', "
        "regex used for validation is '[-A-Za-z0-9]+')"
    ]


def _handler(handler: Obj, kinds: tuple[str, ...], grace: Any, path: str, errs: FieldErrors) -> None:
    """validateHandler: exactly one handler type, each checked as kube checks it."""
    count = 0
    for kind in kinds:
        action = handler.get(kind)
        if action is None:
            continue
        hpath = f"{path}.{kind}"
        if count:
            errs.forbidden(hpath, "may not specify more than 1 handler type")
            continue
        count += 1
        action = action if isinstance(action, dict) else {}
        if kind == "exec":
            if not f.list_at(action, "command"):
                errs.required(f"{hpath}.command")
        elif kind == "httpGet":
            if not action.get("path"):
                errs.required(f"{hpath}.path")
            f.port_num_or_name(action.get("port", 0), f"{hpath}.port", errs)
            scheme = action.get("scheme", "")
            if scheme not in _HTTP_SCHEMES:
                errs.not_supported(f"{hpath}.scheme", scheme, _HTTP_SCHEMES)
            for header in f.list_at(action, "httpHeaders"):
                name = header.get("name", "") if isinstance(header, dict) else ""
                for msg in _http_header_name_errors(name):
                    errs.invalid(f"{hpath}.httpHeaders", name, msg)
        elif kind == "tcpSocket":
            f.port_num_or_name(action.get("port", 0), f"{hpath}.port", errs)
        elif kind == "grpc":
            f.port_num_or_name(action.get("port", 0), f"{hpath}.port", errs)
        else:  # sleep: AllowPodLifecycleSleepActionZeroValue is on in 1.36
            seconds = action.get("seconds", 0)
            if isinstance(grace, int) and isinstance(seconds, int) and not 0 <= seconds <= grace:
                detail = f"must be non-negative and less than terminationGracePeriodSeconds ({grace})"
                errs.invalid(hpath, seconds, detail)
    if not count:
        errs.required(path, "must specify a handler type")


def _probe(probe: Obj, grace: Any, path: str, errs: FieldErrors) -> None:
    """validateProbe."""
    _handler(probe, _PROBE_HANDLERS, grace, path, errs)
    for key in _PROBE_FIELDS:
        f.nonnegative(probe.get(key, 0), f"{path}.{key}", errs)
    seconds = probe.get("terminationGracePeriodSeconds")
    if isinstance(seconds, int) and seconds <= 0:
        errs.invalid(f"{path}.terminationGracePeriodSeconds", seconds, "must be greater than 0")


def validate_probes(container: Obj, grace: Any, path: str, errs: FieldErrors) -> None:
    """The lifecycle hooks and the liveness, readiness and startup probes of a regular (or restartable init)
    container (a stop signal is not checked: the ContainerStopSignals gate is off in 1.36, kube drops it)."""
    lifecycle = container.get("lifecycle")
    if isinstance(lifecycle, dict):
        for hook in ("postStart", "preStop"):
            handler = lifecycle.get(hook)
            if isinstance(handler, dict):
                _handler(handler, _LIFECYCLE_HANDLERS, grace, f"{path}.lifecycle.{hook}", errs)
    for key in ("livenessProbe", "readinessProbe", "startupProbe"):
        probe = container.get(key)
        if not isinstance(probe, dict):
            continue
        ppath = f"{path}.{key}"
        _probe(probe, grace, ppath, errs)
        if key == "readinessProbe":
            if probe.get("terminationGracePeriodSeconds") is not None:
                seconds = probe["terminationGracePeriodSeconds"]
                errs.invalid(f"{ppath}.terminationGracePeriodSeconds", seconds, "must not be set for readinessProbes")
        elif probe.get("successThreshold", 0) != 1:
            errs.invalid(f"{ppath}.successThreshold", probe.get("successThreshold", 0), "must be 1")
