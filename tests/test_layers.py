"""The shape of the code: only the HTTP edge imports aiohttp, imports point one way (no cycles), no import
hides inside a function, no module reaches into another module's private names, and modules and classes
stay small enough to read. Read from the source with ``ast``, so a lazy import cannot hide an edge."""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = {"apiserver": ROOT / "apiserver", "storage": ROOT / "storage", "watchcache": ROOT / "watchcache",
            "encoding": ROOT / "encoding"}  # fmt: skip
#: the HTTP edge: the only modules that may import aiohttp
EDGE = ("aiokube.apiserver.endpoints", "aiokube.apiserver.transport", "aiokube.apiserver.observability",
        "aiokube.apiserver.server", "aiokube.apiserver.cli", "aiokube.apiserver.__main__",
        "aiokube.apiserver.workers",  # the process shell of cli (supervises servers)
        "aiokube.apiserver.testing", "aiokube.apiserver.pytest_plugin",  # entry points for test code
        "aiokube.apiserver.simulation")  # fmt: skip  # an HTTP client of the API (simulated nodes, density bench)
#: generated tables, exempt from the size limit
GENERATED = ("aiokube.encoding.k8s_schema", "aiokube.encoding.k8s_openapi")


def _module_files() -> dict[str, Path]:
    out = {}
    for pkg, folder in PACKAGES.items():
        for path in folder.rglob("*.py"):
            rel = path.relative_to(folder).with_suffix("")
            if "codegen" in rel.parts:  # code generators: scripts, not part of the package
                continue
            parts = [p for p in rel.parts if p != "__init__"]
            out[".".join(["aiokube", pkg, *parts])] = path
    return out


MODULES = _module_files()


@cache
def _tree(name: str) -> ast.Module:
    return ast.parse(MODULES[name].read_text(), str(MODULES[name]))


def _resolve(name: str, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    base = name.split(".")
    if MODULES[name].name != "__init__.py":
        base = base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, *([node.module] if node.module else [])])


def _is_type_checking(node: ast.If) -> bool:
    return isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING"


def imports(name: str) -> set[str]:
    """Modules ``name`` imports at run time (module level, outside ``if TYPE_CHECKING``), as full names."""
    out: set[str] = set()

    def visit(body: list[ast.stmt]) -> None:
        for node in body:
            if isinstance(node, ast.Import):
                out.update(a.name for a in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = _resolve(name, node)
                for a in node.names:
                    full = f"{base}.{a.name}"
                    out.add(full if full in MODULES else base)
            elif isinstance(node, ast.If) and not _is_type_checking(node):
                visit(node.body)
                visit(node.orelse)
            elif isinstance(node, ast.Try):
                visit(node.body)
                for h in node.handlers:
                    visit(h.body)

    visit(_tree(name).body)
    return out


def _internal(name: str) -> set[str]:
    return {m for m in imports(name) if m in MODULES}


def _closure(name: str) -> set[str]:
    seen: set[str] = set()
    todo = [name]
    while todo:
        m = todo.pop()
        for dep in _internal(m):
            if dep not in seen:
                seen.add(dep)
                todo.append(dep)
    return seen


def _is_edge(name: str) -> bool:
    return any(name == e or name.startswith(e + ".") for e in EDGE)


def test_the_walk_sees_the_edge() -> None:
    """The checks below are only as good as the import walk: it must see what the edge imports."""
    assert "aiohttp" in imports("aiokube.apiserver.endpoints.handlers")
    assert "aiokube.apiserver.registry.store" in _closure("aiokube.apiserver.endpoints.handlers")
    assert len([m for m in MODULES if m.startswith("aiokube.apiserver.")]) > 40


def test_only_the_http_edge_imports_aiohttp() -> None:
    offenders = {}
    for name in MODULES:
        if _is_edge(name):
            continue
        reach = _closure(name) | {name}
        bad = sorted(m for m in reach if any(i == "aiohttp" or i.startswith("aiohttp.") for i in imports(m)))
        if bad:
            offenders[name] = bad
    assert offenders == {}


def test_kube_semantics_do_not_import_the_edge() -> None:
    offenders = {n: sorted(m for m in _closure(n) if _is_edge(m)) for n in MODULES if not _is_edge(n)}
    assert {n: v for n, v in offenders.items() if v} == {}


def test_lower_layers_do_not_import_apiserver() -> None:
    """storage ← watchcache ← apiserver, encoding ← apiserver: nothing below imports what is above it. Three
    leaf modules of encoding (no imports of this project) are shared with storage and the watch cache: the JSON
    codec of values deeper than orjson goes, the depth limit in force (stored objects are as deep as bodies are)
    and what makes a value too heavy for the event loop (stored values are read as bodies are)."""
    leaves = ("aiokube.encoding.deepjson", "aiokube.encoding.depth", "aiokube.encoding.weight")
    below = {
        "aiokube.storage": leaves,
        "aiokube.watchcache": ("aiokube.storage", *leaves),
        "aiokube.encoding": (),
    }
    for name in MODULES:
        for layer, allowed in below.items():
            if name.startswith(layer + "."):
                up = [m for m in _internal(name) if not m.startswith((layer, *allowed))]
                assert up == [], name


def test_no_import_cycles() -> None:
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def strongconnect(v: str) -> None:  # Tarjan's algorithm
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in _internal(v):
            if w not in index:
                strongconnect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for name in MODULES:
        if name not in index:
            strongconnect(name)
    assert cycles == []


def test_no_imports_inside_functions() -> None:
    found = []
    for name in MODULES:
        for node in ast.walk(_tree(name)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                for inner in ast.walk(node):
                    if isinstance(inner, (ast.Import, ast.ImportFrom)):
                        found.append(f"{name}:{inner.lineno}")
    assert found == []


def test_no_module_imports_another_modules_private_names() -> None:
    found = []
    for name in MODULES:
        for node in ast.walk(_tree(name)):
            if isinstance(node, ast.ImportFrom) and _resolve(name, node).startswith("aiokube"):
                found += [f"{name}: {a.name}" for a in node.names if a.name.startswith("_") and a.name != "__version__"]
    assert found == []


def test_modules_and_classes_stay_small() -> None:
    big = {n: len(MODULES[n].read_text().splitlines()) for n in MODULES if n not in GENERATED}
    assert {n: v for n, v in big.items() if v > 1500} == {}
    classes = {}
    for name in MODULES:
        for node in ast.walk(_tree(name)):
            if isinstance(node, ast.ClassDef) and node.end_lineno is not None:
                size = node.end_lineno - node.lineno + 1
                if size > 600:
                    classes[f"{name}.{node.name}"] = size
                if size > 60:
                    assert ast.get_docstring(node), f"{name}.{node.name} ({size} lines) states no contract"
    assert classes == {}


def test_apiserver_has_subpackages() -> None:
    subpackages = {p.parent.name for p in (ROOT / "apiserver").glob("*/__init__.py")}
    assert {"registry", "admission", "patching", "apiextensions", "printers", "endpoints"} <= subpackages
