#!/usr/bin/env python3
"""Benchmark deploypack against the pipeline it replaces, on the public corpus.

For each corpus project, on fresh copies of its release-checkout tree, interleaved, N times:

  peer        python -m build (pip, isolated) + check-wheel-contents + twine check --strict
  deploypack  deploypack build (build + every check + artifacts, default options)
  floor       python -m build --no-isolation in a venv with the build requirements preinstalled
  build-uv    python -m build --installer uv          (with --reference)
  uv-build    uv build                                (with --reference)

Each run happens in a fresh wrapper process that times its commands and reads the peak RSS
of its children (getrusage(RUSAGE_CHILDREN): the largest single process of the run). Also
measured: `deploypack --version` and `deploypack check` on Django's sdist + wheel.
Writes a Markdown report (default bench/RESULTS.md).

    python bench/run.py [--reps 3] [--only django,attrs] [--reference] [--out FILE]

Run it with the interpreter deploypack is installed in; it needs `build`, `twine` and
`check-wheel-contents` there (`pip install -e ".[bench]"`).
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
VARIANTS = ("peer", "deploypack", "floor")
REFERENCE_VARIANTS = ("build-uv", "uv-build")
COLD_VARIANT = "deploypack-cold"
VARIANT_TITLES = {
    "peer": "peer",
    "deploypack": "deploypack",
    "floor": "floor",
    "deploypack-cold": "deploypack, no env cache",
    "build-uv": "build --installer uv",
    "uv-build": "uv build",
}

# Runs the commands it is given (JSON on argv), each with its output discarded, and prints
# JSON: wall seconds per command, exit codes, the peak RSS of its children and stderr tails.
WRAPPER = r"""
import glob, json, os, resource, subprocess, sys, time
commands = json.loads(sys.argv[1])
steps = []
for command in commands:
    argv = []
    for arg in command["argv"]:
        argv.extend(sorted(glob.glob(arg)) if "*" in arg else [arg])
    started = time.perf_counter()
    done = subprocess.run(argv, cwd=command.get("cwd"), env={**os.environ, **command.get("env", {})},
                          stdin=subprocess.DEVNULL,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    steps.append({"seconds": time.perf_counter() - started, "returncode": done.returncode,
                  "stderr": done.stderr[-1500:].decode("utf-8", "replace")})
    if done.returncode and command.get("stop_on_failure", True):
        break
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"steps": steps, "max_rss_kib": usage.ru_maxrss, "cpu_seconds": usage.ru_utime + usage.ru_stime}))
"""


@dataclasses.dataclass
class Sample:
    project: str
    variant: str
    seconds: float
    max_rss_mib: float
    ok: bool
    detail: str = ""
    cpu_seconds: float = 0.0


@dataclasses.dataclass
class Micro:
    name: str
    seconds: float
    max_rss_mib: float | None
    note: str = ""


# --- arguments -----------------------------------------------------------------------------------

def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench/run.py", description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=_positive_int, default=3, help="repetitions per project and variant (default 3)")
    parser.add_argument("--only", type=_name_list, default=(), metavar="NAMES",
                        help="comma-separated corpus project names (default: all)")
    parser.add_argument("--reference", action="store_true",
                        help="also time `python -m build --installer uv` and `uv build`")
    parser.add_argument("--no-cold", dest="cold", action="store_false",
                        help="skip `deploypack build` with the build-environment cache off")
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "RESULTS.md", help="the Markdown report")
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write every sample as JSON")
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "deploypack-bench",
                        help="scratch directory: corpus trees, floor venvs, run copies")
    parser.add_argument("--corpus", type=Path, metavar="DIR",
                        help="directory holding fetch.py (default: DEPLOYPACK_CORPUS_DIR or ../shared/corpus)")
    parser.add_argument("--image", metavar="TAG",
                        help="also time the action image's cold start (podman; the image must be built)")
    parser.add_argument("--no-micro", dest="micro", action="store_false",
                        help="skip the `--version` and `deploypack check` measurements")
    parser.add_argument("--version-reps", type=_positive_int, default=20, help="runs of `deploypack --version`")
    return parser.parse_args(argv)


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _name_list(text: str) -> tuple[str, ...]:
    return tuple(name.strip().lower() for name in text.split(",") if name.strip())


# --- corpus and preparation (not timed) -------------------------------------------------------------

def corpus_dir(explicit: Path | None, environ: Mapping[str, str]) -> Path:
    if explicit is not None:
        return explicit
    if environ.get("DEPLOYPACK_CORPUS_DIR"):
        return Path(environ["DEPLOYPACK_CORPUS_DIR"])
    return REPO.parent / "shared" / "corpus"


def fetch_corpus(corpus: Path, dest: Path, only: Sequence[str]) -> dict[str, Path]:
    fetch = corpus / "fetch.py"
    if not fetch.is_file():
        sys.exit(f"bench: no corpus fetcher at {fetch} (set DEPLOYPACK_CORPUS_DIR or --corpus)")
    command = [sys.executable, str(fetch), str(dest)]
    if only:
        command += ["--only", ",".join(only)]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    trees = {}
    for line in output.splitlines():
        name, _version, path = line.split(" ", 2)
        trees[name] = Path(path)
    missing = set(only) - set(trees)
    if missing:
        sys.exit(f"bench: not in the corpus: {', '.join(sorted(missing))}")
    return trees


def prepare_floor(name: str, tree: Path, work: Path) -> Path:
    """A venv holding `build` and the project's build requirements, pip-installed (so compiled)."""
    venv = work / "floor" / name
    python = venv / "bin" / "python"
    marker = venv / ".bench-ready"
    if marker.is_file():
        return python
    shutil.rmtree(venv, ignore_errors=True)
    _quiet([sys.executable, "-m", "venv", str(venv)])
    pip = [str(python), "-m", "pip", "install", "--quiet"]
    _quiet([*pip, "build"])
    # The static requirements first, then what the backend asks for (needs the backend installed).
    script = (
        "import json, sys, build, pyproject_hooks; "
        "b = build.ProjectBuilder(sys.argv[1], runner=pyproject_hooks.quiet_subprocess_runner); "
        "print(json.dumps(sorted(b.build_system_requires if sys.argv[2] == 'static' else "
        "b.get_requires_for_build('sdist') | b.get_requires_for_build('wheel'))))"
    )
    static = json.loads(_quiet([str(python), "-c", script, str(tree), "static"]))
    if static:
        _quiet([*pip, *static])
    copy = _fresh_copy(tree, work / "prepare" / name)
    dynamic = json.loads(_quiet([str(python), "-c", script, str(copy), "dynamic"]))
    if dynamic:
        _quiet([*pip, *dynamic])
    shutil.rmtree(copy)
    marker.write_text("ready\n")
    return python


