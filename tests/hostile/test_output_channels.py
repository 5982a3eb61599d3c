"""Every way build code can say something reaches only the build log (issue: a warning's text
printed live by deploypack was read by the runner as a workflow command).

A hook of each backend of the suite — setup.py (legacy and build_meta), a hatchling build hook,
a pdm-backend build hook, a flit module imported for its version, a poetry-core build script —
prints workflow commands through print, sys.stderr, warnings.warn (every category), logging,
writes to fd 1 and 2 and /dev/stderr, opens deploypack's own descriptors through /proc, and
starts a grandchild that does the same. deploypack
runs as a real process, as the runner starts it (GITHUB_ACTIONS=true), with the hook server
and without it; the runner emulator reads both streams: no command but deploypack's own may
act, and the text is in the build log.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from deploypack.catalogue import all_rules
from tests.conftest import Run
from tests.hostile.test_injection import assert_no_forged_command, interleavings, runner_environ

pytestmark = [pytest.mark.integration,
              pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc (Linux)")]

CHANNELS = '''\
import logging, os, subprocess, sys, warnings


def _say(way):
    return "\\n".join(["::error file=pyproject.toml,line=1::forged by " + way, "::add-mask::" + way,
                       "::set-output name=ok::" + way, "##[add-path]/" + way, "::stop-commands::" + way])


print(_say("print"), flush=True)
print(_say("stderr"), file=sys.stderr, flush=True)
for _category in (UserWarning, DeprecationWarning, FutureWarning, RuntimeWarning, SyntaxWarning):
    warnings.warn(_say(_category.__name__), _category)
warnings.warn_explicit(_say("warn_explicit"), UserWarning, "pyproject.toml", 1)
logging.getLogger("hostile").warning(_say("logging"))
logging.error(_say("rootlogging"))
sys.stdout.flush()
sys.stderr.flush()
os.write(1, (_say("fd1") + "\\n").encode())
os.write(2, (_say("fd2") + "\\n").encode())
with open("/dev/stderr", "w") as _handle:
    _handle.write(_say("devstderr") + "\\n")
try:
    with open("/dev/tty", "w") as _handle:  # no controlling terminal: the hook has its own session
        _handle.write(_say("tty") + "\\n")
except OSError:
    pass
# deploypack's own descriptors, through /proc (the hook's parent, or the hook server's)
_pid = os.getppid()
while _pid > 1:
    with open(f"/proc/{_pid}/cmdline", "rb") as _handle:
        _command = _handle.read()
    if b"\\0-m\\0deploypack\\0" in _command:  # python -m deploypack, as the test starts it
        for _fd in (1, 2):
            try:
                with open(f"/proc/{_pid}/fd/{_fd}", "w") as _handle:
                    _handle.write(_say("proc") + "\\n")
            except OSError as _error:
                print("refused:", _error)
        break
    with open(f"/proc/{_pid}/stat") as _handle:
        _pid = int(_handle.read().rpartition(")")[2].split()[1])
subprocess.run([sys.executable, "-c", "import sys, warnings; print(sys.argv[1], flush=True); "
                "sys.stderr.write(sys.argv[1] + '\\\\n'); warnings.warn(sys.argv[2])",
                _say("grandchild"), _say("grandchild-warning")], check=True)
'''
# Ways whose text must be in the log (other warning categories are dropped by the hook runner).
IN_LOG = ("print", "stderr", "UserWarning", "warn_explicit", "logging", "rootlogging", "fd1", "fd2", "devstderr",
          "grandchild", "grandchild-warning")


def _indented(code: str, prefix: str = "    ") -> str:
    return textwrap.indent(code, prefix)


BACKENDS: dict[str, dict[str, str]] = {
    "setuppy-legacy": {
        "setup.py": CHANNELS + 'from setuptools import setup\nsetup(name="chan", version="1.0", py_modules=["chan"])\n',
        "chan.py": "X = 1\n",
    },
    "setuptools": {
        "pyproject.toml": '[build-system]\nrequires = ["setuptools>=61"]\nbuild-backend = "setuptools.build_meta"\n'
                          '[project]\nname = "chan"\nversion = "1.0"\n',
        "setup.py": CHANNELS + "from setuptools import setup\nsetup()\n",
        "chan.py": "X = 1\n",
    },
    "hatchling": {
        "pyproject.toml": '[build-system]\nrequires = ["hatchling"]\nbuild-backend = "hatchling.build"\n'
                          '[project]\nname = "chan"\nversion = "1.0"\n[tool.hatch.build.hooks.custom]\n',
        "hatch_build.py": "from hatchling.builders.hooks.plugin.interface import BuildHookInterface\n\n\n"
                          "class CustomHook(BuildHookInterface):\n    def initialize(self, version, build_data):\n"
                          + _indented(CHANNELS, "        "),
        "chan/__init__.py": "X = 1\n",
    },
    "pdm": {
        "pyproject.toml": '[build-system]\nrequires = ["pdm-backend"]\nbuild-backend = "pdm.backend"\n'
                          '[project]\nname = "chan"\nversion = "1.0"\n',
        "pdm_build.py": "def pdm_build_initialize(context):\n" + _indented(CHANNELS),
        "src/chan/__init__.py": "X = 1\n",
    },
    "flit": {
        "pyproject.toml": '[build-system]\nrequires = ["flit_core>=3.4,<4"]\nbuild-backend = "flit_core.buildapi"\n'
                          '[project]\nname = "chan"\ndynamic = ["version", "description"]\n',
        # A version the AST cannot read: flit imports the module to get it.
        "chan.py": '"""Channels."""\n' + CHANNELS + '__version__ = "1." + "0"\n',
    },
    "poetry": {
        "pyproject.toml": '[build-system]\nrequires = ["poetry-core>=1.5"]\nbuild-backend = "poetry.core.masonry.api"\n'
                          '[tool.poetry]\nname = "chan"\nversion = "1.0"\ndescription = "x"\nauthors = ["A <a@b.c>"]\n'
                          '[tool.poetry.build]\nscript = "build_chan.py"\ngenerate-setup-file = false\n',
        "build_chan.py": CHANNELS,
        "chan/__init__.py": "X = 1\n",
    },
}


def run_deploypack(args: list[str], environ: dict[str, str]) -> Run:
    """deploypack as a process, as a CI user runs it: as root, without the capabilities (CAP_SYS_PTRACE)
    that open any process's /proc entries (which deploypack cannot close to such a hook)."""
    prefix: list[str] = []
    if os.geteuid() == 0:
        if shutil.which("setpriv") is None:
            pytest.skip("running as root, and setpriv is not there to drop the capabilities")
        prefix = ["setpriv", "--bounding-set=-all", "--inh-caps=-all"]
    result = subprocess.run([*prefix, sys.executable, "-m", "deploypack", *args], capture_output=True, text=True,
                            env=environ, timeout=600)
    return Run(result.returncode, result.stdout, result.stderr)


