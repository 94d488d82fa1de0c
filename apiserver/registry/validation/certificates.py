"""certificates.k8s.io CertificateSigningRequest (pkg/apis/certificates/validation): a parsable PEM
CERTIFICATE REQUEST with a valid signature, known unique usages, a signerName of the form
'example.com/signer-name' and at least ten minutes of expiration. An update cannot change the spec (the strategy
keeps the old one), so only a create is checked; writes through ``status`` and ``approval`` get the status checks
(conditions' types and statuses, Approved and Denied exclusive, no Approved/Denied/Failed condition removed, the
approval conditions only through ``approval``, a PEM certificate set once), each rule waived where the stored
object already breaks it."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from aiokube.apiserver.admission.certificates import parse_request
from aiokube.apiserver.errors import FieldErrors
from aiokube.apiserver.registry.validation import fields as f
from aiokube.apiserver.registry.validation import pem
from aiokube.apiserver.registry.validation.objectmeta import is_dns1123_label, is_dns1123_subdomain

Obj = dict[str, Any]

_USAGES = sorted([
    "signing", "digital signature", "content commitment", "key encipherment", "key agreement", "data encipherment",
    "cert sign", "crl sign", "encipher only", "decipher only", "any", "server auth", "client auth", "code signing",
    "email protection", "s/mime", "ipsec end system", "ipsec tunnel", "ipsec user", "timestamping", "ocsp signing",
    "microsoft sgc", "netscape sgc",
])  # fmt: skip
_LEGACY_SIGNER = "kubernetes.io/legacy-unknown"
_SIGNER_NAME_MAX = 253 + 253 + 63 + 1 + 1


def _request_error(request: bytes) -> str | None:
    """certificates.ParseCSR and CheckSignature's error, or None (Go's ASN.1 errors are not reproduced)."""
    csr = parse_request(request)
    if isinstance(csr, str):
        return csr
    try:
        valid = csr.is_signature_valid
    except Exception:  # an unsupported key or algorithm reads as a bad signature
        valid = False
    return None if valid else "x509: signature verification failure"


def signer_name(name: str, path: str, errs: FieldErrors) -> None:
    """ValidateSignerName: a DNS domain of two or more labels, '/', and DNS-1123 subdomains joined by dots."""
    if not name:
        errs.required(path)
        return
    segments = name.split("/")
    if len(segments) != 2:
        errs.invalid(path, name, "must be a fully qualified domain and path of the form 'example.com/signer-name'")
        return
    domain, rest = segments
    if len(domain) > 253:
        errs.too_long(path, 253)
    labels = domain.split(".")
    for label in labels:
        if msgs := is_dns1123_label(label):
            for msg in msgs:
                errs.invalid(path, domain, f'validating label "{label}": {msg}')
            break
    if len(labels) < 2:
        errs.invalid(path, domain, "should be a domain with at least two segments separated by dots")
    for label in rest.split("."):
        if msgs := is_dns1123_subdomain(label):
            for msg in msgs:
                errs.invalid(path, rest, f'validating label "{label}": {msg}')
            break
    if len(name) > _SIGNER_NAME_MAX:
        errs.too_long(path, _SIGNER_NAME_MAX)


def validate_certificate_signing_request(obj: Obj, old: Obj | None, errs: FieldErrors) -> None:
    if old is not None:
        return
    spec = f.obj_at(obj, "spec")
    raw = spec.get("request")
    try:
        request = base64.b64decode(raw, validate=True) if isinstance(raw, str) else b""
    except binascii.Error:
        request = b""
    if (msg := _request_error(request)) is not None:
        errs.invalid("spec.request", raw, msg)
    usages = f.list_at(spec, "usages")
    if not usages:
        errs.required("spec.usages")
    for i, usage in enumerate(usages):
        if usage not in _USAGES:
            errs.not_supported(f"spec.usages[{i}]", usage, _USAGES)
    f.duplicates(usages, "spec.usages", errs)
    name = spec.get("signerName", "")
    if name == _LEGACY_SIGNER:
        errs.invalid("spec.signerName", name, "the legacy signerName is not allowed via this API version")
    else:
        signer_name(name, "spec.signerName", errs)
    expiration = spec.get("expirationSeconds")
    if isinstance(expiration, int) and expiration < 600:
        msg = "may not specify a duration less than 600 seconds (10 minutes)"
        errs.invalid("spec.expirationSeconds", expiration, msg)


_TRUE_ONLY = ("Approved", "Denied", "Failed")
_APPROVAL = ("Approved", "Denied")
_ALL_STATUSES = ["False", "True", "Unknown"]
_CERTIFICATE_PATH = "status.certificate"


def _certificate_bytes(status: Obj) -> bytes:
    raw = status.get("certificate")
    try:
        return base64.b64decode(raw) if isinstance(raw, str) else b""
    except (binascii.Error, ValueError):
        return b""


def certificate_error(data: bytes) -> str | None:
    """validateCertificate: PEM CERTIFICATE blocks only, without headers, each holding certificates."""
    if not data:
        return None
    blocks = 0
    while True:
        block, data = pem.decode(data)
        if block is None:
            break
        if block.kind != "CERTIFICATE":
            return f'only CERTIFICATE PEM blocks are allowed, found "{block.kind}"'
        if block.headers:
            return "no PEM block headers are permitted"
        blocks += 1
        count, error = pem.certificates_error(block.data)
        if error is not None:
            return error
        if count == 0:
            return "found CERTIFICATE PEM block containing 0 certificates"
    return None if blocks else "must contain at least one CERTIFICATE PEM block"


def _conditions(conditions: list[Any], old_conditions: list[Any], errs: FieldErrors) -> None:
    """validateConditions, with getValidationOptions' waivers for what the stored conditions already break."""
    old_types = [c.get("type", "") for c in old_conditions if isinstance(c, dict)]
    allow_empty = "" in old_types
    allow_duplicates = len(set(old_types)) != len(old_types)
    allow_both = {"Approved", "Denied"} <= set(old_types)
    seen: set[Any] = set()
    approved = denied = False
    for i, condition in enumerate(conditions):
        if not isinstance(condition, dict):
            continue
        path, kind, status = f"status.conditions[{i}]", condition.get("type", ""), condition.get("status", "")
        if not kind and not allow_empty:
            errs.required(f"{path}.type")
        allowed = ["True"] if kind in _TRUE_ONLY else _ALL_STATUSES
        if not status:
            errs.required(f"{path}.status")
        elif status not in allowed:
            errs.not_supported(f"{path}.status", status, allowed)
        if not allow_both and kind in _APPROVAL:
            approved, denied = approved or kind == "Approved", denied or kind == "Denied"
            if approved and denied:
                errs.invalid("status.conditions", kind, "Approved and Denied conditions are mutually exclusive")
        if not allow_duplicates:
            if kind in seen:
                errs.duplicate(f"{path}.type", kind)
            seen.add(kind)


