"""Whether a serialized value is too heavy to work on in the event loop.

Every stage that touches a value walks it in Python (decoding, field ownership, validation, encoding), so the
loop keeps only values that are both small and shallow; the rest go to a worker thread, where the loop gets the
GIL back every switch interval. Two measures, both at C speed over the bytes:

- the size, past a per-format inline limit (JSON: 256 KiB, parsed by orjson in ~1 ms; the apiserver keeps
  smaller limits for YAML and protobuf, which are decoded in Python);
- the brackets: each opens a JSON value walked by each stage (a 9,990-level custom resource of 60 KB: ~300 ms a
  PUT, ~90 ms of it on the loop before it was counted), whereas a 2 KB pod has ~40.
"""

from __future__ import annotations

#: JSON bodies and stored values up to this size are read on the loop (orjson: ~1 ms)
INLINE_JSON_BYTES = 256 * 1024
#: brackets past which a small value is heavy all the same
HEAVY_BRACKETS = 1000


def is_heavy(data: bytes, inline: int = INLINE_JSON_BYTES) -> bool:
    """Past ``inline`` bytes, or more than :data:`HEAVY_BRACKETS` ``{`` and ``[``. A value too short to hold
    that many brackets (each opens a value of two bytes at least) is not counted: a pod's body costs 0.4 us
    instead of 1.2 (bench/results/session9_changes)."""
    size = len(data)
    if size > inline:
        return True
    return size > 2 * HEAVY_BRACKETS and data.count(b"{") + data.count(b"[") > HEAVY_BRACKETS