def _quiet(command: list[str]) -> str:
    """Run a preparation step; its output only matters when it fails."""
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode:
        sys.exit(f"bench: {' '.join(command)} failed:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    return done.stdout


def _fresh_copy(tree: Path, target: Path) -> Path:
    shutil.rmtree(target, ignore_errors=True)
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copytree(tree, target, symlinks=True)
    return target


def precompile_deploypack() -> None:
    """Byte-compile deploypack's own modules, as installing a wheel does: an editable install run with
    PYTHONDONTWRITEBYTECODE would otherwise compile them from source on every start."""
    import importlib.util

    spec = importlib.util.find_spec("deploypack")
    if spec is None or not spec.submodule_search_locations:
        sys.exit("bench: deploypack is not installed in this interpreter")
    for location in spec.submodule_search_locations:
        _quiet([sys.executable, "-m", "compileall", "-q", location])


def tool(name: str) -> str:
    """A console script beside this interpreter (what a user would type), else on PATH."""
    beside = Path(sys.executable).parent / name
    if beside.exists():
        return str(beside)
    found = shutil.which(name)
    if found is None:
        sys.exit(f"bench: `{name}` is not installed")
    return found


def uv_binary() -> str | None:
    try:
        import uv

        return uv.find_uv_bin()
    except (ImportError, FileNotFoundError):
        return shutil.which("uv")


# --- the timed runs -----------------------------------------------------------------------------

def commands_for(variant: str, copy: Path, out: Path, floor_python: Path | None) -> list[dict[str, object]]:
    py = sys.executable
    if variant == "peer":
        return [
            {"argv": [py, "-m", "build", str(copy), "--outdir", str(out)]},
            {"argv": [py, "-m", "check_wheel_contents", f"{out}/*.whl"], "stop_on_failure": False},
            {"argv": [py, "-m", "twine", "check", "--strict", f"{out}/*"]},
        ]
    if variant == "deploypack":
        return [{"argv": [tool("deploypack"), "build", str(copy), "--outdir", str(out)]}]
    if variant == COLD_VARIANT:
        return [{"argv": [tool("deploypack"), "build", str(copy), "--outdir", str(out)],
                 "env": {"DEPLOYPACK_ENV_CACHE_HOURS": "0"}}]
    if variant == "floor":
        assert floor_python is not None
        return [{"argv": [str(floor_python), "-m", "build", "--no-isolation", str(copy), "--outdir", str(out)]}]
    if variant == "build-uv":
        return [{"argv": [py, "-m", "build", "--installer", "uv", str(copy), "--outdir", str(out)]}]
    if variant == "uv-build":
        return [{"argv": [uv_binary() or "uv", "build", str(copy), "--out-dir", str(out)]}]
    raise ValueError(variant)


@dataclasses.dataclass
class Measured:
    seconds: float  # wall time of all commands
    max_rss_mib: float  # the largest single process
    cpu_seconds: float  # user + system time of every process of the run
    steps: list[dict[str, object]]


def measure(commands: list[dict[str, object]]) -> Measured:
    done = subprocess.run([sys.executable, "-c", WRAPPER, json.dumps(commands)],
                          capture_output=True, text=True, check=True)
    record = json.loads(done.stdout)
    steps = record["steps"]
    return Measured(sum(step["seconds"] for step in steps), record["max_rss_kib"] / 1024,
                    record["cpu_seconds"], steps)


def run_variant(project: str, variant: str, tree: Path, work: Path, rep: int,
                floor_python: Path | None) -> Sample:
    base = work / "runs" / f"{project}-{variant}-{rep}"
    copy = _fresh_copy(tree, base / "tree")
    out = base / "out"
    measured = measure(commands_for(variant, copy, out, floor_python))
    steps = measured.steps
    failed = [(index, step) for index, step in enumerate(steps) if step["returncode"]]
    fatal = [step for index, step in failed if not findings_only(variant, index, int(str(step["returncode"])))]
    detail = "; ".join(f"exit {step['returncode']}: {str(step['stderr']).strip()[-300:]}" for _, step in failed)
    if not fatal:
        keep = work / "dists" / project
        if variant == "deploypack" and not keep.exists():  # for the `deploypack check` measurement
            keep.mkdir(parents=True)
            for path in out.iterdir():
                if path.name.endswith((".whl", ".tar.gz")):
                    shutil.copy2(path, keep / path.name)
        shutil.rmtree(base, ignore_errors=True)
    return Sample(project, variant, measured.seconds, measured.max_rss_mib, ok=not fatal, detail=detail,
                  cpu_seconds=measured.cpu_seconds)


def findings_only(variant: str, step: int, returncode: int) -> bool:
    """An exit that reports findings on a finished run: check-wheel-contents' warnings (exit 1),
    deploypack's error findings (exit 1). The work was done, so the run's time counts."""
    if variant == "peer":
        return step == 1 and returncode == 1
    return variant in ("deploypack", COLD_VARIANT) and returncode == 1


def rotated(items: Sequence[str], by: int) -> list[str]:
    """Each repetition starts with another variant, so none always runs on a warmer machine."""
    by %= len(items)
    return list(items[by:]) + list(items[:by])


def run_corpus(trees: Mapping[str, Path], variants: Sequence[str], reps: int, work: Path,
               floors: Mapping[str, Path]) -> list[Sample]:
    samples = []
    for rep in range(reps):
        for project, tree in trees.items():
            for variant in rotated(variants, rep):
                sample = run_variant(project, variant, tree, work, rep, floors.get(project))
                flag = "" if sample.ok else f"  FAILED {sample.detail}"
                print(f"bench: rep {rep + 1}/{reps} {project:12} {variant:10} {sample.seconds:7.2f} s "
                      f"(cpu {sample.cpu_seconds:6.2f} s) {sample.max_rss_mib:6.0f} MiB{flag}",
                      file=sys.stderr, flush=True)
                samples.append(sample)
    return samples


# --- micro measurements -------------------------------------------------------------------------

def version_time(reps: int) -> Micro:
    command = [tool("deploypack"), "--version"]
    times = []
    for _ in range(reps):
        started = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        times.append(time.perf_counter() - started)
    return Micro("`deploypack --version`", statistics.median(times), None, f"median of {reps}")


CHECK_FALLBACK = r"""
import sys
from pathlib import Path
from deploypack.checks import CheckContext, ReleaseInfo, run_checks
from deploypack.options import Options
from deploypack.reading import read_distributions
options = Options()
dists, findings = read_distributions([Path(p) for p in sys.argv[1:]], options)
context = CheckContext(distributions=tuple(dists), options=options, sources=None,
                       release=ReleaseInfo(tag=None, tag_source=None, commit=None), git_files=None)
run_checks(context, options)
"""


def has_check_command() -> bool:
    done = subprocess.run([tool("deploypack"), "check", "--help"], capture_output=True)
    return done.returncode == 0


def check_time(tree: Path, work: Path, reps: int) -> Micro:
    """`deploypack check` on the sdist + wheel of a deploypack run (here: Django's), else built now."""
    dist = work / "dists" / tree.name.rsplit("-", 1)[0]
    if not dist.is_dir():
        copy = _fresh_copy(tree, work / "check-tree")
        subprocess.run([tool("deploypack"), "build", str(copy), "--outdir", str(dist)], check=False,
                       capture_output=True)
    archives = sorted(str(path) for path in dist.iterdir() if path.name.endswith((".whl", ".tar.gz")))
    if len(archives) != 2:
        raise RuntimeError(f"building {tree.name} for the check measurement gave {archives}")
    if has_check_command():
        argv, note = [tool("deploypack"), "check", *archives], "`deploypack check`"
    else:
        argv = [sys.executable, "-c", CHECK_FALLBACK, *archives]
        note = "`deploypack check` not available: read_distributions + run_checks in a python -c wrapper"
    samples = [measure([{"argv": argv, "stop_on_failure": False}]) for _ in range(reps)]
    seconds = statistics.median(sample.seconds for sample in samples)
    rss = max(sample.max_rss_mib for sample in samples)
    members = _member_count(archives)
    return Micro(f"checks on {tree.name} sdist + wheel ({members:,} members)", seconds, rss,
                 f"{note}, median of {reps}")


def first_line_seconds(command: list[str]) -> float:
    """Seconds from starting `command` to the first line it prints (stdout or stderr)."""
    started = time.perf_counter()
    process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT)
    assert process.stdout is not None
    first = process.stdout.readline()
    seconds = time.perf_counter() - started
    process.stdout.read()
    if process.wait() not in (0, 1) or not first:
        raise RuntimeError(f"{command[:3]}… failed: {first!r}")
    return seconds


