"""What secure serving costs per request: server CPU per GET of a ConfigMap over the plain-HTTP port (no
authentication, no authorization) against the HTTPS port as the admin (client certificate, ``system:masters``
allowed before RBAC), as a ServiceAccount token holder authorized by RBAC (a RoleBinding to ``view``) and as a
static token user authorized by RBAC, on one ``aiokube serve --workers 1`` driven by this process over
keep-alive connections (TLS handshakes are paid once per connection, not per request).

Writes ``bench/out/secure_requests.json`` and ``.png`` (``--out bench/results/secure_requests`` for the committed
figure). Usage:
``python -m bench.secure_requests [--count 4000] [--concurrency 16] [--out PATH]``
"""

from __future__ import annotations

import argparse
import asyncio
import ssl
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp

from .common import OUT, cpu_seconds, report, use_uvloop, write_results

TOKENS = 'bench-token,tess,2001,"readers"\n'


async def _start(data_dir: Path) -> tuple[asyncio.subprocess.Process, str, str]:
    tokens = data_dir / "tokens.csv"
    tokens.write_text(TOKENS)
    proc = await asyncio.create_subprocess_exec(
        str(Path(sys.executable).with_name("aiokube")), "serve", "--workers", "1", "--port", "0", "--secure-port", "0",
        "--data-dir", str(data_dir / "data"), "--token-auth-file", str(tokens), "--log-level", "warning",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    assert proc.stdout is not None
    line = (await asyncio.wait_for(proc.stdout.readline(), 60)).decode()
    if "serving on " not in line:
        raise RuntimeError(f"aiokube did not start: {line!r}")
    parts = line.split("serving on ", 1)[1].split()
    return proc, parts[0], parts[2]


def _ssl(data: Path, client: bool) -> ssl.SSLContext:
    pki = data / "pki"
    ctx = ssl.create_default_context(cafile=str(pki / "ca.crt"))
    if client:
        ctx.load_cert_chain(pki / "admin.crt", pki / "admin.key")
    return ctx


async def _measure(pid: int, session: aiohttp.ClientSession, url: str, count: int, conc: int) -> dict[str, float]:
    sem = asyncio.Semaphore(conc)

    async def get(_: int) -> None:
        async with sem, session.get(url) as resp:
            await resp.read()
            assert resp.status == 200, resp.status

    await asyncio.gather(*(get(i) for i in range(conc * 4)))  # connections (and TLS handshakes) made
    c0, t0 = cpu_seconds(pid), time.perf_counter()
    await asyncio.gather(*(get(i) for i in range(count)))
    return {"cpu_us": (cpu_seconds(pid) - c0) * 1e6 / count, "rps": count / (time.perf_counter() - t0)}


async def run(count: int, conc: int) -> dict[str, dict[str, float]]:
    with tempfile.TemporaryDirectory(prefix="aiokube-bench-secure-") as tmp:
        root = Path(tmp)
        proc, plain, secure = await _start(root)
        data = root / "data"
        out: dict[str, dict[str, float]] = {}
        try:
            path = "/api/v1/namespaces/default/configmaps/probe"
            async with aiohttp.ClientSession() as s:
                async with s.post(f"{plain}/api/v1/namespaces/default/configmaps",
                                  json={"metadata": {"name": "probe"}, "data": {"a": "b"}}) as r:  # fmt: skip
                    assert r.status == 201
                rbac = "rbac.authorization.k8s.io"
                subjects = [{"kind": "Group", "name": "readers", "apiGroup": rbac},
                            {"kind": "ServiceAccount", "name": "default", "namespace": "default"}]  # fmt: skip
                binding = {"metadata": {"name": "readers"}, "subjects": subjects,
                           "roleRef": {"apiGroup": rbac, "kind": "ClusterRole", "name": "view"}}  # fmt: skip
                async with s.post(f"{plain}/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings",
                                  json=binding) as r:  # fmt: skip
                    assert r.status == 201, await r.text()
                await asyncio.sleep(1.0)  # the default ServiceAccount, and the binding in the RBAC cache
                async with s.post(f"{plain}/api/v1/namespaces/default/serviceaccounts/default/token",
                                  json={"spec": {}}) as r:  # fmt: skip
                    sa_token = (await r.json())["status"]["token"]
            cases: list[tuple[str, str, ssl.SSLContext | bool, dict[str, str]]] = [
                ("plain HTTP (no authn/authz)", plain, False, {}),
                ("HTTPS, admin client cert", secure, _ssl(data, True), {}),
                ("HTTPS, ServiceAccount token + RBAC", secure, _ssl(data, False),
                 {"Authorization": f"Bearer {sa_token}"}),
                ("HTTPS, static token + RBAC", secure, _ssl(data, False), {"Authorization": "Bearer bench-token"}),
            ]
            for _round in range(2):  # the least-CPU of two rounds, interleaved: the machine's speed drifts
                for name, base, ctx, headers in cases:
                    connector = aiohttp.TCPConnector(ssl=ctx, limit=conc)
                    async with aiohttp.ClientSession(connector=connector, headers=headers) as s:
                        figures = await _measure(proc.pid, s, base + path, count, conc)
                    if name not in out or figures["cpu_us"] < out[name]["cpu_us"]:
                        out[name] = figures
            for name, f in out.items():
                print(f"  {name}: {f['cpu_us']:.0f} µs server CPU per GET ({f['rps']:.0f} req/s)", flush=True)
        finally:
            proc.terminate()
            await proc.wait()
    return out


def plot(results: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(results["cases"])
    values = [results["cases"][n]["cpu_us"] for n in names]
    fig, ax = plt.subplots(figsize=(9, 3.8))
    ax.barh(names, values, color=["tab:gray"] + ["tab:blue"] * (len(names) - 1))
    for y, v in enumerate(values):
        ax.text(v, y, f" {v:.0f} µs ({v / values[0]:.2f}x)", va="center", fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("aiokube CPU per GET (µs)")
    ax.set_title(f"secure serving, GET a ConfigMap, concurrency {results['concurrency']} "
                 f"({results['machine']}, {results['date']})", fontsize=9)  # fmt: skip
    ax.grid(True, axis="x", alpha=0.3)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=90)
    plt.close(fig)


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m bench.secure_requests", description=__doc__.split("\n\n")[0])
    p.add_argument("--count", type=int, default=4000)
    p.add_argument("--concurrency", type=int, default=16)
    p.add_argument("--out", default=str(OUT / "secure_requests"),
                   help="results path without suffix ('' for none; bench/results/... to commit)")  # fmt: skip
    args = p.parse_args(argv)
    use_uvloop()
    print(f"[secure_requests] {args.count} GETs per identity at concurrency {args.concurrency}", flush=True)
    cases = asyncio.run(run(args.count, args.concurrency))
    plain = cases["plain HTTP (no authn/authz)"]["cpu_us"]
    for name, f in cases.items():
        if not name.startswith("plain"):
            report(f"CPU per GET, {name} vs plain", f["cpu_us"], plain, "µs")
    if args.out:
        results = {"cases": cases, "on": {}, "off": {}, "count": args.count, "concurrency": args.concurrency}
        write_results("secure_requests", Path(args.out), results, "HEAD", plot, switch="the plain-HTTP port")


if __name__ == "__main__":
    main()
