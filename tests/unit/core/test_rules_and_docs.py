from __future__ import annotations

import re

from deploypack.catalogue import all_rules, render_checks_markdown
from tests.conftest import REPO, run_cli


def test_docs_checks_md_is_generated_from_the_registry() -> None:
    committed = (REPO / "docs" / "checks.md").read_text(encoding="utf-8")
    assert committed == render_checks_markdown(), "regenerate: python -m deploypack.catalogue > docs/checks.md"


def test_every_rule_is_documented_and_well_formed() -> None:
    rules = all_rules()
    assert len(rules) >= 10
    for code, rule in rules.items():
        assert re.fullmatch(r"[A-Z]+\d{3}", code)
        assert rule.summary and rule.why and rule.fix and rule.name
        assert re.fullmatch(r"[a-z0-9-]+", rule.name), code
    names = [rule.name for rule in rules.values()]
    assert len(names) == len(set(names)), "rule names must be unique"


def test_explain_prints_the_entry() -> None:
    run = run_cli(["explain", "m005"])
    assert run.exit_code == 0
    assert run.stdout.startswith("M005 unknown-classifier (error)")
    assert "How to fix" in run.stdout


def test_explain_lists_every_code() -> None:
    run = run_cli(["explain"])
    assert run.exit_code == 0
    assert {line.split()[0] for line in run.stdout.splitlines()} == set(all_rules())


def test_explain_unknown_code_is_a_usage_error() -> None:
    run = run_cli(["explain", "Z999"])
    assert run.exit_code == 3 and "unknown finding code" in run.stderr


def test_importing_a_check_module_first_does_not_reorder_the_checks() -> None:
    import subprocess
    import sys

    listing = ("from deploypack.catalogue import checks as registered_checks; "
               "print(' '.join(c.function.__module__ + '.' + c.function.__name__ for c in registered_checks()))")
    usual = subprocess.run([sys.executable, "-c", listing], capture_output=True, text=True, check=True).stdout
    first = "import deploypack.checks.wheel, deploypack.checks.readme; "
    early = subprocess.run([sys.executable, "-c", first + listing], capture_output=True, text=True, check=True).stdout
    assert usual.split() and early == usual
    assert usual.split()[0].startswith("deploypack.checks.archive.")


def test_explain_takes_a_former_code_and_names_it() -> None:
    run = run_cli(["explain", "p010"])
    assert run.exit_code == 0
    assert run.stdout.startswith("V001 file-changed (error) (formerly P010)")
    assert run_cli(["explain", "G023"]).stdout.startswith("J004 merge-no-distributions")


def test_every_former_code_names_a_current_rule_and_none_is_reused() -> None:
    from deploypack.core.rules import FORMER_CODES

    rules = all_rules()
    assert set(FORMER_CODES.values()) <= set(rules)
    assert not set(FORMER_CODES) & set(rules)
