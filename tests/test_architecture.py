"""The layout's rules (docs/architecture.md), enforced: the stages import downward only, nothing
imports in a cycle, and only the edge reads the process environment."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import REPO

PACKAGE = REPO / "deploypack"
# Where the process environment may be read: the edges, and the hook server, which runs inside the
# build environment's interpreter with exactly the hooks' environment.
EDGE = ("deploypack.cli", "deploypack.action", "deploypack.__main__", "deploypack.build.hookserver.server")


def _modules() -> Iterator[tuple[str, Path, ast.Module]]:
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(REPO).with_suffix("")
        parts = relative.parts[:-1] if relative.name == "__init__" else relative.parts
        yield ".".join(parts), path, ast.parse(path.read_text(encoding="utf-8"), str(path))


def _imported(module: str, tree: ast.Module, known: set[str]) -> set[str]:
    """The deploypack modules `module` imports, at any depth of its code (lazy imports count too)."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            assert not node.level, f"{module}: absolute imports only, so that every edge is seen"
            names = [f"{node.module}.{alias.name}" for alias in node.names] + [node.module or ""]
        else:
            continue
        found.update(name for name in names if name in known)
    return found - {module}


def test_the_layer_contracts_hold() -> None:
    linter = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    if linter is None:
        pytest.skip("import-linter is not installed (it is in the test extras)")
    result = subprocess.run([linter, "--no-cache"], cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle of the graph (module -> modules it imports), or None."""
    visiting: list[str] = []
    done: set[str] = set()

    def visit(name: str) -> list[str] | None:
        if name in visiting:
            return visiting[visiting.index(name):] + [name]
        if name in done:
            return None
        visiting.append(name)
        for target in sorted(graph.get(name, ())):
            if cycle := visit(target):
                return cycle
        visiting.pop()
        done.add(name)
        return None

    return next((cycle for name in sorted(graph) if (cycle := visit(name))), None)


def test_no_module_imports_in_a_cycle() -> None:
    modules = {name: tree for name, _path, tree in _modules()}
    graph = {name: _imported(name, tree, set(modules)) for name, tree in modules.items()}
    # A package importing its own sub-modules (for its public names) is not a back-edge.
    graph = {name: {target for target in targets if not target.startswith(name + ".")}
             for name, targets in graph.items()}
    assert len(graph) > 50 and sum(map(len, graph.values())) > 150  # the scan saw the package
    cycle = find_cycle(graph)
    assert cycle is None, "import cycle: " + " -> ".join(cycle or ())


def test_the_cycle_search_finds_a_cycle() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def _reads_environment(tree: ast.Module) -> list[int]:
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in ("environ", "environb", "getenv", "putenv", "unsetenv"):
            if isinstance(node.value, ast.Name) and node.value.id == "os":
                lines.append(node.lineno)
        elif isinstance(node, ast.ImportFrom) and node.module == "os" and any(
                alias.name in ("environ", "environb", "getenv") for alias in node.names):
            lines.append(node.lineno)
    return lines


def test_only_the_edge_reads_the_process_environment() -> None:
    readers = [
        f"{path.relative_to(REPO)}:{line}"
        for name, path, tree in _modules()
        if not any(name == edge or name.startswith(edge + ".") for edge in EDGE)
        for line in _reads_environment(tree)
    ]
    assert readers == [], "below the edge, take the RunEnvironment handed down instead: " + ", ".join(readers)


def test_the_environment_scan_sees_a_read() -> None:
    # The scan above must not pass because it cannot see: each way of reading is found.
    for source in ("import os\nx = os.environ['A']", "import os\nos.getenv('A')", "from os import environ"):
        assert _reads_environment(ast.parse(source)) == [len(source.splitlines())]
