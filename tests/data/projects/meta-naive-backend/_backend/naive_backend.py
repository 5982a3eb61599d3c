"""A deliberately naive PEP 517 backend for deploypack's tests.

It writes core metadata verbatim from [project], validating nothing, so that tests can plant the
metadata defects that real backends refuse to build (an invalid SPDX expression, a malformed URL,
an sdist and a wheel that disagree). `[tool.naive]` bends it further:
  metadata-version = "3.0"          the Metadata-Version written
  wheel-overrides = {Header = ...}  headers whose value differs in the wheel (a string or a list)
  wheel-license-files = false       leave the licence files out of the wheel's .dist-info/licenses/
  file-name = "Naive.Demo"          the name part of both archive file names, as given (not normalised)
Standard library only; the wheel is built from the unpacked sdist like any other.
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import re
import tarfile
import tomllib
import zipfile

_SKIP = {".git", "dist", "__pycache__", "PKG-INFO"}


def _config() -> dict:
    with open("pyproject.toml", "rb") as handle:
        return tomllib.load(handle)


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "_", name).lower()


def _file_name(config: dict) -> str:
    return config.get("tool", {}).get("naive", {}).get("file-name") or _normal(config["project"]["name"])


def _headers(config: dict, for_wheel: bool) -> tuple[list[tuple[str, str]], str]:
    project = config["project"]
    naive = config.get("tool", {}).get("naive", {})
    headers = [("Metadata-Version", naive.get("metadata-version", "2.4")), ("Name", project["name"]),
               ("Version", project["version"])]
    if "description" in project:
        headers.append(("Summary", project["description"]))
    if "license" in project:
        headers.append(("License-Expression", project["license"]))
    headers += [("License-File", path) for path in project.get("license-files", [])]
    headers += [("Classifier", classifier) for classifier in project.get("classifiers", [])]
    if "requires-python" in project:
        headers.append(("Requires-Python", project["requires-python"]))
    headers += [("Requires-Dist", requirement) for requirement in project.get("dependencies", [])]
    for extra, requirements in project.get("optional-dependencies", {}).items():
        headers.append(("Provides-Extra", extra))
        headers += [("Requires-Dist", f'{requirement}; extra == "{extra}"') for requirement in requirements]
    headers += [("Project-URL", f"{label}, {url}") for label, url in project.get("urls", {}).items()]
    body = ""
    if "readme" in project:
        with open(project["readme"], encoding="utf-8") as handle:
            body = handle.read()
        kind = {".md": "text/markdown", ".rst": "text/x-rst"}.get(os.path.splitext(project["readme"])[1], "text/plain")
        headers.append(("Description-Content-Type", kind))
    if for_wheel:
        for header, value in naive.get("wheel-overrides", {}).items():
            headers = [(h, v) for h, v in headers if h != header]
            headers += [(header, item) for item in (value if isinstance(value, list) else [value])]
    return headers, body


def _metadata(config: dict, for_wheel: bool) -> bytes:
    headers, body = _headers(config, for_wheel)
    return ("".join(f"{h}: {v}\n" for h, v in headers) + "\n" + body).encode("utf-8")


def _files() -> list[str]:
    found = []
    for root, dirs, names in os.walk("."):
        dirs[:] = sorted(d for d in dirs if d not in _SKIP)
        found += [os.path.relpath(os.path.join(root, n)) for n in sorted(names) if n not in _SKIP]
    return found


def build_sdist(sdist_directory: str, config_settings: dict | None = None) -> str:
    config = _config()
    stem = f"{_file_name(config)}-{config['project']['version']}"
    with tarfile.open(os.path.join(sdist_directory, stem + ".tar.gz"), "w:gz") as archive:
        data = _metadata(config, for_wheel=False)
        info = tarfile.TarInfo(f"{stem}/PKG-INFO")
        info.size = len(data)
        archive.addfile(info, io.BytesIO(data))
        for path in _files():
            archive.add(path, f"{stem}/{path}")
    return stem + ".tar.gz"


def build_wheel(wheel_directory: str, config_settings: dict | None = None,
                metadata_directory: str | None = None) -> str:
    config = _config()
    name, version = _normal(config["project"]["name"]), config["project"]["version"]
    dist_info = f"{name}-{version}.dist-info"
    entries = {}
    for path in _files():
        if path.startswith(name + os.sep):
            with open(path, "rb") as handle:
                entries[path.replace(os.sep, "/")] = handle.read()
    if config.get("tool", {}).get("naive", {}).get("wheel-license-files", True):
        for path in config["project"].get("license-files", []):
            with open(path, "rb") as handle:
                entries[f"{dist_info}/licenses/{path}"] = handle.read()
    entries[f"{dist_info}/METADATA"] = _metadata(config, for_wheel=True)
    entries[f"{dist_info}/WHEEL"] = b"Wheel-Version: 1.0\nGenerator: naive\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    record = [f"{path},sha256={base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b'=').decode()},{len(data)}"
              for path, data in entries.items()]
    entries[f"{dist_info}/RECORD"] = ("\n".join(record + [f"{dist_info}/RECORD,,"]) + "\n").encode()
    filename = f"{_file_name(config)}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(os.path.join(wheel_directory, filename), "w", zipfile.ZIP_DEFLATED) as archive:
        for path, data in entries.items():
            info = zipfile.ZipInfo(path, (2020, 1, 1, 0, 0, 0))
            info.external_attr = 0o100644 << 16
            archive.writestr(info, data)
    return filename
