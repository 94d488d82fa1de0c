"""(c) orjson vs the standard library's json for aiokube's object shapes (encode and decode)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import orjson

from .common import pod, report
from .fanout_cache import endpoints


def _per_call(fn: Callable[[], Any], budget: float = 0.5) -> float:
    n = 0
    start = time.perf_counter()
    while time.perf_counter() - start < budget:
        fn()
        n += 1
    return (time.perf_counter() - start) / n * 1e6


def main() -> None:
    shapes = {
        "Pod (2 KB)": pod("default", "web-1"),
        "Endpoints (1 MB, 5,000 addresses)": endpoints("big", 1),
        "PodList (500 pods)": {
            "kind": "PodList",
            "apiVersion": "v1",
            "metadata": {"resourceVersion": "1"},
            "items": [pod("default", f"p{i}") for i in range(500)],
        },
    }
    for name, obj in shapes.items():
        raw = orjson.dumps(obj)
        fast = _per_call(lambda obj=obj: orjson.dumps(obj))
        slow = _per_call(lambda obj=obj: json.dumps(obj, separators=(",", ":")).encode())
        report(f"[encode c] encode {name}, orjson vs json", fast, slow, "us")
        fast = _per_call(lambda raw=raw: orjson.loads(raw))
        slow = _per_call(lambda raw=raw: json.loads(raw))
        report(f"[encode c] decode {name}, orjson vs json", fast, slow, "us")


if __name__ == "__main__":
    main()
