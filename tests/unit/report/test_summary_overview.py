"""The step summary's overview (deploypack/report/overview_md.py): contents, metadata, README; safe and bounded."""

from __future__ import annotations

import re

from deploypack.report import github
from deploypack.report.model import Artifact, Overview, Report
from deploypack.report.overview_md import TREE_LINES, readme_section, sections, tree_lines
from tests.runner_emulator import Runner

HOSTILE = "::error file=x::injected\n##[warning]also\n<script>alert(1)</script>\n\n    indented code\n"


def overview(readme: tuple[str, str] | None = ("text/markdown", "# Title\n\nText.\n"),
             files: int = 3) -> Overview:
    names = [(f"pkg/mod{n}.py", 10 * n) for n in range(files)] + [("::error::name.py", 1), ("pkg/sub/x.py", 5)]
    return Overview(metadata=[("Name", "demo"), ("Summary", HOSTILE),
                              ("Classifier", "Programming Language :: Python :: 3.12")],
                    contents={"demo-1.0.tar.gz": names, "demo-1.0-py3-none-any.whl": names[:2]},
                    readme=readme, python_versions=["3.12"])


def report(found: Overview | None) -> Report:
    return Report(ok=True, exit_code=0, project_name="demo", project_version="1.0", project_path=".",
                  artifacts=[Artifact("dist/demo-1.0.tar.gz", "sdist", 10, "0" * 64)], findings=[], timings={},
                  overview=found)


def html_blocks_stay_whole(page: str) -> None:
    """No blank line between <details> and </details>: Markdown never reads project text as markup."""
    for block in re.findall(r"<details>.*?</details>", page, re.S):
        if "Build log" in block:
            continue
        assert "\n\n" not in block.split("</summary>", 1)[1], block[:300]


def test_the_tree_is_nested_sized_and_cut() -> None:
    lines = tree_lines([("pkg/a.py", 2048), ("pkg/sub/b.py", 3), ("top.txt", 1)])
    assert lines == ["pkg/", "  a.py  (2.0 KiB)", "  sub/", "    b.py  (3 B)", "top.txt  (1 B)"]
    many = tree_lines([(f"f{n:04}.py", 1) for n in range(TREE_LINES + 50)])
    assert len(many) == TREE_LINES + 1 and many[-1].startswith("… 50 more lines")


def test_the_summary_shows_metadata_contents_and_the_rendered_readme() -> None:
    page = github.summary(report(overview()), ".", {})
    assert "### Metadata" in page and "python-versions" in page and "<th>Name</th><td>demo</td>" in page
    assert "Contents of <code>demo-1.0.tar.gz</code> (5 files)" in page and "  mod2.py  (20 B)" in page
    assert '<h1 id="user-content-title">' in page or "<h1>Title</h1>" in page.replace(' id="title"', "")
    html_blocks_stay_whole(page)


def test_project_text_cannot_become_markup_or_a_command() -> None:
    page = github.summary(report(overview(readme=("text/markdown", HOSTILE))), ".", {})
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert Runner().feed(page).commands == []  # even printed to the log, no line is a command
    html_blocks_stay_whole(page)


def test_a_readme_that_does_not_render_says_so() -> None:
    section = readme_section(overview(readme=("text/x-rst", "Title\n=====\n\nText `unclosed\n")))
    assert "It does not render" in section and "unclosed" not in section


def test_the_overview_gives_way_to_the_limit() -> None:
    big = overview(readme=("text/plain", "x" * 50_000), files=3)
    everything = sections(big, 10**9)
    assert "README as the index renders it" in everything
    assert sections(big, 100) == ""
    assert len(sections(big, len(everything) - 1).encode()) < len(everything.encode())
    assert github.summary(report(None), ".", {}).count("<details>") == 0  # a run that read no dists
