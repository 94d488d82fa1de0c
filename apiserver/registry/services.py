"""Service cluster IPs and node ports, allocated as kube-apiserver 1.36 allocates them
(pkg/registry/core/service/storage/alloc.go and the IPAddress-based ipallocator, GA in 1.36).

A cluster IP is claimed by creating the IPAddress object named after it (the create is the lock: an
AlreadyExists means taken), pointing at its Service; deleting the Service deletes it. Dynamic IPs come from
the upper part of the range, the lower part (1/16, at least 16 and at most 256 addresses) being kept for
IPs users ask for, as kube's allocator prefers; the first address is the ``kubernetes`` Service's. Node ports
(NodePort and LoadBalancer Services) are not objects in kube either: the ports in use are those of the
Services in the watch cache, plus the ones being allocated right now in this process.
"""

from __future__ import annotations

import contextlib
import ipaddress
import random
from typing import Any

from aiokube.apiserver import errors
from aiokube.apiserver.errors import FieldErrors, GroupKind, StatusError
from aiokube.apiserver.registry.resourceinfo import ResourceInfo

Obj = dict[str, Any]

SERVICE_CIDR = ipaddress.ip_network("10.96.0.0/12")
NODE_PORT_RANGE = (30000, 32767)
IP_LABELS = {"ipaddress.kubernetes.io/ip-family": "IPv4", "ipaddress.kubernetes.io/managed-by": "ipallocator.k8s.io"}
_ATTEMPTS = 32


def _kind() -> GroupKind:
    return GroupKind("", "Service")


def needs_cluster_ip(spec: Obj) -> bool:
    return (spec.get("type") or "ClusterIP") != "ExternalName" and spec.get("clusterIP") != "None"


def needs_node_ports(spec: Obj) -> bool:
    kind = spec.get("type") or "ClusterIP"
    return kind == "NodePort" or (kind == "LoadBalancer" and spec.get("allocateLoadBalancerNodePorts", True))


