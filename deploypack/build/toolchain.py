"""A build tool the machine lacks: a C/C++/Fortran compiler, CMake, Ninja, Meson, pkg-config, Rust,
or the interpreter's own C headers (Python.h), each named from the wording of the tool that missed it,
with the package that provides it."""

from __future__ import annotations

import dataclasses
import re


@dataclasses.dataclass(frozen=True)
class MissingTool:
    tool: str  # "a C compiler", "cmake", "Python.h"
    packages: str  # what to install, per platform
    evidence: str  # the log line that says so
    command: str | None = None  # the program's name as the build ran it ("cmake"), when the log says


_C_COMPILER = ("a C compiler", "gcc (Debian/Ubuntu: build-essential; Fedora/RHEL: gcc; Alpine: build-base; "
               "macOS: xcode-select --install; Windows: Microsoft C++ Build Tools)")
_CXX_COMPILER = ("a C++ compiler", "g++ (Debian/Ubuntu: build-essential or g++; Fedora/RHEL: gcc-c++; "
                 "Alpine: build-base; macOS: xcode-select --install; Windows: Microsoft C++ Build Tools)")
_TOOLS: dict[str, tuple[str, str]] = {
    "gcc": _C_COMPILER, "cc": _C_COMPILER, "clang": _C_COMPILER, "cl": _C_COMPILER, "cl.exe": _C_COMPILER,
    "x86_64-linux-gnu-gcc": _C_COMPILER,
    "g++": _CXX_COMPILER, "c++": _CXX_COMPILER, "clang++": _CXX_COMPILER,
    "gfortran": ("a Fortran compiler", "gfortran (Debian/Ubuntu: gfortran; Fedora/RHEL: gcc-gfortran; "
                 "Alpine: gfortran; macOS: brew install gcc)"),
    "cmake": ("cmake", "cmake (add `cmake` to [build-system] requires, or the system package cmake)"),
    "ninja": ("ninja", "ninja (add `ninja` to [build-system] requires, or the system package ninja-build)"),
    "meson": ("meson", "meson (add `meson` to [build-system] requires)"),
    "make": ("make", "make (Debian/Ubuntu: build-essential or make; Fedora/RHEL/Alpine: make)"),
    "pkg-config": ("pkg-config", "pkg-config (Debian/Ubuntu: pkg-config; Fedora/RHEL: pkgconf-pkg-config; "
                   "Alpine: pkgconf; or `pkgconf` in [build-system] requires)"),
    "cargo": ("the Rust toolchain", "Rust (install with rustup, https://rustup.rs)"),
    "rustc": ("the Rust toolchain", "Rust (install with rustup, https://rustup.rs)"),
    "swig": ("swig", "swig (the system package swig, or `swig` in [build-system] requires)"),
}
_TOOL_NAMES = "|".join(re.escape(name) for name in sorted(_TOOLS, key=len, reverse=True))

# Each wording names the tool in the group `tool`, or (compiler wordings) implies one.
_NOT_FOUND = (
    # setuptools/distutils: "error: command 'gcc' failed: No such file or directory", "unable to execute 'gcc'"
    re.compile(rf"command '(?:\S*/)?(?P<tool>{_TOOL_NAMES})' failed: No such file or directory"),
    re.compile(rf"unable to execute '(?:\S*/)?(?P<tool>{_TOOL_NAMES})': No such file or directory"),
    # Python's subprocess, from setuptools or the project's setup.py
    re.compile(rf"No such file or directory: '(?:\S*/)?(?P<tool>{_TOOL_NAMES})'"),
    # shells
    re.compile(rf"(?:^|\s)(?P<tool>{_TOOL_NAMES}): (?:command )?not found"),
    re.compile(rf"'(?P<tool>{_TOOL_NAMES})' is not recognized as an internal or external command"),
    # meson: "Did not find pkg-config by name 'pkg-config'", "Could not detect Ninja v1.8.2 or newer"
    re.compile(r"Did not find (?P<tool>pkg-config) by name"),
    re.compile(r"Could not detect (?P<tool>Ninja) v"),
    # CMake: 'CMake was unable to find a build program corresponding to "Ninja"'
    re.compile(r'unable to find a build program corresponding to "(?P<tool>Ninja|Unix Makefiles)"'),
    # setuptools-rust
    re.compile(r"can't find (?P<tool>Rust) compiler"),
)
_NO_COMPILER = (
    (re.compile(r"No CMAKE_C_COMPILER could be found|CMAKE_C_COMPILER not set"), _C_COMPILER),
    (re.compile(r"No CMAKE_CXX_COMPILER could be found|CMAKE_CXX_COMPILER not set"), _CXX_COMPILER),
    (re.compile(r"Unknown compiler\(s\): \[\['(?:cc|gcc|clang|icl|cl)'"), _C_COMPILER),
    (re.compile(r"Unknown compiler\(s\): \[\['(?:c\+\+|g\+\+|clang\+\+)'"), _CXX_COMPILER),
    (re.compile(r"Unknown compiler\(s\): \[\['gfortran'"), _TOOLS["gfortran"]),
    (re.compile(r"Microsoft Visual C\+\+ [\d.]+ or greater is required"), _C_COMPILER),
)
_PYTHON_H = re.compile(r"fatal error: '?Python\.h'?: No such file or directory|'Python\.h' file not found|"
                       r"Cannot open include file: 'Python\.h'")
_ALIASES = {"Ninja": "ninja", "Unix Makefiles": "make", "Rust": "cargo"}


def missing_tools(log_text: str, python_version: str) -> list[MissingTool]:
    """Each missing tool the log tells of, once, in the order first told."""
    found: dict[str, MissingTool] = {}
    for line in log_text.splitlines():
        for tool, packages, command in _line_tools(line, python_version):
            found.setdefault(tool, MissingTool(tool, packages, line.strip()[:300], command))
    return list(found.values())


def _line_tools(line: str, python_version: str) -> list[tuple[str, str, str | None]]:
    if _PYTHON_H.search(line):
        return [("Python.h", f"the headers of Python {python_version} (Debian/Ubuntu: python{python_version}-dev; "
                             f"Fedora/RHEL: python{python_version}-devel; Alpine: python3-dev), or build with an "
                             "interpreter that has them (python.org, pyenv, uv and the official images do)", None)]
    for pattern, (tool, packages) in _NO_COMPILER:
        if pattern.search(line):
            return [(tool, packages, None)]
    for pattern in _NOT_FOUND:
        match = pattern.search(line)
        if match:
            name = _ALIASES.get(match.group("tool"), match.group("tool"))
            return [(*_TOOLS[name], name)]
    return []