def container_start_time(image: str, work: Path, reps: int) -> list[Micro]:
    """The action's cold start in its container, to its first log line, against the same
    image's bare interpreter printing a line: the image present, nothing else warm."""
    workspace = _fresh_copy(REPO / "examples" / "hello", work / "container-workspace")
    home = work / "container-home"
    home.mkdir(exist_ok=True)
    # CONTAINER_CA_BUNDLE: the CA bundle the container trusts, where the network needs one
    # (as in tests/container; ../shared/container/setup-podman.sh --print-env gives it).
    ca_bundle = os.environ.get("CONTAINER_CA_BUNDLE")
    ca_mount = ["-v", f"{ca_bundle}:/etc/ssl/certs/ca-certificates.crt:ro"] if ca_bundle else []
    base = ["podman", "run", "--rm", "--network", "host", *ca_mount, "-v", f"{workspace}:/github/workspace",
            "-v", f"{home}:/github/home", "-w", "/github/workspace", "-e", "GITHUB_ACTIONS=true",
            "-e", "HOME=/github/home", "-e", "GITHUB_WORKSPACE=/github/workspace"]
    action = [*base, "-e", "INPUT_ARTIFACTS=none", image]
    bare = [*base, "--entrypoint", "python", image, "-c", "print('ready')"]
    action_times, bare_times = [], []
    for _ in range(reps):  # interleaved
        bare_times.append(first_line_seconds(bare))
        action_times.append(first_line_seconds(action))
    action_median, bare_median = statistics.median(action_times), statistics.median(bare_times)
    return [
        Micro("container cold start to the first log line", action_median, None,
              f"`podman run` of the action on examples/hello, median of {reps}"),
        Micro("bare container start (same image, `python -c print`)", bare_median, None,
              f"what podman and the interpreter cost alone; the action's own share: "
              f"{action_median - bare_median:.2f} s, median of {reps}"),
    ]


