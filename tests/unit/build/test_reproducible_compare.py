"""The member-by-member comparison behind --reproducible, on archives made here."""

from __future__ import annotations

import io
import tarfile
import zipfile
from pathlib import Path

from deploypack.build.reproducible import compare_archives, findings_for


def tar(path: Path, members: list[tuple[str, bytes]], *, mtime: int = 1_700_000_000, mode: int = 0o644,
        uid: int = 0, gzip_mtime: int = 0) -> Path:
    import gzip

    path.parent.mkdir(parents=True, exist_ok=True)
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as archive:
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size, info.mtime, info.mode, info.uid = len(data), mtime, mode, uid
            archive.addfile(info, io.BytesIO(data))
    path.write_bytes(gzip.compress(raw.getvalue(), mtime=gzip_mtime))
    return path


def test_identical_archives_have_no_difference_and_give_a_note_with_the_hash(tmp_path: Path) -> None:
    members = [("p-1/a.py", b"a"), ("p-1/b.py", b"b")]
    first = tar(tmp_path / "one.tar.gz", members)
    (tmp_path / "two").mkdir()
    second = tar(tmp_path / "two" / "one.tar.gz", members)
    assert compare_archives(first, second) == []
    [finding] = findings_for(first, second, "1700000000")
    assert finding.code == "P001" and finding.severity.value == "note"
    import hashlib

    assert hashlib.sha256(first.read_bytes()).hexdigest() in finding.message


def test_each_kind_of_difference_is_named(tmp_path: Path) -> None:
    base = [("p-1/a.py", b"a"), ("p-1/b.py", b"b")]
    one = tar(tmp_path / "one.tar.gz", base)
    cases = {
        "content": [("p-1/a.py", b"A"), ("p-1/b.py", b"b")],
        "order": [("p-1/b.py", b"b"), ("p-1/a.py", b"a")],
        "only in the second build": [*base, ("p-1/c.py", b"c")],
    }
    for expected, members in cases.items():
        other = tar(tmp_path / expected / "one.tar.gz", members)
        described = " ".join(" ".join(d.aspects) for d in compare_archives(one, other))
        assert expected in described, (expected, described)
    later = tar(tmp_path / "t" / "one.tar.gz", base, mtime=1_800_000_000)
    assert "timestamp" in compare_archives(one, later)[0].aspects
    group_writable = tar(tmp_path / "m" / "one.tar.gz", base, mode=0o664)
    assert compare_archives(one, group_writable)[0].aspects == ("permissions 644 vs 664",)
    assert compare_archives(one, tar(tmp_path / "u" / "one.tar.gz", base, uid=1000))[0].aspects == ("uid/gid",)
    [header] = compare_archives(one, tar(tmp_path / "g" / "one.tar.gz", base, gzip_mtime=12345))
    assert header.member is None and header.aspects == ("timestamp in the gzip header",)


def test_the_finding_names_the_differing_member_and_how(tmp_path: Path) -> None:
    one = zipfile.ZipFile(tmp_path / "p-1-py3-none-any.whl", "w")
    one.writestr("p/__init__.py", b"x")
    one.writestr("p/_stamp.py", b"BUILT = 1")
    one.close()
    (tmp_path / "again").mkdir()
    two = zipfile.ZipFile(tmp_path / "again" / "p-1-py3-none-any.whl", "w")
    two.writestr("p/__init__.py", b"x")
    two.writestr(zipfile.ZipInfo("p/_stamp.py", date_time=(2020, 1, 1, 0, 0, 0)), b"BUILT = 2")
    two.close()
    [finding] = findings_for(Path(one.filename), Path(two.filename), None)  # type: ignore[arg-type]
    assert finding.code == "P002" and finding.severity.value == "warning"
    assert finding.member == "p/_stamp.py" and finding.artifact == "p-1-py3-none-any.whl"
    assert "content: 1 member (p/_stamp.py)" in finding.message
    assert "timestamp: 1 member (p/_stamp.py)" in finding.message
    assert "No SOURCE_DATE_EPOCH was set" in (finding.hint or "")
    assert "Member contents differ" in (finding.hint or "") and "Member times differ" in (finding.hint or "")


def test_the_hint_matches_the_kind_of_difference(tmp_path: Path) -> None:
    base = [("p-1/a.py", b"a")]
    one = tar(tmp_path / "one.tar.gz", base)
    [finding] = findings_for(one, tar(tmp_path / "g" / "one.tar.gz", base, gzip_mtime=99), "1700000000")
    assert finding.message.endswith("the archive itself: timestamp in the gzip header")
    assert "gzip header" in (finding.hint or "") and "Member times" not in (finding.hint or "")
    assert "No SOURCE_DATE_EPOCH" not in (finding.hint or "")
    [finding] = findings_for(one, tar(tmp_path / "u" / "one.tar.gz", base, uid=501), "1700000000")
    assert "building user" in (finding.hint or "")


def test_a_changed_content_is_named_before_timestamps(tmp_path: Path) -> None:
    one = tar(tmp_path / "one.tar.gz", [("p-1/PKG-INFO", b"x"), ("p-1/p/_stamp.py", b"1")])
    two = tar(tmp_path / "two" / "one.tar.gz", [("p-1/PKG-INFO", b"x"), ("p-1/p/_stamp.py", b"2")], mtime=1_800_000_000)
    [finding] = findings_for(one, two, "1700000000")
    assert finding.member == "p-1/p/_stamp.py"
    assert finding.message.index("content: 1 member (p-1/p/_stamp.py)") < finding.message.index("timestamp: 2 members")
