from pathlib import Path

import pytest

from deploypack.config import options
from deploypack.core.errors import ConfigurationError
from deploypack.core.findings import Severity


def write(tmp_path: Path, text: str) -> Path:
    (tmp_path / "pyproject.toml").write_text(text, encoding="utf-8")
    return tmp_path


def test_cascade_order_defaults_pyproject_env_cli(tmp_path: Path) -> None:
    write(tmp_path, '[project]\nname="x"\n[tool.deploypack]\nstrict = true\nmax-file-size = "1MB"\nignore = ["M004"]\n')
    resolved = options.resolve(tmp_path, {}, {})
    assert resolved.strict is True and resolved.max_file_size == 1024 * 1024 and resolved.ignore == ("M004",)
    resolved = options.resolve(tmp_path, {}, {"DEPLOYPACK_STRICT": "no", "DEPLOYPACK_MAX_FILE_SIZE": "2048"})
    assert resolved.strict is False and resolved.max_file_size == 2048
    resolved = options.resolve(tmp_path, {"strict": True}, {"DEPLOYPACK_STRICT": "no"})
    assert resolved.strict is True
    assert resolved.outdir == tmp_path / "dist"


def test_format_defaults_to_github_inside_actions(tmp_path: Path) -> None:
    assert options.resolve(tmp_path, {}, {"GITHUB_ACTIONS": "true"}).format == "github"
    assert options.resolve(tmp_path, {}, {}).format == "text"


def test_unknown_key_is_an_error_with_its_line(tmp_path: Path) -> None:
    write(tmp_path, '[project]\nname = "x"\n\n[tool.deploypack]\nstrict = true\nstrikt = false\n')
    with pytest.raises(ConfigurationError) as caught:
        options.resolve(tmp_path, {}, {})
    assert caught.value.line == 6 and "strikt" in caught.value.message


def test_bad_value_names_the_key_and_line(tmp_path: Path) -> None:
    write(tmp_path, '[tool.deploypack]\n\nstrict = "maybe"\n')
    with pytest.raises(ConfigurationError) as caught:
        options.resolve(tmp_path, {}, {})
    assert caught.value.line == 3 and "strict" in caught.value.message


@pytest.mark.parametrize("raw", ["true", "True", "YES", "1", "on"])
def test_booleans_accept_yaml_spellings(raw: str) -> None:
    assert options.parse_bool(raw) is True


def test_severity_overrides_longest_prefix_wins(tmp_path: Path) -> None:
    resolved = options.resolve(tmp_path, {"severity": "M=note,M005=warning"}, {})
    assert resolved.severity_of("M005", Severity.ERROR) == Severity.WARNING
    assert resolved.severity_of("M001", Severity.ERROR) == Severity.NOTE
    assert resolved.severity_of("C001", Severity.ERROR) == Severity.ERROR


def test_select_and_ignore_by_prefix(tmp_path: Path) -> None:
    resolved = options.resolve(tmp_path, {"select": "M,C1", "ignore": "M004"}, {})
    assert resolved.is_selected("M001") and resolved.is_selected("C101")
    assert not resolved.is_selected("M004") and not resolved.is_selected("C201")


def test_every_parser_has_an_options_field() -> None:
    fields = {field.name for field in options.Options.__dataclass_fields__.values()}
    assert {key.replace("-", "_") for key in options.PARSERS} <= fields


def test_machine_policies_are_not_the_projects_to_set(tmp_path: Path) -> None:
    write(tmp_path, '[tool.deploypack]\nenv-cache-hours = 100000\n')
    with pytest.raises(ConfigurationError) as caught:
        options.resolve(tmp_path, {}, {})
    assert caught.value.line == 2
    (tmp_path / "pyproject.toml").unlink()
    assert options.resolve(tmp_path, {}, {"DEPLOYPACK_ENV_CACHE_HOURS": "0"}).env_cache_hours == 0


def test_hook_server_is_on_by_default_and_off_from_the_project_or_the_environment(tmp_path: Path) -> None:
    assert options.resolve(tmp_path, {}, {}).hook_server is True
    assert options.resolve(tmp_path, {}, {"DEPLOYPACK_HOOK_SERVER": "false"}).hook_server is False
    write(tmp_path, '[tool.deploypack]\nhook-server = false\n')
    assert options.resolve(tmp_path, {}, {}).hook_server is False


def test_former_codes_select_ignore_and_set_the_codes_they_became(tmp_path: Path) -> None:
    # Merge findings were G020-G023 and verify findings P010-P013 (core/rules.py FORMER_CODES).
    selected = options.resolve(tmp_path, {"select": "P010,G02"}, {})
    assert selected.is_selected("V001") and all(selected.is_selected(f"J00{n}") for n in range(1, 5))
    assert not selected.is_selected("V002") and not selected.is_selected("M001")
    write(tmp_path, '[tool.deploypack]\nignore = ["P"]\nseverity = { P011 = "warning", V003 = "note" }\n')
    configured = options.resolve(tmp_path, {}, {})
    assert not configured.is_selected("V004") and not configured.is_selected("P001")
    assert configured.is_selected("J001")
    assert configured.severity_of("V002", Severity.ERROR) == Severity.WARNING
    assert configured.severity_of("V003", Severity.ERROR) == Severity.NOTE
