"""A CronJob's schedule as kube parses it (robfig/cron/v3's standard parser: five fields or a descriptor), only
to report kube's error for a bad one; aiokube runs no CronJob controller, so nothing is scheduled from it."""

from __future__ import annotations

import re

_INT = re.compile(r"^[+-]?[0-9]+\Z")
_DESCRIPTORS = ("@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly")
_MONTHS = {m: i + 1 for i, m in enumerate("jan feb mar apr may jun jul aug sep oct nov dec".split())}
_DAYS = {d: i for i, d in enumerate("sun mon tue wed thu fri sat".split())}
#: (minimum, maximum, names) of minute, hour, day of month, month, day of week
_BOUNDS: tuple[tuple[int, int, dict[str, int]], ...] = (
    (0, 59, {}),
    (0, 23, {}),
    (1, 31, {}),
    (1, 12, _MONTHS),
    (0, 6, _DAYS),
)
_UNITS = ("ns", "us", "µs", "μs", "ms", "s", "m", "h")
_NUMBER = re.compile(r"[0-9]*(\.[0-9]*)?")


class CronError(ValueError):
    pass


def _must_int(expr: str) -> int:
    if not _INT.match(expr):
        raise CronError(f'failed to parse int from {expr}: strconv.Atoi: parsing "{expr}": invalid syntax')
    number = int(expr)
    if number < 0:
        raise CronError(f"negative number ({number}) not allowed: {expr}")
    return number


def _int_or_name(expr: str, names: dict[str, int]) -> int:
    if names and expr.lower() in names:
        return names[expr.lower()]
    return _must_int(expr)


def _range(expr: str, lo: int, hi: int, names: dict[str, int]) -> None:
    """getRange: ``*``/``?``, ``a``, ``a-b``, each with an optional ``/step``."""
    range_and_step = expr.split("/")
    low_high = range_and_step[0].split("-")
    if low_high[0] in ("*", "?"):
        start, end = lo, hi
    else:
        start = _int_or_name(low_high[0], names)
        if len(low_high) == 1:
            end = start
        elif len(low_high) == 2:
            end = _int_or_name(low_high[1], names)
        else:
            raise CronError(f"too many hyphens: {expr}")
    if len(range_and_step) == 2:
        step = _must_int(range_and_step[1])
        if len(low_high) == 1 and low_high[0] not in ("*", "?"):
            end = hi
    elif len(range_and_step) > 2:
        raise CronError(f"too many slashes: {expr}")
    else:
        step = 1
    if start < lo:
        raise CronError(f"beginning of range ({start}) below minimum ({lo}): {expr}")
    if end > hi:
        raise CronError(f"end of range ({end}) above maximum ({hi}): {expr}")
    if start > end:
        raise CronError(f"beginning of range ({start}) beyond end of range ({end}): {expr}")
    if step == 0:
        raise CronError(f"step of range should be a positive number: {expr}")


def _duration_error(text: str) -> str | None:
    """time.ParseDuration's error for ``text`` (a sequence of decimal numbers, each with a unit)."""
    rest = text.removeprefix("-").removeprefix("+") if text[:1] in "+-" else text
    if rest == "0":
        return None
    if not rest:
        return f'time: invalid duration "{text}"'
    while rest:
        number = _NUMBER.match(rest)
        digits = number.group(0) if number else ""
        if not digits.strip("."):
            return f'time: invalid duration "{text}"'
        rest = rest[len(digits) :]
        unit = re.match(r"[^0-9.]*", rest).group(0)  # type: ignore[union-attr]
        if not unit:
            return f'time: missing unit in duration "{text}"'
        if unit not in _UNITS:
            return f'time: unknown unit "{unit}" in duration "{text}"'
        rest = rest[len(unit) :]
    return None


def parse_error(schedule: str) -> str | None:
    """The error ParseCronScheduleWithPanicRecovery returns for ``schedule``, or None when it parses."""
    spec = schedule.strip()
    if spec.startswith(("TZ=", "CRON_TZ=")):
        parts = spec.split(" ", 1)
        spec = parts[1].strip() if len(parts) > 1 else ""
    if spec.startswith("@"):
        if spec in _DESCRIPTORS:
            return None
        if spec.startswith("@every "):
            error = _duration_error(spec[len("@every ") :])
            return f"failed to parse duration {spec}: {error}" if error else None
        return f"unrecognized descriptor: {spec}"
    fields = spec.split()
    if len(fields) != 5:
        return f"expected exactly 5 fields, found {len(fields)}: [{' '.join(fields)}]"
    try:
        for field, (lo, hi, names) in zip(fields, _BOUNDS, strict=True):
            for expr in field.split(","):
                _range(expr, lo, hi, names)
    except CronError as exc:
        return str(exc)
    return None
