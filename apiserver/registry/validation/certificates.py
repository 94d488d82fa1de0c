"""certificates.k8s.io CertificateSigningRequest (pkg/apis/certificates/validation): a parsable PEM
CERTIFICATE REQUEST with a valid signature, known unique usages, a signerName of the form
'example.com/signer-name' and at least ten minutes of expiration. An update cannot change the spec (the strategy
keeps the old one), so only a create is checked."""

from __future__ import annotations

import base64
import binascii
import re
from typing import Any

from cryptography import x509

from aiokube.apiserver.errors import FieldErrors
from aiokube.apiserver.registry.validation import fields as f
from aiokube.apiserver.registry.validation.objectmeta import is_dns1123_label, is_dns1123_subdomain

Obj = dict[str, Any]

_USAGES = sorted([
    "signing", "digital signature", "content commitment", "key encipherment", "key agreement", "data encipherment",
    "cert sign", "crl sign", "encipher only", "decipher only", "any", "server auth", "client auth", "code signing",
    "email protection", "s/mime", "ipsec end system", "ipsec tunnel", "ipsec user", "timestamping", "ocsp signing",
    "microsoft sgc", "netscape sgc",
])  # fmt: skip
_LEGACY_SIGNER = "kubernetes.io/legacy-unknown"
_PEM_BLOCK = re.compile(rb"-----BEGIN ([^\n-]*)-----\r?\n(.*?)-----END \1-----", re.S)
_SIGNER_NAME_MAX = 253 + 253 + 63 + 1 + 1


def _request_error(request: bytes) -> str | None:
    """certificates.ParseCSR and CheckSignature's error, or None (Go's ASN.1 errors are not reproduced)."""
    block = _PEM_BLOCK.search(request)
    if block is None or block.group(1) != b"CERTIFICATE REQUEST":
        return "PEM block type must be CERTIFICATE REQUEST"
    try:
        csr = x509.load_der_x509_csr(base64.b64decode(b"".join(block.group(2).split())))
    except (ValueError, binascii.Error) as e:
        return f"asn1: {e}"
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
