"""kube's Event validation (pkg/apis/core/validation/events.go), which depends on the request's version.

Every Event passes the legacy checks (with an eventTime, the fields of a "new" event are required); one
created or updated through events.k8s.io/v1 also gets the strict ones (ObjectMeta as a DNS subdomain, the
series, eventTime and type required, the deprecated fields unset, most fields immutable). Objects are in the
stored core/v1 form, kube's internal one, so the field paths are the internal names (``message``, not
``note``) except ``reportingController``/``reportingComponent``, which kube names after the request's version.
"""

from __future__ import annotations

from typing import Any

from aiokube.apiserver.errors import FieldErrors
from aiokube.apiserver.registry import validation

Obj = dict[str, Any]

REPORTING_INSTANCE_LIMIT = 128
ACTION_LIMIT = 128
REASON_LIMIT = 128
NOTE_LIMIT = 1024
#: versions kube validates leniently, for backwards compatibility
_LEGACY_VERSIONS = ("v1", "events.k8s.io/v1beta1")
_REFERENCE_FIELDS = (
    ("Kind", "kind"),
    ("Namespace", "namespace"),
    ("Name", "name"),
    ("UID", "uid"),
    ("APIVersion", "apiVersion"),
    ("ResourceVersion", "resourceVersion"),
    ("FieldPath", "fieldPath"),
)


def _len(value: str) -> int:
    return len(value.encode())


def _legacy(obj: Obj, api_version: str, errs: FieldErrors) -> None:
    """legacyValidateEvent."""
    namespace = obj["metadata"].get("namespace", "")
    involved = (obj.get("involvedObject") or {}).get("namespace", "")
    reporting = "reportingComponent" if api_version == "v1" else "reportingController"
    if not obj.get("eventTime"):  # an old-style event: its namespace and its object's agree
        if (not involved and namespace not in ("", "default")) or (involved and namespace != involved):
            errs.invalid("involvedObject.namespace", involved, "does not match event.namespace")
    else:
        if not involved and namespace not in ("default", "kube-system"):
            errs.invalid("involvedObject.namespace", involved, "does not match event.namespace")
        controller = obj.get("reportingComponent", "")
        if not controller:
            errs.required(reporting)
        for msg in validation.is_qualified_name(controller):
            errs.invalid(reporting, controller, msg)
        for path, limit in (
            ("reportingInstance", REPORTING_INSTANCE_LIMIT),
            ("action", ACTION_LIMIT),
            ("reason", REASON_LIMIT),
        ):
            value = obj.get(path, "")
            if not value:
                errs.required(path)
            if _len(value) > limit:
                errs.invalid(path, "", f"can have at most {limit} characters")
        if _len(obj.get("message", "")) > NOTE_LIMIT:
            errs.invalid("message", "", f"can have at most {NOTE_LIMIT} characters")
    for msg in validation.is_dns1123_subdomain(namespace):
        errs.invalid("namespace", namespace, msg)


def _series(obj: Obj, errs: FieldErrors) -> None:
    series = obj.get("series")
    if series is not None:
        if series.get("count", 0) < 2:
            errs.invalid("series.count", "", "should be at least 2")
        if not series.get("lastObservedTime"):
            errs.required("series.lastObservedTime")


def _internal(value: Any, path: str) -> Any:
    """A field's value as kube prints it in an immutability error: JSON of the internal Go struct."""
    if path in ("involvedObject", "related"):
        if value is None:
            return None
        return {go: value.get(name, "") for go, name in _REFERENCE_FIELDS}
    if path == "source":
        value = value or {}
        return {"Component": value.get("component", ""), "Host": value.get("host", "")}
    return value


#: the immutable fields of an events.k8s.io update, in kube's order (reason twice, as kube checks it), and
#: the zero value of each absent one
_IMMUTABLE: tuple[tuple[str, Any], ...] = (
    ("involvedObject", {}),
    ("reason", ""),
    ("message", ""),
    ("source", {}),
    ("firstTimestamp", None),
    ("lastTimestamp", None),
    ("count", 0),
    ("reason", ""),
    ("type", ""),
    ("eventTime", None),
    ("action", ""),
    ("related", None),
    ("reportingComponent", ""),
    ("reportingInstance", ""),
)


def validate(obj: Obj, old: Obj | None, api_version: str, errs: FieldErrors) -> None:
    """ValidateEventCreate (``old`` None) or ValidateEventUpdate for a write through ``api_version``."""
    _legacy(obj, api_version, errs)
    if api_version in _LEGACY_VERSIONS:
        return
    md = obj["metadata"]
    if old is None:
        validation.validate_object_meta(
            md, namespaced=True, name_validator=validation.NAME_VALIDATORS["subdomain"], errs=errs
        )
        _series(obj, errs)
        if not obj.get("eventTime"):
            errs.required("eventTime")
        kind = obj.get("type", "")
        if kind not in ("Normal", "Warning"):
            errs.invalid("type", "", f"has invalid value: {kind}")
        for path in ("firstTimestamp", "lastTimestamp"):
            if obj.get(path):
                errs.invalid(path, "", "needs to be unset")
        if obj.get("count"):
            errs.invalid("count", "", "needs to be unset")
        source = obj.get("source") or {}
        if source.get("component") or source.get("host"):
            errs.invalid("source", "", "needs to be unset")
        return
    validation.validate_object_meta_update(md, old["metadata"], errs)
    if obj.get("series") != old.get("series"):
        _series(obj, errs)
    for path, zero in _IMMUTABLE:
        new_value, old_value = obj.get(path, zero), old.get(path, zero)
        if new_value != old_value:
            name = "reportingController" if path == "reportingComponent" else path
            errs.invalid(name, _internal(new_value, path), "field is immutable")
