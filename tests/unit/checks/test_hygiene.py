"""Contents checks common to both archives (C0xx) over real small archives."""

from __future__ import annotations

from pathlib import Path

from deploypack.core.findings import Severity
from tests.unit.checks.contents_archives import codes, context, findings, write_sdist, write_wheel

PKG = {"demo/__init__.py": "", "setup.py": ""}
KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n"


def test_clean_archives_have_no_finding(tmp_path: Path) -> None:
    ctx = context(write_sdist(tmp_path, PKG), write_wheel(tmp_path, {"demo/__init__.py": ""}))
    assert findings(ctx, "C") == []


def test_huge_file_threshold_is_configurable(tmp_path: Path) -> None:
    sdist = write_sdist(tmp_path, {**PKG, "data/dump.bin": b"\0" * 5000})
    (finding,) = findings(context(sdist, max_file_size=4096), "C001")
    assert finding.file == "data/dump.bin" and finding.severity == Severity.ERROR
    assert findings(context(sdist, max_file_size=10000), "C001") == []


def test_distribution_over_the_index_limit(tmp_path: Path) -> None:
    sdist = write_sdist(tmp_path, PKG)
    (finding,) = findings(context(sdist, max_dist_size=10), "C002")
    assert finding.severity == Severity.ERROR and finding.artifact == sdist.name


def test_symlinks_in_the_sdist(tmp_path: Path) -> None:
    sdist = write_sdist(tmp_path, {**PKG, "docs/real.md": "x"}, symlinks={
        "README.md": "docs/real.md", "escape": "../other-project/secret", "dangling": "nowhere.txt"})
    found = {f.file: f for f in findings(context(sdist), "C003")}
    assert found["README.md"].severity == Severity.WARNING and "'docs/real.md'" in found["README.md"].message
    assert found["escape"].severity == Severity.ERROR and "outside the project" in found["escape"].message
    assert found["dangling"].severity == Severity.ERROR and "dangling" in found["dangling"].message


def test_a_link_between_test_fixtures_is_a_note_but_a_dangling_one_stays_an_error(tmp_path: Path) -> None:
    sdist = write_sdist(tmp_path, {**PKG, "demo/style.css": "x"}, symlinks={
        "test/functional/data/style.css": "../../../demo/style.css", "tests/data/gone.css": "../../nowhere.css"})
    found = {f.file: f for f in findings(context(sdist), "C003")}
    assert found["test/functional/data/style.css"].severity == Severity.NOTE
    assert found["tests/data/gone.css"].severity == Severity.ERROR


def test_link_out_of_the_archive_is_left_to_the_archive_check(tmp_path: Path) -> None:
    sdist = write_sdist(tmp_path, PKG, symlinks={"passwd": "/etc/passwd", "up": "../../x"})
    assert findings(context(sdist), "C003") == []
    assert sorted(f.member for f in findings(context(sdist), "A003")) == ["demo-1.0/passwd", "demo-1.0/up"]


def test_setuid_and_world_writable(tmp_path: Path) -> None:
    sdist = write_sdist(tmp_path, {**PKG, "bin/tool": "x", "demo/data.txt": "y"},
                        modes={"bin/tool": 0o4755, "demo/data.txt": 0o666})
    found = {f.file: f for f in findings(context(sdist), "C004")}
    assert found["bin/tool"].severity == Severity.ERROR and "setuid" in found["bin/tool"].message
    assert found["demo/data.txt"].severity == Severity.WARNING and "world-writable" in found["demo/data.txt"].message


def test_vcs_directory_reported_once(tmp_path: Path) -> None:
    sdist = write_sdist(tmp_path, {**PKG, ".git/HEAD": "ref", ".git/config": "x", "vendor/.hg/store": "y"})
    found = findings(context(sdist), "C005")
    assert sorted((f.file, f.member) for f in found) == [
        (".git", "demo-1.0/.git"), ("vendor/.hg", "demo-1.0/vendor/.hg")]
    assert all(f.severity == Severity.ERROR for f in found)


def test_vcs_fixture_tracked_in_git_is_a_note(tmp_path: Path) -> None:
    sdist = write_sdist(tmp_path, {**PKG, "vendor/static/CVS/Entries": "x"})
    (finding,) = findings(context(sdist, git_files=["vendor/static/CVS/Entries"]), "C005")
    assert finding.severity == Severity.NOTE
    (finding,) = findings(context(sdist, git_files=[]), "C005")
    assert finding.severity == Severity.ERROR