def _count(conditions: list[Any], kind: str) -> int:
    return sum(1 for c in conditions if isinstance(c, dict) and c.get("type") == kind)


def _status_update(obj: Obj, old: Obj, errs: FieldErrors, *, approval: bool) -> None:
    """validateCertificateSigningRequestUpdate of a status or approval write. The spec is the stored one (the
    strategies keep it), checked when it was created, so only the status is."""
    status, old_status = f.obj_at(obj, "status"), f.obj_at(old, "status")
    conditions, old_conditions = f.list_at(status, "conditions"), f.list_at(old_status, "conditions")
    _conditions(conditions, old_conditions, errs)
    certificate, old_certificate = _certificate_bytes(status), _certificate_bytes(old_status)
    if certificate != old_certificate and certificate_error(old_certificate) is None:
        if (error := certificate_error(certificate)) is not None:
            errs.invalid(_CERTIFICATE_PATH, "<certificate data>", error)
    for kind in ("Approved", "Denied", "Failed"):
        if _count(conditions, kind) < _count(old_conditions, kind):
            errs.forbidden("status.conditions", f'updates may not remove a condition of type "{kind}"')
    if not approval:  # a status write keeps the stored instances when their number is unchanged
        for kind in _APPROVAL:
            if _count(conditions, kind) > _count(old_conditions, kind):
                errs.forbidden("status.conditions", f'updates may not add a condition of type "{kind}"')
    if certificate != old_certificate and old_certificate:  # approval keeps the stored certificate
        errs.forbidden(_CERTIFICATE_PATH, "updates may not modify existing certificate content")


def validate_csr_status(obj: Obj, old: Obj, errs: FieldErrors) -> None:
    """ValidateCertificateSigningRequestStatusUpdate."""
    _status_update(obj, old, errs, approval=False)


def validate_csr_approval(obj: Obj, old: Obj, errs: FieldErrors) -> None:
    """ValidateCertificateSigningRequestApprovalUpdate."""
    _status_update(obj, old, errs, approval=True)
