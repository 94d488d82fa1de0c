"""resource.Quantity (k8s.io/apimachinery/pkg/api/resource): parsing, canonical form, RoundUp, Add, Cmp.

One parser for defaulting (canonical quantities), admission and the printers."""

from __future__ import annotations

import functools
import re
from typing import Any, NamedTuple

_MAX_INT64 = 2**63 - 1


DECIMAL_SI, BINARY_SI, DECIMAL_EXPONENT = "DecimalSI", "BinarySI", "DecimalExponent"
_DEC_SUFFIXES = {"": 0, "n": -9, "u": -6, "m": -3, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18}
_BIN_SUFFIXES = {"Ki": 10, "Mi": 20, "Gi": 30, "Ti": 40, "Pi": 50, "Ei": 60}
_DEC_BY_EXP = {e: s for s, e in _DEC_SUFFIXES.items()}
_BIN_BY_EXP = {e: s for s, e in _BIN_SUFFIXES.items()}
_SUFFIX_CHARS = frozenset("eEinumkKMGTP")
_DIGITS = frozenset("0123456789")
_EXP_DIGITS = re.compile(r"[+-]?[0-9]+")
#: Exponents and digit counts beyond these are left as written (Go would do unbounded big-number work).
_MAX_EXPONENT = 1000
_MAX_DIGITS = 1000


