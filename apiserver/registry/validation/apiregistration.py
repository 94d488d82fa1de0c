"""APIService validation (apiregistration.k8s.io; kube-aggregator's ValidateAPIService): named
``<version>.<group>``, priorities in range, and a service reference or none (a local APIService has no CA bundle
and no TLS skip)."""

from __future__ import annotations

import base64
from typing import Any

from aiokube.apiserver.errors import FieldErrors
from aiokube.apiserver.registry.validation import fields as f
from aiokube.apiserver.registry.validation.objectmeta import (
    is_dns1035_label,
    is_dns1123_subdomain,
    is_valid_path_segment_name,
)

Obj = dict[str, Any]


def validate_api_service(obj: Obj, old: Obj | None, errs: FieldErrors) -> None:
    spec = obj.get("spec") or {}
    group, version = spec.get("group", ""), spec.get("version", "")
    name = obj["metadata"].get("name", "")
    required_name = f"{version}.{group}"
    if name and not is_valid_path_segment_name(name) and name != required_name:
        errs.invalid("metadata.name", name, f'must be `spec.version+"."+spec.group`: "{required_name}"')
    if not group and version != "v1":
        errs.required("spec.group", "only v1 may have an empty group and it better be legacy kube")
    if group:
        for msg in is_dns1123_subdomain(group):
            errs.invalid("spec.group", group, msg)
    for msg in is_dns1035_label(version):
        errs.invalid("spec.version", version, msg)
    group_min = spec.get("groupPriorityMinimum", 0)
    if not 0 < group_min <= 20000:
        errs.invalid("spec.groupPriorityMinimum", group_min, "must be positive and less than 20000")
    version_priority = spec.get("versionPriority", 0)
    if not 0 < version_priority <= 1000:
        errs.invalid("spec.versionPriority", version_priority, "must be positive and less than 1000")
    ca_bundle = len(base64.b64decode(spec.get("caBundle") or ""))
    skip = bool(spec.get("insecureSkipTLSVerify"))
    service = spec.get("service")
    if service is None:
        if ca_bundle:
            errs.invalid("spec.caBundle", f"{ca_bundle} bytes", "local APIServices may not have a caBundle")
        if skip:
            errs.invalid("spec.insecureSkipTLSVerify", skip, "local APIServices may not have insecureSkipTLSVerify")
        return
    if not service.get("namespace"):
        errs.required("spec.service.namespace")
    if not service.get("name"):
        errs.required("spec.service.name")
    port = service.get("port", 443)
    if msgs := f.port_num_errors(port):
        errs.invalid("spec.service.port", port, "port is not valid: " + ", ".join(msgs))
    if skip and ca_bundle:
        errs.invalid("spec.insecureSkipTLSVerify", skip, "may not be true if caBundle is present")
