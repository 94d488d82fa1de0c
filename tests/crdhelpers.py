"""Shared helpers of the CRD tests (tests/test_crd_*.py): cause texts and a custom resource checked against
a schema whose ``spec`` has the given properties."""

from __future__ import annotations

from typing import Any

from aiokube.apiserver.apiextensions.customresource import validate
from aiokube.apiserver.errors import Cause

Obj = dict[str, Any]


def texts(causes: list[Cause]) -> list[str]:
    return [c.text() for c in causes]


def one(causes: list[Cause]) -> Cause:
    assert len(causes) == 1, texts(causes)
    return causes[0]


def spec_schema(props: Obj, **extra: Any) -> Obj:
    """A root schema whose spec has ``props``."""
    return {"type": "object", "properties": {"spec": {"type": "object", "properties": props, **extra}}}


def check(props: Obj, spec: Any, **extra: Any) -> list[Cause]:
    return validate({"apiVersion": "example.com/v1", "kind": "Widget", "spec": spec}, spec_schema(props, **extra))