class ServiceAllocator:
    """Cluster IPs (as IPAddress objects) and node ports for Services; used by the generic store around a
    Service's create, update and delete. ``ip_store``: creates/deletes IPAddress objects on the server's own
    behalf; ``services``: the Services in the watch cache (for the node ports in use)."""

    def __init__(
        self, create_ip: Any, delete_ip: Any, services: Any, cidr: Any = SERVICE_CIDR, get_ip: Any = None
    ) -> None:
        self.create_ip = create_ip
        self.delete_ip = delete_ip
        #: the IPAddress object of an IP, or None (to tell a retried claim of our own from a clash)
        self.get_ip = get_ip
        self.services = services
        self.cidr = cidr
        self._pending_ports: set[int] = set()
        size = cidr.num_addresses
        self._static = min(max(16, size // 16), 256)

    # --- cluster IPs --------------------------------------------------------------------------------------

    def _in_range(self, ip: str) -> bool:
        try:
            addr = ipaddress.ip_address(ip)
        except ValueError:
            return False
        return addr in self.cidr and addr not in (self.cidr.network_address, self.cidr.broadcast_address)

    async def _claim(self, ip: str, svc: Obj, dry_run: bool) -> bool:
        md = svc["metadata"]
        body = {"apiVersion": "networking.k8s.io/v1", "kind": "IPAddress",
                "metadata": {"name": ip, "labels": dict(IP_LABELS)},
                "spec": {"parentRef": {"group": "", "resource": "services", "namespace": md.get("namespace", ""),
                                       "name": md.get("name", "")}}}  # fmt: skip
        try:
            await self.create_ip(body, dry_run)
        except StatusError as exc:
            if exc.code != 409:
                raise
            # taken; by this very Service when its write is retried (a PUT that creates it, a txn conflict)
            held = await self.get_ip(ip) if self.get_ip is not None else None
            return held is not None and (held.get("spec") or {}).get("parentRef") == body["spec"]["parentRef"]
        return True

    async def _cluster_ip(self, svc: Obj, dry_run: bool) -> None:
        spec = svc["spec"]
        wanted = spec.get("clusterIP") or (spec.get("clusterIPs") or [""])[0]
        if wanted:
            if not self._in_range(wanted):
                errs = FieldErrors()
                errs.invalid("spec.clusterIPs[0]", wanted, f"failed to allocate IP {wanted}: provided IP is not in "
                             f"the valid range. The range of valid IPs is {self.cidr}")  # fmt: skip
                raise errors.invalid(_kind(), svc["metadata"].get("name", ""), errs.causes)
            if not await self._claim(wanted, svc, dry_run):
                errs = FieldErrors()
                errs.invalid("spec.clusterIPs", [wanted], f"failed to allocate IP {wanted}: provided IP is already "
                             "allocated")  # fmt: skip
                raise errors.invalid(_kind(), svc["metadata"].get("name", ""), errs.causes)
            ip = wanted
        else:
            base = int(self.cidr.network_address)
            first, last = base + self._static, int(self.cidr.broadcast_address) - 1
            for _ in range(_ATTEMPTS):
                ip = str(ipaddress.ip_address(random.randint(first, last)))
                if await self._claim(ip, svc, dry_run):
                    break
            else:
                raise errors.internal_error("failed to allocate a serviceIP: range is full")
        spec["clusterIP"] = ip
        spec["clusterIPs"] = [ip]

    @staticmethod
    def _families(spec: Obj) -> None:
        if (spec.get("type") or "ClusterIP") == "ExternalName":
            return
        if not spec.get("ipFamilyPolicy"):
            headless_without_selector = spec.get("clusterIP") == "None" and not spec.get("selector")
            spec["ipFamilyPolicy"] = "RequireDualStack" if headless_without_selector else "SingleStack"
        if not spec.get("ipFamilies"):
            spec["ipFamilies"] = ["IPv4"]
        headless_without_selector = spec.get("clusterIP") == "None" and not spec.get("selector")
        if headless_without_selector and len(spec["ipFamilies"]) < 2 and spec["ipFamilyPolicy"] != "SingleStack":
            # no IP to allocate: kube's initIPFamilyFields gives it both families, configured or not
            spec["ipFamilies"] = [*spec["ipFamilies"], "IPv6" if spec["ipFamilies"][0] == "IPv4" else "IPv4"]
        if spec.get("clusterIP") == "None":
            spec["clusterIPs"] = ["None"]

    # --- node ports ---------------------------------------------------------------------------------------

    def _ports_in_use(self, skip: tuple[str, str] | None) -> set[int]:
        used = set(self._pending_ports)
        for entry in self.services():
            md = entry.obj["metadata"]
            if skip is not None and (md.get("namespace"), md.get("name")) == skip:
                continue
            for port in (entry.obj.get("spec") or {}).get("ports") or []:
                if isinstance(port, dict) and port.get("nodePort"):
                    used.add(port["nodePort"])
        return used

    def _node_ports(self, svc: Obj, old: Obj | None) -> list[int]:
        spec = svc["spec"]
        if not needs_node_ports(spec):
            for port in spec.get("ports") or []:
                if isinstance(port, dict):
                    port.pop("nodePort", None)
            return []
        md = svc["metadata"]
        used = self._ports_in_use((md.get("namespace"), md.get("name")) if old is not None else None)
        previous = {(p.get("port"), p.get("protocol", "TCP")): p.get("nodePort")
                    for p in ((old or {}).get("spec") or {}).get("ports") or [] if isinstance(p, dict)}  # fmt: skip
        taken: list[int] = []
        errs = FieldErrors()
        for i, port in enumerate(spec.get("ports") or []):
            if not isinstance(port, dict):
                continue
            wanted = port.get("nodePort") or previous.get((port.get("port"), port.get("protocol", "TCP")))
            if wanted:
                if wanted in used and wanted not in previous.values():
                    errs.invalid(f"spec.ports[{i}].nodePort", wanted, "provided port is already allocated")
                    continue
                if not NODE_PORT_RANGE[0] <= wanted <= NODE_PORT_RANGE[1]:
                    errs.invalid(f"spec.ports[{i}].nodePort", wanted, "provided port is not in the valid range. "
                                 f"The range of valid ports is {NODE_PORT_RANGE[0]}-{NODE_PORT_RANGE[1]}")  # fmt: skip
                    continue
            else:
                free = [p for p in range(NODE_PORT_RANGE[0], NODE_PORT_RANGE[1] + 1) if p not in used]
                if not free:
                    raise errors.internal_error("failed to allocate a nodePort: range is full")
                wanted = random.choice(free)
            port["nodePort"] = wanted
            used.add(wanted)
            taken.append(wanted)
        if errs:
            raise errors.invalid(_kind(), md.get("name", ""), errs.causes)
        self._pending_ports.update(taken)
        return taken

    def done(self, ports: list[int]) -> None:
        """The write that took ``ports`` is over (stored, so the cache will show them, or failed)."""
        self._pending_ports.difference_update(ports)

    # --- the store's hooks --------------------------------------------------------------------------------

    async def allocate(self, svc: Obj, dry_run: bool) -> list[int]:
        """Before a Service is created: its cluster IP (claimed) and node ports (reserved; pass them to
        ``done`` once the write is over). A failed create must ``release`` the Service."""
        spec = svc.setdefault("spec", {})
        if (spec.get("type") or "ClusterIP") == "ExternalName":
            spec.pop("clusterIP", None)
            spec.pop("clusterIPs", None)
        elif needs_cluster_ip(spec):
            await self._cluster_ip(svc, dry_run)
        self._families(spec)
        try:
            return self._node_ports(svc, None)
        except StatusError:
            await self.release(svc, dry_run)
            raise

    def carry_over(self, new: Obj, old: Obj) -> list[int]:
        """On update: the cluster IP and families stay (they may not change), node ports are kept per port
        and allocated for ports or types that now need them."""
        spec, old_spec = new.setdefault("spec", {}), old.get("spec") or {}
        for key in ("clusterIP", "clusterIPs", "ipFamilies", "ipFamilyPolicy"):
            if not spec.get(key) and old_spec.get(key):
                spec[key] = old_spec[key]
        if spec.get("clusterIP") != old_spec.get("clusterIP") and needs_cluster_ip(old_spec):
            errs = FieldErrors()
            errs.invalid("spec.clusterIPs[0]", spec.get("clusterIP", ""), "may not change once set")
            raise errors.invalid(_kind(), new["metadata"].get("name", ""), errs.causes)
        return self._node_ports(new, old)

    async def release(self, svc: Obj, dry_run: bool = False) -> None:
        """After a Service is deleted (or its create failed): its IPAddress objects go."""
        for ip in (svc.get("spec") or {}).get("clusterIPs") or []:
            if ip and ip != "None":
                with contextlib.suppress(StatusError):
                    await self.delete_ip(ip, dry_run)


def is_service(info: ResourceInfo) -> bool:
    return info.builtin and not info.group and info.plural == "services"
