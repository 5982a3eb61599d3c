"""The emulator's expressions, as the runner evaluates them in a composite action's `if:` and `${{ }}`."""

from __future__ import annotations

import pytest

from tests.runner_emulator import evaluate, substitute

CONTEXTS = {
    "inputs": {"attest": "true", "upload": "false", "name": ""},
    "steps": {"prepare": {"outputs": {"artifact-name": "dists-build", "upload": "true"}, "outcome": "success"},
              "attest": {"outputs": {}, "outcome": "failure"}},
    "strategy": {"job-index": 1.0, "job-total": 2.0},
}


@pytest.mark.parametrize(("expression", "expected"), [
    ("inputs.attest == 'true'", True),
    ("inputs.attest == 'TRUE'", True),  # strings compare ignoring case
    ("inputs.upload != 'true'", True),
    ("steps.prepare.outputs.upload == 'true' && steps.prepare.outputs.artifact-name || ''", "dists-build"),
    ("inputs.upload == 'true' && steps.prepare.outputs.artifact-name || ''", ""),
    ("steps.missing.outputs.x", None),
    ("strategy.job-index == 1", True),
    ("!cancelled() && steps.attest.outcome == 'failure'", True),
    ("format('{0}-{1}', 'dists', strategy.job-index)", "dists-1"),
    ("fromJSON('{\"python-version\": [\"3.12\"]}')['python-version'][0]", "3.12"),
])
def test_expressions(expression: str, expected: object) -> None:
    assert evaluate(expression, CONTEXTS) == expected


def test_a_condition_without_a_status_function_implies_success() -> None:
    assert evaluate("inputs.attest == 'true'", CONTEXTS, failed=False, condition=True) is True
    assert evaluate("inputs.attest == 'true'", CONTEXTS, failed=True, condition=True) is False
    assert evaluate("${{ always() && inputs.attest == 'true' }}", CONTEXTS, failed=True, condition=True) is True
    assert evaluate("success()", CONTEXTS, failed=True, condition=True) is False


def test_substitution_turns_values_into_text() -> None:
    assert substitute("name-${{ strategy.job-index }}-${{ inputs.attest == 'true' }}", CONTEXTS) == "name-1-true"
    assert substitute("${{ steps.none.outputs.x }}", CONTEXTS) == ""
