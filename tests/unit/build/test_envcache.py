"""The build-environment cache's keys, expiry and copies (deploypack/build/envcache.py)."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from deploypack.build import envcache
from deploypack.build.envcache import EnvCache


def test_key_depends_on_what_goes_into_the_environment(tmp_path: Path) -> None:
    cache = EnvCache(tmp_path, 3600)
    base = cache.key("uv", ["setuptools>=77", "wheel"], {})
    assert cache.key("uv", ["wheel", "setuptools>=77"], {}) == base  # order does not matter
    assert cache.key("pip", ["setuptools>=77", "wheel"], {}) != base
    assert cache.key("uv", ["setuptools>=78", "wheel"], {}) != base
    mirror = {"UV_INDEX_URL": "https://mirror.example.invalid/simple"}
    assert cache.key("uv", ["setuptools>=77", "wheel"], mirror) != base
    assert cache.key("uv", ["setuptools>=77", "wheel"], {"HOME": "/elsewhere"}) == base


def _template(cache: EnvCache, key: str, created: float) -> Path:
    path = cache.envs / key
    (path / envcache.SITE_DIR).mkdir(parents=True)
    (path / envcache.META).write_text(json.dumps({"created": created, "requirements": [], "installed": {}}))
    return path


def test_template_is_served_only_while_fresh_and_complete(tmp_path: Path) -> None:
    cache = EnvCache(tmp_path, 3600)
    assert cache.template("missing") is None
    fresh = _template(cache, "fresh", time.time() - 60)
    _template(cache, "expired", time.time() - 7200)
    (cache.envs / "corrupt").mkdir()
    (cache.envs / "corrupt" / envcache.META).write_text("{not json")
    assert cache.template("fresh") == fresh
    assert cache.template("expired") is None
    assert cache.template("corrupt") is None


def _venv_like(root: Path) -> Path:
    site = envcache.purelib(root)
    (site / "backend").mkdir(parents=True)
    (site / "backend" / "__init__.py").write_text("VALUE = 1\n")
    bin_dir = envcache.scripts(root)
    bin_dir.mkdir(parents=True, exist_ok=True)
    (bin_dir / "backend-cli").write_text(f"#!{bin_dir / 'python'}\nimport backend\n")
    (bin_dir / "backend-cli").chmod(0o755)
    (bin_dir / "activate").write_text("# made by venv\n")
    return root


def test_store_then_populate_links_site_packages_and_repoints_scripts(tmp_path: Path) -> None:
    cache = EnvCache(tmp_path / "cache", 3600)
    made = _venv_like(tmp_path / "made")
    cache.store("k", made, ["backend"], {"backend": "1.0"})
    template = cache.template("k")
    assert template is not None
    assert not (template / envcache.SCRIPTS_DIR / "activate").exists()  # the venv's own files stay out

    run = tmp_path / "run"
    envcache.purelib(run).mkdir(parents=True)
    python = str(envcache.scripts(run) / "python")
    cache.populate(template, run, python)
    copied = envcache.purelib(run) / "backend" / "__init__.py"
    assert copied.read_text() == "VALUE = 1\n"
    assert os.stat(copied).st_ino == os.stat(template / envcache.SITE_DIR / "backend" / "__init__.py").st_ino
    script = envcache.scripts(run) / "backend-cli"
    assert script.read_text().splitlines()[0] == f"#!{python}"
    assert os.access(script, os.X_OK)

    # What a build adds to its copy never reaches the template.
    (envcache.purelib(run) / "added.txt").write_text("x")
    assert not (template / envcache.SITE_DIR / "added.txt").exists()


def test_store_replaces_an_expired_template_and_prune_removes_leftovers(tmp_path: Path) -> None:
    cache = EnvCache(tmp_path / "cache", 3600)
    _template(cache, "k", time.time() - 7200)
    cache.store("k", _venv_like(tmp_path / "made"), ["backend"], {})
    assert cache.template("k") is not None
    assert sorted(p.name for p in cache.envs.iterdir()) == ["k"]


def test_cache_root_follows_the_environment(tmp_path: Path) -> None:
    assert envcache.cache_root({"DEPLOYPACK_CACHE_DIR": str(tmp_path)}) == tmp_path
    assert envcache.cache_root({"XDG_CACHE_HOME": str(tmp_path)}) == tmp_path / "deploypack"
    assert envcache.cache_root({"HOME": str(tmp_path)}) == tmp_path / ".cache" / "deploypack"
