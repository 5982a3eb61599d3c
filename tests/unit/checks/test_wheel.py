"""Wheel contents checks (W0xx) and the package-missing check (W101) over real small archives."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from deploypack.core.findings import Severity
from deploypack.read.archives import Limits
from tests.unit.checks.contents_archives import codes, context, findings, record_line, write_sdist, write_wheel

GOOD = {"demo/__init__.py": "", "demo/core.py": "x = 1\n", "demo/sub/__init__.py": ""}


def test_a_clean_wheel_has_no_finding(tmp_path: Path) -> None:
    assert findings(context(write_wheel(tmp_path, GOOD)), "W") == []


# --- RECORD ---------------------------------------------------------------------------------------

def test_record_missing(tmp_path: Path) -> None:
    found = findings(context(write_wheel(tmp_path, GOOD, record=False)), "W00")
    assert codes(found) == ["W001"]
    assert found[0].artifact == "demo-1.0-py3-none-any.whl"


def test_file_not_in_record_is_listed(tmp_path: Path) -> None:
    wheel = write_wheel(tmp_path, GOOD, unrecorded={"demo/added.py": "y = 2\n"})
    found = findings(context(wheel), "W002")
    assert len(found) == 1
    assert found[0].member == "demo/added.py"
    assert "demo/added.py" in found[0].message


def test_signature_files_need_not_be_in_record(tmp_path: Path) -> None:
    wheel = write_wheel(tmp_path, GOOD, unrecorded={"demo-1.0.dist-info/RECORD.jws": "{}"})
    assert findings(context(wheel), "W002") == []


def test_wrong_hash_wrong_size_and_stale_entry(tmp_path: Path) -> None:
    wheel = write_wheel(tmp_path, GOOD, record_override={
        "demo/core.py": record_line("demo/core.py", b"something else\n"),
        "demo/sub/__init__.py": "demo/sub/__init__.py,sha256=47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU,7",
        "demo/gone.py": record_line("demo/gone.py", b"z = 3\n"),
    })
    found = findings(context(wheel), "W003")
    by_member = {f.member: f.message for f in found}
    assert set(by_member) == {"demo/core.py", "demo/sub/__init__.py", "demo/gone.py"}
    assert "size 15 in RECORD, 6 in the archive" in by_member["demo/core.py"]
    assert "size 7 in RECORD, 0" in by_member["demo/sub/__init__.py"]
    assert "not in the wheel" in by_member["demo/gone.py"]


def test_hash_mismatch_with_right_size(tmp_path: Path) -> None:
    wheel = write_wheel(tmp_path, GOOD, record_override={"demo/core.py": record_line("demo/core.py", b"x = 2\n")})
    (finding,) = findings(context(wheel), "W003")
    assert finding.member == "demo/core.py" and "sha256 in RECORD is" in finding.message


def test_md5_and_missing_hash_are_refused(tmp_path: Path) -> None:
    wheel = write_wheel(tmp_path, GOOD, record_override={
        "demo/core.py": "demo/core.py,md5=abc,6", "demo/__init__.py": "demo/__init__.py,,0",
    })
    messages = sorted(f.message for f in findings(context(wheel), "W003"))
    assert any("md5" in m for m in messages) and any("has no hash" in m for m in messages)


def test_record_with_padding_and_stronger_hashes_is_accepted(tmp_path: Path) -> None:
    padded = record_line("demo/core.py", b"x = 1\n").replace(",6", "=,6")
    wheel = write_wheel(tmp_path, GOOD, record_override={
        "demo/core.py": padded, "demo/__init__.py": "demo/__init__.py,sha512=whatever,0",
    })
    assert findings(context(wheel), "W003") == []


# --- what it installs -----------------------------------------------------------------------------

def test_bytecode_is_one_error_listing_the_files(tmp_path: Path) -> None:
    wheel = write_wheel(tmp_path, {**GOOD, "demo/__pycache__/core.cpython-312.pyc": b"\0", "demo/old.pyc": b"\0"})
    (finding,) = findings(context(wheel), "W004")
    assert finding.severity == Severity.ERROR  # stale bytecode for another interpreter: a broken release
    assert "2 bytecode files" in finding.message and "demo/__pycache__/core.cpython-312.pyc" in finding.message


def test_empty_init_files_are_not_duplicates(tmp_path: Path) -> None:
    # check-wheel-contents flags identical empty __init__.py files; that is a false alarm.
    wheel = write_wheel(tmp_path, {"demo/__init__.py": "", "demo/a/__init__.py": "", "demo/b/__init__.py": ""})
    assert findings(context(wheel), "W") == []


def test_hyphenated_top_level_package_is_an_error(tmp_path: Path) -> None:
    wheel = write_wheel(tmp_path, {"my-pkg/__init__.py": "", "my-pkg/x.py": ""})
    (finding,) = findings(context(wheel), "W005")
    assert finding.severity == Severity.ERROR
    assert finding.message.startswith("my-pkg/ is not importable")


def test_nested_non_identifier_directory_is_a_warning(tmp_path: Path) -> None:
    wheel = write_wheel(tmp_path, {**GOOD, "demo/test-data/case.py": ""})
    (finding,) = findings(context(wheel), "W005")
    assert finding.severity == Severity.WARNING and "demo/test-data/" in finding.message


def test_migrations_and_keyword_locales_are_importable_with_importlib(tmp_path: Path) -> None:
    # Django loads these through importlib: `0001_initial` and `locale/is` are fine below the top level.
    wheel = write_wheel(tmp_path, {**GOOD, "demo/migrations/0001_initial.py": "", "demo/locale/is/formats.py": ""})
    assert findings(context(wheel), "W005") == []


def test_hyphenated_module_file_inside_a_package_is_importable_with_importlib(tmp_path: Path) -> None:
    # Data tables loaded with import_module("demo._data.unicode15-0-0") and plugin hooks loaded by
    # path (hook-demo.py) are deliberate; a dot in the name or a hyphenated top-level module is not.
    wheel = write_wheel(tmp_path, {**GOOD, "demo/_data/__init__.py": "", "demo/_data/unicode15-0-0.py": "",
                                   "demo/_hooks/hook-demo.py": "", "demo/x.y.py": "", "top-mod.py": ""})
    found = sorted((f.message.split(" ", 1)[0], f.severity) for f in findings(context(wheel), "W005"))
    assert found == [("demo/x.y.py", Severity.WARNING), ("top-mod.py", Severity.ERROR)]
    site = tmp_path / "site"
    (site / "demo" / "_data").mkdir(parents=True)
    (site / "demo" / "__init__.py").write_text("")
    (site / "demo" / "_data" / "__init__.py").write_text("")
    (site / "demo" / "_data" / "unicode15-0-0.py").write_text("TABLE = 1\n")
    code = "import importlib; print(importlib.import_module('demo._data.unicode15-0-0').TABLE)"
    run = subprocess.run([sys.executable, "-c", code], cwd=site, capture_output=True, text=True, check=True)
    assert run.stdout.strip() == "1"


def test_wheel_finding_points_at_the_tree_path(tmp_path: Path) -> None:
    wheel = write_wheel(tmp_path, {"my-pkg/__init__.py": ""})
    ctx = context(wheel, git_files=["pyproject.toml", "src/my-pkg/__init__.py"])
    (finding,) = findings(ctx, "W005")
    assert finding.file == "src/my-pkg"


def test_foreign_top_level_names(tmp_path: Path) -> None:
    wheel = write_wheel(tmp_path, {**GOOD, "tests/__init__.py": "", "tests/test_x.py": "", "conftest.py": "",
                                   "docs/conf.py": ""})
    found = findings(context(wheel, git_files=["tests/test_x.py", "tests/__init__.py", "conftest.py"]), "W006")
    assert sorted((f.member, f.file) for f in found) == [
        ("conftest.py", "conftest.py"), ("docs/conf.py", None), ("tests/__init__.py", "tests")]


def test_project_may_be_named_like_a_common_name(tmp_path: Path) -> None:
    wheel = write_wheel(tmp_path, {"docs/__init__.py": ""}, name="docs")
    assert findings(context(wheel), "W006") == []


def test_empty_wheel(tmp_path: Path) -> None:
    (finding,) = findings(context(write_wheel(tmp_path, {})), "W007")
    assert finding.severity == Severity.ERROR


def test_meta_package_is_only_a_warning(tmp_path: Path) -> None:
    (finding,) = findings(context(write_wheel(tmp_path, {}, requires=["requests"])), "W007")
    assert finding.severity == Severity.WARNING and "meta-package" in finding.message


def test_compiled_extension_in_pure_wheel(tmp_path: Path) -> None:
    wheel = write_wheel(tmp_path, {**GOOD, "demo/_speed.cpython-312-x86_64-linux-gnu.so": b"\x7fELF"})
    (finding,) = findings(context(wheel), "W008")
    assert finding.member == "demo/_speed.cpython-312-x86_64-linux-gnu.so"


def test_platform_wheel_with_extension_is_fine(tmp_path: Path) -> None:
    wheel = write_wheel(tmp_path, {**GOOD, "demo/_speed.cpython-312-x86_64-linux-gnu.so": b"\x7fELF"},
                        tag="cp312-cp312-linux_x86_64", purelib=False)
    assert findings(context(wheel), "W") == []


def test_platform_wheel_without_binary(tmp_path: Path) -> None:
    wheel = write_wheel(tmp_path, GOOD, tag="cp312-cp312-linux_x86_64", purelib=False)
    (finding,) = findings(context(wheel), "W009")
    assert "linux_x86_64" in finding.message and finding.severity == Severity.WARNING


def test_platform_wheel_with_bundled_executable_is_not_flagged(tmp_path: Path) -> None:
    wheel = write_wheel(tmp_path, {**GOOD, "demo/bin/tool": b"\x7fELF"}, tag="py3-none-manylinux_2_17_x86_64",
                        purelib=False, modes={"demo/bin/tool": 0o755})
    assert findings(context(wheel), "W009") == []


def test_wheel_file_tags_must_match_the_file_name(tmp_path: Path) -> None:
    wheel_file = "Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: cp312-cp312-win_amd64\n"
    wheel = write_wheel(tmp_path, GOOD, wheel_file=wheel_file)
    (finding,) = findings(context(wheel), "W010")
    assert "cp312-cp312-win_amd64" in finding.message and "py3-none-any" in finding.message


def test_wheel_file_missing_fields(tmp_path: Path) -> None:
    wheel = write_wheel(tmp_path, GOOD, wheel_file="Generator: x\n")
    messages = [f.message for f in findings(context(wheel), "W010")]
    assert any("Wheel-Version" in m for m in messages) and any("Root-Is-Purelib" in m for m in messages)


def test_root_is_purelib_with_extensions(tmp_path: Path) -> None:
    wheel = write_wheel(tmp_path, {**GOOD, "demo/_speed.cpython-312-x86_64-linux-gnu.so": b"\x7fELF"},
                        tag="cp312-cp312-linux_x86_64", purelib=True)
    (finding,) = findings(context(wheel), "W011")
    assert finding.member == "demo-1.0.dist-info/WHEEL"


# --- W101: packages of the tree missing from the wheel --------------------------------------------

def _layout(tmp_path: Path, tree: dict[str, str], wheel_files: dict[str, str], **options: object) -> list:
    project = tmp_path / "project"
    for path, text in tree.items():
        (project / path).parent.mkdir(parents=True, exist_ok=True)
        (project / path).write_text(text)
    sdist = write_sdist(tmp_path, {p: t for p, t in tree.items()})
    wheel = write_wheel(tmp_path, wheel_files)
    return findings(context(sdist, wheel, project_dir=project, git_files=list(tree), **options), "W1")


def test_subpackage_without_init_left_out_by_find_packages(tmp_path: Path) -> None:
    tree = {"setup.py": "from setuptools import setup, find_packages\nsetup(packages=find_packages())\n",
            "demo/__init__.py": "", "demo/plugins/extra.py": "x = 1\n", "tests/test_x.py": ""}
    (finding,) = _layout(tmp_path, tree, {"demo/__init__.py": ""})
    assert finding.file == "demo/plugins" and finding.severity == Severity.ERROR
    assert "demo.plugins" in finding.message and "__init__.py" in (finding.hint or "")


def test_second_src_package_missing(tmp_path: Path) -> None:
    tree = {"pyproject.toml": "[project]\nname='demo'\nversion='1'\n", "src/demo/__init__.py": "",
            "src/helpers/__init__.py": "", "src/helpers/util.py": ""}
    (finding,) = _layout(tmp_path, tree, {"demo/__init__.py": ""})
    assert finding.file == "src/helpers" and finding.severity == Severity.ERROR


def test_excluded_on_purpose_is_not_reported(tmp_path: Path) -> None:
    tree = {"pyproject.toml": "[tool.setuptools.packages.find]\nexclude = ['demo.vendored*']\n",
            "demo/__init__.py": "", "demo/vendored/__init__.py": "", "demo/vendored/lib.py": ""}
    assert _layout(tmp_path, tree, {"demo/__init__.py": ""}) == []


def test_hatch_listed_packages_leave_others_out_on_purpose(tmp_path: Path) -> None:
    tree = {"pyproject.toml": "[build-system]\nbuild-backend='hatchling.build'\n"
                              "[tool.hatch.build.targets.wheel]\npackages=['src/demo']\n",
            "src/demo/__init__.py": "", "src/other/__init__.py": ""}
    assert _layout(tmp_path, tree, {"demo/__init__.py": ""}) == []


def test_explicit_setuptools_list_missing_a_subpackage_is_an_error_at_the_list(tmp_path: Path) -> None:
    tree = {"setup.py": "from setuptools import setup\nsetup(packages=['demo'])\n",
            "demo/__init__.py": "", "demo/sub/__init__.py": "", "demo/sub/m.py": ""}
    (finding,) = _layout(tmp_path, tree, {"demo/__init__.py": ""})
    assert (finding.file, finding.line, finding.severity) == ("setup.py", 2, Severity.ERROR)
    assert "demo.sub" in finding.message and "'demo.sub'" in (finding.hint or "")


def test_tests_docs_and_non_packages_are_ignored(tmp_path: Path) -> None:
    tree = {"demo/__init__.py": "", "tests/__init__.py": "", "tests/test_a.py": "", "docs/conf.py": "",
            "demo/tests/test_b.py": "", "demo/templates/app-name/view.py": "", "setup.py": "setup()\n"}
    assert _layout(tmp_path, tree, {"demo/__init__.py": ""}) == []


def test_configured_package_roots(tmp_path: Path) -> None:
    tree = {"lib/demo/__init__.py": "", "lib/demo/x.py": "", "pyproject.toml": "[project]\nname='demo'\n"}
    project = tmp_path / "project"
    for path, text in tree.items():
        (project / path).parent.mkdir(parents=True, exist_ok=True)
        (project / path).write_text(text)
    wheel = write_wheel(tmp_path, {"other/__init__.py": ""})
    ctx = context(wheel, project_dir=project, git_files=list(tree), package_roots=("lib",))
    (finding,) = findings(ctx, "W101")
    assert finding.file == "lib/demo"


def test_record_listing_a_path_twice(tmp_path: Path) -> None:
    line = record_line("demo/core.py", b"x = 1\n")
    wheel = write_wheel(tmp_path, GOOD, record_override={"demo/core.py": line + "\n" + line})
    (finding,) = findings(context(wheel), "W003")
    assert finding.member == "demo/core.py" and "listed twice" in finding.message


def test_nested_utils_subpackage_is_a_package_but_top_level_utils_is_not(tmp_path: Path) -> None:
    tree = {"setup.py": "from setuptools import setup, find_packages\nsetup(packages=find_packages())\n",
            "demo/__init__.py": "", "demo/utils/strings.py": "", "utils/__init__.py": "", "utils/release.py": ""}
    (finding,) = _layout(tmp_path, tree, {"demo/__init__.py": ""})
    assert finding.file == "demo/utils"


def test_package_renamed_by_a_package_dir_mapping_is_not_missing(tmp_path: Path) -> None:
    setup = "from setuptools import setup\nsetup(packages=['demo', 'demo.sub'], package_dir={'demo': 'src'})\n"
    tree = {"setup.py": setup,
            "src/__init__.py": "", "src/sub/__init__.py": "", "src/sub/m.py": ""}
    assert _layout(tmp_path, tree, {"demo/__init__.py": "", "demo/sub/__init__.py": "", "demo/sub/m.py": ""}) == []


def test_flit_ships_one_module_other_packages_are_out_on_purpose(tmp_path: Path) -> None:
    flit = "[build-system]\nbuild-backend='flit_core.buildapi'\n[tool.flit.module]\nname='ns.demo'\n"
    tree = {"pyproject.toml": flit,
            "src/ns/demo/__init__.py": "", "src/ns/demo/sub/m.py": "", "src/other/__init__.py": ""}
    (finding,) = _layout(tmp_path, tree, {"ns/demo/__init__.py": ""})
    assert (finding.file, finding.severity) == ("src/ns/demo/sub", Severity.ERROR)


def test_poetry_packages_from_src_and_excludes(tmp_path: Path) -> None:
    pyproject = ("[build-system]\nbuild-backend='poetry.core.masonry.api'\n[tool.poetry]\n"
                 "packages=[{include='demo', from='src'}]\nexclude=['src/demo/_dev']\n")
    tree = {"pyproject.toml": pyproject, "src/demo/__init__.py": "", "src/demo/_dev/x.py": "",
            "src/demo/api/v1.py": "", "src/extra/__init__.py": ""}
    # poetry's `exclude` applies to the wheel and the sdist alike: the finding names the pattern's line
    excluded, unlisted = _layout(tmp_path, tree, {"demo/__init__.py": ""})
    assert (excluded.file, excluded.line, excluded.severity) == ("pyproject.toml", 5, Severity.ERROR)
    assert "'src/demo/_dev' in [tool.poetry] exclude" in excluded.message
    assert (unlisted.file, unlisted.line, unlisted.severity) == ("src/demo/api", None, Severity.ERROR)


def test_pdm_excludes_and_setup_cfg_find_options(tmp_path: Path) -> None:
    pdm = "[build-system]\nbuild-backend='pdm.backend'\n[tool.pdm.build]\nexcludes=['**/generated']\n"
    tree = {"pyproject.toml": pdm, "demo/__init__.py": "", "demo/generated/x.py": ""}
    (finding,) = _layout(tmp_path, tree, {"demo/__init__.py": ""})
    assert (finding.file, finding.line, finding.severity) == ("pyproject.toml", 4, Severity.ERROR)
    accepted = tmp_path / "accepted"
    accepted.mkdir()
    assert _layout(accepted, tree, {"demo/__init__.py": ""}, not_in_wheel=("demo/generated",)) == []
    cfg = ("[options]\npackages = find:\npackage_dir =\n    =lib\n"
           "[options.packages.find]\nwhere = lib\nexclude =\n    demo.legacy*\n")
    other = tmp_path / "cfg"
    other.mkdir()
    tree = {"setup.cfg": cfg, "lib/demo/__init__.py": "", "lib/demo/legacy/old.py": "", "lib/demo/new/n.py": ""}
    (finding,) = _layout(other, tree, {"demo/__init__.py": ""})
    assert finding.file == "lib/demo/new"


def test_unknown_backend_makes_it_a_warning(tmp_path: Path) -> None:
    tree = {"pyproject.toml": "[build-system]\nbuild-backend='maturin'\n", "src/demo/__init__.py": "",
            "src/demo/sub/m.py": ""}
    (finding,) = _layout(tmp_path, tree, {"demo/__init__.py": ""})
    assert (finding.file, finding.severity) == ("src/demo/sub", Severity.WARNING)


def test_archives_read_only_in_part_are_not_judged_for_completeness(tmp_path: Path) -> None:
    wheel = write_wheel(tmp_path, {**GOOD, **{f"demo/m{i}.py": "" for i in range(10)}})
    sdist = write_sdist(tmp_path, {"setup.py": "", "demo/__init__.py": "", "demo/a.py": "", "demo/b.py": ""})
    git_files = ["setup.py", "demo/__init__.py", "demo/sub/x.py"]
    ctx = context(sdist, wheel, git_files=git_files, limits=Limits(max_members=3))
    assert all(dist.limit_exceeded for dist in ctx.distributions)
    assert findings(ctx, "W") == [] and findings(ctx, "S") == []


def test_platform_tag_points_at_what_forces_it(tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    (project / "setup.cfg").write_text("[metadata]\nname = demo\n\n[bdist_wheel]\nplat_name = win_amd64\n")
    wheel = write_wheel(tmp_path, GOOD, tag="py3-none-win_amd64", purelib=False)
    (finding,) = findings(context(wheel, project_dir=project), "W009")
    assert (finding.file, finding.line) == ("setup.cfg", 4)
