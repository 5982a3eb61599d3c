"""Build environments reused across runs (deploypack/build/envcache.py), with real builds."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import clean_environ, run_cli

pytestmark = pytest.mark.integration

# An in-tree backend wrapping setuptools that fails when its environment holds a file a previous
# build left there, and then leaves one itself: a build must never see another build's leftovers.
BACKEND = '''
import sysconfig
from pathlib import Path

from setuptools import build_meta as _inner
from setuptools.build_meta import *  # noqa: F401,F403

MARK = Path(sysconfig.get_paths()["purelib"]) / "left-by-an-earlier-build.txt"


def build_sdist(sdist_directory, config_settings=None):
    if MARK.exists():
        raise RuntimeError("this build environment holds a file an earlier build wrote")
    MARK.write_text("x")
    return _inner.build_sdist(sdist_directory, config_settings)
'''

FILES = {
    "pyproject.toml": '[build-system]\nrequires = ["setuptools>=77"]\nbuild-backend = "backend"\n'
                      'backend-path = ["_build"]\n\n[project]\nname = "cached-env-demo"\nversion = "1.0"\n'
                      'description = "d"\nreadme = "README.md"\nlicense = "MIT"\n\n'
                      '[tool.setuptools]\npackages = ["cached_env_demo"]\n',
    "_build/backend.py": BACKEND,
    "MANIFEST.in": "graft _build\n",
    "README.md": "# demo\n",
    "cached_env_demo/__init__.py": "",
}


def _build(tree: Path, outdir: Path, environ: dict[str, str]) -> str:
    run = run_cli(["build", str(tree), "--outdir", str(outdir), "--format", "json"], environ)
    assert run.exit_code in (0, 1), run.stdout + run.stderr
    return (outdir / "deploypack-build.log").read_text()


def _templates(cache: Path) -> list[Path]:
    return sorted(path for path in cache.glob("build-envs-*/*") if (path / "deploypack-env.json").is_file())


def test_second_build_reuses_the_environment_but_not_the_first_builds_files(make_project, tmp_path: Path) -> None:
    tree = make_project(FILES)
    cache = tmp_path / "cache"
    environ = clean_environ(DEPLOYPACK_CACHE_DIR=str(cache))

    first_log = _build(tree, tmp_path / "a", environ)
    assert "reusing the build environment" not in first_log
    (template,) = _templates(cache)
    meta = json.loads((template / "deploypack-env.json").read_text())
    assert meta["requirements"] == ["setuptools>=77"]
    assert "setuptools" in meta["installed"]
    assert not list(template.rglob("left-by-an-earlier-build.txt"))

    second_log = _build(tree, tmp_path / "b", environ)
    assert "reusing the build environment cached for: setuptools>=77" in second_log
    assert "installing: setuptools>=77" not in second_log
    assert _templates(cache) == [template]
    assert not list(template.rglob("left-by-an-earlier-build.txt"))
    # Each run's environment is gone once the run is over.
    assert not list(cache.glob("build-envs-*/run-*"))


def test_an_expired_environment_is_installed_afresh(make_project, tmp_path: Path) -> None:
    tree = make_project(FILES)
    cache = tmp_path / "cache"
    environ = clean_environ(DEPLOYPACK_CACHE_DIR=str(cache), DEPLOYPACK_ENV_CACHE_HOURS="1")
    _build(tree, tmp_path / "a", environ)
    (template,) = _templates(cache)
    meta_file = template / "deploypack-env.json"
    meta = json.loads(meta_file.read_text())
    meta_file.write_text(json.dumps({**meta, "created": meta["created"] - 7200}))

    log = _build(tree, tmp_path / "b", environ)
    assert "installing: setuptools>=77" in log
    assert "reusing the build environment" not in log
    (renewed,) = _templates(cache)
    assert json.loads((renewed / "deploypack-env.json").read_text())["created"] > meta["created"] - 60


def test_cache_off_installs_every_time_and_writes_nothing(make_project, tmp_path: Path) -> None:
    tree = make_project(FILES)
    cache = tmp_path / "cache"
    environ = clean_environ(DEPLOYPACK_CACHE_DIR=str(cache), DEPLOYPACK_ENV_CACHE_HOURS="0")
    for outdir in ("a", "b"):
        log = _build(tree, tmp_path / outdir, environ)
        assert "installing: setuptools>=77" in log
    assert not cache.exists()