def _member_count(archives: Iterable[str]) -> int:
    import tarfile
    import zipfile

    total = 0
    for archive in archives:
        if archive.endswith(".whl"):
            with zipfile.ZipFile(archive) as zf:
                total += len(zf.infolist())
        else:
            with tarfile.open(archive) as tf:
                total += len(tf.getmembers())
    return total


# --- report ---------------------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Stat:
    seconds: float  # median wall time
    cpu_seconds: float  # median CPU time
    max_rss_mib: float  # peak over the runs


def medians(samples: Iterable[Sample]) -> dict[tuple[str, str], Stat]:
    """(project, variant) -> medians over the successful runs."""
    grouped: dict[tuple[str, str], list[Sample]] = {}
    for sample in samples:
        if sample.ok:
            grouped.setdefault((sample.project, sample.variant), []).append(sample)
    return {
        key: Stat(statistics.median(s.seconds for s in group), statistics.median(s.cpu_seconds for s in group),
                  max(s.max_rss_mib for s in group))
        for key, group in grouped.items()
    }


def render_table(samples: Sequence[Sample], variants: Sequence[str], metric: str = "seconds") -> str:
    """Per project and in total: the metric's median per variant, the two ratios, and peak RSS."""
    table = medians(samples)
    projects = list(dict.fromkeys(sample.project for sample in samples))
    unit = "s" if metric == "seconds" else "CPU s"
    with_rss = metric == "seconds"
    rss_variants = [v for v in VARIANTS if v in variants] if with_rss else []
    header = ["project", *(f"{VARIANT_TITLES[v]} {unit}" for v in variants), "deploypack/peer", "deploypack/floor",
              *(f"{VARIANT_TITLES[v]} MiB" for v in rss_variants)]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    totals = dict.fromkeys(variants, 0.0)
    complete = dict.fromkeys(variants, True)

    def value(project: str, variant: str) -> float | None:
        stat = table.get((project, variant))
        return getattr(stat, metric) if stat else None

    for project in projects:
        row = [project]
        for variant in variants:
            found = value(project, variant)
            row.append(f"{found:.2f}" if found is not None else "failed")
            if found is not None:
                totals[variant] += found
            else:
                complete[variant] = False
        row += [ratio(value(project, "deploypack"), value(project, "peer")),
                ratio(value(project, "deploypack"), value(project, "floor"))]
        row += [f"{table[(project, v)].max_rss_mib:.0f}" if (project, v) in table else "–" for v in rss_variants]
        lines.append("| " + " | ".join(row) + " |")
    total_row = ["**total**"] + [f"**{totals[v]:.2f}**" + ("" if complete[v] else " (incomplete)") for v in variants]
    total_row += [f"**{ratio(totals.get('deploypack'), totals.get('peer'))}**",
                  f"**{ratio(totals.get('deploypack'), totals.get('floor'))}**"]
    total_row += [f"{max((table[(p, v)].max_rss_mib for p in projects if (p, v) in table), default=0):.0f} (max)"
                  for v in rss_variants]
    lines.append("| " + " | ".join(total_row) + " |")
    return "\n".join(lines)


