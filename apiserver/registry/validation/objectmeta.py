"""Name, label and ObjectMeta validation with kube's exact messages.

Sources: k8s.io/apimachinery/pkg/util/validation/validation.go (DNS-1123/1035, qualified names, label
values), k8s.io/apimachinery/pkg/api/validation/objectmeta.go (ValidateObjectMeta[Update]) and
k8s.io/apimachinery/pkg/api/validation/path/name.go (path segment names).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from aiokube.apiserver.errors import FieldErrors

_DNS1123_LABEL_FMT = "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_DNS1123_LABEL_MSG = (
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', "
    "and must start and end with an alphanumeric character"
)
_DNS1123_SUBDOMAIN_FMT = _DNS1123_LABEL_FMT + "(\\." + _DNS1123_LABEL_FMT + ")*"
_DNS1123_SUBDOMAIN_MSG = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', "
    "and must start and end with an alphanumeric character"
)
_DNS1035_LABEL_FMT = "[a-z]([-a-z0-9]*[a-z0-9])?"
_DNS1035_LABEL_MSG = (
    "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an "
    "alphabetic character, and end with an alphanumeric character"
)
_QUALIFIED_NAME_FMT = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
_QUALIFIED_NAME_MSG = (
    "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character"
)
_LABEL_VALUE_FMT = "(" + _QUALIFIED_NAME_FMT + ")?"
_LABEL_VALUE_MSG = (
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', "
    "and must start and end with an alphanumeric character"
)

_dns1123_label = re.compile(rf"^{_DNS1123_LABEL_FMT}\Z")
_dns1123_subdomain = re.compile(rf"^{_DNS1123_SUBDOMAIN_FMT}\Z")
_dns1035_label = re.compile(rf"^{_DNS1035_LABEL_FMT}\Z")
_qualified_name = re.compile(rf"^{_QUALIFIED_NAME_FMT}\Z")
_label_value = re.compile(rf"^{_LABEL_VALUE_FMT}\Z")

DNS1123_LABEL_MAX = 63
DNS1123_SUBDOMAIN_MAX = 253
DNS1035_LABEL_MAX = 63
QUALIFIED_NAME_MAX = 63
LABEL_VALUE_MAX = 63
TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024


def max_len_bytes_error(length: int) -> str:
    """content.MaxLenError (kube 1.36's label keys and values, qualified names: Go measures bytes)."""
    return f"must be no more than {length} bytes"


def max_len_error(length: int) -> str:
    return f"must be no more than {length} characters"


def regex_error(msg: str, fmt: str, *examples: str) -> str:
    if not examples:
        return f"{msg} (regex used for validation is '{fmt}')"
    # Go's RegexError appends "', " after each example and joins with " or " (hence the double space).
    ex = " or ".join(f"'{e}', " for e in examples)
    return f"{msg} (e.g. {ex}regex used for validation is '{fmt}')"


def is_dns1123_label(value: str) -> list[str]:
    errs = []
    if len(value) > DNS1123_LABEL_MAX:
        errs.append(max_len_error(DNS1123_LABEL_MAX))
    if not _dns1123_label.match(value):
        if _dns1123_subdomain.match(value):
            errs.append("must not contain dots")
        else:
            errs.append(regex_error(_DNS1123_LABEL_MSG, _DNS1123_LABEL_FMT, "my-name", "123-abc"))
    return errs


def is_dns1123_subdomain(value: str) -> list[str]:
    errs = []
    if len(value) > DNS1123_SUBDOMAIN_MAX:
        errs.append(max_len_error(DNS1123_SUBDOMAIN_MAX))
    if not _dns1123_subdomain.match(value):
        errs.append(regex_error(_DNS1123_SUBDOMAIN_MSG, _DNS1123_SUBDOMAIN_FMT, "example.com"))
    return errs


def is_dns1035_label(value: str) -> list[str]:
    errs = []
    if len(value) > DNS1035_LABEL_MAX:
        errs.append(max_len_error(DNS1035_LABEL_MAX))
    if not _dns1035_label.match(value):
        errs.append(regex_error(_DNS1035_LABEL_MSG, _DNS1035_LABEL_FMT, "my-name", "abc-123"))
    return errs


def is_valid_path_segment_name(name: str) -> list[str]:
    """path.IsValidPathSegmentName: what any object name must satisfy to be used in a URL."""
    for illegal in (".", ".."):
        if name == illegal:
            return [f"may not be '{illegal}'"]
    errs = []
    for illegal in ("/", "%"):
        if illegal in name:
            errs.append(f"may not contain '{illegal}'")
    return errs


def is_qualified_name(value: str) -> list[str]:
    errs: list[str] = []
    parts = value.split("/")
    if len(parts) == 1:
        name = parts[0]
    elif len(parts) == 2:
        prefix, name = parts
        if not prefix:
            errs.append("prefix part must be non-empty")
        else:
            if len(prefix.encode()) > DNS1123_SUBDOMAIN_MAX:  # content.IsDNS1123Subdomain: bytes
                errs.append("prefix part " + max_len_bytes_error(DNS1123_SUBDOMAIN_MAX))
            if not _dns1123_subdomain.match(prefix):
                errs.append("prefix part " + regex_error(_DNS1123_SUBDOMAIN_MSG, _DNS1123_SUBDOMAIN_FMT, "example.com"))
    else:
        return [
            "a valid label key "  # kube 1.36: IsQualifiedName is content.IsLabelKey, with its words
            + regex_error(_QUALIFIED_NAME_MSG, _QUALIFIED_NAME_FMT, "MyName", "my.name", "123-abc")
            + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"
        ]
    if not name:
        errs.append("name part must be non-empty")
    elif len(name.encode()) > QUALIFIED_NAME_MAX:
        errs.append("name part " + max_len_bytes_error(QUALIFIED_NAME_MAX))
    if not _qualified_name.match(name):
        errs.append(
            "name part " + regex_error(_QUALIFIED_NAME_MSG, _QUALIFIED_NAME_FMT, "MyName", "my.name", "123-abc")
        )
    return errs


def is_valid_label_value(value: str) -> list[str]:
    errs = []
    if len(value.encode()) > LABEL_VALUE_MAX:
        errs.append(max_len_bytes_error(LABEL_VALUE_MAX))
    if not _label_value.match(value):
        errs.append(regex_error(_LABEL_VALUE_MSG, _LABEL_VALUE_FMT, "MyValue", "my_value", "12345"))
    return errs


# Name validators per resource (ValidateNameFunc): they receive (name, prefix) like kube's, where prefix
# means "this is a generateName" and a trailing '-' is tolerated.
NameValidator = Callable[[str, bool], list[str]]


def _mask_trailing_dash(name: str) -> str:
    return name[:-1] + "a" if len(name) > 1 and name.endswith("-") else name


def name_is_dns_subdomain(name: str, prefix: bool) -> list[str]:
    return is_dns1123_subdomain(_mask_trailing_dash(name) if prefix else name)


def name_is_dns_label(name: str, prefix: bool) -> list[str]:
    return is_dns1123_label(_mask_trailing_dash(name) if prefix else name)


def name_is_dns1035_label(name: str, prefix: bool) -> list[str]:
    return is_dns1035_label(_mask_trailing_dash(name) if prefix else name)


def name_is_path_segment(name: str, prefix: bool) -> list[str]:
    if prefix:
        # a generateName prefix is only checked for illegal characters, not for "." / ".."
        return [f"may not contain '{c}'" for c in ("/", "%") if c in name]
    return is_valid_path_segment_name(name)


NAME_VALIDATORS: dict[str, NameValidator] = {
    "subdomain": name_is_dns_subdomain,
    "label": name_is_dns_label,
    "dns1035": name_is_dns1035_label,
    "path": name_is_path_segment,
}


def validate_labels(labels: dict[str, str], path: str, errs: FieldErrors) -> None:
    for key, value in labels.items():
        for msg in is_qualified_name(key):
            errs.invalid(path, key, msg)
        for msg in is_valid_label_value(value):
            errs.invalid(path, value, msg)


def validate_annotations(annotations: dict[str, str], path: str, errs: FieldErrors) -> None:
    total = 0
    for key, value in annotations.items():
        for msg in is_qualified_name(key.lower()):
            errs.invalid(path, key, msg)
        total += len(key) + len(value)
    if total > TOTAL_ANNOTATION_SIZE_LIMIT:
        errs.too_long(path, TOTAL_ANNOTATION_SIZE_LIMIT)


_TEMPLATE_FORBIDDEN = (
    "name", "generateName", "namespace", "selfLink", "uid", "resourceVersion", "generation", "creationTimestamp",
    "deletionTimestamp", "deletionGracePeriodSeconds", "ownerReferences", "finalizers", "managedFields",
)  # fmt: skip


def validate_template_object_meta(meta: dict[str, Any], path: str, errs: FieldErrors) -> None:
    """ValidateTemplateObjectMeta (the metadata of a claim template): labels and annotations, nothing else."""
    validate_annotations(meta.get("annotations") or {}, f"{path}.annotations", errs)
    validate_labels(meta.get("labels") or {}, f"{path}.labels", errs)
    for key in _TEMPLATE_FORBIDDEN:
        if meta.get(key) not in (None, "", 0, [], {}):
            errs.forbidden(f"{path}.{key}", "cannot be set")


def validate_object_meta(
    meta: dict[str, Any],
    *,
    namespaced: bool,
    name_validator: NameValidator,
    errs: FieldErrors,
) -> None:
    """ValidateObjectMeta: name/generateName, namespace scope, labels, annotations, finalizers."""
    name = meta.get("name", "")
    generate_name = meta.get("generateName", "")
    if generate_name:
        for msg in name_validator(generate_name, True):
            errs.invalid("metadata.generateName", generate_name, msg)
    if not name:
        errs.required("metadata.name", "name or generateName is required")
    else:
        for msg in name_validator(name, False):
            errs.invalid("metadata.name", name, msg)
    namespace = meta.get("namespace", "")
    if namespaced:
        if not namespace:
            errs.required("metadata.namespace")
        else:
            for msg in is_dns1123_label(namespace):
                errs.invalid("metadata.namespace", namespace, msg)
    elif namespace:
        errs.forbidden("metadata.namespace", "not allowed on this type")
    generation = meta.get("generation")
    if isinstance(generation, int) and generation < 0:
        errs.invalid("metadata.generation", generation, "must be greater than or equal to 0")
    validate_labels(meta.get("labels") or {}, "metadata.labels", errs)
    validate_annotations(meta.get("annotations") or {}, "metadata.annotations", errs)
    for i, fin in enumerate(meta.get("finalizers") or []):
        for msg in is_qualified_name(fin):
            errs.invalid(f"metadata.finalizers[{i}]", fin, msg)


def validate_object_meta_update(new: dict[str, Any], old: dict[str, Any], errs: FieldErrors) -> None:
    """ValidateObjectMetaUpdate: identity fields may not change."""
    for field_name in ("name", "namespace", "uid", "creationTimestamp"):
        nv, ov = new.get(field_name, ""), old.get(field_name, "")
        if nv != ov:
            errs.invalid(f"metadata.{field_name}", nv, "field is immutable")
    if new.get("generation", 0) < old.get("generation", 0):
        errs.invalid("metadata.generation", new.get("generation", 0), "must not be decremented")
