"""Helpers shared by the benchmarks: synthetic objects and one-line reports."""

from __future__ import annotations

import sys
from typing import Any


def use_uvloop() -> None:
    """Run on uvloop, as ``aiokube serve`` does (its ``writelines`` hands buffers to the kernel uncopied)."""
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass


def report(name: str, on: float, off: float, unit: str, better: str = "lower") -> None:
    """One line per figure: the value with the optimization on, off, and the ratio off/on."""
    ratio = off / on if on else float("inf")
    print(f"{name}: on={on:,.1f} {unit}  off={off:,.1f} {unit}  ratio(off/on)={ratio:,.1f}x  ({better} is better)")
    sys.stdout.flush()


def pod(ns: str, name: str, labels: dict[str, str] | None = None, node: str = "") -> dict[str, Any]:
    """A realistic ~2 KB pod, as stored in etcd."""
    return {
        "kind": "Pod",
        "apiVersion": "v1",
        "metadata": {
            "name": name,
            "namespace": ns,
            "uid": f"00000000-0000-4000-8000-{abs(hash(name)) % 10**12:012d}",
            "creationTimestamp": "2026-11-23T00:00:00Z",
            "labels": labels or {"app": "web", "tier": "frontend"},
            "annotations": {"kubernetes.io/config.seen": "2026-11-23T00:00:00Z"},
        },
        "spec": {
            "nodeName": node,
            "containers": [
                {
                    "name": "app",
                    "image": "registry.example.com/team/app:1.2.3",
                    "args": ["--port=8080", "--log-level=info"],
                    "ports": [{"containerPort": 8080, "protocol": "TCP"}],
                    "env": [{"name": f"VAR_{i}", "value": f"value-{i}"} for i in range(8)],
                    "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}},
                    "volumeMounts": [{"name": "data", "mountPath": "/data"}],
                }
            ],
            "volumes": [{"name": "data", "emptyDir": {}}],
            "restartPolicy": "Always",
            "dnsPolicy": "ClusterFirst",
            "schedulerName": "default-scheduler",
        },
        "status": {"phase": "Running", "podIP": "10.0.0.1", "qosClass": "Burstable"},
    }
