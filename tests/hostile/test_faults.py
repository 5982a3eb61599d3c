"""Faults of the machine and of the configuration, for real: a full disk (a size-limited
tmpfs), no network for the build requirements (an index on a closed port), a read-only
outdir, bad paths, bad configuration and bad flags. Each ends with its documented exit code
and a message that names the path, requirement, key or flag, and leaves nothing behind."""

from __future__ import annotations

import os
import socket
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.conftest import Run, clean_environ, run_cli, run_subprocess
from tests.hostile.backends import hostile_project, tree_snapshot

BIG_MEMBER = '''
    info = tarfile.TarInfo(f"{base}/data.bin")
    data = os.urandom(3 * 1024 * 1024)
    info.size = len(data)
    tar.addfile(info, io.BytesIO(data))
'''


@pytest.fixture
def small_fs(tmp_path: Path) -> Iterator[Callable[[str, str], Path]]:
    """Mount a size-limited tmpfs (root only); unmounted at teardown."""
    mounted: list[Path] = []

    def mount(name: str, size: str) -> Path:
        if os.geteuid() != 0:
            pytest.skip("mounting a size-limited tmpfs needs root")
        target = tmp_path / name
        target.mkdir()
        result = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0777", "tmpfs", str(target)],
                                capture_output=True, text=True, check=False)
        if result.returncode != 0:
            pytest.skip(f"cannot mount a tmpfs here: {result.stderr.strip()}")
        mounted.append(target)
        return target

    yield mount
    for target in reversed(mounted):
        if subprocess.run(["umount", str(target)], check=False).returncode != 0:
            subprocess.run(["umount", "-l", str(target)], check=False)


def error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith(("deploypack:", "  hint:"))]


def build(project: Path, outdir: Path, environ: dict[str, str], *flags: str, cwd: Path | None = None):
    return run_subprocess(["build", str(project), "--outdir", str(outdir), *flags], environ=environ, cwd=cwd,
                          timeout=300)


# --- disk full ----------------------------------------------------------------------------------


def test_disk_full_in_the_outdir_fails_the_commit_and_leaves_it_as_it_was(small_fs, tmp_path: Path) -> None:
    full = small_fs("small", "512k")
    project = hostile_project(tmp_path / "project", sdist_extra=BIG_MEMBER)
    before = tree_snapshot(project)
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    run = build(project, full / "dist", clean_environ(TMPDIR=str(tmp)), "--no-isolation")

    assert run.exit_code == 4, run.stderr
    [message, hint] = error_lines(run.stderr)
    assert f"writing the output to {full / 'dist'}: disk full at {full / 'dist'}" in message
    assert "free, about 3." in message and "MiB needed" in message
    assert "Traceback" not in run.stderr and "hint:" in hint
    assert list(full.iterdir()) == []  # no staging directory, no half-copied sdist, no outdir
    assert tree_snapshot(project) == before
    assert [p.name for p in tmp.iterdir()] == []  # the run did not fail while building: no log kept


def test_disk_full_in_tmpdir_while_the_backend_writes(small_fs, tmp_path: Path) -> None:
    full_tmp = small_fs("tmp", "1m")
    project = hostile_project(tmp_path / "project", sdist_extra=BIG_MEMBER)
    outdir = tmp_path / "out" / "dist"
    run = build(project, outdir, clean_environ(TMPDIR=str(full_tmp)), "--no-isolation")

    assert run.exit_code == 4, run.stderr
    message = error_lines(run.stderr)[0]
    assert f"building the sdist: disk full at {full_tmp}" in message and "free" in message
    assert not outdir.exists() and not outdir.parent.exists()
    assert list(full_tmp.iterdir()) == []  # the work directory and the half-written sdist are gone


def test_disk_full_in_tmpdir_while_unpacking_the_sdist_says_the_space_needed(small_fs, tmp_path: Path) -> None:
    full_tmp = small_fs("tmp", "5m")  # room for the 3 MiB sdist, not for it unpacked beside it
    project = hostile_project(tmp_path / "project", sdist_extra=BIG_MEMBER)
    outdir = tmp_path / "out" / "dist"
    run = build(project, outdir, clean_environ(TMPDIR=str(full_tmp)), "--no-isolation")

    assert run.exit_code == 4, run.stderr
    message = error_lines(run.stderr)[0]
    assert "unpacking hostile-1.0.tar.gz to build the wheel: disk full at" in message
    assert str(full_tmp) in message and "free" in message and "about 3.0 MiB needed" in message
    assert not outdir.exists() and not outdir.parent.exists()
    # The unpacked tree is gone; the build log was kept once that freed the space, and said so.
    leftovers = list(full_tmp.iterdir())
    assert all(p.name.startswith("deploypack-build-") and f"build log is kept at {p}" in run.stderr
               for p in leftovers), (leftovers, run.stderr)


