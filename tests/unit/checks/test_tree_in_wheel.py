"""The tree against the wheel, down to files: the reference reader (project/data_refs.py), the
settings that drop files with their lines (project/drops.py), and W102-W105 over real small archives."""

from __future__ import annotations

from pathlib import Path

from deploypack.core.findings import Severity
from deploypack.project.data_refs import read_references
from deploypack.project.drops import read_drops
from tests.unit.checks.contents_archives import context, findings, write_sdist, write_wheel

READERS = '''\
import os, pkgutil
from pathlib import Path
from importlib import resources
from importlib.resources import files, as_file
import pkg_resources
HERE = Path(__file__).parent
def a(): return (HERE / "templates" / "email.html").read_text()
def b(): return files(__package__).joinpath("schema.json").read_text()
def c(): return resources.read_text("pkg.sub", "x.txt")
def d(): return pkgutil.get_data(__name__, "bin/blob.dat")
def e(): return pkg_resources.resource_string("pkg", "res/r.cfg")
def f(name): return files("pkg") / "locale" / name
def g(): return open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "defaults.ini"))
def h():
    with as_file(files(__name__) / "cert.pem") as p: return p
def i(): return Path(__file__).resolve().parent.parent / "top.txt"
def j(n): return HERE / f"icons/{n}.png"
def k(): return Path(__file__).with_name("near.txt")
def l(): return Path("unrelated.txt").read_text(), os.path.join("a", "b"), path("about/", "view.html")
def m(): return importlib.resources.read_text("pkg", "kw.txt"), files(package="pkg.sub") / "kw2.txt"
'''


def test_every_reading_form_is_found_at_its_line() -> None:
    dirs = {"pkg": "src/pkg", "pkg.sub": "src/pkg/sub"}
    found = {(r.line, r.anchor, r.relative, r.complete) for r in read_references(READERS, "src/pkg/sub/m.py", dirs.get)}
    assert found == {
        (7, "src/pkg/sub", "templates/email.html", True), (8, "src/pkg/sub", "schema.json", True),
        (9, "src/pkg/sub", "x.txt", True), (10, "src/pkg/sub", "bin/blob.dat", True),
        (11, "src/pkg", "res/r.cfg", True), (12, "src/pkg", "locale", False),
        (13, "src/pkg/sub", "defaults.ini", True), (15, "src/pkg/sub", "cert.pem", True),
        (16, "src/pkg", "top.txt", True), (17, "src/pkg/sub", "icons", False), (18, "src/pkg/sub", "near.txt", True),
        (20, "src/pkg", "kw.txt", True), (20, "src/pkg/sub", "kw2.txt", True),
    }


def test_a_reference_refers_to_its_file_or_the_directory_it_lists() -> None:
    refs = list(read_references(READERS, "src/pkg/sub/m.py", {"pkg": "src/pkg"}.get))
    by_line = {r.line: r for r in refs}
    assert by_line[7].refers_to("src/pkg/sub/templates/email.html", "src/pkg")
    assert not by_line[7].refers_to("src/pkg/sub/templates/other.html", "src/pkg")
    assert by_line[12].refers_to("src/pkg/locale/de/messages.mo", "src/pkg")  # files("pkg") / "locale" / name
    assert list(read_references("x = 1\n", "pkg/m.py", {}.get)) == []
    assert list(read_references("def broken(:\n __file__\n", "pkg/m.py", {}.get)) == []


def test_drops_name_the_line_and_follow_manifest_order() -> None:
    drops = read_drops({
        "MANIFEST.in": "graft pkg\nexclude pkg/converters.py\nrecursive-exclude pkg *.tmp\ninclude pkg/keep.tmp\n",
        "pyproject.toml": ("[tool.hatch.build.targets.wheel]\nexclude = ['pkg/dev']\n"
                           "[tool.pdm.build]\nexcludes = [\n  'pkg/gen',\n]\nincludes = ['pkg/*.py']\n"),
    })
    module = drops.explain("pkg/converters.py")
    assert module is not None and (module.file, module.line, module.deliberate) == ("MANIFEST.in", 2, False)
    assert drops.explain("pkg/keep.tmp") is not None  # pdm includes does not cover it
    assert drops.sdist_drop("pkg/keep.tmp") is None  # MANIFEST.in includes it again on line 4
    dev = drops.explain("pkg/dev/x.py")
    assert dev is not None and dev.deliberate and dev.line == 2
    generated = drops.explain("pkg/gen/x.py")
    assert generated is not None and (generated.line, generated.target) == (5, "both")
    data = drops.explain("pkg/data/x.json")
    assert data is not None and (data.setting, data.line, data.pattern) == ("[tool.pdm.build] includes", 7, "")


