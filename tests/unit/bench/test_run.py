"""bench/run.py: its arguments and its Markdown table (the timings themselves are the benchmark's job)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO

BENCH = REPO / "bench" / "run.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("deploypack_bench", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    yield module
    sys.modules.pop(spec.name, None)


def test_arguments(bench) -> None:
    args = bench.parse_args([])
    assert (args.reps, args.only, args.reference, args.micro) == (3, (), False, True)
    args = bench.parse_args(["--reps", "2", "--only", "Django, attrs", "--reference", "--no-micro"])
    assert (args.reps, args.only, args.reference, args.micro) == (2, ("django", "attrs"), True, False)
    with pytest.raises(SystemExit):
        bench.parse_args(["--reps", "0"])


def test_corpus_dir_prefers_option_then_environment(bench, tmp_path: Path) -> None:
    assert bench.corpus_dir(tmp_path, {"DEPLOYPACK_CORPUS_DIR": "/elsewhere"}) == tmp_path
    assert bench.corpus_dir(None, {"DEPLOYPACK_CORPUS_DIR": str(tmp_path)}) == tmp_path
    assert bench.corpus_dir(None, {}) == BENCH.parents[2] / "shared" / "corpus"


def test_each_repetition_starts_with_another_variant(bench) -> None:
    orders = [bench.rotated(["peer", "deploypack", "floor"], rep) for rep in range(3)]
    assert [order[0] for order in orders] == ["peer", "deploypack", "floor"]
    assert all(sorted(order) == ["deploypack", "floor", "peer"] for order in orders)


def _sample(bench, project: str, variant: str, seconds: float, rss: float = 50.0, ok: bool = True):
    return bench.Sample(project, variant, seconds, rss, ok=ok, cpu_seconds=seconds / 2)


def test_table_has_medians_ratios_and_totals(bench) -> None:
    samples = [
        *(_sample(bench, "a", "peer", s) for s in (10.0, 12.0, 30.0)),
        *(_sample(bench, "a", "deploypack", s, rss=80) for s in (5.0, 4.0, 6.0)),
        *(_sample(bench, "a", "floor", s) for s in (4.0, 4.0, 4.0)),
        _sample(bench, "b", "peer", 8.0), _sample(bench, "b", "deploypack", 2.0), _sample(bench, "b", "floor", 2.0),
    ]
    lines = bench.render_table(samples, ["peer", "deploypack", "floor"]).splitlines()
    row_a = [cell.strip() for cell in lines[2].strip("|").split("|")]
    assert row_a == ["a", "12.00", "5.00", "4.00", "0.42×", "1.25×", "50", "80", "50"]
    total = [cell.strip() for cell in lines[-1].strip("|").split("|")]
    assert total[:6] == ["**total**", "**20.00**", "**7.00**", "**6.00**", "**0.35×**", "**1.17×**"]
    cpu = bench.render_table(samples, ["peer", "deploypack", "floor"], "cpu_seconds").splitlines()
    assert [cell.strip() for cell in cpu[2].strip("|").split("|")][:4] == ["a", "6.00", "2.50", "2.00"]


def test_failed_runs_stay_out_of_the_medians_and_show(bench) -> None:
    samples = [_sample(bench, "a", "peer", 10.0), _sample(bench, "a", "deploypack", 1.0, ok=False),
               _sample(bench, "a", "floor", 4.0)]
    table = bench.render_table(samples, ["peer", "deploypack", "floor"])
    assert "| a | 10.00 | failed | 4.00 | – | – |" in table
    assert "(incomplete)" in table


def test_targets_are_judged(bench) -> None:
    lines = bench.target_lines({"peer": 100.0, "deploypack": 50.0, "floor": 45.0},
                               [bench.Micro("`deploypack --version`", 0.2, None)])
    assert any("0.50×" in line and line.endswith(": met") for line in lines)
    assert any("1.11×" in line and line.endswith(": met") for line in lines)
    assert any("--version" in line and "**missed**" in line for line in lines)


def test_first_line_is_timed_when_it_appears_not_when_the_command_ends(bench) -> None:
    command = [sys.executable, "-c", "import time; print('first', flush=True); time.sleep(1.5)"]
    assert bench.first_line_seconds(command) < 1.5
    with pytest.raises(RuntimeError):
        bench.first_line_seconds([sys.executable, "-c", "raise SystemExit(3)"])


def test_container_cold_start_has_its_one_second_target(bench) -> None:
    lines = bench.target_lines({}, [bench.Micro("container cold start to the first log line", 1.4, None)])
    assert any("container cold start" in line and "missed" in line for line in lines)
    lines = bench.target_lines({}, [bench.Micro("container cold start to the first log line", 0.6, None)])
    assert any("container cold start" in line and "met" in line for line in lines)
    assert bench.parse_args(["--image", "localhost/deploypack:bench"]).image == "localhost/deploypack:bench"
