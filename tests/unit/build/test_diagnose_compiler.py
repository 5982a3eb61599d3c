"""How each backend says the compiler is missing (the lines as the backends print them), and lines that do not."""

from __future__ import annotations

import pytest

from deploypack.build.diagnose import missing_compiler


@pytest.mark.parametrize(("log", "compiler"), [
    ("building 'x._speed' extension\nerror: command 'gcc' failed: No such file or directory\n", "gcc"),
    ("error: command 'x86_64-linux-gnu-gcc' failed: No such file or directory", "x86_64-linux-gnu-gcc"),
    ("error: [Errno 2] No such file or directory: '/usr/bin/g++'", "/usr/bin/g++"),
    ("unable to execute 'gcc': No such file or directory", "gcc"),
    ("../meson.build:1:0: ERROR: Unknown compiler(s): [['cc'], ['gcc'], ['clang']]", "cc"),
    ("CMake Error at CMakeLists.txt:2 (project):\n  No CMAKE_CXX_COMPILER could be found.", "a C++ compiler"),
    ("Could not find compiler set in environment variable CC:\n\n  /x/gcc.", "a C compiler"),
    ("error: can't find Rust compiler\n\nIf you are using an outdated pip version", "the Rust compiler"),
    ("error: linker `cc` not found\n  |\n  = note: No such file or directory (os error 2)", "cc"),
    ("sh: 1: gcc: not found", "gcc"),
])
def test_the_missing_compiler_is_named(log: str, compiler: str) -> None:
    assert missing_compiler(log) == compiler


@pytest.mark.parametrize("log", [
    "error: command 'gcc' failed with exit code 1",  # the compiler ran: the code does not compile
    "src/x.c:1:10: fatal error: Python.h: No such file or directory",
    "FileNotFoundError: [Errno 2] No such file or directory: 'README.rst'",
    "ModuleNotFoundError: No module named 'Cython'",
])
def test_other_failures_are_not_a_missing_compiler(log: str) -> None:
    assert missing_compiler(log) is None
