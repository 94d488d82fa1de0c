"""kube's certificate admission plugins (plugin/pkg/admission/certificates), default-on in 1.36, free of I/O: the
caller asks its authorizer about the attributes these name.

- CertificateApproval: a write through ``certificatesigningrequests/approval`` needs ``approve`` on the synthetic
  ``signers`` resource (certificates.k8s.io) named after the stored CSR's signerName, or after its domain
  (``example.com/*``);
- CertificateSigning: a write through ``status`` that changes the certificate or the conditions needs ``sign``
  there alike;
- CertificateSubjectRestriction: a CSR for ``kubernetes.io/kube-apiserver-client`` may not ask for the
  ``system:masters`` group (an organization of its subject).
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import Any

from cryptography import x509

from aiokube.apiserver.authorization.attributes import Attributes, UserInfo

Obj = dict[str, Any]

KUBE_APISERVER_CLIENT = "kubernetes.io/kube-apiserver-client"
GROUP = "certificates.k8s.io"
_PEM_BLOCK = re.compile(rb"-----BEGIN ([^\n-]*)-----\r?\n(.*?)-----END \1-----", re.S)


def parse_request(request: bytes) -> x509.CertificateSigningRequest | str:
    """certificates.ParseCSR: the first PEM block as a CERTIFICATE REQUEST, or the error's text (Go's ASN.1
    texts are not reproduced)."""
    block = _PEM_BLOCK.search(request)
    if block is None or block.group(1) != b"CERTIFICATE REQUEST":
        return "PEM block type must be CERTIFICATE REQUEST"
    try:
        return x509.load_der_x509_csr(base64.b64decode(b"".join(block.group(2).split())))
    except (ValueError, binascii.Error) as e:
        return f"asn1: {e}"


def signer_checks(user: UserInfo, verb: str, signer_name: str) -> tuple[Attributes, Attributes]:
    """IsAuthorizedForSignerName's two questions, either allowed being enough: ``verb`` on the signer, then on
    every signer of its domain."""

    def on(name: str) -> Attributes:
        return Attributes(user=user, verb=verb, resource_request=True, api_group=GROUP, api_version="*",
                          resource="signers", name=name)  # fmt: skip

    return on(signer_name), on(signer_name.split("/")[0] + "/*")


def approval_verb(subresource: str, new: Obj, old: Obj) -> str:
    """What a CSR's update needs on its signer: "approve" through approval, "sign" through status when the
    certificate or the conditions change, "" for nothing."""
    if subresource == "approval":
        return "approve"
    if subresource != "status":
        return ""
    new_status, old_status = new.get("status") or {}, old.get("status") or {}
    same = (new_status.get("certificate") or "") == (old_status.get("certificate") or "") and (
        new_status.get("conditions") or []
    ) == (old_status.get("conditions") or [])
    return "" if same else "sign"


def forbidden_signer_text(verb: str, signer_name: str) -> str:
    return f'user not permitted to {verb} requests with signerName "{signer_name}"'


def subject_restriction_error(csr: Obj) -> str | None:
    """CertificateSubjectRestriction's refusal of a CSR being created, or None."""
    spec = csr.get("spec") or {}
    if spec.get("signerName") != KUBE_APISERVER_CLIENT:
        return None
    try:
        request = base64.b64decode(spec.get("request") or "")
    except (ValueError, binascii.Error):
        request = b""
    parsed = parse_request(request)
    if isinstance(parsed, str):
        return f"failed to parse CSR: {parsed}"
    organizations = parsed.subject.get_attributes_for_oid(x509.NameOID.ORGANIZATION_NAME)
    if any(o.value == "system:masters" for o in organizations):
        return f"use of {KUBE_APISERVER_CLIENT} signer with system:masters group is not allowed"
    return None