def test_editor_and_os_junk(tmp_path: Path) -> None:
    sdist = write_sdist(tmp_path, {**PKG, "demo/.DS_Store": "x", "demo/.core.py.swp": "x", "notes.txt~": "x",
                                   ".idea/workspace.xml": "x", ".idea/misc.xml": "x", "demo/__pycache__/a.pyc": "x"})
    found = findings(context(sdist), "C006")
    assert sorted(f.file for f in found) == [".idea", "demo/.DS_Store", "demo/.core.py.swp", "demo/__pycache__",
                                             "notes.txt~"]
    assert all(f.severity == Severity.WARNING for f in found)


def test_junk_committed_as_a_fixture_is_a_note(tmp_path: Path) -> None:
    sdist = write_sdist(tmp_path, {**PKG, "tests/documents/backup~": "x"})
    (finding,) = findings(context(sdist), "C006")
    assert finding.severity == Severity.NOTE


def test_junk_in_both_archives_is_reported_once_at_the_tree_path(tmp_path: Path) -> None:
    sdist = write_sdist(tmp_path, {"pyproject.toml": "", "src/demo/__init__.py": "", "src/demo/.DS_Store": "x"})
    wheel = write_wheel(tmp_path, {"demo/__init__.py": "", "demo/.DS_Store": "x"})
    (finding,) = findings(context(sdist, wheel), "C006")
    assert finding.file == "src/demo/.DS_Store"
    assert sdist.name in finding.message and wheel.name in finding.message


def test_secrets_by_name_and_by_content(tmp_path: Path) -> None:
    sdist = write_sdist(tmp_path, {**PKG, ".env": "TOKEN=x", ".pypirc": "[pypi]", "deploy.pem": KEY,
                                   ".env.example": "TOKEN=", "ssh/id_ed25519.pub": "ssh-ed25519 AAAA"})
    found = findings(context(sdist), "C007")
    assert sorted(f.file for f in found) == [".env", ".pypirc", "deploy.pem"]
    assert all(f.severity == Severity.ERROR for f in found)


def test_secret_in_wheel_points_at_the_tree(tmp_path: Path) -> None:
    wheel = write_wheel(tmp_path, {"demo/__init__.py": "", "demo/.env": "PASSWORD=x"})
    (finding,) = findings(context(wheel, git_files=["src/demo/__init__.py", "src/demo/.env"]), "C007")
    assert (finding.file, finding.artifact, finding.member) == ("src/demo/.env", wheel.name, "demo/.env")


def test_test_keys_are_a_note(tmp_path: Path) -> None:
    sdist = write_sdist(tmp_path, {**PKG, "tests/keys/id_rsa": "x"})
    (finding,) = findings(context(sdist), "C007")
    assert finding.severity == Severity.NOTE


def test_many_findings_are_capped_per_archive(tmp_path: Path) -> None:
    sdist = write_sdist(tmp_path, {**PKG, **{f"junk/{i}.swp": "x" for i in range(15)}})
    found = findings(context(sdist), "C006")
    assert len(found) == 11 and found[-1].message == f"5 more like this in {sdist.name}"


def test_codes_are_distinct_from_the_archive_safety_checks(tmp_path: Path) -> None:
    sdist = write_sdist(tmp_path, PKG, modes={"setup.py": 0o6777})
    assert codes(findings(context(sdist), "C")) == ["C004"]


def test_junk_under_tests_but_not_committed_is_still_a_warning(tmp_path: Path) -> None:
    sdist = write_sdist(tmp_path, {**PKG, "tests/.DS_Store": "x", "tests/data/backup~": "x"})
    found = {f.file: f.severity for f in findings(context(sdist, git_files=["tests/data/backup~"]), "C006")}
    assert found == {"tests/.DS_Store": Severity.WARNING, "tests/data/backup~": Severity.NOTE}


def test_a_file_named_like_a_vcs_directory_is_not_one(tmp_path: Path) -> None:
    sdist = write_sdist(tmp_path, {**PKG, "static/CVS": "a file named CVS", "static/.git": "gitdir: ../x"})
    assert findings(context(sdist, git_files=[]), "C005") == []
