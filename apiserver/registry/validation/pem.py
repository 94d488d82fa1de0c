"""Go's encoding/pem.Decode and the framing crypto/x509.ParseCertificates checks, for kube's validators that
report their errors: a block is found where Go finds one (text between blocks, and a malformed block, are
skipped), headers are kept, and a CERTIFICATE block's DER is split into certificates as Go splits it."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

from cryptography import x509

_BEGIN = b"-----BEGIN "
_END = b"\n-----END "
_DASHES = b"-----"


@dataclass
class Block:
    kind: str
    headers: dict[str, str]
    data: bytes


def _line(data: bytes) -> tuple[bytes, bytes]:
    """getLine: the first line (without its \\r\\n, trailing blanks trimmed) and the rest."""
    i = data.find(b"\n")
    if i < 0:
        return data.rstrip(b" \t"), b""
    end = i - 1 if i > 0 and data[i - 1 : i] == b"\r" else i
    return data[:end].rstrip(b" \t"), data[i + 1 :]


def _block_at(rest: bytes) -> tuple[Block, bytes] | None:
    """The block whose BEGIN line ``rest`` follows, and what comes after it; None when malformed."""
    type_line, rest = _line(rest)
    if not type_line.endswith(_DASHES):
        return None
    kind = type_line[: -len(_DASHES)]
    headers: dict[str, str] = {}
    while True:
        if not rest:
            return None
        line, after = _line(rest)
        key, colon, value = line.partition(b":")
        if not colon:
            break
        headers[key.strip().decode("utf-8", "replace")] = value.strip().decode("utf-8", "replace")
        rest = after
    if not headers and rest.startswith(_END[1:]):
        end, trailer_at = 0, len(_END) - 1
    else:
        end = rest.find(_END)
        trailer_at = end + len(_END)
    if end < 0:
        return None
    trailer = rest[trailer_at:]
    size = len(kind) + len(_DASHES)
    if len(trailer) < size or not trailer[:size].startswith(kind) or not trailer[:size].endswith(_DASHES):
        return None
    if _line(trailer[size:])[0]:
        return None
    encoded = rest[:end].replace(b" ", b"").replace(b"\t", b"").replace(b"\r", b"").replace(b"\n", b"")
    try:
        data = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        return None
    return Block(kind.decode("utf-8", "replace"), headers, data), _line(rest[end + len(_END) - 1 :])[1]


def decode(data: bytes) -> tuple[Block | None, bytes]:
    """pem.Decode: the first block and the bytes after it, or (None, data)."""
    rest = data
    while True:
        if rest.startswith(_BEGIN):
            rest = rest[len(_BEGIN) :]
        else:
            i = rest.find(b"\n" + _BEGIN)
            if i < 0:
                return None, data
            rest = rest[i + 1 + len(_BEGIN) :]
        found = _block_at(rest)
        if found is not None:
            return found


def _element_end(der: bytes, start: int) -> int | None:
    """The end of the DER SEQUENCE element at ``start`` (cryptobyte's ReadASN1Element: minimal lengths only)."""
    if start + 2 > len(der) or der[start] != 0x30:
        return None
    first = der[start + 1]
    if first < 0x80:
        length, body = first, start + 2
    else:
        count = first & 0x7F
        if count == 0 or count > 4 or start + 2 + count > len(der):
            return None
        length = int.from_bytes(der[start + 2 : start + 2 + count], "big")
        if length < 0x80 or der[start + 2] == 0:
            return None
        body = start + 2 + count
    end = body + length
    return end if end <= len(der) else None


def certificates_error(der: bytes) -> tuple[int, str | None]:
    """x509.ParseCertificates: how many certificates ``der`` holds, or the error (past the framing Go's
    messages name the part that did not parse; here every such failure reads as a malformed certificate)."""
    count, pos = 0, 0
    while pos < len(der):
        end = _element_end(der, pos)
        if end is None:
            return count, "x509: malformed certificate"
        inner = pos + 2 if der[pos + 1] < 0x80 else pos + 2 + (der[pos + 1] & 0x7F)
        if _element_end(der, inner) is None:
            return count, "x509: malformed tbs certificate"
        try:
            x509.load_der_x509_certificate(der[pos:end])
        except ValueError:
            return count, "x509: malformed certificate"
        count, pos = count + 1, end
    return count, None
