"""Reading a failed build's log: each tool's wording of a missing file or tool, the config line a
backend's message is about, the project's own traceback frames. Logs as the tools print them;
the projects are real directories (and a real git checkout where git is asked)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from deploypack.build import config_error, diagnose, missing_input, sdist_gap, toolchain
from deploypack.project.naming import declared_name
from deploypack.project.sources import ProjectSources


@pytest.mark.parametrize(("line", "name", "kind"), [
    ("src/x.c:2:10: fatal error: answer.h: No such file or directory", "answer.h", "include"),
    ("src/x.c:2:10: fatal error: 'vendor/answer.h' file not found", "vendor/answer.h", "include"),
    (r"src\x.c(2): fatal error C1083: Cannot open include file: 'answer.h': No such file or directory",
     "answer.h", "include"),
    ("gcc: error: src/extra.c: No such file or directory", "src/extra.c", "path"),
    ("pkg/fast.pyx:1:0: 'pkg/helpers.pxd' not found", "pkg/helpers.pxd", "cython"),
    ("Cython.Compiler.Errors.InternalError: Internal compiler error: 'consts.pxi' not found", "consts.pxi", "cython"),
    ("ValueError: 'pkg/fast.pyx' doesn't match any files", "pkg/fast.pyx", "path"),
    ("FileNotFoundError: Forced include not found: /build/proj/data/schema.json", "/build/proj/data/schema.json",
     "path"),
    ("error: can't copy 'pkg/data/table.csv': doesn't exist or not a regular file", "pkg/data/table.csv", "path"),
    ("FileNotFoundError: [Errno 2] No such file or directory: 'meta/VERSION'", "meta/VERSION", "path"),
    ("../meson.build:12:0: ERROR: File src/gen.c does not exist.", "src/gen.c", "path"),
])
def test_each_tool_wording_of_a_missing_file(line: str, name: str, kind: str) -> None:
    (found,) = missing_input.missing_inputs(f"noise\n{line}\nmore noise\n")
    assert (found.name, found.kind) == (name, kind)


def test_cmake_names_the_source_on_the_next_line() -> None:
    log = "CMake Error at CMakeLists.txt:4 (add_library):\n  Cannot find source file:\n\n    src/native.c\n"
    assert [m.name for m in missing_input.missing_inputs(log)] == ["src/native.c"]


@pytest.mark.parametrize(("line", "tool"), [
    ("error: command 'gcc' failed: No such file or directory", "a C compiler"),
    ("error: [Errno 2] No such file or directory: 'gcc'", "a C compiler"),
    ("unable to execute 'x86_64-linux-gnu-gcc': No such file or directory", "a C compiler"),
    ("ERROR: Unknown compiler(s): [['cc'], ['gcc'], ['clang'], ['nvc'], ['pgcc'], ['icc'], ['icx']]", "a C compiler"),
    ("ERROR: Unknown compiler(s): [['c++'], ['g++'], ['clang++']]", "a C++ compiler"),
    ("  No CMAKE_CXX_COMPILER could be found.", "a C++ compiler"),
    ("error: Microsoft Visual C++ 14.0 or greater is required. Get it with ...", "a C compiler"),
    ("FileNotFoundError: [Errno 2] No such file or directory: 'cmake'", "cmake"),
    ("/bin/sh: 1: cmake: not found", "cmake"),
    ("ERROR: Could not detect Ninja v1.8.2 or newer", "ninja"),
    ("meson.build:3:0: ERROR: Did not find pkg-config by name 'pkg-config'", "pkg-config"),
    ("src/x.c:1:10: fatal error: Python.h: No such file or directory", "Python.h"),
])
def test_each_wording_of_a_missing_tool(line: str, tool: str) -> None:
    (found,) = toolchain.missing_tools(f"running build_ext\n{line}\n", "3.12")
    assert found.tool == tool


def test_python_headers_name_the_versioned_package(tmp_path: Path) -> None:
    (tmp_path / "setup.py").write_text('from setuptools import Extension, setup\n\n'
                                       'setup(ext_modules=[Extension("m", ["m.c"])])\n')
    log = "m.c:1:10: fatal error: Python.h: No such file or directory\ncompilation terminated.\n"
    (finding,) = diagnose.failure_findings(log_text=log, sources=ProjectSources(tmp_path), roots={tmp_path: ""},
                                           stage="wheel", unpacked_sdist=None)
    assert (finding.code, finding.file, finding.line) == ("B014", "setup.py", 3)
    assert "-dev" in finding.message and "Python.h" in finding.hint  # type: ignore[operator]


def test_clang_wording_of_an_ignored_header_gives_the_gitignore_line(tmp_path: Path) -> None:
    project, sdist = tmp_path / "proj", tmp_path / "unpacked"
    (project / "include" / "gen").mkdir(parents=True)
    (project / "include" / "gen" / "config.h").write_text("#define X 1\n")
    (project / ".gitignore").write_text("*.o\ninclude/gen/\n")
    (project / "pyproject.toml").write_text('[build-system]\nrequires = ["hatchling"]\n'
                                            'build-backend = "hatchling.build"\n')
    subprocess.run(["git", "-C", str(project), "init", "-q"], check=True)
    sdist.mkdir()
    log = "src/m.c:3:10: fatal error: 'gen/config.h' file not found\n#include \"gen/config.h\"\n"
    (finding,) = diagnose.failure_findings(log_text=log, sources=ProjectSources(project),
                                           roots={project: "", sdist: ""}, stage="wheel", unpacked_sdist=sdist)
    assert (finding.code, finding.file, finding.line) == ("B007", ".gitignore", 2)
    assert "'include/gen/config.h'" in finding.message


def test_hatch_sdist_exclude_is_the_line_given(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "big.bin").write_text("x")
    (tmp_path / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["hatchling"]\nbuild-backend = "hatchling.build"\n\n'
        '[tool.hatch.build.targets.sdist]\nexclude = [\n  "/docs",\n  "/data",\n]\n')
    sdist = tmp_path / "unpacked"
    sdist.mkdir()
    log = "FileNotFoundError: Forced include not found: " + str(sdist / "data" / "big.bin")
    (finding,) = diagnose.failure_findings(log_text=log, sources=ProjectSources(tmp_path), roots={tmp_path: ""},
                                           stage="wheel", unpacked_sdist=sdist)
    assert (finding.code, finding.file, finding.line) == ("B007", "pyproject.toml", 8)


@pytest.mark.parametrize(("message", "line"), [
    ("ValueError: Unknown classifier in field `project.classifiers`: Topic :: Nonsense", 3),
    ("ValueError: invalid pyproject.toml config: `project.license`.", 4),
    ("pdm.backend.exceptions.ValidationError: project.requires-python: invalid (got '>=3.8,<<4')", 5),
    ("hatchling.plugin.exceptions.UnknownPluginError: Unknown metadata hook: fancy-readme", 7),
])
def test_backend_message_is_located_at_its_config_line(tmp_path: Path, message: str, line: int) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\nclassifiers = ["Topic :: Nonsense"]\nlicense = {text = 3}\n'
        'requires-python = ">=3.8,<<4"\n\n[tool.hatch.metadata.hooks.fancy-readme]\n')
    assert config_error.locate(ProjectSources(tmp_path), message) == ("pyproject.toml", line)


def test_interpreter_and_compiled_module_frames_are_not_the_project(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\nclassifiers = ["Topic :: Nonsense"]\n')
    log = ('Traceback (most recent call last):\n  File "<frozen runpy>", line 88, in _run_code\n'
           '  File "Cython/Utils.py", line 120, in Cython.Utils.cached_method.wrapper\n'
           "ValueError: Unknown classifier in field `project.classifiers`: Topic :: Nonsense\n")
    (finding,) = diagnose.failure_findings(log_text=log, sources=ProjectSources(tmp_path), roots={tmp_path: ""},
                                           stage="sdist", unpacked_sdist=None)
    assert (finding.code, finding.file, finding.line) == ("B012", "pyproject.toml", 3)


def test_dubious_ownership_in_the_log_gives_the_command(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\ndynamic = ["version"]\n'
                                             '[tool.setuptools_scm]\n')
    log = ("fatal: detected dubious ownership in repository at '/src/my proj'\nTo add an exception for this "
           "directory, call:\n\n\tgit config --global --add safe.directory '/src/my proj'\n")
    (finding,) = diagnose.failure_findings(log_text=log, sources=ProjectSources(tmp_path), roots={tmp_path: ""},
                                           stage="sdist", unpacked_sdist=None)
    assert (finding.code, finding.file, finding.line) == ("B015", "pyproject.toml", 3)
    assert "git config --global --add safe.directory '/src/my proj'" in finding.hint  # type: ignore[operator]


@pytest.mark.parametrize(("files", "name"), [
    ({"pyproject.toml": '[project]\nname = "from-pep621"\n'}, "from-pep621"),
    ({"pyproject.toml": '[tool.poetry]\nname = "from-poetry"\n'}, "from-poetry"),
    ({"setup.cfg": "[metadata]\nversion = 1\nname = from-cfg\n"}, "from-cfg"),
    ({"setup.py": 'setup(\n    name="from-setup-py",\n)\n'}, "from-setup-py"),
    ({"setup.py": "setup(name=NAME)\n"}, "dir-name"),
])
def test_declared_name_before_any_metadata(tmp_path: Path, files: dict[str, str], name: str) -> None:
    project = tmp_path / "dir-name"
    project.mkdir()
    for file, text in files.items():
        (project / file).write_text(text)
    assert declared_name(ProjectSources(project)) == name


@pytest.mark.parametrize(("config", "message", "line"), [
    ('[project]\nname = "x"\n\n[tool.hatch.build.targets.wheel]\npackages = ["src/y"]\n',
     "ValueError: Unable to determine which files to ship inside the wheel using the following heuristics", 5),
    ('[project]\nname = "x"\nversion = "1"\n',
     "ValueError: Unable to determine which files to ship inside the wheel using the following heuristics", 2),
    ('[project]\nname = "x"\n\n[tool.flit.module]\nname = "y"\n', "ValueError: No file/folder found for module y", 5),
])
def test_messages_that_quote_nothing_point_at_their_setting(tmp_path: Path, config: str, message: str,
                                                             line: int) -> None:
    (tmp_path / "pyproject.toml").write_text(config)
    assert config_error.locate(ProjectSources(tmp_path), message) == ("pyproject.toml", line)


@pytest.mark.parametrize(("files", "file", "line"), [
    ({"MANIFEST.in": "graft src\nglobal-exclude *.h\n"}, "MANIFEST.in", 2),
    ({"MANIFEST.in": "recursive-exclude src/pkg *.h\n"}, "MANIFEST.in", 1),
    ({"MANIFEST.in": "graft src\nprune src/pkg/include\n"}, "MANIFEST.in", 2),
    ({"MANIFEST.in": "global-exclude *.h\ninclude src/pkg/include/*.h\n"}, "MANIFEST.in", None),  # re-included
    ({"pyproject.toml": '[build-system]\nbuild-backend = "pdm.backend"\n[tool.pdm.build]\n'
                        'excludes = ["**/include"]\n'}, "pyproject.toml", 4),
    ({"pyproject.toml": '[build-system]\nbuild-backend = "poetry.core.masonry.api"\n[tool.poetry]\n'
                        'exclude = ["src/pkg/include/*.h"]\n'}, "pyproject.toml", 4),
    ({"pyproject.toml": '[build-system]\nbuild-backend = "flit_core.buildapi"\n[tool.flit.sdist]\n'
                        'exclude = ["src/pkg/include"]\n'}, "pyproject.toml", 4),
])
def test_the_config_line_that_leaves_a_file_out_of_the_sdist(tmp_path: Path, files: dict[str, str], file: str,
                                                             line: int | None) -> None:
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    cause = sdist_gap.why_not_in_sdist(ProjectSources(tmp_path), "src/pkg/include/table.h")
    assert (cause.file, cause.line) == (file, line)


def test_pdm_default_selection_points_at_source_includes(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[build-system]\nbuild-backend = "pdm.backend"\n\n[tool.pdm.build]\n'
                                             'source-includes = ["tests/"]\n')
    cause = sdist_gap.why_not_in_sdist(ProjectSources(tmp_path), "tools/gen.py")
    assert (cause.file, cause.line) == ("pyproject.toml", 5)
    assert "source-includes" in cause.text


@pytest.mark.parametrize("log", [
    "error: No solution found when resolving dependencies\n  cause: Because only demo-plugin[hatch]<0.1.2 is "
    "available and you require demo-plugin[hatch]>=0.1.2, we can conclude that your requirements are unsatisfiable.",
    "  × No solution found when resolving dependencies:\n  ╰─▶ Because only demo-plugin<=0.1.1 is available and you "
    "require demo-plugin>=0.1.2, we can conclude that your requirements are unsatisfiable.",
    "ERROR: Could not find a version that satisfies the requirement demo-plugin[hatch]>=0.1.2 (from versions: 0.1.1)",
])
def test_a_requirement_newer_than_the_index_has_is_named_at_its_line(tmp_path: Path, log: str) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[build-system]\nrequires = [\n  "hatchling>=1.28",\n  "demo-plugin[hatch]>=0.1.2; python_version>=\'3.11\'",\n'
        ']\nbuild-backend = "hatchling.build"\n')
    requirements = ["hatchling>=1.28", "demo-plugin[hatch]>=0.1.2; python_version>='3.11'"]
    finding = diagnose.requirement_finding(ProjectSources(tmp_path), log, requirements)
    assert finding is not None and finding.code == "B003"
    assert (finding.file, finding.line) == ("pyproject.toml", 4)
    assert "'demo-plugin'" in finding.message
