"""``python -m bench`` is a CLI (help, list, one benchmark at a time), and a benchmark run leaves the committed
figures in bench/results/ alone unless its ``--out`` names them."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bench import slo_report
from bench.__main__ import EXTRA, SUITE, Progress
from bench.common import OUT, RESULTS

ROOT = Path(__file__).resolve().parent.parent


def bench(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bench", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=60)  # fmt: skip


def test_help_prints_usage_and_runs_nothing() -> None:
    done = bench("--help")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("usage: python -m bench")
    assert "[bench]" not in done.stdout  # no benchmark started


def test_list_names_every_benchmark_with_what_it_measures() -> None:
    done = bench("--list")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert [line.split()[0] for line in lines] == [*SUITE, *EXTRA]
    assert all(len(line.split(maxsplit=1)) == 2 for line in lines)
    assert "[bench]" not in done.stdout


def test_unknown_names_and_stray_flags_are_refused() -> None:
    done = bench("no_such_bench")
    assert done.returncode == 2 and "unknown benchmark no_such_bench" in done.stderr
    done = bench("json_libs", "dispatch", "--", "--watchers", "3")
    assert done.returncode == 2 and "exactly one named benchmark" in done.stderr


def test_one_benchmark_runs_alone_with_its_start_and_end_lines() -> None:
    done = bench("watch_metrics")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("[bench] 1/1 watch_metrics: ")
    assert lines[-1].startswith("[bench] 1/1 watch_metrics done in ")
    assert any("ratio(off/on)" in line for line in lines)


def test_slo_report_writes_under_bench_out_unless_told() -> None:
    default = Path(slo_report.output_path(slo_report.build_parser().parse_args([])))
    assert default.parent == OUT and default.name == "slo_watch_1000w_100eps.png"
    assert (RESULTS / default.name).exists()  # the committed figure it would have overwritten
    asked = slo_report.build_parser().parse_args(["--out", str(RESULTS / default.name)])
    assert slo_report.output_path(asked) == str(RESULTS / default.name)


def test_a_long_run_says_what_is_running(capsys: pytest.CaptureFixture[str]) -> None:
    out = ""
    with Progress(every=0.02) as progress:
        progress.current, progress.current_started = "2/12 slo_report", time.monotonic()
        deadline = time.monotonic() + 30
        while "\n" not in out and time.monotonic() < deadline:
            time.sleep(0.02)
            out += capsys.readouterr().out
    assert re.match(r"\[bench\] still running 2/12 slo_report: \d+s \(all: \d+s\)\n", out), out
