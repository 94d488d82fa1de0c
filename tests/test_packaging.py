"""The wheel installs one import package, ``aiokube``, and ``aiokube serve`` runs from it alone.

A clean virtualenv gets the wheel without dependencies; the dependencies come from this environment's
site-packages through a ``.pth`` line (which does not run this environment's editable-install hook, so the
source tree is not importable there).
"""

from __future__ import annotations

import json
import re
import select
import signal
import subprocess
import sys
import sysconfig
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _run(*args: str, cwd: Path, timeout: float = 300) -> str:
    proc = subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, f"{args}: {proc.stdout[-2000:]}\n{proc.stderr[-4000:]}"
    return proc.stdout


def test_wheel_is_one_import_package_and_serves(tmp_path: Path) -> None:
    _run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(tmp_path / "dist"), str(ROOT),
         cwd=tmp_path)  # fmt: skip
    wheel = next((tmp_path / "dist").glob("aiokube-*.whl"))
    venv = tmp_path / "venv"
    _run(sys.executable, "-m", "venv", "--without-pip", str(venv), cwd=tmp_path)
    py = venv / "bin" / "python"
    _run(sys.executable, "-m", "pip", "--python", str(py), "install", "--no-deps", "--no-index", "--quiet", str(wheel),
         cwd=tmp_path)  # fmt: skip
    site = Path(_run(str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])", cwd=tmp_path).strip())
    (site / "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")

    probe = (
        "import importlib.util, json, aiokube.apiserver.server as s;"
        "print(json.dumps({'file': s.__file__,"
        " 'top': [n for n in ('apiserver', 'storage', 'watchcache', 'encoding') if importlib.util.find_spec(n)]}))"
    )
    found = json.loads(_run(str(py), "-c", probe, cwd=tmp_path))
    assert found["file"].startswith(str(site / "aiokube" / "apiserver")), found
    assert found["top"] == [], f"top-level packages installed: {found['top']}"
    installed = sorted(p.name for p in site.iterdir() if not p.name.endswith((".dist-info", ".pth")))
    assert "aiokube" in installed and not {"apiserver", "storage", "watchcache", "encoding"} & set(installed)
    # every subpackage of the source is installed; the code generators are not
    shipped = {str(p.relative_to(site / "aiokube")) for p in (site / "aiokube").rglob("*.py")}
    assert not [f for f in shipped if "codegen" in f or "/gen_" in f], sorted(shipped)
    sources = {str(p.relative_to(ROOT)) for d in ("apiserver", "storage", "watchcache", "encoding")
               for p in (ROOT / d).rglob("*.py") if "codegen" not in p.parts}  # fmt: skip
    assert sources - shipped == set()

    version = _run(str(venv / "bin" / "aiokube"), "--version", cwd=tmp_path)
    assert re.match(r"aiokube \d+\.\d+\.\d+ \(serves as kube-apiserver v1\.36\.\d+\)", version), version

    server = subprocess.Popen(
        [str(venv / "bin" / "aiokube"), "serve", "--workers", "1", "--port", "0", "--secure-port", "0",
         "--data-dir", str(tmp_path / "data")],
        cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        assert server.stdout is not None
        ready, _, _ = select.select([server.stdout], [], [], 60)
        line = server.stdout.readline().decode() if ready else ""
        m = re.match(r"aiokube: serving on (http://127\.0\.0\.1:\d+)", line)
        assert m, line
        with urllib.request.urlopen(m.group(1) + "/api/v1/namespaces/default") as resp:
            assert json.loads(resp.read())["metadata"]["name"] == "default"
    finally:
        server.send_signal(signal.SIGTERM)
        assert server.wait(60) == 0