@pytest.mark.parametrize("hook_server", ["true", "false"])
@pytest.mark.parametrize("backend", sorted(BACKENDS))
def test_nothing_a_hook_says_reaches_deploypacks_streams(backend: str, hook_server: str,
                                                         make_project: Callable[..., Path], tmp_path: Path) -> None:
    tree = make_project(BACKENDS[backend], name="chan")
    report_path = tmp_path / "report.json"
    run = run_deploypack(["build", str(tree), "--format", "github", "--outdir", str(tmp_path / "dist"),
                          "--report", str(report_path)],
                         {**runner_environ(tmp_path), "DEPLOYPACK_HOOK_SERVER": hook_server})
    assert run.exit_code in (0, 1), run.stderr[-3000:]
    codes = set(all_rules())
    for text in interleavings(run.stdout, run.stderr):
        runner = assert_no_forged_command(text, codes)
        assert runner.masks == []
    # Nothing of it in the progress lines (a finding may quote it on stdout, as an annotation's data) ...
    assert "forged by" not in run.stderr
    # ... and all of it in the build log.
    assert json.loads(report_path.read_text(encoding="utf-8"))["ok"] in (True, False)
    log = report_path.with_suffix(".log").read_text(encoding="utf-8")
    missing = [way for way in IN_LOG if f"forged by {way}\n" not in log]
    assert not missing, log[-3000:]
    assert "refused: [Errno 13] Permission denied: '/proc/" in log  # deploypack's descriptors were tried