def ratio(numerator: float | None, denominator: float | None) -> str:
    if not numerator or not denominator:
        return "–"
    return f"{numerator / denominator:.2f}×"


def totals_of(samples: Sequence[Sample]) -> dict[str, float]:
    """Sum over the projects of each variant's median seconds (projects where every variant ran)."""
    table = medians(samples)
    projects = {project for project, _ in table}
    variants = {variant for _, variant in table}
    complete = [p for p in projects if all((p, v) in table for v in variants)]
    return {variant: sum(table[(p, variant)].seconds for p in complete) for variant in variants}


def machine() -> list[str]:
    memory = "?"
    with _suppress_os_error():
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    os_name = platform.platform()
    with _suppress_os_error():
        for line in Path("/etc/os-release").read_text().splitlines():
            if line.startswith("PRETTY_NAME="):
                os_name = f"{line.split('=', 1)[1].strip(chr(34))} ({platform.machine()}, Linux {platform.release()})"
    load = " / ".join(f"{value:.1f}" for value in os.getloadavg())
    uv = uv_binary()
    uv_version = subprocess.run([uv, "--version"], capture_output=True, text=True).stdout.strip() if uv else "absent"
    return [
        f"- cores: {os.cpu_count()}, RAM: {memory}, load average at the end (1/5/15 min): {load}",
        f"- OS: {os_name}",
        f"- Python {platform.python_version()} ({platform.python_implementation()}); "
        f"build {_version_of('build')}, pip {_version_of('pip')}, twine {_version_of('twine')}, "
        f"check-wheel-contents {_version_of('check-wheel-contents')}, {uv_version}",
        "- PYTHONDONTWRITEBYTECODE is "
        + ("set" if os.environ.get("PYTHONDONTWRITEBYTECODE") else "not set")
        + " in the environment (it decides whether build environments get bytecode)",
    ]


