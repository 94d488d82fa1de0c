"""``aiokube serve`` as users run it: a child process (on uvloop), with its own embedded etcd or a given one."""

from __future__ import annotations

import os
import re
import select
import signal
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

AIOKUBE = str(Path(sys.executable).parent / "aiokube")


@dataclass
class ServerProcess:
    proc: subprocess.Popen[bytes]
    url: str
    log: Path

    def rss(self) -> int:
        """Resident set size of the server process, in KiB."""
        status = Path(f"/proc/{self.proc.pid}/status").read_text()
        return int(re.search(r"VmRSS:\s+(\d+)", status).group(1))  # type: ignore[union-attr]

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(60)


def start_server(
    data_dir: Path, *args: str, env: dict[str, str] | None = None, preexec_fn: Callable[[], None] | None = None
) -> ServerProcess:
    """Start a server on a free port and wait for its "serving on" line; ``args`` are extra flags, ``env``
    extra environment variables, ``preexec_fn`` run in the child before it executes. Its stderr goes to
    ``data_dir``.log."""
    log = data_dir.with_suffix(".log")
    with log.open("wb") as err:
        proc = subprocess.Popen(
            [AIOKUBE, "serve", "--workers", "1", "--port", "0", "--secure-port", "0", "--data-dir", str(data_dir),
             *args],
            stdout=subprocess.PIPE,
            stderr=err,
            env={**os.environ, **(env or {})},
            preexec_fn=preexec_fn,
        )
    assert proc.stdout is not None
    ready, _, _ = select.select([proc.stdout], [], [], 60)
    line = proc.stdout.readline().decode() if ready else ""
    m = re.match(r"aiokube: serving on (http://127\.0\.0\.1:\d+)", line)
    if not m:
        proc.kill()
        raise AssertionError(f"aiokube did not start: {line!r}\n{log.read_text()[-4000:]}")
    return ServerProcess(proc, m.group(1), log)