TREE = {
    "pyproject.toml": ("[build-system]\nbuild-backend = 'hatchling.build'\n[project]\nname = 'demo'\n"
                       "[tool.hatch.build.targets.wheel]\nexclude = ['demo/_vendor']\n"),
    "demo/__init__.py": "from importlib.resources import files\n\nSCHEMA = files(__name__) / 'schema.json'\n",
    "demo/core.py": "import importlib.resources\nICONS = importlib.resources.files('demo.assets.icons')\n",
    "demo/assets/icons/ok.png": "png",
    "demo/conftest.py": "", "demo/schema.json": "{}", "demo/py.typed": "",
    "demo/assets/logo.svg": "<svg/>", "demo/_speedups.c": "", "demo/core.py.orig": "", "demo/tests/data.json": "",
    # a subpackage left out on purpose: its data is not the shipped package's
    "demo/_vendor/__init__.py": "", "demo/_vendor/LICENSE.txt": "",
}


def _check(tmp_path: Path, tree: dict[str, str], wheel_files: dict[str, str], **options: object) -> list:
    project = tmp_path / "project"
    for path, text in tree.items():
        (project / path).parent.mkdir(parents=True, exist_ok=True)
        (project / path).write_text(text)
    sdist = write_sdist(tmp_path, dict(tree))
    wheel = write_wheel(tmp_path, wheel_files)
    return findings(context(sdist, wheel, project_dir=project, git_files=list(tree), **options), "W1")


def test_data_read_unread_typed_and_module(tmp_path: Path) -> None:
    results = _check(tmp_path, TREE, {"demo/__init__.py": TREE["demo/__init__.py"]})
    assert sorted(f.code for f in results) == ["W102", "W103", "W103", "W104", "W105"]  # not _vendor's
    icons, found = [f for f in results if f.file == "demo/core.py" and f.code == "W103"], {f.code: f for f in results}
    assert len(icons) == 1 and icons[0].line == 2 and "demo/assets/icons/ok.png" in icons[0].message
    found["W103"] = next(f for f in results if f.code == "W103" and f.file == "demo/__init__.py")
    assert (found["W103"].file, found["W103"].line, found["W103"].severity) == ("demo/__init__.py", 3, Severity.ERROR)
    assert "hatch" in (found["W103"].hint or "")
    assert (found["W104"].file, found["W104"].severity) == ("demo/assets/logo.svg", Severity.WARNING)
    assert (found["W105"].file, found["W105"].severity) == ("demo/py.typed", Severity.ERROR)
    assert (found["W102"].file, found["W102"].severity) == ("demo/core.py", Severity.ERROR)  # not conftest.py


def test_a_complete_wheel_and_accepted_paths_are_quiet(tmp_path: Path) -> None:
    shipped = {path: text for path, text in TREE.items() if path.startswith("demo/") and "/tests/" not in path
               and "_vendor" not in path and not path.endswith((".c", ".orig", "conftest.py"))}
    assert _check(tmp_path, TREE, shipped) == []
    other = tmp_path / "accepted"
    other.mkdir()
    accepted = ("demo/assets", "demo/py.typed", "demo/schema.json", "demo/core.py")
    assert _check(other, TREE, {"demo/__init__.py": ""}, not_in_wheel=accepted) == []


def test_an_exclude_pattern_quiets_unread_data_but_not_read_data(tmp_path: Path) -> None:
    tree = {**TREE, "pyproject.toml": TREE["pyproject.toml"]
            + "[tool.hatch.build.targets.sdist]\nexclude = ['demo/assets', 'demo/schema.json']\n"}
    shipped = {"demo/__init__.py": "", "demo/core.py": "", "demo/py.typed": ""}
    read, icons = sorted(_check(tmp_path, tree, shipped), key=lambda f: f.file or "")
    assert (read.code, read.file, read.line) == ("W103", "demo/__init__.py", 3)
    assert "pyproject.toml:8" in read.message
    # logo.svg is excluded and unread: quiet; the icons directory is read by core.py: an error
    assert (icons.code, icons.file, icons.line) == ("W103", "demo/core.py", 2)


def test_manifest_in_explains_only_for_setuptools(tmp_path: Path) -> None:
    tree = {"demo/__init__.py": "", "demo/converters.py": "", "MANIFEST.in": "exclude demo/converters.py\n"}
    hatch = {**tree, "pyproject.toml": "[build-system]\nbuild-backend = 'hatchling.build'\n"}
    (finding,) = _check(tmp_path, hatch, {"demo/__init__.py": ""})
    assert (finding.code, finding.file, finding.line) == ("W102", "demo/converters.py", None)
    other = tmp_path / "setuptools"
    other.mkdir()
    setuptools = {**tree, "pyproject.toml": "[build-system]\nbuild-backend = 'setuptools.build_meta'\n"}
    (finding,) = _check(other, setuptools, {"demo/__init__.py": ""})
    assert (finding.code, finding.file, finding.line) == ("W102", "MANIFEST.in", 1)


def test_a_top_level_package_missing_from_a_setup_cfg_packages_list(tmp_path: Path) -> None:
    tree = {"setup.cfg": "[metadata]\nname = demo\n\n[options]\npackages =\n    demo\n",
            "demo/__init__.py": "", "demo_extras/__init__.py": "", "demo_extras/more.py": ""}
    (finding,) = _check(tmp_path, tree, {"demo/__init__.py": ""})
    assert (finding.code, finding.file, finding.line, finding.severity) == ("W101", "setup.cfg", 5, Severity.ERROR)
    assert "demo_extras" in finding.message