def test_disk_full_writing_the_report_is_an_environment_error(small_fs, tmp_path: Path) -> None:
    full = small_fs("reports", "64k")
    (full / "filler").write_bytes(b"\0" * (64 * 1024))  # leave no room at all
    project = hostile_project(tmp_path / "project")
    outdir = tmp_path / "dist"
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    run = build(project, outdir, clean_environ(TMPDIR=str(tmp)), "--no-isolation", "--report",
                str(full / "report.json"))

    assert run.exit_code == 4, run.stderr
    message = error_lines(run.stderr)[0]
    assert "disk full at" in message and str(full) in message and "internal error" not in run.stderr
    assert sorted(p.name for p in full.iterdir()) == ["filler"]  # no half-written report
    assert "hostile-1.0-py3-none-any.whl" in {p.name for p in outdir.iterdir()}  # committed before


# --- no network for the build requirements --------------------------------------------------------


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.parametrize("installer", ["pip", "uv"])
def test_no_network_for_build_requirements_is_one_sentence(installer: str, tmp_path: Path) -> None:
    if installer == "uv":
        pytest.importorskip("uv")
    project = hostile_project(tmp_path / "project")
    pyproject = project / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace("requires = []", 'requires = ["flit_core>=3.2,<4"]'))
    index = f"http://127.0.0.1:{_closed_port()}/simple"
    environ = {k: v for k, v in clean_environ().items() if not k.startswith(("PIP_", "UV_"))}
    # One retry: pip says why a connection failed only when it retries.
    environ.update(PIP_CONFIG_FILE=os.devnull, PIP_INDEX_URL=index, PIP_RETRIES="1", PIP_DEFAULT_TIMEOUT="5",
                   UV_NO_CONFIG="1", UV_INDEX_URL=index, UV_DEFAULT_INDEX=index, UV_HTTP_RETRIES="0",
                   DEPLOYPACK_CACHE_DIR=str(tmp_path / "cache"), TMPDIR=str(tmp_path))
    outdir = tmp_path / "dist"
    run = build(project, outdir, environ, "--installer", installer)

    assert run.exit_code == 4, run.stderr
    [message, hint] = error_lines(run.stderr)
    assert message == (f"deploypack: error: cannot install the build requirement flit_core>=3.2,<4: the package "
                       f"index {index} cannot be reached from this machine (Connection refused)")
    assert "Traceback" not in run.stderr and "ERROR:" not in run.stderr
    assert hint.startswith("  hint:")
    assert not outdir.exists()


# --- usage and configuration errors ---------------------------------------------------------------


@pytest.fixture
def simple_project(tmp_path: Path) -> Path:
    return hostile_project(tmp_path / "project")


def refused(root: Path, args: list[str], environ: dict[str, str] | None = None) -> Run:
    """Run in-process; a refused run writes nothing at all under root."""
    before = tree_snapshot(root)
    run = run_cli(args, environ)
    assert tree_snapshot(root) == before
    assert "Traceback" not in run.stderr and "internal error" not in run.stderr
    return run


def failed_build(root: Path, project: Path, *flags: str) -> tuple[Run, dict]:
    """A build that fails (exit 2), as a process with its own TMPDIR: the only file it leaves
    is the build log the report names, and the outdir is never created."""
    tmp = root / "tmp"
    tmp.mkdir()
    before = tree_snapshot(root)
    run = run_subprocess(["build", str(project), "--outdir", str(root / "dist"), "--format", "json", *flags],
                         environ=clean_environ(TMPDIR=str(tmp)), cwd=root)
    assert run.exit_code == 2, run.stderr
    report = run.json()
    after = tree_snapshot(root)
    new = sorted(set(after) - set(before))
    assert new == ([report["log"]] if report["log"] else []), new
    assert all(after[name] == content for name, content in before.items())
    return run, report


def test_read_only_outdir_is_a_usage_error_naming_it(small_fs, simple_project: Path, tmp_path: Path) -> None:
    readonly = small_fs("readonly", "64k")
    subprocess.run(["mount", "-o", "remount,ro", str(readonly)], check=True)
    run = refused(tmp_path, ["build", str(simple_project), "--outdir", str(readonly / "dist"), "--no-isolation"])
    assert run.exit_code == 3, run.stderr
    assert f"--outdir '{readonly / 'dist'}' cannot be written ({readonly} is read-only)" in run.stderr


def test_missing_project_path(tmp_path: Path) -> None:
    run = refused(tmp_path, ["build", str(tmp_path / "nowhere")])
    assert run.exit_code == 3
    assert f"project path '{tmp_path / 'nowhere'}' does not exist" in run.stderr


