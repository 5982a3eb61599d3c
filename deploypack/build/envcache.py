"""Isolated build environments reused across runs, keyed by what goes into them.

Creating a build environment, installing the backend into it and compiling its bytecode is
most of a small project's build time (and without bytecode, which hooks cannot write when
PYTHONDONTWRITEBYTECODE is set, every hook re-compiles the backend from source). The first
run for a set of build requirements installs them into a *template* in the cache; every run
then gets a fresh environment made by `build` whose site-packages is hard-linked from the
template. So a build never sees another build's leftovers (files it adds or replaces land in
its own copy), `build` still owns the environment, and the template is never modified.

A template older than the time-to-live is rebuilt, so backends stay as fresh as a resolution
made that day; the key holds the interpreter, the installer, the requirements and the
installer's configuration variables, so any change there makes a new template.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import os
import shutil
import sys
import sysconfig
import tempfile
import time
from collections.abc import Callable, Collection, Mapping
from pathlib import Path

FORMAT = 1  # bump when the template layout changes: old templates are then ignored
META = "deploypack-env.json"
SITE_DIR = "site"  # the template's site-packages
SCRIPTS_DIR = "scripts"  # the template's console scripts (shebangs rewritten per run)


def cache_root(environ: Mapping[str, str]) -> Path:
    """DEPLOYPACK_CACHE_DIR, else the XDG cache directory."""
    if environ.get("DEPLOYPACK_CACHE_DIR", "").strip():
        return Path(environ["DEPLOYPACK_CACHE_DIR"].strip())
    base = environ.get("XDG_CACHE_HOME", "").strip() or str(Path(environ.get("HOME") or Path.home()) / ".cache")
    return Path(base) / "deploypack"


def purelib(env_path: Path) -> Path:
    """site-packages of a venv at env_path, as `venv` lays it out for this interpreter."""
    scheme = "venv" if "venv" in sysconfig.get_scheme_names() else ("nt" if os.name == "nt" else "posix_prefix")
    return Path(sysconfig.get_path("purelib", scheme=scheme, vars={"base": str(env_path), "platbase": str(env_path)}))


def scripts(env_path: Path) -> Path:
    return env_path / ("Scripts" if os.name == "nt" else "bin")


@dataclasses.dataclass(frozen=True)
class EnvCache:
    root: Path
    ttl_seconds: float

    @property
    def envs(self) -> Path:
        return self.root / f"build-envs-{FORMAT}"

    def key(self, installer: str, requirements: Collection[str], environ: Mapping[str, str]) -> str:
        """What decides an environment's contents: interpreter, installer, requirements, installer config."""
        config = {name: value for name, value in environ.items() if name.startswith(("PIP_", "UV_"))}
        material = json.dumps({
            "python": sys.version, "executable": os.path.realpath(sys.executable), "prefix": sys.base_prefix,
            "installer": installer, "requirements": sorted(requirements), "config": sorted(config.items()),
        })
        return hashlib.sha256(material.encode()).hexdigest()[:32]

    def template(self, key: str) -> Path | None:
        """The fresh, complete template for key, or None."""
        path = self.envs / key
        try:
            meta = json.loads((path / META).read_text())
        except (OSError, ValueError):
            return None
        if not isinstance(meta, dict) or time.time() - float(meta.get("created", 0)) > self.ttl_seconds:
            return None
        return path

    def store(self, key: str, env_path: Path, requirements: Collection[str],
              installed: Mapping[str, str]) -> None:
        """Save a freshly installed environment's site-packages and scripts as the template for key.

        Written beside the final place, then renamed: a concurrent run sees all of it or nothing.
        """
        self.envs.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix="new-", dir=self.envs))
        try:
            _link_tree(purelib(env_path), staging / SITE_DIR)
            _copy_scripts(scripts(env_path), staging / SCRIPTS_DIR, python=None)
            (staging / META).write_text(json.dumps({
                "created": time.time(), "requirements": sorted(requirements), "installed": dict(installed),
            }))
            target = self.envs / key
            if target.exists():  # stale: move it aside first (runs linking from it fall back to a fresh env)
                retired = Path(tempfile.mkdtemp(prefix="old-", dir=self.envs))
                os.replace(target, retired / "env")
            os.replace(staging, target)
        except OSError:
            pass  # another run stored it first, or the cache is not writable: the build goes on
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        self.prune()

    def populate(self, template: Path, env_path: Path, python: str) -> None:
        """Fill a fresh, empty environment made by `build` from the template (raises OSError)."""
        _link_tree(template / SITE_DIR, purelib(env_path))
        _copy_scripts(template / SCRIPTS_DIR, scripts(env_path), python=python)

    def prune(self) -> None:
        """Remove expired templates and what crashed runs left behind."""
        now = time.time()
        with contextlib.suppress(OSError):
            for entry in self.envs.iterdir():
                if entry.name.startswith(("old-", "new-")):
                    if entry.name.startswith("old-") or now - entry.stat().st_mtime > 3600:
                        shutil.rmtree(entry, ignore_errors=True)
                elif self.template(entry.name) is None and now - entry.stat().st_mtime > self.ttl_seconds:
                    shutil.rmtree(entry, ignore_errors=True)


def _link_tree(source: Path, target: Path) -> None:
    """Copy a tree as hard links (a copy where the file system cannot link)."""
    copy: Callable[[str, str], object] = os.link

    def link_or_copy(src: str, dst: str) -> object:
        nonlocal copy
        try:
            return copy(src, dst)
        except OSError:
            if copy is shutil.copy2:
                raise
            copy = shutil.copy2
            return copy(src, dst)

    shutil.copytree(source, target, symlinks=True, copy_function=link_or_copy, dirs_exist_ok=True)


def _copy_scripts(source: Path, target: Path, python: str | None) -> None:
    """Console scripts; with `python` set, their shebang names that interpreter.

    When saving a template (no `python`), what the venv itself made (python, activate) is left out.
    """
    if not source.is_dir():
        return
    target.mkdir(parents=True, exist_ok=True)
    made_by_venv = _venv_files() if python is None else set()
    for entry in source.iterdir():
        if entry.name in made_by_venv or entry.is_symlink() or not entry.is_file():
            continue
        data = entry.read_bytes()
        first, _, rest = data.partition(b"\n")
        if python is not None and first.startswith(b"#!") and b"python" in first:
            data = b"#!" + os.fsencode(python) + b"\n" + rest
        destination = target / entry.name
        destination.write_bytes(data)
        destination.chmod(entry.stat().st_mode & 0o777)


def _venv_files() -> set[str]:
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    names = {"python", "python3", f"python{version}", "pythonw", "python.exe", "pythonw.exe"}
    names |= {"activate", "activate.bat", "activate.csh", "activate.fish", "activate.nu", "Activate.ps1",
              "deactivate.bat", "activate_this.py"}
    return names


def compile_command(python: str, env_path: Path) -> list[str]:
    """Compile an environment's modules once, so hooks never compile them from source."""
    return [python, "-m", "compileall", "-q", "-j", "0", str(purelib(env_path))]
