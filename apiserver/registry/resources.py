"""The registry of resources aiokube serves, looked up by URL and by body; it starts from kube 1.36's
built-in resources (registry/builtin.py) and gains custom resources as CRDs are established."""

from __future__ import annotations

from collections.abc import Iterator

from aiokube.apiserver.registry.builtin import builtin_resources
from aiokube.apiserver.registry.resourceinfo import (
    ALL_VERBS,
    STATUS_VERBS,
    CustomSpec,
    ResourceInfo,
    Subresource,
)

__all__ = ["ALL_VERBS", "STATUS_VERBS", "CustomSpec", "Registry", "ResourceInfo", "Subresource"]


class Registry:
    """Lookup of served resources by URL (group, version, plural) and by body (apiVersion, kind)."""

    def __init__(self, resources: list[ResourceInfo] | None = None) -> None:
        self._by_path: dict[tuple[str, str, str], ResourceInfo] = {}
        self._by_kind: dict[tuple[str, str], ResourceInfo] = {}
        #: storage (group, version, plural) -> the versions served over it by conversion (storage excluded)
        self._converted: dict[tuple[str, str, str], list[ResourceInfo]] = {}
        #: bumped on every change, so discovery/OpenAPI caches know when to rebuild
        self.generation = 0
        self._group_version_set: tuple[int, frozenset[tuple[str, str]]] = (-1, frozenset())
        for info in resources if resources is not None else builtin_resources():
            self.add(info)

    def add(self, info: ResourceInfo) -> None:
        self._by_path[(info.group, info.version, info.plural)] = info
        self._by_kind[(info.api_version, info.kind)] = info
        if info.conversion is not None:
            self._converted.setdefault(_path(info.stored_as), []).append(info)
        self.generation += 1

    def remove(self, info: ResourceInfo) -> None:
        self._by_path.pop((info.group, info.version, info.plural), None)
        self._by_kind.pop((info.api_version, info.kind), None)
        if info.conversion is not None:
            self._converted.get(_path(info.stored_as), []).remove(info)
        self.generation += 1

    def other_versions(self, info: ResourceInfo) -> dict[str, ResourceInfo]:
        """The versions served over ``info``'s storage, by apiVersion (storage included); {} when it has one."""
        st = info.stored_as
        converted = self._converted.get(_path(st))
        if not converted:
            return {}
        return {i.api_version: i for i in (st, *converted)}

    def get(self, group: str, version: str, plural: str) -> ResourceInfo | None:
        return self._by_path.get((group, version, plural))

    def by_kind(self, api_version: str, kind: str) -> ResourceInfo | None:
        return self._by_kind.get((api_version, kind))

    def __iter__(self) -> Iterator[ResourceInfo]:
        return iter(self._by_path.values())

    def group_versions(self) -> dict[str, list[str]]:
        """Served groups (in registration order) and their versions; "" is the core group."""
        out: dict[str, list[str]] = {}
        for info in self._by_path.values():
            versions = out.setdefault(info.group, [])
            if info.version not in versions:
                versions.append(info.version)
        return out

    def has_group_version(self, group: str, version: str) -> bool:
        """Asked on every request: a set rebuilt when the registry changes (a scan of ~100 resources was
        ~1.5% of a pod create's CPU)."""
        generation, served = self._group_version_set
        if generation != self.generation:
            served = frozenset((i.group, i.version) for i in self._by_path.values())
            self._group_version_set = (self.generation, served)
        return (group, version) in served

    def has_group(self, group: str) -> bool:
        return any(i.group == group for i in self._by_path.values())

    def resources_in(self, group: str, version: str) -> list[ResourceInfo]:
        return [i for i in self._by_path.values() if i.group == group and i.version == version]


def _path(info: ResourceInfo) -> tuple[str, str, str]:
    return (info.group, info.version, info.plural)
