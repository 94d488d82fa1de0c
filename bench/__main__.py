"""``python -m bench`` (``make bench``): the benchmarks, one line per figure with its on/off ratio.

    python -m bench --list              the benchmarks and what each measures
    python -m bench NAME [NAME ...]     only those
    python -m bench NAME -- FLAGS       one, with its own flags (``python -m bench.NAME --help`` lists them)
    python -m bench                     the default suite, in order (many minutes)

A line marks each benchmark's start and end, and a progress line every 30 s says which is running and for how
long. Runs write their JSON/PNG under bench/out/; a benchmark's ``--out bench/results/NAME`` replaces the
committed figure the README shows.
"""

from __future__ import annotations

import argparse
import ast
import importlib
import inspect
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
#: the default suite, in the order it runs (quick in-process ones first, servers in child processes last)
SUITE = (
    "watch_interval",
    "dispatch",
    "list_cache",
    "fanout_cache",
    "list_splice",
    "json_libs",
    "grpc_calls",
    "optimizations",
    "session_changes",
    "write_shortcuts",
    "session9_changes",
    "session10_changes",
    "session11_changes",
    "session12_changes",
    "session13_changes",
    "watch_metrics",
    "watch_fanout",
    "slo_report",
    "pprof_overhead",
    "write_path",
    "big_object",
    "secure_requests",
    "conversions",
    "metrics_page",
    "admission_cost",
)
#: benchmarks run only by name
EXTRA = ("workers", "density", "etcd_crash", "deep_writes", "deep_reads")
PROGRESS_EVERY = 30.0


def summary(name: str) -> str:
    """The first line of a benchmark's docstring, read without importing it (imports start nothing, but cost)."""
    doc = ast.get_docstring(ast.parse((HERE / f"{name}.py").read_text())) or ""
    first = doc.split("\n\n")[0].replace("\n", " ")
    return first if len(first) <= 110 else first.split(". ")[0].split(": ")[0] + " ..."


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m bench",
        description="Run aiokube's benchmarks (all of the default suite, or those named).",
        epilog="Benchmarks: " + ", ".join(SUITE) + "; by name only: " + ", ".join(EXTRA) + ". Flags after -- go "
        "to the one benchmark named.",
    )
    p.add_argument("names", nargs="*", metavar="NAME", help="benchmarks to run (default: the suite)")
    p.add_argument("--list", action="store_true", help="list the benchmarks and what each measures, run nothing")
    return p


def _fmt(seconds: float) -> str:
    m, s = divmod(int(seconds), 60)
    return f"{m}m{s:02d}s" if m else f"{s}s"


class Progress:
    """A line every ``every`` seconds while a benchmark runs (some run for minutes without printing)."""

    def __init__(self, every: float = PROGRESS_EVERY) -> None:
        self.every = every
        self.started = time.monotonic()
        self.current = ""
        self.current_started = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> Progress:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            now = time.monotonic()
            print(f"[bench] still running {self.current}: {_fmt(now - self.current_started)} "
                  f"(all: {_fmt(now - self.started)})", flush=True)  # fmt: skip


def run(names: list[str], extra: list[str]) -> None:
    with Progress() as progress:
        for i, name in enumerate(names, 1):
            module = importlib.import_module(f"bench.{name}")
            progress.current, progress.current_started = f"{i}/{len(names)} {name}", time.monotonic()
            print(f"[bench] {i}/{len(names)} {name}: {summary(name)}", flush=True)
            if inspect.signature(module.main).parameters:
                module.main(extra)
            elif extra:
                raise SystemExit(f"python -m bench: {name} takes no flags")
            else:
                module.main()
            print(f"[bench] {i}/{len(names)} {name} done in {_fmt(time.monotonic() - progress.current_started)}",
                  flush=True)  # fmt: skip


def main(argv: list[str]) -> int:
    extra: list[str] = []
    if "--" in argv:
        at = argv.index("--")
        argv, extra = argv[:at], argv[at + 1 :]
    args = build_parser().parse_args(argv)
    known = (*SUITE, *EXTRA)
    if args.list:
        for name in known:
            note = "  (by name only)" if name in EXTRA else ""
            print(f"{name:16} {summary(name)}{note}")
        return 0
    unknown = [n for n in args.names if n not in known]
    if unknown:
        print(f"python -m bench: unknown benchmark {', '.join(unknown)} (--list shows them)", file=sys.stderr)
        return 2
    if extra and len(args.names) != 1:
        print("python -m bench: flags after -- go to exactly one named benchmark", file=sys.stderr)
        return 2
    run(list(args.names or SUITE), extra)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
