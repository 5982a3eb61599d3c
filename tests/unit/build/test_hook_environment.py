"""The hooks' environment policy, name by name (the real build is in tests/hostile)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from deploypack.build.hook_environment import hook_environment
from deploypack.config.runenv import RunEnvironment


@pytest.mark.parametrize("name", [
    "PATH", "HOME", "LANG", "LC_ALL", "TZ", "TMPDIR", "SOURCE_DATE_EPOCH", "CC", "CXXFLAGS", "LDFLAGS",
    "CMAKE_GENERATOR", "PKG_CONFIG_PATH", "CARGO_HOME", "MACOSX_DEPLOYMENT_TARGET", "SETUPTOOLS_SCM_PRETEND_VERSION",
    "SETUPTOOLS_SCM_PRETEND_VERSION_FOR_PKG", "HATCH_BUILD_HOOKS_ENABLE", "PIP_INDEX_URL", "UV_INDEX_URL",
    "http_proxy", "HTTPS_PROXY", "no_proxy", "SSL_CERT_FILE", "GIT_COMMITTER_DATE", "PBR_VERSION", "SYSTEMROOT",
])
def test_what_builds_rely_on_passes(name: str) -> None:
    assert hook_environment({name: "value"}) == {name: "value"}


@pytest.mark.parametrize("name", [
    "GITHUB_TOKEN", "GITHUB_REF", "ACTIONS_RUNTIME_TOKEN", "ACTIONS_ID_TOKEN_REQUEST_URL", "RUNNER_TEMP",
    "INPUT_INDEX", "DEPLOYPACK_PASS_ENV", "PYTHONPATH", "TWINE_PASSWORD", "AWS_ACCESS_KEY_ID", "NPM_TOKEN",
    "CARGO_REGISTRY_TOKEN", "UV_INDEX_CORP_PASSWORD", "PIP_CLIENT_CERT_SECRET", "GIT_ASKPASS_TOKEN",
    "SOME_UNKNOWN_VARIABLE",
])
def test_credentials_inputs_and_unknown_names_stay_out(name: str) -> None:
    assert hook_environment({name: "value"}) == {}


def test_pass_env_adds_names_and_patterns_but_patterns_never_reach_the_runners_own() -> None:
    run = {"MY_FLAG": "1", "VENDOR_A": "a", "GITHUB_TOKEN": "t", "ACTIONS_RUNTIME_TOKEN": "r", "OTHER": "o"}
    assert hook_environment(run, ["MY_FLAG", "VENDOR_*", "GITHUB_*", "*TOKEN"]) == {"MY_FLAG": "1", "VENDOR_A": "a"}
    assert hook_environment(run, ["GITHUB_TOKEN"]) == {"GITHUB_TOKEN": "t"}


@given(st.dictionaries(st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,20}", fullmatch=True), st.text(max_size=5)))
def test_the_result_is_a_part_of_the_run_environment_and_never_holds_the_runners_variables(
        variables: dict[str, str]) -> None:
    chosen = hook_environment(RunEnvironment(variables))
    assert chosen.items() <= variables.items()
    assert not [name for name in chosen if name.upper().startswith(("GITHUB_", "ACTIONS_", "RUNNER_", "INPUT_"))]


def test_the_run_environment_is_frozen_and_keeps_its_values_out_of_its_repr() -> None:
    source = {"GITHUB_TOKEN": "ghs_secret"}
    run = RunEnvironment(source)
    source["GITHUB_TOKEN"] = "changed"
    assert run["GITHUB_TOKEN"] == "ghs_secret"
    with pytest.raises(TypeError):
        run["GITHUB_TOKEN"] = "x"  # type: ignore[index]  # the point: it does not support assignment
    assert "ghs_secret" not in repr(run)
    assert run.with_values({"SOURCE_DATE_EPOCH": "1"})["SOURCE_DATE_EPOCH"] == "1"
    assert "SOURCE_DATE_EPOCH" not in run