class _suppress_os_error:
    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: object, value: object, traceback: object) -> bool:
        return isinstance(value, OSError)


def _version_of(name: str) -> str:
    from importlib import metadata

    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "absent"


def render_report(samples: Sequence[Sample], variants: Sequence[str], micros: Sequence[Micro], reps: int,
                  started: datetime.datetime, elapsed: float) -> str:
    totals = totals_of(samples)
    failures = [s for s in samples if not s.ok]
    lines = [
        "# Benchmark results",
        "",
        f"Written by `python bench/run.py` on {started:%Y-%m-%d %H:%M} UTC in {elapsed / 60:.0f} min: "
        f"{reps} repetition(s) per project and variant, interleaved on fresh copies of each tree; "
        "medians in seconds; peak RSS is the largest single process of a run, in MiB.",
        "",
        "- **peer**: `python -m build` (pip, isolated) + `check-wheel-contents` + `twine check --strict`",
        "- **deploypack**: `deploypack build` (build + every check + artifacts, default options)",
        "- **floor**: `python -m build --no-isolation`, build requirements preinstalled with pip",
        "",
        "deploypack's own modules are byte-compiled before the runs (as installing its wheel does).",
    ]
    if COLD_VARIANT in variants:
        lines.append("- **deploypack, no env cache**: the same with `DEPLOYPACK_ENV_CACHE_HOURS=0`: what a first "
                     "run (or a fresh CI machine) pays")
    if "build-uv" in variants:
        lines.append("- **build --installer uv**, **uv build**: for reference")
    lines += ["", "## Machine", "", *machine(), "", "## Corpus builds: wall time", "",
              render_table(samples, variants), "",
              "## Corpus builds: CPU time (user + system of every process; less sensitive to a busy machine)", "",
              render_table(samples, variants, "cpu_seconds"), ""]
    if failures:
        lines += ["Failed runs (left out of the medians):", ""]
        lines += [f"- {s.project} {s.variant}: {s.detail}" for s in failures]
        lines.append("")
    with_findings = sorted({f"{s.project} ({VARIANT_TITLES[s.variant]})" for s in samples
                            if s.ok and s.detail and s.variant != "peer"})
    if with_findings:
        lines += ["Finished with error findings (exit 1; timed like any finished run): "
                  + ", ".join(with_findings) + ".", ""]
    lines += ["## Targets", ""]
    lines += target_lines(totals, micros)
    if micros:
        lines += ["", "## Start-up and checks", "",
                  "| measurement | seconds | peak RSS MiB | how |", "|---|---|---|---|"]
        for micro in micros:
            rss = f"{micro.max_rss_mib:.0f}" if micro.max_rss_mib is not None else "–"
            lines.append(f"| {micro.name} | {micro.seconds:.3f} | {rss} | {micro.note} |")
    return "\n".join(lines) + "\n"


