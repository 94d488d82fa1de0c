"""kube's validation of built-in objects, with its exact field errors.

``objectmeta`` holds the name/label/ObjectMeta checks every object gets (re-exported here, the package's
historical import path); ``fields`` the checks types share (ports, quantities, selectors, immutability); one
module per API group (``core``, ``apps``, ``batch``, ...) mirrors kube's pkg/apis/<group>/validation; and
``dispatch`` maps a stored group/kind to its create and update validators. Sub-modules are imported by their
users (the store imports ``dispatch``), so importing this package stays cheap and cycle-free.
"""

from aiokube.apiserver.registry.validation.objectmeta import (
    DNS1035_LABEL_MAX,
    DNS1123_LABEL_MAX,
    DNS1123_SUBDOMAIN_MAX,
    LABEL_VALUE_MAX,
    NAME_VALIDATORS,
    QUALIFIED_NAME_MAX,
    TOTAL_ANNOTATION_SIZE_LIMIT,
    NameValidator,
    is_dns1035_label,
    is_dns1123_label,
    is_dns1123_subdomain,
    is_qualified_name,
    is_valid_label_value,
    is_valid_path_segment_name,
    max_len_error,
    name_is_dns1035_label,
    name_is_dns_label,
    name_is_dns_subdomain,
    name_is_path_segment,
    regex_error,
    validate_annotations,
    validate_labels,
    validate_object_meta,
    validate_object_meta_update,
)

__all__ = [
    "DNS1035_LABEL_MAX",
    "DNS1123_LABEL_MAX",
    "DNS1123_SUBDOMAIN_MAX",
    "LABEL_VALUE_MAX",
    "NAME_VALIDATORS",
    "QUALIFIED_NAME_MAX",
    "TOTAL_ANNOTATION_SIZE_LIMIT",
    "NameValidator",
    "is_dns1035_label",
    "is_dns1123_label",
    "is_dns1123_subdomain",
    "is_qualified_name",
    "is_valid_label_value",
    "is_valid_path_segment_name",
    "max_len_error",
    "name_is_dns1035_label",
    "name_is_dns_label",
    "name_is_dns_subdomain",
    "name_is_path_segment",
    "regex_error",
    "validate_annotations",
    "validate_labels",
    "validate_object_meta",
    "validate_object_meta_update",
]
