"""Under Actions, a Python warning raised in deploypack's process (a library quoting what it read
from a distribution) goes to deploypack's guarded stderr, never raw to the process's stderr."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

import pytest

from tests.conftest import clean_environ, run_cli
from tests.runner_emulator import Runner


def test_a_library_warning_quoting_a_distribution_is_guarded(tmp_path: Path,
                                                              capfd: pytest.CaptureFixture[str]) -> None:
    sdist = tmp_path / "demo-1.0.tar.gz"
    # pkginfo warns about a Metadata-Version it does not know, quoting it
    pkg_info = b"Metadata-Version: ::error::x 9\nName: demo\nVersion: 1.0\n"
    with tarfile.open(sdist, "w:gz") as archive:
        for name, data in (("PKG-INFO", pkg_info), ("pyproject.toml", b"")):
            member = tarfile.TarInfo(f"demo-1.0/{name}")
            member.size = len(data)
            archive.addfile(member, io.BytesIO(data))
    run = run_cli(["check", str(sdist), "--format", "github"],
                  clean_environ(GITHUB_ACTIONS="true", GITHUB_OUTPUT=str(tmp_path / "out"),
                                GITHUB_STEP_SUMMARY=str(tmp_path / "summary")))
    out, err = capfd.readouterr()
    assert "::error::x" not in out + err  # nothing on the process's own streams
    assert "MetadataVersion" in run.stderr  # the warning, on deploypack's stderr ...
    assert not [c for c in Runner().feed(run.stderr).commands if "x 9" in c.line]  # ... inert