def target_lines(totals: Mapping[str, float], micros: Sequence[Micro]) -> list[str]:
    lines = []
    dp, peer, floor = totals.get("deploypack"), totals.get("peer"), totals.get("floor")
    if dp and peer:
        lines.append(_target("deploypack / peer over the corpus", dp / peer, 0.55, "×"))
    if dp and floor:
        lines.append(_target("deploypack / floor over the corpus", dp / floor, 1.25, "×"))
    cold = totals.get(COLD_VARIANT)
    if cold and peer and floor:
        lines.append(f"- for information, with the build-environment cache off (a first run): "
                     f"{cold / peer:.2f}× the peer, {cold / floor:.2f}× the floor")
    for micro in micros:
        if micro.name.startswith("checks"):
            lines.append(_target(micro.name + ", seconds", micro.seconds, 1.0, " s"))
            if micro.max_rss_mib is not None:
                lines.append(_target(micro.name + ", peak RSS", micro.max_rss_mib, 150, " MiB"))
        elif "--version" in micro.name:
            lines.append(_target(micro.name, micro.seconds, 0.15, " s"))
        elif micro.name.startswith("container cold start"):
            lines.append(_target(micro.name, micro.seconds, 1.0, " s"))
    return lines


def _target(what: str, value: float, limit: float, unit: str) -> str:
    verdict = "met" if value <= limit else "**missed**"
    return f"- {what}: {value:.2f}{unit} (target ≤ {limit:g}{unit.strip() and unit}): {verdict}"


# --- main -----------------------------------------------------------------------------------------

def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    started = datetime.datetime.now(datetime.timezone.utc)
    clock = time.monotonic()
    work = args.work.resolve()
    work.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(work / "dists", ignore_errors=True)
    trees = fetch_corpus(corpus_dir(args.corpus, os.environ), work / "trees", args.only)
    variants = list(VARIANTS)
    if args.cold:
        variants.append(COLD_VARIANT)
    if args.reference:
        if uv_binary() is None:
            sys.exit("bench: --reference needs uv")
        variants += REFERENCE_VARIANTS
    precompile_deploypack()
    floors = {}
    for name, tree in trees.items():
        print(f"bench: preparing the floor venv for {name}", file=sys.stderr, flush=True)
        floors[name] = prepare_floor(name, tree, work)
    samples = run_corpus(trees, variants, args.reps, work, floors)
    micros: list[Micro] = []
    if args.micro:
        micros.append(version_time(args.version_reps))
        django = next((tree for name, tree in trees.items() if name == "django"), None)
        if django is not None:
            micros.append(check_time(django, work, 5))
    if args.image:
        micros += container_start_time(args.image, work, 7)
    report = render_report(samples, variants, micros, args.reps, started, time.monotonic() - clock)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(report)
    if args.json:
        args.json.write_text(json.dumps([dataclasses.asdict(s) for s in samples], indent=1))
    print(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