def test_project_path_that_is_a_file(tmp_path: Path) -> None:
    target = tmp_path / "setup.py"
    target.write_text("")
    run = refused(tmp_path, ["build", str(target)])
    assert run.exit_code == 3
    assert f"project path '{target}' is a file, not a project directory" in run.stderr


def test_project_without_build_configuration_is_b010(tmp_path: Path) -> None:
    project = tmp_path / "bare"
    project.mkdir()
    (project / "module.py").write_text("x = 1\n")
    _, report = failed_build(tmp_path, project)
    [finding] = report["findings"]
    assert finding["code"] == "B010" and "has no pyproject.toml or setup.py" in finding["message"]


def test_pyproject_syntax_error_is_b001_with_line_and_column(tmp_path: Path) -> None:
    project = hostile_project(tmp_path / "project", pyproject_extra='\n[tool.deploypack]\nstrict = tru\n')
    _, report = failed_build(tmp_path, project, "--no-isolation")
    [finding] = report["findings"]
    line = (project / "pyproject.toml").read_text().splitlines().index("strict = tru") + 1
    assert (finding["code"], finding["file"], finding["line"]) == ("B001", "pyproject.toml", line)
    assert finding["column"] is not None


def test_pyproject_that_is_not_utf8_names_file_and_line(tmp_path: Path) -> None:
    project = hostile_project(tmp_path / "project")
    text = (project / "pyproject.toml").read_text().replace('description = "hostile build code"',
                                                              'description = "caf\udce9"')
    (project / "pyproject.toml").write_bytes(text.encode("utf-8", "surrogateescape"))
    run = refused(tmp_path, ["build", str(project), "--outdir", str(tmp_path / "dist")])
    assert run.exit_code == 3, run.stderr
    line = text.splitlines().index('description = "caf\udce9"') + 1
    assert f"pyproject.toml:{line}: is not UTF-8" in run.stderr


def test_unknown_tool_deploypack_key_names_key_and_line(tmp_path: Path) -> None:
    project = hostile_project(tmp_path / "project",
                              pyproject_extra="\n[tool.deploypack]\nstrict = true\nmax-membres = 5\n")
    run = refused(tmp_path, ["build", str(project), "--outdir", str(tmp_path / "dist")])
    assert run.exit_code == 3, run.stderr
    line = (project / "pyproject.toml").read_text().splitlines().index("max-membres = 5") + 1
    assert f"pyproject.toml:{line}: unknown key 'max-membres' in [tool.deploypack]" in run.stderr
    assert "max-members" in run.stderr  # the hint lists the known keys


def test_bad_value_in_tool_deploypack_names_key_and_line(tmp_path: Path) -> None:
    project = hostile_project(tmp_path / "project",
                              pyproject_extra='\n[tool.deploypack]\nmax-unpacked-size = "lots"\n')
    run = refused(tmp_path, ["build", str(project), "--outdir", str(tmp_path / "dist")])
    assert run.exit_code == 3, run.stderr
    line = (project / "pyproject.toml").read_text().splitlines().index('max-unpacked-size = "lots"') + 1
    assert f"pyproject.toml:{line}: [tool.deploypack] max-unpacked-size: expected a size" in run.stderr


@pytest.mark.parametrize(("args", "named"), [
    (["build", "--no-such-flag"], "--no-such-flag"),
    (["build", "--format", "yaml"], "--format"),
    (["build", "--timeout", "soon"], "--timeout"),
    (["build", "--timeout", "-5"], "--timeout"),
    (["frobnicate"], "frobnicate"),
])
def test_bad_cli_flag_is_exit_3_naming_it(args: list[str], named: str, simple_project: Path) -> None:
    project_arg = [str(simple_project)] if args[0] == "build" else []
    run = refused(simple_project.parent, [args[0], *project_arg, *args[1:]])
    assert run.exit_code == 3, run.stderr
    assert named in run.stderr


def test_bad_action_input_or_environment_value_names_the_variable(simple_project: Path) -> None:
    run = refused(simple_project.parent, ["build", str(simple_project)],
                  environ=clean_environ(DEPLOYPACK_MAX_MEMBERS="many"))
    assert run.exit_code == 3, run.stderr
    assert "DEPLOYPACK_MAX_MEMBERS" in run.stderr


def test_limits_are_configurable_per_project(tmp_path: Path) -> None:
    # A tiny unpacked-size limit in [tool.deploypack] stops the build at the sdist it wrote.
    project = hostile_project(tmp_path / "project", sdist_extra=BIG_MEMBER,
                              pyproject_extra='\n[tool.deploypack]\nmax-unpacked-size = "1MB"\n')
    _, report = failed_build(tmp_path, project, "--no-isolation")
    [finding] = report["findings"]
    assert finding["code"] == "A002" and "max-unpacked-size" in finding["message"]