class Quantity(NamedTuple):
    """A resource.Quantity: value = unscaled * 10**scale, in ``format`` (DecimalSI, BinarySI, DecimalExponent).

    Immutable; built by :func:`parse_quantity` (the one parser, used by defaulting, admission and the
    printers). ``text`` is the string Go keeps when the input was already canonical, so ``str(q)`` is
    Quantity.String(): that text, else :meth:`canonical`. Arithmetic (:meth:`add`, :meth:`round_up`) drops it.
    """

    unscaled: int
    scale: int
    format: str
    text: str | None = None

    def __str__(self) -> str:
        return self.text or self.canonical()

    def aligned(self, other: Quantity) -> tuple[int, int]:
        scale = min(self.scale, other.scale)
        return self.unscaled * 10 ** (self.scale - scale), other.unscaled * 10 ** (other.scale - scale)

    def add(self, other: Quantity) -> Quantity:
        """Quantity.Add: the receiver's format wins unless it is zero; the cached string is dropped."""
        a, b = self.aligned(other)
        fmt = other.format if self.unscaled == 0 else self.format
        return Quantity(a + b, min(self.scale, other.scale), fmt)

    def cmp(self, other: Quantity) -> int:
        a, b = self.aligned(other)
        return (a > b) - (a < b)

    def round_up(self, scale: int) -> Quantity:
        """Quantity.RoundUp: away from zero; a value already at that precision keeps its string."""
        if self.scale >= scale:
            return self
        step = 10 ** (scale - self.scale)
        magnitude = -(-abs(self.unscaled) // step)
        return Quantity(magnitude if self.unscaled >= 0 else -magnitude, scale, self.format)

    def canonical(self) -> str:
        """Quantity.CanonicalizeBytes."""
        if self.unscaled == 0:
            return "0"
        fmt = self.format
        integer: int | None = None
        if fmt == BINARY_SI:
            if self.scale >= 0:
                integer = self.unscaled * 10**self.scale
            elif self.unscaled % 10**-self.scale == 0:
                integer = self.unscaled // 10**-self.scale
            if integer is None or -1024 < integer < 1024:
                fmt = DECIMAL_SI
        if fmt == BINARY_SI:
            assert integer is not None
            mantissa, power = abs(integer), 0
            while mantissa % 1024 == 0:
                mantissa //= 1024
                power += 1
            sign = "-" if integer < 0 else ""
            return f"{sign}{mantissa}{_BIN_BY_EXP.get(power * 10, '')}"
        mantissa, exponent = abs(self.unscaled), self.scale
        while mantissa % 10 == 0:
            mantissa //= 10
            exponent += 1
        while exponent % 3:
            mantissa *= 10
            exponent -= 1
        sign = "-" if self.unscaled < 0 else ""
        if fmt == DECIMAL_SI:
            suffix = _DEC_BY_EXP.get(exponent, "")
        else:
            suffix = f"e{exponent}" if exponent else ""
        return f"{sign}{mantissa}{suffix}"


def _split_quantity(text: str) -> tuple[bool, str, str, str] | None:
    """parseQuantityString: (positive, numerator, denominator, suffix), leading zeros stripped."""
    positive, pos, end = True, 0, len(text)
    if pos < end and text[0] in "+-":
        positive = text[0] == "+"
        pos = 1
    while pos < end and text[pos] == "0":
        pos += 1
    if pos >= end:
        return positive, "0", "", ""
    start = pos
    while pos < end and text[pos] in _DIGITS:
        pos += 1
    num = text[start:pos] or "0"
    denom = ""
    if pos < end and text[pos] == ".":
        pos += 1
        start = pos
        while pos < end and text[pos] in _DIGITS:
            pos += 1
        denom = text[start:pos]
    suffix_start = pos
    while pos < end and text[pos] in _SUFFIX_CHARS:
        pos += 1
    if pos < end and text[pos] in "+-":
        pos += 1
    while pos < end and text[pos] in _DIGITS:
        pos += 1
    if pos < end:
        return None
    return positive, num, denom, text[suffix_start:]


def _interpret_suffix(suffix: str) -> tuple[int, int, str] | None:
    if suffix in _DEC_SUFFIXES:
        return 10, _DEC_SUFFIXES[suffix], DECIMAL_SI
    if suffix in _BIN_SUFFIXES:
        return 2, _BIN_SUFFIXES[suffix], BINARY_SI
    if len(suffix) > 1 and suffix[0] in "eE" and _EXP_DIGITS.fullmatch(suffix[1:]):
        parsed = int(suffix[1:])
        if abs(parsed) > _MAX_INT64:
            return None
        return 10, (parsed + 2**31) % 2**32 - 2**31, DECIMAL_EXPONENT  # Go's int32() wraps
    return None


def parse_quantity(value: Any) -> Quantity | None:
    """resource.ParseQuantity (after Quantity.UnmarshalJSON's trim); None when Go would reject it."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        return None
    text = str(value).strip()
    if not text:
        return None
    if text == "0":
        return Quantity(0, 0, DECIMAL_SI, "0")
    split = _split_quantity(text)
    if split is None:
        return None
    positive, num, denom, suffix = split
    if len(num) + len(denom) > _MAX_DIGITS:
        return None
    interpreted = _interpret_suffix(suffix)
    if interpreted is None:
        return None
    base, exponent, fmt = interpreted
    if abs(exponent) > _MAX_EXPONENT:
        return None
    # the int64 fast path, which keeps the input string when it is already canonical
    mantissa, scale = 1, 0
    if fmt == BINARY_SI:
        precision = 15 - len(num) - int(exponent * 3 / 10) - 1 if exponent >= 0 and not denom else -1
        mantissa = 1 << exponent if precision >= 0 else 1
    else:
        scale = exponent
        precision = 18 - (len(num) + len(denom))
    if precision >= 0:
        scale -= len(denom)
        if scale >= -9:
            shifted = num + denom
            digits = int(shifted)
            result = digits * mantissa
            if result <= _MAX_INT64:
                if fmt == BINARY_SI:
                    keep = exponent % 10 == 0 and digits & 7 != 0
                else:
                    keep = scale % 3 == 0 and not shifted.endswith("000") and shifted[0] != "0"
                return Quantity(result if positive else -result, scale, fmt, text if keep else None)
    # the arbitrary-precision path: rounded up to nano, BinarySI capped at MaxInt64
    unscaled, scale = int(num + denom), -len(denom)
    if base == 10:
        scale += exponent
    else:
        unscaled <<= exponent
    if unscaled and scale < -9:
        shift = -9 - scale
        unscaled = 1 if shift > len(str(unscaled)) else -(-unscaled // 10**shift)
        scale = -9
    if fmt == BINARY_SI:
        if scale >= 0 and unscaled * 10**scale > _MAX_INT64:
            unscaled, scale = _MAX_INT64, 0
        elif scale < 0 and unscaled > _MAX_INT64 * 10**-scale:
            unscaled, scale = _MAX_INT64, 0
        if unscaled and scale < 0 and unscaled < 10**-scale:
            fmt = DECIMAL_SI
    return Quantity(unscaled if positive else -unscaled, scale, fmt)


def canonical_quantity(value: Any) -> Any:
    """What kube stores for a ResourceList entry: SetDefaults_ResourceList's RoundUp to milli, then the
    canonical text (``"0.5"`` -> ``"500m"``, ``"1024Mi"`` -> ``"1Gi"``). Unparsable values are returned
    unchanged for validation to report."""
    if value.__class__ is str:
        return _canonical_text(value)
    q = parse_quantity(value)
    return value if q is None else str(q.round_up(-3))


@functools.lru_cache(maxsize=4096)
def _canonical_text(value: str) -> str:
    """canonical_quantity of a string, remembered: the same few quantities recur ("100m", "128Mi"), and
    parsing one was a quarter of a pod's defaulting."""
    q = parse_quantity(value)
    return value if q is None else str(q.round_up(-3))
