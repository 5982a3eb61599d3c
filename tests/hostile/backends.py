"""A hostile in-tree PEP 517 backend: the project's own build code, doing what untrusted code
may do (hang, fork a daemon, flood its output, write elsewhere, emit a crafted sdist).

Each behaviour is Python source run at the start of a hook (`stage` is "sdist" or "wheel");
`sdist_extra` runs with the open `tarfile` as `tar` and the sdist's top directory as `base`,
to add crafted members. Hooks see the environment of the deploypack process, so a test passes
the directory where the backend leaves its witnesses (pids, files) as HOSTILE_WITNESS.
"""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

BACKEND = '''\
import base64, hashlib, io, os, subprocess, sys, tarfile, time, zipfile

NAME, VERSION = "hostile", "1.0"
WITNESS = os.environ.get("HOSTILE_WITNESS", ".")
METADATA = b"Metadata-Version: 2.1\\nName: hostile\\nVersion: 1.0\\nSummary: hostile build code\\n"


def witness(name, text):
    with open(os.path.join(WITNESS, name), "w") as handle:
        handle.write(str(text))


def behave(stage):
{behaviour}


def sdist_extra(tar, base):
{sdist_extra}


def build_sdist(sdist_directory, config_settings=None):
    behave("sdist")
    base = f"{{NAME}}-{{VERSION}}"
    with tarfile.open(os.path.join(sdist_directory, base + ".tar.gz"), "w:gz", format=tarfile.PAX_FORMAT) as tar:
        for relative in ("pyproject.toml", "hostile.py", "_backend/hostile_backend.py"):
            tar.add(relative, arcname=f"{{base}}/{{relative}}")
        info = tarfile.TarInfo(f"{{base}}/PKG-INFO")
        info.size = len(METADATA)
        tar.addfile(info, io.BytesIO(METADATA))
        sdist_extra(tar, base)
    return base + ".tar.gz"


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    behave("wheel")
    name = f"{{NAME}}-{{VERSION}}-py3-none-any.whl"
    files = {{
        "hostile.py": open("hostile.py", "rb").read(),
        f"{{NAME}}-{{VERSION}}.dist-info/METADATA": METADATA,
        f"{{NAME}}-{{VERSION}}.dist-info/WHEEL": b"Wheel-Version: 1.0\\nGenerator: hostile\\n"
        b"Root-Is-Purelib: true\\nTag: py3-none-any\\n",
    }}
    record = []
    for path, data in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record.append(f"{{path}},sha256={{digest}},{{len(data)}}")
    record.append(f"{{NAME}}-{{VERSION}}.dist-info/RECORD,,")
    files[f"{{NAME}}-{{VERSION}}.dist-info/RECORD"] = ("\\n".join(record) + "\\n").encode()
    with zipfile.ZipFile(os.path.join(wheel_directory, name), "w", zipfile.ZIP_DEFLATED) as wheel:
        for path, data in files.items():
            wheel.writestr(zipfile.ZipInfo(path, (2020, 1, 1, 0, 0, 0)), data)
    return name
'''

PYPROJECT = """\
[build-system]
requires = []
build-backend = "hostile_backend"
backend-path = ["_backend"]

[project]
name = "hostile"
version = "1.0"
description = "hostile build code"
"""


def hostile_project(root: Path, behaviour: str = "pass", sdist_extra: str = "pass", pyproject_extra: str = "") -> Path:
    """Write the project; returns its directory."""
    (root / "_backend").mkdir(parents=True)
    (root / "pyproject.toml").write_text(PYPROJECT + pyproject_extra, encoding="utf-8")
    (root / "hostile.py").write_text('"""hostile"""\n', encoding="utf-8")
    source = BACKEND.format(
        behaviour=textwrap.indent(textwrap.dedent(behaviour).strip() or "pass", "    "),
        sdist_extra=textwrap.indent(textwrap.dedent(sdist_extra).strip() or "pass", "    "),
    )
    (root / "_backend" / "hostile_backend.py").write_text(source, encoding="utf-8")
    return root


def is_running(pid: int) -> bool:
    """Alive and not a zombie (a killed orphan may wait for its reaper)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True
    return state not in ("Z", "X")


def tree_snapshot(root: Path) -> dict[str, bytes]:
    """Every file under root with its content (links as their target)."""
    snapshot: dict[str, bytes] = {}
    for path in sorted(root.rglob("*")):
        if path.is_symlink():
            snapshot[str(path.relative_to(root))] = os.readlink(path).encode()
        elif path.is_file():
            snapshot[str(path.relative_to(root))] = path.read_bytes()
    return snapshot
