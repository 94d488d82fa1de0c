"""kube's ``--token-auth-file``: a CSV of ``token,user,uid[,"group1,group2"]`` read by Go's encoding/csv
(RFC 4180: no comment lines, no header, blank lines skipped, quotes only around whole fields), and the
static token authenticator over it.

The CSV reader below follows Go's ``csv.Reader`` (FieldsPerRecord -1, no LazyQuotes, no TrimLeadingSpace)
rather than Python's csv module, because the two disagree on malformed input and kube's errors quote Go's:
``parse error on line 3, column 7: bare " in non-quoted-field``. Columns are Go's 1-based byte positions.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator, Mapping, Sequence

from aiokube.apiserver.authentication.authenticator import Verified
from aiokube.apiserver.authorization.attributes import UserInfo

log = logging.getLogger(__name__)

ERR_BARE_QUOTE = 'bare " in non-quoted-field'
ERR_QUOTE = 'extraneous or missing " in quoted-field'


class TokenFileError(ValueError):
    """The token file cannot be used; the text is kube's (or Go's csv package's) wording."""


class CSVParseError(TokenFileError):
    """csv.ParseError: where the record started, where the error is, and which error."""

    def __init__(self, start_line: int, line: int, column: int, err: str) -> None:
        self.start_line, self.line, self.column, self.err = start_line, line, column, err
        if start_line != line:
            text = f"record on line {start_line}; parse error on line {line}, column {column}: {err}"
        else:
            text = f"parse error on line {line}, column {column}: {err}"
        super().__init__(text)


def _nl(line: bytes) -> int:
    return 1 if line.endswith(b"\n") else 0


class _GoCSV:
    """encoding/csv's Reader.readRecord over bytes held in memory."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0
        self.num_line = 0

    def read_line(self) -> bytes | None:
        """readLine: the next line with its ``\\n`` (``\\r\\n`` normalised, a final ``\\r`` dropped), or None
        at the end (Go counts that read as a line too)."""
        self.num_line += 1
        if self.pos >= len(self.data):
            return None
        end = self.data.find(b"\n", self.pos)
        if end < 0:
            line, self.pos = self.data[self.pos :], len(self.data)
            if line.endswith(b"\r"):
                line = line[:-1]
        else:
            line, self.pos = self.data[self.pos : end + 1], end + 1
        if line.endswith(b"\r\n"):
            line = line[:-2] + b"\n"
        return line

    def records(self) -> Iterator[list[bytes]]:
        while True:
            line = self.read_line()
            while line is not None and len(line) == _nl(line):  # blank lines are skipped
                line = self.read_line()
            if line is None:
                return
            yield self._record(line)

    def _record(self, line: bytes) -> list[bytes]:
        start = self.num_line
        fields: list[bytes] = []
        col = 1
        while True:
            if not line or line[0] != 0x22:  # an unquoted field
                comma = line.find(b",")
                field = line[:comma] if comma >= 0 else line[: len(line) - _nl(line)]
                quote = field.find(b'"')
                if quote >= 0:
                    raise CSVParseError(start, self.num_line, col + quote, ERR_BARE_QUOTE)
                fields.append(field)
                if comma < 0:
                    return fields
                line, col = line[comma + 1 :], col + comma + 1
                continue
            field, line, col, more = self._quoted(line, col, start)
            fields.append(field)
            if not more:
                return fields

    def _quoted(self, line: bytes, col: int, start: int) -> tuple[bytes, bytes, int, bool]:
        """A quoted field from its opening quote: (value, rest of line, column, another field follows)."""
        buf = bytearray()
        line, col = line[1:], col + 1
        line_no = self.num_line
        while True:
            quote = line.find(b'"')
            if quote >= 0:
                buf += line[:quote]
                line, col = line[quote + 1 :], col + quote + 1
                nxt = line[:1]
                if nxt == b'"':  # "" is one quote
                    buf += b'"'
                    line, col = line[1:], col + 1
                elif nxt == b",":
                    return bytes(buf), line[1:], col + 1, True
                elif len(line) == _nl(line):
                    return bytes(buf), line, col, False
                else:
                    raise CSVParseError(start, self.num_line, col - 1, ERR_QUOTE)
            elif line:  # the field goes on on the next line
                buf += line
                col += len(line)
                nxt_line = self.read_line()
                line = nxt_line or b""
                if line:
                    line_no, col = line_no + 1, 1
            else:  # the file ended inside the quotes
                raise CSVParseError(start, line_no, col, ERR_QUOTE)


def read_csv(data: bytes) -> Iterator[list[str]]:
    """Records of a CSV document as Go's encoding/csv reads them (fields decoded as UTF-8)."""
    for record in _GoCSV(data).records():
        yield [f.decode("utf-8", "replace") for f in record]


def parse_token_file(path: str | os.PathLike[str]) -> dict[str, UserInfo]:
    """tokenfile.NewCSV: token → user (name, uid, and the fourth column split on commas as groups).

    At least three columns per record; an empty token is skipped and a repeated one overrides the earlier,
    both with kube's warnings (record numbers count the records read, blank lines not included)."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        reason = e.strerror or str(e)
        raise TokenFileError(f"open {os.fspath(path)}: {reason[:1].lower()}{reason[1:]}") from e
    tokens: dict[str, UserInfo] = {}
    for number, record in enumerate(read_csv(data), start=1):
        if len(record) < 3:
            raise TokenFileError(
                f"token file '{os.fspath(path)}' must have at least 3 columns (token, user name, user uid), "
                f"found {len(record)}"
            )
        token = record[0]
        if not token:
            log.warning("empty token has been found in token file '%s', record number '%d'", path, number)
            continue
        if token in tokens:
            log.warning("duplicate token has been found in token file '%s', record number '%d'", path, number)
        groups = tuple(record[3].split(",")) if len(record) >= 4 else ()
        tokens[token] = UserInfo(record[1], record[2], groups)
    return tokens


class StaticTokenAuthenticator:
    """The token file's authenticator, wrapped as kube wraps it (WrapAudienceAgnosticToken): a token is good
    for the API server's audiences only, so a TokenReview for other audiences does not recognise it."""

    def __init__(self, tokens: Mapping[str, UserInfo], api_audiences: Sequence[str] = ()) -> None:
        self.tokens = dict(tokens)
        self.api_audiences = tuple(api_audiences)

    @classmethod
    def from_file(cls, path: str | os.PathLike[str], api_audiences: Sequence[str] = ()) -> StaticTokenAuthenticator:
        return cls(parse_token_file(path), api_audiences)

    def verify(self, token: str, audiences: Sequence[str] | None) -> Verified | None:
        if audiences is None:
            matched = self.api_audiences
        else:
            matched = tuple(a for a in self.api_audiences for b in audiences if a == b)
            if not matched:
                return None
        user = self.tokens.get(token)
        if user is None:
            return None
        return Verified(matched, float("inf"), user)

    def resolve(self, verified: Verified) -> UserInfo:
        user: UserInfo = verified.claims
        return user
